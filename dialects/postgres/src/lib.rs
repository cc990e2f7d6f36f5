//! # aludel-postgres
//!
//! The PostgreSQL dialect for Aludel: `$n` placeholders, `ON CONFLICT`
//! upserts, `RETURNING`, `SERIAL` keys, named enum types, arrays,
//! `DISTINCT ON`, `LATERAL`, row locks, and SQLAlchemy's type spellings.
//! The connection side, on tokio-postgres, arrives with the engine.
//!
//! Linking this crate registers the dialect under the URL schemes
//! `postgresql` and `postgres` (a `+driver` suffix is ignored).

use aludel_core::dialect::*;
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
    drop_index_on_table: false,
    savepoints: true,
    transactional_ddl: true,
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
