//! The blocking facade does everything the async API does, without a runtime
//! in sight, and shares its pool with the async engine it wraps.

use aludel_core::blocking::{self, Engine};
use aludel_core::engine::get;
use aludel_core::{
    create_engine_with, create_table, insert, select, text, Column, DbErrorKind, EngineOptions,
    Error, IsolationLevel, MetaData, SqlType, Table, Value,
};
use aludel_sqlite as _;

fn users_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::string(50)).not_null().unique())
            .column(Column::new("age", SqlType::Integer)),
    )
    .unwrap()
}

fn setup(url: &str) -> (Engine, Table) {
    let engine = blocking::create_engine(url).unwrap();
    let users = users_table();
    engine
        .connect()
        .unwrap()
        .execute(create_table(&users))
        .unwrap();
    (engine, users)
}

fn names(engine: &Engine, users: &Table) -> Vec<String> {
    let mut conn = engine.connect().unwrap();
    let rows: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(users.c("id").unwrap()))
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

fn temp_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite:///{}", dir.path().join(name).display())
}

#[test]
fn execute_and_fetch() {
    let (engine, users) = setup("sqlite://");
    let mut conn = engine.connect().unwrap();
    let r = conn
        .execute(insert(&users).value("name", "Alice").value("age", 30))
        .unwrap();
    assert_eq!((r.rows_affected(), r.last_insert_id()), (1, Some(1)));
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

    let pairs: Vec<(i64, String)> = conn
        .fetch_all(
            select([users.c("id").unwrap(), users.c("name").unwrap()])
                .order_by(users.c("id").unwrap().desc()),
        )
        .unwrap();
    assert_eq!(
        pairs,
        [(3, "Carol".into()), (2, "Bob".into()), (1, "Alice".into())]
    );

    let by_name = |n: &str| select(users.c("age").unwrap()).where_(users.c("name").unwrap().eq(n));
    let (age,): (i64,) = conn.fetch_one(by_name("Alice")).unwrap();
    assert_eq!(age, 30);
    assert_eq!(
        conn.fetch_one::<(i64,)>(by_name("Nobody")).unwrap_err(),
        Error::NoRows
    );
    assert_eq!(
        conn.fetch_optional::<(i64,)>(by_name("Nobody")).unwrap(),
        None
    );
    assert_eq!(
        conn.fetch_optional::<(i64,)>(by_name("Bob")).unwrap(),
        Some((25,))
    );
    assert_eq!(
        conn.fetch_optional::<(String,)>(select(users.c("name").unwrap()))
            .unwrap_err(),
        Error::MultipleRows { count: 3 }
    );

    let n: Option<i64> = conn
        .execute(text("SELECT count(*) FROM users WHERE age > :a").bind("a", 20))
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(2));

    // Errors come back as values, with their kind.
    let err = conn
        .execute(insert(&users).value("name", "Alice"))
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    let err = conn.execute(text("SELEKT 1")).unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Syntax), "{err}");
}

#[test]
fn for_each_and_execute_many() {
    let (engine, users) = setup("sqlite://");
    let mut conn = engine.connect().unwrap();
    let sets: Vec<Vec<Value>> = (0..100)
        .map(|i| vec![Value::from(format!("user{i}")), Value::I64(i)])
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
            assert_eq!(get::<String>(row, "name")?, format!("user{seen}"));
            ages += get::<i64>(row, 1)?;
            seen += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!((seen, ages), (100, 4950));

    // An error from the callback stops the rows and comes back.
    let mut calls = 0;
    let err = conn
        .for_each(select(&users), |_| {
            calls += 1;
            Err(Error::InvalidStatement("enough".into()))
        })
        .unwrap_err();
    assert_eq!(err, Error::InvalidStatement("enough".into()));
    assert_eq!(calls, 1);

    let err = conn
        .execute_many(
            insert(&users).value("name", "").value("age", 0),
            &[vec![Value::Null]],
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidStatement(_)), "{err}");
}

#[test]
fn transactions_commit_roll_back_and_roll_back_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, users) = setup(&temp_url(&dir, "tx.db"));
    let mut conn = engine.connect().unwrap();

    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "committed"))
        .unwrap();
    let inside: Vec<(String,)> = tx.fetch_all(select(users.c("name").unwrap())).unwrap();
    assert_eq!(inside.len(), 1);
    tx.commit().unwrap();
    assert_eq!(names(&engine, &users), ["committed"]);

    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "rolled back"))
        .unwrap();
    tx.rollback().unwrap();
    assert_eq!(names(&engine, &users), ["committed"]);

    {
        let mut tx = conn.begin().unwrap();
        tx.execute(insert(&users).value("name", "dropped")).unwrap();
        assert!(tx.fetch_optional::<(i64,)>(text("SELECT 1")).is_ok());
    }
    assert!(!conn.in_transaction());
    assert_eq!(names(&engine, &users), ["committed"]);
    conn.execute(insert(&users).value("name", "after")).unwrap();
    assert_eq!(names(&engine, &users), ["committed", "after"]);

    // A transaction holding the connection when it is returned rolls back too.
    {
        let mut other = engine.connect().unwrap();
        let mut tx = other.begin().unwrap();
        tx.execute(insert(&users).value("name", "abandoned"))
            .unwrap();
        std::mem::forget(tx);
    }
    assert_eq!(names(&engine, &users), ["committed", "after"]);

    let mut tx = conn.begin().unwrap();
    let mut seen = 0;
    tx.for_each(select(&users), |_| {
        seen += 1;
        Ok(())
    })
    .unwrap();
    tx.execute_many(
        insert(&users).value("name", ""),
        &[vec![Value::from("many1")], vec![Value::from("many2")]],
    )
    .unwrap();
    let (n,): (i64,) = tx.fetch_one(text("SELECT count(*) FROM users")).unwrap();
    tx.commit().unwrap();
    assert_eq!((seen, n), (2, 4));
}

#[test]
fn savepoints_release_and_roll_back_to() {
    let (engine, users) = setup("sqlite://");
    let mut conn = engine.connect().unwrap();
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
        sp.execute(insert(&users).value("name", "rolled back to"))
            .unwrap();
        let mut inner = sp.begin_nested().unwrap();
        inner
            .execute(insert(&users).value("name", "inner"))
            .unwrap();
        inner.commit().unwrap();
        sp.rollback().unwrap();
    }
    {
        let mut sp = tx.begin_nested().unwrap();
        sp.execute(insert(&users).value("name", "dropped savepoint"))
            .unwrap();
    }
    {
        // A failed statement inside a savepoint: roll back to it and go on.
        let mut sp = tx.begin_nested().unwrap();
        let err = sp
            .execute(insert(&users).value("name", "outer"))
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        sp.rollback().unwrap();
    }
    tx.execute(insert(&users).value("name", "last")).unwrap();
    tx.commit().unwrap();
    drop(conn);
    assert_eq!(names(&engine, &users), ["outer", "released", "last"]);
}

#[test]
fn isolation_levels() {
    let engine = blocking::create_engine_with(
        "sqlite://",
        EngineOptions::default().isolation_level(IsolationLevel::Serializable),
    )
    .unwrap();
    let mut conn = engine.connect().unwrap();
    conn.set_isolation_level(IsolationLevel::Serializable)
        .unwrap();
    let err = conn
        .set_isolation_level(IsolationLevel::ReadCommitted)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                dialect: "sqlite",
                ..
            }
        ),
        "{err}"
    );
    conn.begin_isolated(IsolationLevel::Serializable)
        .unwrap()
        .commit()
        .unwrap();
    assert!(conn.begin_isolated(IsolationLevel::RepeatableRead).is_err());
    // The connection is still usable after the refusals.
    let (one,): (i64,) = conn.fetch_one(text("SELECT 1")).unwrap();
    assert_eq!(one, 1);
}

#[test]
fn blocking_and_async_handles_share_one_pool() {
    let dir = tempfile::tempdir().unwrap();
    let users = users_table();
    let async_engine = create_engine_with(
        &temp_url(&dir, "shared.db"),
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pool_timeout(std::time::Duration::from_millis(100)),
    )
    .unwrap();
    let engine = Engine::from_async(async_engine.clone()).unwrap();
    assert_eq!(engine.as_async().url(), async_engine.url());

    let mut conn = engine.connect().unwrap();
    conn.execute(create_table(&users)).unwrap();
    conn.execute(insert(&users).value("name", "from blocking"))
        .unwrap();
    assert_eq!(async_engine.open_connections(), 1);
    assert_eq!(async_engine.idle_connections(), 0);
    drop(conn);
    assert_eq!(async_engine.idle_connections(), 1);

    // The async side checks out the same connection: still one open.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        let mut conn = async_engine.connect().await.unwrap();
        conn.execute(insert(&users).value("name", "from async"))
            .await
            .unwrap();
        assert_eq!(engine.open_connections(), 1);
        conn.fetch_all::<(String,)>(select(users.c("name").unwrap()))
            .await
            .unwrap()
    });
    assert_eq!(seen.len(), 2);
    assert_eq!(engine.open_connections(), 1);
    assert_eq!(names(&engine, &users), ["from blocking", "from async"]);

    // While the async side holds the only connection, the blocking side
    // cannot have one.
    let held = rt.block_on(async_engine.connect()).unwrap();
    let err = engine.connect().unwrap_err();
    assert!(matches!(err, Error::PoolTimeout { max: 1, .. }), "{err}");
    drop(held);
    assert!(engine.connect().is_ok());

    // Disposing through either handle closes the shared idle connection.
    engine.dispose();
    assert_eq!(async_engine.open_connections(), 0);
    assert_eq!(names(&engine, &users).len(), 2);
    assert_eq!(async_engine.open_connections(), 1);
}

#[test]
fn sqlite_statements_finish_in_place_outside_the_runtime() {
    // SQLite runs in the process: the blocking facade polls its statements
    // once, without entering the runtime, and they (and the statement
    // hook) still run in order, in transactions and savepoints too.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let options =
        EngineOptions::default().on_statement(move |e| log.lock().unwrap().push(e.sql.to_string()));
    let engine = Engine::from_async(create_engine_with("sqlite://", options).unwrap()).unwrap();
    let users = users_table();
    let mut conn = engine.connect().unwrap();
    assert!(conn.as_async().completes_in_place());
    conn.execute(create_table(&users)).unwrap();
    let mut tx = conn.begin().unwrap();
    tx.execute(insert(&users).value("name", "Ann")).unwrap();
    let mut sp = tx.begin_nested().unwrap();
    sp.execute(insert(&users).value("name", "Ben")).unwrap();
    sp.rollback().unwrap();
    tx.commit().unwrap();
    let first: Option<(String,)> = conn.fetch_first(select(users.c("name").unwrap())).unwrap();
    assert_eq!(first, Some(("Ann".to_string(),)));
    let seen = seen.lock().unwrap();
    assert!(seen[0].starts_with("CREATE TABLE users"), "{seen:#?}");
    assert_eq!(
        seen[1..],
        [
            "BEGIN",
            "INSERT INTO users (name) VALUES (?)",
            "SAVEPOINT sa_savepoint_1",
            "INSERT INTO users (name) VALUES (?)",
            "ROLLBACK TO SAVEPOINT sa_savepoint_1",
            "RELEASE SAVEPOINT sa_savepoint_1",
            "COMMIT",
            "SELECT users.name FROM users",
        ]
    );
}

/// A blocking engine whose last handle drops inside an async runtime (a
/// program that set one up with `#[tokio::main]` and kept a blocking
/// engine for a script's work) does not bring the program down: its own
/// runtime is shut down without waiting.
#[test]
fn a_blocking_engine_dropped_inside_an_async_runtime() {
    let outer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (engine, _users) = setup("sqlite://");
    let n = outer.block_on(async move {
        // SQLite's statements complete in place: no blocking wait.
        let mut conn = engine.connect().unwrap();
        let n: Option<i64> = conn
            .execute(text("SELECT 6 * 7"))
            .unwrap()
            .scalar()
            .unwrap();
        drop(conn);
        drop(engine);
        n
    });
    assert_eq!(n, Some(42));
    // And one dropped outside any runtime, as before.
    let (engine, _users) = setup("sqlite://");
    drop(engine);
}
