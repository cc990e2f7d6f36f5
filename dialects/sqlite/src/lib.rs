//! # aludel-sqlite
//!
//! The SQLite dialect for Aludel: SQLite's spelling of SQL (`?`
//! placeholders, `"` quoting, `ON CONFLICT` upserts, `RETURNING`, the rowid
//! as an `INTEGER PRIMARY KEY`), its capabilities, and connections on
//! rusqlite with SQLite bundled, so that nothing needs installing.
//!
//! Linking this crate registers the dialect under the URL scheme `sqlite`.
//!
//! # URLs
//!
//! - `sqlite://` or `sqlite:///:memory:`: an in-memory database. It lives in
//!   one connection, so the engine's pool holds exactly that one
//!   connection and concurrent tasks take turns with it.
//! - `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`: a file,
//!   created if missing.
//!
//! Options: `mode` (`ro`, `rw`, `rwc`, `memory`), `timeout` (busy timeout in
//! seconds, default 5), `journal_mode` (e.g. `wal`), `foreign_keys`
//! (`on` by default, `off`), `statement_cache_size` (prepared statements
//! kept per connection, default 256; together they take at most 16 MiB
//! of SQLite's memory, an INSERT of 10,000 rows taking about 2 MB).
//!
//! # Values
//!
//! Dates, times and timestamps are stored as ISO 8601 text (timestamps with
//! time zone keep `+00:00`), UUIDs as 32 hex digits, JSON as text, booleans
//! as 0 and 1. Decimals are bound as exact text; a `NUMERIC` column (what
//! `SqlType::Numeric` declares, as SQLAlchemy does) then stores them as
//! numbers, keeping 15 significant digits, so that SQL compares and sorts
//! them as numbers. A column declared `TEXT` (`SqlType::Custom("TEXT")`)
//! keeps every digit instead; see `docs/adr/0003-sqlite-decimals.md`.
//!
//! # Migrations
//!
//! SQLite's `ALTER TABLE` renames and adds and drops columns, but changes
//! nothing else: [`CAPABILITIES`]'s `table_rebuild` gives the migration
//! runner the pragmas with which it rebuilds a table instead (foreign keys
//! off around the revision, `foreign_key_check` before its commit, the
//! table's indexes and triggers from `sqlite_master`).
//!
//! The async API needs a tokio runtime with its time driver enabled (the
//! pool's checkout timeout uses it), as `#[tokio::main]` and
//! `#[tokio::test]` provide.

mod driver;
mod reflect;

pub use driver::{map_error, SqliteConnection};
pub use reflect::SqliteReflect;

use aludel_core::dialect::*;
use aludel_core::engine::{
    BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection, IsolationLevel,
};
use aludel_core::{Error, Result, SqlType};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

/// What SQLite (3.39 or later, as bundled) can do.
pub static CAPABILITIES: Capabilities = Capabilities {
    insert_returning: true,
    update_returning: true,
    delete_returning: true,
    upsert: UpsertStyle::OnConflict,
    ilike: false,
    nulls_ordering: true,
    full_outer_join: true,
    lateral: false,
    distinct_on: false,
    for_update: false,
    for_share: None,
    nowait: false,
    skip_locked: false,
    window_functions: true,
    intersect_except: true,
    multi_row_insert: true,
    update_from: UpdateFromStyle::From,
    delete_using: DeleteUsingStyle::None,
    distinct_from: DistinctFromStyle::Is,
    concat: ConcatStyle::Pipes,
    offset: OffsetStyle::LimitMinusOne,
    bool_literals: false,
    default_values: true,
    char_length_function: "length",
    autoincrement: AutoIncrementStyle::RowId,
    enums: EnumStyle::Varchar,
    arrays: false,
    comments: CommentStyle::None,
    alter_add_constraint: false,
    drop_foreign_key_keyword: "CONSTRAINT",
    index_if_exists: true,
    alter_if_exists: false,
    alter_column: aludel_core::dialect::AlterColumnStyle::RenameOnly,
    drop_index_on_table: false,
    savepoints: true,
    transactional_ddl: true,
    table_rebuild: Some(TableRebuild {
        foreign_keys_query: "PRAGMA foreign_keys",
        foreign_keys_off: "PRAGMA foreign_keys = OFF",
        foreign_keys_on: "PRAGMA foreign_keys = ON",
        foreign_key_check: "PRAGMA foreign_key_check",
        around_rename: (
            "PRAGMA legacy_alter_table = ON",
            "PRAGMA legacy_alter_table = OFF",
        ),
        dependents_query: "SELECT sql FROM sqlite_master WHERE tbl_name = :table \
             AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
        // What reflection does not read back. Collations, AUTOINCREMENT and
        // DEFERRABLE are found in the CREATE TABLE text, which may name
        // them elsewhere too (in a default or a CHECK): refusing then is
        // the safe side.
        unsupported_query: "SELECT 'a generated column (' || name || ')' \
             FROM pragma_table_xinfo(:table) WHERE hidden IN (2, 3) \
             UNION ALL SELECT 'WITHOUT ROWID' FROM pragma_table_list(:table) WHERE wr \
             UNION ALL SELECT 'STRICT' FROM pragma_table_list(:table) WHERE strict \
             UNION ALL SELECT k.kw FROM (SELECT 'COLLATE' AS kw UNION ALL \
             SELECT 'AUTOINCREMENT' UNION ALL SELECT 'DEFERRABLE') AS k \
             JOIN sqlite_master AS m ON m.type = 'table' AND m.name = :table \
             AND instr(upper(m.sql), k.kw) > 0",
    }),
    max_bind_params: 32766,
    max_identifier_length: 0,
    backslash_escapes: false,
};

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn url_schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        Ok(match ty {
            SqlType::Double => "DOUBLE".into(),
            other => generic_type_sql(self.name(), &CAPABILITIES, other, ctx)?,
        })
    }

    fn check_url(&self, url: &DatabaseUrl) -> Result<()> {
        driver::check_url(url)
    }

    fn max_connections(&self, url: &DatabaseUrl) -> Option<usize> {
        driver::is_memory(url).then_some(1)
    }

    fn connect<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        _options: &'a ConnectOptions,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
        let r = SqliteConnection::open(url).map(|c| Box::new(c) as Box<dyn DriverConnection>);
        Box::pin(std::future::ready(r))
    }

    fn reflection(&self) -> Option<&'static dyn aludel_core::reflect::Reflect> {
        Some(&SqliteReflect)
    }

    fn begin_sql(&self, isolation: Option<IsolationLevel>) -> Result<String> {
        match isolation {
            None | Some(IsolationLevel::Serializable) => Ok("BEGIN".into()),
            Some(_) => Err(Error::Unsupported {
                feature: "isolation levels other than SERIALIZABLE",
                dialect: "sqlite",
            }),
        }
    }

    fn session_isolation_sql(&self, level: IsolationLevel) -> Result<String> {
        match level {
            // Every SQLite transaction is serializable.
            IsolationLevel::Serializable => Ok(String::new()),
            _ => Err(Error::Unsupported {
                feature: "isolation levels other than SERIALIZABLE",
                dialect: "sqlite",
            }),
        }
    }
}

aludel_core::register_dialect!(SQLITE_DIALECT, SqliteDialect);

#[cfg(test)]
mod tests {
    #[test]
    fn registered_under_sqlite_scheme() {
        let d = aludel_core::dialect_for_url("sqlite:///app.db").unwrap();
        assert_eq!(d.name(), "sqlite");
    }
}
