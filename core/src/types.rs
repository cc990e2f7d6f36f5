//! [`SqlType`]: the portable column types, rendered per dialect in DDL and CAST.

use crate::name::Name;

/// A column type.
///
/// Each dialect spells these the way SQLAlchemy does for the same column,
/// so that schemas created by either tool compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// SMALLINT, 16 bits.
    SmallInt,
    /// INTEGER, 32 bits.
    Integer,
    /// BIGINT, 64 bits.
    BigInt,
    /// BOOLEAN (BOOL on MySQL).
    Boolean,
    /// Single-precision float (REAL on PostgreSQL, FLOAT elsewhere).
    Float,
    /// Double-precision float.
    Double,
    /// Exact decimal with optional precision and scale.
    Numeric {
        /// Total digits.
        precision: Option<u32>,
        /// Digits after the decimal point.
        scale: Option<u32>,
    },
    /// VARCHAR with an optional length (MySQL requires one in DDL).
    String(Option<u32>),
    /// Unbounded text.
    Text,
    /// Binary data (BLOB / BYTEA).
    Bytes,
    /// DATE.
    Date,
    /// TIME without time zone.
    Time,
    /// TIMESTAMP / DATETIME without time zone.
    DateTime,
    /// TIMESTAMP WITH TIME ZONE where the database has it.
    DateTimeTz,
    /// UUID (native on PostgreSQL, CHAR(32) elsewhere).
    Uuid,
    /// JSON.
    Json,
    /// JSONB on PostgreSQL, JSON elsewhere.
    JsonB,
    /// An enumeration of named values: a named type on PostgreSQL, an inline
    /// ENUM on MySQL, a VARCHAR on SQLite.
    Enum(EnumType),
    /// An array of another type (PostgreSQL only).
    Array(Box<SqlType>),
    /// A type spelled verbatim, for anything the portable types do not cover.
    Custom(Name),
}

/// The definition of an enumerated type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumType {
    /// The type's name (used by PostgreSQL's `CREATE TYPE`).
    pub name: Name,
    /// The allowed values, in order.
    pub values: Vec<Name>,
}

impl SqlType {
    /// `NUMERIC(precision, scale)`.
    pub fn numeric(precision: u32, scale: u32) -> Self {
        SqlType::Numeric {
            precision: Some(precision),
            scale: Some(scale),
        }
    }

    /// `VARCHAR(len)`.
    pub fn string(len: u32) -> Self {
        SqlType::String(Some(len))
    }

    /// An enumeration called `name` with the given values.
    pub fn enumeration<I, V>(name: impl Into<Name>, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Name>,
    {
        SqlType::Enum(EnumType {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
        })
    }

    /// An array whose elements have type `element`.
    pub fn array(element: SqlType) -> Self {
        SqlType::Array(Box::new(element))
    }

    /// Whether the type is an integer type (candidates for autoincrement).
    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }
}
