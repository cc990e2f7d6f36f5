//! `aludel-orm`: the object-relational layer of Aludel.
//!
//! Today it holds models: the [`Model`] trait and `#[derive(Model)]`, which
//! turn a struct into table metadata, typed column handles ([`Col`]) whose
//! methods build Core expressions that type-check (`User::email.eq("a@x")`
//! compiles, `User::id.eq("one")` does not), row decoding, and a link-time
//! registry of every model of a binary ([`registered_models`],
//! [`models_metadata`]) for `create_all` and migrations.
//!
//! The [`Session`] holds objects in an identity map (one row, one
//! [`Obj`]), tracks their states ([`ObjectState`]) and changes, and
//! flushes them as a unit of work: INSERTs, UPDATEs of changed columns and
//! DELETEs in foreign-key order, generated keys read back, version columns
//! checked. Queries come in the seed's two styles: [`Session::query`]
//! (legacy) and [`Session::scalars`] / [`Session::execute`] over Core
//! statements (2.0). [`blocking::Session`] is the same session without
//! `.await`. Relationships are [`One`] and [`Many`] fields, loaded
//! explicitly ([`Session::load`]) or eagerly by query options ([`selectin`],
//! [`joined`]); their changes flush with the unit of work. The crate
//! builds on `aludel-core` and knows no concrete database.
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

pub mod blocking;
mod column;
mod error;
mod key;
mod model;
mod object;
mod query;
mod relationship;
mod session;

pub use column::{AsSql, Col, ColumnValue};
pub use error::{Error, Result};
pub use key::{IntoKey, Key};
pub use model::{models_metadata, registered_models, Model, ModelEntry, MODELS};
pub use object::{Obj, ObjMut, ObjRef, ObjectInfo, ObjectState};
pub use query::{select_model, Entity, EntityWith, Plain, PlainEntity, Query};
pub use relationship::{
    joined, selectin, Cascade, Direction, ErasedRel, Lazy, Load, Many, One, Rel, RelChanges,
    RelField, RelInfo,
};
pub use session::{Session, SessionMaker, SessionOptions};

/// `#[derive(Model)]`; see the crate documentation.
#[cfg(feature = "derive")]
pub use aludel_derive::Model;

pub use aludel_core as core;

#[doc(hidden)]
pub mod __private {
    pub use crate::object::{spare_cells, ErasedObj, Spare};
    pub use crate::session::{
        absorb_erased, absorb_into, AbsorbFn, AbsorbIntoFn, Absorbed, Identity, RelSink,
    };
    pub use aludel_core;
    pub use linkme;
    pub use std::sync::atomic::AtomicUsize;
    pub use std::sync::OnceLock;
}
