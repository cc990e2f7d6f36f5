//! Support for tests that need a database server, and the dialect
//! compliance suite ([`suite`]) (feature `testing`).
//!
//! Server-backed tests read their URL from an environment variable, such
//! as `ALUDEL_TEST_POSTGRES_URL` or `ALUDEL_TEST_MYSQL_URL`, which `cargo
//! xtask test-matrix` sets after starting throwaway servers. Under a plain
//! `cargo test` the variable is usually unset and such a test is skipped
//! with a line on stderr; when `ALUDEL_REQUIRE_BACKENDS` is set (as the
//! matrix sets it), a missing URL fails the test instead, so a backend can
//! never be skipped silently where it was meant to run.

use std::sync::atomic::{AtomicU64, Ordering};

/// The URL in environment variable `var`, or `None` (after printing a skip
/// notice) when it is unset and backends are not required.
///
/// # Panics
///
/// When the variable is unset and `ALUDEL_REQUIRE_BACKENDS` is set: the
/// test must fail, not pass without having run.
pub fn backend_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var_os("ALUDEL_REQUIRE_BACKENDS").is_some() {
                panic!("{var} is not set, and ALUDEL_REQUIRE_BACKENDS requires every backend");
            }
            eprintln!("skipped: {var} is not set (cargo xtask test-matrix sets it)");
            None
        }
    }
}

/// A name unique within this process and unlikely to clash across
/// processes (`prefix_<pid>_<n>`), for tables that parallel tests create
/// in one shared database.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub mod suite;

/// The server-restart fault check, shared by the server dialects' tests
/// named `restart` (run alone by the matrix, with `restart` a shell command
/// that stops and starts the server on the same data):
///
/// a transaction is open when the server goes away; its next statement
/// fails with a [`DbErrorKind::Connection`](crate::DbErrorKind::Connection)
/// error; after the server is back the pool (with pre-ping) hands out a
/// working connection; the committed row survived and the uncommitted one
/// did not.
///
/// # Panics
///
/// When a check fails: this is a test harness.
pub async fn server_restart_case(url: &str, restart: &str) -> crate::Result<()> {
    use crate::{create_engine_with, insert, select, Column, EngineOptions, SqlType, Table};
    let engine = create_engine_with(url, EngineOptions::default().pool_size(2).pre_ping(true))?;
    let t = Table::builder(unique_name("restart"))
        .column(Column::new("id", SqlType::Integer).primary_key())
        .build()?;
    let mut a = engine.connect().await?;
    a.execute(crate::drop_table(&t).if_exists()).await?;
    a.execute(crate::create_table(&t)).await?;
    a.execute(insert(&t).value("id", 1)).await?;
    {
        let mut tx = a.begin().await?;
        tx.execute(insert(&t).value("id", 2)).await?;
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(restart)
            .status()
            .unwrap_or_else(|e| panic!("cannot run the restart command: {e}"));
        assert!(status.success(), "the restart command failed: {status}");
        let err = match tx.commit().await {
            Err(e) => e,
            Ok(()) => panic!("a commit on a connection whose server restarted succeeded"),
        };
        assert_eq!(err.db_kind(), Some(crate::DbErrorKind::Connection), "{err}");
    }
    drop(a);
    let mut b = engine.connect().await?;
    let ids: Vec<(i32,)> = b.fetch_all(select(t.c("id")?).order_by(t.c("id")?)).await?;
    assert_eq!(
        ids,
        vec![(1,)],
        "the committed row survived, the uncommitted one did not"
    );
    b.execute(crate::drop_table(&t)).await?;
    Ok(())
}

/// The restart command for a server test: `None` (with a skip line) when
/// `var` is unset and backends are not required.
///
/// # Panics
///
/// When `var` is unset and `ALUDEL_REQUIRE_BACKENDS` is set.
pub fn restart_command(var: &str) -> Option<String> {
    backend_url(var)
}
