//! `StatementCache::compile_owned` (the engine's path: the statement is given
//! away, so the values of a multi-row INSERT move into the parameters) gives
//! exactly what `compile` gives, on misses and hits, for inserts whose values
//! it can move and for every other statement; large statements compile
//! through the cache to the same SQL and values as without it.

use aludel_core::{
    compile, dialect_by_name, func, insert, select, value, Column, Dialect, MetaData, OnConflict,
    SqlType, Statement, StatementCache, Table, Value,
};
use aludel_postgres as _;
use aludel_sqlite as _;
use std::sync::Arc;

struct Tables {
    users: Table,
    jobs: Table,
}

fn tables() -> Tables {
    let mut md = MetaData::new();
    let users = md
        .add(
            Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::String(Some(50))).not_null())
                .column(Column::new("hair_color", SqlType::String(Some(50)))),
        )
        .unwrap();
    let jobs = md
        .add(
            Table::builder("jobs")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::String(Some(50))))
                .column(Column::new("state", SqlType::String(Some(10))).default("queued")),
        )
        .unwrap();
    Tables { users, jobs }
}

fn dialect() -> &'static dyn Dialect {
    dialect_by_name("sqlite").unwrap()
}

/// Statements of several shapes, with values that depend on `n`.
fn statements(t: &Tables, n: i64) -> Vec<Statement> {
    let u = &t.users;
    let rows = |count: i64| {
        (0..count).map(move |i| {
            [
                value(format!("User {}", n + i)),
                value((i % 2 == 0).then(|| "black".to_string())),
            ]
        })
    };
    vec![
        // Plain values only: moved.
        insert(u)
            .columns(["name", "hair_color"])
            .rows(rows(3))
            .into(),
        // One row.
        insert(u).value("name", format!("Solo {n}")).into(),
        // An expression among the values: copied.
        insert(u)
            .columns(["name", "hair_color"])
            .row([func::lower(value(format!("MIXED {n}"))), value("brown")])
            .row([value(format!("Plain {n}")), value(Option::<String>::None)])
            .into(),
        // Client-side defaults add values: copied.
        insert(&t.jobs)
            .columns(["name"])
            .rows((0..2).map(|i| [value(format!("job {}", n + i))]))
            .into(),
        // An upsert adds values after the rows: copied.
        insert(u)
            .columns(["id", "name"])
            .row([value(n), value(format!("Up {n}"))])
            .on_conflict(OnConflict::columns(["id"]).update_columns(["name"]))
            .into(),
        // Not an insert.
        select(u)
            .where_(u.c("id").unwrap().eq(n))
            .where_(u.c("name").unwrap().ne(format!("x{n}")))
            .into(),
    ]
}

#[test]
fn owned_compiles_give_what_compile_gives() {
    let t = tables();
    let d = dialect();
    let cache = StatementCache::new(d);
    // The first round misses, the later ones hit.
    for n in [1, 20, 300] {
        for stmt in statements(&t, n) {
            let direct = compile(&stmt, d).unwrap();
            let owned = cache.compile_owned(stmt.clone()).unwrap();
            assert_eq!(owned, direct, "{stmt}");
            assert_eq!(cache.compile(&stmt).unwrap(), direct, "{stmt}");
        }
    }
    assert_eq!(cache.len(), statements(&t, 0).len());
}

#[test]
fn moved_values_are_the_statements_own() {
    let t = tables();
    let d = dialect();
    let cache = StatementCache::new(d);
    let first = cache.compile_owned(statements(&t, 1).remove(0)).unwrap();
    let second = cache.compile_owned(statements(&t, 7).remove(0)).unwrap();
    assert!(Arc::ptr_eq(&first.sql, &second.sql));
    assert_eq!(
        second.params,
        vec![
            Value::String("User 7".into()),
            Value::String("black".into()),
            Value::String("User 8".into()),
            Value::Null,
            Value::String("User 9".into()),
            Value::String("black".into()),
        ]
    );
}

#[test]
fn large_statements_compile_through_the_cache() {
    let t = tables();
    let d = dialect();
    let cache = StatementCache::new(d);
    let big = |n: usize| -> Statement {
        insert(&t.users)
            .columns(["name", "hair_color"])
            .rows((0..5_000).map(|i| [value(format!("U{}", n + i)), value("c")]))
            .into()
    };
    for n in [0, 1] {
        let stmt = big(n);
        let direct = compile(&stmt, d).unwrap();
        assert_eq!(cache.compile(&stmt).unwrap(), direct);
        assert_eq!(cache.compile_owned(stmt).unwrap(), direct);
    }
    assert_eq!(cache.len(), 1);
}

#[test]
fn a_select_built_after_one_the_cache_dropped_starts_empty() {
    // The cache keeps the allocation of a SELECT it was given for the
    // thread's next one: nothing of the first may show in the second, on a
    // miss or a hit, whatever parts the first had.
    let t = tables();
    let u = &t.users;
    let d = dialect_by_name("postgresql").unwrap();
    let cache = StatementCache::new(d);
    let everything = |n: i64| -> Statement {
        let cte = aludel_core::Cte::new(
            "named",
            select([u.c("id").unwrap()]).where_(u.c("id").unwrap().gt(n)),
        );
        select([u.c("name").unwrap(), func::count(u.c("id").unwrap())])
            .with(&cte)
            .distinct_on([u.c("name").unwrap()])
            .from(u)
            .where_(u.c("id").unwrap().in_query(select([cte.c("id").unwrap()])))
            .group_by([u.c("name").unwrap()])
            .having(func::count(u.c("id").unwrap()).gt(n))
            .order_by(u.c("name").unwrap().desc())
            .limit(5)
            .offset(2)
            .for_update()
            .skip_locked()
            .into()
    };
    let plain = || -> Statement { select([u.c("id").unwrap()]).into() };
    let expected = compile(&plain(), d).unwrap();
    assert_eq!(&*expected.sql, "SELECT users.id FROM users");
    for n in 0..3 {
        let full = cache.compile_owned(everything(n)).unwrap();
        assert!(full.sql.contains("DISTINCT ON") && full.sql.contains("SKIP LOCKED"));
        assert_eq!(full.params, [Value::from(n), Value::from(n)]);
        let next = cache.compile_owned(plain()).unwrap();
        assert_eq!(next, expected, "round {n}");
        assert_eq!(compile(&plain(), d).unwrap(), expected);
    }
}

#[test]
fn an_insert_built_after_one_the_cache_dropped_starts_empty() {
    // The same for INSERTs into tables that live as long as the program:
    // the next INSERT, into the same table or another, holds nothing of
    // the last one, whatever its rows, conflict clause or RETURNING.
    let t = tables();
    let users = t.users.clone().into_static();
    let jobs = t.jobs.clone().into_static();
    let d = dialect_by_name("postgresql").unwrap();
    let cache = StatementCache::new(d);
    let names = |n: i64| {
        (0..n)
            .map(|i| value(format!("User {i}")))
            .collect::<Vec<_>>()
    };
    let big = |n: i64| -> Statement {
        insert(&users)
            .columns(["name", "hair_color"])
            .rows(names(40 + n).into_iter().map(|v| [v, value("black")]))
            .on_conflict(OnConflict::columns(["id"]).do_update([
                ("name", aludel_core::excluded("name")),
                ("hair_color", aludel_core::excluded("hair_color")),
            ]))
            .returning([users.c("id").unwrap()])
            .into()
    };
    let from_select = || -> Statement {
        insert(&users)
            .columns(["name"])
            .from_query(select([jobs.c("name").unwrap()]))
            .into()
    };
    let one = |table: &Table, name: &str| -> Statement { insert(table).value("name", name).into() };
    let upsert_one = || -> Statement {
        insert(&users)
            .value("id", 1)
            .on_conflict(
                OnConflict::columns(["name"]).do_update([("id", aludel_core::excluded("id"))]),
            )
            .into()
    };
    let expected_upsert = compile(&upsert_one(), d).unwrap();
    assert_eq!(
        &*expected_upsert.sql,
        "INSERT INTO users (id) VALUES ($1) ON CONFLICT (name) DO UPDATE SET id = excluded.id"
    );
    let expected_users = compile(&one(&users, "Ann"), d).unwrap();
    let expected_jobs = compile(&one(&jobs, "Ann"), d).unwrap();
    assert_eq!(&*expected_users.sql, "INSERT INTO users (name) VALUES ($1)");
    assert!(expected_jobs
        .sql
        .starts_with("INSERT INTO jobs (name, state) VALUES ($1, $2)"));
    for n in 0..3 {
        let full = cache.compile_owned(big(n)).unwrap();
        assert_eq!(full.params.len(), 2 * (40 + n) as usize, "round {n}");
        assert_eq!(
            cache.compile_owned(one(&users, "Ann")).unwrap(),
            expected_users
        );
        cache.compile_owned(big(n)).unwrap();
        assert_eq!(
            cache.compile_owned(one(&jobs, "Ann")).unwrap(),
            expected_jobs
        );
        cache.compile_owned(from_select()).unwrap();
        assert_eq!(
            cache.compile_owned(one(&users, "Ann")).unwrap(),
            expected_users
        );
        assert_eq!(compile(&one(&users, "Ann"), d).unwrap(), expected_users);
        cache.compile_owned(big(n)).unwrap();
        assert_eq!(cache.compile_owned(upsert_one()).unwrap(), expected_upsert);
    }
}
