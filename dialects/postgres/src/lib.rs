//! # aludel-postgres
//!
//! The PostgreSQL dialect for Aludel: `$n` placeholders, `ON CONFLICT`
//! upserts, `RETURNING`, `SERIAL` keys, named enum types, arrays,
//! `DISTINCT ON`, `LATERAL`, row locks, and SQLAlchemy's type spellings;
//! and connections on [tokio-postgres](https://docs.rs/tokio-postgres),
//! encrypted on request by rustls (see [TLS](#tls)).
//!
//! Linking this crate registers the dialect under the URL schemes
//! `postgresql` and `postgres` (a `+driver` suffix is ignored).
//!
//! ```no_run
//! # async fn demo() -> aludel_core::Result<()> {
//! use aludel_postgres as _;
//! let engine = aludel_core::create_engine("postgresql://app:secret@127.0.0.1:5432/appdb")?;
//! let mut conn = engine.connect().await?;
//! let n: Option<i32> = conn.execute(aludel_core::text("SELECT 1 + 1")).await?.scalar()?;
//! assert_eq!(n, Some(2));
//! # Ok(()) }
//! ```
//!
//! # URLs
//!
//! `postgresql://[user[:password]@][host][:port][/database][?option=value&...]`
//!
//! - `host` defaults to `localhost` and `port` to 5432; an IPv6 address is
//!   written in brackets (`postgresql://app@[::1]/appdb`).
//! - `user` defaults to the `USER` environment variable, else `postgres`;
//!   the database defaults to the user's name, as the server does.
//! - User, password and database are percent-decoded (`p%40ss` is `p@ss`).
//!   The password is never shown: `Display` and `Debug` of the URL and of
//!   every error write `***` in its place.
//!
//! Options:
//!
//! | option | meaning |
//! | --- | --- |
//! | `sslmode` | `disable` (the default), `allow`, `prefer`, `require`, `verify-ca` or `verify-full`, as in libpq: see [TLS](#tls) |
//! | `sslrootcert` | the path of a PEM file of the certificate authorities to trust (see [TLS](#tls)) |
//! | `application_name` | the name the server shows in `pg_stat_activity` |
//! | `connect_timeout` | seconds to wait for the connection and its handshake (decimals allowed; `0` waits forever); by default the engine's `ConnectOptions::connect_timeout` (30 s) |
//! | `options` | command-line options sent to the server at startup, e.g. `-c statement_timeout=5000` (percent-encode spaces as `%20`) |
//! | `search_path` | the schemas to search, as plain names separated by commas (`app,public`; `$user` is allowed) |
//! | `host` | overrides the URL's host; a path is the directory of a Unix socket (`postgresql://app@/appdb?host=/var/run/postgresql`) |
//! | `statement_cache_size` | prepared statements kept per connection (default 512; `0` prepares every statement anew) |
//!
//! Any other option is an error naming it.
//!
//! # TLS
//!
//! Connections are plain by default, as a server on the loopback needs no
//! more. The URL asks for TLS as libpq's connection string does, with
//! `sslmode` and `sslrootcert`:
//!
//! | `sslmode` | the connection |
//! | --- | --- |
//! | `disable` (the default) | plain |
//! | `allow` | plain (libpq would retry with TLS if the server refused a plain connection; Aludel does not) |
//! | `prefer` | TLS if the server offers it, else plain; the certificate is not verified (whoever could forge one could as well refuse TLS) |
//! | `require` | TLS or no connection; the certificate is not verified, unless `sslrootcert` is given: then its chain is, as in `verify-ca` (as libpq does with a root certificate file) |
//! | `verify-ca` | TLS; the certificate must chain to a root in `sslrootcert` (required); the host name is not checked |
//! | `verify-full` | TLS; the certificate must chain to a root in `sslrootcert` or, without it, to one of the public web roots built into the crate ([webpki-roots](https://docs.rs/webpki-roots)), and must name the host (a DNS name, or an IP address in its subject alternative names) |
//!
//! ```no_run
//! # fn demo() -> aludel_core::Result<()> {
//! use aludel_postgres as _;
//! let engine = aludel_core::create_engine(
//!     "postgresql://app:secret@db.example.com/appdb?sslmode=verify-full&sslrootcert=/etc/app/db-ca.pem",
//! )?;
//! # Ok(()) }
//! ```
//!
//! An unknown `sslmode`, `verify-ca` without `sslrootcert`, and a
//! `sslrootcert` file that cannot be read or holds no PEM certificate are
//! `InvalidUrl` errors from `create_engine`, naming the option and the
//! path. A server that refuses TLS where it is required, and a certificate
//! that could not be verified, are `Connection` errors naming the
//! `sslmode` (and the roots). The file is read again for each new
//! connection, so a replaced CA file takes effect without a restart. Over a
//! Unix socket (a `host` that is a path) `sslmode` is ignored, as libpq
//! ignores it. Client certificates (`sslcert`, `sslkey`) are not supported.
//!
//! TLS is [rustls](https://docs.rs/rustls) with the *ring* crypto provider
//! (TLS 1.2 and 1.3), through
//! [tokio-postgres-rustls](https://docs.rs/tokio-postgres-rustls), which
//! also binds SCRAM password logins to the TLS channel (SCRAM-SHA-256-PLUS,
//! for certificates signed with an RSA or ECDSA SHA-2 signature). It is the cargo
//! feature `tls`, on by default; without it every `sslmode` that needs TLS
//! is an `InvalidUrl` error, and `prefer` connects in plain text.
//!
//! # Connections and the runtime
//!
//! Each connection's socket is driven by a task spawned with
//! `tokio::spawn` on the runtime that opened it, as tokio-postgres asks;
//! the async API therefore needs a tokio runtime with its I/O and time
//! drivers enabled (`#[tokio::main]`, `#[tokio::test]`), and the blocking
//! facade's own runtime serves as well. A connection lives as long as that
//! runtime: once the runtime shuts down the connection is broken, and the
//! pool replaces it.
//!
//! A current-thread runtime (the blocking facade's, `#[tokio::test]`'s)
//! runs the socket task only while something drives it. An engine whose
//! connections are used from several runtimes (one engine in a `static`
//! shared by tests, or `blocking::Engine::from_async` next to async code)
//! should set `pre_ping`: the ping then refuses a connection that a
//! current-thread runtime other than the caller's opened, and the pool
//! opens one on the caller's runtime instead of waiting on it.
//!
//! A connection whose server went away (the connection task ended, or a
//! statement found the connection closed or terminated by the server) is
//! reported as [`DbErrorKind::Connection`](aludel_core::DbErrorKind::Connection)
//! and discarded by the pool; `pre_ping` finds such connections before
//! handing them out.
//!
//! # Statements
//!
//! Every statement is prepared once per connection and kept in a cache
//! keyed by its SQL text (least recently used first out, 512 by default);
//! `Connection::cached_statements` reports its size. When a statement is
//! prepared, 16- and 32-bit integers and booleans declare their types
//! (`smallint`, `integer`, `boolean`), as the literals `2` and `true` would,
//! so that a placeholder with no context (`SELECT :x`, the seed row of a
//! recursive CTE) has a type; every other value leaves its placeholder's
//! type to the server, which infers it from the context (a column, an
//! operator, a function argument; `text` when there is none). The same SQL
//! run with values that declare other types is prepared once more, and
//! cached apart. A statement that fails
//! is dropped from the cache, so that one invalidated by DDL is prepared
//! afresh on its next use. Rows are streamed: `for_each` decodes each row
//! as it arrives from the server, and the driver holds none of them.
//! `rows_affected` is the count the server reports for the command (rows
//! changed by INSERT, UPDATE and DELETE, with or without RETURNING; rows
//! returned by SELECT). `last_insert_id` is always `None`: use `RETURNING`.
//!
//! # Values
//!
//! A bound value is converted to the type the server settled on for its
//! placeholder, so a value need not be of the column's exact type:
//!
//! | parameter type | accepted values |
//! | --- | --- |
//! | `smallint`, `integer`, `bigint`, `oid` | any integer, narrowed with a range check (out of range is a `Data` error) |
//! | `real`, `double precision` | floats and integers |
//! | `numeric` | `Decimal`, integers, finite floats |
//! | `text`, `varchar`, `char(n)`, `name`, `citext` | strings, and the text form of any scalar (`SELECT :x` given a string, a 64-bit integer or a decimal reads it back as text) |
//! | enum types | strings (the label) |
//! | `bytea` | bytes, strings (their UTF-8) |
//! | `boolean` | booleans |
//! | `date`, `time`, `timestamp`, `timestamptz` | the chrono value (a naive timestamp bound to `timestamptz` is taken as UTC), or ISO 8601 text |
//! | `uuid` | `Uuid`, or its text |
//! | `json`, `jsonb` | JSON values, or a string of JSON text |
//! | arrays | `Value::Array` of values for the element type (one dimension) |
//! | any other type (`interval`, `inet`, `money`, ...) | a string, or the text form of a scalar, sent as text for the server to parse |
//!
//! NULL binds to any type; a value that fits none of these is a `Data`
//! error naming the parameter and its type. Columns are read by their type:
//!
//! | column type | `Value` |
//! | --- | --- |
//! | `smallint`, `integer`, `bigint` | `I16`, `I32`, `I64` (`oid` as `I64`) |
//! | `real`, `double precision` | `F32`, `F64` |
//! | `numeric` | `Decimal`, exactly (trailing zeros of a scale wider than a `Decimal` holds are dropped); a value with more significant digits than a `Decimal` holds (28), NaN or infinity is a `Data` error (cast to text to read it) |
//! | `text`, `varchar`, `char(n)`, `name`, `citext`, `xml`, enum types | `String` |
//! | `bytea` | `Bytes` |
//! | `boolean` | `Bool` |
//! | `date`, `time`, `timestamp`, `timestamptz` | `Date`, `Time`, `DateTime`, `DateTimeTz` |
//! | `uuid` | `Uuid` |
//! | `json`, `jsonb` | `Json` |
//! | arrays (one dimension) | `Array` of the element values |
//! | `interval`, `inet`, `cidr`, `macaddr` | `String`, as PostgreSQL prints them |
//! | domains | as their base type |
//!
//! Any other type is a `Data` error naming it; select `CAST(column AS TEXT)`
//! to read it as text.
//!
//! # Errors
//!
//! Errors are classified by SQLSTATE: `23505` unique, `23503` foreign key,
//! `23502` not null (the constraint field holds `table.column`), `23514`
//! check; class `08`, `57P01`-`57P03`, `28000`/`28P01` (authentication),
//! `3D000` (no such database) and closed connections are `Connection`;
//! `57014` (statement timeout, cancel) and `55P03` (lock not available) are
//! `Timeout`; `40001` and `40P01` are `Serialization`; class `42` is
//! `Syntax`; class `22` is `Data`. The SQLSTATE is the error's `code`; its
//! message is the server's, with its DETAIL and HINT.
//!
//! # Isolation levels
//!
//! `begin_isolated` sends `BEGIN ISOLATION LEVEL ...`; an engine's
//! `isolation_level` and `Connection::set_isolation_level` send
//! `SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ...`.
//! PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.

mod driver;
mod reflect;
pub use reflect::PgReflect;
mod tls;
mod types;

pub use driver::{
    kind_of_sqlstate, map_error, PgConnection, DEFAULT_STATEMENT_CACHE_SIZE, OPTIONS,
};

use aludel_core::dialect::*;
use aludel_core::engine::{
    BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection, IsolationLevel,
};
use aludel_core::{Result, SqlType, Value};
use std::fmt::Write as _;

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// What PostgreSQL (12 or later) can do.
pub static CAPABILITIES: Capabilities = Capabilities {
    insert_returning: true,
    update_returning: true,
    delete_returning: true,
    upsert: UpsertStyle::OnConflict,
    ilike: true,
    nulls_ordering: true,
    full_outer_join: true,
    lateral: true,
    distinct_on: true,
    for_update: true,
    for_share: Some("FOR SHARE"),
    nowait: true,
    skip_locked: true,
    window_functions: true,
    intersect_except: true,
    multi_row_insert: true,
    update_from: UpdateFromStyle::From,
    delete_using: DeleteUsingStyle::Using,
    distinct_from: DistinctFromStyle::Standard,
    concat: ConcatStyle::Pipes,
    offset: OffsetStyle::Plain,
    bool_literals: true,
    default_values: true,
    char_length_function: "length",
    autoincrement: AutoIncrementStyle::Serial,
    enums: EnumStyle::NamedType,
    arrays: true,
    comments: CommentStyle::CommentOn,
    alter_add_constraint: true,
    drop_foreign_key_keyword: "CONSTRAINT",
    index_if_exists: true,
    alter_if_exists: true,
    alter_column: aludel_core::dialect::AlterColumnStyle::Separate,
    drop_index_on_table: false,
    savepoints: true,
    transactional_ddl: true,
    table_rebuild: None,
    max_bind_params: 65535,
    max_identifier_length: 63,
    backslash_escapes: false,
};

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn url_schemes(&self) -> &'static [&'static str] {
        &["postgresql", "postgres"]
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn param_style(&self) -> ParamStyle {
        ParamStyle::Dollar
    }

    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        Ok(match ty {
            SqlType::Float => "REAL".into(),
            SqlType::Bytes => "BYTEA".into(),
            SqlType::DateTime => "TIMESTAMP WITHOUT TIME ZONE".into(),
            SqlType::DateTimeTz => "TIMESTAMP WITH TIME ZONE".into(),
            SqlType::Time => "TIME WITHOUT TIME ZONE".into(),
            SqlType::Uuid => "UUID".into(),
            SqlType::JsonB => "JSONB".into(),
            SqlType::Array(inner) => format!("{}[]", self.type_sql(inner, ctx)?),
            other => generic_type_sql(self.name(), &CAPABILITIES, other, ctx)?,
        })
    }

    fn render_literal(&self, value: &Value, out: &mut String) -> Result<()> {
        match value {
            // `X'..'` is a bit string in PostgreSQL; bytea takes hex after `\x`.
            Value::Bytes(b) => {
                out.push_str("'\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
                out.push_str("'::bytea");
                Ok(())
            }
            other => render_literal_standard(self.name(), &CAPABILITIES, other, out),
        }
    }

    fn check_url(&self, url: &DatabaseUrl) -> Result<()> {
        driver::check_url(url)
    }

    fn connect<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        options: &'a ConnectOptions,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
        Box::pin(async move {
            let conn = PgConnection::connect(url, options).await?;
            Ok(Box::new(conn) as Box<dyn DriverConnection>)
        })
    }

    fn reflection(&self) -> Option<&'static dyn aludel_core::reflect::Reflect> {
        Some(&reflect::PgReflect)
    }

    fn begin_sql(&self, isolation: Option<IsolationLevel>) -> Result<String> {
        Ok(match isolation {
            None => "BEGIN".into(),
            Some(level) => format!("BEGIN ISOLATION LEVEL {}", level.as_sql()),
        })
    }

    fn session_isolation_sql(&self, level: IsolationLevel) -> Result<String> {
        Ok(format!(
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {}",
            level.as_sql()
        ))
    }

    fn migration_lock_sql(&self) -> Option<(String, String)> {
        // A session-level advisory lock; the key spells "aludel" in ASCII.
        Some((
            "SELECT pg_advisory_lock(107527979592051)".into(),
            "SELECT pg_advisory_unlock(107527979592051)".into(),
        ))
    }
}

aludel_core::register_dialect!(POSTGRES_DIALECT, PostgresDialect);

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_literals_are_bytea_hex() {
        use aludel_core::Dialect;
        let mut out = String::new();
        super::PostgresDialect
            .render_literal(&aludel_core::Value::Bytes(vec![0xde, 0xad, 0x01]), &mut out)
            .unwrap();
        assert_eq!(out, "'\\xdead01'::bytea");
    }

    #[test]
    fn registered_under_both_schemes_with_driver_suffix() {
        for url in [
            "postgresql://u:p@localhost/db",
            "postgres://localhost",
            "postgresql+tokio://x",
        ] {
            assert_eq!(
                aludel_core::dialect_for_url(url).unwrap().name(),
                "postgresql"
            );
        }
    }
}
