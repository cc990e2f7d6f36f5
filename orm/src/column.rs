//! Typed column handles: [`Col`], and the traits that decide which Rust
//! types a column holds ([`ColumnValue`]) and which values compare with it
//! ([`AsSql`]).

use crate::model::Model;
use aludel_core::engine::RowAccess;
use aludel_core::expr::{ColumnRef, IntoExpr, OrderBy, Source};
use aludel_core::select::IntoColumns;
use aludel_core::{Expr, FromValue, IntoValue, Name, Result, SqlType, Value};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::marker::PhantomData;
use uuid::Uuid;

/// A Rust type a model field can have: its SQL type, whether it is
/// nullable, and the type its values compare as (`Option<String>` and
/// `String` both compare as `String`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a model column",
    label = "unsupported field type",
    note = "model fields take integers, floats, bool, String, Vec<u8>, rust_decimal::Decimal, chrono dates and times, uuid::Uuid, serde_json::Value, or Option of one; give other types #[aludel(skip)]"
)]
pub trait ColumnValue: FromValue + IntoValue + Clone {
    /// The non-nullable type values compare as.
    type Base;
    /// Whether the column accepts NULL (`Option<T>`).
    const NULLABLE: bool;
    /// The SQL type the column is declared with, unless the field overrides it.
    fn sql_type() -> SqlType;

    /// Reads the field from column `name` of a row (at position `hint` when
    /// the row mirrors the table).
    fn read(row: &dyn RowAccess, hint: usize, name: &str) -> Result<Self> {
        aludel_core::engine::get_named(row, hint, name)
    }

    /// Reads the field from column `idx` of a row known to mirror the
    /// table (no name check).
    #[inline]
    fn read_at(row: &dyn RowAccess, idx: usize) -> Result<Self> {
        Self::from_column(row, idx).map_err(|e| in_column(e, row, idx))
    }

    /// The field's value, to bind.
    fn to_value(&self) -> Value {
        self.clone().into_value()
    }

    /// The field's value from a database value.
    fn from_db(value: Value) -> Result<Self> {
        Self::from_value(value)
    }
}

/// A conversion error, naming the column (as `aludel_core::engine::get`
/// does).
#[cold]
#[inline(never)]
fn in_column(e: aludel_core::Error, row: &dyn RowAccess, idx: usize) -> aludel_core::Error {
    match e {
        aludel_core::Error::Conversion { expected, found } => aludel_core::Error::Conversion {
            expected,
            found: format!("{found} in column {:?}", row.column_name(idx)),
        },
        other => other,
    }
}

macro_rules! column_value {
    ($($t:ty => $sql:expr),* $(,)?) => {$(
        impl ColumnValue for $t {
            type Base = $t;
            const NULLABLE: bool = false;
            fn sql_type() -> SqlType {
                $sql
            }
        }
    )*};
}

column_value! {
    i16 => SqlType::SmallInt,
    i32 => SqlType::Integer,
    i64 => SqlType::BigInt,
    bool => SqlType::Boolean,
    f32 => SqlType::Float,
    f64 => SqlType::Double,
    String => SqlType::String(None),
    Vec<u8> => SqlType::Bytes,
    Decimal => SqlType::Numeric { precision: None, scale: None },
    NaiveDate => SqlType::Date,
    NaiveTime => SqlType::Time,
    NaiveDateTime => SqlType::DateTime,
    DateTime<Utc> => SqlType::DateTimeTz,
    Uuid => SqlType::Uuid,
    serde_json::Value => SqlType::Json,
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    type Base = T::Base;
    const NULLABLE: bool = true;
    fn sql_type() -> SqlType {
        T::sql_type()
    }
}

/// A value that can be compared with (or assigned to) a column whose values
/// are `B`: `&str` with text columns, any integer that fits with integer
/// columns, `None` with anything, another column of the same base type.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be compared with a column of `{B}`",
    label = "this value's type does not match the column's"
)]
pub trait AsSql<B> {
    /// The value (or column) as an expression.
    fn into_sql(self) -> Expr;
}

macro_rules! as_sql {
    ($base:ty: $($t:ty),*) => {$(
        impl AsSql<$base> for $t {
            fn into_sql(self) -> Expr {
                aludel_core::value(self)
            }
        }
    )*};
}

as_sql!(i16: i16, i8, u8);
as_sql!(i32: i32, i16, i8, u8, u16);
as_sql!(i64: i64, i32, i16, i8, u8, u16, u32);
as_sql!(bool: bool);
as_sql!(f32: f32);
as_sql!(f64: f64, f32);
as_sql!(String: String, &str, &String);
as_sql!(Vec<u8>: Vec<u8>, &[u8]);
as_sql!(Decimal: Decimal);
as_sql!(NaiveDate: NaiveDate);
as_sql!(NaiveTime: NaiveTime);
as_sql!(NaiveDateTime: NaiveDateTime);
as_sql!(DateTime<Utc>: DateTime<Utc>);
as_sql!(Uuid: Uuid);
as_sql!(serde_json::Value: serde_json::Value);

impl<B, V: AsSql<B> + IntoValue> AsSql<B> for Option<V> {
    fn into_sql(self) -> Expr {
        aludel_core::value(self)
    }
}

/// Any Core expression is accepted as is: the escape hatch for SQL the
/// typed API does not model.
impl<B> AsSql<B> for Expr {
    fn into_sql(self) -> Expr {
        self
    }
}

impl<B, M2: Model, T2: ColumnValue<Base = B>> AsSql<B> for Col<M2, T2> {
    fn into_sql(self) -> Expr {
        self.expr()
    }
}

/// A typed handle to a model's column: `User::name`. Its methods build
/// Core expressions whose operands must have the column's type.
pub struct Col<M, T> {
    name: &'static str,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Col<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Col<M, T> {}

impl<M, T> std::fmt::Debug for Col<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Col({})", self.name)
    }
}

impl<M, T> Col<M, T> {
    /// A handle to the column called `name` (what `#[derive(Model)]` emits).
    pub const fn new(name: &'static str) -> Self {
        Col {
            name,
            _types: PhantomData,
        }
    }

    /// The column's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model, T: ColumnValue> Col<M, T> {
    /// The column as a Core expression, qualified by the model's table.
    pub fn expr(&self) -> Expr {
        Expr::Column(ColumnRef {
            source: Some(Source::Table(M::table().clone())),
            name: Name::new_static(self.name),
        })
    }

    /// `col = v`.
    pub fn eq(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().eq(v.into_sql())
    }
    /// `col <> v`.
    pub fn ne(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().ne(v.into_sql())
    }
    /// `col < v`.
    pub fn lt(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().lt(v.into_sql())
    }
    /// `col <= v`.
    pub fn le(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().le(v.into_sql())
    }
    /// `col > v`.
    pub fn gt(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().gt(v.into_sql())
    }
    /// `col >= v`.
    pub fn ge(self, v: impl AsSql<T::Base>) -> Expr {
        self.expr().ge(v.into_sql())
    }
    /// `col BETWEEN low AND high`.
    pub fn between(self, low: impl AsSql<T::Base>, high: impl AsSql<T::Base>) -> Expr {
        self.expr().between(low.into_sql(), high.into_sql())
    }
    /// `col IN (...)`; an empty list is false.
    pub fn in_<I, V>(self, values: I) -> Expr
    where
        I: IntoIterator<Item = V>,
        V: AsSql<T::Base>,
    {
        self.expr().in_(values.into_iter().map(AsSql::into_sql))
    }
    /// `col NOT IN (...)`; an empty list is true.
    pub fn not_in<I, V>(self, values: I) -> Expr
    where
        I: IntoIterator<Item = V>,
        V: AsSql<T::Base>,
    {
        self.expr().not_in(values.into_iter().map(AsSql::into_sql))
    }
    /// `col IS NULL`.
    pub fn is_null(self) -> Expr {
        self.expr().is_null()
    }
    /// `col IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        self.expr().is_not_null()
    }
    /// Ascending ORDER BY term.
    pub fn asc(self) -> OrderBy {
        self.expr().asc()
    }
    /// Descending ORDER BY term.
    pub fn desc(self) -> OrderBy {
        self.expr().desc()
    }
    /// `col AS name`.
    pub fn label(self, name: impl Into<Name>) -> Expr {
        self.expr().label(name)
    }
}

impl<M: Model, T: ColumnValue<Base = String>> Col<M, T> {
    /// `col LIKE pattern`.
    pub fn like(self, pattern: impl AsSql<String>) -> Expr {
        self.expr().like(pattern.into_sql())
    }
    /// Case-insensitive LIKE.
    pub fn ilike(self, pattern: impl AsSql<String>) -> Expr {
        self.expr().ilike(pattern.into_sql())
    }
    /// `col LIKE 'prefix%'`, wildcards in `prefix` escaped.
    pub fn startswith(self, prefix: &str) -> Expr {
        self.expr().startswith(prefix)
    }
    /// `col LIKE '%part%'`, wildcards in `part` escaped.
    pub fn contains(self, part: &str) -> Expr {
        self.expr().contains(part)
    }
}

impl<M: Model, T: ColumnValue> IntoExpr for Col<M, T> {
    fn into_expr(self) -> Expr {
        self.expr()
    }
}

impl<M: Model, T: ColumnValue> IntoColumns for Col<M, T> {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.push(self.expr())
    }
}
