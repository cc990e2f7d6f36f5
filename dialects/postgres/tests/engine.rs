//! The engine on PostgreSQL: statements, results, transactions, savepoints,
//! isolation levels, integrity errors, upserts, the pool and the
//! per-connection statement cache.

mod common;

use aludel_core::{
    create_engine_with, excluded, insert, select, text, Column, DbErrorKind, EngineOptions, Error,
    IsolationLevel, MetaData, OnConflict, SqlType, Table, Value,
};
use common::{backend_pid, drop_tables, name, with_options};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn users_table(table: &str) -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder(table.to_string())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50))).not_null())
            .column(Column::new("email", SqlType::String(Some(100))).unique()),
    )
    .unwrap()
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
struct User {
    id: i32,
    name: String,
    #[aludel(rename = "email")]
    mail: Option<String>,
}

#[tokio::test]
async fn insert_select_update_delete_and_result_accessors() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("users");
    let users = users_table(&t);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    let id = || users.c("id").unwrap();

    let r = conn
        .execute(
            insert(&users)
                .value("name", "Alice")
                .value("email", "alice@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    assert_eq!(
        r.last_insert_id(),
        None,
        "PostgreSQL reports keys by RETURNING"
    );

    let r = conn
        .execute(
            insert(&users)
                .columns(["name", "email"])
                .row(["Bob", "bob@example.com"])
                .row(["Carol", "carol@example.com"])
                .returning(id()),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 2);
    assert_eq!(r.scalars::<i64>().unwrap(), vec![2, 3]);

    let q = || select(&users).order_by(id());
    let rows = conn.execute(q()).await.unwrap();
    assert_eq!(rows.len(), 3);
    let first = rows.rows()[0].clone();
    assert_eq!(first.get::<i64>(0).unwrap(), 1);
    assert_eq!(first.get::<i32>("id").unwrap(), 1);
    assert_eq!(first.get::<String>("name").unwrap(), "Alice");
    assert_eq!(first.columns(), ["id", "name", "email"]);
    assert_eq!(first.values()[0], Value::I32(1), "INTEGER reads as i32");
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
        conn.execute(q()).await.unwrap().one(),
        Err(Error::MultipleRows { count: 3 })
    );
    let by_id = |n: i64| select(&users).where_(id().eq(n));
    assert_eq!(
        conn.execute(by_id(9)).await.unwrap().one(),
        Err(Error::NoRows)
    );
    assert_eq!(
        conn.execute(by_id(9)).await.unwrap().one_or_none(),
        Ok(None)
    );
    let maps = conn.execute(by_id(3)).await.unwrap().mappings();
    assert_eq!(maps[0]["email"], Value::String("carol@example.com".into()));
    let count: Option<i64> = conn
        .execute(select(aludel_core::func::count_star()).from(&users))
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(count, Some(3));

    // Tuples and derived structs.
    let pairs: Vec<(i64, String)> = conn
        .fetch_all(select([id(), users.c("name").unwrap()]).order_by(id().desc()))
        .await
        .unwrap();
    assert_eq!(
        pairs,
        vec![(3, "Carol".into()), (2, "Bob".into()), (1, "Alice".into())]
    );
    let all: Vec<User> = conn.fetch_all(q()).await.unwrap();
    assert_eq!(
        all[1],
        User {
            id: 2,
            name: "Bob".into(),
            mail: Some("bob@example.com".into())
        }
    );
    assert_eq!(conn.fetch_optional::<User>(by_id(42)).await.unwrap(), None);

    let upd = conn
        .execute(
            aludel_core::update(&users)
                .set("name", "Bobby")
                .where_(id().ge(2)),
        )
        .await
        .unwrap();
    assert_eq!(upd.rows_affected(), 2);
    assert_eq!(upd.last_insert_id(), None);
    let del = conn
        .execute(aludel_core::delete(&users).where_(id().eq(3)))
        .await
        .unwrap();
    assert_eq!(del.rows_affected(), 1);
    let names: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(id()))
        .await
        .unwrap();
    assert_eq!(names, vec![("Alice".into(),), ("Bobby".into(),)]);
    drop_tables(&mut conn, &[&t]).await;
}

#[tokio::test]
async fn text_statements_with_named_binds() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("kv");
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text(&format!(
        "CREATE TABLE {t} (k TEXT PRIMARY KEY, v INTEGER, at TIMESTAMPTZ DEFAULT now())"
    )))
    .await
    .unwrap();
    let ins = conn
        .execute(
            text(&format!("INSERT INTO {t} (k, v) VALUES (:k, :v)"))
                .bind("k", "a")
                .bind("v", 1i64),
        )
        .await
        .unwrap();
    assert_eq!(ins.rows_affected(), 1);
    // The same name twice, a PostgreSQL cast, and an i64 bound to INTEGER.
    let v: Option<i32> = conn
        .execute(
            text(&format!(
                "SELECT v FROM {t} WHERE k = :k AND v::bigint < :big AND :k = 'a'"
            ))
            .bind("k", "a")
            .bind("big", 10i64),
        )
        .await
        .unwrap()
        .scalar()
        .unwrap();
    assert_eq!(v, Some(1));
    assert_eq!(
        conn.execute(text(&format!("SELECT v FROM {t} WHERE k = :k")))
            .await
            .unwrap_err(),
        Error::MissingBind { name: "k".into() }
    );
    // A placeholder alone in the select list: 16- and 32-bit integers and
    // booleans declare their type; other values are text to the server.
    let (int, flag, wide, word): (i32, bool, String, String) = conn
        .fetch_one(
            text("SELECT :i, :b, :w, :s")
                .bind("i", 2)
                .bind("b", true)
                .bind("w", 3i64)
                .bind("s", "x"),
        )
        .await
        .unwrap();
    assert_eq!(
        (int, flag, wide.as_str(), word.as_str()),
        (2, true, "3", "x")
    );
    let (sum,): (i32,) = conn
        .fetch_one(text("SELECT :x + 1").bind("x", 2i64))
        .await
        .unwrap();
    assert_eq!(sum, 3, "an i64 takes the type its context gives it");
    // The same SQL with values of other kinds is prepared once per kind.
    let (a,): (String,) = conn
        .fetch_one(text("SELECT :v").bind("v", "text"))
        .await
        .unwrap();
    let (b,): (i32,) = conn
        .fetch_one(text("SELECT :v").bind("v", 7))
        .await
        .unwrap();
    assert_eq!((a.as_str(), b), ("text", 7));
    drop_tables(&mut conn, &[&t]).await;
}

#[tokio::test]
async fn execute_many_and_the_statement_cache() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine_with(&url, EngineOptions::default().pool_size(1)).unwrap();
    let t = name("users");
    let users = users_table(&t);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    let template = insert(&users).value("name", "").value("email", "");
    let sets: Vec<Vec<Value>> = (0..50)
        .map(|i| vec![format!("u{i}").into(), format!("u{i}@x").into()])
        .collect();
    // The CREATE TABLE makes the connection forget its prepared statements
    // before its next statement: count from after that one.
    conn.execute(text("SELECT 1")).await.unwrap();
    let before = conn.cached_statements();
    let r = conn.execute_many(template.clone(), &sets).await.unwrap();
    assert_eq!(r.rows_affected, 50);
    assert_eq!(
        conn.cached_statements(),
        before + 1,
        "fifty inserts, one prepared statement"
    );
    let count = || select(aludel_core::func::count_star()).from(&users);
    let n: Option<i64> = conn.execute(count()).await.unwrap().scalar().unwrap();
    assert_eq!(n, Some(50));
    let cached = conn.cached_statements();
    conn.execute(count()).await.unwrap();
    assert_eq!(conn.cached_statements(), cached, "the same SQL is reused");
    let err = conn
        .execute_many(template, &[vec![Value::Null]])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("parameter set 0 has 1 values"),
        "{err}"
    );

    // A bounded cache keeps at most its size.
    let small = create_engine_with(
        &with_options(&url, "statement_cache_size=2"),
        EngineOptions::default().pool_size(1),
    )
    .unwrap();
    let mut c = small.connect().await.unwrap();
    for i in 0..5 {
        let (v,): (i32,) = c
            .fetch_one(text(&format!("SELECT {i} + :x")).bind("x", 1))
            .await
            .unwrap();
        assert_eq!(v, i + 1);
    }
    assert_eq!(c.cached_statements(), 2);
    drop_tables(&mut conn, &[&t]).await;
}

#[tokio::test]
async fn commit_rollback_and_dropped_transactions() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("users");
    let users = users_table(&t);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    let count = |e: aludel_core::Engine, t: String| async move {
        let mut c = e.connect().await.unwrap();
        let (n,): (i64,) = c
            .fetch_one(text(&format!("SELECT count(*) FROM {t}")))
            .await
            .unwrap();
        n
    };

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "a")).await.unwrap();
    // Another connection does not see uncommitted rows.
    assert_eq!(count(engine.clone(), t.clone()).await, 0);
    tx.commit().await.unwrap();
    assert_eq!(count(engine.clone(), t.clone()).await, 1);

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "b")).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(engine.clone(), t.clone()).await, 1);

    {
        let mut tx = conn.begin().await.unwrap();
        tx.execute(insert(&users).value("name", "c")).await.unwrap();
        // dropped without commit
    }
    assert!(!conn.in_transaction());
    conn.execute(insert(&users).value("name", "d"))
        .await
        .unwrap();
    assert_eq!(count(engine.clone(), t.clone()).await, 2);

    // A failed statement aborts a PostgreSQL transaction; rolling back
    // leaves the connection usable.
    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "e")).await.unwrap();
    let err = tx.execute(text("SELECT 1/0")).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    let err = tx.execute(text("SELECT 1")).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Other), "{err}");
    assert!(err.to_string().contains("25P02"), "{err}");
    tx.rollback().await.unwrap();
    assert_eq!(count(engine.clone(), t.clone()).await, 2);

    // A connection returned to the pool inside a transaction is rolled back.
    {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(insert(&users).value("name", "abandoned"))
            .await
            .unwrap();
        std::mem::forget(tx);
    }
    assert_eq!(count(engine.clone(), t.clone()).await, 2);

    let mut tx = conn.begin().await.unwrap();
    assert!(matches!(
        tx.conn().begin().await,
        Err(Error::Transaction(_))
    ));
    tx.rollback().await.unwrap();
    drop_tables(&mut conn, &[&t]).await;
}

#[tokio::test]
async fn savepoints_release_and_roll_back_to() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("users");
    let users = users_table(&t);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&users).value("name", "outer").value("email", "o@x"))
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
    {
        // A failed statement inside a savepoint: roll back to it and go on.
        let mut sp = tx.begin_nested().await.unwrap();
        let err = sp
            .execute(insert(&users).value("name", "dup").value("email", "o@x"))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        sp.rollback().await.unwrap();
    }
    tx.execute(insert(&users).value("name", "last"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let names: Vec<(String,)> = conn
        .fetch_all(select(users.c("name").unwrap()).order_by(users.c("id").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        names,
        vec![("outer".into(),), ("kept".into(),), ("last".into(),)]
    );
    drop_tables(&mut conn, &[&t]).await;
}

async fn isolation(conn: &mut aludel_core::Connection) -> String {
    let (level,): (String,) = conn
        .fetch_one(text("SELECT current_setting('transaction_isolation')"))
        .await
        .unwrap();
    level
}

#[tokio::test]
async fn isolation_levels_per_engine_connection_and_transaction() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine_with(
        &url,
        EngineOptions::default().isolation_level(IsolationLevel::RepeatableRead),
    )
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    assert_eq!(isolation(&mut conn).await, "repeatable read");

    conn.set_isolation_level(IsolationLevel::Serializable)
        .await
        .unwrap();
    assert_eq!(isolation(&mut conn).await, "serializable");
    {
        let mut tx = conn
            .begin_isolated(IsolationLevel::ReadCommitted)
            .await
            .unwrap();
        assert_eq!(isolation(tx.conn()).await, "read committed");
        tx.commit().await.unwrap();
    }
    // The per-transaction level ends with the transaction.
    assert_eq!(isolation(&mut conn).await, "serializable");
    let mut tx = conn.begin().await.unwrap();
    assert_eq!(isolation(tx.conn()).await, "serializable");
    tx.rollback().await.unwrap();
    conn.set_isolation_level(IsolationLevel::ReadUncommitted)
        .await
        .unwrap();
    assert_eq!(isolation(&mut conn).await, "read uncommitted");

    // REPEATABLE READ sees one snapshot: a row committed meanwhile by
    // another connection is not visible until the transaction ends.
    let t = name("iso");
    let mut other = engine.connect().await.unwrap();
    other
        .execute(text(&format!("CREATE TABLE {t} (x INTEGER)")))
        .await
        .unwrap();
    let count = format!("SELECT count(*) FROM {t}");
    let mut tx = conn
        .begin_isolated(IsolationLevel::RepeatableRead)
        .await
        .unwrap();
    let (n,): (i64,) = tx.conn().fetch_one(text(&count)).await.unwrap();
    assert_eq!(n, 0);
    other
        .execute(text(&format!("INSERT INTO {t} VALUES (1)")))
        .await
        .unwrap();
    let (n,): (i64,) = tx.conn().fetch_one(text(&count)).await.unwrap();
    assert_eq!(n, 0, "repeatable read keeps its snapshot");
    tx.commit().await.unwrap();
    let mut tx = conn
        .begin_isolated(IsolationLevel::ReadCommitted)
        .await
        .unwrap();
    let (n,): (i64,) = tx.conn().fetch_one(text(&count)).await.unwrap();
    assert_eq!(n, 1);
    other
        .execute(text(&format!("INSERT INTO {t} VALUES (2)")))
        .await
        .unwrap();
    let (n,): (i64,) = tx.conn().fetch_one(text(&count)).await.unwrap();
    assert_eq!(n, 2, "read committed sees each committed row");
    tx.commit().await.unwrap();
    drop_tables(&mut other, &[&t]).await;
}

#[tokio::test]
async fn serialization_failures_are_reported_as_such() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("ser");
    let mut a = engine.connect().await.unwrap();
    let mut b = engine.connect().await.unwrap();
    a.execute(text(&format!(
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER)"
    )))
    .await
    .unwrap();
    a.execute(text(&format!("INSERT INTO {t} VALUES (1, 0)")))
        .await
        .unwrap();
    let bump = format!("UPDATE {t} SET v = v + 1 WHERE id = 1");
    let mut ta = a
        .begin_isolated(IsolationLevel::RepeatableRead)
        .await
        .unwrap();
    ta.execute(text(&format!("SELECT v FROM {t}")))
        .await
        .unwrap();
    {
        let mut tb = b.begin().await.unwrap();
        tb.execute(text(&bump)).await.unwrap();
        tb.commit().await.unwrap();
    }
    let err = ta.execute(text(&bump)).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Serialization), "{err}");
    let Error::Database(d) = &err else { panic!() };
    assert_eq!(d.code.as_deref(), Some("40001"));
    ta.rollback().await.unwrap();
    drop_tables(&mut a, &[&t]).await;
}

#[tokio::test]
async fn constraint_violations_are_integrity_errors_naming_the_constraint() {
    let Some(engine) = common::engine() else {
        return;
    };
    let (p, k) = (name("parents"), name("kids"));
    let mut md = MetaData::new();
    let parents = md
        .add(Table::builder(p.clone()).column(Column::new("id", SqlType::Integer).primary_key()))
        .unwrap();
    let kids = md
        .add(
            Table::builder(k.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("parent_id", SqlType::Integer).foreign_key(format!("{p}.id")))
                .column(
                    Column::new("name", SqlType::String(Some(20)))
                        .not_null()
                        .unique(),
                )
                .column(Column::new("age", SqlType::Integer))
                .check(Some("age_positive"), aludel_core::col("age").gt(0)),
        )
        .unwrap();
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

    let check = |e: Error, kind: DbErrorKind, code: &str, constraint: String| {
        let Error::Database(d) = &e else {
            panic!("not a database error: {e:?}")
        };
        assert_eq!(d.kind, kind, "{e}");
        assert!(e.is_integrity());
        assert_eq!(d.code.as_deref(), Some(code), "{e}");
        assert_eq!(d.constraint.as_deref(), Some(constraint.as_str()), "{e}");
        assert!(
            d.sql
                .as_deref()
                .is_some_and(|s| s.starts_with(&format!("INSERT INTO {k}"))),
            "{e}"
        );
        assert!(e.to_string().contains(&constraint), "{e}");
    };
    let e = conn
        .execute(insert(&kids).value("name", "a"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "DETAIL kept: {e}");
    check(
        e,
        DbErrorKind::UniqueViolation,
        "23505",
        format!("{k}_name_key"),
    );
    let e = conn
        .execute(insert(&kids).value("name", None::<String>))
        .await
        .unwrap_err();
    check(
        e,
        DbErrorKind::NotNullViolation,
        "23502",
        format!("{k}.name"),
    );
    let e = conn
        .execute(insert(&kids).value("name", "b").value("age", -1))
        .await
        .unwrap_err();
    check(
        e,
        DbErrorKind::CheckViolation,
        "23514",
        "age_positive".into(),
    );
    let e = conn
        .execute(insert(&kids).value("name", "c").value("parent_id", 99))
        .await
        .unwrap_err();
    check(
        e,
        DbErrorKind::ForeignKeyViolation,
        "23503",
        format!("{k}_parent_id_fkey"),
    );
    let e = conn.execute(text("SELEC nonsense")).await.unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
    let e = conn
        .execute(text("SELECT * FROM no_such_table_anywhere"))
        .await
        .unwrap_err();
    assert_eq!(e.db_kind(), Some(DbErrorKind::Syntax), "{e}");
    assert!(e.to_string().contains("42P01"), "{e}");
    // After all those errors the connection still works.
    let (n,): (i64,) = conn
        .fetch_one(select(aludel_core::func::count_star()).from(&kids))
        .await
        .unwrap();
    assert_eq!(n, 1);
    for ddl in aludel_core::drop_all(&md, engine.dialect(), false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
}

#[tokio::test]
async fn upserts_and_returning() {
    let Some(engine) = common::engine() else {
        return;
    };
    let t = name("users");
    let users = users_table(&t);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    let upsert = |id: i64, name: &str, email: &str| {
        insert(&users)
            .value("id", id)
            .value("name", name.to_string())
            .value("email", email.to_string())
            .on_conflict(OnConflict::columns(["id"]).do_update([("name", excluded("name"))]))
            .returning([users.c("id").unwrap(), users.c("name").unwrap()])
    };
    let first: (i32, String) = conn.fetch_one(upsert(1, "Ann", "ann@x")).await.unwrap();
    assert_eq!(first, (1, "Ann".to_string()));
    let second = conn.execute(upsert(1, "Annie", "other@x")).await.unwrap();
    assert_eq!(second.rows_affected(), 1);
    assert_eq!(second.rows()[0].get::<String>("name").unwrap(), "Annie");
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

    let updated: Vec<(i32, String)> = conn
        .fetch_all(
            aludel_core::update(&users)
                .set("name", "Anna")
                .where_(users.c("id").unwrap().eq(1))
                .returning([users.c("id").unwrap(), users.c("name").unwrap()]),
        )
        .await
        .unwrap();
    assert_eq!(updated, vec![(1, "Anna".to_string())]);

    let deleted = conn
        .execute(
            aludel_core::delete(&users)
                .where_(users.c("id").unwrap().eq(1))
                .returning(users.c("name").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 1);
    assert_eq!(deleted.scalars::<String>().unwrap(), vec!["Anna"]);
    drop_tables(&mut conn, &[&t]).await;
}

#[tokio::test]
async fn statement_hook_counts_statements_and_echo_does_not_break() {
    let Some(url) = common::url() else {
        return;
    };
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let engine = create_engine_with(
        &url,
        EngineOptions::default().echo(true).on_statement(move |e| {
            assert!(!e.sql.is_empty());
            seen.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(text("SELECT 1")).await.unwrap();
    conn.execute(text("SELECT :x::int").bind("x", 2))
        .await
        .unwrap();
    let tx = conn.begin().await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst),
        4,
        "two selects, BEGIN, COMMIT"
    );
}

#[tokio::test]
async fn pool_limits_checkouts_and_concurrent_tasks_share_it() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(2)
            .max_overflow(1)
            .pool_timeout(Duration::from_millis(100)),
    )
    .unwrap();
    let mut a = engine.connect().await.unwrap();
    let mut b = engine.connect().await.unwrap();
    let c = engine.connect().await.unwrap();
    assert_eq!(engine.open_connections(), 3);
    assert_ne!(backend_pid(&mut a).await, backend_pid(&mut b).await);
    let err = engine.connect().await.unwrap_err();
    assert!(matches!(err, Error::PoolTimeout { max: 3, .. }), "{err}");
    drop((a, b, c));
    assert_eq!(engine.idle_connections(), 2);
    assert_eq!(engine.open_connections(), 2);

    let t = name("hits");
    {
        let mut c = engine.connect().await.unwrap();
        c.execute(text(&format!("CREATE TABLE {t} (task INTEGER)")))
            .await
            .unwrap();
    }
    let mut handles = Vec::new();
    for task in 0..12 {
        let e = engine.clone();
        let sql = format!("INSERT INTO {t} VALUES (:t)");
        handles.push(tokio::spawn(async move {
            let mut c = e.connect().await?;
            for _ in 0..10 {
                c.execute(text(&sql).bind("t", task)).await?;
            }
            Ok::<_, Error>(())
        }));
    }
    let mut errors = Vec::new();
    for h in handles {
        if let Err(e) = h.await.unwrap() {
            errors.push(e);
        }
    }
    // With three connections for twelve tasks, some may wait past the
    // short pool timeout; none may fail otherwise.
    assert!(
        errors
            .iter()
            .all(|e| matches!(e, Error::PoolTimeout { .. })),
        "{errors:?}"
    );
    let mut c = engine.connect().await.unwrap();
    let (n,): (i64,) = c
        .fetch_one(text(&format!("SELECT count(*) FROM {t}")))
        .await
        .unwrap();
    assert_eq!(n, 10 * (12 - errors.len() as i64));
    assert!(engine.open_connections() <= 3);
    drop_tables(&mut c, &[&t]).await;
}

#[tokio::test]
async fn url_options_reach_the_server() {
    let Some(url) = common::url() else {
        return;
    };
    let schema = name("sch");
    {
        let engine = common::engine().unwrap();
        let mut c = engine.connect().await.unwrap();
        c.execute(text(&format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap();
    }
    let engine = aludel_core::create_engine(&with_options(
        &url,
        &format!(
            "application_name=aludel-test&search_path={schema},public\
             &options=-c%20statement_timeout%3D4321&connect_timeout=5&sslmode=prefer"
        ),
    ))
    .unwrap();
    let mut c = engine.connect().await.unwrap();
    let (app, path, timeout): (String, String, String) = c
        .fetch_one(text(
            "SELECT current_setting('application_name'), current_setting('search_path'), \
             current_setting('statement_timeout')",
        ))
        .await
        .unwrap();
    assert_eq!(app, "aludel-test");
    assert_eq!(path, format!("{schema},public"));
    assert_eq!(timeout, "4321ms");
    // Unqualified names now land in the schema.
    c.execute(text("CREATE TABLE in_schema (x INTEGER)"))
        .await
        .unwrap();
    let (n,): (i64,) = c
        .fetch_one(
            text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = :s AND tablename = 'in_schema'",
            )
            .bind("s", schema.as_str()),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    c.execute(text(&format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_statement_timeout_is_a_timeout_error() {
    let Some(url) = common::url() else {
        return;
    };
    let engine =
        aludel_core::create_engine(&with_options(&url, "options=-c%20statement_timeout%3D100"))
            .unwrap();
    let mut c = engine.connect().await.unwrap();
    let err = c.execute(text("SELECT pg_sleep(5)")).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Timeout), "{err}");
    let Error::Database(d) = &err else { panic!() };
    assert_eq!(d.code.as_deref(), Some("57014"));
    // The connection is fine afterwards.
    let (v,): (i32,) = c.fetch_one(text("SELECT 7")).await.unwrap();
    assert_eq!(v, 7);
}

#[tokio::test]
async fn a_connection_dropped_in_a_transaction_releases_its_locks_at_once() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine_with(
        &url,
        EngineOptions {
            pool_size: 2,
            ..EngineOptions::default()
        },
    )
    .unwrap();
    let t = name("users");
    let users = users_table(&t);
    let mut other = engine.connect().await.unwrap();
    other
        .execute(aludel_core::create_table(&users))
        .await
        .unwrap();
    other
        .execute(insert(&users).value("id", 1).value("name", "a"))
        .await
        .unwrap();
    // Waiting for a lock longer than this is an error, not a hang.
    other
        .execute(text("SET lock_timeout = '5s'"))
        .await
        .unwrap();

    for abandon in ["drop the transaction", "forget the transaction"] {
        let mut c = engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        tx.execute(text(&format!(
            "UPDATE {t} SET name = 'locked' WHERE id = 1"
        )))
        .await
        .unwrap();
        if abandon == "drop the transaction" {
            drop(tx);
        } else {
            std::mem::forget(tx);
        }
        // The row lock goes with the connection's return to the pool, not
        // at its next checkout.
        drop(c);
        other
            .execute(text(&format!("UPDATE {t} SET name = 'b' WHERE id = 1")))
            .await
            .unwrap_or_else(|e| panic!("{abandon}: {e}"));
        let (name,): (String,) = other
            .fetch_one(text(&format!("SELECT name FROM {t} WHERE id = 1")))
            .await
            .unwrap();
        assert_eq!(name, "b", "{abandon}");
    }
    drop_tables(&mut other, &[&t]).await;
}

#[tokio::test]
async fn prepared_statements_follow_schema_changes() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine_with(
        &url,
        EngineOptions {
            pool_size: 2,
            ..EngineOptions::default()
        },
    )
    .unwrap();
    let t = name("users");
    let users = users_table(&t);
    let mut a = engine.connect().await.unwrap();
    let mut b = engine.connect().await.unwrap();
    a.execute(aludel_core::create_table(&users)).await.unwrap();
    a.execute(insert(&users).value("id", 1).value("name", "a"))
        .await
        .unwrap();
    let by_name = || text(&format!("SELECT name FROM {t} ORDER BY id"));
    let by_id = || text(&format!("SELECT name, id FROM {t} ORDER BY id"));
    for c in [&mut a, &mut b] {
        let (n,): (String,) = c.fetch_one(by_name()).await.unwrap();
        assert_eq!(n, "a");
        c.fetch_one::<(String, i32)>(by_id()).await.unwrap();
    }

    // A schema change through this engine: every connection of its pool
    // prepares its statements again, not only the one that made it.
    a.execute(text(&format!(
        "ALTER TABLE {t} ALTER COLUMN name TYPE TEXT"
    )))
    .await
    .unwrap();
    for c in [&mut a, &mut b] {
        let (n,): (String,) = c.fetch_one(by_name()).await.unwrap();
        assert_eq!(n, "a");
    }

    // A change by another client: the first statement that meets it fails
    // (PostgreSQL refuses the stale plan), and the connection forgets its
    // other prepared statements too, so they are prepared again.
    let other = create_engine_with(&url, EngineOptions::default()).unwrap();
    other
        .connect()
        .await
        .unwrap()
        .execute(text(&format!(
            "ALTER TABLE {t} ALTER COLUMN name TYPE VARCHAR(60)"
        )))
        .await
        .unwrap();
    let err = b.fetch_one::<(String,)>(by_name()).await.unwrap_err();
    assert!(err.to_string().contains("0A000"), "{err}");
    let (n, id): (String, i32) = b.fetch_one(by_id()).await.unwrap();
    assert_eq!((n.as_str(), id), ("a", 1));
    let (n,): (String,) = b.fetch_one(by_name()).await.unwrap();
    assert_eq!(n, "a");
    drop(b);
    drop_tables(&mut a, &[&t]).await;
}
