//! The [`Model`] trait and the link-time registry of models.

use crate::key::Key;
use aludel_core::engine::RowAccess;
use aludel_core::{MetaData, Result, Table, Value};

/// A struct mapped to a table, implemented by `#[derive(Model)]`.
pub trait Model: Sized + Send + Sync + 'static {
    /// The struct's name, for messages.
    const NAME: &'static str;

    /// The position (in the table's column order) of the version column
    /// (`#[aludel(version)]`), which the session uses for optimistic
    /// concurrency: every UPDATE and DELETE checks it and an UPDATE
    /// increments it.
    const VERSION_COLUMN: Option<usize> = None;

    /// The model's table, built once from its declaration.
    fn table() -> &'static Table;

    /// Decodes one row (by column name) into the model.
    fn from_row(row: &dyn RowAccess) -> Result<Self>;

    /// Decodes a row that holds the table's columns in the table's order
    /// (a SELECT of the table, or of an alias of it, that the session
    /// built): by position, without looking the names up.
    #[doc(hidden)]
    fn from_row_at(row: &dyn RowAccess) -> Result<Self> {
        Self::from_row(row)
    }

    /// The thread's kept cells of this model (the derive declares one
    /// per model; `None` keeps none).
    #[doc(hidden)]
    fn spare() -> Option<&'static std::thread::LocalKey<crate::object::Spare<Self>>> {
        None
    }

    /// The values of the mapped fields, in the table's column order.
    fn to_values(&self) -> Vec<Value>;

    /// The primary-key values, in key order.
    fn primary_key(&self) -> Vec<Value>;

    /// The value of the field mapped to column `idx` (in the table's
    /// column order), NULL beyond the last column. The derive reads the
    /// one field; this default goes through [`Model::to_values`].
    #[doc(hidden)]
    fn column_value(&self, idx: usize) -> Value {
        self.to_values().into_iter().nth(idx).unwrap_or(Value::Null)
    }

    /// The identity key: the primary-key values as the identity map holds them.
    fn identity(&self) -> Key {
        Key::many(self.primary_key())
    }

    /// The model's relationships (its `One` and `Many` fields).
    fn relationships() -> &'static [crate::relationship::RelInfo] {
        &[]
    }

    /// Relationship field `idx` (in [`Model::relationships`] order).
    fn relationship(&self, idx: usize) -> Option<&dyn crate::relationship::RelField> {
        let _ = idx;
        None
    }

    /// Relationship field `idx`, to change.
    fn relationship_mut(&mut self, idx: usize) -> Option<&mut dyn crate::relationship::RelField> {
        let _ = idx;
        None
    }

    /// Stores a value read from the database (a generated key, a server
    /// default, a new version) into the field of `column`.
    fn set_column(&mut self, column: &str, value: Value) -> Result<()>;
}

/// The values of columns `cols` of `value`, as a key (the join columns
/// that group related objects under their parents).
pub(crate) fn key_at<T: Model>(value: &T, cols: &[usize]) -> Key {
    match cols {
        [i] => Key::one(value.column_value(*i)),
        _ => Key::many(cols.iter().map(|&i| value.column_value(i)).collect()),
    }
}

/// A registered model: a function that gives its table.
pub struct ModelEntry(pub fn() -> &'static Table);

/// Every model of the binary, filled at link time by `#[derive(Model)]`.
#[linkme::distributed_slice]
pub static MODELS: [ModelEntry];

/// The tables of every model linked into the program.
pub fn registered_models() -> impl Iterator<Item = &'static Table> {
    MODELS.iter().map(|e| (e.0)())
}

/// Metadata holding every registered model's table (for `create_all` and
/// migrations). Two models of one table name are an error.
pub fn models_metadata() -> Result<MetaData> {
    let mut md = MetaData::new();
    let mut tables: Vec<&'static Table> = registered_models().collect();
    tables.sort_by_key(|t| t.qualified_name());
    for t in tables {
        md.add_table(t.clone())?;
    }
    Ok(md)
}
