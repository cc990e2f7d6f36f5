//! The migration crate's error type.

use std::path::PathBuf;

/// What can go wrong with migrations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from Core: compiling, connecting, or the database.
    #[error(transparent)]
    Core(#[from] aludel_core::Error),

    /// A revision file that cannot be read as a revision.
    #[error("{}:{line}: {field}: {message}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// The line (1-based; 0 when unknown).
        line: usize,
        /// The field at fault (or `file`).
        field: String,
        /// What is wrong.
        message: String,
    },

    /// The revisions do not form a graph: a cycle, a missing parent, two
    /// files with one id.
    #[error("revision graph: {0}")]
    Graph(String),

    /// A target that names no revision, or more than one.
    #[error("target {target:?}: {message}")]
    Target {
        /// The target as given.
        target: String,
        /// Why it does not resolve.
        message: String,
    },

    /// An operation that cannot be carried out as written.
    #[error("{0}")]
    Invalid(String),

    /// An operation of a revision failed; the database is at the last
    /// revision that completed.
    #[error(
        "revision {revision} ({message}) failed at operation {index} ({op}): {source}; \
         the database is at {at}"
    )]
    Operation {
        /// The revision.
        revision: String,
        /// Its message.
        message: String,
        /// The operation's position (1-based).
        index: usize,
        /// The operation, described.
        op: String,
        /// The last revision(s) that completed, or `base`.
        at: String,
        /// The failure.
        #[source]
        source: Box<Error>,
    },

    /// A revision that rebuilt tables with foreign keys switched off left
    /// rows that break a foreign key (the check before its commit); it was
    /// rolled back.
    #[error(
        "revision {revision} ({message}) rebuilt tables and broke foreign keys: {detail}; \
         it was rolled back and the database is at {at}"
    )]
    ForeignKeyCheck {
        /// The revision.
        revision: String,
        /// Its message.
        message: String,
        /// The tables and how many rows break each foreign key.
        detail: String,
        /// The last revision(s) that completed, or `base`.
        at: String,
    },

    /// Reading or writing a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with the migration [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
