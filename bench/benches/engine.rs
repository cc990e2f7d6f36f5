//! The engine benchmark: Aludel Core statements run through an engine
//! connection and decoded into structs, side by side with the raw driver
//! doing the same work, on SQLite, PostgreSQL and MariaDB/MySQL.
//!
//! Workloads, after diesel's benchmark suite (`diesel_bench`), on the tables
//! `users (id, name, hair_color NULL)` and `posts (id, user_id, title, body
//! NULL)`:
//!
//! - `fetch_all_users/N`: every user of a table of N (1, 100, 10,000) into
//!   `User { id, name, hair_color }` (diesel's "trivial query"; every
//!   `hair_color` is NULL, as there).
//! - `fetch_user_by_pk`: one user by primary key from a table of 10,000, a
//!   different id each iteration. Every implementation reads rows as the
//!   raw driver's call does: the first row on SQLite and MariaDB (rusqlite's
//!   `query_row`, mysql_async's `exec_first`; Aludel's `fetch_first`, as
//!   diesel's suite reads it with `.first()`), exactly one on PostgreSQL
//!   (tokio-postgres's `query_one`; Aludel's `fetch_one`).
//! - `insert_100_users`: 100 users in one INSERT statement (diesel's
//!   "insert", size 100); the table is emptied, untimed, every 100 statements.
//! - `users_left_join_posts/N`: `users LEFT JOIN posts ON users.id =
//!   posts.user_id WHERE users.hair_color = 'black'` into `(User,
//!   Option<Post>)` pairs, with N (1, 100, 10,000) users whose hair colors
//!   alternate black and brown and no posts: diesel's "medium complex
//!   query", data and query as there (so half the users match, each with no
//!   post).
//!
//! Implementations, in the same run:
//!
//! - `raw`: the driver alone, written the way a competent user would:
//!   rusqlite with `prepare_cached`; tokio-postgres with statements prepared
//!   once and reused (`query_raw`, `query_one`, `execute`); mysql_async with
//!   statements prepared once (`exec_map`, `exec_first`, `exec_drop`), over
//!   TCP as Aludel (`prefer_socket` off).
//! - `aludel`: the statement built afresh every iteration with Aludel's
//!   builders (`select(&users).where_(...)`, `insert(&users).rows(...)`), run
//!   through an engine `Connection` checked out once, rows decoded with
//!   `#[derive(FromRow)]` (and, for the join, a `FromRow` impl that reuses it).
//!   The tables are declared once for the program
//!   (`MetaData::add(..)?.into_static()`, as in the compile benchmark and as
//!   a model's table is), so a statement that names them counts no
//!   references.
//!   SQLite runs through the blocking facade; PostgreSQL and MariaDB through
//!   the async API on a current-thread tokio runtime, the raw driver on the
//!   same runtime.
//! - `aludel_prepared`: the same statements built and compiled once, with
//!   `bindparam` placeholders where the values change (`Prepared::new`, as
//!   `Engine::prepare` does), and run through the same connection with new
//!   values every iteration (`prepared.bind(id)`): what the raw drivers'
//!   statements prepared once correspond to.
//!
//! SQLite databases are in memory: one for the raw connection, one for the
//! engine, both filled with the same rows (as diesel_bench gives each
//! implementation its own `:memory:` database). PostgreSQL and MariaDB run
//! when `ALUDEL_BENCH_POSTGRES_URL` / `ALUDEL_BENCH_MYSQL_URL` name a
//! database (`cargo xtask bench` starts throwaway servers and sets them);
//! every implementation then uses the same tables. `ALUDEL_BENCH_BACKENDS`
//! (`sqlite,postgres,mysql`) limits the backends run.
//!
//! Before each workload is measured, the setup runs every implementation
//! once and asserts that they return the same rows, so that nothing measures
//! an error path. On the servers, seeding ends with `ANALYZE`, so that the
//! server's own statistics run does not land inside one implementation's
//! measurement, or plan its statements apart from the others'.
//!
//! Benchmark ids are `<backend>/<workload>/<implementation>`.

use aludel::engine::{get, FromRow, RowAccess};
use aludel::{
    bindparam, insert, select, value, Bound, Column, Insert, IntoExpr, MetaData, Prepared, Select,
    SqlType, Statement, Table,
};
use criterion::{black_box, criterion_main, Criterion};
use std::time::{Duration, Instant};

/// Table sizes of the fetch-all and join workloads.
const SIZES: &[usize] = &[1, 100, 10_000];
/// Users in the table of the primary-key lookup.
const PK_TABLE: usize = 10_000;
/// Users per INSERT statement.
const INSERT_ROWS: usize = 100;
/// INSERT statements between two (untimed) emptyings of the table.
const INSERTS_PER_RESET: u64 = 100;

/// The hair color every inserted user gets (as in diesel's insert benchmark).
const HAIR: &str = "hair_color";

include!("../shared/engine_rows.rs");

/// The name of the `x`-th inserted user.
fn user_name(x: usize) -> String {
    format!("User {x}")
}

/// The users of a seeded table: names and hair colors.
type Seed = Vec<(String, Option<&'static str>)>;

fn seed_without_hair(n: usize) -> Seed {
    (0..n).map(|x| (user_name(x), None)).collect()
}

/// Alternating black and brown, as diesel's medium complex query's data.
fn seed_black_and_brown(n: usize) -> Seed {
    (0..n)
        .map(|x| {
            (
                user_name(x),
                Some(if x % 2 == 0 { "black" } else { "brown" }),
            )
        })
        .collect()
}

// ----- Aludel: the schema and the statements built every iteration ---------

struct Schema {
    users: Table,
    posts: Table,
}

fn schema() -> Schema {
    let mut md = MetaData::new();
    let users = md
        .add(
            Table::builder("users")
                .column(Column::new("id", SqlType::BigInt).primary_key())
                .column(Column::new("name", SqlType::String(None)).not_null())
                .column(Column::new("hair_color", SqlType::String(None))),
        )
        .expect("the users table")
        .into_static();
    let posts = md
        .add(
            Table::builder("posts")
                .column(Column::new("id", SqlType::BigInt).primary_key())
                .column(Column::new("user_id", SqlType::BigInt).not_null())
                .column(Column::new("title", SqlType::String(None)).not_null())
                .column(Column::new("body", SqlType::Text)),
        )
        .expect("the posts table")
        .into_static();
    Schema { users, posts }
}

impl Schema {
    fn all_users(&self) -> Select {
        select(&self.users)
    }

    /// By primary key: `id` is a value, or a `bindparam` to prepare.
    fn user_by_id(&self, id: impl IntoExpr) -> Select {
        select(&self.users).where_(self.users.c("id").expect("users.id").eq(id))
    }

    /// [`Schema::insert_users`] with `cell(x, column)` in each row's place
    /// (`bindparam`s, to prepare).
    fn insert_users_with<E: IntoExpr>(&self, mut cell: impl FnMut(usize, &str) -> E) -> Insert {
        insert(&self.users)
            .columns(["name", "hair_color"])
            .rows((0..INSERT_ROWS).map(|x| [cell(x, "name"), cell(x, "hair_color")]))
    }

    fn insert_users(&self) -> Insert {
        insert(&self.users)
            .columns(["name", "hair_color"])
            .rows((0..INSERT_ROWS).map(|x| [value(user_name(x)), value(HAIR)]))
    }

    /// `hair_color` is a value, or a `bindparam` to prepare.
    fn users_with_posts(&self, hair_color: impl IntoExpr) -> Select {
        users_with_posts(&self.users, &self.posts, hair_color)
    }

    /// The seeding INSERT (not measured).
    fn insert_seed(&self, seed: &Seed) -> Insert {
        insert(&self.users)
            .columns(["name", "hair_color"])
            .rows(seed.iter().map(|(n, h)| [value(n.as_str()), value(*h)]))
    }
}

/// The raw drivers' SQL: diesel_bench's queries, with `?` placeholders
/// (rewritten to `$n` for PostgreSQL).
const ALL_USERS: &str = "SELECT id, name, hair_color FROM users";
const USER_BY_ID: &str = "SELECT id, name, hair_color FROM users WHERE id = ?";

/// `INSERT INTO users (name, hair_color) VALUES (?, ?), ...` for `rows` rows.
fn insert_users_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for x in 0..rows {
        if x > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?)");
    }
    sql
}

/// `?` placeholders to PostgreSQL's `$1, $2, ...`.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

// ----- one backend: both implementations of every workload -----------------

trait Backend {
    fn name(&self) -> &'static str;
    /// Empties both tables and inserts these users, for every implementation.
    fn seed(&mut self, users: &Seed);
    /// The ids of the users, in order.
    fn user_ids(&mut self) -> Vec<i64>;

    /// The dialect of the backend's engine (what statements are prepared for).
    fn dialect(&self) -> &'static dyn aludel::Dialect;

    fn raw_all_users(&mut self) -> Vec<User>;
    fn aludel_all_users(&mut self, q: aludel::Statement) -> Vec<User>;
    fn raw_user(&mut self, id: i64) -> User;
    fn aludel_user(&mut self, q: aludel::Statement) -> User;
    /// Inserts `INSERT_ROWS` users; returns the rows inserted.
    fn raw_insert(&mut self) -> u64;
    fn aludel_insert(&mut self, q: aludel::Statement) -> u64;
    fn raw_users_with_posts(&mut self) -> Vec<(User, Option<Post>)>;
    fn aludel_users_with_posts(&mut self, q: aludel::Statement) -> Vec<UserAndPost>;
}

/// The workloads' statements prepared once for a backend's dialect
/// (`Engine::prepare`): the `aludel_prepared` implementation.
struct PreparedStmts {
    all_users: Prepared,
    user_by_id: Prepared,
    insert_users: Prepared,
    users_with_posts: Prepared,
}

impl PreparedStmts {
    fn new(s: &Schema, dialect: &'static dyn aludel::Dialect) -> PreparedStmts {
        let prep = |stmt: Statement| Prepared::new(stmt, dialect).expect("prepare");
        PreparedStmts {
            all_users: prep(s.all_users().into()),
            user_by_id: prep(s.user_by_id(bindparam("id")).into()),
            insert_users: prep(
                s.insert_users_with(|x, col| bindparam(format!("{col}_{x}")))
                    .into(),
            ),
            users_with_posts: prep(s.users_with_posts(bindparam("hair_color")).into()),
        }
    }

    fn insert_users(&self) -> Bound {
        let mut b = self.insert_users.bound();
        for x in 0..INSERT_ROWS {
            b = b.bind(user_name(x)).bind(HAIR);
        }
        b
    }
}

/// Which Aludel implementation runs: statements built afresh, or prepared.
#[derive(Clone, Copy)]
enum Imp {
    Built,
    Prepared,
}

fn bench_backend(c: &mut Criterion, be: &mut dyn Backend) {
    let name = be.name();
    let schema = schema();
    let prepared = PreparedStmts::new(&schema, be.dialect());
    let all_users = |imp: Imp| -> Statement {
        match imp {
            Imp::Built => schema.all_users().into(),
            Imp::Prepared => (&prepared.all_users).into(),
        }
    };
    let user_by_id = |imp: Imp, id: i64| -> Statement {
        match imp {
            Imp::Built => schema.user_by_id(id).into(),
            Imp::Prepared => prepared.user_by_id.bind(id).into(),
        }
    };
    let insert_users = |imp: Imp| -> Statement {
        match imp {
            Imp::Built => schema.insert_users().into(),
            Imp::Prepared => prepared.insert_users().into(),
        }
    };
    let users_with_posts = |imp: Imp| -> Statement {
        match imp {
            Imp::Built => schema.users_with_posts("black").into(),
            Imp::Prepared => prepared.users_with_posts.bind("black").into(),
        }
    };
    let imps = [("aludel", Imp::Built), ("aludel_prepared", Imp::Prepared)];

    for &n in SIZES {
        be.seed(&seed_without_hair(n));
        let raw = be.raw_all_users();
        assert_eq!(raw.len(), n, "{name}: fetch_all_users/{n}");
        for (_, imp) in imps {
            let q = all_users(imp);
            assert_eq!(raw, be.aludel_all_users(q), "{name}: fetch_all_users/{n}");
        }
        let mut g = c.benchmark_group(format!("{name}/fetch_all_users/{n}"));
        g.bench_function("raw", |b| b.iter(|| be.raw_all_users()));
        for (id, imp) in imps {
            g.bench_function(id, |b| b.iter(|| be.aludel_all_users(all_users(imp))));
        }
        g.finish();
    }

    be.seed(&seed_without_hair(PK_TABLE));
    let ids = be.user_ids();
    assert_eq!(ids.len(), PK_TABLE, "{name}: fetch_user_by_pk");
    for &id in [ids[0], ids[PK_TABLE / 2], ids[PK_TABLE - 1]].iter() {
        let raw = be.raw_user(id);
        assert_eq!(raw.id, id, "{name}: fetch_user_by_pk");
        for (_, imp) in imps {
            let q = user_by_id(imp, id);
            assert_eq!(raw, be.aludel_user(q), "{name}: fetch_user_by_pk");
        }
    }
    let mut g = c.benchmark_group(format!("{name}/fetch_user_by_pk"));
    g.bench_function("raw", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % ids.len();
            be.raw_user(ids[i])
        })
    });
    for (id, imp) in imps {
        g.bench_function(id, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % ids.len();
                be.aludel_user(user_by_id(imp, ids[i]))
            })
        });
    }
    g.finish();

    be.seed(&Vec::new());
    assert_eq!(be.raw_insert(), INSERT_ROWS as u64, "{name}: insert");
    let raw = be.raw_all_users();
    assert_eq!(raw.len(), INSERT_ROWS, "{name}: insert");
    for (_, imp) in imps {
        be.seed(&Vec::new());
        let q = insert_users(imp);
        assert_eq!(be.aludel_insert(q), INSERT_ROWS as u64, "{name}: insert");
        let aludel = be.aludel_all_users(all_users(Imp::Built));
        assert_eq!(raw, aludel, "{name}: insert");
    }
    let mut g = c.benchmark_group(format!("{name}/insert_{INSERT_ROWS}_users"));
    g.bench_function("raw", |b| {
        b.iter_custom(|iters| timed_inserts(be, iters, &mut |be| be.raw_insert()))
    });
    for (id, imp) in imps {
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                timed_inserts(be, iters, &mut |be| be.aludel_insert(insert_users(imp)))
            })
        });
    }
    g.finish();

    for &n in SIZES {
        be.seed(&seed_black_and_brown(n));
        let raw = be.raw_users_with_posts();
        assert_eq!(
            raw.len(),
            n.div_ceil(2),
            "{name}: users_left_join_posts/{n}"
        );
        for (_, imp) in imps {
            let aludel: Vec<(User, Option<Post>)> = be
                .aludel_users_with_posts(users_with_posts(imp))
                .into_iter()
                .map(|UserAndPost(u, p)| (u, p))
                .collect();
            assert_eq!(raw, aludel, "{name}: users_left_join_posts/{n}");
        }
        let mut g = c.benchmark_group(format!("{name}/users_left_join_posts/{n}"));
        g.bench_function("raw", |b| b.iter(|| be.raw_users_with_posts()));
        for (id, imp) in imps {
            g.bench_function(id, |b| {
                b.iter(|| be.aludel_users_with_posts(users_with_posts(imp)))
            });
        }
        g.finish();
    }
    be.seed(&Vec::new());
}

/// Runs `iters` inserts and returns the time they took, emptying the table
/// (untimed) every `INSERTS_PER_RESET` statements so that it stays small.
fn timed_inserts(
    be: &mut dyn Backend,
    iters: u64,
    insert: &mut dyn FnMut(&mut dyn Backend) -> u64,
) -> Duration {
    let mut total = Duration::ZERO;
    for i in 0..iters {
        if i % INSERTS_PER_RESET == 0 {
            be.seed(&Vec::new());
        }
        let start = Instant::now();
        let n = insert(be);
        total += start.elapsed();
        black_box(n);
    }
    total
}

// ----- SQLite ---------------------------------------------------------------

mod sqlite {
    use super::*;
    use rusqlite::params;

    pub struct Sqlite {
        raw: rusqlite::Connection,
        insert_sql: String,
        schema: Schema,
        // The connection before its engine: it returns to the pool on drop.
        conn: aludel::blocking::Connection,
        _engine: aludel::blocking::Engine,
    }

    const DDL: &[&str] = &[
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, \
         title TEXT NOT NULL, body TEXT)",
    ];

    impl Sqlite {
        pub fn new() -> Sqlite {
            let raw = rusqlite::Connection::open_in_memory().expect("an in-memory database");
            let engine = aludel::blocking::create_engine("sqlite://").expect("the engine");
            let mut conn = engine.connect().expect("a connection");
            for sql in DDL {
                raw.execute_batch(sql).expect("DDL");
                conn.execute(aludel::text(sql)).expect("DDL");
            }
            Sqlite {
                raw,
                insert_sql: insert_users_sql(INSERT_ROWS),
                schema: schema(),
                conn,
                _engine: engine,
            }
        }
    }

    impl Backend for Sqlite {
        fn dialect(&self) -> &'static dyn aludel::Dialect {
            self._engine.as_async().dialect()
        }

        fn name(&self) -> &'static str {
            "sqlite"
        }

        fn seed(&mut self, users: &Seed) {
            for sql in ["DELETE FROM posts", "DELETE FROM users"] {
                self.raw.execute_batch(sql).expect("emptying");
                self.conn.execute(aludel::text(sql)).expect("emptying");
            }
            let tx = self.raw.transaction().expect("a transaction");
            {
                let mut st = tx
                    .prepare("INSERT INTO users (name, hair_color) VALUES (?, ?)")
                    .expect("prepare");
                for (n, h) in users {
                    st.execute(params![n, h]).expect("insert");
                }
            }
            tx.commit().expect("commit");
            if !users.is_empty() {
                self.conn
                    .execute(self.schema.insert_seed(users))
                    .expect("seeding");
            }
        }

        fn user_ids(&mut self) -> Vec<i64> {
            let mut st = self
                .raw
                .prepare("SELECT id FROM users ORDER BY id")
                .expect("prepare");
            let ids = st
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<rusqlite::Result<Vec<i64>>>()
                .expect("ids");
            ids
        }

        fn raw_all_users(&mut self) -> Vec<User> {
            let mut st = self.raw.prepare_cached(ALL_USERS).expect("prepare");
            let users = st
                .query_map([], |r| {
                    Ok(User {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        hair_color: r.get(2)?,
                    })
                })
                .expect("query")
                .collect::<rusqlite::Result<Vec<_>>>()
                .expect("rows");
            users
        }

        fn aludel_all_users(&mut self, q: aludel::Statement) -> Vec<User> {
            self.conn.fetch_all(q).expect("fetch_all")
        }

        fn raw_user(&mut self, id: i64) -> User {
            let mut st = self.raw.prepare_cached(USER_BY_ID).expect("prepare");
            st.query_row([id], |r| {
                Ok(User {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    hair_color: r.get(2)?,
                })
            })
            .expect("query_row")
        }

        fn aludel_user(&mut self, q: aludel::Statement) -> User {
            // The first row, as rusqlite's query_row reads it.
            let user = self.conn.fetch_first(q).expect("fetch_first");
            user.expect("a user")
        }

        fn raw_insert(&mut self) -> u64 {
            let names: Vec<String> = (0..INSERT_ROWS).map(user_name).collect();
            let hair = Some(HAIR);
            let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(2 * INSERT_ROWS);
            for n in &names {
                params.push(n);
                params.push(&hair);
            }
            let mut st = self.raw.prepare_cached(&self.insert_sql).expect("prepare");
            st.execute(params.as_slice()).expect("insert") as u64
        }

        fn aludel_insert(&mut self, q: aludel::Statement) -> u64 {
            self.conn.execute(q).expect("insert").rows_affected()
        }

        fn raw_users_with_posts(&mut self) -> Vec<(User, Option<Post>)> {
            let mut st = self.raw.prepare_cached(USERS_WITH_POSTS).expect("prepare");
            let rows = st
                .query_map(["black"], sqlite_user_and_post)
                .expect("query")
                .collect::<rusqlite::Result<Vec<_>>>()
                .expect("rows");
            rows
        }

        fn aludel_users_with_posts(&mut self, q: aludel::Statement) -> Vec<UserAndPost> {
            self.conn.fetch_all(q).expect("fetch_all")
        }
    }
}

// ----- PostgreSQL -----------------------------------------------------------

mod postgres {
    use super::*;
    use futures_util::TryStreamExt;
    use tokio::runtime::Runtime;
    use tokio_postgres::types::ToSql;
    use tokio_postgres::{Client, NoTls, Statement};

    struct Prepared {
        all_users: Statement,
        user_by_id: Statement,
        insert_users: Statement,
        users_with_posts: Statement,
    }

    pub struct Postgres {
        client: Client,
        prepared: Prepared,
        conn: Option<aludel::Connection>,
        engine: aludel::Engine,
        // Last: the runtime that drives both connections' sockets.
        rt: Runtime,
    }

    const DDL: &str = "\
        DROP TABLE IF EXISTS posts; DROP TABLE IF EXISTS users;\
        CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name VARCHAR NOT NULL, hair_color VARCHAR);\
        CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, \
            title VARCHAR NOT NULL, body TEXT);";

    fn user(r: &tokio_postgres::Row) -> User {
        User {
            id: r.get(0),
            name: r.get(1),
            hair_color: r.get(2),
        }
    }

    impl Postgres {
        pub fn new(url: &str) -> Postgres {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let (client, prepared, engine, conn) = rt.block_on(async {
                let (client, connection) = tokio_postgres::connect(url, NoTls)
                    .await
                    .expect("connecting to ALUDEL_BENCH_POSTGRES_URL");
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        eprintln!("engine bench: the PostgreSQL connection ended: {e}");
                    }
                });
                let version: String = client
                    .query_one("SELECT version()", &[])
                    .await
                    .expect("version")
                    .get(0);
                eprintln!("engine bench: postgres server: {version}");
                client.batch_execute(DDL).await.expect("DDL");
                let prepared = Prepared {
                    all_users: client.prepare(ALL_USERS).await.expect("prepare"),
                    user_by_id: client
                        .prepare(&numbered(USER_BY_ID))
                        .await
                        .expect("prepare"),
                    insert_users: client
                        .prepare(&numbered(&insert_users_sql(INSERT_ROWS)))
                        .await
                        .expect("prepare"),
                    users_with_posts: client
                        .prepare(&numbered(USERS_WITH_POSTS))
                        .await
                        .expect("prepare"),
                };
                let engine = aludel::create_engine(url).expect("the engine");
                let conn = engine.connect().await.expect("a connection");
                (client, prepared, engine, conn)
            });
            Postgres {
                client,
                prepared,
                conn: Some(conn),
                engine,
                rt,
            }
        }
    }

    impl Drop for Postgres {
        fn drop(&mut self) {
            let _rt = self.rt.enter();
            self.conn = None;
            self.engine.dispose();
        }
    }

    impl Backend for Postgres {
        fn dialect(&self) -> &'static dyn aludel::Dialect {
            self.engine.dialect()
        }

        fn name(&self) -> &'static str {
            "postgres"
        }

        fn seed(&mut self, users: &Seed) {
            self.rt.block_on(async {
                self.client
                    .batch_execute("TRUNCATE posts, users RESTART IDENTITY")
                    .await
                    .expect("emptying");
                // In chunks: a statement takes at most 65,535 parameters.
                for chunk in users.chunks(1000) {
                    let sql = numbered(&insert_users_sql(chunk.len()));
                    let params: Vec<&(dyn ToSql + Sync)> = chunk
                        .iter()
                        .flat_map(|(n, h)| [n as &(dyn ToSql + Sync), h])
                        .collect();
                    self.client.execute(&sql, &params).await.expect("seeding");
                }
                // Fresh statistics now, untimed, rather than an autoanalyze
                // landing in one implementation's measurement (and planning
                // its statements apart from the others').
                self.client
                    .batch_execute("ANALYZE users, posts")
                    .await
                    .expect("analyze");
            })
        }

        fn user_ids(&mut self) -> Vec<i64> {
            self.rt.block_on(async {
                self.client
                    .query("SELECT id FROM users ORDER BY id", &[])
                    .await
                    .expect("ids")
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            })
        }

        fn raw_all_users(&mut self) -> Vec<User> {
            let (client, st) = (&self.client, &self.prepared.all_users);
            self.rt.block_on(async {
                client
                    .query_raw(st, std::iter::empty::<i64>())
                    .await
                    .expect("query")
                    .map_ok(|r| user(&r))
                    .try_collect()
                    .await
                    .expect("rows")
            })
        }

        fn aludel_all_users(&mut self, q: aludel::Statement) -> Vec<User> {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt.block_on(conn.fetch_all(q)).expect("fetch_all")
        }

        fn raw_user(&mut self, id: i64) -> User {
            let (client, st) = (&self.client, &self.prepared.user_by_id);
            self.rt.block_on(async {
                let row = client.query_one(st, &[&id]).await.expect("query_one");
                user(&row)
            })
        }

        fn aludel_user(&mut self, q: aludel::Statement) -> User {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt.block_on(conn.fetch_one(q)).expect("fetch_one")
        }

        fn raw_insert(&mut self) -> u64 {
            let (client, st) = (&self.client, &self.prepared.insert_users);
            self.rt.block_on(async {
                let names: Vec<String> = (0..INSERT_ROWS).map(user_name).collect();
                let hair = Some(HAIR);
                let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(2 * INSERT_ROWS);
                for n in &names {
                    params.push(n);
                    params.push(&hair);
                }
                client.execute(st, &params).await.expect("insert")
            })
        }

        fn aludel_insert(&mut self, stmt: aludel::Statement) -> u64 {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt
                .block_on(conn.execute(stmt))
                .expect("insert")
                .rows_affected()
        }

        fn raw_users_with_posts(&mut self) -> Vec<(User, Option<Post>)> {
            let (client, st) = (&self.client, &self.prepared.users_with_posts);
            self.rt.block_on(async {
                client
                    .query_raw(st, ["black"])
                    .await
                    .expect("query")
                    .map_ok(|r| {
                        let post = r.get::<_, Option<i64>>(3).map(|id| Post {
                            id,
                            user_id: r.get(4),
                            title: r.get(5),
                            body: r.get(6),
                        });
                        (user(&r), post)
                    })
                    .try_collect()
                    .await
                    .expect("rows")
            })
        }

        fn aludel_users_with_posts(&mut self, q: aludel::Statement) -> Vec<UserAndPost> {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt.block_on(conn.fetch_all(q)).expect("fetch_all")
        }
    }
}

// ----- MariaDB / MySQL ------------------------------------------------------

mod mysql {
    use super::*;
    use mysql_async::prelude::Queryable;
    use mysql_async::{Conn, Opts, OptsBuilder, Params, Statement, Value as MyValue};
    use tokio::runtime::Runtime;

    struct Prepared {
        all_users: Statement,
        user_by_id: Statement,
        insert_users: Statement,
        users_with_posts: Statement,
    }

    pub struct MySql {
        raw: Option<Conn>,
        prepared: Prepared,
        conn: Option<aludel::Connection>,
        engine: aludel::Engine,
        rt: Runtime,
    }

    const DDL: &[&str] = &[
        "DROP TABLE IF EXISTS posts",
        "DROP TABLE IF EXISTS users",
        "CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, \
         hair_color VARCHAR(255)) ENGINE=InnoDB",
        "CREATE TABLE posts (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, \
         title VARCHAR(255) NOT NULL, body TEXT) ENGINE=InnoDB",
    ];

    type UserTuple = (i64, String, Option<String>);

    fn user((id, name, hair_color): UserTuple) -> User {
        User {
            id,
            name,
            hair_color,
        }
    }

    impl MySql {
        pub fn new(url: &str) -> MySql {
            // mysql_async takes mysql:// URLs; Aludel's MariaDB dialect, mariadb://.
            let raw_url = match url.split_once("://") {
                Some((_, rest)) => format!("mysql://{rest}"),
                None => url.to_string(),
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let (raw, prepared, engine, conn) = rt.block_on(async {
                let opts = Opts::from_url(&raw_url).expect("ALUDEL_BENCH_MYSQL_URL");
                // TCP, as Aludel's connection: by default mysql_async would
                // switch to the server's Unix socket.
                let opts = OptsBuilder::from_opts(opts).prefer_socket(false);
                let mut raw = Conn::new(opts)
                    .await
                    .expect("connecting to ALUDEL_BENCH_MYSQL_URL");
                let version: Option<String> =
                    raw.query_first("SELECT version()").await.expect("version");
                eprintln!(
                    "engine bench: mysql server: {}",
                    version.unwrap_or_default()
                );
                for sql in DDL {
                    raw.query_drop(*sql).await.expect("DDL");
                }
                let prepared = Prepared {
                    all_users: raw.prep(ALL_USERS).await.expect("prepare"),
                    user_by_id: raw.prep(USER_BY_ID).await.expect("prepare"),
                    insert_users: raw
                        .prep(insert_users_sql(INSERT_ROWS))
                        .await
                        .expect("prepare"),
                    users_with_posts: raw.prep(USERS_WITH_POSTS).await.expect("prepare"),
                };
                let engine = aludel::create_engine(url).expect("the engine");
                let conn = engine.connect().await.expect("a connection");
                (raw, prepared, engine, conn)
            });
            MySql {
                raw: Some(raw),
                prepared,
                conn: Some(conn),
                engine,
                rt,
            }
        }
    }

    impl Drop for MySql {
        fn drop(&mut self) {
            let raw = self.raw.take();
            let conn = self.conn.take();
            self.rt.block_on(async {
                if let Some(raw) = raw {
                    let _ = raw.disconnect().await;
                }
                drop(conn);
            });
            let _rt = self.rt.enter();
            self.engine.dispose();
        }
    }

    impl Backend for MySql {
        fn dialect(&self) -> &'static dyn aludel::Dialect {
            self.engine.dialect()
        }

        fn name(&self) -> &'static str {
            "mysql"
        }

        fn seed(&mut self, users: &Seed) {
            let raw = self.raw.as_mut().expect("the raw connection");
            self.rt.block_on(async {
                for sql in ["TRUNCATE TABLE posts", "TRUNCATE TABLE users"] {
                    raw.query_drop(sql).await.expect("emptying");
                }
                for chunk in users.chunks(1000) {
                    let params: Vec<MyValue> = chunk
                        .iter()
                        .flat_map(|(n, h)| [MyValue::from(n.as_str()), MyValue::from(*h)])
                        .collect();
                    raw.exec_drop(insert_users_sql(chunk.len()), Params::Positional(params))
                        .await
                        .expect("seeding");
                }
                // Fresh statistics now, untimed, as on PostgreSQL.
                raw.query_drop("ANALYZE TABLE users, posts")
                    .await
                    .expect("analyze");
            })
        }

        fn user_ids(&mut self) -> Vec<i64> {
            let raw = self.raw.as_mut().expect("the raw connection");
            self.rt.block_on(async {
                raw.query("SELECT id FROM users ORDER BY id")
                    .await
                    .expect("ids")
            })
        }

        fn raw_all_users(&mut self) -> Vec<User> {
            let raw = self.raw.as_mut().expect("the raw connection");
            let st = &self.prepared.all_users;
            self.rt
                .block_on(raw.exec_map(st, (), user))
                .expect("exec_map")
        }

        fn aludel_all_users(&mut self, q: aludel::Statement) -> Vec<User> {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt.block_on(conn.fetch_all(q)).expect("fetch_all")
        }

        fn raw_user(&mut self, id: i64) -> User {
            let raw = self.raw.as_mut().expect("the raw connection");
            let st = &self.prepared.user_by_id;
            let row: Option<UserTuple> = self
                .rt
                .block_on(raw.exec_first(st, (id,)))
                .expect("exec_first");
            user(row.expect("a user"))
        }

        fn aludel_user(&mut self, q: aludel::Statement) -> User {
            let conn = self.conn.as_mut().expect("the connection");
            // The first row, as mysql_async's exec_first reads it.
            let user = self.rt.block_on(conn.fetch_first(q)).expect("fetch_first");
            user.expect("a user")
        }

        fn raw_insert(&mut self) -> u64 {
            let raw = self.raw.as_mut().expect("the raw connection");
            let st = &self.prepared.insert_users;
            self.rt.block_on(async {
                let mut params = Vec::with_capacity(2 * INSERT_ROWS);
                for x in 0..INSERT_ROWS {
                    params.push(MyValue::from(user_name(x)));
                    params.push(MyValue::from(HAIR));
                }
                raw.exec_drop(st, Params::Positional(params))
                    .await
                    .expect("insert");
                raw.affected_rows()
            })
        }

        fn aludel_insert(&mut self, stmt: aludel::Statement) -> u64 {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt
                .block_on(conn.execute(stmt))
                .expect("insert")
                .rows_affected()
        }

        fn raw_users_with_posts(&mut self) -> Vec<(User, Option<Post>)> {
            type Joined = (
                i64,
                String,
                Option<String>,
                Option<i64>,
                Option<i64>,
                Option<String>,
                Option<String>,
            );
            let raw = self.raw.as_mut().expect("the raw connection");
            let st = &self.prepared.users_with_posts;
            self.rt
                .block_on(raw.exec_map(
                    st,
                    ("black",),
                    |(id, name, hair_color, post_id, user_id, title, body): Joined| {
                        let post = post_id.map(|id| Post {
                            id,
                            user_id: user_id.unwrap_or_default(),
                            title: title.unwrap_or_default(),
                            body,
                        });
                        (
                            User {
                                id,
                                name,
                                hair_color,
                            },
                            post,
                        )
                    },
                ))
                .expect("exec_map")
        }

        fn aludel_users_with_posts(&mut self, q: aludel::Statement) -> Vec<UserAndPost> {
            let conn = self.conn.as_mut().expect("the connection");
            self.rt.block_on(conn.fetch_all(q)).expect("fetch_all")
        }
    }
}

/// The backends `ALUDEL_BENCH_BACKENDS` selects (all by default).
fn wanted(backend: &str) -> bool {
    match std::env::var("ALUDEL_BENCH_BACKENDS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|b| b.trim() == backend),
        _ => true,
    }
}

fn engine(c: &mut Criterion) {
    if wanted("sqlite") {
        let mut be = sqlite::Sqlite::new();
        bench_backend(c, &mut be);
    }
    for (backend, var) in [
        ("postgres", "ALUDEL_BENCH_POSTGRES_URL"),
        ("mysql", "ALUDEL_BENCH_MYSQL_URL"),
    ] {
        if !wanted(backend) {
            continue;
        }
        let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
            eprintln!("engine bench: {var} is not set; {backend} skipped");
            continue;
        };
        let mut be: Box<dyn Backend> = match backend {
            "postgres" => Box::new(postgres::Postgres::new(&url)),
            _ => Box::new(mysql::MySql::new(&url)),
        };
        bench_backend(c, be.as_mut());
    }
}

mod group {
    // The macro declares an undocumented public function.
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::engine);
}
criterion_main!(group::benches);
