//! The engine on SQLite: connections, transactions, results, pool, errors.

use aludel_core::engine::get;
use aludel_core::{
    create_engine, create_engine_with, insert, select, text, Column, DbErrorKind, Engine,
    EngineOptions, Error, IsolationLevel, MetaData, SqlType, Table, Value,
};
use aludel_sqlite as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn users_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50))).not_null())
            .column(Column::new("email", SqlType::String(Some(100))).unique()),
    )
    .unwrap()
}

async fn setup(engine: &Engine, users: &Table) {
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(users))
        .await
        .unwrap();
}

fn temp_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite:///{}", dir.path().join(name).display())
}

#[tokio::test]
async fn insert_select_and_result_accessors() {
    let engine = create_engine("sqlite://").unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let mut conn = engine.connect().await.unwrap();

    let r = conn
        .execute(
            insert(&users)
                .value("name", "Alice")
                .value("email", "alice@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    assert_eq!(r.last_insert_id(), Some(1));

    let r = conn
        .execute(
            insert(&users)
                .columns(["name", "email"])
                .row(["Bob", "bob@example.com"])
                .row(["Carol", "carol@example.com"])
                .returning(users.c("id").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(r.clone().scalars::<i64>().unwrap(), vec![2, 3]);

    let q = || select(&users).order_by(users.c("id").unwrap());
    let rows = conn.execute(q()).await.unwrap();
    assert_eq!(rows.len(), 3);
    let first = rows.rows()[0].clone();
    assert_eq!(first.get::<i64>(0).unwrap(), 1);
    assert_eq!(first.get::<String>("name").unwrap(), "Alice");
    assert_eq!(first.columns(), ["id", "name", "email"]);
    assert_eq!(
        first.get::<String>("nope").unwrap_err(),
        Error::UnknownColumn {
            source_name: "the result row".into(),
            column: "nope".into()
        }
    );
    assert!(matches!(
        first.get::<i64>("name"),
        Err(Error::Conversion { .. })
    ));

    assert_eq!(
        conn.execute(q())
            .await
            .unwrap()
            .first()
            .unwrap()
            .get::<i64>("id")
            .unwrap(),
        1
    );
    assert_eq!(
        conn.execute(q()).await.unwrap().one(),
        Err(Error::MultipleRows { count: 3 })
    );
    let by_id = |id: i64| select(&users).where_(users.c("id").unwrap().eq(id));
    assert_eq!(
        conn.execute(by_id(9)).await.unwrap().one(),
        Err(Error::NoRows)
    );
    assert_eq!(
        conn.execute(by_id(9)).await.unwrap().one_or_none(),
        Ok(None)
    );
    assert_eq!(
        conn.execute(by_id(2))
            .await
            .unwrap()
            .one()
            .unwrap()
            .get::<String>(1)
            .unwrap(),
        "Bob"
    );
    let count: Option<i64> = conn
        .execute(select(aludel_core::func::count_star()).from(&users))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(count, Some(3));
    let maps = conn.execute(by_id(3)).await.unwrap().mappings();
    assert_eq!(maps[0]["email"], Value::String("carol@example.com".into()));

    let pairs: Vec<(i64, String)> = conn
        .fetch_all(
            select([users.c("id").unwrap(), users.c("name").unwrap()])
                .order_by(users.c("id").unwrap().desc()),
        )
        .await
        .unwrap();
    assert_eq!(
        pairs,
        vec![(3, "Carol".into()), (2, "Bob".into()), (1, "Alice".into())]
    );
    let one: (String,) = conn
        .fetch_one(select(users.c("name").unwrap()).where_(users.c("id").unwrap().eq(1)))
        .await
        .unwrap();
    assert_eq!(one.0, "Alice");

    let upd = conn
        .execute(
            aludel_core::update(&users)
                .set("name", "Bobby")
                .where_(users.c("id").unwrap().ge(2)),
        )
        .await
        .unwrap();
    assert_eq!(upd.rows_affected(), 2);
    assert_eq!(upd.last_insert_id(), None);
}

/// A runtime built without timers runs statements as long as the pool has
/// a free connection: only waiting for one needs a timer.
#[test]
fn a_runtime_without_timers_runs_statements() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = create_engine("sqlite://").unwrap();
        for _ in 0..3 {
            let mut conn = engine.connect().await.unwrap();
            let v: Option<i64> = conn
                .execute(text("SELECT 41 + 1"))
                .await
                .unwrap()
                .scalar()
                .unwrap();
            assert_eq!(v, Some(42));
        }
    });
}

#[tokio::test]
async fn text_statements_with_named_binds() {
    let engine = create_engine("sqlite:///:memory:").unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)"))
        .await
        .unwrap();
    conn.execute(
        text("INSERT INTO kv VALUES (:k, :v)")
            .bind("k", "a")
            .bind("v", 1),
    )
    .await
    .unwrap();
    let v: Option<i64> = conn
        .execute(text("SELECT v FROM kv WHERE k = :k").bind("k", "a"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(v, Some(1));
    assert_eq!(
        conn.execute(text("SELECT v FROM kv WHERE k = :k"))
            .await
            .unwrap_err(),
        Error::MissingBind { name: "k".into() }
    );
}

#[tokio::test]
async fn execute_many_runs_one_statement_per_parameter_set() {
    let engine = create_engine("sqlite://").unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let mut conn = engine.connect().await.unwrap();
    let template = insert(&users).value("name", "").value("email", "");
    let sets: Vec<Vec<Value>> = (0..50)
        .map(|i| vec![Value::from(format!("u{i}")), Value::from(format!("u{i}@x"))])
        .collect();
    let r = conn.execute_many(template.clone(), &sets).await.unwrap();
    assert_eq!(r.rows_affected, 50);
    let n: Option<i64> = conn
        .execute(text("SELECT count(*) FROM users"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(50));
    let err = conn
        .execute_many(template, &[vec![Value::Null]])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("parameter set 0 has 1 values"),
        "{err}"
    );
}

#[tokio::test]
async fn commit_rollback_and_dropped_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let engine = create_engine(&temp_url(&dir, "tx.db")).unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let count = |e: Engine| async move {
        let mut c = e.connect().await.unwrap();
        c.execute(text("SELECT count(*) FROM users"))
            .await
            .unwrap()
            .scalar::<i64>()
            .unwrap()
            .unwrap()
    };
    let mut conn = engine.connect().await.unwrap();

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "a")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(engine.clone()).await, 1);

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "b")).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(engine.clone()).await, 1);

    {
        let mut tx = conn.begin().await.unwrap();
        tx.execute(insert(&users).value("name", "c")).await.unwrap();
        // dropped without commit
    }
    assert!(!conn.in_transaction());
    conn.execute(insert(&users).value("name", "d"))
        .await
        .unwrap();
    assert_eq!(count(engine.clone()).await, 2);

    // A second begin on the same connection is a clear error.
    let mut tx = conn.begin().await.unwrap();
    assert!(matches!(
        tx.conn().begin().await,
        Err(Error::Transaction(_))
    ));
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn savepoints_release_and_roll_back_to() {
    let engine = create_engine("sqlite://").unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let mut conn = engine.connect().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "outer"))
        .await
        .unwrap();
    {
        let mut sp = tx.begin_nested().await.unwrap();
        assert!(sp.is_nested());
        sp.execute(insert(&users).value("name", "kept"))
            .await
            .unwrap();
        sp.commit().await.unwrap();
    }
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&users).value("name", "undone"))
            .await
            .unwrap();
        {
            let mut inner = sp.begin_nested().await.unwrap();
            inner
                .execute(insert(&users).value("name", "undone too"))
                .await
                .unwrap();
            inner.commit().await.unwrap();
        }
        sp.rollback().await.unwrap();
    }
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&users).value("name", "dropped"))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let names: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(users.c("id").unwrap()))
        .await
        .unwrap();
    assert_eq!(names, vec![("outer".to_string(),), ("kept".to_string(),)]);
}

#[tokio::test]
async fn isolation_levels() {
    let engine = create_engine_with(
        "sqlite://",
        EngineOptions::default().isolation_level(IsolationLevel::Serializable),
    )
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.set_isolation_level(IsolationLevel::Serializable)
        .await
        .unwrap();
    conn.begin_isolated(IsolationLevel::Serializable)
        .await
        .unwrap()
        .commit()
        .await
        .unwrap();
    let err = conn
        .begin_isolated(IsolationLevel::ReadCommitted)
        .await
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
    let err = create_engine_with(
        "sqlite://",
        EngineOptions::default().isolation_level(IsolationLevel::ReadUncommitted),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

#[tokio::test]
async fn constraint_violations_are_integrity_errors_naming_the_constraint() {
    let mut md = MetaData::new();
    let parents = md
        .add(Table::builder("parents").column(Column::new("id", SqlType::Integer).primary_key()))
        .unwrap();
    let kids = md
        .add(
            Table::builder("kids")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("parent_id", SqlType::Integer).foreign_key("parents.id"))
                .column(
                    Column::new("name", SqlType::String(Some(20)))
                        .not_null()
                        .unique(),
                )
                .column(Column::new("age", SqlType::Integer))
                .check(Some("age_positive"), aludel_core::col("age").gt(0)),
        )
        .unwrap();
    let engine = create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().await.unwrap();
    for ddl in aludel_core::create_all(&md, engine.dialect(), false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
    conn.execute(insert(&parents).value("id", 1)).await.unwrap();
    conn.execute(
        insert(&kids)
            .value("parent_id", 1)
            .value("name", "a")
            .value("age", 3),
    )
    .await
    .unwrap();

    let check = |e: Error, kind: DbErrorKind, constraint: &str| {
        let Error::Database(d) = &e else {
            panic!("not a database error: {e:?}")
        };
        assert_eq!(d.kind, kind, "{e}");
        assert!(e.is_integrity());
        assert_eq!(d.constraint.as_deref(), Some(constraint), "{e}");
        assert!(
            d.sql
                .as_deref()
                .is_some_and(|s| s.starts_with("INSERT INTO kids")),
            "{e}"
        );
    };
    let e = conn
        .execute(insert(&kids).value("name", "a"))
        .await
        .unwrap_err();
    check(e, DbErrorKind::UniqueViolation, "kids.name");
    let e = conn
        .execute(insert(&kids).value("name", None::<String>))
        .await
        .unwrap_err();
    check(e, DbErrorKind::NotNullViolation, "kids.name");
    let e = conn
        .execute(insert(&kids).value("name", "b").value("age", -1))
        .await
        .unwrap_err();
    check(e, DbErrorKind::CheckViolation, "age_positive");
    let e = conn
        .execute(insert(&kids).value("name", "c").value("parent_id", 99))
        .await
        .unwrap_err();
    let Error::Database(d) = &e else { panic!() };
    assert_eq!(d.kind, DbErrorKind::ForeignKeyViolation, "{e}");
    let e = conn.execute(text("SELEC nonsense")).await.unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
}

#[tokio::test]
async fn statement_hook_counts_statements_and_echo_does_not_break() {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let engine = create_engine_with(
        "sqlite://",
        EngineOptions::default().echo(true).on_statement(move |e| {
            assert!(!e.sql.is_empty());
            seen.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text("SELECT 1")).await.unwrap();
    conn.execute(text("SELECT :x").bind("x", 2)).await.unwrap();
    let tx = conn.begin().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        4,
        "two selects, BEGIN, COMMIT"
    );
}

#[tokio::test]
async fn memory_database_is_one_connection_shared_by_the_pool() {
    let engine = create_engine_with("sqlite://", EngineOptions::default().pool_size(5)).unwrap();
    {
        let mut c = engine.connect().await.unwrap();
        c.execute(text("CREATE TABLE t (x INTEGER)")).await.unwrap();
        c.execute(text("INSERT INTO t VALUES (1)")).await.unwrap();
    }
    let mut c = engine.connect().await.unwrap();
    let n: Option<i64> = c
        .execute(text("SELECT count(*) FROM t"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(1));
    assert_eq!(engine.open_connections(), 1);
}

#[tokio::test]
async fn pool_limits_checkouts_and_times_out_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let engine = create_engine_with(
        &temp_url(&dir, "pool.db"),
        EngineOptions::default()
            .pool_size(2)
            .max_overflow(1)
            .pool_timeout(Duration::from_millis(50)),
    )
    .unwrap();
    let a = engine.connect().await.unwrap();
    let b = engine.connect().await.unwrap();
    let c = engine.connect().await.unwrap();
    assert_eq!(engine.open_connections(), 3);
    let err = engine.connect().await.unwrap_err();
    assert!(matches!(err, Error::PoolTimeout { max: 3, .. }), "{err}");
    drop((a, b, c));
    // The overflow connection is closed on return; two stay idle.
    assert_eq!(engine.idle_connections(), 2);
    assert_eq!(engine.open_connections(), 2);
    let _again = engine.connect().await.unwrap();
    assert_eq!(engine.open_connections(), 2);
}

#[tokio::test]
async fn concurrent_tasks_share_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let engine = create_engine_with(
        &temp_url(&dir, "conc.db"),
        EngineOptions::default().pool_size(3).max_overflow(0),
    )
    .unwrap();
    {
        let mut c = engine.connect().await.unwrap();
        c.execute(text("CREATE TABLE hits (task INTEGER)"))
            .await
            .unwrap();
    }
    let mut handles = Vec::new();
    for task in 0..12 {
        let e = engine.clone();
        handles.push(tokio::spawn(async move {
            let mut c = e.connect().await?;
            for _ in 0..10 {
                c.execute(text("INSERT INTO hits VALUES (:t)").bind("t", task))
                    .await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, Error>(())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let mut c = engine.connect().await.unwrap();
    let n: Option<i64> = c
        .execute(text("SELECT count(*) FROM hits"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(120));
    assert!(engine.open_connections() <= 3);
}

#[tokio::test]
async fn connection_returned_inside_a_transaction_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let engine = create_engine_with(
        &temp_url(&dir, "ret.db"),
        EngineOptions::default().pool_size(1).max_overflow(0),
    )
    .unwrap();
    {
        let mut c = engine.connect().await.unwrap();
        c.execute(text("CREATE TABLE t (x INTEGER)")).await.unwrap();
    }
    {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(text("INSERT INTO t VALUES (1)")).await.unwrap();
        std::mem::forget(tx); // not even dropped: the connection still knows
    }
    let mut c = engine.connect().await.unwrap();
    assert!(!c.in_transaction());
    let n: Option<i64> = c
        .execute(text("SELECT count(*) FROM t"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(0));
    // And the connection works normally: a new transaction can begin.
    c.begin().await.unwrap().commit().await.unwrap();
}

#[tokio::test]
async fn bad_urls_and_options_are_clear_errors() {
    let err = create_engine("sqlite:///x.db?bogus=1").unwrap_err();
    assert!(err.to_string().contains("\"bogus\""), "{err}");
    let err = create_engine("sqlite:///x.db?timeout=soon").unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
    let err = create_engine("nosuch://user:hunter2@host/db").unwrap_err();
    assert!(matches!(err, Error::UnknownDialect { .. }), "{err}");
    assert!(!err.to_string().contains("hunter2"));
    let err = create_engine("sqlite:/x.db").unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err}");
    let engine = create_engine("sqlite:////nonexistent-dir/sub/x.db").unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string().contains("/nonexistent-dir/sub/x.db"),
        "{err}"
    );
}

#[tokio::test]
async fn read_only_mode_rejects_writes() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_url(&dir, "ro.db");
    {
        let e = create_engine(&url).unwrap();
        let mut c = e.connect().await.unwrap();
        c.execute(text("CREATE TABLE t (x INTEGER)")).await.unwrap();
    }
    let e = create_engine(&format!("{url}?mode=ro")).unwrap();
    let mut c = e.connect().await.unwrap();
    assert!(c.execute(text("SELECT * FROM t")).await.is_ok());
    assert!(c.execute(text("INSERT INTO t VALUES (1)")).await.is_err());
}

#[tokio::test]
async fn wal_journal_mode_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let e = create_engine(&format!("{}?journal_mode=wal", temp_url(&dir, "wal.db"))).unwrap();
    let mut c = e.connect().await.unwrap();
    let mode: Option<String> = c
        .execute(text("PRAGMA journal_mode"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(mode.as_deref(), Some("wal"));
    let fk: Option<i64> = c
        .execute(text("PRAGMA foreign_keys"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(fk, Some(1), "foreign keys are enforced by default");
}

#[tokio::test]
async fn for_each_streams_rows_without_buffering() {
    let engine = create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().await.unwrap();
    let mut sum = 0i64;
    let mut seen = 0usize;
    let q = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :max) SELECT i, 'row' AS label FROM n",
    )
    .bind("max", 10_000);
    conn.for_each(q, |row| {
        sum += get::<i64>(row, 0)?;
        assert_eq!(get::<String>(row, "label")?, "row");
        seen += 1;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(seen, 10_000);
    assert_eq!(sum, 10_000 * 10_001 / 2);
    // An error from the callback stops the query and comes back.
    let err = conn
        .for_each(text("SELECT 1 UNION ALL SELECT 2"), |_| {
            Err(Error::InvalidStatement("stop".into()))
        })
        .await
        .unwrap_err();
    assert_eq!(err, Error::InvalidStatement("stop".into()));
}

#[tokio::test]
async fn upserts_and_returning_on_sqlite() {
    use aludel_core::{excluded, OnConflict};
    let engine = create_engine("sqlite://").unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let mut conn = engine.connect().await.unwrap();
    let upsert = |id: i64, name: &str, email: &str| {
        insert(&users)
            .value("id", id)
            .value("name", name.to_string())
            .value("email", email.to_string())
            .on_conflict(OnConflict::columns(["id"]).do_update([("name", excluded("name"))]))
            .returning([users.c("id").unwrap(), users.c("name").unwrap()])
    };
    let first: (i64, String) = conn.fetch_one(upsert(1, "Ann", "ann@x")).await.unwrap();
    assert_eq!(first, (1, "Ann".to_string()));
    let second: (i64, String) = conn.fetch_one(upsert(1, "Annie", "other@x")).await.unwrap();
    assert_eq!(second, (1, "Annie".to_string()));
    let email: Option<String> = conn
        .execute(select(users.c("email").unwrap()).where_(users.c("id").unwrap().eq(1)))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(email.as_deref(), Some("ann@x"), "only name was updated");

    let ignored = conn
        .execute(
            insert(&users)
                .value("id", 1)
                .value("name", "Nobody")
                .on_conflict(OnConflict::columns(["id"]).do_nothing()),
        )
        .await
        .unwrap();
    assert_eq!(ignored.rows_affected(), 0);

    let deleted: Vec<(String,)> = conn
        .fetch_all(
            aludel_core::delete(&users)
                .where_(users.c("id").unwrap().eq(1))
                .returning(users.c("name").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(deleted, vec![("Annie".to_string(),)]);
}

#[test]
fn echo_logs_statements_hides_parameters_when_asked_and_never_passwords() {
    use std::io::Write;
    #[derive(Clone, Default)]
    struct Buf(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let shown = aludel_core::blocking::create_engine_with(
            "sqlite://",
            EngineOptions::default().echo(true),
        )
        .unwrap();
        let mut c = shown.connect().unwrap();
        c.execute(text("SELECT :secret_value").bind("secret_value", "visible-param"))
            .unwrap();
        let hidden = aludel_core::blocking::create_engine_with(
            "sqlite://",
            EngineOptions::default().echo(true).hide_parameters(true),
        )
        .unwrap();
        let mut c = hidden.connect().unwrap();
        c.execute(text("SELECT :p").bind("p", "hidden-param"))
            .unwrap();
    });
    let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("SELECT ?") && log.contains("visible-param"),
        "{log}"
    );
    assert!(
        log.contains("[parameters hidden]") && !log.contains("hidden-param"),
        "{log}"
    );

    // A URL's password shows in no error and no Debug output.
    let err = create_engine("sqlite://user:hunter2@/x.db?bogus=1").unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let e = create_engine("sqlite:///x.db").unwrap();
    assert!(!format!("{e:?}").contains("hunter2"));
}

#[tokio::test]
async fn recycle_replaces_old_connections_and_pre_ping_keeps_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_url(&dir, "recycle.db");
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true)
            .recycle(Duration::from_millis(30)),
    )
    .unwrap();
    // A connection-local setting tells connections apart.
    {
        let mut c = engine.connect().await.unwrap();
        c.execute(text("PRAGMA cache_size = 1234")).await.unwrap();
    }
    let cache_size = |e: Engine| async move {
        let mut c = e.connect().await.unwrap();
        c.execute(text("PRAGMA cache_size"))
            .await
            .unwrap()
            .scalar::<i64>()
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        cache_size(engine.clone()).await,
        1234,
        "young and alive: reused"
    );
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_ne!(
        cache_size(engine.clone()).await,
        1234,
        "older than recycle: replaced"
    );
    assert_eq!(engine.open_connections(), 1);
}

#[tokio::test]
async fn a_connection_dropped_in_a_transaction_releases_the_database_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Waiting for the lock longer than this is an error, not a long hang.
    let engine = create_engine(&format!("{}?timeout=2", temp_url(&dir, "locks.db"))).unwrap();
    let users = users_table();
    setup(&engine, &users).await;
    let mut other = engine.connect().await.unwrap();
    {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(insert(&users).value("name", "abandoned"))
            .await
            .unwrap();
        // Dropped with its write transaction open, and no await after it:
        // the rollback happens in the drop, not at a later checkout.
    }
    other
        .execute(insert(&users).value("name", "kept"))
        .await
        .unwrap();
    let n: Option<i64> = other
        .execute(text("SELECT count(*) FROM users"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(1));
}

#[tokio::test]
async fn a_connection_keeps_at_most_statement_cache_size_statements() {
    let engine = create_engine("sqlite://?statement_cache_size=3").unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text("CREATE TABLE t (x INTEGER)"))
        .await
        .unwrap();
    conn.execute(text("INSERT INTO t VALUES (7)"))
        .await
        .unwrap();
    // Six shapes of SELECT: six prepared statements, three kept at most.
    let shape =
        |k: usize| text(&format!("SELECT x{} FROM t WHERE x = :x", ", x".repeat(k))).bind("x", 7);
    for round in 0..2 {
        for k in 0..6 {
            let rows = conn.execute(shape(k)).await.unwrap().all();
            assert_eq!(rows.len(), 1, "round {round}, shape {k}");
            assert_eq!(rows[0].values().len(), k + 1);
            assert!(
                conn.cached_statements() <= 3,
                "{}",
                conn.cached_statements()
            );
        }
    }
    assert_eq!(conn.cached_statements(), 3);

    let engine = create_engine("sqlite://?statement_cache_size=0").unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text("CREATE TABLE t (x INTEGER)"))
        .await
        .unwrap();
    for i in 0..4 {
        conn.execute(text("INSERT INTO t VALUES (:x)").bind("x", i))
            .await
            .unwrap();
    }
    let n: Option<i64> = conn
        .execute(text("SELECT count(*) FROM t"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(4));
    assert_eq!(conn.cached_statements(), 0);
}

#[tokio::test]
async fn fetch_first_reads_no_row_after_the_first() {
    let engine = create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().await.unwrap();
    // The second row fails when SQLite computes it (abs of the smallest
    // integer overflows): only a query that reads it sees the error.
    let q = "SELECT 1 UNION ALL SELECT abs(-9223372036854775807 - 1)";
    let first: Option<(i64,)> = conn.fetch_first(text(q)).await.unwrap();
    assert_eq!(first, Some((1,)));
    let e = conn.fetch_all::<(i64,)>(text(q)).await.unwrap_err();
    assert!(e.to_string().contains("integer overflow"), "{e}");
    // The connection goes on.
    let again: Option<(i64,)> = conn.fetch_first(text(q)).await.unwrap();
    assert_eq!(again, Some((1,)));
}

async fn star_columns(conn: &mut aludel_core::Connection) -> Vec<String> {
    let rows = conn.execute(text("SELECT * FROM t")).await.unwrap().all();
    rows[0].columns().to_vec()
}

#[tokio::test]
async fn select_star_sees_columns_added_after_it_was_prepared() {
    let dir = tempfile::tempdir().unwrap();
    let url = temp_url(&dir, "shared.db");
    let reader = create_engine(&url).unwrap();
    let writer = create_engine(&url).unwrap();
    let mut r = reader.connect().await.unwrap();
    let mut w = writer.connect().await.unwrap();
    r.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        .await
        .unwrap();
    r.execute(text("INSERT INTO t (name) VALUES ('a')"))
        .await
        .unwrap();
    assert_eq!(star_columns(&mut r).await, ["id", "name"]);
    // Through the same engine: its pool forgets the prepared statements.
    r.execute(text(
        "ALTER TABLE t ADD COLUMN email TEXT DEFAULT 'a@example.com'",
    ))
    .await
    .unwrap();
    assert_eq!(star_columns(&mut r).await, ["id", "name", "email"]);
    // Through another engine, which this one hears nothing of: SQLite
    // re-prepares the statement, and its columns are read again.
    w.execute(text("ALTER TABLE t ADD COLUMN phone TEXT"))
        .await
        .unwrap();
    assert_eq!(star_columns(&mut r).await, ["id", "name", "email", "phone"]);
    let rows = r.execute(text("SELECT * FROM t")).await.unwrap().all();
    assert_eq!(rows[0].get::<String>("email").unwrap(), "a@example.com");
    assert_eq!(rows[0].get::<Option<String>>("phone").unwrap(), None);
}
