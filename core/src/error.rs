//! The error type of `aludel-core`.

/// A specialised `Result` for Aludel Core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in Aludel Core.
///
/// Building a statement never fails; mistakes in it (an unknown column, rows
/// of different lengths, a feature the target database lacks) are reported
/// when it is compiled for a dialect, with the names involved.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The statement needs a feature that the dialect does not have.
    #[error("{feature} is not supported by the {dialect} dialect")]
    Unsupported {
        /// What the statement asked for, e.g. `"FULL OUTER JOIN"`.
        feature: &'static str,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A column was looked up by a name the table, alias or subquery lacks.
    #[error("{source_name} has no column named {column:?}")]
    UnknownColumn {
        /// The table, alias or subquery that was searched.
        source_name: String,
        /// The name that was asked for.
        column: String,
    },
    /// A column refers to a table that is not in the statement's FROM clause
    /// (nor in an enclosing statement's, for a correlated subquery).
    #[error("column {column} refers to {table}, which is not in the FROM clause")]
    ColumnNotInFrom {
        /// The column as written, `table.column`.
        column: String,
        /// The table or alias it belongs to.
        table: String,
    },
    /// A row of a multi-row INSERT has a different number of values than columns.
    #[error("row {row} of the INSERT has {found} values, expected {expected}")]
    RowArity {
        /// Zero-based index of the offending row.
        row: usize,
        /// The number of columns named.
        expected: usize,
        /// The number of values in the row.
        found: usize,
    },
    /// No ON clause was given for a join and none could be inferred.
    #[error("cannot join {left} to {right}: {reason}")]
    JoinCondition {
        /// The left side of the join.
        left: String,
        /// The right side.
        right: String,
        /// Why no condition was inferred (no foreign key, or several).
        reason: String,
    },
    /// A `text()` clause names a bind parameter that has no value.
    #[error("text clause parameter :{name} has no value")]
    MissingBind {
        /// The parameter's name, without the colon.
        name: String,
    },
    /// A statement run directly holds a [`bindparam`](crate::bindparam)
    /// (or a prepared statement was run without a value for one).
    #[error("bind parameter :{name} has no value (prepare the statement and bind a value to it)")]
    UnboundParameter {
        /// The parameter's name, without the colon.
        name: String,
    },
    /// Foreign keys between tables form a cycle that no `use_alter` breaks.
    #[error("foreign keys form a cycle between tables {}; mark one foreign key use_alter to break it", tables.join(", "))]
    DependencyCycle {
        /// The tables in the cycle.
        tables: Vec<String>,
    },
    /// A URL named a database for which no dialect is registered.
    #[error("no dialect is registered for {scheme:?}; registered: {}", registered.join(", "))]
    UnknownDialect {
        /// The scheme (or name) that was asked for.
        scheme: String,
        /// The names of the registered dialects.
        registered: Vec<&'static str>,
    },
    /// A value could not be converted to the Rust type asked for.
    #[error("cannot convert {found} to {expected}")]
    Conversion {
        /// The Rust type asked for.
        expected: &'static str,
        /// A description of the value found.
        found: String,
    },
    /// A statement is malformed in a way the other variants do not cover.
    #[error("invalid statement: {0}")]
    InvalidStatement(String),
    /// Schema metadata is inconsistent (a duplicate column, a foreign key to
    /// an unknown column, ...).
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
    /// A database URL is malformed or has an option the dialect does not
    /// know. The URL shown has its password replaced by `***`.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl {
        /// The URL, password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database (or the driver talking to it) reported an error.
    #[error("{0}")]
    Database(Box<DatabaseError>),
    /// No connection became free within the pool's timeout.
    #[error("timed out after {timeout:?} waiting for a connection: all {max} connections of the pool are in use")]
    PoolTimeout {
        /// How long the checkout waited.
        timeout: std::time::Duration,
        /// The most connections the pool opens (pool size plus overflow).
        max: usize,
    },
    /// A query expected exactly one row and found none.
    #[error("the query returned no rows where one was expected")]
    NoRows,
    /// A query expected at most one row and found several.
    #[error("the query returned {count} rows where at most one was expected")]
    MultipleRows {
        /// How many rows it returned.
        count: usize,
    },
    /// A transaction was used in a way its state does not allow.
    #[error("transaction error: {0}")]
    Transaction(String),
}

/// The portable category of a database error, for code that branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    UniqueViolation,
    /// A FOREIGN KEY constraint was violated.
    ForeignKeyViolation,
    /// NULL was given for a NOT NULL column.
    NotNullViolation,
    /// A CHECK constraint was violated.
    CheckViolation,
    /// The connection could not be made or was lost.
    Connection,
    /// The database gave up waiting (a lock, a statement timeout).
    Timeout,
    /// The SQL text was rejected (syntax, unknown table or column).
    Syntax,
    /// A value did not fit (out of range, bad format, too long).
    Data,
    /// The transaction was aborted by a deadlock or a serialization failure
    /// and may succeed if retried.
    Serialization,
    /// Anything else.
    Other,
}

impl DbErrorKind {
    /// Whether this is a constraint violation (SQLAlchemy's IntegrityError).
    pub fn is_integrity(self) -> bool {
        matches!(
            self,
            DbErrorKind::UniqueViolation
                | DbErrorKind::ForeignKeyViolation
                | DbErrorKind::NotNullViolation
                | DbErrorKind::CheckViolation
        )
    }

    fn describe(self) -> &'static str {
        match self {
            DbErrorKind::UniqueViolation => "unique constraint violated",
            DbErrorKind::ForeignKeyViolation => "foreign key constraint violated",
            DbErrorKind::NotNullViolation => "not-null constraint violated",
            DbErrorKind::CheckViolation => "check constraint violated",
            DbErrorKind::Connection => "connection error",
            DbErrorKind::Timeout => "timeout",
            DbErrorKind::Syntax => "SQL rejected",
            DbErrorKind::Data => "invalid data",
            DbErrorKind::Serialization => "transaction aborted (deadlock or serialization failure)",
            DbErrorKind::Other => "database error",
        }
    }
}

/// An error reported by the database or its driver, with the SQL that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseError {
    /// The portable category.
    pub kind: DbErrorKind,
    /// The driver's message.
    pub message: String,
    /// The database's own code (SQLSTATE, or the engine's error number).
    pub code: Option<String>,
    /// The constraint, or for NOT NULL the column, the database named.
    pub constraint: Option<String>,
    /// The statement that failed, when there was one.
    pub sql: Option<String>,
}

impl std::fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind.describe())?;
        if let Some(c) = &self.constraint {
            write!(f, " ({c})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(code) = &self.code {
            write!(f, " [code {code}]")?;
        }
        if let Some(sql) = &self.sql {
            write!(f, "\n[SQL: {sql}]")?;
        }
        Ok(())
    }
}

impl Error {
    /// A database error of `kind` with the driver's `message`.
    pub fn database(kind: DbErrorKind, message: impl Into<String>) -> Self {
        Error::Database(Box::new(DatabaseError {
            kind,
            message: message.into(),
            code: None,
            constraint: None,
            sql: None,
        }))
    }

    /// The database error category, if this is a database error.
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Error::Database(d) => Some(d.kind),
            _ => None,
        }
    }

    /// Whether this is a constraint violation.
    pub fn is_integrity(&self) -> bool {
        self.db_kind().is_some_and(DbErrorKind::is_integrity)
    }

    /// Attaches the failing statement to a database error that lacks one.
    #[cold]
    pub fn with_sql(mut self, sql: &str) -> Self {
        if let Error::Database(d) = &mut self {
            if d.sql.is_none() {
                d.sql = Some(sql.to_string());
            }
        }
        self
    }
}
