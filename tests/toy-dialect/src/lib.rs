//! A toy dialect, written as a third party would: it depends on
//! `aludel-core` (and no `linkme` of its own), describes its database with
//! a capabilities record and a few hooks, registers itself, and runs the
//! compliance suite with one macro call (`tests/compliance.rs`).
//!
//! Its database, "toydb", writes parameters as `?`, quotes identifiers with
//! backticks, has no RETURNING, no upsert, no window functions and no
//! savepoints, and spells BOOLEAN as `FLAG`. Underneath it is SQLite: the
//! connection comes from `aludel-sqlite`'s driver, as a real third-party
//! dialect would wrap its own driver.

use aludel_core::dialect::*;
use aludel_core::engine::{BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection};
use aludel_core::{Result, SqlType};

/// The toy dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToyDialect;

/// What toydb can do: little.
pub static CAPABILITIES: Capabilities = Capabilities {
    insert_returning: false,
    update_returning: false,
    delete_returning: false,
    upsert: UpsertStyle::None,
    ilike: false,
    nulls_ordering: false,
    full_outer_join: false,
    lateral: false,
    distinct_on: false,
    for_update: false,
    for_share: None,
    nowait: false,
    skip_locked: false,
    window_functions: false,
    intersect_except: false,
    multi_row_insert: true,
    update_from: UpdateFromStyle::None,
    delete_using: DeleteUsingStyle::None,
    distinct_from: DistinctFromStyle::Standard,
    concat: ConcatStyle::Pipes,
    offset: OffsetStyle::LimitMinusOne,
    bool_literals: true,
    default_values: true,
    char_length_function: "length",
    autoincrement: AutoIncrementStyle::RowId,
    enums: EnumStyle::Varchar,
    arrays: false,
    comments: CommentStyle::None,
    alter_add_constraint: false,
    drop_foreign_key_keyword: "CONSTRAINT",
    index_if_exists: false,
    alter_if_exists: false,
    alter_column: aludel_core::dialect::AlterColumnStyle::RenameOnly,
    drop_index_on_table: false,
    savepoints: false,
    transactional_ddl: false,
    table_rebuild: None,
    max_bind_params: 100,
    max_identifier_length: 30,
    backslash_escapes: false,
};

impl Dialect for ToyDialect {
    fn name(&self) -> &'static str {
        "toydb"
    }
    fn url_schemes(&self) -> &'static [&'static str] {
        &["toydb", "toy"]
    }
    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }
    fn identifier_quote(&self) -> char {
        '`'
    }
    fn is_reserved_word(&self, word: &str) -> bool {
        word == "toy" || aludel_core::keywords::is_reserved(word)
    }
    fn type_sql(&self, ty: &SqlType, ctx: TypeContext) -> Result<String> {
        match ty {
            SqlType::Boolean => Ok("FLAG".into()),
            other => generic_type_sql(self.name(), &CAPABILITIES, other, ctx),
        }
    }

    /// toydb's catalog is SQLite's: its reflection is borrowed, and reads
    /// `FLAG` back as a boolean through this dialect's spellings.
    fn reflection(&self) -> Option<&'static dyn aludel_core::reflect::Reflect> {
        Some(&aludel_sqlite::SqliteReflect)
    }

    fn check_url(&self, url: &DatabaseUrl) -> Result<()> {
        url.check_options(&[])
    }

    fn connect<'a>(
        &'a self,
        url: &'a DatabaseUrl,
        _options: &'a ConnectOptions,
    ) -> BoxFuture<'a, Result<Box<dyn DriverConnection>>> {
        let r = aludel_sqlite::SqliteConnection::open(url)
            .map(|c| Box::new(c) as Box<dyn DriverConnection>);
        Box::pin(std::future::ready(r))
    }
}

aludel_core::register_dialect!(TOY_DIALECT, ToyDialect);
