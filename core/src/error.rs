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
}
