//! # aludel-mysql
//!
//! The MySQL (8.0) and MariaDB (10.11 and later) dialects for Aludel:
//! backtick quoting, `ON DUPLICATE KEY UPDATE` upserts, `AUTO_INCREMENT`,
//! inline `ENUM`, multi-table UPDATE and DELETE, emulated `NULLS FIRST/LAST`,
//! and string literals escaped for the default `sql_mode` (where backslash
//! escapes). MariaDB differs in having `INSERT/DELETE ... RETURNING` and
//! `IF [NOT] EXISTS` on indexes, and in lacking `LATERAL`.
//! The connection side, on mysql_async, arrives with the engine.
//!
//! Linking this crate registers `mysql` and `mariadb`.

use aludel_core::dialect::*;
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
    drop_index_on_table: true,
    savepoints: true,
    transactional_ddl: false,
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
    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        mysql_type_sql(self.name(), &MYSQL_CAPABILITIES, ty, ctx)
    }
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
    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        mysql_type_sql(self.name(), &MARIADB_CAPABILITIES, ty, ctx)
    }
}

aludel_core::register_dialect!(MYSQL_DIALECT, MySqlDialect);
aludel_core::register_dialect!(MARIADB_DIALECT, MariaDbDialect);

#[cfg(test)]
mod tests {
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
