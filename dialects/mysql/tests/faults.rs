//! Faults: bad URLs and options, servers that refuse or do not answer,
//! wrong credentials, a missing database, a connection killed by the
//! server, deadlocks. The URL and unreachable-server tests need no server
//! and always run.

mod common;

use aludel_core::{
    blocking, create_engine, create_engine_with, insert, select, text, update, Column, DbErrorKind,
    EngineOptions, Error, MetaData, SqlType, Table,
};
use aludel_mysql as _;
use common::{connection_id, create_tables, drop_tables, name};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cr3t-pw";

fn database_error(e: &Error) -> &aludel_core::DatabaseError {
    match e {
        Error::Database(d) => d,
        other => panic!("not a database error: {other:?}"),
    }
}

fn assert_hidden(e: &Error) {
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(SECRET), "the password shows: {shown}");
    }
}

#[test]
fn bad_options_are_clear_errors_without_the_password() {
    for scheme in ["mysql", "mariadb"] {
        for (query, says) in [
            ("bogus=1", "unknown option \"bogus\""),
            ("sslmode=disable", "\"sslmode\""),
            ("ssl_mode=required", "TLS"),
            ("ssl-mode=VERIFY_IDENTITY", "TLS"),
            ("ssl=true", "TLS"),
            ("ssl_mode=maybe", "ssl_mode"),
            ("connect_timeout=soon", "connect_timeout"),
            ("connect_timeout=-1", "connect_timeout"),
            ("charset=latin1", "charset"),
            ("sql_mode=ANSI_QUOTES'%3B DROP TABLE x", "sql_mode"),
            ("sql_mode=NO_BACKSLASH_ESCAPES", "NO_BACKSLASH_ESCAPES"),
            ("time_zone=UTC'", "time_zone"),
            ("statement_cache_size=lots", "statement_cache_size"),
            ("socket=", "socket"),
            ("socket=/a&unix_socket=/b", "unix_socket"),
        ] {
            let url = format!("{scheme}://admin:{SECRET}@db.example/app?{query}");
            let err = create_engine(&url).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
            assert!(err.to_string().contains(says), "{url}: {err}");
            assert_hidden(&err);
            assert_eq!(blocking::create_engine(&url).unwrap_err(), err);
        }
        // The options it knows are accepted without connecting.
        let url = format!(
            "{scheme}+async://admin:{SECRET}@db.example:3307/app?charset=utf8mb4&ssl_mode=DISABLED\
             &connect_timeout=2.5&sql_mode=ANSI_QUOTES,STRICT_ALL_TABLES&time_zone=%2B00:00\
             &statement_cache_size=16"
        );
        let engine = create_engine(&url).unwrap();
        assert_eq!(engine.dialect().name(), scheme);
        assert!(!format!("{engine:?} {}", engine.url()).contains(SECRET));
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error_naming_the_server() {
    // A port nobody listens on: bind one, then let it go.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let engine = create_engine_with(
        &format!("mysql://admin:{SECRET}@127.0.0.1:{port}/app"),
        EngineOptions::default().pool_size(1).max_overflow(0),
    )
    .unwrap();
    for _ in 0..3 {
        let err = engine.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
        assert_hidden(&err);
    }
    // No failed attempt holds a pool slot.
    assert_eq!(engine.open_connections(), 0);

    // A socket path that does not exist.
    let engine = create_engine(&format!(
        "mariadb://admin:{SECRET}@/app?socket=/nonexistent/mysqld.sock"
    ))
    .unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert_hidden(&err);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_after_connect_timeout() {
    // Accepts TCP connections (the kernel does) but never speaks.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let engine = create_engine(&format!(
        "mysql://admin:{SECRET}@127.0.0.1:{port}/app?connect_timeout=0.3"
    ))
    .unwrap();
    let started = Instant::now();
    let err = engine.connect().await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(err.to_string().contains("connect_timeout"), "{err}");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_hidden(&err);
    drop(listener);
}

/// `url` with its password (or database) replaced.
fn with_credentials(url: &str, user: &str, password: &str, database: &str) -> String {
    let parsed = aludel_core::DatabaseUrl::parse(url).unwrap();
    let host = match (parsed.host(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    };
    let query = parsed
        .options()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut out = format!("{}://{user}:{password}@{host}/{database}", parsed.scheme());
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    out
}

#[tokio::test]
async fn wrong_password_and_missing_database_are_connection_errors() {
    let Some(url) = common::url() else { return };
    let parsed = aludel_core::DatabaseUrl::parse(&url).unwrap();
    let user = parsed.username().unwrap_or("root").to_string();
    let db = parsed.database().unwrap_or("test").to_string();

    let engine = create_engine(&with_credentials(&url, &user, SECRET, &db)).unwrap();
    let err = engine.connect().await.unwrap_err();
    let d = database_error(&err);
    assert_eq!(d.kind, DbErrorKind::Connection, "{err}");
    assert_eq!(d.code.as_deref(), Some("1045"), "{err}");
    assert!(d.message.contains("Access denied"), "{err}");
    assert_hidden(&err);

    let good = parsed.password().unwrap_or("");
    let missing = name("no_such_db");
    let engine = create_engine(&with_credentials(&url, &user, good, &missing)).unwrap();
    let err = engine.connect().await.unwrap_err();
    let d = database_error(&err);
    assert_eq!(d.kind, DbErrorKind::Connection, "{err}");
    assert_eq!(d.code.as_deref(), Some("1049"), "{err}");
    assert!(d.message.contains(&missing), "{err}");
    // The URL in the message has its password hidden.
    if !good.is_empty() {
        assert!(err.to_string().contains(":***@"), "{err}");
    }
    assert_eq!(engine.open_connections(), 0);
}

fn items(md: &mut MetaData) -> Table {
    md.add(
        Table::builder(name("items"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::string(40)).not_null()),
    )
    .unwrap()
}

#[tokio::test]
async fn a_killed_connection_fails_with_a_connection_error_and_is_replaced() {
    let Some(url) = common::url() else { return };
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(1)).unwrap();
    let killer_engine = common::engine(&url);
    let mut killer = killer_engine.connect().await.unwrap();
    let mut md = MetaData::new();
    let t = items(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let victim = connection_id(&mut conn).await;

    killer
        .execute(text(&format!("KILL {victim}")))
        .await
        .unwrap();
    let err = conn
        .execute(insert(&t).value("id", 1).value("name", "lost"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        database_error(&err)
            .sql
            .as_deref()
            .is_some_and(|s| s.starts_with("INSERT")),
        "{err}"
    );
    drop(conn);
    // The broken connection was closed, not pooled.
    assert_eq!(engine.open_connections(), 0);
    let mut conn = engine.connect().await.unwrap();
    assert_ne!(connection_id(&mut conn).await, victim);
    conn.execute(insert(&t).value("id", 2).value("name", "kept"))
        .await
        .unwrap();

    // Killed inside a transaction: the error comes back, the transaction
    // is gone, and nothing it wrote was committed.
    let victim = connection_id(&mut conn).await;
    {
        let mut tx = conn.begin().await.unwrap();
        tx.execute(insert(&t).value("id", 3).value("name", "in tx"))
            .await
            .unwrap();
        killer
            .execute(text(&format!("KILL {victim}")))
            .await
            .unwrap();
        let err = tx.commit().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    }
    drop(conn);
    assert_eq!(engine.open_connections(), 0);
    let mut conn = engine.connect().await.unwrap();
    let ids: Vec<(i64,)> = conn.fetch_all(select(t.c("id").unwrap())).await.unwrap();
    assert_eq!(ids, [(2,)]);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn pre_ping_replaces_a_pooled_connection_the_server_killed() {
    let Some(url) = common::url() else { return };
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true),
    )
    .unwrap();
    let killer_engine = common::engine(&url);
    let mut killer = killer_engine.connect().await.unwrap();
    let victim = {
        let mut conn = engine.connect().await.unwrap();
        connection_id(&mut conn).await
    };
    assert_eq!(engine.idle_connections(), 1);
    // Without a kill, the pooled connection is reused.
    {
        let mut conn = engine.connect().await.unwrap();
        assert_eq!(connection_id(&mut conn).await, victim);
    }
    killer
        .execute(text(&format!("KILL {victim}")))
        .await
        .unwrap();
    // The checkout's ping fails; a fresh connection takes its place and
    // the caller never sees the dead one.
    let mut conn = engine.connect().await.unwrap();
    let fresh = connection_id(&mut conn).await;
    assert_ne!(fresh, victim);
    let (one,): (i64,) = conn.fetch_one(text("SELECT 1")).await.unwrap();
    assert_eq!(one, 1);
    drop(conn);
    assert_eq!(engine.open_connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_is_a_serialization_error_and_the_other_side_proceeds() {
    let Some(url) = common::url() else { return };
    let engine = common::engine(&url);
    let mut md = MetaData::new();
    let t = items(&mut md);
    let mut setup = engine.connect().await.unwrap();
    create_tables(&mut setup, &md).await;
    for id in [1, 2] {
        setup
            .execute(insert(&t).value("id", id).value("name", "x"))
            .await
            .unwrap();
    }
    let set = |id: i64, who: &str| {
        update(&t)
            .set("name", who.to_string())
            .where_(t.c("id").unwrap().eq(id))
    };
    let mut a = engine.connect().await.unwrap();
    let mut b = engine.connect().await.unwrap();
    let mut ta = a.begin().await.unwrap();
    ta.execute(set(1, "a")).await.unwrap();
    let mut tb = b.begin().await.unwrap();
    tb.execute(set(2, "b")).await.unwrap();
    // a waits for b's row while b asks for a's: one of them is chosen as
    // the deadlock victim.
    let (ra, rb) = tokio::join!(ta.execute(set(2, "a")), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        tb.execute(set(1, "b")).await
    });
    let a_failed = ra.is_err();
    let victim = match (ra, rb) {
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => e,
        other => panic!("expected one deadlock victim: {other:?}"),
    };
    assert_eq!(
        victim.db_kind(),
        Some(DbErrorKind::Serialization),
        "{victim}"
    );
    assert_eq!(database_error(&victim).code.as_deref(), Some("1213"));
    let (survivor, rolled_back) = if a_failed { (tb, ta) } else { (ta, tb) };
    survivor.commit().await.unwrap();
    drop(rolled_back);
    drop((a, b));
    drop_tables(&mut setup, &md).await;
}
