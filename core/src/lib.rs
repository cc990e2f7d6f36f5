//! # aludel-core
//!
//! The pure layer of Aludel: schema metadata ([`MetaData`], [`Table`],
//! [`Column`]), portable types ([`SqlType`]) and values ([`Value`]), the SQL
//! expression language ([`Expr`], [`select()`], [`insert`], [`update`],
//! [`delete`], [`text()`]), DDL ([`ddl`]), and the compiler that turns a
//! [`Statement`] into SQL text plus bound parameters for a [`Dialect`].
//!
//! Nothing in this crate performs I/O or knows a concrete database:
//! dialect crates register themselves at link time with
//! [`register_dialect!`].
//!
//! ```
//! use aludel_core::{select, Column, GenericDialect, MetaData, SqlType, Table, compile};
//!
//! let mut md = MetaData::new();
//! let users = md.add(
//!     Table::builder("users")
//!         .column(Column::new("id", SqlType::Integer).primary_key())
//!         .column(Column::new("name", SqlType::String(None))),
//! )?;
//! let stmt = select(&users).where_(users.c("name")?.like("A%"));
//! let compiled = compile(&stmt.into(), &GenericDialect)?;
//! assert_eq!(&*compiled.sql, "SELECT users.id, users.name FROM users WHERE users.name LIKE ?");
//! # Ok::<(), aludel_core::Error>(())
//! ```

extern crate self as aludel_core;

pub mod blocking;
pub mod compile;
pub mod ddl;
pub mod dialect;
pub mod dml;
pub mod engine;
pub mod error;
pub mod expr;
pub mod generic;
pub mod keywords;
pub mod name;
pub mod prepared;
pub mod reflect;
pub mod schema;
pub mod select;
pub mod statement;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod types;
pub mod value;

pub use compile::{compile, compile_literal, Compiled, Compiler, StatementCache};
pub use ddl::{create_all, create_index, create_table, drop_all, drop_index, drop_table, Ddl};
pub use dialect::{
    dialect_by_name, dialect_for_url, registered_dialects, Capabilities, Dialect, ParamStyle,
};
pub use dml::{delete, excluded, insert, update, Delete, Insert, OnConflict, Update};
pub use engine::{
    create_engine, create_engine_with, Connection, DatabaseUrl, Engine, EngineOptions, FromRow,
    IsolationLevel, QueryResult, Row, RowAccess, Transaction,
};
pub use error::{DatabaseError, DbErrorKind, Error, Result};
pub use expr::{
    and, bindparam, case, case_value, col, exists, func, not, null, or, star, value, Expr,
    FrameBound, IntoExpr, OrderBy, Window,
};
pub use generic::GenericDialect;
pub use name::Name;
pub use prepared::{Bound, Prepared};
pub use reflect::{
    create_all_missing, reflect_metadata, reflect_table, table_names, Reflect, ReflectedTable,
};
pub use schema::{
    Autoincrement, Column, FkAction, ForeignKey, Index, MetaData, NamingConvention, Table,
};
pub use select::{select, Alias, Compound, Cte, FromItem, JoinKind, Query, Select};
pub use statement::Statement;
pub use text::{text, TextClause};
pub use types::SqlType;
pub use value::{FromValue, IntoValue, Text, Value, ValueRef};

/// `#[derive(FromRow)]`: decode rows into a struct by column name (or by
/// position with `#[aludel(by_position)]`; `#[aludel(rename = "col")]` on a field).
#[cfg(feature = "derive")]
pub use aludel_derive::FromRow;

#[doc(hidden)]
pub mod __private {
    pub use linkme;
}
