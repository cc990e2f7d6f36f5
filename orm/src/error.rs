//! The ORM's error type.

use crate::object::ObjectState;

/// What can go wrong in the ORM: every Core error, and the session's own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from Core: SQL compilation, the connection or the database
    /// (constraint violations keep their kind and constraint name).
    #[error(transparent)]
    Core(#[from] aludel_core::Error),

    /// The object's loaded state was expired (by a commit with
    /// `expire_on_commit`, a rollback, or `expire`) and has not been
    /// loaded again. Reading it would show data the database may no longer
    /// hold, and Aludel does no I/O behind a field access.
    #[error(
        "{model} {key} is expired; load it again with session.refresh(&obj), \
         session.get or a query (or open the session with expire_on_commit(false))"
    )]
    Expired {
        /// The model's name.
        model: &'static str,
        /// Its primary key, as text.
        key: String,
    },

    /// An UPDATE or DELETE of the flush matched fewer rows than it had
    /// objects: the row changed or vanished since it was loaded (the
    /// version column did not match).
    #[error(
        "stale data: {operation} on table {table} expected to match {expected} row(s) \
         but matched {matched}; the rows were changed or deleted since they were loaded"
    )]
    StaleData {
        /// `"UPDATE"` or `"DELETE"`.
        operation: &'static str,
        /// The table.
        table: String,
        /// The number of objects written.
        expected: u64,
        /// The number of rows the database matched.
        matched: u64,
    },

    /// `refresh` found no row for a persistent object.
    #[error("{model} {key} no longer exists in the database")]
    ObjectDeleted {
        /// The model's name.
        model: &'static str,
        /// Its primary key, as text.
        key: String,
    },

    /// An operation that the object's state does not allow, such as
    /// deleting an object that was never saved, or adding an object that
    /// another session holds.
    #[error("cannot {operation} {model}: the object is {state}")]
    InvalidState {
        /// What was asked.
        operation: &'static str,
        /// The model's name.
        model: &'static str,
        /// The state it is in.
        state: ObjectState,
    },

    /// A relationship was read before the session loaded it.
    #[error(
        "a relationship to {relationship} is not loaded: load it with session.load(&obj, Model::field) \
         or a query option (selectin, joined); a detached object's relationships cannot be loaded"
    )]
    NotLoaded {
        /// The target model.
        relationship: String,
    },

    /// A relationship declared with `lazy = "raise"` (or a query's
    /// `raiseload`) was asked to load lazily.
    #[error("{path} is declared raise: load it eagerly with a query option (selectin or joined)")]
    RaiseLoad {
        /// `Model.field`.
        path: String,
    },

    /// A relationship that cannot work as declared.
    #[error("relationship {path}: {message}")]
    Relationship {
        /// `Model.field`.
        path: String,
        /// What is wrong.
        message: String,
    },

    /// The object is borrowed through a guard from `Obj::write` (or
    /// `Obj::read` while the session needs to write it): drop the guard
    /// first.
    #[error(
        "{model} is borrowed through a read or write guard; drop the guard before {operation}"
    )]
    Borrowed {
        /// The model's name.
        model: &'static str,
        /// What needed the object.
        operation: &'static str,
    },
}

impl Error {
    /// The Core error underneath, if this is one.
    pub fn as_core(&self) -> Option<&aludel_core::Error> {
        match self {
            Error::Core(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is a constraint violation reported by the database.
    pub fn is_integrity(&self) -> bool {
        self.as_core().is_some_and(aludel_core::Error::is_integrity)
    }
}

/// `Result` with the ORM's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
