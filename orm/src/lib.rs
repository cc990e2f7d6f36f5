//! `aludel-orm`: the object-relational layer of Aludel.
//!
//! It will hold the `Model` trait, the `Session` with its identity map and
//! unit of work, relationships and their loader strategies (lazy, joined,
//! selectin, raise) and the query API in both of SQLAlchemy's styles. It
//! builds on `aludel-core` and knows no concrete database.

pub use aludel_core as core;
