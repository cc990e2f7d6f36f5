//! Query results: [`Row`], [`QueryResult`] and the [`FromRow`] conversion.

use super::driver::{ExecResult, RowAccess, RowSink};
use crate::error::{Error, Result};
use crate::value::{FromValue, Value, ValueRef};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A column position or name, for [`Row::get`].
pub trait ColumnIndex {
    /// The position of the column in `row`, or an error naming it.
    fn position(&self, row: &dyn RowAccess) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, row: &dyn RowAccess) -> Result<usize> {
        if *self < row.len() {
            Ok(*self)
        } else {
            Err(Error::UnknownColumn {
                source_name: format!("a row of {} columns", row.len()),
                column: format!("#{self}"),
            })
        }
    }
}

impl ColumnIndex for &str {
    fn position(&self, row: &dyn RowAccess) -> Result<usize> {
        row.index_of(self).ok_or_else(|| Error::UnknownColumn {
            source_name: "the result row".into(),
            column: self.to_string(),
        })
    }
}

/// Typed access to any row, owned or the driver's own.
pub trait RowExt: RowAccess {
    /// The value of a column by position or name, converted to `T`.
    fn get<T: FromValue>(&self, idx: impl ColumnIndex) -> Result<T>
    where
        Self: Sized,
    {
        let i = idx.position(self)?;
        T::from_column(self, i).map_err(|e| annotate(e, self.column_name(i)))
    }
}
impl<R: RowAccess> RowExt for R {}

#[cold]
#[inline(never)]
fn annotate(e: Error, column: &str) -> Error {
    match e {
        Error::Conversion { expected, found } => Error::Conversion {
            expected,
            found: format!("{found} in column {column:?}"),
        },
        other => other,
    }
}

/// Reads a value from a `dyn RowAccess` by position or name.
#[inline]
pub fn get<T: FromValue>(row: &dyn RowAccess, idx: impl ColumnIndex) -> Result<T> {
    let i = idx.position(row)?;
    T::from_column(row, i).map_err(|e| annotate(e, row.column_name(i)))
}

/// Reads column `name`, looking first at position `hint` (where the column
/// usually is when a struct mirrors its SELECT) before searching by name.
/// Used by `#[derive(FromRow)]`.
#[inline]
pub fn get_named<T: FromValue>(row: &dyn RowAccess, hint: usize, name: &str) -> Result<T> {
    // `column_name` answers "" beyond the last column.
    let i = if !name.is_empty() && row.column_name(hint) == name {
        hint
    } else {
        name.position(row)?
    };
    T::from_column(row, i).map_err(|e| annotate(e, name))
}

/// Reads column `name` at position `at`, where [`FromRow::columns_at_hints`]
/// found it. Used by `#[derive(FromRow)]`.
#[inline]
pub fn get_at<T: FromValue>(row: &dyn RowAccess, at: usize, name: &str) -> Result<T> {
    T::from_column(row, at).map_err(|e| annotate(e, name))
}

/// Building a Rust value from a result row.
///
/// Implemented for tuples (by position), for [`Row`] itself, and by
/// `#[derive(FromRow)]` for structs (by column name, or by position with
/// `#[aludel(by_position)]`).
pub trait FromRow: Sized {
    /// Decodes one row.
    fn from_row(row: &dyn RowAccess) -> Result<Self>;

    /// Whether every column [`FromRow::from_row`] reads by name is at the
    /// position it looks at first (for a derived struct, the field's
    /// position), so that [`FromRow::from_row_at_hints`] decodes `row` as
    /// `from_row` would. Every row of one result has the same columns: a
    /// result's reader asks once, on its first row, and then decodes each
    /// row without comparing column names. `false` by default.
    fn columns_at_hints(row: &dyn RowAccess) -> bool {
        let _ = row;
        false
    }

    /// Decodes a row of a result whose first row passed
    /// [`FromRow::columns_at_hints`], reading each column at its hinted
    /// position. The same as [`FromRow::from_row`] by default.
    fn from_row_at_hints(row: &dyn RowAccess) -> Result<Self> {
        Self::from_row(row)
    }
}

macro_rules! tuple_from_row {
    ($($t:ident : $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(row: &dyn RowAccess) -> Result<Self> {
                Ok(($(get::<$t>(row, $i)?,)+))
            }
        }
    };
}
tuple_from_row!(A: 0);
tuple_from_row!(A: 0, B: 1);
tuple_from_row!(A: 0, B: 1, C: 2);
tuple_from_row!(A: 0, B: 1, C: 2, D: 3);
tuple_from_row!(A: 0, B: 1, C: 2, D: 3, E: 4);
tuple_from_row!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5);
tuple_from_row!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6);
tuple_from_row!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7);

/// An owned result row: values with the column names of their result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row from column names and values (of the same length).
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        Row { columns, values }
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values, taken out of the row.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The value of a column by position or name, converted to `T`.
    pub fn get<T: FromValue>(&self, idx: impl ColumnIndex) -> Result<T> {
        get(self, idx)
    }

    /// The row as a map from column name to value.
    pub fn to_mapping(&self) -> BTreeMap<String, Value> {
        self.columns
            .iter()
            .cloned()
            .zip(self.values.iter().cloned())
            .collect()
    }
}

impl RowAccess for Row {
    fn len(&self) -> usize {
        self.values.len()
    }
    fn column_name(&self, idx: usize) -> &str {
        self.columns.get(idx).map(String::as_str).unwrap_or("")
    }
    fn value(&self, idx: usize) -> Result<Value> {
        self.value_ref(idx).map(ValueRef::into_owned)
    }
    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        match self.values.get(idx)? {
            Value::I64(v) => Some(Some(*v)),
            Value::I32(v) => Some(Some((*v).into())),
            Value::I16(v) => Some(Some((*v).into())),
            Value::Null => Some(None),
            _ => None,
        }
    }
    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        match self.values.get(idx)? {
            Value::String(s) => Some(Some(s)),
            Value::Null => Some(None),
            _ => None,
        }
    }
    fn value_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        self.values
            .get(idx)
            .map(ValueRef::borrow)
            .ok_or_else(|| Error::UnknownColumn {
                source_name: format!("a row of {} columns", self.values.len()),
                column: format!("#{idx}"),
            })
    }
}

impl FromRow for Row {
    fn from_row(row: &dyn RowAccess) -> Result<Self> {
        let columns: Arc<[String]> = (0..row.len())
            .map(|i| row.column_name(i).to_string())
            .collect();
        let values = (0..row.len())
            .map(|i| row.value(i))
            .collect::<Result<Vec<_>>>()?;
        Ok(Row { columns, values })
    }
}

/// Collects rows into owned [`Row`]s sharing one list of column names.
#[derive(Default)]
pub(crate) struct RowCollector {
    columns: Option<Arc<[String]>>,
    pub(crate) rows: Vec<Row>,
}

impl RowCollector {
    /// The result of a statement: its rows, if it was run with a
    /// collector (a statement that returns rows), and `exec`.
    pub(crate) fn result(rows: Option<RowCollector>, exec: ExecResult) -> QueryResult {
        QueryResult::new(rows.map(|r| r.rows).unwrap_or_default(), exec)
    }
}

impl RowSink for RowCollector {
    fn row(&mut self, row: &dyn RowAccess) -> Result<()> {
        let columns = self
            .columns
            .get_or_insert_with(|| {
                (0..row.len())
                    .map(|i| row.column_name(i).to_string())
                    .collect()
            })
            .clone();
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            values.push(row.value(i)?);
        }
        self.rows.push(Row { columns, values });
        Ok(())
    }
}

/// Decodes rows with [`FromRow`] as they arrive.
pub(crate) struct Decoder<T> {
    pub(crate) out: Vec<T>,
    /// Whether the result's columns are where `T` looks first
    /// ([`FromRow::columns_at_hints`]), known from the first row on.
    at_hints: Option<bool>,
}

impl<T> Decoder<T> {
    pub(crate) fn new() -> Self {
        Decoder {
            out: Vec::new(),
            at_hints: None,
        }
    }
}

impl<T: FromRow + Send> RowSink for Decoder<T> {
    #[inline]
    fn row(&mut self, row: &dyn RowAccess) -> Result<()> {
        let at_hints = match self.at_hints {
            Some(b) => b,
            None => *self.at_hints.insert(T::columns_at_hints(row)),
        };
        self.out.push(if at_hints {
            T::from_row_at_hints(row)?
        } else {
            T::from_row(row)?
        });
        Ok(())
    }
}

/// Keeps the first row, decoded, and counts the rows. For `fetch_one` and
/// `fetch_optional` every row is decoded (one that does not decode is an
/// error even after a good one); for `fetch_first` only the first is read.
pub(crate) struct FirstDecoder<T> {
    pub(crate) first: Option<T>,
    pub(crate) count: usize,
    /// Whether the rows after the first may go unread.
    only_first: bool,
}

impl<T> FirstDecoder<T> {
    pub(crate) fn new(only_first: bool) -> Self {
        FirstDecoder {
            first: None,
            count: 0,
            only_first,
        }
    }

    /// The row, if there was one; [`Error::MultipleRows`] for several.
    pub(crate) fn at_most_one(self) -> Result<Option<T>> {
        match self.count {
            0 | 1 => Ok(self.first),
            n => Err(Error::MultipleRows { count: n }),
        }
    }
}

impl<T: FromRow + Send> RowSink for FirstDecoder<T> {
    fn row(&mut self, row: &dyn RowAccess) -> Result<()> {
        if self.first.is_none() {
            self.first = Some(T::from_row(row)?);
        } else if !self.only_first {
            T::from_row(row)?;
        }
        self.count += 1;
        Ok(())
    }

    fn max_rows(&self) -> Option<usize> {
        self.only_first.then_some(1)
    }
}

/// Calls a closure with each row as it arrives, buffering nothing.
pub(crate) struct ForEach<F>(pub(crate) F);

impl<F: FnMut(&dyn RowAccess) -> Result<()> + Send> RowSink for ForEach<F> {
    fn row(&mut self, row: &dyn RowAccess) -> Result<()> {
        (self.0)(row)
    }
}

/// The buffered result of a statement: its rows (if any), the number of
/// rows it affected and the key it generated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    rows: Vec<Row>,
    rows_affected: u64,
    last_insert_id: Option<i64>,
}

impl QueryResult {
    pub(crate) fn new(rows: Vec<Row>, exec: ExecResult) -> Self {
        QueryResult {
            rows,
            rows_affected: exec.rows_affected,
            last_insert_id: exec.last_insert_id,
        }
    }

    /// Rows inserted, updated or deleted (SQLAlchemy's `rowcount`).
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    /// The key generated by an INSERT, where the database reports one.
    pub fn last_insert_id(&self) -> Option<i64> {
        self.last_insert_id
    }

    /// The number of rows returned.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no rows were returned.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, borrowed.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every row.
    pub fn all(self) -> Vec<Row> {
        self.rows
    }

    /// The first row, if any (the others are discarded).
    pub fn first(self) -> Option<Row> {
        self.rows.into_iter().next()
    }

    /// Exactly one row: [`Error::NoRows`] for none, [`Error::MultipleRows`] for more.
    pub fn one(self) -> Result<Row> {
        match self.one_or_none()? {
            Some(r) => Ok(r),
            None => Err(Error::NoRows),
        }
    }

    /// One row or none: [`Error::MultipleRows`] for more.
    pub fn one_or_none(self) -> Result<Option<Row>> {
        match self.rows.len() {
            0 => Ok(None),
            1 => Ok(self.rows.into_iter().next()),
            n => Err(Error::MultipleRows { count: n }),
        }
    }

    /// The first column of the first row, or `None` without rows.
    pub fn scalar<T: FromValue>(self) -> Result<Option<T>> {
        match self.rows.into_iter().next() {
            Some(r) => r.get(0).map(Some),
            None => Ok(None),
        }
    }

    /// The first column of every row.
    pub fn scalars<T: FromValue>(self) -> Result<Vec<T>> {
        self.rows.into_iter().map(|r| r.get(0)).collect()
    }

    /// Every row as a map from column name to value.
    pub fn mappings(self) -> Vec<BTreeMap<String, Value>> {
        self.rows.iter().map(Row::to_mapping).collect()
    }

    /// Every row decoded into `T`.
    pub fn decode<T: FromRow>(self) -> Result<Vec<T>> {
        self.rows.iter().map(|r| T::from_row(r)).collect()
    }
}

impl IntoIterator for QueryResult {
    type Item = Row;
    type IntoIter = std::vec::IntoIter<Row>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.into_iter()
    }
}
