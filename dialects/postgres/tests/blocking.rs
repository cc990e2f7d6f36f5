//! The blocking facade on PostgreSQL: the same engine, connections,
//! transactions and savepoints, with no runtime in sight. The facade's own
//! runtime drives each connection's socket task.

mod common;

use aludel_core::blocking::{self, Engine};
use aludel_core::engine::get;
use aludel_core::{
    create_table, insert, select, text, Column, DbErrorKind, EngineOptions, Error, IsolationLevel,
    MetaData, SqlType, Table, Value,
};
use common::name;

fn users_table(t: &str) -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder(t.to_string())
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(Column::new("name", SqlType::string(50)).not_null().unique())
            .column(Column::new("age", SqlType::Integer)),
    )
    .unwrap()
}

fn setup() -> Option<(Engine, Table)> {
    let url = common::url()?;
    let engine = blocking::create_engine(&url).unwrap();
    let users = users_table(&name("users"));
    engine
        .connect()
        .unwrap()
        .execute(create_table(&users))
        .unwrap();
    Some((engine, users))
}

fn teardown(engine: &Engine, users: &Table) {
    engine
        .connect()
        .unwrap()
        .execute(text(&format!("DROP TABLE {}", users.name)))
        .unwrap();
}

fn names(engine: &Engine, users: &Table) -> Vec<String> {
    let mut conn = engine.connect().unwrap();
    let rows: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(users.c("id").unwrap()))
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

#[test]
fn execute_fetch_and_errors() {
    let Some((engine, users)) = setup() else {
        return;
    };
    let mut conn = engine.connect().unwrap();
    let r = conn
        .execute(insert(&users).value("name", "Alice").value("age", 30))
        .unwrap();
    assert_eq!((r.rows_affected(), r.last_insert_id()), (1, None));
    let ids = conn
        .execute(
            insert(&users)
                .columns(["name", "age"])
                .row([Value::from("Bob"), Value::I32(25)])
                .row([Value::from("Carol"), Value::Null])
                .returning(users.c("id").unwrap()),
        )
        .unwrap()
        .scalars::<i64>()
        .unwrap();
    assert_eq!(ids, [2, 3]);
    let all = conn
        .execute(select(&users).order_by(users.c("id").unwrap()))
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all.rows()[1].get::<String>("name").unwrap(), "Bob");
    assert_eq!(all.rows()[2].get::<Option<i64>>("age").unwrap(), None);
    let by_name = |n: &str| select(users.c("age").unwrap()).where_(users.c("name").unwrap().eq(n));
    let (age,): (i64,) = conn.fetch_one(by_name("Alice")).unwrap();
    assert_eq!(age, 30);
    assert_eq!(
        conn.fetch_one::<(i64,)>(by_name("Nobody")).unwrap_err(),
        Error::NoRows
    );
    assert_eq!(
        conn.fetch_optional::<(i64,)>(by_name("Bob")).unwrap(),
        Some((25,))
    );
    let n: Option<i64> = conn
        .execute(
            text(&format!(
                "SELECT count(*) FROM {} WHERE age > :a",
                users.name
            ))
            .bind("a", 20),
        )
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(2));
    let err = conn
        .execute(insert(&users).value("name", "Alice"))
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    let err = conn.execute(text("SELEKT 1")).unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Syntax), "{err}");
    // The connection is still good after the errors.
    let (one,): (i32,) = conn.fetch_one(text("SELECT 1")).unwrap();
    assert_eq!(one, 1);
    drop(conn);
    teardown(&engine, &users);
}

#[test]
fn for_each_execute_many_transactions_and_savepoints() {
    let Some((engine, users)) = setup() else {
        return;
    };
    let mut conn = engine.connect().unwrap();
    let sets: Vec<Vec<Value>> = (0..100)
        .map(|i| vec![Value::from(format!("user{i:03}")), Value::I64(i)])
        .collect();
    let r = conn
        .execute_many(insert(&users).value("name", "").value("age", 0), &sets)
        .unwrap();
    assert_eq!(r.rows_affected, 100);
    let mut seen = 0;
    let mut ages = 0i64;
    conn.for_each(
        select([users.c("name").unwrap(), users.c("age").unwrap()])
            .order_by(users.c("id").unwrap()),
        |row| {
            assert_eq!(get::<String>(row, "name")?, format!("user{seen:03}"));
            ages += get::<i64>(row, 1)?;
            seen += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((seen, ages), (100, 4950));
    conn.execute(aludel_core::delete(&users)).unwrap();

    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "committed"))
        .unwrap();
    tx.commit().unwrap();
    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "rolled back"))
        .unwrap();
    tx.rollback().unwrap();
    {
        let mut tx = conn.begin().unwrap();
        tx.execute(insert(&users).value("name", "dropped")).unwrap();
    }
    assert!(!conn.in_transaction());
    assert_eq!(names(&engine, &users), ["committed"]);

    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "outer")).unwrap();
    {
        let mut sp = tx.begin_nested().unwrap();
        sp.execute(insert(&users).value("name", "released"))
            .unwrap();
        sp.commit().unwrap();
    }
    {
        let mut sp = tx.begin_nested().unwrap();
        let err = sp
            .execute(insert(&users).value("name", "outer"))
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        sp.rollback().unwrap();
    }
    {
        let mut sp = tx.begin_nested().unwrap();
        sp.execute(insert(&users).value("name", "dropped savepoint"))
            .unwrap();
    }
    tx.execute(insert(&users).value("name", "last")).unwrap();
    tx.commit().unwrap();
    assert_eq!(
        names(&engine, &users),
        ["committed", "outer", "released", "last"]
    );

    // A transaction abandoned on a returned connection is rolled back.
    {
        let mut other = engine.connect().unwrap();
        let mut tx = other.begin().unwrap();
        tx.execute(insert(&users).value("name", "abandoned"))
            .unwrap();
        std::mem::forget(tx);
    }
    assert_eq!(names(&engine, &users).len(), 4);
    drop(conn);
    teardown(&engine, &users);
}

#[test]
fn isolation_levels_and_pool_options() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = blocking::create_engine_with(
        &url,
        EngineOptions::default()
            .isolation_level(IsolationLevel::Serializable)
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true),
    )
    .unwrap();
    let mut conn = engine.connect().unwrap();
    let level = |c: &mut blocking::Connection| {
        let (l,): (String,) = c
            .fetch_one(text("SELECT current_setting('transaction_isolation')"))
            .unwrap();
        l
    };
    assert_eq!(level(&mut conn), "serializable");
    conn.set_isolation_level(IsolationLevel::ReadCommitted)
        .unwrap();
    assert_eq!(level(&mut conn), "read committed");
    let tx = conn.begin_isolated(IsolationLevel::RepeatableRead).unwrap();
    tx.commit().unwrap();
    drop(conn);
    // pre_ping through the facade: the pooled connection is pinged and reused.
    let mut conn = engine.connect().unwrap();
    let (v,): (i32,) = conn.fetch_one(text("SELECT 3")).unwrap();
    assert_eq!(v, 3);
    assert_eq!(engine.open_connections(), 1);
}

#[test]
fn blocking_and_async_handles_share_one_pool() {
    let Some(url) = common::url() else {
        return;
    };
    let async_engine = aludel_core::create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true),
    )
    .unwrap();
    let engine = blocking::Engine::from_async(async_engine.clone()).unwrap();
    let pid = |c: &mut blocking::Connection| {
        let (p,): (i32,) = c.fetch_one(text("SELECT pg_backend_pid()")).unwrap();
        p
    };
    let first = pid(&mut engine.connect().unwrap());
    let mut again = engine.connect().unwrap();
    assert_eq!(
        pid(&mut again),
        first,
        "the blocking side reuses its connection"
    );
    drop(again);

    // A connection opened by the blocking engine's runtime makes progress
    // only while that runtime is driven: pre-ping on another runtime
    // replaces it rather than waiting on it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let second = rt.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            let mut c = async_engine.connect().await.unwrap();
            let (p,): (i32,) = c.fetch_one(text("SELECT pg_backend_pid()")).await.unwrap();
            p
        })
        .await
        .expect("the async side does not wait on the blocking side's connection")
    });
    assert_ne!(second, first);
    assert_eq!(async_engine.open_connections(), 1);
    // And the other way round.
    let third = pid(&mut engine.connect().unwrap());
    assert_ne!(third, second);
    assert_eq!(engine.open_connections(), 1);
}

#[test]
fn a_connection_dropped_in_a_transaction_releases_its_locks_at_once() {
    let Some((engine, users)) = setup() else {
        return;
    };
    let t = &users.name;
    let mut other = engine.connect().unwrap();
    other
        .execute(insert(&users).value("id", 1).value("name", "a"))
        .unwrap();
    other.execute(text("SET lock_timeout = '5s'")).unwrap();
    {
        let mut c = engine.connect().unwrap();
        let mut tx = c.begin().unwrap();
        tx.execute(text(&format!(
            "UPDATE {t} SET name = 'locked' WHERE id = 1"
        )))
        .unwrap();
        drop(tx);
        // Dropping the connection rolls back before it returns to the pool.
    }
    other
        .execute(text(&format!("UPDATE {t} SET name = 'b' WHERE id = 1")))
        .unwrap();
    assert_eq!(names(&engine, &users), ["b"]);
    drop(other);
    teardown(&engine, &users);
}
