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
