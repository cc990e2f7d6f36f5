//! Building a statement and compiling it to SQL text plus bound values:
//! Aludel (uncached, and through a warm `StatementCache`) side by side with
//! sea-query, for five workloads on PostgreSQL, MySQL and SQLite.
//!
//! Every measured iteration builds the statement from scratch with values
//! that change from one iteration to the next, then produces the SQL and its
//! parameters; dropping the result is measured too. The statements are the
//! same for both libraries: the same qualified columns, the same clauses.
//! Aludel's tables are declared once for the program (`Table::into_static`),
//! as models' tables are, and sea-query's are `#[derive(Iden)]` enums. The
//! cached series gives the statement to the cache
//! (`StatementCache::compile_owned`), as the engine does when it runs one.
//!
//! Before measuring, the setup checks Aludel's SQL for every workload and
//! dialect, checks that a cache hit returns the same SQL and values as an
//! uncached compile (and reuses the cached text), and checks that sea-query
//! binds as many values as Aludel, so no benchmark can measure an error path.

use aludel::mysql::MySqlDialect;
use aludel::postgres::PostgresDialect;
use aludel::sqlite::SqliteDialect;
use aludel::{
    compile, excluded, insert, select, Column, Compiled, Cte, Dialect, MetaData, OnConflict,
    SqlType, Statement, StatementCache, Table,
};
use criterion::{black_box, Criterion};
use sea_query::{
    Iden, MysqlQueryBuilder, Order, PostgresQueryBuilder, Query, QueryBuilder, SqliteQueryBuilder,
    UnionType,
};
use std::sync::Arc;

// ----- the schema ---------------------------------------------------------------

struct Schema {
    users: Table,
    posts: Table,
    categories: Table,
}

fn schema() -> aludel::Result<Schema> {
    let mut md = MetaData::new();
    let users = md
        .add(
            Table::builder("users")
                .column(Column::new("id", SqlType::BigInt).primary_key())
                .column(Column::new("name", SqlType::String(Some(100))).not_null())
                .column(Column::new("email", SqlType::String(Some(200))).not_null()),
        )?
        .into_static();
    let posts = md
        .add(
            Table::builder("posts")
                .column(Column::new("id", SqlType::BigInt).primary_key())
                .column(Column::new("title", SqlType::String(Some(200))).not_null())
                .column(Column::new("content", SqlType::Text).not_null())
                .column(
                    Column::new("owner_id", SqlType::BigInt)
                        .not_null()
                        .foreign_key("users.id"),
                ),
        )?
        .into_static();
    let categories = md
        .add(
            Table::builder("categories")
                .column(Column::new("id", SqlType::BigInt).primary_key())
                .column(Column::new("parent_id", SqlType::BigInt).foreign_key("categories.id"))
                .column(Column::new("name", SqlType::String(Some(100))).not_null()),
        )?
        .into_static();
    Ok(Schema {
        users,
        posts,
        categories,
    })
}

#[derive(Iden)]
enum Users {
    Table,
    Id,
    Name,
    Email,
}

#[derive(Iden)]
enum Posts {
    Table,
    Id,
    Title,
    Content,
    OwnerId,
}

#[derive(Iden)]
enum Categories {
    Table,
    Id,
    ParentId,
    Name,
}

#[derive(Iden)]
enum Tree {
    Table,
    Id,
    ParentId,
    Name,
}

// Values that change from one iteration to the next.
const NAMES: [&str; 4] = ["alice", "bob", "carol", "dave"];
const EMAILS: [&str; 4] = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
];
const PATTERNS: [&str; 4] = ["a%", "b%", "c%", "d%"];
const TITLES: [&str; 10] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];
const CONTENT: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.";

fn pick(list: &[&'static str], n: u64) -> &'static str {
    list[(n % list.len() as u64) as usize]
}

// ----- the workloads, built with Aludel -----------------------------------------

/// `SELECT id, name, email FROM users WHERE id = ?`
fn aludel_select_by_id(s: &Schema, n: u64) -> aludel::Result<Statement> {
    let u = &s.users;
    Ok(select([u.c("id")?, u.c("name")?, u.c("email")?])
        .where_(u.c("id")?.eq(n as i64))
        .into())
}

/// users JOIN posts, a filter on both, ORDER BY and LIMIT.
fn aludel_join(s: &Schema, n: u64) -> aludel::Result<Statement> {
    let (u, p) = (&s.users, &s.posts);
    Ok(
        select([u.c("id")?, u.c("name")?, p.c("id")?, p.c("title")?])
            .from(u)
            .join(p, u.c("id")?.eq(p.c("owner_id")?))
            .where_(u.c("name")?.like(pick(&PATTERNS, n)))
            .where_(p.c("id")?.gt(n as i64))
            .order_by(p.c("id")?.desc())
            .limit(10)
            .into(),
    )
}

/// A 10-row INSERT into posts.
fn aludel_insert_rows(s: &Schema, n: u64) -> aludel::Result<Statement> {
    let mut ins = insert(&s.posts).columns(["title", "content", "owner_id"]);
    for k in 0..10u64 {
        ins = ins.row([
            aludel::value(TITLES[k as usize]),
            aludel::value(CONTENT),
            aludel::value((n + k) as i64),
        ]);
    }
    Ok(ins.into())
}

/// INSERT ... ON CONFLICT (id) DO UPDATE SET name, email (ON DUPLICATE KEY UPDATE on MySQL).
fn aludel_upsert(s: &Schema, n: u64) -> aludel::Result<Statement> {
    Ok(insert(&s.users)
        .value("id", n as i64)
        .value("name", pick(&NAMES, n))
        .value("email", pick(&EMAILS, n))
        .on_conflict(
            OnConflict::columns(["id"])
                .do_update([("name", excluded("name")), ("email", excluded("email"))]),
        )
        .into())
}

/// A recursive CTE walking the categories tree down from a root.
fn aludel_recursive_cte(s: &Schema, n: u64) -> aludel::Result<Statement> {
    let c = &s.categories;
    let tree = Cte::recursive("tree", ["id", "parent_id", "name"], |t| {
        Ok(select([c.c("id")?, c.c("parent_id")?, c.c("name")?])
            .where_(c.c("id")?.eq(n as i64))
            .union_all(
                select([c.c("id")?, c.c("parent_id")?, c.c("name")?])
                    .from(c)
                    .join(t, c.c("parent_id")?.eq(t.c("id")?)),
            ))
    })?;
    Ok(select([tree.c("id")?, tree.c("parent_id")?, tree.c("name")?]).into())
}

// ----- the same workloads, built with sea-query ---------------------------------

fn sea_select_by_id<B: QueryBuilder>(b: B, n: u64) -> (String, sea_query::Values) {
    Query::select()
        .columns([
            (Users::Table, Users::Id),
            (Users::Table, Users::Name),
            (Users::Table, Users::Email),
        ])
        .from(Users::Table)
        .and_where(sea_query::Expr::col((Users::Table, Users::Id)).eq(n as i64))
        .build(b)
}

fn sea_join<B: QueryBuilder>(b: B, n: u64) -> (String, sea_query::Values) {
    Query::select()
        .columns([(Users::Table, Users::Id), (Users::Table, Users::Name)])
        .columns([(Posts::Table, Posts::Id), (Posts::Table, Posts::Title)])
        .from(Users::Table)
        .inner_join(
            Posts::Table,
            sea_query::Expr::col((Users::Table, Users::Id)).equals((Posts::Table, Posts::OwnerId)),
        )
        .and_where(sea_query::Expr::col((Users::Table, Users::Name)).like(pick(&PATTERNS, n)))
        .and_where(sea_query::Expr::col((Posts::Table, Posts::Id)).gt(n as i64))
        .order_by((Posts::Table, Posts::Id), Order::Desc)
        .limit(10)
        .build(b)
}

fn sea_insert_rows<B: QueryBuilder>(b: B, n: u64) -> (String, sea_query::Values) {
    let mut ins = Query::insert();
    ins.into_table(Posts::Table)
        .columns([Posts::Title, Posts::Content, Posts::OwnerId]);
    for k in 0..10u64 {
        ins.values_panic([
            TITLES[k as usize].into(),
            CONTENT.into(),
            ((n + k) as i64).into(),
        ]);
    }
    ins.build(b)
}

fn sea_upsert<B: QueryBuilder>(b: B, n: u64) -> (String, sea_query::Values) {
    Query::insert()
        .into_table(Users::Table)
        .columns([Users::Id, Users::Name, Users::Email])
        .values_panic([
            (n as i64).into(),
            pick(&NAMES, n).into(),
            pick(&EMAILS, n).into(),
        ])
        .on_conflict(
            sea_query::OnConflict::column(Users::Id)
                .update_columns([Users::Name, Users::Email])
                .to_owned(),
        )
        .build(b)
}

fn sea_recursive_cte<B: QueryBuilder>(b: B, n: u64) -> (String, sea_query::Values) {
    let mut base = Query::select()
        .columns([
            (Categories::Table, Categories::Id),
            (Categories::Table, Categories::ParentId),
            (Categories::Table, Categories::Name),
        ])
        .from(Categories::Table)
        .and_where(sea_query::Expr::col((Categories::Table, Categories::Id)).eq(n as i64))
        .to_owned();
    let step = Query::select()
        .columns([
            (Categories::Table, Categories::Id),
            (Categories::Table, Categories::ParentId),
            (Categories::Table, Categories::Name),
        ])
        .from(Categories::Table)
        .inner_join(
            Tree::Table,
            sea_query::Expr::col((Categories::Table, Categories::ParentId))
                .equals((Tree::Table, Tree::Id)),
        )
        .to_owned();
    let cte = sea_query::CommonTableExpression::new()
        .query(base.union(UnionType::All, step).to_owned())
        .columns([Tree::Id, Tree::ParentId, Tree::Name])
        .table_name(Tree::Table)
        .to_owned();
    let with = sea_query::WithClause::new()
        .recursive(true)
        .cte(cte)
        .to_owned();
    Query::select()
        .columns([
            (Tree::Table, Tree::Id),
            (Tree::Table, Tree::ParentId),
            (Tree::Table, Tree::Name),
        ])
        .from(Tree::Table)
        .to_owned()
        .with(with)
        .build(b)
}

// ----- the benchmark table ------------------------------------------------------

type AludelBuild = fn(&Schema, u64) -> aludel::Result<Statement>;

struct Workload {
    name: &'static str,
    aludel: AludelBuild,
    sea: [fn(u64) -> (String, sea_query::Values); 3],
    /// Aludel's SQL on PostgreSQL, MySQL and SQLite.
    expected: [&'static str; 3],
}

/// One generic sea-query function per backend, in the order of [`dialects`].
macro_rules! sea_backends {
    ($f:ident) => {
        [
            |n| $f(PostgresQueryBuilder, n),
            |n| $f(MysqlQueryBuilder, n),
            |n| $f(SqliteQueryBuilder, n),
        ]
    };
}

fn dialects() -> [(&'static str, &'static dyn Dialect); 3] {
    [
        ("postgres", &PostgresDialect),
        ("mysql", &MySqlDialect),
        ("sqlite", &SqliteDialect),
    ]
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "select_by_id",
            aludel: aludel_select_by_id,
            sea: sea_backends!(sea_select_by_id),
            expected: [
                "SELECT users.id, users.name, users.email FROM users WHERE users.id = $1",
                "SELECT users.id, users.name, users.email FROM users WHERE users.id = ?",
                "SELECT users.id, users.name, users.email FROM users WHERE users.id = ?",
            ],
        },
        Workload {
            name: "join_filter_order",
            aludel: aludel_join,
            sea: sea_backends!(sea_join),
            expected: [
                "SELECT users.id, users.name, posts.id, posts.title FROM users JOIN posts ON users.id = posts.owner_id WHERE users.name LIKE $1 AND posts.id > $2 ORDER BY posts.id DESC LIMIT 10",
                "SELECT users.id, users.name, posts.id, posts.title FROM users JOIN posts ON users.id = posts.owner_id WHERE users.name LIKE ? AND posts.id > ? ORDER BY posts.id DESC LIMIT 10",
                "SELECT users.id, users.name, posts.id, posts.title FROM users JOIN posts ON users.id = posts.owner_id WHERE users.name LIKE ? AND posts.id > ? ORDER BY posts.id DESC LIMIT 10",
            ],
        },
        Workload {
            name: "insert_10_rows",
            aludel: aludel_insert_rows,
            sea: sea_backends!(sea_insert_rows),
            expected: [
                "INSERT INTO posts (title, content, owner_id) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9), ($10, $11, $12), ($13, $14, $15), ($16, $17, $18), ($19, $20, $21), ($22, $23, $24), ($25, $26, $27), ($28, $29, $30)",
                "INSERT INTO posts (title, content, owner_id) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)",
                "INSERT INTO posts (title, content, owner_id) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)",
            ],
        },
        Workload {
            name: "upsert",
            aludel: aludel_upsert,
            sea: sea_backends!(sea_upsert),
            expected: [
                "INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email",
                "INSERT INTO users (id, name, email) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), email = VALUES(email)",
                "INSERT INTO users (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email",
            ],
        },
        Workload {
            name: "recursive_cte",
            aludel: aludel_recursive_cte,
            sea: sea_backends!(sea_recursive_cte),
            expected: [
                "WITH RECURSIVE tree(id, parent_id, name) AS (SELECT categories.id, categories.parent_id, categories.name FROM categories WHERE categories.id = $1 UNION ALL SELECT categories.id, categories.parent_id, categories.name FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.id, tree.parent_id, tree.name FROM tree",
                "WITH RECURSIVE tree(id, parent_id, name) AS (SELECT categories.id, categories.parent_id, categories.name FROM categories WHERE categories.id = ? UNION ALL SELECT categories.id, categories.parent_id, categories.name FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.id, tree.parent_id, tree.name FROM tree",
                "WITH RECURSIVE tree(id, parent_id, name) AS (SELECT categories.id, categories.parent_id, categories.name FROM categories WHERE categories.id = ? UNION ALL SELECT categories.id, categories.parent_id, categories.name FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.id, tree.parent_id, tree.name FROM tree",
            ],
        },
    ]
}

/// Checks, once, that every benchmark below measures a successful compile
/// of the intended SQL.
fn check(s: &Schema, w: &Workload, di: usize, d: &'static dyn Dialect) {
    let what = format!("{} on {}", w.name, d.name());
    let stmt = (w.aludel)(s, 7).unwrap_or_else(|e| panic!("{what}: building failed: {e}"));
    let uncached = compile(&stmt, d).unwrap_or_else(|e| panic!("{what}: compiling failed: {e}"));
    assert_eq!(&*uncached.sql, w.expected[di], "{what}: unexpected SQL");

    let cache = StatementCache::new(d);
    let first = cache
        .compile(&stmt)
        .unwrap_or_else(|e| panic!("{what}: cached compile failed: {e}"));
    assert_eq!(first, uncached, "{what}: the cache's first compile differs");
    let other = (w.aludel)(s, 8).unwrap_or_else(|e| panic!("{what}: building failed: {e}"));
    let hit = cache
        .compile(&other)
        .unwrap_or_else(|e| panic!("{what}: cache hit failed: {e}"));
    let owned_hit = cache
        .compile_owned(other.clone())
        .unwrap_or_else(|e| panic!("{what}: owned cache hit failed: {e}"));
    assert_eq!(owned_hit, hit, "{what}: an owned cache hit differs");
    assert!(Arc::ptr_eq(&owned_hit.sql, &first.sql));
    assert!(
        Arc::ptr_eq(&hit.sql, &first.sql),
        "{what}: the second statement of the same shape missed the cache"
    );
    assert_eq!(
        hit,
        compile(&other, d).unwrap_or_else(|e| panic!("{what}: compiling failed: {e}")),
        "{what}: a cache hit differs from an uncached compile"
    );
    assert_ne!(hit.params, first.params, "{what}: values did not change");

    let (sea_sql, sea_values) = (w.sea[di])(7);
    assert_eq!(
        sea_values.0.len(),
        uncached.params.len() + usize::from(w.name == "join_filter_order"),
        "{what}: sea-query binds a different number of values: {sea_sql}"
    );
}

fn bench_compile(c: &mut Criterion) {
    let s = schema().expect("the benchmark schema is valid");
    for w in workloads() {
        let mut group = c.benchmark_group(w.name);
        let mut n = 0u64;
        // Building and dropping the statement alone: the part of every
        // Aludel figure that no cache can remove.
        group.bench_function("aludel/build_only", |b| {
            b.iter(|| {
                n += 1;
                (w.aludel)(&s, black_box(n)).expect("builds")
            })
        });
        for (di, (dname, d)) in dialects().into_iter().enumerate() {
            check(&s, &w, di, d);

            group.bench_function(format!("{dname}/aludel/uncached"), |b| {
                b.iter(|| {
                    n += 1;
                    let stmt = (w.aludel)(&s, black_box(n)).expect("builds");
                    let compiled: Compiled = compile(&stmt, d).expect("compiles");
                    compiled
                })
            });

            let cache = StatementCache::new(d);
            cache
                .compile(&(w.aludel)(&s, 0).expect("builds"))
                .expect("compiles");
            group.bench_function(format!("{dname}/aludel/cached"), |b| {
                b.iter(|| {
                    n += 1;
                    let stmt = (w.aludel)(&s, black_box(n)).expect("builds");
                    let compiled: Compiled = cache.compile_owned(stmt).expect("compiles");
                    compiled
                })
            });
            assert_eq!(cache.len(), 1, "{}: one shape, one cache entry", w.name);

            let sea = w.sea[di];
            group.bench_function(format!("{dname}/sea_query"), |b| {
                b.iter(|| {
                    n += 1;
                    sea(black_box(n))
                })
            });
        }
        group.finish();
    }
}

mod group {
    // The macro declares an undocumented public function.
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::bench_compile);
}
/// Runs one series of one workload `n` times outside criterion, for
/// counting instructions under callgrind (which, unlike time, does not
/// depend on what else the machine is doing):
///
/// ```text
/// ALUDEL_COMPILE_PROFILE=select_by_id/sqlite/cached:1200 valgrind --tool=callgrind \
///     --toggle-collect='compile::profiled' target/release/deps/compile-<hash> --bench
/// ```
///
/// Series: `uncached`, `cached`, `sea_query`, `build_only`. Compare two
/// counts (say for 1,200 and 200 iterations) to leave the setup out.
fn profile(spec: &str) {
    let (what, n) = spec.split_once(':').unwrap_or((spec, "1000"));
    let n: u64 = n
        .parse()
        .expect("ALUDEL_COMPILE_PROFILE: an iteration count after ':'");
    let mut parts = what.split('/');
    let (Some(workload), Some(dialect), Some(series)) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("ALUDEL_COMPILE_PROFILE: workload/dialect/series:iterations");
    };
    let s = schema().expect("the benchmark schema is valid");
    let w = workloads()
        .into_iter()
        .find(|w| w.name == workload)
        .expect("ALUDEL_COMPILE_PROFILE: a workload");
    let di = dialects()
        .iter()
        .position(|(name, _)| *name == dialect)
        .expect("ALUDEL_COMPILE_PROFILE: postgres, mysql or sqlite");
    let d = dialects()[di].1;
    check(&s, &w, di, d);
    let cache = StatementCache::new(d);
    cache
        .compile(&(w.aludel)(&s, 0).expect("builds"))
        .expect("compiles");
    profiled(&s, &w, di, &cache, series, n);
}

#[inline(never)]
fn profiled(s: &Schema, w: &Workload, di: usize, cache: &StatementCache, series: &str, n: u64) {
    let d = cache.dialect();
    for i in 1..=n {
        match series {
            "uncached" => {
                let stmt = (w.aludel)(s, black_box(i)).expect("builds");
                black_box(compile(&stmt, d).expect("compiles"));
            }
            "cached" => {
                let stmt = (w.aludel)(s, black_box(i)).expect("builds");
                black_box(cache.compile_owned(stmt).expect("compiles"));
            }
            "build_only" => {
                black_box((w.aludel)(s, black_box(i)).expect("builds"));
            }
            "sea_query" => {
                black_box((w.sea[di])(black_box(i)));
            }
            other => panic!("ALUDEL_COMPILE_PROFILE: unknown series {other}"),
        }
    }
}

fn main() {
    if let Ok(spec) = std::env::var("ALUDEL_COMPILE_PROFILE") {
        profile(&spec);
        return;
    }
    group::benches();
    Criterion::default().configure_from_args().final_summary();
}
