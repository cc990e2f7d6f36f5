//! Faults: bad URLs and options, nothing listening, a server that never
//! answers, a wrong password, a missing database, and a connection whose
//! backend the server terminated. None of them shows a password.

mod common;

use aludel_core::{
    blocking, create_engine, create_engine_with, text, DatabaseUrl, DbErrorKind, EngineOptions,
    Error,
};
use common::{backend_pid, name};
use std::net::TcpListener;
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

/// The test server's URL with another user, password or database.
fn variant(url: &str, user: &str, password: Option<&str>, database: &str) -> String {
    let u = DatabaseUrl::parse(url).unwrap();
    let host = match u.host() {
        Some(h) if h.contains(':') => format!("[{h}]"),
        Some(h) => h.to_string(),
        None => "localhost".into(),
    };
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let auth = match password {
        Some(p) => format!("{user}:{p}"),
        None => user.to_string(),
    };
    format!("postgresql://{auth}@{host}{port}/{database}")
}

/// A local port with nothing listening on it.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

/// URLs whose TLS options this build refuses, and what the error says.
#[cfg(feature = "tls")]
const BAD_TLS_URLS: &[(&str, &str)] = &[
    (
        "postgresql://u@h/db?sslmode=verify-ca",
        "verify-ca needs sslrootcert",
    ),
    (
        "postgresql://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/root.pem",
        "cannot read sslrootcert=/nonexistent/root.pem",
    ),
    (
        "postgresql://u@h/db?sslmode=require&sslrootcert=/nonexistent/root.pem",
        "cannot read sslrootcert=/nonexistent/root.pem",
    ),
];

/// URLs whose TLS options this build refuses, and what the error says.
#[cfg(not(feature = "tls"))]
const BAD_TLS_URLS: &[(&str, &str)] = &[
    (
        "postgresql://u@h/db?sslmode=require",
        "TLS support is not compiled",
    ),
    (
        "postgresql://u@h/db?sslmode=verify-full",
        "TLS support is not compiled",
    ),
    (
        "postgresql://u@h/db?sslmode=prefer&sslrootcert=/nonexistent/root.pem",
        "cannot read sslrootcert=/nonexistent/root.pem",
    ),
];

#[test]
fn url_options_are_checked_before_connecting() {
    for &(url, says) in BAD_TLS_URLS.iter().chain(&[
        ("postgresql://u@h/db?bogus=1", "\"bogus\""),
        ("postgresql://u@h/db?sslmode=sometimes", "sslmode"),
        (
            "postgresql://u@h/db?connect_timeout=soon",
            "connect_timeout",
        ),
        ("postgresql://u@h/db?connect_timeout=-1", "connect_timeout"),
        ("postgresql://u@h/db?search_path=a;drop", "search_path"),
        ("postgresql://u@h/db?search_path=a%20b", "search_path"),
        (
            "postgresql://u@h/db?statement_cache_size=lots",
            "statement_cache_size",
        ),
        ("postgresql://u@h/db?application_name=", "application_name"),
        ("postgres://u@h/db?sslmod=disable", "\"sslmod\""),
    ]) {
        let err = create_engine(url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(says), "{url}: {err}");
        assert_eq!(blocking::create_engine(url).unwrap_err(), err);
    }
    for url in [
        "postgresql://u@h/db?sslmode=disable&application_name=app&connect_timeout=2.5",
        "postgresql://u@h/db?sslmode=prefer&search_path=app,%24user,public&statement_cache_size=0",
        "postgresql://u@/db?host=/var/run/postgresql&options=-c%20work_mem%3D64MB",
        "postgresql+tokio://u:p@[::1]:5433/db?sslmode=allow",
    ] {
        create_engine(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    #[cfg(feature = "tls")]
    for url in [
        "postgresql://u@h/db?sslmode=require",
        "postgresql://u@h/db?sslmode=verify-full",
    ] {
        create_engine(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    // Neither the error nor the engine shows the password.
    let err = create_engine(&format!(
        "postgresql://admin:{SECRET}@h/db?sslmode=verify-full&sslrootcert=/nonexistent/root.pem"
    ))
    .unwrap_err();
    assert_hidden(&err);
    assert!(err.to_string().contains("admin:***@"), "{err}");
    let engine = create_engine(&format!("postgresql://admin:{SECRET}@h/db")).unwrap();
    assert!(!format!("{engine:?} {}", engine.url()).contains(SECRET));
}

#[tokio::test]
async fn nothing_listening_is_a_connection_error_naming_the_address() {
    let port = closed_port();
    let engine = create_engine_with(
        &format!("postgresql://app:{SECRET}@127.0.0.1:{port}/appdb"),
        EngineOptions::default().pool_size(1).max_overflow(0),
    )
    .unwrap();
    // More failures than the pool has connections: none leaks a slot.
    for _ in 0..3 {
        let err = engine.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
        assert!(msg.to_lowercase().contains("refused"), "{msg}");
        assert_hidden(&err);
    }
    assert_eq!(engine.open_connections(), 0);
}

#[test]
fn nothing_listening_through_the_blocking_facade() {
    let port = closed_port();
    let engine =
        blocking::create_engine(&format!("postgresql://app:{SECRET}@127.0.0.1:{port}/appdb"))
            .unwrap();
    let err = engine.connect().unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert_hidden(&err);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections and says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let engine = create_engine(&format!(
        "postgresql://app:{SECRET}@127.0.0.1:{port}/appdb?connect_timeout=0.3"
    ))
    .unwrap();
    let started = Instant::now();
    let err = engine.connect().await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(err.to_string().contains("no answer within"), "{err}");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_hidden(&err);
    drop(listener);
}

#[tokio::test]
async fn a_missing_database_is_a_connection_error_naming_it() {
    let Some(url) = common::url() else {
        return;
    };
    let user = DatabaseUrl::parse(&url)
        .unwrap()
        .username()
        .unwrap_or("postgres")
        .to_string();
    let missing = name("no_such_db");
    let engine = create_engine(&variant(&url, &user, None, &missing)).unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert_eq!(database_error(&err).code.as_deref(), Some("3D000"), "{err}");
    assert!(err.to_string().contains(&missing), "{err}");
    assert_eq!(engine.open_connections(), 0);
}

/// A host rule of pg_hba.conf: its user names and its method.
type HbaRule = (Option<Vec<String>>, Option<String>);

/// Whether the server asks `role` for its password: a role in group
/// `aludel_password_login` must be authenticated by password for the
/// wrong-password check to mean anything. A throwaway server grants that
/// with this line at the top of pg_hba.conf:
/// `host all +aludel_password_login 127.0.0.1/32 scram-sha-256`.
async fn password_required(conn: &mut aludel_core::Connection, role: &str) -> bool {
    let rules: Result<Vec<HbaRule>, _> = conn
        .fetch_all(text(
            "SELECT user_name, auth_method FROM pg_hba_file_rules \
             WHERE type = 'host' ORDER BY line_number",
        ))
        .await;
    let Ok(rules) = rules else { return false };
    // The first host rule that names the role (directly, through the
    // group, or as `all`) decides.
    for (users, method) in rules {
        let users = users.unwrap_or_default();
        if users
            .iter()
            .any(|u| u == "all" || u == role || u == "+aludel_password_login")
        {
            return matches!(
                method.as_deref(),
                Some("scram-sha-256" | "md5" | "password")
            );
        }
    }
    false
}

#[tokio::test]
async fn a_wrong_password_is_a_connection_error_without_the_password() {
    let Some(url) = common::url() else {
        return;
    };
    let engine = create_engine(&url).unwrap();
    let mut admin = engine.connect().await.unwrap();
    let role = name("pw_user");
    admin
        .execute(text(
            "DO $$ BEGIN CREATE ROLE aludel_password_login NOLOGIN; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        ))
        .await
        .unwrap();
    admin
        .execute(text(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'right-pw' IN ROLE aludel_password_login"
        )))
        .await
        .unwrap();
    let database = DatabaseUrl::parse(&url)
        .unwrap()
        .database()
        .unwrap_or("postgres")
        .to_string();

    // The right password works.
    let good = create_engine(&variant(&url, &role, Some("right-pw"), &database)).unwrap();
    let mut c = good.connect().await.unwrap();
    let (who,): (String,) = c
        .fetch_one(text("SELECT current_user::text"))
        .await
        .unwrap();
    assert_eq!(who, role);
    drop(c);

    if password_required(&mut admin, &role).await {
        let bad = create_engine(&variant(&url, &role, Some(SECRET), &database)).unwrap();
        let err = bad.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
        assert_eq!(database_error(&err).code.as_deref(), Some("28P01"), "{err}");
        assert!(
            err.to_string().contains("password authentication failed"),
            "{err}"
        );
        assert!(err.to_string().contains(&role), "{err}");
        assert_hidden(&err);
        assert_eq!(bad.open_connections(), 0);
        // No password at all, where one is required.
        let none = create_engine(&variant(&url, &role, None, &database)).unwrap();
        let err = none.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    } else {
        eprintln!(
            "skipped the wrong-password check: the server does not authenticate role {role} \
             by password (add `host all +aludel_password_login 127.0.0.1/32 scram-sha-256` \
             at the top of pg_hba.conf)"
        );
    }
    good.dispose();
    admin
        .execute(text(&format!("DROP ROLE {role}")))
        .await
        .unwrap();
}

/// Terminates a backend from another connection and waits until it is gone.
async fn terminate(admin: &mut aludel_core::Connection, pid: i32) {
    let (done,): (bool,) = admin
        .fetch_one(text("SELECT pg_terminate_backend(:pid, 5000)").bind("pid", pid))
        .await
        .unwrap();
    assert!(done, "backend {pid} was terminated");
}

#[tokio::test]
async fn a_terminated_backend_is_a_connection_error_and_the_pool_replaces_it() {
    let Some(url) = common::url() else {
        return;
    };
    let admin_engine = create_engine(&url).unwrap();
    let mut admin = admin_engine.connect().await.unwrap();

    // Without pre_ping: the next statement fails with a connection error,
    // the connection is discarded, and the one after works on a new one.
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(0)).unwrap();
    let mut conn = engine.connect().await.unwrap();
    let pid = backend_pid(&mut conn).await;
    terminate(&mut admin, pid).await;
    let err = conn.execute(text("SELECT 1")).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert_eq!(
        database_error(&err).sql.as_deref(),
        Some("SELECT 1"),
        "{err}"
    );
    drop(conn);
    assert_eq!(
        engine.open_connections(),
        0,
        "the broken connection was closed"
    );
    let mut conn = engine.connect().await.unwrap();
    let new_pid = backend_pid(&mut conn).await;
    assert_ne!(new_pid, pid);
    drop(conn);

    // Terminated while idle in the pool: without pre_ping, a checkout that
    // already knows the connection is broken (its socket task ended)
    // replaces it; one that does not yet know hands it out, and the first
    // statement fails with a connection error. Either way nothing hangs and
    // the next checkout works.
    terminate(&mut admin, new_pid).await;
    let mut conn = engine.connect().await.unwrap();
    if let Err(e) = conn.execute(text("SELECT 1")).await {
        assert_eq!(e.db_kind(), Some(DbErrorKind::Connection), "{e}");
        drop(conn);
        assert_eq!(engine.open_connections(), 0);
        conn = engine.connect().await.unwrap();
        conn.execute(text("SELECT 1")).await.unwrap();
    }
    drop(conn);

    // With pre_ping the dead connection is found at checkout and replaced.
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true),
    )
    .unwrap();
    let mut conn = engine.connect().await.unwrap();
    let pid = backend_pid(&mut conn).await;
    drop(conn);
    assert_eq!(engine.idle_connections(), 1);
    terminate(&mut admin, pid).await;
    let mut conn = engine.connect().await.unwrap();
    let (v,): (i32,) = conn.fetch_one(text("SELECT 41 + 1")).await.unwrap();
    assert_eq!(v, 42);
    assert_ne!(backend_pid(&mut conn).await, pid);
    drop(conn);
    assert_eq!(engine.open_connections(), 1);

    // A live connection passes the ping and is reused.
    let mut conn = engine.connect().await.unwrap();
    let same = backend_pid(&mut conn).await;
    drop(conn);
    let mut conn = engine.connect().await.unwrap();
    assert_eq!(backend_pid(&mut conn).await, same);

    // Terminated in the middle of a transaction: a connection error, and
    // the connection is not reused.
    let mut tx = conn.begin().await.unwrap();
    tx.execute(text("SELECT 1")).await.unwrap();
    terminate(&mut admin, same).await;
    let err = tx.execute(text("SELECT 2")).await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    drop(tx);
    drop(conn);
    assert_eq!(engine.open_connections(), 0);
    let mut conn = engine.connect().await.unwrap();
    assert_ne!(backend_pid(&mut conn).await, same);
}
