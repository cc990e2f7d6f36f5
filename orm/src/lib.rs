//! `aludel-orm`: the object-relational layer of Aludel.
//!
//! Today it holds models: the [`Model`] trait and `#[derive(Model)]`, which
//! turn a struct into table metadata, typed column handles ([`Col`]) whose
//! methods build Core expressions that type-check (`User::email.eq("a@x")`
//! compiles, `User::id.eq("one")` does not), row decoding, and a link-time
//! registry of every model of a binary ([`registered_models`],
//! [`models_metadata`]) for `create_all` and migrations.
//!
//! The `Session` with its identity map and unit of work, relationships and
//! their loader strategies, and the query API build on these next. The
//! crate builds on `aludel-core` and knows no concrete database.
//!
//! ```
//! use aludel_orm::Model;
//! use aludel_core::{compile, select, GenericDialect};
//!
//! #[derive(Model, Debug, Default)]
//! #[aludel(table = "users")]
//! pub struct User {
//!     #[aludel(primary_key, index)]
//!     pub id: i64,
//!     #[aludel(index, length = 50)]
//!     pub name: Option<String>,
//!     #[aludel(unique, index)]
//!     pub email: Option<String>,
//! }
//!
//! let q = select(User::table()).where_(User::email.eq("alice@example.com"));
//! let sql = compile(&q.into(), &GenericDialect)?.sql;
//! assert_eq!(&*sql, "SELECT users.id, users.name, users.email FROM users WHERE users.email = ?");
//! # Ok::<(), aludel_core::Error>(())
//! ```

mod column;
mod model;

pub use column::{AsSql, Col, ColumnValue};
pub use model::{models_metadata, registered_models, Model, ModelEntry, MODELS};

/// `#[derive(Model)]`; see the crate documentation.
#[cfg(feature = "derive")]
pub use aludel_derive::Model;

pub use aludel_core as core;

#[doc(hidden)]
pub mod __private {
    pub use aludel_core;
    pub use linkme;
}
