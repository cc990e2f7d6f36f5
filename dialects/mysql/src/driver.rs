//! The MySQL and MariaDB connection, on mysql_async.
//!
//! Statements with bound values, and every statement that returns rows, run
//! through the binary protocol as server-side prepared statements, which
//! the connection keeps by SQL text (up to `statement_cache_size`, least
//! recently used closed first) and runs as they are. Statements
//! without values that return no rows (DDL, transaction control) go through
//! the text protocol, which needs one round trip instead of two.

use aludel_core::engine::{
    BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection, DriverFuture, ExecResult, RowAccess,
    RowSink, StatementLru,
};
use aludel_core::error::{DatabaseError, DbErrorKind};
use aludel_core::{Error, Result, Value, ValueRef};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::Queryable;
use mysql_async::{Column, Conn, OptsBuilder, Params, Row, Statement, Value as MyValue};
use rust_decimal::Decimal;
use std::time::Duration;

/// URL options the MySQL and MariaDB dialects accept.
pub const OPTIONS: &[&str] = &[
    "socket",
    "unix_socket",
    "ssl_mode",
    "ssl-mode",
    "ssl",
    "connect_timeout",
    "charset",
    "sql_mode",
    "time_zone",
    "statement_cache_size",
];

/// The number of prepared statements kept per connection unless the URL
/// says otherwise (`statement_cache_size`).
pub const DEFAULT_STATEMENT_CACHE_SIZE: usize = 256;

/// The collation id MySQL and MariaDB report for binary strings.
const BINARY_CHARSET: u16 = 63;

/// Below this many bytes of bound values, no packet-size check is made
/// (the server's max_allowed_packet is at least 1 MiB in practice).
const SMALL_PACKET: u64 = 64 * 1024;

/// The largest payload of one protocol packet.
const MAX_PAYLOAD: u64 = 16 * 1024 * 1024 - 1;

/// MySQL's `ER_UNSUPPORTED_PS`: the statement cannot be prepared.
const ER_UNSUPPORTED_PS: u16 = 1295;

/// What a URL asks of a connection, validated.
#[derive(Debug, Clone)]
struct Settings {
    socket: Option<String>,
    connect_timeout: Option<Duration>,
    /// `SET NAMES` argument, when not the default utf8mb4.
    charset: Option<&'static str>,
    sql_mode: Option<String>,
    time_zone: Option<String>,
    statement_cache_size: usize,
}

fn parse_settings(url: &DatabaseUrl) -> Result<Settings> {
    url.check_options(OPTIONS)?;
    let socket = match (url.option("socket"), url.option("unix_socket")) {
        (Some(_), Some(_)) => {
            return Err(url.bad_option("unix_socket", "only one of socket and unix_socket"))
        }
        (Some(s), None) | (None, Some(s)) => {
            let name = if url.option("socket").is_some() {
                "socket"
            } else {
                "unix_socket"
            };
            if s.is_empty() {
                return Err(url.bad_option(name, "the path of the server's Unix socket"));
            }
            Some(s.to_string())
        }
        (None, None) => None,
    };
    for name in ["ssl_mode", "ssl-mode"] {
        if let Some(v) = url.option(name) {
            match v.to_ascii_lowercase().as_str() {
                "disabled" | "disable" => {}
                "preferred" | "required" | "verify_ca" | "verify_identity" => {
                    return Err(Error::InvalidUrl {
                        url: url.to_string(),
                        reason: format!(
                            "option {name}={v} asks for TLS, which aludel-mysql does not support; \
                             only {name}=disabled is accepted"
                        ),
                    })
                }
                _ => {
                    return Err(url.bad_option(
                        name,
                        "disabled, preferred, required, verify_ca or verify_identity",
                    ))
                }
            }
        }
    }
    if let Some(v) = url.option("ssl") {
        match v.to_ascii_lowercase().as_str() {
            "false" | "0" | "off" | "no" => {}
            "true" | "1" | "on" | "yes" => {
                return Err(Error::InvalidUrl {
                    url: url.to_string(),
                    reason: format!(
                        "option ssl={v} asks for TLS, which aludel-mysql does not support; \
                         only ssl=false is accepted"
                    ),
                })
            }
            _ => return Err(url.bad_option("ssl", "true or false")),
        }
    }
    let connect_timeout = match url.option("connect_timeout") {
        None => None,
        Some(t) => match t.parse::<f64>() {
            Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Some(Duration::from_secs_f64(s)),
            _ => {
                return Err(url.bad_option("connect_timeout", "a positive number of seconds"));
            }
        },
    };
    let charset = match url
        .option("charset")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("utf8mb4") => None,
        Some("utf8mb3") => Some("utf8mb3"),
        Some("utf8") => Some("utf8"),
        Some(_) => {
            return Err(url.bad_option(
                "charset",
                "utf8mb4 (the default), utf8mb3 or utf8: text is decoded as UTF-8",
            ))
        }
    };
    let sql_mode = match url.option("sql_mode") {
        None => None,
        Some(m) => {
            let modes: Vec<String> = m
                .split(',')
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect();
            if modes
                .iter()
                .any(|s| !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(url.bad_option(
                    "sql_mode",
                    "a comma-separated list of mode names such as ANSI_QUOTES,STRICT_ALL_TABLES",
                ));
            }
            if modes.iter().any(|s| s == "NO_BACKSLASH_ESCAPES") {
                return Err(url.bad_option(
                    "sql_mode",
                    "modes other than NO_BACKSLASH_ESCAPES (the dialect escapes backslashes \
                     in the literals it writes)",
                ));
            }
            Some(modes.join(","))
        }
    };
    let time_zone = match url.option("time_zone") {
        None => None,
        Some(z) => {
            if z.is_empty()
                || !z
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-:/_".contains(c))
            {
                return Err(url.bad_option(
                    "time_zone",
                    "an offset such as +00:00, SYSTEM, or a named zone such as Europe/Paris",
                ));
            }
            Some(z.to_string())
        }
    };
    let statement_cache_size = match url.option("statement_cache_size") {
        None => DEFAULT_STATEMENT_CACHE_SIZE,
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| url.bad_option("statement_cache_size", "a whole number"))?,
    };
    Ok(Settings {
        socket,
        connect_timeout,
        charset,
        sql_mode,
        time_zone,
        statement_cache_size,
    })
}

/// Validates the URL's options and their values.
pub fn check_url(url: &DatabaseUrl) -> Result<()> {
    parse_settings(url).map(|_| ())
}

/// The kind of a MySQL or MariaDB error number.
pub fn error_kind(code: u16) -> DbErrorKind {
    match code {
        // ER_DUP_KEY, ER_DUP_ENTRY, ER_DUP_UNIQUE, ER_DUP_ENTRY_WITH_KEY_NAME
        1022 | 1062 | 1169 | 1586 => DbErrorKind::UniqueViolation,
        // ER_NO_REFERENCED_ROW, ER_ROW_IS_REFERENCED, and their _2 forms
        1216 | 1217 | 1451 | 1452 => DbErrorKind::ForeignKeyViolation,
        // ER_BAD_NULL_ERROR, ER_WARN_NULL_TO_NOTNULL, ER_NO_DEFAULT_FOR_FIELD
        1048 | 1263 | 1364 => DbErrorKind::NotNullViolation,
        // MySQL's ER_CHECK_CONSTRAINT_VIOLATED, MariaDB's ER_CONSTRAINT_FAILED
        3819 | 4025 => DbErrorKind::CheckViolation,
        // Lock wait timeout, MySQL's max_execution_time and NOWAIT,
        // MariaDB's max_statement_time.
        1205 | 3024 | 3572 | 1969 => DbErrorKind::Timeout,
        // Deadlock.
        1213 => DbErrorKind::Serialization,
        // Access denied, unknown database, too many connections, host not
        // allowed or blocked, server shutting down, connection killed,
        // network read/write failures, the client library's connection
        // errors (2002 can't connect through socket, 2003 can't connect,
        // 2006 server has gone away, 2013 lost connection), MySQL's
        // disconnect for inactivity.
        1040 | 1043 | 1044 | 1045 | 1049 | 1053 | 1129 | 1130 | 1152 | 1153 | 1154 | 1155
        | 1156 | 1157 | 1158 | 1159 | 1160 | 1161 | 1184 | 1251 | 1927 | 2002 | 2003 | 2005
        | 2006 | 2013 | 2055 | 4031 => DbErrorKind::Connection,
        // Parse errors; unknown tables, columns, functions; duplicate or
        // ambiguous names in DDL and queries.
        1050 | 1051 | 1052 | 1054 | 1060 | 1061 | 1064 | 1066 | 1068 | 1091 | 1109 | 1110
        | 1146 | 1149 | 1241 | 1295 | 1305 | 1582 | 1583 | 1630 => DbErrorKind::Syntax,
        // Values that do not fit: too long, out of range, wrong format,
        // truncated, division by zero, not JSON, a subquery of several rows
        // where one is expected, wrong values for a session variable.
        1231 | 1232 | 1242 | 1264 | 1265 | 1292 | 1301 | 1365 | 1366 | 1367 | 1406 | 1411
        | 1690 | 3140 | 3141 | 3146 | 4038 | 4078 => DbErrorKind::Data,
        _ => DbErrorKind::Other,
    }
}

/// The text between the first `open` after `after` and the next `close`.
fn between<'m>(message: &'m str, after: &str, open: char, close: char) -> Option<&'m str> {
    let rest = &message[message.find(after)? + after.len()..];
    let start = rest.find(open)? + open.len_utf8();
    let end = rest[start..].find(close)?;
    Some(&rest[start..start + end]).filter(|s| !s.is_empty())
}

/// The constraint (or, for NOT NULL, the column) a server message names.
pub fn constraint_name(code: u16, message: &str) -> Option<String> {
    let name = match code {
        // "Duplicate entry 'x' for key 'name'" (MySQL 8 writes 'table.name').
        1062 | 1586 => {
            let at = message.rfind(" for key ")?;
            let key = message[at + " for key ".len()..].trim();
            let key = key.strip_prefix('\'')?;
            let key = key.strip_suffix('\'').unwrap_or(key);
            Some(key.rsplit_once('.').map_or(key, |(_, k)| k))
        }
        // "... a foreign key constraint fails (`db`.`t`, CONSTRAINT `fk` FOREIGN KEY ..."
        1451 | 1452 => between(message, "CONSTRAINT ", '`', '`'),
        // "Column 'name' cannot be null", "Field 'name' doesn't have a default value"
        1048 | 1364 => between(message, "", '\'', '\''),
        // MySQL: "Check constraint 'name' is violated."
        3819 => between(message, "constraint ", '\'', '\''),
        // MariaDB: "CONSTRAINT `name` failed for `db`.`t`"
        4025 => between(message, "CONSTRAINT ", '`', '`'),
        _ => None,
    };
    name.map(str::to_string)
}

/// A database error from a server error number and message.
pub fn server_error(code: u16, message: &str) -> Error {
    let kind = error_kind(code);
    Error::Database(Box::new(DatabaseError {
        kind,
        message: message.to_string(),
        code: Some(code.to_string()),
        constraint: if kind.is_integrity() {
            constraint_name(code, message)
        } else {
            None
        },
        sql: None,
    }))
}

/// Maps a mysql_async error to the core's kinds. I/O failures and broken
/// protocol exchanges are connection errors.
pub fn map_error(e: mysql_async::Error) -> Error {
    use mysql_async::{DriverError, Error as E};
    match e {
        E::Server(s) => server_error(s.code, &s.message),
        E::Io(io) => Error::database(DbErrorKind::Connection, io.to_string()),
        E::Driver(d) => {
            let kind = match &d {
                DriverError::StmtParamsMismatch { .. }
                | DriverError::StmtParamsNumberExceedsLimit { .. }
                | DriverError::Params(_)
                | DriverError::MixedParams => DbErrorKind::Syntax,
                DriverError::PacketTooLarge => DbErrorKind::Data,
                _ => DbErrorKind::Connection,
            };
            Error::database(kind, d.to_string())
        }
        E::Url(u) => Error::database(DbErrorKind::Connection, u.to_string()),
        E::Other(o) => Error::database(DbErrorKind::Other, o.to_string()),
    }
}

fn data_error(message: impl Into<String>) -> Error {
    Error::database(DbErrorKind::Data, message)
}

fn date_parts(d: NaiveDate) -> Result<(u16, u8, u8)> {
    let year = u16::try_from(d.year())
        .ok()
        .filter(|y| *y <= 9999)
        .ok_or_else(|| {
            data_error(format!(
                "MySQL cannot store the date {d}: years run from 0 to 9999"
            ))
        })?;
    Ok((year, d.month() as u8, d.day() as u8))
}

fn micros(nanos: u32) -> u32 {
    // A leap second (nanos >= 1e9) keeps the last microsecond of its second.
    (nanos / 1_000).min(999_999)
}

fn datetime_value(t: NaiveDateTime) -> Result<MyValue> {
    let (y, m, d) = date_parts(t.date())?;
    Ok(MyValue::Date(
        y,
        m,
        d,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        micros(t.nanosecond()),
    ))
}

/// Converts a bound value to mysql_async's.
pub fn to_mysql(v: &Value) -> Result<MyValue> {
    Ok(match v {
        Value::Null => MyValue::NULL,
        Value::Bool(b) => MyValue::Int(i64::from(*b)),
        Value::I16(i) => MyValue::Int(i64::from(*i)),
        Value::I32(i) => MyValue::Int(i64::from(*i)),
        Value::I64(i) => MyValue::Int(*i),
        Value::F32(f) if !f.is_finite() => {
            return Err(data_error(format!("MySQL cannot store the float {f}")))
        }
        Value::F64(f) if !f.is_finite() => {
            return Err(data_error(format!("MySQL cannot store the float {f}")))
        }
        Value::F32(f) => MyValue::Float(*f),
        Value::F64(f) => MyValue::Double(*f),
        Value::Decimal(d) => MyValue::Bytes(d.to_string().into_bytes()),
        Value::String(s) => MyValue::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => MyValue::Bytes(b.clone()),
        Value::Date(d) => {
            let (y, m, d) = date_parts(*d)?;
            MyValue::Date(y, m, d, 0, 0, 0, 0)
        }
        Value::Time(t) => MyValue::Time(
            false,
            0,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
            micros(t.nanosecond()),
        ),
        Value::DateTime(t) => datetime_value(*t)?,
        Value::DateTimeTz(t) => datetime_value(t.naive_utc())?,
        Value::Uuid(u) => MyValue::Bytes(u.simple().to_string().into_bytes()),
        Value::Json(j) => MyValue::Bytes(j.to_string().into_bytes()),
        other => {
            return Err(data_error(format!(
                "MySQL cannot bind a value of kind {}",
                other.kind()
            )))
        }
    })
}

fn to_params(params: &[Value]) -> Result<Params> {
    if params.is_empty() {
        return Ok(Params::Empty);
    }
    params
        .iter()
        .map(to_mysql)
        .collect::<Result<Vec<_>>>()
        .map(Params::Positional)
}

fn column_name(col: &Column) -> &str {
    std::str::from_utf8(col.name_ref()).unwrap_or("")
}

fn text(col: &Column, bytes: &[u8]) -> Result<String> {
    text_ref(col, bytes).map(str::to_owned)
}

fn text_ref<'b>(col: &Column, bytes: &'b [u8]) -> Result<&'b str> {
    std::str::from_utf8(bytes).map_err(|e| not_utf8(col, e))
}

#[cold]
#[inline(never)]
fn not_utf8(col: &Column, e: std::str::Utf8Error) -> Error {
    data_error(format!(
        "column {:?} is not UTF-8 text: {e}",
        column_name(col)
    ))
}

fn is_unsigned(col: &Column) -> bool {
    col.flags().contains(ColumnFlags::UNSIGNED_FLAG)
}

/// An integer, in the width of its column type.
fn integer(col: &Column, i: i64) -> Value {
    let unsigned = is_unsigned(col);
    match col.column_type() {
        ColumnType::MYSQL_TYPE_TINY => Value::I16(i as i16),
        ColumnType::MYSQL_TYPE_SHORT | ColumnType::MYSQL_TYPE_YEAR if !unsigned => {
            Value::I16(i as i16)
        }
        ColumnType::MYSQL_TYPE_SHORT | ColumnType::MYSQL_TYPE_YEAR => Value::I32(i as i32),
        ColumnType::MYSQL_TYPE_LONG | ColumnType::MYSQL_TYPE_INT24 if !unsigned => {
            Value::I32(i as i32)
        }
        _ => Value::I64(i),
    }
}

fn unsigned_integer(col: &Column, u: u64) -> Result<Value> {
    i64::try_from(u).map(|i| integer(col, i)).map_err(|_| {
        data_error(format!(
            "the unsigned value {u} in column {:?} does not fit in an i64",
            column_name(col)
        ))
    })
}

/// A `DECIMAL` from its exact text: a `Decimal` when it has at most 28
/// significant digits (trailing fractional zeros dropped if needed), the
/// text itself otherwise, so that nothing is rounded behind the caller's back.
fn decimal(text: &str) -> Value {
    if let Ok(d) = Decimal::from_str_exact(text) {
        return Value::Decimal(d);
    }
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        if let Ok(d) = Decimal::from_str_exact(trimmed) {
            return Value::Decimal(d);
        }
    }
    Value::from(text)
}

/// A value of a `DECIMAL` column. Without fractional digits (what `SUM`
/// and other aggregates over integers return) it is an integer when it fits
/// in an i64, which reads as a `Decimal` as well as an `i64`.
fn decimal_column(col: &Column, text: &str) -> Value {
    if col.decimals() == 0 {
        if let Ok(i) = text.parse::<i64>() {
            return Value::I64(i);
        }
    }
    decimal(text)
}

/// Year, month, day, hour, minute, second, microsecond.
type DateParts = (u16, u8, u8, u8, u8, u8, u32);

fn date_value(col: &Column, (y, m, d, h, mi, s, us): DateParts) -> Value {
    let date = NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d));
    let is_date = matches!(
        col.column_type(),
        ColumnType::MYSQL_TYPE_DATE | ColumnType::MYSQL_TYPE_NEWDATE
    );
    match (date, is_date) {
        (Some(date), true) => Value::Date(date),
        (Some(date), false) => {
            match date.and_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us) {
                Some(t) => Value::DateTime(t),
                None => Value::from(format!(
                    "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"
                )),
            }
        }
        // A zero or partial date ("0000-00-00") that chrono cannot hold
        // comes back as the server's text.
        (None, true) => Value::from(format!("{y:04}-{m:02}-{d:02}")),
        (None, false) => Value::from(if us == 0 {
            format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
        } else {
            format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
        }),
    }
}

fn time_value(neg: bool, days: u32, h: u8, m: u8, s: u8, us: u32) -> Value {
    if !neg && days == 0 {
        if let Some(t) = NaiveTime::from_hms_micro_opt(u32::from(h), u32::from(m), u32::from(s), us)
        {
            return Value::Time(t);
        }
    }
    // A duration beyond a time of day (MySQL's TIME runs from -838:59:59
    // to 838:59:59) comes back as the server's text.
    let hours = u64::from(days) * 24 + u64::from(h);
    let sign = if neg { "-" } else { "" };
    Value::from(if us == 0 {
        format!("{sign}{hours:02}:{m:02}:{s:02}")
    } else {
        format!("{sign}{hours:02}:{m:02}:{s:02}.{us:06}")
    })
}

/// Parses text-protocol values (statements the server cannot prepare)
/// by their column type.
fn from_text(col: &Column, bytes: &[u8]) -> Result<Value> {
    let s = std::str::from_utf8(bytes).ok();
    let bad = || {
        data_error(format!(
            "column {:?}: cannot read {:?} as {:?}",
            column_name(col),
            String::from_utf8_lossy(bytes),
            col.column_type()
        ))
    };
    let s_ok = || s.ok_or_else(bad);
    Ok(match col.column_type() {
        ColumnType::MYSQL_TYPE_TINY
        | ColumnType::MYSQL_TYPE_SHORT
        | ColumnType::MYSQL_TYPE_YEAR
        | ColumnType::MYSQL_TYPE_LONG
        | ColumnType::MYSQL_TYPE_INT24
        | ColumnType::MYSQL_TYPE_LONGLONG => {
            let s = s_ok()?;
            match s.parse::<i64>() {
                Ok(i) => integer(col, i),
                Err(_) => unsigned_integer(col, s.parse::<u64>().map_err(|_| bad())?)?,
            }
        }
        ColumnType::MYSQL_TYPE_FLOAT => Value::F32(s_ok()?.parse().map_err(|_| bad())?),
        ColumnType::MYSQL_TYPE_DOUBLE => Value::F64(s_ok()?.parse().map_err(|_| bad())?),
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => {
            decimal_column(col, s_ok()?)
        }
        ColumnType::MYSQL_TYPE_DATE | ColumnType::MYSQL_TYPE_NEWDATE => {
            let s = s_ok()?;
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Value::Date(d),
                Err(_) => Value::from(s),
            }
        }
        ColumnType::MYSQL_TYPE_DATETIME
        | ColumnType::MYSQL_TYPE_DATETIME2
        | ColumnType::MYSQL_TYPE_TIMESTAMP
        | ColumnType::MYSQL_TYPE_TIMESTAMP2 => {
            let s = s_ok()?;
            match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
                Ok(t) => Value::DateTime(t),
                Err(_) => Value::from(s),
            }
        }
        ColumnType::MYSQL_TYPE_TIME | ColumnType::MYSQL_TYPE_TIME2 => {
            let s = s_ok()?;
            match NaiveTime::parse_from_str(s, "%H:%M:%S%.f") {
                Ok(t) => Value::Time(t),
                Err(_) => Value::from(s),
            }
        }
        ColumnType::MYSQL_TYPE_NULL => Value::Null,
        _ => bytes_value(col, bytes)?,
    })
}

/// Strings, blobs, JSON and the like, by column type and character set.
fn bytes_value(col: &Column, bytes: &[u8]) -> Result<Value> {
    Ok(match col.column_type() {
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => {
            decimal_column(col, &text(col, bytes)?)
        }
        // MySQL reports JSON with the binary character set; it is UTF-8 text.
        ColumnType::MYSQL_TYPE_JSON => Value::from(text(col, bytes)?),
        ColumnType::MYSQL_TYPE_BIT => {
            if bytes.len() > 8 {
                Value::Bytes(bytes.to_vec())
            } else {
                let n = bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
                unsigned_integer(col, n)?
            }
        }
        ColumnType::MYSQL_TYPE_GEOMETRY => Value::Bytes(bytes.to_vec()),
        _ if col.character_set() == BINARY_CHARSET => Value::Bytes(bytes.to_vec()),
        _ => Value::from(text(col, bytes)?),
    })
}

/// Whether [`bytes_value`] reads a column's bytes as text.
fn is_text(col: &Column) -> bool {
    match col.column_type() {
        ColumnType::MYSQL_TYPE_DECIMAL
        | ColumnType::MYSQL_TYPE_NEWDECIMAL
        | ColumnType::MYSQL_TYPE_BIT
        | ColumnType::MYSQL_TYPE_GEOMETRY => false,
        // MySQL reports JSON with the binary character set; it is UTF-8 text.
        ColumnType::MYSQL_TYPE_JSON => true,
        _ => col.character_set() != BINARY_CHARSET,
    }
}

/// [`bytes_value`], with text and binary data borrowed from the row.
fn bytes_ref<'b>(col: &Column, bytes: &'b [u8]) -> Result<ValueRef<'b>> {
    if is_text(col) {
        return Ok(ValueRef::Str(text_ref(col, bytes)?));
    }
    Ok(match col.column_type() {
        ColumnType::MYSQL_TYPE_DECIMAL
        | ColumnType::MYSQL_TYPE_NEWDECIMAL
        | ColumnType::MYSQL_TYPE_BIT => bytes_value(col, bytes)?.into(),
        _ => ValueRef::Bytes(bytes),
    })
}

/// Decodes one value of a result row by its column's type.
pub fn decode(col: &Column, v: &MyValue) -> Result<Value> {
    Ok(match v {
        MyValue::NULL => Value::Null,
        MyValue::Int(i) => integer(col, *i),
        MyValue::UInt(u) => unsigned_integer(col, *u)?,
        MyValue::Float(f) => Value::F32(*f),
        MyValue::Double(f) => Value::F64(*f),
        MyValue::Date(y, m, d, h, mi, s, us) => date_value(col, (*y, *m, *d, *h, *mi, *s, *us)),
        MyValue::Time(neg, days, h, m, s, us) => time_value(*neg, *days, *h, *m, *s, *us),
        MyValue::Bytes(b) => from_text(col, b)?,
    })
}

struct MyRow<'r> {
    row: &'r Row,
    /// Whether values arrived as text (the text protocol) rather than binary.
    text_protocol: bool,
}

impl RowAccess for MyRow<'_> {
    fn len(&self) -> usize {
        self.row.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.row.columns_ref().get(idx).map_or("", column_name)
    }

    fn value(&self, idx: usize) -> Result<Value> {
        let (Some(col), Some(v)) = (self.row.columns_ref().get(idx), self.row.as_ref(idx)) else {
            return Err(Error::UnknownColumn {
                source_name: format!("a row of {} columns", self.row.len()),
                column: format!("#{idx}"),
            });
        };
        match v {
            // In the binary protocol, numbers and dates arrive decoded and
            // only strings, blobs, decimals and JSON arrive as bytes.
            MyValue::Bytes(b) if !self.text_protocol => bytes_value(col, b),
            other => decode(col, other),
        }
    }

    #[inline]
    fn value_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        let (Some(col), Some(v)) = (self.row.columns_ref().get(idx), self.row.as_ref(idx)) else {
            return self.value(idx).map(ValueRef::from);
        };
        match v {
            MyValue::NULL => Ok(ValueRef::Null),
            MyValue::Int(i) => Ok(integer(col, *i).into()),
            MyValue::Bytes(b) if !self.text_protocol => bytes_ref(col, b),
            other => decode(col, other).map(ValueRef::from),
        }
    }

    #[inline]
    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        let col = self.row.columns_ref().get(idx)?;
        match self.row.as_ref(idx)? {
            MyValue::NULL => Some(None),
            MyValue::Int(i) => match integer(col, *i) {
                Value::I16(v) => Some(Some(v.into())),
                Value::I32(v) => Some(Some(v.into())),
                Value::I64(v) => Some(Some(v)),
                _ => None,
            },
            _ => None,
        }
    }

    #[inline]
    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        let col = self.row.columns_ref().get(idx)?;
        match self.row.as_ref(idx)? {
            MyValue::NULL => Some(None),
            MyValue::Bytes(b) if !self.text_protocol && is_text(col) => {
                std::str::from_utf8(b).ok().map(Some)
            }
            _ => None,
        }
    }
}

/// An open MySQL or MariaDB connection.
pub struct MySqlConnection {
    conn: Conn,
    broken: bool,
    /// The statements held prepared on the server, the least recently used
    /// closed first. mysql_async's own cache is off: given SQL text it would
    /// parse it for named parameters and hash it at every execution, where a
    /// held statement runs as it is.
    statements: StatementLru<Statement>,
    /// The server's max_allowed_packet, read when a statement first binds
    /// large values.
    max_packet: Option<u64>,
}

impl std::fmt::Debug for MySqlConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlConnection")
            .field("id", &self.conn.id())
            .finish_non_exhaustive()
    }
}

/// A `SET` statement's quoted value (the value was checked by `check_url`
/// to hold no quote).
fn set_sql(variable: &str, value: &str) -> String {
    format!("SET SESSION {variable} = '{value}'")
}

/// Whether a statement is an INSERT or REPLACE, whose generated key is reported.
fn inserts(sql: &str) -> bool {
    let head = sql.trim_start();
    ["INSERT", "REPLACE"].iter().any(|kw| {
        head.get(..kw.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(kw))
    })
}

impl MySqlConnection {
    /// Opens a connection to the server a URL names: user, password, host
    /// (or `socket`), port (3306 by default) and database, then applies the
    /// URL's session settings (`charset`, `sql_mode`, `time_zone`).
    pub async fn open(url: &DatabaseUrl, options: &ConnectOptions) -> Result<Self> {
        let settings = parse_settings(url)?;
        let mut builder = OptsBuilder::default()
            .user(url.username())
            .pass(url.password())
            .db_name(url.database())
            .prefer_socket(false)
            // The connection keeps its own statements (see `Statements`).
            .stmt_cache_size(0);
        builder = match &settings.socket {
            Some(path) => builder.socket(Some(path.as_str())),
            None => builder
                .ip_or_hostname(url.host().unwrap_or("localhost"))
                .tcp_port(url.port().unwrap_or(3306)),
        };
        let timeout = settings.connect_timeout.unwrap_or(options.connect_timeout);
        let failed = |reason: String, code: Option<u16>| {
            let mut err = match code {
                Some(code) => server_error(code, &reason),
                None => Error::database(DbErrorKind::Connection, reason.clone()),
            };
            if let Error::Database(d) = &mut err {
                if d.kind == DbErrorKind::Other {
                    d.kind = DbErrorKind::Connection;
                }
                d.message = format!("cannot connect to {url}: {reason}");
            }
            err
        };
        let conn = match tokio::time::timeout(timeout, Conn::new(builder)).await {
            Err(_) => {
                return Err(failed(
                    format!(
                        "no answer within {:.1} s (connect_timeout)",
                        timeout.as_secs_f64()
                    ),
                    None,
                ))
            }
            Ok(Err(mysql_async::Error::Server(s))) => return Err(failed(s.message, Some(s.code))),
            Ok(Err(e)) => return Err(failed(e.to_string(), None)),
            Ok(Ok(conn)) => conn,
        };
        let mut this = MySqlConnection {
            conn,
            broken: false,
            statements: StatementLru::new(settings.statement_cache_size),
            max_packet: None,
        };
        let mut setup = Vec::new();
        if let Some(cs) = settings.charset {
            setup.push(format!("SET NAMES {cs}"));
        }
        if let Some(mode) = &settings.sql_mode {
            setup.push(set_sql("sql_mode", mode));
        }
        if let Some(zone) = &settings.time_zone {
            setup.push(set_sql("time_zone", zone));
        }
        for sql in &setup {
            this.script(sql).await.map_err(|e| e.with_sql(sql))?;
        }
        Ok(this)
    }

    /// The mysql_async connection underneath, for what Aludel does not cover.
    pub fn raw(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The server's id for this connection (`CONNECTION_ID()`).
    pub fn id(&self) -> u32 {
        self.conn.id()
    }

    /// Notes an error that leaves the connection unusable.
    fn note<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r {
            if e.db_kind() == Some(DbErrorKind::Connection) || self.conn.is_disconnected() {
                self.broken = true;
            }
        }
        r
    }

    fn outcome(&self, sql: &str) -> ExecResult {
        ExecResult {
            rows_affected: self.conn.affected_rows(),
            last_insert_id: if inserts(sql) {
                self.conn
                    .last_insert_id()
                    .and_then(|id| i64::try_from(id).ok())
            } else {
                None
            },
        }
    }

    /// Refuses values the server would not take in one statement, before
    /// sending them: the server would answer by closing the connection.
    async fn check_size(&mut self, params: &Params) -> Result<()> {
        let Params::Positional(values) = params else {
            return Ok(());
        };
        let sizes = values.iter().map(MyValue::bin_len);
        let total: u64 = sizes.clone().sum::<u64>() + 4 * values.len() as u64 + 16;
        if total < SMALL_PACKET {
            return Ok(());
        }
        let max = match self.max_packet {
            Some(m) => m,
            None => {
                let r = self
                    .conn
                    .query_first::<u64, _>("SELECT @@max_allowed_packet")
                    .await
                    .map_err(map_error);
                let m = self.note(r)?.unwrap_or(u64::MAX);
                self.max_packet = Some(m);
                m
            }
        };
        // Up to 16 MiB the values travel in one packet; beyond, each one is
        // sent on its own, and each must fit.
        let largest = sizes.max().unwrap_or(0);
        let (size, what) = if total < MAX_PAYLOAD {
            (total, "the values bound to the statement take")
        } else {
            (largest, "a value bound to the statement takes")
        };
        if size > max {
            return Err(data_error(format!(
                "{what} {size} bytes, more than the server accepts \
                 (max_allowed_packet = {max} bytes)"
            )));
        }
        Ok(())
    }

    async fn script(&mut self, sql: &str) -> Result<()> {
        let r = self.conn.query_drop(sql).await.map_err(map_error);
        self.note(r)
    }

    /// The statement prepared for `sql` and whether it was prepared just
    /// now (this connection held none), or `None` when the server cannot
    /// prepare it (`ER_UNSUPPORTED_PS`, for a statement without
    /// parameters: it then runs through the text protocol).
    async fn prepared(&mut self, sql: &str, params: usize) -> Result<Option<(Statement, bool)>> {
        if let Some(st) = self.statements.get_mut(sql) {
            return Ok(Some((st.clone(), false)));
        }
        match self.conn.prep(sql).await {
            Ok(st) => Ok(Some((st, true))),
            Err(mysql_async::Error::Server(s)) if s.code == ER_UNSUPPORTED_PS && params == 0 => {
                Ok(None)
            }
            Err(e) => self.note(Err(map_error(e))),
        }
    }

    /// Keeps a statement prepared just now, or closes it (or the one it
    /// displaces) on the server.
    async fn keep(&mut self, sql: &str, st: Statement, fresh: bool) -> Result<()> {
        if !fresh {
            return Ok(());
        }
        if let Some(old) = self.statements.insert(sql, st) {
            let r = self.conn.close(old).await.map_err(map_error);
            self.note(r)?;
        }
        Ok(())
    }

    async fn execute_inner(&mut self, sql: &str, params: &[Value]) -> Result<ExecResult> {
        if params.is_empty() {
            let r = async {
                let result = self.conn.query_iter(sql).await?;
                result.drop_result().await
            }
            .await
            .map_err(map_error);
            self.note(r)?;
        } else {
            let bound = to_params(params)?;
            self.check_size(&bound).await?;
            let Some((st, fresh)) = self.prepared(sql, params.len()).await? else {
                return Err(data_error(format!(
                    "the server cannot prepare this statement: {sql}"
                )));
            };
            let r = async {
                let result = self.conn.exec_iter(&st, bound).await?;
                result.drop_result().await
            }
            .await
            .map_err(map_error);
            let r = self.note(r);
            let kept = self.keep(sql, st, fresh).await;
            r?;
            kept?;
        }
        Ok(self.outcome(sql))
    }

    async fn query_inner(
        &mut self,
        sql: &str,
        params: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<ExecResult> {
        let bound = to_params(params)?;
        self.check_size(&bound).await?;
        let st = self.prepared(sql, params.len()).await?;
        let mut failure: Option<Error> = None;
        let r = async {
            match &st {
                Some((st, _)) => {
                    let mut result = self.conn.exec_iter(st, bound).await?;
                    result
                        .for_each(|row| feed(sink, &mut failure, &row, false))
                        .await?;
                    result.drop_result().await?;
                }
                None => {
                    let mut result = self.conn.query_iter(sql).await?;
                    result
                        .for_each(|row| feed(sink, &mut failure, &row, true))
                        .await?;
                    result.drop_result().await?;
                }
            }
            Ok(())
        }
        .await
        .map_err(map_error);
        let r = self.note(r);
        let kept = match st {
            Some((st, fresh)) => self.keep(sql, st, fresh).await,
            None => Ok(()),
        };
        r?;
        kept?;
        match failure {
            Some(e) => Err(e),
            None => Ok(self.outcome(sql)),
        }
    }

    async fn execute_many_inner(&mut self, sql: &str, sets: &[Vec<Value>]) -> Result<ExecResult> {
        let mut total = ExecResult::default();
        if sets.is_empty() {
            return Ok(total);
        }
        let params = sets.first().map_or(0, Vec::len);
        let Some((st, fresh)) = self.prepared(sql, params).await? else {
            return Err(data_error(format!(
                "the server cannot prepare this statement: {sql}"
            )));
        };
        let mut outcome = Ok(());
        for params in sets {
            let bound = match to_params(params) {
                Ok(b) => b,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            if let Err(e) = self.check_size(&bound).await {
                outcome = Err(e);
                break;
            }
            let r = async {
                let result = self.conn.exec_iter(&st, bound).await?;
                result.drop_result().await
            }
            .await
            .map_err(map_error);
            if let Err(e) = self.note(r) {
                outcome = Err(e);
                break;
            }
            let one = self.outcome(sql);
            total.rows_affected += one.rows_affected;
            total.last_insert_id = one.last_insert_id.or(total.last_insert_id);
        }
        let kept = self.keep(sql, st, fresh).await;
        outcome?;
        kept?;
        Ok(total)
    }
}

/// Gives `row` to `sink` unless an earlier row failed, keeping the first
/// failure (mysql_async reads the rest of the result either way).
fn feed(sink: &mut dyn RowSink, failure: &mut Option<Error>, row: &Row, text_protocol: bool) {
    if failure.is_none() {
        if let Err(e) = sink.row(&MyRow { row, text_protocol }) {
            *failure = Some(e);
        }
    }
}

impl DriverConnection for MySqlConnection {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(self.execute_inner(sql, params))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
        sink: &'a mut dyn RowSink,
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(self.query_inner(sql, params, sink))
    }

    fn execute_many<'a>(
        &'a mut self,
        sql: &'a str,
        sets: &'a [Vec<Value>],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(self.execute_many_inner(sql, sets))
    }

    fn execute_script<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.script(sql))
    }

    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let r = self.conn.ping().await.map_err(map_error);
            let r = match r {
                // Any failure of a ping means the connection cannot be trusted.
                Err(Error::Database(mut d)) => {
                    d.kind = DbErrorKind::Connection;
                    Err(Error::Database(d))
                }
                other => other,
            };
            self.note(r)
        })
    }

    fn is_broken(&self) -> bool {
        self.broken || self.conn.is_disconnected()
    }

    fn cached_statements(&self) -> usize {
        self.statements.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    #[test]
    fn constraint_names_from_server_messages() {
        let cases: &[(u16, &str, Option<&str>)] = &[
            (1062, "Duplicate entry 'a' for key 'name'", Some("name")),
            (
                1062,
                "Duplicate entry 'O'Brien for key ' x' for key 'kids.uq_kids_name'",
                Some("uq_kids_name"),
            ),
            (
                1062,
                "Duplicate entry '1' for key 'PRIMARY'",
                Some("PRIMARY"),
            ),
            (
                1452,
                "Cannot add or update a child row: a foreign key constraint fails \
                 (`db`.`kids`, CONSTRAINT `kids_ibfk_1` FOREIGN KEY (`parent_id`) \
                 REFERENCES `parents` (`id`))",
                Some("kids_ibfk_1"),
            ),
            (1048, "Column 'name' cannot be null", Some("name")),
            (
                1364,
                "Field 'name' doesn't have a default value",
                Some("name"),
            ),
            (
                3819,
                "Check constraint 'age_positive' is violated.",
                Some("age_positive"),
            ),
            (
                4025,
                "CONSTRAINT `age_positive` failed for `db`.`kids`",
                Some("age_positive"),
            ),
            (1217, "Cannot delete or update a parent row", None),
        ];
        for (code, message, want) in cases {
            assert_eq!(
                constraint_name(*code, message).as_deref(),
                *want,
                "{message}"
            );
        }
    }

    #[test]
    fn error_numbers_map_to_kinds() {
        for (code, kind) in [
            (1062, DbErrorKind::UniqueViolation),
            (1451, DbErrorKind::ForeignKeyViolation),
            (1452, DbErrorKind::ForeignKeyViolation),
            (1048, DbErrorKind::NotNullViolation),
            (3819, DbErrorKind::CheckViolation),
            (4025, DbErrorKind::CheckViolation),
            (1205, DbErrorKind::Timeout),
            (1213, DbErrorKind::Serialization),
            (1064, DbErrorKind::Syntax),
            (1146, DbErrorKind::Syntax),
            (1054, DbErrorKind::Syntax),
            (1406, DbErrorKind::Data),
            (1264, DbErrorKind::Data),
            (1366, DbErrorKind::Data),
            (1045, DbErrorKind::Connection),
            (1049, DbErrorKind::Connection),
            (2002, DbErrorKind::Connection),
            (2003, DbErrorKind::Connection),
            (2006, DbErrorKind::Connection),
            (2013, DbErrorKind::Connection),
            (1927, DbErrorKind::Connection),
            (1234, DbErrorKind::Other),
        ] {
            assert_eq!(error_kind(code), kind, "{code}");
        }
        let Error::Database(d) = server_error(1062, "Duplicate entry 'x' for key 'email'") else {
            panic!()
        };
        assert_eq!(d.code.as_deref(), Some("1062"));
        assert_eq!(d.constraint.as_deref(), Some("email"));
    }

    #[test]
    fn options_are_checked() {
        let url = |s: &str| DatabaseUrl::parse(s).unwrap();
        assert!(check_url(&url("mysql://u:pw@h/db?charset=utf8mb4&sql_mode=ANSI_QUOTES,STRICT_ALL_TABLES&connect_timeout=2.5&ssl_mode=DISABLED&time_zone=%2B00:00&statement_cache_size=10")).is_ok());
        assert!(check_url(&url("mysql://u:pw@h/db?sql_mode=")).is_ok());
        for (bad, says) in [
            ("mysql://u:hunter2@h/db?bogus=1", "\"bogus\""),
            ("mysql://u:hunter2@h/db?charset=latin1", "charset"),
            ("mysql://u:hunter2@h/db?sql_mode=ANSI'", "sql_mode"),
            (
                "mysql://u:hunter2@h/db?sql_mode=NO_BACKSLASH_ESCAPES",
                "NO_BACKSLASH_ESCAPES",
            ),
            (
                "mysql://u:hunter2@h/db?connect_timeout=soon",
                "connect_timeout",
            ),
            ("mysql://u:hunter2@h/db?ssl_mode=required", "TLS"),
            ("mysql://u:hunter2@h/db?ssl=true", "TLS"),
            ("mysql://u:hunter2@h/db?ssl-mode=sometimes", "ssl-mode"),
            ("mysql://u:hunter2@h/db?time_zone=x'y", "time_zone"),
            ("mysql://u:hunter2@h/db?socket=", "socket"),
            (
                "mysql://u:hunter2@h/db?statement_cache_size=-1",
                "statement_cache_size",
            ),
        ] {
            let err = check_url(&url(bad)).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {msg}");
            assert!(msg.contains(says), "{bad}: {msg}");
            assert!(!msg.contains("hunter2"), "{msg}");
        }
    }

    #[test]
    fn decimals_beyond_28_digits_stay_text() {
        assert_eq!(
            decimal("12345.670000000000000000"),
            Value::Decimal(Decimal::from_str("12345.670000000000000000").unwrap())
        );
        assert_eq!(
            decimal("9223372036854775807.000000000000000000"),
            Value::Decimal(Decimal::from(i64::MAX))
        );
        assert_eq!(
            decimal("123456789012345678901234567890.5"),
            Value::String("123456789012345678901234567890.5".into())
        );
    }

    fn col(ty: ColumnType) -> Column {
        Column::new(ty).with_name(b"c").with_character_set(45)
    }

    #[test]
    fn text_protocol_values_decode_by_column_type() {
        let t = |c: Column, s: &str| decode(&c, &MyValue::Bytes(s.as_bytes().to_vec())).unwrap();
        let unsigned = |ty| col(ty).with_flags(ColumnFlags::UNSIGNED_FLAG);
        assert_eq!(t(col(ColumnType::MYSQL_TYPE_TINY), "-5"), Value::I16(-5));
        assert_eq!(t(col(ColumnType::MYSQL_TYPE_LONG), "7"), Value::I32(7));
        assert_eq!(
            t(unsigned(ColumnType::MYSQL_TYPE_LONG), "4294967295"),
            Value::I64(4_294_967_295)
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_LONGLONG), "-9223372036854775808"),
            Value::I64(i64::MIN)
        );
        let big = decode(
            &unsigned(ColumnType::MYSQL_TYPE_LONGLONG),
            &MyValue::Bytes(b"18446744073709551615".to_vec()),
        )
        .unwrap_err();
        assert_eq!(big.db_kind(), Some(DbErrorKind::Data));
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_DOUBLE), "2.5"),
            Value::F64(2.5)
        );
        assert_eq!(t(col(ColumnType::MYSQL_TYPE_FLOAT), "0.5"), Value::F32(0.5));
        assert_eq!(
            t(
                col(ColumnType::MYSQL_TYPE_NEWDECIMAL).with_decimals(2),
                "1.50"
            ),
            Value::Decimal(Decimal::from_str("1.50").unwrap())
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_NEWDECIMAL), "42"),
            Value::I64(42)
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_DATE), "2024-02-29"),
            Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_DATE), "0000-00-00"),
            Value::String("0000-00-00".into())
        );
        assert_eq!(
            t(
                col(ColumnType::MYSQL_TYPE_DATETIME),
                "2024-02-29 01:02:03.000004"
            ),
            Value::DateTime(
                NaiveDate::from_ymd_opt(2024, 2, 29)
                    .unwrap()
                    .and_hms_micro_opt(1, 2, 3, 4)
                    .unwrap()
            )
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_TIME), "23:59:59"),
            Value::Time(NaiveTime::from_hms_opt(23, 59, 59).unwrap())
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_TIME), "-838:59:59"),
            Value::String("-838:59:59".into())
        );
        assert_eq!(
            t(col(ColumnType::MYSQL_TYPE_VAR_STRING), "héllo"),
            Value::String("héllo".into())
        );
        assert_eq!(
            t(
                col(ColumnType::MYSQL_TYPE_BLOB).with_character_set(BINARY_CHARSET),
                "ab"
            ),
            Value::Bytes(b"ab".to_vec())
        );
        assert_eq!(
            t(
                col(ColumnType::MYSQL_TYPE_JSON).with_character_set(BINARY_CHARSET),
                "{}"
            ),
            Value::String("{}".into())
        );
        assert_eq!(
            decode(&col(ColumnType::MYSQL_TYPE_LONG), &MyValue::NULL).unwrap(),
            Value::Null
        );
        // Text that is not UTF-8 in a text column is a data error, not a panic.
        let err = decode(
            &col(ColumnType::MYSQL_TYPE_VAR_STRING),
            &MyValue::Bytes(vec![0xff, 0xfe]),
        )
        .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data));
    }

    #[test]
    fn binary_protocol_dates_and_times() {
        let dt = decode(
            &col(ColumnType::MYSQL_TYPE_DATETIME),
            &MyValue::Date(2024, 1, 2, 3, 4, 5, 6),
        )
        .unwrap();
        assert_eq!(
            dt,
            Value::DateTime(
                NaiveDate::from_ymd_opt(2024, 1, 2)
                    .unwrap()
                    .and_hms_micro_opt(3, 4, 5, 6)
                    .unwrap()
            )
        );
        let zero = decode(
            &col(ColumnType::MYSQL_TYPE_DATETIME),
            &MyValue::Date(0, 0, 0, 0, 0, 0, 0),
        )
        .unwrap();
        assert_eq!(zero, Value::String("0000-00-00 00:00:00".into()));
        let long = decode(
            &col(ColumnType::MYSQL_TYPE_TIME),
            &MyValue::Time(true, 1, 2, 3, 4, 500_000),
        )
        .unwrap();
        assert_eq!(long, Value::String("-26:03:04.500000".into()));
    }

    #[test]
    fn binding_converts_to_utc_and_hex() {
        let t = chrono::FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2024, 1, 1, 0, 30, 0)
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            to_mysql(&Value::DateTimeTz(t)).unwrap(),
            MyValue::Date(2023, 12, 31, 23, 30, 0, 0)
        );
        assert_eq!(
            to_mysql(&Value::Uuid(uuid::Uuid::from_u128(0xab))).unwrap(),
            MyValue::Bytes(b"000000000000000000000000000000ab".to_vec())
        );
        assert_eq!(to_mysql(&Value::Bool(true)).unwrap(), MyValue::Int(1));
        assert_eq!(
            to_mysql(&Value::Decimal(Decimal::from_str("-0.10").unwrap())).unwrap(),
            MyValue::Bytes(b"-0.10".to_vec())
        );
        let bc = NaiveDate::from_ymd_opt(-1, 1, 1).unwrap();
        assert_eq!(
            to_mysql(&Value::Date(bc)).unwrap_err().db_kind(),
            Some(DbErrorKind::Data)
        );
    }

    #[test]
    fn arrays_and_non_finite_floats_are_data_errors() {
        for v in [
            Value::Array(vec![Value::I32(1)]),
            Value::F64(f64::NAN),
            Value::F32(f32::INFINITY),
        ] {
            assert_eq!(to_mysql(&v).unwrap_err().db_kind(), Some(DbErrorKind::Data));
        }
    }
}
