//! [`GenericDialect`]: the unregistered dialect that `Display` renders with.

use crate::dialect::*;

/// A standard-SQL dialect used to display statements for debugging. It is
/// not registered and cannot connect; it allows every feature.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericDialect;

static CAPS: Capabilities = Capabilities {
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
    autoincrement: AutoIncrementStyle::RowId,
    enums: EnumStyle::Varchar,
    arrays: true,
    comments: CommentStyle::None,
    alter_add_constraint: true,
    drop_foreign_key_keyword: "CONSTRAINT",
    index_if_exists: true,
    alter_if_exists: true,
    alter_column: crate::dialect::AlterColumnStyle::Separate,
    drop_index_on_table: false,
    savepoints: true,
    transactional_ddl: true,
    table_rebuild: None,
    max_bind_params: usize::MAX,
    max_identifier_length: 0,
    backslash_escapes: false,
};

impl Dialect for GenericDialect {
    fn name(&self) -> &'static str {
        "generic"
    }
    fn url_schemes(&self) -> &'static [&'static str] {
        &[]
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPS
    }
}
