//! # Aludel
//!
//! A SQL toolkit and ORM for Rust in the model of SQLAlchemy. This facade
//! re-exports Aludel Core (schema metadata, the expression language and its
//! per-dialect compiler) and links the dialects chosen by features:
//! `sqlite` (default), `postgres`, `mysql`; `migrate` adds migrations.
//!
//! Naming a dialect crate here is what keeps its link-time registration in
//! the final binary, so an application that depends on `aludel` with a
//! feature finds that dialect by URL scheme without naming it itself.

pub use aludel_core::*;

/// The ORM layer.
pub use aludel_orm as orm;

/// `#[derive(Model)]` and the `Model` trait.
pub use aludel_orm::{Col, Model};

/// The SQLite dialect.
#[cfg(feature = "sqlite")]
pub use aludel_sqlite as sqlite;

/// The PostgreSQL dialect.
#[cfg(feature = "postgres")]
pub use aludel_postgres as postgres;

/// The MySQL and MariaDB dialects.
#[cfg(feature = "mysql")]
pub use aludel_mysql as mysql;

/// Migrations.
#[cfg(feature = "migrate")]
pub use aludel_migrate as migrate;
