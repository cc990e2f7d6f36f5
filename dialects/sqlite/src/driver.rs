//! The SQLite connection, on rusqlite with SQLite bundled.
//!
//! SQLite runs in-process and its calls take microseconds, so a statement
//! runs synchronously inside the future that asks for it, on the caller's
//! thread, with no hand-off to another thread. Waiting for another
//! connection's lock is bounded by the busy timeout (URL option `timeout`,
//! in seconds, 5 by default).
//!
//! The connection keeps its prepared statements itself, by SQL text (up to
//! `statement_cache_size` of them taking 16 MiB of SQLite's memory
//! together, least recently used out first; ADR 22), with what every run
//! asks of them: the result's column names and whether the statement
//! writes. A statement is looked up by one hash of its text, run, reset in
//! place, and cleared of any text or blob bound to it; kept statements are
//! prepared as long-lived (`SQLITE_PREPARE_PERSISTENT`), so that neither
//! they nor their last values hold the connection's lookaside memory
//! (ADR 21).

use aludel_core::engine::{
    BoxFuture, DatabaseUrl, DriverConnection, DriverFuture, ExecResult, RowAccess, RowSink,
    StatementLru,
};
use aludel_core::error::{DatabaseError, DbErrorKind};
use aludel_core::{Error, Result, Value};
use rusqlite::types::ValueRef;
use rusqlite::{ffi, OpenFlags, PrepFlags, StatementStatus};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// URL options the SQLite dialect accepts.
pub const OPTIONS: &[&str] = &[
    "mode",
    "timeout",
    "journal_mode",
    "foreign_keys",
    "statement_cache_size",
];

/// Whether a URL names an in-memory database.
pub fn is_memory(url: &DatabaseUrl) -> bool {
    matches!(url.database(), None | Some(":memory:")) || url.option("mode") == Some("memory")
}

/// Validates the URL's options and their values.
pub fn check_url(url: &DatabaseUrl) -> Result<()> {
    url.check_options(OPTIONS)?;
    if let Some(m) = url.option("mode") {
        if !matches!(m, "ro" | "rw" | "rwc" | "memory") {
            return Err(url.bad_option("mode", "ro, rw, rwc or memory"));
        }
    }
    if let Some(t) = url.option("timeout") {
        if !t.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0) {
            return Err(url.bad_option("timeout", "a number of seconds"));
        }
    }
    if let Some(j) = url.option("journal_mode") {
        if !matches!(
            j.to_ascii_lowercase().as_str(),
            "delete" | "truncate" | "persist" | "memory" | "wal" | "off"
        ) {
            return Err(url.bad_option(
                "journal_mode",
                "delete, truncate, persist, memory, wal or off",
            ));
        }
    }
    if let Some(f) = url.option("foreign_keys") {
        if !matches!(f, "on" | "off" | "true" | "false" | "1" | "0") {
            return Err(url.bad_option("foreign_keys", "on or off"));
        }
    }
    if let Some(n) = url.option("statement_cache_size") {
        if n.parse::<usize>().is_err() {
            return Err(url.bad_option("statement_cache_size", "a whole number"));
        }
    }
    Ok(())
}

/// Whether `sql` is one transaction-control statement as the engine writes
/// them (`BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT sp_1`, `RELEASE
/// SAVEPOINT sp_1`, `ROLLBACK TO SAVEPOINT sp_1`): one statement, no
/// script.
fn is_transaction_control(sql: &str) -> bool {
    sql.len() <= 64
        && !sql.contains(';')
        && [
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT ",
            "RELEASE SAVEPOINT ",
        ]
        .iter()
        .any(|p| sql.starts_with(p))
}

/// Maps a rusqlite error to the core's kinds, keeping the constraint or
/// column SQLite names ("UNIQUE constraint failed: users.email").
pub fn map_error(e: rusqlite::Error) -> Error {
    let (kind, message, code) = match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let message = msg.clone().unwrap_or_else(|| f.to_string());
            let kind = match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    DbErrorKind::UniqueViolation
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DbErrorKind::ForeignKeyViolation,
                ffi::SQLITE_CONSTRAINT_NOTNULL => DbErrorKind::NotNullViolation,
                ffi::SQLITE_CONSTRAINT_CHECK => DbErrorKind::CheckViolation,
                // Writing through a read-only connection; the other
                // SQLITE_READONLY_* codes (the file was moved or deleted,
                // cannot lock) mean the connection is unusable.
                ffi::SQLITE_READONLY => DbErrorKind::Other,
                _ => match f.code {
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                        DbErrorKind::Timeout
                    }
                    rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::NotADatabase
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::ReadOnly => DbErrorKind::Connection,
                    rusqlite::ErrorCode::TooBig | rusqlite::ErrorCode::TypeMismatch => {
                        DbErrorKind::Data
                    }
                    rusqlite::ErrorCode::ConstraintViolation => DbErrorKind::CheckViolation,
                    rusqlite::ErrorCode::Unknown => DbErrorKind::Syntax,
                    _ => DbErrorKind::Other,
                },
            };
            (kind, message, Some(f.extended_code.to_string()))
        }
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => (
            DbErrorKind::Syntax,
            format!("{msg} (at byte {offset})"),
            Some(error.extended_code.to_string()),
        ),
        rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::NulError(_)
        | rusqlite::Error::ToSqlConversionFailure(_)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..) => (DbErrorKind::Data, e.to_string(), None),
        rusqlite::Error::MultipleStatement
        | rusqlite::Error::InvalidParameterCount(..)
        | rusqlite::Error::ExecuteReturnedResults => (DbErrorKind::Syntax, e.to_string(), None),
        _ => (DbErrorKind::Other, e.to_string(), None),
    };
    let constraint = if kind.is_integrity() {
        message
            .split_once("constraint failed: ")
            .map(|(_, c)| c.trim().to_string())
            .filter(|c| !c.is_empty())
    } else {
        None
    };
    Error::Database(Box::new(DatabaseError {
        kind,
        message,
        code,
        constraint,
        sql: None,
    }))
}

fn nan() -> Error {
    Error::database(
        DbErrorKind::Data,
        "SQLite cannot store a float NaN (it would become NULL)",
    )
}

/// The text SQLite stores for a value that has no storage class of its
/// own (decimals, dates and times, UUIDs, JSON), or the error that says
/// why SQLite cannot store it. Out of line: the common kinds bind
/// directly (see [`bind`]).
#[cold]
#[inline(never)]
fn as_text(v: &Value) -> Result<String> {
    Ok(match v {
        // SQLite would store NaN as NULL.
        Value::F32(f) if f.is_nan() => return Err(nan()),
        Value::F64(f) if f.is_nan() => return Err(nan()),
        Value::Decimal(d) => d.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Time(t) => t.format("%H:%M:%S%.6f").to_string(),
        Value::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        Value::DateTimeTz(t) => t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string(),
        Value::Uuid(u) => u.simple().to_string(),
        Value::Json(j) => j.to_string(),
        other => {
            return Err(Error::database(
                DbErrorKind::Data,
                format!("SQLite cannot store a value of kind {}", other.kind()),
            ))
        }
    })
}

/// Binds `params` to a kept statement, noting whether SQLite now holds a
/// copy of any of them (a text or a blob), which the run's end clears.
///
/// Each kind of value is handed to rusqlite as its own Rust type, so that
/// rusqlite's conversion to SQLite's storage classes folds away; an
/// intermediate `ToSqlOutput` chosen at run time would be written to the
/// stack and read back whole, which stalls the processor on every value.
fn bind(kept: &mut Kept<'_>, params: &[Value]) -> Result<()> {
    let stmt = &mut kept.stmt;
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(Error::database(
            DbErrorKind::Syntax,
            format!(
                "the statement has {expected} placeholders but {} values were given",
                params.len()
            ),
        ));
    }
    for (i, p) in params.iter().enumerate() {
        let at = i + 1;
        // SQLite holds numbers and NULL in the parameter's cell itself,
        // and a copy of a text or a blob.
        let bound = match p {
            Value::Null => stmt.raw_bind_parameter(at, rusqlite::types::Null),
            Value::Bool(b) => stmt.raw_bind_parameter(at, i64::from(*b)),
            Value::I16(v) => stmt.raw_bind_parameter(at, i64::from(*v)),
            Value::I32(v) => stmt.raw_bind_parameter(at, i64::from(*v)),
            Value::I64(v) => stmt.raw_bind_parameter(at, *v),
            Value::F32(f) if !f.is_nan() => stmt.raw_bind_parameter(at, f64::from(*f)),
            Value::F64(f) if !f.is_nan() => stmt.raw_bind_parameter(at, *f),
            Value::String(s) => {
                kept.copies = true;
                stmt.raw_bind_parameter(at, s.as_str())
            }
            Value::Bytes(b) => {
                kept.copies = true;
                stmt.raw_bind_parameter(at, b.as_slice())
            }
            other => {
                let text = as_text(other)?;
                kept.copies = true;
                stmt.raw_bind_parameter(at, text)
            }
        };
        bound.map_err(map_error)?;
    }
    Ok(())
}

/// [`map_error`] out of line, for the per-column path.
#[cold]
#[inline(never)]
fn cold_map_error(e: rusqlite::Error) -> Error {
    map_error(e)
}

#[cold]
#[inline(never)]
fn not_utf8(idx: usize, e: std::str::Utf8Error) -> Error {
    Error::database(DbErrorKind::Data, format!("column {idx} is not UTF-8: {e}"))
}

struct SqliteRow<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    names: &'r [String],
}

impl RowAccess for SqliteRow<'_, '_> {
    fn len(&self) -> usize {
        self.names.len()
    }
    fn column_name(&self, idx: usize) -> &str {
        self.names.get(idx).map(String::as_str).unwrap_or("")
    }
    fn value(&self, idx: usize) -> Result<Value> {
        self.value_ref(idx).map(aludel_core::ValueRef::into_owned)
    }

    #[inline]
    fn value_ref(&self, idx: usize) -> Result<aludel_core::ValueRef<'_>> {
        use aludel_core::ValueRef as Vr;
        Ok(match self.row.get_ref(idx).map_err(cold_map_error)? {
            ValueRef::Null => Vr::Null,
            ValueRef::Integer(i) => Vr::I64(i),
            ValueRef::Real(f) => Vr::F64(f),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(s) => Vr::Str(s),
                Err(e) => return Err(not_utf8(idx, e)),
            },
            ValueRef::Blob(b) => Vr::Bytes(b),
        })
    }

    #[inline]
    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        match self.row.get_ref(idx) {
            Ok(ValueRef::Integer(i)) => Some(Some(i)),
            Ok(ValueRef::Null) => Some(None),
            _ => None,
        }
    }

    #[inline]
    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        match self.row.get_ref(idx) {
            Ok(ValueRef::Text(t)) => std::str::from_utf8(t).ok().map(Some),
            Ok(ValueRef::Null) => Some(None),
            _ => None,
        }
    }
}

/// A prepared statement the connection keeps, with what every run of it
/// asks.
struct Kept<'c> {
    stmt: rusqlite::Statement<'c>,
    /// The names of the result's columns.
    names: Vec<String>,
    /// How many times SQLite had re-prepared the statement when `names`
    /// were read.
    reprepared: i32,
    /// Whether the statement leaves the database as it was.
    readonly: bool,
    /// Whether SQLite holds a copy of a value bound for the current run
    /// (a text or a blob; numbers and NULL are held without one).
    copies: bool,
}

impl<'c> Kept<'c> {
    /// Prepares a statement to keep: SQLite is told it will live long
    /// (`SQLITE_PREPARE_PERSISTENT`, as rusqlite's own cache does), so it
    /// takes the statement's memory from the heap rather than from the
    /// connection's lookaside, which stays free for the allocations each
    /// run makes (its cursors and result cells). Kept statements prepared
    /// without it fill the lookaside after a few dozen, and every run
    /// after that allocates from the heap.
    fn prepare(conn: &'c rusqlite::Connection, sql: &str) -> Result<Self> {
        let stmt = conn
            .prepare_with_flags(sql, PrepFlags::SQLITE_PREPARE_PERSISTENT)
            .map_err(map_error)?;
        Ok(Kept {
            names: column_names(&stmt),
            reprepared: stmt.get_status(StatementStatus::RePrepare),
            readonly: stmt.readonly(),
            copies: false,
            stmt,
        })
    }
}

impl Kept<'_> {
    /// Clears the parameters if SQLite holds a copy of one.
    #[inline]
    fn release_copies(&mut self) {
        if self.copies {
            self.stmt.clear_bindings();
            self.copies = false;
        }
    }
}

fn column_names(stmt: &rusqlite::Statement<'_>) -> Vec<String> {
    stmt.column_names().into_iter().map(str::to_owned).collect()
}

/// The statements a connection keeps prepared, by SQL text.
type Statements<'c> = StatementLru<Kept<'c>>;

/// The most memory the statements a connection keeps may take together,
/// as SQLite counts it (`SQLITE_STMTSTATUS_MEMUSED`: a statement's program
/// and its parameters' cells, about 110 bytes a parameter): 16 MiB. An
/// ordinary statement takes a few kilobytes, an INSERT of 10,000 rows of
/// two values about 2.2 MB; the least recently used statements are let go
/// to make room. Keeping a large statement that runs again matters
/// (preparing such an INSERT costs about as much as running it); keeping
/// every large statement ever run would not be bounded.
const KEPT_BYTES: usize = 16 << 20;

/// Runs `f` on the statement kept for `sql`, preparing it first (and
/// keeping it afterwards) if there is none.
///
/// The statement's parameters are cleared after a run that bound a text
/// or a blob, as rusqlite's own cache clears every statement it takes
/// back: SQLite holds a copy of each, so a kept statement would otherwise
/// hold its last values (all of a 10,000-row INSERT's, say) until its next
/// run, in memory that SQLite takes from the connection's lookaside while
/// there is room, leaving none for what each run allocates.
#[inline]
fn with_statement<'c, R>(
    statements: &mut Statements<'c>,
    conn: &'c rusqlite::Connection,
    sql: &str,
    f: impl FnOnce(&mut Kept<'c>) -> Result<R>,
) -> Result<R> {
    if let Some(kept) = statements.get_mut(sql) {
        let r = f(kept);
        kept.release_copies();
        return r;
    }
    let mut kept = Kept::prepare(conn, sql)?;
    let r = f(&mut kept);
    kept.release_copies();
    let bytes = usize::try_from(kept.stmt.get_status(StatementStatus::MemUsed)).unwrap_or(0);
    // What is no longer kept (the least recently used) is finalized here.
    drop(statements.insert_with_weight(sql, kept, bytes));
    r
}

self_cell::self_cell!(
    /// A rusqlite connection and the statements prepared on it, which
    /// borrow it.
    struct Handle {
        owner: rusqlite::Connection,
        #[covariant]
        dependent: Statements,
    }
);

// SAFETY: a rusqlite `Statement` is not `Send` because it borrows its
// `Connection` (which is `Send` but not `Sync`) and holds a raw statement
// pointer. Here the connection and every statement prepared on it live in
// one `Handle` and move between threads only together; `Handle` is not
// `Sync`, and nothing borrowed from it outlives a borrow of the handle, so
// the connection and its statements are used from one thread at a time,
// which SQLite's multi-thread mode (`SQLITE_OPEN_NO_MUTEX`) allows.
#[allow(unsafe_code)]
unsafe impl Send for Handle {}

/// An open SQLite database connection.
pub struct SqliteConnection {
    handle: Handle,
    /// The database file and its identity when opened, for `ping` to
    /// notice the file deleted or replaced under the open connection.
    file: Option<(PathBuf, FileId)>,
}

/// What identifies a file: its device and inode on Unix; elsewhere only
/// whether it exists.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

impl std::fmt::Debug for SqliteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConnection").finish_non_exhaustive()
    }
}

impl SqliteConnection {
    /// Opens the database a URL names, with foreign keys enforced (unless
    /// `foreign_keys=off`), the busy timeout set and the journal mode asked for.
    pub fn open(url: &DatabaseUrl) -> Result<Self> {
        let conn = if is_memory(url) {
            rusqlite::Connection::open_in_memory()
        } else {
            let path = url.database().unwrap_or_default();
            let flags = match url.option("mode") {
                Some("ro") => OpenFlags::SQLITE_OPEN_READ_ONLY,
                Some("rw") => OpenFlags::SQLITE_OPEN_READ_WRITE,
                _ => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            } | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            rusqlite::Connection::open_with_flags(path, flags)
        }
        .map_err(|e| {
            let mut err = map_error(e);
            if let Error::Database(d) = &mut err {
                d.kind = DbErrorKind::Connection;
                d.message = format!(
                    "cannot open {}: {}",
                    url.database().unwrap_or(":memory:"),
                    d.message
                );
            }
            err
        })?;
        let timeout = url
            .option("timeout")
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(5.0);
        conn.busy_timeout(Duration::from_secs_f64(timeout))
            .map_err(map_error)?;
        let cap = url
            .option("statement_cache_size")
            .and_then(|n| n.parse().ok())
            .unwrap_or(256);
        let fk = !matches!(url.option("foreign_keys"), Some("off" | "false" | "0"));
        conn.execute_batch(if fk {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        })
        .map_err(map_error)?;
        if let Some(j) = url.option("journal_mode") {
            // The pragma answers with the mode it settled on.
            let mode: String = conn
                .query_row(
                    &format!("PRAGMA journal_mode = {}", j.to_ascii_lowercase()),
                    [],
                    |r| r.get(0),
                )
                .map_err(map_error)?;
            if !mode.eq_ignore_ascii_case(j) && !is_memory(url) {
                return Err(Error::database(
                    DbErrorKind::Connection,
                    format!("journal_mode {j} was asked for, SQLite chose {mode}"),
                ));
            }
        }
        Ok(SqliteConnection {
            handle: Handle::new(conn, |_| StatementLru::new(cap).with_max_weight(KEPT_BYTES)),
            file: if is_memory(url) {
                None
            } else {
                let path = PathBuf::from(url.database().unwrap_or_default());
                file_id(&path).map(|id| (path, id))
            },
        })
    }

    /// The rusqlite connection underneath, for what Aludel does not cover.
    /// Shared, not `&mut`: the statements the connection keeps prepared
    /// borrow it (rusqlite's own methods take `&self`; a transaction through
    /// it is `unchecked_transaction`).
    pub fn raw(&self) -> &rusqlite::Connection {
        self.handle.borrow_owner()
    }

    fn execute_sync(&mut self, sql: &str, params: &[Value]) -> Result<ExecResult> {
        self.handle.with_dependent_mut(|conn, statements| {
            with_statement(statements, conn, sql, |kept| {
                bind(kept, params)?;
                let changed = if kept.readonly || !kept.names.is_empty() {
                    // Statements with rows (RETURNING, PRAGMA) are stepped through.
                    let mut rows = kept.stmt.raw_query();
                    while rows.next().map_err(map_error)?.is_some() {}
                    drop(rows);
                    if kept.readonly {
                        0
                    } else {
                        conn.changes()
                    }
                } else {
                    kept.stmt.raw_execute().map_err(map_error)? as u64
                };
                Ok(result(conn, sql, changed))
            })
        })
    }

    fn query_sync(
        &mut self,
        sql: &str,
        params: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<ExecResult> {
        self.handle.with_dependent_mut(|conn, statements| {
            with_statement(statements, conn, sql, |kept| {
                bind(kept, params)?;
                // A statement that writes runs to its end whatever the sink wants.
                let max = match sink.max_rows() {
                    Some(n) if kept.readonly => n,
                    _ => usize::MAX,
                };
                let mut rows = kept.stmt.raw_query();
                let mut n = 0;
                while n < max {
                    let Some(row) = rows.next().map_err(map_error)? else {
                        break;
                    };
                    if n == 0 {
                        // SQLite re-prepares a statement whose tables changed
                        // (through any connection) at its first step; a
                        // `SELECT *` may have other columns since.
                        let stmt: &rusqlite::Statement<'_> = row.as_ref();
                        let reprepared = stmt.get_status(StatementStatus::RePrepare);
                        if reprepared != kept.reprepared {
                            kept.reprepared = reprepared;
                            kept.names = column_names(stmt);
                        }
                    }
                    sink.row(&SqliteRow {
                        row,
                        names: &kept.names,
                    })?;
                    n += 1;
                }
                drop(rows);
                if kept.readonly {
                    return Ok(ExecResult::default());
                }
                Ok(result(conn, sql, conn.changes()))
            })
        })
    }
}

/// The result of a statement: the rowid is reported after an INSERT only.
fn result(conn: &rusqlite::Connection, sql: &str, rows_affected: u64) -> ExecResult {
    let head = sql.trim_start().get(..6).unwrap_or("");
    ExecResult {
        rows_affected,
        last_insert_id: head
            .eq_ignore_ascii_case("insert")
            .then(|| conn.last_insert_rowid()),
    }
}

impl DriverConnection for SqliteConnection {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::ready(self.execute_sync(sql, params))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
        sink: &'a mut dyn RowSink,
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::ready(self.query_sync(sql, params, sink))
    }

    fn execute_many<'a>(
        &'a mut self,
        sql: &'a str,
        sets: &'a [Vec<Value>],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        let r = self.handle.with_dependent_mut(|conn, statements| {
            with_statement(statements, conn, sql, |kept| {
                let mut total = 0u64;
                for params in sets {
                    bind(kept, params)?;
                    total += kept.stmt.raw_execute().map_err(map_error)? as u64;
                }
                Ok(result(conn, sql, total))
            })
        });
        DriverFuture::ready(r)
    }

    fn execute_script<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        let r = if is_transaction_control(sql) {
            // Every transaction runs these: kept prepared like any other
            // statement rather than parsed anew by `sqlite3_exec`.
            self.execute_sync(sql, &[]).map(drop)
        } else {
            self.raw().execute_batch(sql).map_err(map_error)
        };
        Box::pin(std::future::ready(r))
    }

    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        let moved = self
            .file
            .as_ref()
            .filter(|(path, id)| file_id(path) != Some(*id));
        let r = match moved {
            Some((path, _)) => Err(Error::database(
                DbErrorKind::Connection,
                format!(
                    "the database file {} was deleted or replaced after the connection opened it",
                    path.display()
                ),
            )),
            None => self.raw().execute_batch("SELECT 1").map_err(map_error),
        };
        Box::pin(std::future::ready(r))
    }

    fn cached_statements(&self) -> usize {
        self.handle.borrow_dependent().len()
    }

    /// SQLite runs in the process: every statement is done when its
    /// future is first polled.
    fn completes_in_place(&self) -> bool {
        true
    }

    /// SQLite re-prepares a statement whose tables changed by itself, but
    /// the column names kept beside it (`SELECT *` after `ALTER TABLE ...
    /// ADD COLUMN`) would be stale: every statement is finalized.
    fn clear_statement_cache(&mut self) {
        self.handle
            .with_dependent_mut(|_, statements| statements.clear());
    }
}
