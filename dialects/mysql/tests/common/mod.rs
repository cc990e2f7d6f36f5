//! Helpers shared by the server-backed tests. Every test reads its server
//! from `ALUDEL_TEST_MYSQL_URL` (`mysql://` or `mariadb://`) and is skipped
//! when it is unset; tables get unique names because tests run in parallel
//! against one database.

#![allow(dead_code)]

use aludel_core::{
    create_all, create_engine_with, drop_all, text, Connection, Engine, EngineOptions, MetaData,
};

/// The server's URL, or `None` (the test is skipped).
pub fn url() -> Option<String> {
    aludel_core::testing::backend_url("ALUDEL_TEST_MYSQL_URL")
}

/// A table name no other test uses.
pub fn name(prefix: &str) -> String {
    aludel_core::testing::unique_name(prefix)
}

/// `url` with `option` (`key=value`) appended.
pub fn with_option(url: &str, option: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{option}")
}

/// An engine with a small pool.
pub fn engine(url: &str) -> Engine {
    create_engine_with(url, EngineOptions::default().pool_size(2).max_overflow(2)).unwrap()
}

/// Creates every table of `md`, dropping leftovers of an earlier run first.
pub async fn create_tables(conn: &mut Connection, md: &MetaData) {
    let dialect = conn.engine().dialect();
    for ddl in drop_all(md, dialect, true).unwrap() {
        let _ = conn.execute(ddl).await;
    }
    for ddl in create_all(md, dialect, false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
}

/// Drops every table of `md`.
pub async fn drop_tables(conn: &mut Connection, md: &MetaData) {
    let dialect = conn.engine().dialect();
    for ddl in drop_all(md, dialect, true).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
}

/// Whether the server is MariaDB (rather than MySQL), whatever the scheme.
pub async fn server_is_mariadb(conn: &mut Connection) -> bool {
    let (v,): (String,) = conn.fetch_one(text("SELECT VERSION()")).await.unwrap();
    v.contains("MariaDB")
}

/// The session's id on the server.
pub async fn connection_id(conn: &mut Connection) -> i64 {
    let (id,): (i64,) = conn
        .fetch_one(text("SELECT CONNECTION_ID()"))
        .await
        .unwrap();
    id
}
