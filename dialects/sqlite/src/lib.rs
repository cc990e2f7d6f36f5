//! # aludel-sqlite
//!
//! The SQLite dialect for Aludel: SQLite's spelling of SQL (`?`
//! placeholders, `"` quoting, `ON CONFLICT` upserts, `RETURNING`, the rowid
//! as an `INTEGER PRIMARY KEY`) and its capabilities. The connection side,
//! on rusqlite with SQLite bundled so that nothing needs installing, arrives
//! with the engine.
//!
//! Linking this crate registers the dialect under the URL scheme `sqlite`.

use aludel_core::dialect::*;
use aludel_core::{Result, SqlType};

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
    drop_index_on_table: false,
    savepoints: true,
    transactional_ddl: true,
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
