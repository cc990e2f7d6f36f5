//! `aludel-migrate`: Alembic-style schema migrations for Aludel.
//!
//! Revisions are TOML files in `migrations/versions/` ([`Revision`]), each
//! naming the revisions it follows; together they form a [`Graph`] with
//! heads, branches and merges. A [`Migrator`] applies and reverts them
//! against a database, one transaction per revision where the database
//! has transactional DDL, recording the applied heads in the
//! `aludel_version` table, under a lock so that two runners never apply
//! one revision twice; [`offline_sql`] prints the same work as SQL without
//! connecting. Operations ([`Op`]) are plain data compiled per dialect by
//! Core.
//!
//! # What SQLite's ALTER TABLE cannot do
//!
//! Where a dialect's `ALTER TABLE` cannot change a column's type,
//! nullability or default, or add or drop a constraint (SQLite's), and its
//! [`Capabilities::table_rebuild`](aludel_core::dialect::Capabilities::table_rebuild)
//! says how, the [`Migrator`] rebuilds the table instead (Alembic's
//! `batch_alter_table`): inside the revision's transaction it reflects the
//! table, creates it anew with the change under a temporary name, copies
//! the rows, drops the old table, renames the new one and recreates the
//! indexes and triggers. Consecutive operations on one table share one
//! copy. Foreign keys are switched off before the transaction begins (so
//! that dropping a referenced table leaves its children's rows alone),
//! checked before the commit ([`Error::ForeignKeyCheck`] rolls the
//! revision back) and switched on again afterwards. A column made NOT NULL
//! while it holds NULLs is an error that leaves the table as it was; a
//! table with what reflection does not read (on SQLite: generated columns,
//! collations, STRICT, WITHOUT ROWID, AUTOINCREMENT, deferrable foreign
//! keys) is refused rather than copied without it. Offline mode cannot
//! reflect: it stops at such an operation with an error naming it.
//! `docs/adr/0008-sqlite-batch-migrations.md` gives the reasons.
//!
//! [`compare`] is autogenerate's core: the operations between the models'
//! metadata and the database's, both ways; [`autogenerate`] reflects the
//! database and runs it.

mod autogen;
mod batch;
mod error;
mod graph;
mod ops;
mod revision;
mod runner;
pub mod types;

pub use autogen::{autogenerate, compare, Diff};
pub use error::{Error, Result};
pub use graph::{Graph, RevRange};
pub use ops::{column_spec, CheckSpec, ColumnSpec, ForeignKeySpec, Op, Step, UniqueSpec};
pub use revision::{new_revision_id, Revision};
pub use runner::{offline_sql, Migrator, VERSION_TABLE};

pub use aludel_core as core;
