//! The blocking facade on MySQL or MariaDB: everything the async API does,
//! without a runtime in sight.

mod common;

use aludel_core::blocking::{self, Engine};
use aludel_core::engine::get;
use aludel_core::{
    create_all, drop_all, insert, select, text, Column, DbErrorKind, EngineOptions, Error,
    IsolationLevel, MetaData, SqlType, Table, Value,
};
use aludel_mysql as _;

fn setup(url: &str) -> (Engine, MetaData, Table) {
    let engine =
        blocking::create_engine_with(url, EngineOptions::default().pool_size(2).max_overflow(1))
            .unwrap();
    let mut md = MetaData::new();
    let users = md
        .add(
            Table::builder(common::name("users"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(50)).not_null().unique())
                .column(Column::new("age", SqlType::Integer)),
        )
        .unwrap();
    let mut conn = engine.connect().unwrap();
    for ddl in create_all(&md, engine.as_async().dialect(), false).unwrap() {
        conn.execute(ddl).unwrap();
    }
    (engine, md, users)
}

fn teardown(engine: &Engine, md: &MetaData) {
    let mut conn = engine.connect().unwrap();
    for ddl in drop_all(md, engine.as_async().dialect(), true).unwrap() {
        conn.execute(ddl).unwrap();
    }
}

fn names(engine: &Engine, users: &Table) -> Vec<String> {
    let mut conn = engine.connect().unwrap();
    let rows: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(users.c("id").unwrap()))
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

#[test]
fn execute_fetch_stream_and_errors() {
    let Some(url) = common::url() else { return };
    let (engine, md, users) = setup(&url);
    let mut conn = engine.connect().unwrap();
    let r = conn
        .execute(insert(&users).value("name", "Alice").value("age", 30))
        .unwrap();
    assert_eq!((r.rows_affected(), r.last_insert_id()), (1, Some(1)));
    let sets: Vec<Vec<Value>> = (0..20)
        .map(|i| vec![Value::from(format!("user{i}")), Value::I64(i)])
        .collect();
    let r = conn
        .execute_many(insert(&users).value("name", "").value("age", 0), &sets)
        .unwrap();
    assert_eq!(r.rows_affected, 20);

    let (age,): (i64,) = conn
        .fetch_one(select(users.c("age").unwrap()).where_(users.c("name").unwrap().eq("Alice")))
        .unwrap();
    assert_eq!(age, 30);
    assert_eq!(
        conn.fetch_optional::<(i64,)>(
            select(users.c("age").unwrap()).where_(users.c("name").unwrap().eq("Nobody"))
        )
        .unwrap(),
        None
    );
    let n: Option<i64> = conn
        .execute(
            text(&format!(
                "SELECT count(*) FROM {} WHERE age >= :a",
                users.name
            ))
            .bind("a", 10),
        )
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(11));

    let mut seen = 0;
    let mut ages = 0i64;
    conn.for_each(
        select([users.c("name").unwrap(), users.c("age").unwrap()])
            .order_by(users.c("id").unwrap()),
        |row| {
            get::<String>(row, "name")?;
            ages += get::<i64>(row, 1)?;
            seen += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((seen, ages), (21, 30 + 190));

    let err = conn
        .execute(insert(&users).value("name", "Alice"))
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    let err = conn.execute(text("SELEKT 1")).unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Syntax), "{err}");
    drop(conn);
    teardown(&engine, &md);
}

#[test]
fn transactions_savepoints_and_isolation() {
    let Some(url) = common::url() else { return };
    let (engine, md, users) = setup(&url);
    let mut conn = engine.connect().unwrap();

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
        sp.execute(insert(&users).value("name", "undone")).unwrap();
        let err = sp
            .execute(insert(&users).value("name", "outer"))
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        sp.rollback().unwrap();
    }
    tx.commit().unwrap();
    assert_eq!(names(&engine, &users), ["committed", "outer", "released"]);

    conn.set_isolation_level(IsolationLevel::Serializable)
        .unwrap();
    conn.begin_isolated(IsolationLevel::ReadCommitted)
        .unwrap()
        .commit()
        .unwrap();
    let (level,): (String,) = conn
        .fetch_one(text("SELECT @@SESSION.tx_isolation"))
        .or_else(|_| conn.fetch_one(text("SELECT @@SESSION.transaction_isolation")))
        .unwrap();
    assert_eq!(level, "SERIALIZABLE");
    drop(conn);
    teardown(&engine, &md);
}

#[test]
fn a_failed_connection_is_an_error_value() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let engine = blocking::create_engine(&format!("mysql://u:pw@127.0.0.1:{port}/db")).unwrap();
    let err = engine.connect().unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(matches!(err, Error::Database(_)));
}
