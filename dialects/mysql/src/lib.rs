//! # aludel-mysql
//!
//! The MySQL (8.0) and MariaDB (10.11 and later) dialects for Aludel:
//! backtick quoting, `ON DUPLICATE KEY UPDATE` upserts, `AUTO_INCREMENT`,
//! inline `ENUM`, multi-table UPDATE and DELETE, emulated `NULLS FIRST/LAST`,
//! and string literals escaped for the default `sql_mode` (where backslash
//! escapes). MariaDB differs in having `INSERT/DELETE ... RETURNING` and
//! `IF [NOT] EXISTS` on indexes, and in lacking `LATERAL`. Connections run
//! on mysql_async, without TLS.
//!
//! Linking this crate registers `mysql` and `mariadb`: both connect the
//! same way and differ only in the SQL they generate, so pick the scheme
//! of the server you run.
//!
//! # URLs
//!
//! `mysql://user:password@host:port/database?option=value&...` (and the
//! same with `mariadb://`; a `+driver` suffix such as `mysql+pymysql://` is
//! ignored). The host defaults to `localhost`, the port to 3306; without
//! a database the session has no default schema. User, password and
//! database are percent-decoded, and the password appears in no error,
//! log line or `Debug` output.
//!
//! Options (anything else is an error naming it):
//!
//! | option | meaning |
//! | --- | --- |
//! | `socket` (or `unix_socket`) | connect through this Unix socket instead of TCP |
//! | `connect_timeout` | seconds to wait for the server (default: the engine's `ConnectOptions`, 30 s) |
//! | `charset` | `utf8mb4` (the default), `utf8mb3` or `utf8`; text is always decoded as UTF-8 |
//! | `sql_mode` | a comma-separated list set with `SET SESSION sql_mode` on every new connection (`sql_mode=` clears it); `NO_BACKSLASH_ESCAPES` is refused, since the dialect's literals escape backslashes |
//! | `time_zone` | the session's `time_zone` (`+00:00`, `SYSTEM`, a named zone), which `TIMESTAMP` columns and `NOW()` follow |
//! | `statement_cache_size` | prepared statements kept per connection (default 256) |
//! | `ssl_mode` (or `ssl-mode`), `ssl` | only `disabled` / `false`: TLS is not supported, and asking for it is an error rather than a silent plaintext connection |
//!
//! # Statements
//!
//! Statements with bound values, and all statements that return rows, run
//! as server-side prepared statements (the binary protocol), which each
//! connection keeps in a cache keyed by SQL text; a statement the server
//! cannot prepare (error 1295) is retried through the text protocol.
//! Statements without values that return no rows (DDL, transaction
//! control) use the text protocol, one round trip. Rows reach `for_each`
//! one at a time as they arrive; nothing buffers the whole result.
//! Values too large for the server's `max_allowed_packet` are refused
//! before they are sent (the server would drop the connection).
//!
//! `rows_affected` is MySQL's count of *changed* rows: an UPDATE that sets
//! a column to the value it has counts 0, and `ON DUPLICATE KEY UPDATE`
//! counts 1 for an insert, 2 for an update and 0 for a row left alone.
//! `last_insert_id` is reported for INSERT and REPLACE (the first key of a
//! multi-row INSERT). Beware that inserting 0 into an `AUTO_INCREMENT`
//! column asks for a generated key unless `sql_mode` has
//! `NO_AUTO_VALUE_ON_ZERO`.
//!
//! Transactions begin with `START TRANSACTION`; a transaction with its own
//! isolation level with `SET TRANSACTION ISOLATION LEVEL ...; START
//! TRANSACTION` (the level applies to that transaction alone), and
//! `EngineOptions::isolation_level` / `Connection::set_isolation_level` run
//! `SET SESSION TRANSACTION ISOLATION LEVEL ...`. DDL commits implicitly on
//! both servers.
//!
//! # Values
//!
//! | Aludel | bound as | column type (DDL) | read back as |
//! | --- | --- | --- | --- |
//! | `Bool` | integer 0 / 1 | `BOOL` (TINYINT(1)) | `I16`, which reads as `bool` |
//! | `I16`, `I32`, `I64` | integer | `SMALLINT`, `INTEGER`, `BIGINT` | by width: TINYINT and SMALLINT as `I16`, MEDIUMINT and INT as `I32`, BIGINT as `I64`; unsigned types one size up; a BIGINT UNSIGNED above `i64::MAX` is a `Data` error |
//! | `F32`, `F64` | FLOAT, DOUBLE (NaN and infinities are `Data` errors) | `FLOAT`, `DOUBLE` | `F32`, `F64` |
//! | `Decimal` | its exact text | `NUMERIC(p, s)` | `Decimal`, exact; with no fractional digits (as `SUM` of integers) an `I64` when it fits, which reads as `Decimal` or `i64`; more than 28 significant digits (rust_decimal's limit) come back as the exact text, a `String` |
//! | `String` | text | `VARCHAR(n)`, `TEXT` (65,535 bytes) | `String` (columns with a text character set) |
//! | `Bytes` | bytes | `BLOB` (65,535 bytes, as SQLAlchemy; declare `SqlType::Custom("LONGBLOB")` for more) | `Bytes` (columns with the binary character set) |
//! | `Date` | DATE | `DATE` | `Date` |
//! | `Time` | TIME | `TIME` | `Time`; a TIME outside 00:00–24:00 comes back as its text |
//! | `DateTime` | DATETIME | `DATETIME` | `DateTime` (DATETIME and TIMESTAMP); a zero date comes back as its text |
//! | `DateTimeTz` | its UTC wall time, as DATETIME | `DATETIME` | `DateTime`, which reads as `DateTime<Utc>` |
//! | `Uuid` | 32 hex digits | `CHAR(32)` (SQLAlchemy's) | `String`, which reads as `Uuid` |
//! | `Json` | its text | `JSON` (MariaDB: LONGTEXT with a validity check) | `String`, which reads as `serde_json::Value` |
//! | `Enum` | text | inline `ENUM('a', 'b')` | `String` |
//! | `Null` | NULL | | `Null` |
//! | `Array` | a `Data` error: MySQL has no arrays | | |
//!
//! Fractional seconds: the DDL spells `SqlType::Time` and `SqlType::DateTime`
//! `TIME` and `DATETIME`, as SQLAlchemy does, and those hold whole seconds:
//! the server rounds a fraction away. Declare `SqlType::Custom("DATETIME(6)")`
//! or `"TIME(6)"` to keep microseconds. Values are bound with microsecond
//! precision; nanoseconds are truncated.
//!
//! # sql_mode
//!
//! The SQL the dialects generate is valid with and without `ANSI_QUOTES`
//! (identifiers are quoted with backticks, never double quotes), with
//! `PIPES_AS_CONCAT` or not (concatenation is `concat()`), and in strict
//! and non-strict modes (literals are single-quoted with quotes doubled
//! and backslashes escaped). Strict mode decides whether a value too long
//! or out of range is a `Data` error or a warning and a truncated value.
//!
//! # Errors
//!
//! Server error numbers map to [`DbErrorKind`](aludel_core::DbErrorKind)s, the
//! number kept as the error's `code`: 1062 (duplicate key) is a unique
//! violation naming the key, 1451/1452 foreign key violations naming the
//! constraint, 1048 and 1364 not-null violations naming the column,
//! 3819 (MySQL) and 4025 (MariaDB) check violations naming the constraint;
//! 1205 (lock wait) is `Timeout`, 1213 (deadlock) `Serialization`; parse
//! errors and unknown tables or columns are `Syntax`; values that do not
//! fit are `Data`; access denied, unknown database, lost or killed
//! connections and I/O failures are `Connection`, after which the pool
//! closes the connection instead of reusing it.
//!
//! A connection belongs to the tokio runtime that opened it (its socket is
//! registered there): share an engine between runtimes only if each one
//! keeps running while connections it opened are in use.

mod driver;
mod reflect;

pub use driver::{map_error, MySqlConnection, DEFAULT_STATEMENT_CACHE_SIZE};
pub use reflect::MySqlReflect;

use aludel_core::dialect::*;
use aludel_core::engine::{
    BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection, IsolationLevel,
};
use aludel_core::{Error, Result, SqlType};

/// The MySQL 8 dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

/// The MariaDB dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDbDialect;

/// What MySQL 8.0.31 or later can do.
pub static MYSQL_CAPABILITIES: Capabilities = Capabilities {
    insert_returning: false,
    update_returning: false,
    delete_returning: false,
    upsert: UpsertStyle::OnDuplicateKey,
    ilike: false,
    nulls_ordering: false,
    full_outer_join: false,
    lateral: true,
    distinct_on: false,
    for_update: true,
    for_share: Some("FOR SHARE"),
    nowait: true,
    skip_locked: true,
    window_functions: true,
    intersect_except: true,
    multi_row_insert: true,
    update_from: UpdateFromStyle::MultiTable,
    delete_using: DeleteUsingStyle::MultiTable,
    distinct_from: DistinctFromStyle::NullSafeEq,
    concat: ConcatStyle::Function,
    offset: OffsetStyle::LimitMax,
    bool_literals: true,
    default_values: false,
    char_length_function: "char_length",
    autoincrement: AutoIncrementStyle::AutoIncrement,
    enums: EnumStyle::Inline,
    arrays: false,
    comments: CommentStyle::Inline,
    alter_add_constraint: true,
    drop_foreign_key_keyword: "FOREIGN KEY",
    index_if_exists: false,
    alter_if_exists: false,
    alter_column: aludel_core::dialect::AlterColumnStyle::Modify,
    drop_index_on_table: true,
    savepoints: true,
    transactional_ddl: false,
    table_rebuild: None,
    max_bind_params: 65535,
    max_identifier_length: 64,
    backslash_escapes: true,
};

/// What MariaDB 10.11 or later can do.
pub static MARIADB_CAPABILITIES: Capabilities = Capabilities {
    insert_returning: true,
    delete_returning: true,
    lateral: false,
    for_share: Some("LOCK IN SHARE MODE"),
    index_if_exists: true,
    alter_if_exists: true,
    alter_column: aludel_core::dialect::AlterColumnStyle::Modify,
    ..MYSQL_CAPABILITIES
};

/// MySQL's and MariaDB's type spellings (SQLAlchemy's), and the narrower
/// set of types `CAST` accepts.
fn mysql_type_sql(
    dialect: &'static str,
    caps: &Capabilities,
    ty: &SqlType,
    ctx: TypeContext,
) -> Result<String> {
    if ctx == TypeContext::Cast {
        return Ok(match ty {
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt | SqlType::Boolean => {
                "SIGNED".into()
            }
            SqlType::String(_) | SqlType::Text | SqlType::Enum(_) | SqlType::Uuid => "CHAR".into(),
            SqlType::Float | SqlType::Double => "DOUBLE".into(),
            SqlType::Bytes => "BINARY".into(),
            SqlType::DateTimeTz => "DATETIME".into(),
            SqlType::Numeric { .. } => {
                generic_type_sql(dialect, caps, ty, ctx)?.replace("NUMERIC", "DECIMAL")
            }
            other => mysql_type_sql(dialect, caps, other, TypeContext::Ddl)?,
        });
    }
    Ok(match ty {
        SqlType::Boolean => "BOOL".into(),
        SqlType::Float => "FLOAT".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::String(None) => {
            return Err(Error::Unsupported {
                feature: "VARCHAR without a length",
                dialect,
            })
        }
        SqlType::JsonB => "JSON".into(),
        other => generic_type_sql(dialect, caps, other, ctx)?,
    })
}

/// The words MySQL 8 or MariaDB reserve (both, so that one identifier is
/// spelled the same way on either), sorted, lower case. Core's list, the
/// union over the shipped databases, is consulted as well.
pub const RESERVED_WORDS: &[&str] = &[
    "accessible",
    "add",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "asensitive",
    "before",
    "between",
    "bigint",
    "binary",
    "blob",
    "both",
    "by",
    "call",
    "cascade",
    "case",
    "change",
    "char",
    "character",
    "check",
    "collate",
    "column",
    "condition",
    "constraint",
    "continue",
    "convert",
    "create",
    "cross",
    "cube",
    "cume_dist",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "database",
    "databases",
    "day_hour",
    "day_microsecond",
    "day_minute",
    "day_second",
    "dec",
    "decimal",
    "declare",
    "default",
    "delayed",
    "delete",
    "delete_domain_id",
    "dense_rank",
    "desc",
    "describe",
    "deterministic",
    "distinct",
    "distinctrow",
    "div",
    "do_domain_ids",
    "double",
    "drop",
    "dual",
    "each",
    "else",
    "elseif",
    "empty",
    "enclosed",
    "escaped",
    "except",
    "exists",
    "exit",
    "explain",
    "false",
    "fetch",
    "first_value",
    "float",
    "float4",
    "float8",
    "for",
    "force",
    "foreign",
    "from",
    "fulltext",
    "function",
    "general",
    "generated",
    "get",
    "grant",
    "group",
    "grouping",
    "groups",
    "having",
    "high_priority",
    "hour_microsecond",
    "hour_minute",
    "hour_second",
    "if",
    "ignore",
    "ignore_domain_ids",
    "ignore_server_ids",
    "in",
    "index",
    "infile",
    "inner",
    "inout",
    "insensitive",
    "insert",
    "int",
    "int1",
    "int2",
    "int3",
    "int4",
    "int8",
    "integer",
    "intersect",
    "interval",
    "into",
    "io_after_gtids",
    "io_before_gtids",
    "is",
    "iterate",
    "join",
    "json_table",
    "key",
    "keys",
    "kill",
    "lag",
    "last_value",
    "lateral",
    "lead",
    "leading",
    "leave",
    "left",
    "library",
    "like",
    "limit",
    "linear",
    "lines",
    "load",
    "localtime",
    "localtimestamp",
    "lock",
    "long",
    "longblob",
    "longtext",
    "loop",
    "low_priority",
    "manual",
    "master_bind",
    "master_heartbeat_period",
    "master_ssl_verify_server_cert",
    "match",
    "maxvalue",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "middleint",
    "minute_microsecond",
    "minute_second",
    "mod",
    "modifies",
    "natural",
    "no_write_to_binlog",
    "not",
    "nth_value",
    "ntile",
    "null",
    "numeric",
    "of",
    "offset",
    "on",
    "optimize",
    "optimizer_costs",
    "option",
    "optionally",
    "or",
    "order",
    "out",
    "outer",
    "outfile",
    "over",
    "page_checksum",
    "parallel",
    "parse_vcol_expr",
    "partition",
    "percent_rank",
    "position",
    "precision",
    "primary",
    "procedure",
    "purge",
    "qualify",
    "range",
    "rank",
    "read",
    "read_write",
    "reads",
    "real",
    "recursive",
    "ref_system_id",
    "references",
    "regexp",
    "release",
    "rename",
    "repeat",
    "replace",
    "require",
    "resignal",
    "restrict",
    "return",
    "returning",
    "revoke",
    "right",
    "rlike",
    "row",
    "row_number",
    "rownum",
    "rows",
    "schema",
    "schemas",
    "second_microsecond",
    "select",
    "sensitive",
    "separator",
    "set",
    "show",
    "signal",
    "slow",
    "smallint",
    "spatial",
    "specific",
    "sql",
    "sql_big_result",
    "sql_calc_found_rows",
    "sql_small_result",
    "sqlexception",
    "sqlstate",
    "sqlwarning",
    "ssl",
    "starting",
    "stats_auto_recalc",
    "stats_persistent",
    "stats_sample_pages",
    "stored",
    "straight_join",
    "system",
    "table",
    "tablesample",
    "terminated",
    "then",
    "tinyblob",
    "tinyint",
    "tinytext",
    "to",
    "trailing",
    "trigger",
    "true",
    "undo",
    "union",
    "unique",
    "unlock",
    "unsigned",
    "update",
    "usage",
    "use",
    "using",
    "utc_date",
    "utc_time",
    "utc_timestamp",
    "values",
    "varbinary",
    "varchar",
    "varcharacter",
    "varying",
    "virtual",
    "when",
    "where",
    "while",
    "window",
    "with",
    "write",
    "xor",
    "year_month",
    "zerofill",
];

/// MySQL's and MariaDB's reserved words and core's, in one hash set built
/// on first use: identifiers are checked on every compile, so this is hot.
fn is_reserved_word(word: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        RESERVED_WORDS
            .iter()
            .chain(aludel_core::keywords::RESERVED)
            .copied()
            .collect()
    });
    // No reserved word is longer than 32 bytes.
    word.len() <= 32 && set.contains(word)
}

/// The connection hooks both dialects share.
fn connect<'a>(
    url: &'a DatabaseUrl,
    options: &'a ConnectOptions,
) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
    Box::pin(async move {
        MySqlConnection::open(url, options)
            .await
            .map(|c| Box::new(c) as Box<dyn DriverConnection>)
    })
}

fn begin_sql(isolation: Option<IsolationLevel>) -> String {
    match isolation {
        None => "START TRANSACTION".into(),
        // SET TRANSACTION without SESSION applies to the next transaction only.
        Some(level) => format!(
            "SET TRANSACTION ISOLATION LEVEL {}; START TRANSACTION",
            level.as_sql()
        ),
    }
}

fn session_isolation_sql(level: IsolationLevel) -> String {
    format!("SET SESSION TRANSACTION ISOLATION LEVEL {}", level.as_sql())
}

macro_rules! connection_hooks {
    () => {
        fn reflection(&self) -> Option<&'static dyn aludel_core::reflect::Reflect> {
            Some(&MySqlReflect)
        }
        fn check_url(&self, url: &DatabaseUrl) -> Result<()> {
            driver::check_url(url)
        }
        fn connect<'a>(
            &'a self,
            url: &'a DatabaseUrl,
            options: &'a ConnectOptions,
        ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
            connect(url, options)
        }
        fn begin_sql(&self, isolation: Option<IsolationLevel>) -> Result<String> {
            Ok(begin_sql(isolation))
        }
        fn session_isolation_sql(&self, level: IsolationLevel) -> Result<String> {
            Ok(session_isolation_sql(level))
        }
        fn migration_lock_sql(&self) -> Option<(String, String)> {
            // Waits up to an hour for another runner to finish.
            Some((
                "SELECT GET_LOCK('aludel_migrate', 3600)".into(),
                "SELECT RELEASE_LOCK('aludel_migrate')".into(),
            ))
        }
    };
}

impl Dialect for MySqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }
    fn url_schemes(&self) -> &'static [&'static str] {
        &["mysql"]
    }
    fn capabilities(&self) -> &'static Capabilities {
        &MYSQL_CAPABILITIES
    }
    fn identifier_quote(&self) -> char {
        '`'
    }
    fn is_reserved_word(&self, word: &str) -> bool {
        is_reserved_word(word)
    }
    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        mysql_type_sql(self.name(), &MYSQL_CAPABILITIES, ty, ctx)
    }
    connection_hooks!();
}

impl Dialect for MariaDbDialect {
    fn name(&self) -> &'static str {
        "mariadb"
    }
    fn url_schemes(&self) -> &'static [&'static str] {
        &["mariadb"]
    }
    fn capabilities(&self) -> &'static Capabilities {
        &MARIADB_CAPABILITIES
    }
    fn identifier_quote(&self) -> char {
        '`'
    }
    fn is_reserved_word(&self, word: &str) -> bool {
        is_reserved_word(word)
    }
    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        mysql_type_sql(self.name(), &MARIADB_CAPABILITIES, ty, ctx)
    }
    connection_hooks!();
}

aludel_core::register_dialect!(MYSQL_DIALECT, MySqlDialect);
aludel_core::register_dialect!(MARIADB_DIALECT, MariaDbDialect);

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_words_are_sorted_and_quoted() {
        assert!(super::RESERVED_WORDS.windows(2).all(|w| w[0] < w[1]));
        let d = aludel_core::dialect_for_url("mysql://x").unwrap();
        for w in ["blob", "key", "rank", "returning", "order"] {
            assert!(d.is_reserved_word(w), "{w}");
        }
        assert!(!d.is_reserved_word("name"));
    }

    #[test]
    fn both_registered() {
        assert_eq!(
            aludel_core::dialect_for_url("mysql://root@localhost/db")
                .unwrap()
                .name(),
            "mysql"
        );
        assert_eq!(
            aludel_core::dialect_for_url("mariadb://x").unwrap().name(),
            "mariadb"
        );
        assert_eq!(
            aludel_core::dialect_for_url("mysql+async://x")
                .unwrap()
                .name(),
            "mysql"
        );
    }
}
