//! The statements a connection keeps take at most 16 MiB of SQLite's
//! memory together. A large statement that comes back stays kept (an
//! INSERT of thousands of rows costs about as much to prepare as to run),
//! but a program that runs many different large ones (INSERTs of varying
//! numbers of rows, each about 2 MB) does not have them all held until
//! the cache's count of statements is reached.

use aludel_core::engine::{DatabaseUrl, DriverConnection};
use aludel_core::Value;
use aludel_sqlite::SqliteConnection;
use rusqlite::ffi;

/// The memory SQLite has allocated in this process, in bytes.
fn sqlite_memory() -> i64 {
    // SAFETY: `sqlite3_memory_used` takes no arguments and only reads
    // SQLite's own counter.
    #[allow(unsafe_code)]
    unsafe {
        ffi::sqlite3_memory_used()
    }
}

/// `INSERT INTO users (name, hair_color) VALUES (?, ?), ...` for `rows`
/// rows, with its values.
fn insert(rows: usize) -> (String, Vec<Value>) {
    let sql = format!(
        "INSERT INTO users (name, hair_color) VALUES {}",
        vec!["(?, ?)"; rows].join(", ")
    );
    let values = (0..rows)
        .flat_map(|i| [Value::from(format!("user {i}")), Value::from("black")])
        .collect();
    (sql, values)
}

async fn count(conn: &SqliteConnection) -> i64 {
    conn.raw()
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn large_statements_kept_are_bounded_by_their_memory() {
    let url = DatabaseUrl::parse("sqlite://").unwrap();
    let mut conn = SqliteConnection::open(&url).unwrap();
    conn.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
        &[],
    )
    .await
    .unwrap();
    let kept = conn.cached_statements();

    // An INSERT of 10,000 rows (20,000 parameters) is kept after its run.
    let (sql, values) = insert(10_000);
    let done = conn.execute(&sql, &values).await.unwrap();
    assert_eq!(done.rows_affected, 10_000);
    assert_eq!(conn.cached_statements(), kept + 1);
    conn.raw().execute("DELETE FROM users", []).unwrap();

    // Twenty different ones (each about 2.2 MB of SQLite's memory when
    // kept) leave at most 16 MiB of statements behind.
    let before = sqlite_memory();
    for extra in 1..=20 {
        let (sql, values) = insert(10_000 + extra);
        let done = conn.execute(&sql, &values).await.unwrap();
        assert_eq!(done.rows_affected, 10_000 + extra as u64);
        conn.raw().execute("DELETE FROM users", []).unwrap();
    }
    let held = sqlite_memory() - before;
    assert!(
        held < 17 << 20,
        "SQLite holds {held} more bytes after twenty large INSERTs"
    );
    let large = conn.cached_statements() - kept;
    assert!(
        (5..=8).contains(&large),
        "{large} large statements kept (16 MiB holds seven)"
    );

    // The most recent stays kept, and runs again.
    let (sql, values) = insert(10_020);
    let n = conn.cached_statements();
    conn.execute(&sql, &values).await.unwrap();
    assert_eq!(conn.cached_statements(), n);
    assert_eq!(count(&conn).await, 10_020);
}
