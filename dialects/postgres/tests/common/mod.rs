//! Shared helpers of the server-backed tests: the server's URL from
//! `ALUDEL_TEST_POSTGRES_URL` (each test is skipped, with a line on stderr,
//! when it is unset), and cleanup of the tables and types a test creates in
//! the database that parallel tests share.

#![allow(dead_code)]

use aludel_core::{create_engine, text, Connection, Engine};
use aludel_postgres as _;

/// The variable naming the test server.
pub const URL_VAR: &str = "ALUDEL_TEST_POSTGRES_URL";

/// The server's URL, or `None` to skip.
pub fn url() -> Option<String> {
    aludel_core::testing::backend_url(URL_VAR)
}

/// An engine on the test server, or `None` to skip.
pub fn engine() -> Option<Engine> {
    url().map(|u| create_engine(&u).unwrap())
}

/// `url` with `?opts` (or `&opts`) appended.
pub fn with_options(url: &str, opts: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{opts}")
}

/// A unique table (or type) name for this test.
pub fn name(prefix: &str) -> String {
    aludel_core::testing::unique_name(prefix)
}

/// Drops tables (with their dependents) and types, ignoring those that
/// do not exist.
pub async fn drop_tables(conn: &mut Connection, tables: &[&str]) {
    for t in tables {
        conn.execute(text(&format!("DROP TABLE IF EXISTS {t} CASCADE")))
            .await
            .unwrap();
    }
}

/// The backend process id of a connection.
pub async fn backend_pid(conn: &mut Connection) -> i32 {
    let (pid,): (i32,) = conn
        .fetch_one(text("SELECT pg_backend_pid()"))
        .await
        .unwrap();
    pid
}
