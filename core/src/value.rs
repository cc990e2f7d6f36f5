//! [`Value`]: a bound parameter or a decoded column value, and the
//! conversions between it and Rust types.

use crate::engine::RowAccess;
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

mod text;
pub use text::Text;

/// A value sent to or read from the database.
///
/// Statements carry values as bound parameters; they never appear in SQL
/// text (except in DDL and offline migration SQL, where the dialect renders
/// them as escaped literals).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer (SMALLINT).
    I16(i16),
    /// A 32-bit integer (INTEGER).
    I32(i32),
    /// A 64-bit integer (BIGINT).
    I64(i64),
    /// A 32-bit float (REAL).
    F32(f32),
    /// A 64-bit float (DOUBLE PRECISION).
    F64(f64),
    /// An exact decimal (NUMERIC).
    Decimal(Decimal),
    /// Text (kept inline when short: see [`Text`]).
    String(Text),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A calendar date.
    Date(NaiveDate),
    /// A time of day.
    Time(NaiveTime),
    /// A date and time without time zone.
    DateTime(NaiveDateTime),
    /// An instant, stored with time zone.
    DateTimeTz(DateTime<Utc>),
    /// A UUID.
    Uuid(Uuid),
    /// A JSON document.
    Json(Box<serde_json::Value>),
    /// An array (PostgreSQL).
    Array(Vec<Value>),
}

impl Value {
    /// Whether this value holds no memory of its own (its drop frees
    /// nothing): everything but long text, bytes, JSON and arrays.
    #[inline(always)]
    pub(crate) fn owns_nothing(&self) -> bool {
        match self {
            Value::String(t) => t.is_inline(),
            Value::Bytes(_) | Value::Json(_) | Value::Array(_) => false,
            _ => true,
        }
    }

    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "bool",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Decimal(_) => "decimal",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "datetime",
            Value::DateTimeTz(_) => "datetime with time zone",
            Value::Uuid(_) => "uuid",
            Value::Json(_) => "json",
            Value::Array(_) => "array",
        }
    }
}

/// Conversion of a Rust value into a [`Value`]; implemented for every type
/// Aludel binds, and for `Option<T>` (where `None` is NULL).
pub trait IntoValue {
    /// Converts `self` into a [`Value`].
    fn into_value(self) -> Value;
}

/// A column value as a driver hands it out while the row is current:
/// text and binary data borrowed from the driver's row, scalars by value,
/// and anything else already decoded into a [`Value`].
///
/// Decoding a row through `ValueRef` lets a `String` field be built with
/// one copy out of the driver's buffer, and an integer without an
/// intermediate [`Value`] at all (see [`FromValue::from_value_ref`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer.
    I16(i16),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// Text, borrowed from the row.
    Str(&'a str),
    /// Binary data, borrowed from the row.
    Bytes(&'a [u8]),
    /// Any other value, decoded.
    Owned(Value),
}

impl ValueRef<'_> {
    /// The owned [`Value`] this stands for (the same the driver's
    /// `RowAccess::value` returns).
    pub fn into_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::I16(i) => Value::I16(i),
            ValueRef::I32(i) => Value::I32(i),
            ValueRef::I64(i) => Value::I64(i),
            ValueRef::F32(f) => Value::F32(f),
            ValueRef::F64(f) => Value::F64(f),
            ValueRef::Str(s) => Value::String(Text::new(s)),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
            ValueRef::Owned(v) => v,
        }
    }

    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null | ValueRef::Owned(Value::Null))
    }

    /// A short name of the value's kind, as [`Value::kind`] names it.
    pub fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Bool(_) => "bool",
            ValueRef::I16(_) => "i16",
            ValueRef::I32(_) => "i32",
            ValueRef::I64(_) => "i64",
            ValueRef::F32(_) => "f32",
            ValueRef::F64(_) => "f64",
            ValueRef::Str(_) => "string",
            ValueRef::Bytes(_) => "bytes",
            ValueRef::Owned(v) => v.kind(),
        }
    }
}

impl<'a> ValueRef<'a> {
    /// Borrows a [`Value`]: text and bytes by reference, scalars copied,
    /// anything else cloned.
    pub fn borrow(value: &'a Value) -> Self {
        match value {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::I16(i) => ValueRef::I16(*i),
            Value::I32(i) => ValueRef::I32(*i),
            Value::I64(i) => ValueRef::I64(*i),
            Value::F32(f) => ValueRef::F32(*f),
            Value::F64(f) => ValueRef::F64(*f),
            Value::String(s) => ValueRef::Str(s),
            Value::Bytes(b) => ValueRef::Bytes(b),
            other => ValueRef::Owned(other.clone()),
        }
    }
}

impl From<Value> for ValueRef<'_> {
    /// Scalars and NULL become their own variants; anything else `Owned`.
    #[inline]
    fn from(value: Value) -> Self {
        match value {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(b),
            Value::I16(i) => ValueRef::I16(i),
            Value::I32(i) => ValueRef::I32(i),
            Value::I64(i) => ValueRef::I64(i),
            Value::F32(f) => ValueRef::F32(f),
            Value::F64(f) => ValueRef::F64(f),
            other => ValueRef::Owned(other),
        }
    }
}

/// Conversion of a [`Value`] read from the database into a Rust type.
pub trait FromValue: Sized {
    /// Converts the value, failing with [`Error::Conversion`] when it does not fit.
    fn from_value(value: Value) -> Result<Self>;

    /// Converts a value borrowed from a driver's row: what decoding a row
    /// calls. The result is the same as [`FromValue::from_value`] of
    /// [`ValueRef::into_owned`], which the default does; the types Aludel
    /// implements take the borrowed text or scalar directly.
    #[inline]
    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        Self::from_value(value.into_owned())
    }

    /// Reads column `idx` of a row: what decoding a row calls. The result
    /// is the same as [`FromValue::from_value_ref`] of the row's
    /// [`RowAccess::value_ref`], which the default does; integers and
    /// strings first ask the row for the plain forms it can hand out
    /// cheaply ([`RowAccess::get_i64`], [`RowAccess::get_str`]).
    #[inline]
    fn from_column(row: &dyn RowAccess, idx: usize) -> Result<Self> {
        Self::from_value_ref(row.value_ref(idx)?)
    }

    /// [`FromValue::from_column`] for `Option<Self>` (NULL is `None`).
    #[inline]
    fn from_column_opt(row: &dyn RowAccess, idx: usize) -> Result<Option<Self>> {
        Option::<Self>::from_value_ref(row.value_ref(idx)?)
    }
}

#[cold]
#[inline(never)]
fn mismatch_ref<T>(expected: &'static str, v: ValueRef<'_>) -> Result<T> {
    Err(Error::Conversion {
        expected,
        found: v.kind().to_string(),
    })
}

fn mismatch<T>(expected: &'static str, v: &Value) -> Result<T> {
    Err(Error::Conversion {
        expected,
        found: v.kind().to_string(),
    })
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self> {
        Ok(value)
    }
}

macro_rules! simple_value {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl IntoValue for $t {
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
        impl From<$t> for Value {
            #[inline]
            fn from(v: $t) -> Value {
                Value::$variant(v)
            }
        }
    )*};
}

simple_value! {
    bool => Bool,
    i16 => I16,
    i32 => I32,
    i64 => I64,
    f32 => F32,
    f64 => F64,
    Decimal => Decimal,
    Text => String,
    Vec<u8> => Bytes,
    NaiveDate => Date,
    NaiveTime => Time,
    NaiveDateTime => DateTime,
    DateTime<Utc> => DateTimeTz,
    Uuid => Uuid,
}

impl IntoValue for String {
    #[inline]
    fn into_value(self) -> Value {
        Value::String(Text::from(self))
    }
}
impl From<String> for Value {
    #[inline]
    fn from(v: String) -> Value {
        Value::String(Text::from(v))
    }
}
impl IntoValue for &str {
    #[inline]
    fn into_value(self) -> Value {
        Value::String(Text::new(self))
    }
}
impl From<&str> for Value {
    #[inline]
    fn from(v: &str) -> Value {
        Value::String(Text::new(v))
    }
}
impl IntoValue for &String {
    #[inline]
    fn into_value(self) -> Value {
        Value::String(Text::new(self))
    }
}
impl IntoValue for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}
impl IntoValue for i8 {
    fn into_value(self) -> Value {
        Value::I16(self.into())
    }
}
impl IntoValue for u8 {
    fn into_value(self) -> Value {
        Value::I16(self.into())
    }
}
impl IntoValue for u16 {
    fn into_value(self) -> Value {
        Value::I32(self.into())
    }
}
impl IntoValue for u32 {
    fn into_value(self) -> Value {
        Value::I64(self.into())
    }
}
impl IntoValue for serde_json::Value {
    fn into_value(self) -> Value {
        Value::Json(Box::new(self))
    }
}
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        Value::Json(Box::new(v))
    }
}
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null,
        }
    }
}
impl<T: IntoValue> IntoValue for Vec<T>
where
    T: ArrayElement,
{
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(IntoValue::into_value).collect())
    }
}

/// Marker for element types that form a PostgreSQL array when collected in
/// a `Vec` (every bindable type but `u8`, whose `Vec` is binary data).
pub trait ArrayElement {}
macro_rules! array_element {
    ($($t:ty),*) => {$(impl ArrayElement for $t {})*};
}
array_element!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    Decimal,
    String,
    NaiveDate,
    NaiveTime,
    NaiveDateTime,
    DateTime<Utc>,
    Uuid,
    serde_json::Value
);
impl<T: ArrayElement> ArrayElement for Option<T> {}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            #[inline]
            fn from_value(value: Value) -> Result<Self> {
                let wide: i128 = match value {
                    Value::I16(v) => v.into(),
                    Value::I32(v) => v.into(),
                    Value::I64(v) => v.into(),
                    Value::Bool(v) => v.into(),
                    other => return mismatch(stringify!($t), &other),
                };
                // An integer or a bool, which owns nothing: skip the drop
                // glue of `Value` (this runs once per column of every row).
                std::mem::forget(value);
                <$t>::try_from(wide).map_err(|_| Error::Conversion {
                    expected: stringify!($t),
                    found: format!("integer {wide} out of range"),
                })
            }

            #[inline]
            fn from_column(row: &dyn RowAccess, idx: usize) -> Result<Self> {
                match row.get_i64(idx) {
                    Some(Some(v)) => match <$t>::try_from(v) {
                        Ok(x) => Ok(x),
                        Err(_) => Err(out_of_range(stringify!($t), v)),
                    },
                    // Kept out of line, so that the plain integer's path
                    // inlines into the model's decoding.
                    _ => from_value_ref_at(row, idx),
                }
            }

            #[inline]
            fn from_column_opt(row: &dyn RowAccess, idx: usize) -> Result<Option<Self>> {
                match row.get_i64(idx) {
                    Some(Some(v)) => <$t>::try_from(v)
                        .map(Some)
                        .map_err(|_| out_of_range(stringify!($t), v)),
                    Some(None) => Ok(None),
                    None => from_value_ref_at(row, idx),
                }
            }

            #[inline]
            fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
                let wide: i64 = match value {
                    ValueRef::I64(v) => v,
                    ValueRef::I32(v) => v.into(),
                    ValueRef::I16(v) => v.into(),
                    ValueRef::Bool(v) => v.into(),
                    ValueRef::Owned(v) => return Self::from_value(v),
                    other => return mismatch_ref(stringify!($t), other),
                };
                <$t>::try_from(wide).map_err(|_| out_of_range(stringify!($t), wide))
            }
        }
    )*};
}

/// [`FromValue::from_value_ref`] of a row's column: the way a type
/// decodes a column that the row's plain accessors do not give.
#[inline(never)]
fn from_value_ref_at<T: FromValue>(row: &dyn RowAccess, idx: usize) -> Result<T> {
    T::from_value_ref(row.value_ref(idx)?)
}

#[cold]
#[inline(never)]
fn out_of_range(expected: &'static str, wide: i64) -> Error {
    Error::Conversion {
        expected,
        found: format!("integer {wide} out of range"),
    }
}
int_from_value!(i8, i16, i32, i64, u8, u16, u32, u64);

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::I16(v) => Ok(v != 0),
            Value::I32(v) => Ok(v != 0),
            Value::I64(v) => Ok(v != 0),
            other => mismatch("bool", &other),
        }
    }

    #[inline]
    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Bool(b) => Ok(b),
            ValueRef::I16(v) => Ok(v != 0),
            ValueRef::I32(v) => Ok(v != 0),
            ValueRef::I64(v) => Ok(v != 0),
            ValueRef::Owned(v) => Self::from_value(v),
            other => mismatch_ref("bool", other),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::F64(v) => Ok(v),
            Value::F32(v) => Ok(v.into()),
            Value::I16(v) => Ok(v.into()),
            Value::I32(v) => Ok(v.into()),
            Value::I64(v) => Ok(v as f64),
            other => mismatch("f64", &other),
        }
    }

    #[inline]
    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::F64(v) => Ok(v),
            ValueRef::F32(v) => Ok(v.into()),
            ValueRef::I16(v) => Ok(v.into()),
            ValueRef::I32(v) => Ok(v.into()),
            ValueRef::I64(v) => Ok(v as f64),
            ValueRef::Owned(v) => Self::from_value(v),
            other => mismatch_ref("f64", other),
        }
    }
}

impl FromValue for f32 {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::F32(v) => Ok(v),
            Value::F64(v) => Ok(v as f32),
            Value::I16(v) => Ok(v.into()),
            Value::I32(v) => Ok(v as f32),
            Value::I64(v) => Ok(v as f32),
            other => mismatch("f32", &other),
        }
    }
}

impl FromValue for Decimal {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Decimal(d) => Ok(d),
            Value::I16(v) => Ok(v.into()),
            Value::I32(v) => Ok(v.into()),
            Value::I64(v) => Ok(v.into()),
            Value::F64(f) => f.to_string().parse().map_err(|_| Error::Conversion {
                expected: "Decimal",
                found: format!("float {f}"),
            }),
            Value::String(ref s) => s.parse().map_err(|_| Error::Conversion {
                expected: "Decimal",
                found: format!("text {s:?}"),
            }),
            other => mismatch("Decimal", &other),
        }
    }
}

impl FromValue for String {
    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::String(s) => Ok(s.into_string()),
            other => mismatch("String", &other),
        }
    }

    #[inline]
    fn from_column(row: &dyn RowAccess, idx: usize) -> Result<Self> {
        match row.get_str(idx) {
            Some(Some(s)) => Ok(s.to_owned()),
            _ => from_value_ref_at(row, idx),
        }
    }

    #[inline]
    fn from_column_opt(row: &dyn RowAccess, idx: usize) -> Result<Option<Self>> {
        match row.get_str(idx) {
            Some(Some(s)) => Ok(Some(s.to_owned())),
            Some(None) => Ok(None),
            None => from_value_ref_at(row, idx),
        }
    }

    #[inline]
    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Str(s) => Ok(s.to_owned()),
            ValueRef::Owned(v) => Self::from_value(v),
            other => mismatch_ref("String", other),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Bytes(b) => Ok(b),
            Value::String(s) => Ok(s.into_string().into_bytes()),
            other => mismatch("Vec<u8>", &other),
        }
    }

    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Bytes(b) => Ok(b.to_vec()),
            ValueRef::Str(s) => Ok(s.as_bytes().to_vec()),
            ValueRef::Owned(v) => Self::from_value(v),
            other => mismatch_ref("Vec<u8>", other),
        }
    }
}

// Databases without native types (SQLite) hand dates, times, UUIDs and
// JSON back as text (or, for UUIDs, 16 bytes); those forms are accepted too.

fn parse_text<T>(expected: &'static str, s: &str, parsed: Option<T>) -> Result<T> {
    parsed.ok_or_else(|| Error::Conversion {
        expected,
        found: format!("text {s:?}"),
    })
}

impl FromValue for NaiveDate {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Date(d) => Ok(d),
            Value::DateTime(t) => Ok(t.date()),
            Value::String(s) => {
                let p = NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d").ok();
                parse_text("NaiveDate", &s, p)
            }
            other => mismatch("NaiveDate", &other),
        }
    }
}

impl FromValue for NaiveTime {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Time(t) => Ok(t),
            Value::String(s) => {
                let p = NaiveTime::parse_from_str(&s, "%H:%M:%S%.f")
                    .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M"))
                    .ok();
                parse_text("NaiveTime", &s, p)
            }
            other => mismatch("NaiveTime", &other),
        }
    }
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

impl FromValue for NaiveDateTime {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::DateTime(t) => Ok(t),
            Value::DateTimeTz(t) => Ok(t.naive_utc()),
            Value::Date(d) => Ok(d.and_time(NaiveTime::MIN)),
            Value::String(s) => {
                let p = parse_datetime(&s);
                parse_text("NaiveDateTime", &s, p)
            }
            other => mismatch("NaiveDateTime", &other),
        }
    }
}

impl FromValue for DateTime<Utc> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::DateTimeTz(t) => Ok(t),
            Value::DateTime(t) => Ok(t.and_utc()),
            Value::String(s) => {
                let p = DateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f%:z")
                    .or_else(|_| DateTime::parse_from_rfc3339(s.trim()))
                    .map(|t| t.with_timezone(&Utc))
                    .ok()
                    .or_else(|| parse_datetime(&s).map(|t| t.and_utc()));
                parse_text("DateTime<Utc>", &s, p)
            }
            other => mismatch("DateTime<Utc>", &other),
        }
    }
}

impl FromValue for Uuid {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Uuid(u) => Ok(u),
            Value::String(s) => {
                let p = Uuid::parse_str(s.trim()).ok();
                parse_text("Uuid", &s, p)
            }
            Value::Bytes(b) => Uuid::from_slice(&b).map_err(|_| Error::Conversion {
                expected: "Uuid",
                found: format!("{} bytes", b.len()),
            }),
            other => mismatch("Uuid", &other),
        }
    }
}

impl FromValue for serde_json::Value {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Json(j) => Ok(*j),
            Value::String(s) => serde_json::from_str(&s).map_err(|e| Error::Conversion {
                expected: "serde_json::Value",
                found: format!("text that is not JSON ({e})"),
            }),
            // A JSON number stored as text comes back as a number from a
            // column with numeric affinity (SQLite's JSON columns).
            Value::I16(v) => Ok(v.into()),
            Value::I32(v) => Ok(v.into()),
            Value::I64(v) => Ok(v.into()),
            Value::F64(f) => serde_json::Number::from_f64(f)
                .map(serde_json::Value::Number)
                .ok_or_else(|| Error::Conversion {
                    expected: "serde_json::Value",
                    found: format!("float {f}"),
                }),
            other => mismatch("serde_json::Value", &other),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    #[inline]
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => {
                // Owns nothing: skip the drop glue of `Value`.
                std::mem::forget(value);
                Ok(None)
            }
            v => T::from_value(v).map(Some),
        }
    }

    #[inline]
    fn from_value_ref(value: ValueRef<'_>) -> Result<Self> {
        match value {
            ValueRef::Null | ValueRef::Owned(Value::Null) => Ok(None),
            v => T::from_value_ref(v).map(Some),
        }
    }

    #[inline]
    fn from_column(row: &dyn RowAccess, idx: usize) -> Result<Self> {
        T::from_column_opt(row, idx)
    }
}

impl<T: FromValue + ArrayElement> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Array(items) => items.into_iter().map(T::from_value).collect(),
            other => mismatch("Vec<T>", &other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_none_is_null_and_back() {
        assert_eq!(None::<i64>.into_value(), Value::Null);
        assert_eq!(Option::<i64>::from_value(Value::Null), Ok(None));
        assert_eq!(Option::<i64>::from_value(Value::I32(7)), Ok(Some(7)));
    }

    #[test]
    fn narrowing_out_of_range_is_an_error() {
        let err = i16::from_value(Value::I64(i64::MAX)).unwrap_err();
        assert!(matches!(
            err,
            Error::Conversion {
                expected: "i16",
                ..
            }
        ));
        assert_eq!(i64::from_value(Value::I16(-3)), Ok(-3));
    }

    #[test]
    fn mismatched_kind_names_both_sides() {
        let err = String::from_value(Value::I64(1)).unwrap_err();
        assert_eq!(err.to_string(), "cannot convert i64 to String");
    }

    /// `from_value_ref` answers as `from_value` of the owned value does.
    fn same_as_owned<T: FromValue + PartialEq + std::fmt::Debug>(v: ValueRef<'_>) {
        let owned = T::from_value(v.clone().into_owned());
        assert_eq!(T::from_value_ref(v.clone()), owned, "{v:?}");
        let wrapped = ValueRef::Owned(v.into_owned());
        assert_eq!(T::from_value_ref(wrapped), owned);
    }

    #[test]
    fn borrowed_values_convert_as_owned_ones_do() {
        let bytes = [0u8, 159, 146, 150];
        let all = [
            ValueRef::Null,
            ValueRef::Bool(true),
            ValueRef::I16(-2),
            ValueRef::I32(70_000),
            ValueRef::I64(i64::MAX),
            ValueRef::F32(1.5),
            ValueRef::F64(-0.25),
            ValueRef::Str("héllo"),
            ValueRef::Bytes(&bytes),
            ValueRef::Owned(Value::Decimal(Decimal::new(12, 1))),
        ];
        for v in all {
            same_as_owned::<i8>(v.clone());
            same_as_owned::<i16>(v.clone());
            same_as_owned::<i32>(v.clone());
            same_as_owned::<i64>(v.clone());
            same_as_owned::<u64>(v.clone());
            same_as_owned::<bool>(v.clone());
            same_as_owned::<f64>(v.clone());
            same_as_owned::<f32>(v.clone());
            same_as_owned::<String>(v.clone());
            same_as_owned::<Vec<u8>>(v.clone());
            same_as_owned::<Decimal>(v.clone());
            same_as_owned::<Option<i64>>(v.clone());
            same_as_owned::<Option<String>>(v.clone());
            same_as_owned::<Value>(v);
        }
    }

    /// Decoding a row column (through `RowAccess::get_i64` / `get_str`
    /// where the row offers them) answers as `from_value` does.
    fn column_same_as_owned<T: FromValue + PartialEq + std::fmt::Debug>(v: &Value) {
        let row = crate::engine::Row::new(vec!["c".to_string()].into(), vec![v.clone()]);
        assert_eq!(T::from_column(&row, 0), T::from_value(v.clone()), "{v:?}");
    }

    #[test]
    fn columns_convert_as_owned_values_do() {
        let all = [
            Value::Null,
            Value::Bool(false),
            Value::I16(-2),
            Value::I32(70_000),
            Value::I64(i64::MIN),
            Value::F64(2.5),
            Value::String("text".into()),
            Value::Bytes(vec![1, 2]),
        ];
        for v in &all {
            column_same_as_owned::<i16>(v);
            column_same_as_owned::<i64>(v);
            column_same_as_owned::<u32>(v);
            column_same_as_owned::<String>(v);
            column_same_as_owned::<Option<i32>>(v);
            column_same_as_owned::<Option<i64>>(v);
            column_same_as_owned::<Option<String>>(v);
            column_same_as_owned::<Option<f64>>(v);
            column_same_as_owned::<Vec<u8>>(v);
            column_same_as_owned::<Value>(v);
        }
    }

    #[test]
    fn borrowing_a_value_gives_it_back() {
        let values = [
            Value::Null,
            Value::I32(3),
            Value::String("x".into()),
            Value::Bytes(vec![1, 2]),
            Value::Json(Box::new(serde_json::json!({"a": 1}))),
        ];
        for v in values {
            assert_eq!(ValueRef::borrow(&v).into_owned(), v);
            assert_eq!(ValueRef::from(v.clone()).into_owned(), v);
            assert_eq!(ValueRef::borrow(&v).kind(), v.kind());
        }
    }

    #[test]
    fn vec_of_u8_is_bytes_and_vec_of_i32_is_array() {
        assert_eq!(vec![1u8, 2].into_value(), Value::Bytes(vec![1, 2]));
        assert_eq!(
            vec![1i32, 2].into_value(),
            Value::Array(vec![Value::I32(1), Value::I32(2)])
        );
    }
}
