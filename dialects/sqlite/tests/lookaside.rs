//! The statements a connection keeps leave SQLite's lookaside memory (the
//! connection's small, fast allocator) to the runs that need it: a kept
//! statement lets go of the values bound to it once it has run, and its own
//! structures come from the heap (`SQLITE_PREPARE_PERSISTENT`). A kept
//! 1,000-row INSERT of text used to hold a copy of every value it was
//! given, which filled the lookaside, so that every later statement on the
//! connection allocated its cursors from the heap.

use aludel_core::engine::{DatabaseUrl, DriverConnection, RowAccess, RowSink};
use aludel_core::{Result, Value};
use aludel_sqlite::SqliteConnection;
use rusqlite::ffi;

/// Counts rows.
struct Count(usize);

impl RowSink for Count {
    fn row(&mut self, _row: &dyn RowAccess) -> Result<()> {
        self.0 += 1;
        Ok(())
    }
}

/// One of the connection's lookaside figures (`SQLITE_DBSTATUS_LOOKASIDE_*`),
/// its current value and, with `reset`, set back to zero after reading.
fn lookaside(conn: &SqliteConnection, op: i32, reset: bool) -> i32 {
    let (mut cur, mut high) = (0, 0);
    // SAFETY: the handle is the open connection `conn` owns, used from
    // this thread only while `conn` is borrowed; `sqlite3_db_status` only
    // reads counters into the two integers given.
    #[allow(unsafe_code)]
    let rc = unsafe {
        ffi::sqlite3_db_status(
            conn.raw().handle(),
            op,
            &mut cur,
            &mut high,
            i32::from(reset),
        )
    };
    assert_eq!(rc, ffi::SQLITE_OK);
    // The "full" and "size" misses count in the high-water figure.
    if op == ffi::SQLITE_DBSTATUS_LOOKASIDE_USED {
        cur
    } else {
        high
    }
}

#[tokio::test]
async fn kept_statements_leave_the_lookaside_to_each_run() {
    let url = DatabaseUrl::parse("sqlite://").unwrap();
    let mut conn = SqliteConnection::open(&url).unwrap();
    conn.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        &[],
    )
    .await
    .unwrap();

    // One INSERT of 1,000 rows, each name bound as text, kept afterwards.
    let rows = 1000;
    let sql = format!(
        "INSERT INTO users (name) VALUES {}",
        vec!["(?)"; rows].join(", ")
    );
    let names: Vec<Value> = (0..rows)
        .map(|i| Value::from(format!("user number {i}")))
        .collect();
    let done = conn.execute(&sql, &names).await.unwrap();
    assert_eq!(done.rows_affected, rows as u64);
    assert_eq!(conn.cached_statements(), 2);

    // The INSERT holds none of its values: the lookaside is nearly empty.
    let used = lookaside(&conn, ffi::SQLITE_DBSTATUS_LOOKASIDE_USED, false);
    assert!(used < 20, "{used} lookaside slots in use after the INSERT");

    // Runs of a query afterwards find room in the lookaside every time.
    lookaside(&conn, ffi::SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL, true);
    for id in 1..=50i64 {
        let mut count = Count(0);
        conn.query(
            "SELECT id, name FROM users WHERE id = ?",
            &[Value::I64(id)],
            &mut count,
        )
        .await
        .unwrap();
        assert_eq!(count.0, 1);
    }
    let missed = lookaside(&conn, ffi::SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL, false);
    assert_eq!(missed, 0, "runs that found the lookaside full");

    // The INSERT runs again from the cache with new values, all stored.
    let again: Vec<Value> = (0..rows)
        .map(|i| Value::from(format!("second {i}")))
        .collect();
    conn.execute(&sql, &again).await.unwrap();
    let mut count = Count(0);
    conn.query(
        "SELECT id FROM users WHERE name LIKE 'second %'",
        &[],
        &mut count,
    )
    .await
    .unwrap();
    assert_eq!(count.0, rows);
}
