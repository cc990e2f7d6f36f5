//! The engine on MySQL or MariaDB: statements, results, transactions,
//! savepoints, isolation levels, upserts, RETURNING, constraint errors,
//! the statement cache, schemas with foreign keys, and `sql_mode`.

mod common;

use aludel_core::engine::get;
use aludel_core::{
    create_all, create_engine_with, delete, drop_all, excluded, func, insert, select, text, update,
    Column, Connection, DbErrorKind, Engine, EngineOptions, Error, ForeignKey, IsolationLevel,
    MetaData, OnConflict, SqlType, Table, Value,
};
use aludel_mysql as _;
use common::{create_tables, drop_tables, engine, name};

fn users(md: &mut MetaData) -> Table {
    md.add(
        Table::builder(name("users"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::string(50)).not_null())
            .column(Column::new("email", SqlType::string(100)).unique()),
    )
    .unwrap()
}

async fn count(engine: &Engine, t: &Table) -> i64 {
    let mut c = engine.connect().await.unwrap();
    let (n,): (i64,) = c
        .fetch_one(select(func::count_star()).from(t))
        .await
        .unwrap();
    n
}

async fn names(conn: &mut Connection, t: &Table) -> Vec<String> {
    let rows: Vec<(String,)> = conn
        .fetch_all(select(t.c("name").unwrap()).order_by(t.c("id").unwrap()))
        .await
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
struct User {
    id: i64,
    name: String,
    email: Option<String>,
}

#[tokio::test]
async fn insert_select_update_delete_and_result_accessors() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;

    let r = conn
        .execute(insert(&t).value("name", "Alice").value("email", "alice@x"))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    assert_eq!(r.last_insert_id(), Some(1));

    let r = conn
        .execute(
            insert(&t)
                .columns(["name", "email"])
                .row(["Bob", "bob@x"])
                .row(["Carol", "carol@x"]),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 2);
    // MySQL reports the first key a multi-row INSERT generated.
    assert_eq!(r.last_insert_id(), Some(2));

    let id = || t.c("id").unwrap();
    let rows = conn.execute(select(&t).order_by(id())).await.unwrap();
    assert_eq!(rows.len(), 3);
    let first = rows.rows()[0].clone();
    assert_eq!(first.columns(), ["id", "name", "email"]);
    assert_eq!(first.get::<i64>(0).unwrap(), 1);
    assert_eq!(first.get::<i32>("id").unwrap(), 1);
    assert_eq!(first.get::<String>("name").unwrap(), "Alice");
    assert_eq!(first.values()[0], Value::I32(1), "INTEGER decodes as i32");
    assert!(matches!(
        first.get::<i64>("name"),
        Err(Error::Conversion { .. })
    ));
    assert!(matches!(
        first.get::<String>("nope"),
        Err(Error::UnknownColumn { .. })
    ));
    assert_eq!(
        conn.execute(select(&t)).await.unwrap().one(),
        Err(Error::MultipleRows { count: 3 })
    );
    let by_id = |n: i64| select(&t).where_(id().eq(n));
    assert_eq!(
        conn.execute(by_id(9)).await.unwrap().one_or_none(),
        Ok(None)
    );
    let maps = conn.execute(by_id(3)).await.unwrap().mappings();
    assert_eq!(maps[0]["email"], Value::String("carol@x".into()));

    // FromRow, derived and tuples.
    let all: Vec<User> = conn
        .fetch_all(select(&t).order_by(id().desc()))
        .await
        .unwrap();
    assert_eq!(
        all[0],
        User {
            id: 3,
            name: "Carol".into(),
            email: Some("carol@x".into())
        }
    );
    let n: Option<i64> = conn
        .execute(select(func::count_star()).from(&t))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(n, Some(3));
    // SUM over integers is a DECIMAL on MySQL; it still reads as an integer.
    let (sum,): (i64,) = conn
        .fetch_one(select(func::sum(id())).from(&t))
        .await
        .unwrap();
    assert_eq!(sum, 6);

    let r = conn
        .execute(update(&t).set("name", "Bobby").where_(id().ge(2)))
        .await
        .unwrap();
    assert_eq!((r.rows_affected(), r.last_insert_id()), (2, None));
    // MySQL counts changed rows: setting the same value again changes none.
    let r = conn
        .execute(update(&t).set("name", "Bobby").where_(id().ge(2)))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 0);
    let r = conn.execute(delete(&t).where_(id().eq(3))).await.unwrap();
    assert_eq!(r.rows_affected(), 1);
    assert_eq!(names(&mut conn, &t).await, ["Alice", "Bobby"]);

    // A generated key after deletes keeps counting.
    let r = conn.execute(insert(&t).value("name", "Dan")).await.unwrap();
    assert_eq!(r.last_insert_id(), Some(4));
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn text_with_named_binds_and_execute_many() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let table = t.name.to_string();

    let r = conn
        .execute(
            text(&format!(
                "INSERT INTO {table} (name, email) VALUES (:n, :e), (:n2, NULL)"
            ))
            .bind("n", "a")
            .bind("e", "a@x")
            .bind("n2", "b"),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 2);
    let v: Option<String> = conn
        .execute(text(&format!("SELECT email FROM {table} WHERE name = :n")).bind("n", "a"))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(v.as_deref(), Some("a@x"));
    assert_eq!(
        conn.execute(text("SELECT :missing")).await.unwrap_err(),
        Error::MissingBind {
            name: "missing".into()
        }
    );
    // DDL and session statements run through text() as well.
    conn.execute(text(&format!(
        "ALTER TABLE {table} ADD COLUMN extra INTEGER"
    )))
    .await
    .unwrap();
    conn.execute(text("SET @aludel_x = 41")).await.unwrap();
    let (x,): (i64,) = conn
        .fetch_one(text("SELECT @aludel_x + :one").bind("one", 1))
        .await
        .unwrap();
    assert_eq!(x, 42);

    let template = insert(&t).value("name", "").value("email", "");
    let sets: Vec<Vec<Value>> = (0..50)
        .map(|i| vec![format!("u{i}").into(), format!("u{i}@x").into()])
        .collect();
    let r = conn.execute_many(template.clone(), &sets).await.unwrap();
    assert_eq!(r.rows_affected, 50);
    assert_eq!(count(&engine, &t).await, 52);
    let err = conn
        .execute_many(template, &[vec![Value::Null]])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidStatement(_)), "{err}");
    drop_tables(&mut conn, &md).await;
}

async fn prepares(conn: &mut Connection) -> i64 {
    let (_, n): (String, String) = conn
        .fetch_one(text("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'"))
        .await
        .unwrap();
    n.parse().unwrap()
}

#[tokio::test]
async fn statements_are_prepared_once_per_connection() {
    let Some(url) = common::url() else { return };
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(0)).unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    // Warm up the statements this test repeats.
    conn.execute(insert(&t).value("name", "warm"))
        .await
        .unwrap();
    let before = prepares(&mut conn).await;
    let before_cached = conn.cached_statements();
    for i in 0..20 {
        conn.execute(insert(&t).value("name", format!("n{i}")))
            .await
            .unwrap();
        let (n,): (String,) = conn
            .fetch_one(
                select(t.c("name").unwrap()).where_(t.c("name").unwrap().eq(format!("n{i}"))),
            )
            .await
            .unwrap();
        assert_eq!(n, format!("n{i}"));
    }
    let after = prepares(&mut conn).await;
    // The SELECT was new (prepared once), the INSERT and SHOW were cached.
    assert_eq!(after - before, 1, "one prepare for forty statements");
    assert_eq!(conn.cached_statements(), before_cached + 1);
    drop_tables(&mut conn, &md).await;
}

async fn session_status(conn: &mut Connection, name: &str) -> i64 {
    let (_, n): (String, String) = conn
        .fetch_one(text(&format!("SHOW SESSION STATUS LIKE '{name}'")))
        .await
        .unwrap();
    n.parse().unwrap()
}

#[tokio::test]
async fn a_connection_keeps_at_most_statement_cache_size_statements() {
    let Some(url) = common::url() else { return };
    let url = common::with_option(&url, "statement_cache_size=3");
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(0)).unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    conn.execute(insert(&t).value("name", "a")).await.unwrap();
    // Six shapes of SELECT, each with a bound value: six prepared statements.
    let shapes = |k: usize| {
        let cols: Vec<_> = (0..=k).map(|_| t.c("name").unwrap()).collect();
        select(cols).where_(t.c("name").unwrap().eq("a"))
    };
    let closes = session_status(&mut conn, "Com_stmt_close").await;
    for round in 0..2 {
        for k in 0..6 {
            let rows = conn.execute(shapes(k)).await.unwrap().all();
            assert_eq!(rows.len(), 1, "round {round}, shape {k}");
            assert_eq!(rows[0].values().len(), k + 1);
            assert!(
                conn.cached_statements() <= 3,
                "{}",
                conn.cached_statements()
            );
        }
    }
    // The SHOW statements count too (no values: the text protocol, not kept).
    let closed = session_status(&mut conn, "Com_stmt_close").await - closes;
    assert!(
        closed >= 9,
        "least recently used statements are closed: {closed}"
    );
    assert_eq!(conn.cached_statements(), 3);
    // An evicted statement is prepared again and runs.
    let before = prepares(&mut conn).await;
    assert_eq!(conn.execute(shapes(0)).await.unwrap().all().len(), 1);
    assert_eq!(prepares(&mut conn).await - before, 1);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn statement_cache_size_zero_closes_every_statement_after_it_runs() {
    let Some(url) = common::url() else { return };
    let url = common::with_option(&url, "statement_cache_size=0");
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(1)).unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let closes = session_status(&mut conn, "Com_stmt_close").await;
    for i in 0..4 {
        conn.execute(insert(&t).value("name", format!("n{i}")))
            .await
            .unwrap();
    }
    assert_eq!(conn.cached_statements(), 0);
    // The four INSERTs, and the SHOW that read the first count.
    assert_eq!(
        session_status(&mut conn, "Com_stmt_close").await - closes,
        5
    );
    assert_eq!(count(&engine, &t).await, 4);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn commit_rollback_and_dropped_transactions() {
    let Some(url) = common::url() else { return };
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(1)).unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&t).value("name", "committed"))
        .await
        .unwrap();
    // Another connection does not see it yet.
    assert_eq!(count(&engine, &t).await, 0);
    tx.commit().await.unwrap();
    assert_eq!(count(&engine, &t).await, 1);

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&t).value("name", "rolled back"))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(&engine, &t).await, 1);

    {
        let mut tx = conn.begin().await.unwrap();
        tx.execute(insert(&t).value("name", "dropped"))
            .await
            .unwrap();
    }
    assert!(!conn.in_transaction());
    conn.execute(insert(&t).value("name", "after"))
        .await
        .unwrap();
    assert_eq!(names(&mut conn, &t).await, ["committed", "after"]);

    let mut tx = conn.begin().await.unwrap();
    assert!(matches!(
        tx.conn().begin().await,
        Err(Error::Transaction(_))
    ));
    // A failed statement leaves the transaction usable (MySQL rolls back
    // the statement only).
    let err = tx
        .execute(insert(&t).value("name", None::<String>))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::NotNullViolation), "{err}");
    tx.execute(insert(&t).value("name", "in tx")).await.unwrap();
    tx.commit().await.unwrap();
    drop(conn);

    // A connection returned to the pool inside a transaction is rolled back.
    {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(insert(&t).value("name", "abandoned"))
            .await
            .unwrap();
        std::mem::forget(tx);
    }
    let mut conn = engine.connect().await.unwrap();
    assert!(!conn.in_transaction());
    assert_eq!(names(&mut conn, &t).await, ["committed", "after", "in tx"]);
    conn.begin().await.unwrap().commit().await.unwrap();
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn savepoints_release_and_roll_back_to() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&t).value("name", "outer")).await.unwrap();
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&t).value("name", "kept")).await.unwrap();
        sp.commit().await.unwrap();
    }
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&t).value("name", "undone"))
            .await
            .unwrap();
        {
            let mut inner = sp.begin_nested().await.unwrap();
            inner
                .execute(insert(&t).value("name", "undone too"))
                .await
                .unwrap();
            inner.commit().await.unwrap();
        }
        sp.rollback().await.unwrap();
    }
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&t).value("name", "dropped"))
            .await
            .unwrap();
    }
    {
        let mut sp = tx.begin_nested().await.unwrap();
        sp.execute(insert(&t).value("name", "dup").value("email", "x@x"))
            .await
            .unwrap();
        let err = sp
            .execute(insert(&t).value("name", "dup2").value("email", "x@x"))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        sp.rollback().await.unwrap();
    }
    tx.execute(insert(&t).value("name", "last")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(names(&mut conn, &t).await, ["outer", "kept", "last"]);
    drop_tables(&mut conn, &md).await;
}

async fn session_isolation(conn: &mut Connection) -> String {
    // MySQL 8 and MariaDB 11.1+ call it transaction_isolation, MariaDB
    // before 11.1 tx_isolation.
    let r = conn
        .fetch_one::<(String,)>(text("SELECT @@SESSION.transaction_isolation"))
        .await;
    match r {
        Ok((s,)) => s,
        Err(_) => {
            conn.fetch_one::<(String,)>(text("SELECT @@SESSION.tx_isolation"))
                .await
                .unwrap()
                .0
        }
    }
}

/// Whether another connection can update the rows of `t` now, within a
/// one-second lock wait: the error is a Timeout when a lock holds them.
async fn try_update(writer: &mut Connection, t: &Table) -> Result<(), Error> {
    writer
        .execute(update(t).set("name", "updated"))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn isolation_levels_for_the_engine_the_connection_and_one_transaction() {
    let Some(url) = common::url() else { return };
    let engine = create_engine_with(
        &url,
        EngineOptions::default().isolation_level(IsolationLevel::ReadCommitted),
    )
    .unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    conn.execute(insert(&t).value("name", "a")).await.unwrap();
    assert_eq!(session_isolation(&mut conn).await, "READ-COMMITTED");
    let mut writer = engine.connect().await.unwrap();
    writer
        .execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
        .await
        .unwrap();

    // SERIALIZABLE for one transaction: its plain SELECT takes shared
    // locks, so a writer waits for them and gives up.
    {
        let mut tx = conn
            .begin_isolated(IsolationLevel::Serializable)
            .await
            .unwrap();
        tx.conn().execute(select(&t)).await.unwrap();
        let err = try_update(&mut writer, &t).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Timeout), "{err}");
        let Error::Database(d) = &err else { panic!() };
        assert_eq!(d.code.as_deref(), Some("1205"), "{err}");
        tx.commit().await.unwrap();
    }
    // The level applied to that transaction only: the next one reads
    // without locks, and the session keeps its level.
    {
        let mut tx = conn.begin().await.unwrap();
        tx.conn().execute(select(&t)).await.unwrap();
        try_update(&mut writer, &t).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(session_isolation(&mut conn).await, "READ-COMMITTED");

    // READ COMMITTED sees another transaction's commit inside a
    // transaction, REPEATABLE READ keeps its snapshot.
    for (level, sees_commit) in [
        (IsolationLevel::ReadCommitted, true),
        (IsolationLevel::RepeatableRead, false),
    ] {
        let mut tx = conn.begin_isolated(level).await.unwrap();
        let before: Vec<(i64,)> = tx
            .conn()
            .fetch_all(select(t.c("id").unwrap()))
            .await
            .unwrap();
        writer
            .execute(insert(&t).value("name", format!("{level:?}")))
            .await
            .unwrap();
        let after: Vec<(i64,)> = tx
            .conn()
            .fetch_all(select(t.c("id").unwrap()))
            .await
            .unwrap();
        assert_eq!(after.len() == before.len() + 1, sees_commit, "{level:?}");
        tx.commit().await.unwrap();
    }

    conn.set_isolation_level(IsolationLevel::RepeatableRead)
        .await
        .unwrap();
    assert_eq!(session_isolation(&mut conn).await, "REPEATABLE-READ");
    conn.set_isolation_level(IsolationLevel::ReadUncommitted)
        .await
        .unwrap();
    assert_eq!(session_isolation(&mut conn).await, "READ-UNCOMMITTED");
    // A new connection of the engine starts at the engine's level.
    let mut fresh = engine.connect().await.unwrap();
    assert_eq!(session_isolation(&mut fresh).await, "READ-COMMITTED");
    drop(fresh);
    drop(writer);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn on_duplicate_key_update_upserts() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let upsert = |id: i64, name: &str, email: &str| {
        insert(&t)
            .value("id", id)
            .value("name", name.to_string())
            .value("email", email.to_string())
            .on_conflict(OnConflict::columns(["id"]).do_update([("name", excluded("name"))]))
    };
    // MySQL counts 1 for an inserted row, 2 for an updated one, 0 for one
    // left as it was.
    let r = conn.execute(upsert(1, "Ann", "ann@x")).await.unwrap();
    assert_eq!(r.rows_affected(), 1);
    let r = conn.execute(upsert(1, "Annie", "other@x")).await.unwrap();
    assert_eq!(r.rows_affected(), 2);
    let r = conn.execute(upsert(1, "Annie", "other@x")).await.unwrap();
    assert_eq!(r.rows_affected(), 0);
    let row: (String, String) = conn
        .fetch_one(select([t.c("name").unwrap(), t.c("email").unwrap()]))
        .await
        .unwrap();
    assert_eq!(
        row,
        ("Annie".into(), "ann@x".into()),
        "only name is updated"
    );

    // A conflict on the unique email (any unique key triggers the update).
    let r = conn.execute(upsert(2, "Other", "ann@x")).await.unwrap();
    assert_eq!(r.rows_affected(), 2);
    assert_eq!(names(&mut conn, &t).await, ["Other"]);

    let ignored = conn
        .execute(
            insert(&t)
                .value("id", 1)
                .value("name", "Nobody")
                .on_conflict(OnConflict::columns(["id"]).do_nothing()),
        )
        .await
        .unwrap();
    assert_eq!(ignored.rows_affected(), 0);
    assert_eq!(names(&mut conn, &t).await, ["Other"]);

    // Many rows at once.
    let r = conn
        .execute(
            insert(&t)
                .columns(["id", "name"])
                .row([Value::I64(1), "one".into()])
                .row([Value::I64(5), "five".into()])
                .on_conflict(OnConflict::columns(["id"]).do_update([("name", excluded("name"))])),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 3);
    assert_eq!(names(&mut conn, &t).await, ["one", "five"]);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn returning_where_the_server_has_it() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let caps = engine.dialect().capabilities();
    let ins = insert(&t)
        .columns(["name", "email"])
        .row(["a", "a@x"])
        .row(["b", "b@x"])
        .returning([t.c("id").unwrap(), t.c("name").unwrap()]);
    if caps.insert_returning {
        // MariaDB.
        let r = conn.execute(ins).await.unwrap();
        assert_eq!(r.len(), 2);
        let rows: Vec<(i64, String)> = r.decode().unwrap();
        assert_eq!(rows, [(1, "a".into()), (2, "b".into())]);
        let deleted: Vec<(String,)> = conn
            .fetch_all(
                delete(&t)
                    .where_(t.c("id").unwrap().eq(1))
                    .returning(t.c("email").unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(deleted, [("a@x".to_string(),)]);
        let upserted: (i64, String) = conn
            .fetch_one(
                insert(&t)
                    .value("id", 2)
                    .value("name", "B")
                    .on_conflict(
                        OnConflict::columns(["id"]).do_update([("name", excluded("name"))]),
                    )
                    .returning([t.c("id").unwrap(), t.c("name").unwrap()]),
            )
            .await
            .unwrap();
        assert_eq!(upserted, (2, "B".into()));
    } else {
        // MySQL: a clear error from the compiler, before anything is sent.
        let err = conn.execute(ins).await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        assert_eq!(count(&engine, &t).await, 0);
    }
    assert!(!caps.update_returning);
    let err = conn
        .execute(update(&t).set("name", "x").returning(t.c("id").unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn constraint_violations_name_their_constraint() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let parents = md
        .add(
            Table::builder(name("parents"))
                .column(Column::new("id", SqlType::Integer).primary_key()),
        )
        .unwrap();
    // Check and foreign key names are per schema: unique ones here.
    let check: &'static str = Box::leak(name("age_positive").into_boxed_str());
    let fk = name("fk_kid_parent");
    let kids_name = name("kids");
    let kids = md
        .add(
            Table::builder(kids_name.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("parent_id", SqlType::Integer))
                .column(
                    Column::new("other_parent", SqlType::Integer)
                        .foreign_key(format!("{}.id", parents.name)),
                )
                .column(Column::new("name", SqlType::string(20)).not_null().unique())
                .column(Column::new("age", SqlType::Integer))
                .foreign_key(
                    ForeignKey::new(["parent_id"], parents.name.clone(), ["id"]).name(fk.clone()),
                )
                .check(Some(check), aludel_core::col("age").gt(0)),
        )
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    conn.execute(insert(&parents).value("id", 1)).await.unwrap();
    conn.execute(
        insert(&kids)
            .value("parent_id", 1)
            .value("name", "a")
            .value("age", 3),
    )
    .await
    .unwrap();

    let expect = |e: Error, kind: DbErrorKind, code: &[&str], constraint: &str| {
        let Error::Database(d) = &e else {
            panic!("not a database error: {e:?}")
        };
        assert_eq!(d.kind, kind, "{e}");
        assert!(e.is_integrity(), "{e}");
        assert!(code.contains(&d.code.as_deref().unwrap()), "{e}");
        assert_eq!(d.constraint.as_deref(), Some(constraint), "{e}");
        assert!(
            d.sql
                .as_deref()
                .is_some_and(|s| s.starts_with("INSERT INTO") || s.starts_with("DELETE")),
            "{e}"
        );
    };
    let e = conn
        .execute(insert(&kids).value("name", "a"))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::UniqueViolation, &["1062"], "name");
    let e = conn
        .execute(insert(&kids).value("id", 1).value("name", "z"))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::UniqueViolation, &["1062"], "PRIMARY");
    let e = conn
        .execute(insert(&kids).value("name", None::<String>))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::NotNullViolation, &["1048"], "name");
    let e = conn
        .execute(insert(&kids).value("name", "b").value("age", -1))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::CheckViolation, &["3819", "4025"], check);
    let e = conn
        .execute(insert(&kids).value("name", "c").value("parent_id", 99))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::ForeignKeyViolation, &["1452"], &fk);
    // An unnamed foreign key gets the server's name: <table>_ibfk_<n>.
    let e = conn
        .execute(insert(&kids).value("name", "d").value("other_parent", 99))
        .await
        .unwrap_err();
    let Error::Database(d) = &e else { panic!() };
    assert_eq!(d.kind, DbErrorKind::ForeignKeyViolation, "{e}");
    assert!(
        d.constraint
            .as_deref()
            .is_some_and(|c| c.starts_with(&format!("{kids_name}_ibfk_"))),
        "{e}"
    );
    let e = conn
        .execute(delete(&parents).where_(parents.c("id").unwrap().eq(1)))
        .await
        .unwrap_err();
    expect(e, DbErrorKind::ForeignKeyViolation, &["1451"], &fk);

    // Not integrity errors.
    let e = conn.execute(text("SELEC nonsense")).await.unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
    let e = conn
        .execute(text("SELECT * FROM no_such_table_here"))
        .await
        .unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
    let e = conn
        .execute(text(&format!(
            "SELECT no_such_column FROM {}",
            parents.name
        )))
        .await
        .unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
    let e = conn
        .execute(insert(&kids).value("name", "x".repeat(21)))
        .await
        .unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Data), "{e}");
    // The connection is still fine after all that.
    assert_eq!(count(&engine, &kids).await, 1);
    drop_tables(&mut conn, &md).await;
}

async fn table_count(conn: &mut Connection, names: &[String; 3]) -> i64 {
    let (n,): (i64,) = conn
        .fetch_one(
            text(
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name IN (:a, :b, :c)",
            )
            .bind("a", names[0].clone())
            .bind("b", names[1].clone())
            .bind("c", names[2].clone()),
        )
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn create_all_and_drop_all_with_foreign_keys_and_a_cycle() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let (a, b, r) = (name("authors"), name("books"), name("reviews"));
    let mut md2 = MetaData::new();
    let authors = md2
        .add(
            Table::builder(a.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(40)).not_null().index())
                // The cycle: an author's favourite book, added by ALTER
                // TABLE once both tables exist.
                .column(Column::new("favourite_id", SqlType::Integer))
                .foreign_key(
                    ForeignKey::new(["favourite_id"], b.clone(), ["id"])
                        .name(name("fk_favourite"))
                        .use_alter(),
                ),
        )
        .unwrap();
    let books = md2
        .add(
            Table::builder(b.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(
                    Column::new("author_id", SqlType::Integer)
                        .not_null()
                        .foreign_key(format!("{a}.id")),
                )
                .column(Column::new("title", SqlType::string(80))),
        )
        .unwrap();
    let reviews = md2
        .add(
            Table::builder(r.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(
                    Column::new("book_id", SqlType::Integer)
                        .foreign_key(format!("{b}.id"))
                        .on_delete(aludel_core::FkAction::Cascade),
                ),
        )
        .unwrap();
    let dialect = engine.dialect();
    let mut conn = engine.connect().await.unwrap();
    let plan = create_all(&md2, dialect, false).unwrap();
    for ddl in &plan {
        conn.execute(ddl.clone()).await.unwrap();
    }
    let names3 = [a.clone(), b.clone(), r.clone()];
    assert_eq!(table_count(&mut conn, &names3).await, 3);
    conn.execute(insert(&authors).value("id", 1).value("name", "Le Guin"))
        .await
        .unwrap();
    conn.execute(insert(&books).value("id", 10).value("author_id", 1))
        .await
        .unwrap();
    conn.execute(insert(&reviews).value("id", 100).value("book_id", 10))
        .await
        .unwrap();
    conn.execute(update(&authors).set("favourite_id", 10))
        .await
        .unwrap();
    let err = conn
        .execute(update(&authors).set("favourite_id", 11))
        .await
        .unwrap_err();
    assert_eq!(
        err.db_kind(),
        Some(DbErrorKind::ForeignKeyViolation),
        "{err}"
    );
    // ON DELETE CASCADE from the DDL.
    conn.execute(update(&authors).set("favourite_id", None::<i32>))
        .await
        .unwrap();
    conn.execute(delete(&books)).await.unwrap();
    assert_eq!(count(&engine, &reviews).await, 0);

    for ddl in drop_all(&md2, dialect, false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
    assert_eq!(table_count(&mut conn, &names3).await, 0);
    // Dropping what is not there, with IF EXISTS, is a no-op.
    for ddl in drop_all(&md2, dialect, true).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
}

/// The SQL the dialects generate works whatever the session's sql_mode:
/// with ANSI_QUOTES (double quotes are identifiers), PIPES_AS_CONCAT,
/// strict or not. Each mode is set once through the URL option and once
/// with SET SESSION.
#[tokio::test]
async fn generated_sql_works_in_every_sql_mode() {
    let Some(url) = common::url() else { return };
    for mode in [
        "",
        "ANSI_QUOTES",
        "ANSI",
        "TRADITIONAL",
        "STRICT_ALL_TABLES,ANSI_QUOTES,PIPES_AS_CONCAT,ONLY_FULL_GROUP_BY",
        "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO",
    ] {
        let through_url = common::with_option(&url, &format!("sql_mode={mode}"));
        let e = create_engine_with(&through_url, EngineOptions::default().pool_size(1)).unwrap();
        let mut conn = e.connect().await.unwrap();
        let (now,): (String,) = conn
            .fetch_one(text("SELECT @@SESSION.sql_mode"))
            .await
            .unwrap();
        sql_mode_workout(&mut conn, mode, &now).await;

        let e = create_engine_with(&url, EngineOptions::default().pool_size(1)).unwrap();
        let mut conn = e.connect().await.unwrap();
        conn.execute(text(&format!("SET SESSION sql_mode = '{mode}'")))
            .await
            .unwrap();
        sql_mode_workout(&mut conn, mode, &now).await;
    }
}

async fn sql_mode_workout(conn: &mut Connection, mode: &str, actual: &str) {
    let ctx = format!("sql_mode {mode:?} (server: {actual:?})");
    for m in mode
        .split(',')
        .filter(|m| !m.is_empty() && *m != "ANSI" && *m != "TRADITIONAL")
    {
        assert!(actual.contains(m), "{ctx}");
    }
    let tricky = "it's \"quoted\" \\ back\\slash ''";
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder(name("modes"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("order", SqlType::string(200)).not_null())
                .column(Column::new("note", SqlType::string(200)).server_default(tricky))
                .column(Column::new("n", SqlType::Integer).server_default(7))
                .column(Column::new(
                    "mood",
                    SqlType::enumeration("mood", ["happy", "it's \"odd\" \\"]),
                ))
                .check(None, aludel_core::col("n").ge(0))
                .index(aludel_core::Index::new(["order"])),
        )
        .unwrap();
    create_tables(conn, &md).await;
    conn.execute(
        insert(&t)
            .value("order", "a\\b'c\"d")
            .value("mood", "it's \"odd\" \\"),
    )
    .await
    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
    let c = |n: &str| t.c(n).unwrap();
    let row: (String, String, i64, String, String) = conn
        .fetch_one(select([
            c("order"),
            c("note"),
            c("n"),
            c("mood"),
            c("order").concat("|").concat(c("note")).label("joined"),
        ]))
        .await
        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
    assert_eq!(
        row,
        (
            "a\\b'c\"d".to_string(),
            tricky.to_string(),
            7,
            "it's \"odd\" \\".to_string(),
            format!("a\\b'c\"d|{tricky}"),
        ),
        "{ctx}"
    );
    // LIKE with wildcards in the data, an upsert, a grouped count.
    let n: Vec<(String, i64)> = conn
        .fetch_all(
            select([c("order"), func::count_star().label("k")])
                .from(&t)
                .where_(c("order").contains("\\b'c"))
                .group_by([c("order")]),
        )
        .await
        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
    assert_eq!(n, [("a\\b'c\"d".to_string(), 1)], "{ctx}");
    conn.execute(
        insert(&t)
            .value("id", 1)
            .value("order", "x")
            .on_conflict(OnConflict::columns(["id"]).do_update([("order", excluded("order"))])),
    )
    .await
    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
    let orders: Vec<(String,)> = conn.fetch_all(select(c("order"))).await.unwrap();
    assert_eq!(orders, [("x".to_string(),)], "{ctx}");
    let err = conn
        .execute(insert(&t).value("order", "y").value("n", -1))
        .await
        .unwrap_err();
    assert_eq!(
        err.db_kind(),
        Some(DbErrorKind::CheckViolation),
        "{ctx}: {err}"
    );
    // A value too long: an error in strict mode, truncated otherwise.
    let strict = actual.contains("STRICT");
    let r = conn
        .execute(insert(&t).value("order", "z".repeat(300)))
        .await;
    assert_eq!(r.is_err(), strict, "{ctx}: {r:?}");
    if let Err(e) = r {
        assert_eq!(e.db_kind(), Some(DbErrorKind::Data), "{ctx}: {e}");
    }
    drop_tables(conn, &md).await;
}

#[tokio::test]
async fn concurrent_tasks_share_the_pool() {
    let Some(url) = common::url() else { return };
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(3).max_overflow(0)).unwrap();
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let mut handles = Vec::new();
    for task in 0..12 {
        let (e, t) = (engine.clone(), t.clone());
        handles.push(tokio::spawn(async move {
            let mut c = e.connect().await?;
            for i in 0..10 {
                c.execute(insert(&t).value("name", format!("{task}-{i}")))
                    .await?;
            }
            Ok::<_, Error>(())
        }));
    }
    drop_handles(handles).await;
    assert_eq!(count(&engine, &t).await, 120);
    assert!(engine.open_connections() <= 3);
    let mut seen = 0;
    conn.for_each(select(&t), |row| {
        assert!(get::<String>(row, "name")?.contains('-'));
        seen += 1;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(seen, 120);
    drop_tables(&mut conn, &md).await;
}

async fn drop_handles(handles: Vec<tokio::task::JoinHandle<Result<(), Error>>>) {
    for h in handles {
        h.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_connection_dropped_in_a_transaction_releases_its_locks_at_once() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = users(&mut md);
    let mut other = engine.connect().await.unwrap();
    create_tables(&mut other, &md).await;
    other
        .execute(insert(&t).value("id", 1).value("name", "a"))
        .await
        .unwrap();
    // Waiting for a lock longer than this is an error, not a long hang.
    other
        .execute(text("SET SESSION innodb_lock_wait_timeout = 5"))
        .await
        .unwrap();
    {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(
            update(&t)
                .set("name", "locked")
                .where_(t.c("id").unwrap().eq(1)),
        )
        .await
        .unwrap();
        // The row lock goes with the connection's return to the pool, not
        // at its next checkout.
    }
    other
        .execute(update(&t).set("name", "b").where_(t.c("id").unwrap().eq(1)))
        .await
        .unwrap();
    assert_eq!(names(&mut other, &t).await, ["b"]);
    drop_tables(&mut other, &md).await;
}
