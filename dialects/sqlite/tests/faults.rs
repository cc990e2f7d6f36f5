//! Faults on a real SQLite: bad URLs, databases that cannot be opened or
//! written, locks held by another connection, failed statements inside
//! transactions, and a pool that recovers once the database is reachable.

use aludel_core::{
    blocking, create_engine, create_engine_with, create_table, insert, select, text, Column,
    DbErrorKind, Engine, EngineOptions, Error, MetaData, SqlType, Table,
};
use aludel_sqlite as _;
use std::path::Path;
use std::time::{Duration, Instant};

fn file_url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

fn items_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("items")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::string(40)).not_null().unique()),
    )
    .unwrap()
}

async fn names(engine: &Engine, items: &Table) -> Vec<String> {
    let mut conn = engine.connect().await.unwrap();
    let rows: Vec<(String,)> = conn
        .fetch_all(select(items.c("name").unwrap()).order_by(items.c("id").unwrap()))
        .await
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

/// Creates `items` in the database at `url` and inserts `rows`.
async fn seed(url: &str, rows: &[&str]) -> Table {
    let items = items_table();
    let engine = create_engine(url).unwrap();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(create_table(&items)).await.unwrap();
    for name in rows {
        conn.execute(insert(&items).value("name", *name))
            .await
            .unwrap();
    }
    items
}

fn database_error(e: &Error) -> &aludel_core::DatabaseError {
    match e {
        Error::Database(d) => d,
        other => panic!("not a database error: {other:?}"),
    }
}

#[test]
fn malformed_urls_say_what_is_wrong() {
    for (url, says) in [
        ("sqlite:/app.db", "expected scheme://"),
        ("sqlite//app.db", "expected scheme://"),
        ("", "expected scheme://"),
        ("://app.db", "scheme is empty"),
        ("sq lite:///app.db", "scheme has characters"),
        ("sqlite:///app%zz.db", "percent-escape"),
        ("sqlite:///app.db?mode=rx", "mode"),
        ("sqlite:///app.db?timeout=-1", "timeout"),
        ("sqlite:///app.db?journal_mode=fast", "journal_mode"),
        ("sqlite:///app.db?foreign_keys=maybe", "foreign_keys"),
        (
            "sqlite:///app.db?statement_cache_size=lots",
            "statement_cache_size",
        ),
        ("sqlite:///app.db?timout=1", "\"timout\""),
    ] {
        let err = create_engine(url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(says), "{url}: {err}");
        // The blocking facade reports the same error.
        assert_eq!(blocking::create_engine(url).unwrap_err(), err);
    }
}

#[test]
fn unknown_scheme_lists_registered_dialects_without_the_password() {
    let err = create_engine("oracle+cx://scott:tiger-pw-42@db.example.com:1521/orcl").unwrap_err();
    match &err {
        Error::UnknownDialect { scheme, registered } => {
            assert_eq!(scheme, "oracle");
            assert!(registered.contains(&"sqlite"), "{registered:?}");
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("\"oracle\"") && msg.contains("sqlite"),
        "{msg}"
    );
    assert!(!msg.contains("tiger-pw-42"), "{msg}");
    assert!(!format!("{err:?}").contains("tiger-pw-42"));
}

#[test]
fn no_error_or_debug_output_shows_a_password() {
    const SECRET: &str = "s3cr3t-pw";
    let bad_urls = [
        format!("nosuch://admin:{SECRET}@host/db"),
        format!("postgresql//admin:{SECRET}@host/db"),
        format!("postgresql://admin:{SECRET}@host:99999/db"),
        format!("postgresql://admin:{SECRET}@host:port/db"),
        format!("postgresql://admin:{SECRET}%zz@host/db"),
        format!("postgresql://admin:{SECRET}@[::1/db"),
        format!("sqlite://admin:{SECRET}@/app.db?bogus=1"),
        format!("sqlite://admin:{SECRET}@/app.db?timeout=soon"),
        format!("sqlite://admin:{SECRET}@/app.db?mode=rx"),
        format!("sqlite://admin:p@{SECRET}@/app.db?bogus=1"),
        format!("sqlite://admin:{SECRET}%40x@/app.db?bogus=1"),
    ];
    for url in &bad_urls {
        let err = create_engine(url).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(SECRET), "{url} shows the password: {shown}");
        }
        let err = blocking::create_engine(url).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(SECRET));
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing").join("app.db");
    let url = format!("sqlite://admin:{SECRET}@/{}", missing.display());
    let engine = create_engine(&url).unwrap();
    assert_eq!(engine.url().password(), Some(SECRET));
    let blocking_engine = blocking::Engine::from_async(engine.clone()).unwrap();
    let shown = [
        format!("{engine:?}"),
        format!("{blocking_engine:?}"),
        engine.url().to_string(),
        format!("{:?}", engine.url()),
        format!("{:?}", engine.options()),
    ];
    for s in &shown {
        assert!(!s.contains(SECRET), "{s}");
    }
    assert!(shown[2].contains("admin:***@"), "{}", shown[2]);
    let err = blocking_engine.connect().unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(!format!("{err} {err:?}").contains(SECRET), "{err:?}");
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_is_a_connection_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("app.db");
    let engine = create_engine(&file_url(&missing)).unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
    assert_eq!(engine.open_connections(), 0);

    // mode=rw and mode=ro do not create a missing file.
    for mode in ["rw", "ro"] {
        let path = dir.path().join(format!("absent-{mode}.db"));
        let engine = create_engine(&format!("{}?mode={mode}", file_url(&path))).unwrap();
        let err = engine.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
        assert!(err.to_string().contains("absent"), "{err}");
        assert!(!path.exists());
    }

    // A directory is not a database file.
    let engine = create_engine(&file_url(dir.path())).unwrap();
    let err = engine.connect().await.unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");

    // Neither is a file of something else: the first statement says so.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let engine = create_engine(&file_url(&junk)).unwrap();
    let err = match engine.connect().await {
        Err(e) => e,
        Ok(mut conn) => conn.execute(text("SELECT 1")).await.unwrap_err(),
    };
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    assert!(err.to_string().contains("not a database"), "{err}");
}

#[tokio::test]
async fn read_only_databases_refuse_writes_and_keep_serving_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let items = seed(&file_url(&path), &["kept"]).await;

    let ro = create_engine(&format!("{}?mode=ro", file_url(&path))).unwrap();
    let mut conn = ro.connect().await.unwrap();
    let err = conn
        .execute(insert(&items).value("name", "new"))
        .await
        .unwrap_err();
    let d = database_error(&err);
    assert!(d.message.contains("readonly"), "{err}");
    assert!(
        d.sql.as_deref().is_some_and(|s| s.starts_with("INSERT")),
        "{err}"
    );
    assert_ne!(d.kind, DbErrorKind::Connection, "{err}");
    let err = conn.execute(text("DROP TABLE items")).await.unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    // The same connection still reads, and nothing changed.
    drop(conn);
    assert_eq!(names(&ro, &items).await, ["kept"]);
    assert_eq!(ro.open_connections(), 1);

    // A file whose permissions forbid writing. Tests may run as root, for
    // whom file permissions do not stop writes, so mode=ro is what makes
    // the connection read-only here; without root the permissions alone
    // would refuse the write too.
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let ro = create_engine(&format!("{}?mode=ro", file_url(&path))).unwrap();
    let mut conn = ro.connect().await.unwrap();
    let err = conn
        .execute(insert(&items).value("name", "new"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    assert_eq!(names(&ro, &items).await, ["kept"]);
    let default_mode = create_engine(&file_url(&path)).unwrap();
    assert_eq!(names(&default_mode, &items).await, ["kept"]);
}

#[tokio::test]
async fn a_locked_database_times_out_with_a_timeout_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}?timeout=0.1", file_url(&dir.path().join("locked.db")));
    let items = seed(&url, &["before"]).await;
    let engine = create_engine_with(&url, EngineOptions::default().pool_size(2)).unwrap();

    let mut holder = engine.connect().await.unwrap();
    let mut other = engine.connect().await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    tx.execute(insert(&items).value("name", "pending"))
        .await
        .unwrap();

    let started = Instant::now();
    let err = other
        .execute(insert(&items).value("name", "blocked"))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Timeout), "{err}");
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    // Readers are not blocked by the writer and see committed data only.
    let seen: Vec<(String,)> = other
        .fetch_all(select(items.c("name").unwrap()))
        .await
        .unwrap();
    assert_eq!(seen, vec![("before".to_string(),)]);

    tx.commit().await.unwrap();
    // Once the lock is gone the same connection writes.
    other
        .execute(insert(&items).value("name", "after"))
        .await
        .unwrap();
    drop((holder, other));
    assert_eq!(names(&engine, &items).await, ["before", "pending", "after"]);

    // A lock taken with BEGIN IMMEDIATE as text blocks a transaction too.
    let mut holder = engine.connect().await.unwrap();
    holder.execute(text("BEGIN IMMEDIATE")).await.unwrap();
    let mut other = engine.connect().await.unwrap();
    let started = Instant::now();
    let mut tx = other.begin().await.unwrap();
    let err = tx
        .execute(insert(&items).value("name", "blocked"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Timeout), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    tx.rollback().await.unwrap();
    holder.execute(text("COMMIT")).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    tx.execute(insert(&items).value("name", "finally"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    drop((holder, other));
    assert_eq!(
        names(&engine, &items).await,
        ["before", "pending", "after", "finally"]
    );
}

#[tokio::test]
async fn a_failed_statement_in_a_transaction_leaves_committed_data_and_a_usable_connection() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir.path().join("tx.db"));
    let items = seed(&url, &["committed"]).await;
    let engine = create_engine(&url).unwrap();
    let mut conn = engine.connect().await.unwrap();

    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&items).value("name", "in tx"))
        .await
        .unwrap();
    let err = tx
        .execute(insert(&items).value("name", "committed"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    assert_eq!(
        database_error(&err).constraint.as_deref(),
        Some("items.name")
    );
    tx.rollback().await.unwrap();
    assert!(!conn.in_transaction());

    // The transaction's own write is gone, the committed row is not.
    assert_eq!(names(&engine, &items).await, ["committed"]);
    // The connection works, inside and outside a transaction.
    conn.execute(insert(&items).value("name", "next"))
        .await
        .unwrap();
    let mut tx = conn.begin().await.unwrap();
    tx.execute(insert(&items).value("name", "in second tx"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        names(&engine, &items).await,
        ["committed", "next", "in second tx"]
    );

    // A transaction dropped after its error rolls back as well.
    {
        let mut tx = conn.begin().await.unwrap();
        tx.execute(insert(&items).value("name", "dropped"))
            .await
            .unwrap();
        let err = tx
            .execute(text("INSERT INTO items (name) VALUES (NULL)"))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::NotNullViolation), "{err}");
    }
    let n: (i64,) = conn
        .fetch_one(text("SELECT count(*) FROM items"))
        .await
        .unwrap();
    assert_eq!(n.0, 3);
}

#[tokio::test]
async fn a_pool_whose_connections_all_failed_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let later = dir.path().join("later");
    let url = file_url(&later.join("app.db"));
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pool_timeout(Duration::from_secs(2)),
    )
    .unwrap();
    // More failed attempts than the pool has connections: none leaks a slot.
    for _ in 0..3 {
        let err = engine.connect().await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    }
    assert_eq!(engine.open_connections(), 0);

    std::fs::create_dir(&later).unwrap();
    let items = items_table();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(create_table(&items)).await.unwrap();
    conn.execute(insert(&items).value("name", "written"))
        .await
        .unwrap();
    drop(conn);
    assert_eq!(engine.open_connections(), 1);
    // Another engine reads what was written, from the file.
    assert_eq!(
        names(&create_engine(&url).unwrap(), &items).await,
        ["written"]
    );
}

#[tokio::test]
async fn pre_ping_replaces_a_connection_whose_database_went_away() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.db");
    let url = file_url(&path);
    let items = seed(&url, &["old"]).await;
    let engine = create_engine_with(
        &url,
        EngineOptions::default()
            .pool_size(1)
            .max_overflow(0)
            .pre_ping(true),
    )
    .unwrap();
    assert_eq!(names(&engine, &items).await, ["old"]);
    assert_eq!(engine.idle_connections(), 1);

    // The file is deleted and a new database takes its place.
    std::fs::remove_file(&path).unwrap();
    seed(&url, &["new"]).await;

    // The pooled connection still has the deleted file open; the ping
    // notices and a fresh connection opens the file now at the path.
    assert_eq!(names(&engine, &items).await, ["new"]);
    let mut conn = engine.connect().await.unwrap();
    conn.execute(insert(&items).value("name", "newer"))
        .await
        .unwrap();
    drop(conn);
    assert_eq!(engine.open_connections(), 1);
    assert_eq!(
        names(&create_engine(&url).unwrap(), &items).await,
        ["new", "newer"]
    );

    // The file is deleted and nothing replaces it: a new, empty database.
    std::fs::remove_file(&path).unwrap();
    let mut conn = engine.connect().await.unwrap();
    let tables: (i64,) = conn
        .fetch_one(text("SELECT count(*) FROM sqlite_master"))
        .await
        .unwrap();
    assert_eq!(tables.0, 0);
}

#[tokio::test]
async fn without_pre_ping_a_write_to_a_deleted_database_fails_once_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.db");
    let url = file_url(&path);
    let items = seed(&url, &["old"]).await;
    let engine =
        create_engine_with(&url, EngineOptions::default().pool_size(1).max_overflow(0)).unwrap();
    assert_eq!(names(&engine, &items).await, ["old"]);

    std::fs::remove_file(&path).unwrap();
    seed(&url, &["new"]).await;
    let mut conn = engine.connect().await.unwrap();
    let err = conn
        .execute(insert(&items).value("name", "lost"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Connection), "{err}");
    drop(conn);
    // The broken connection was closed; the next one opens the new file.
    assert_eq!(engine.open_connections(), 0);
    assert_eq!(names(&engine, &items).await, ["new"]);
}
