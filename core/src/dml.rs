//! INSERT, UPDATE and DELETE statements, with RETURNING and upserts.

use crate::expr::{Expr, IntoExpr};
use crate::name::Name;
use crate::schema::Table;
use crate::select::{FromItem, IntoColumns, IntoFrom, Query};

/// Where an INSERT's rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InsertSource {
    /// `VALUES (...), (...)`: each row has one expression per column.
    Values(Vec<Vec<Expr>>),
    /// `INSERT ... SELECT`.
    Query(Box<Query>),
    /// `DEFAULT VALUES` (or `() VALUES ()` on MySQL).
    DefaultValues,
}

/// What an upsert does on conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConflictAction {
    /// `DO NOTHING` (on MySQL: an update that changes nothing).
    Nothing,
    /// `DO UPDATE SET col = expr, ...` (`ON DUPLICATE KEY UPDATE` on MySQL).
    Update {
        /// Assignments; use [`excluded`] for the proposed value.
        set: Vec<(Name, Expr)>,
        /// An optional `WHERE` on the update (not available on MySQL).
        where_: Option<Expr>,
    },
}

/// The conflict clause of an upsert.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OnConflict {
    /// The conflict target's columns (ignored on MySQL, where any unique key counts).
    pub target: Vec<Name>,
    /// What to do.
    pub action: ConflictAction,
}

impl OnConflict {
    /// A conflict on `columns`.
    pub fn columns<C>(columns: C) -> OnConflictBuilder
    where
        C: IntoIterator,
        C::Item: Into<Name>,
    {
        OnConflictBuilder {
            target: columns.into_iter().map(Into::into).collect(),
        }
    }
}

/// An [`OnConflict`] waiting for its action.
#[derive(Debug, Clone)]
pub struct OnConflictBuilder {
    target: Vec<Name>,
}

impl OnConflictBuilder {
    /// Ignore the conflicting row.
    pub fn do_nothing(self) -> OnConflict {
        OnConflict {
            target: self.target,
            action: ConflictAction::Nothing,
        }
    }

    /// Update the existing row with the proposed values of `columns`.
    pub fn update_columns<C>(self, columns: C) -> OnConflict
    where
        C: IntoIterator,
        C::Item: Into<Name>,
    {
        let set = columns
            .into_iter()
            .map(|c| {
                let n: Name = c.into();
                (n.clone(), Expr::Excluded(n))
            })
            .collect();
        OnConflict {
            target: self.target,
            action: ConflictAction::Update { set, where_: None },
        }
    }

    /// Update the existing row with explicit assignments.
    pub fn do_update<I, N, E>(self, set: I) -> OnConflict
    where
        I: IntoIterator<Item = (N, E)>,
        N: Into<Name>,
        E: IntoExpr,
    {
        OnConflict {
            target: self.target,
            action: ConflictAction::Update {
                set: set
                    .into_iter()
                    .map(|(n, e)| (n.into(), e.into_expr()))
                    .collect(),
                where_: None,
            },
        }
    }
}

impl OnConflict {
    /// Restricts the update with a WHERE (PostgreSQL and SQLite).
    pub fn where_(mut self, cond: impl IntoExpr) -> Self {
        if let ConflictAction::Update { where_, .. } = &mut self.action {
            *where_ = Some(cond.into_expr());
        }
        self
    }
}

/// The value an upsert proposed for `column` (`excluded.column`, `VALUES(column)` on MySQL).
pub fn excluded(column: impl Into<Name>) -> Expr {
    Expr::Excluded(column.into())
}

/// An INSERT statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Insert {
    pub(crate) table: Table,
    pub(crate) columns: Vec<Name>,
    pub(crate) source: InsertSource,
    /// Boxed: most inserts have none, and a smaller `Insert` is cheaper to
    /// move through the builder methods.
    pub(crate) on_conflict: Option<Box<OnConflict>>,
    pub(crate) returning: Vec<Expr>,
}

/// `INSERT INTO table`.
pub fn insert(table: &Table) -> Insert {
    Insert {
        table: table.clone(),
        columns: Vec::new(),
        source: InsertSource::Values(Vec::new()),
        on_conflict: None,
        returning: Vec::new(),
    }
}

impl Insert {
    /// Sets one column of a single-row insert: `.value("name", "Alice")`.
    /// (Use [`Insert::columns`] and [`Insert::row`] for several rows.)
    pub fn value(mut self, column: impl Into<Name>, v: impl IntoExpr) -> Self {
        self.columns.push(column.into());
        match &mut self.source {
            InsertSource::Values(rows) => {
                if rows.is_empty() {
                    rows.push(Vec::with_capacity(4));
                }
                rows[0].push(v.into_expr());
            }
            other => *other = InsertSource::Values(vec![vec![v.into_expr()]]),
        }
        self
    }

    /// Names the columns of the rows that follow.
    pub fn columns<C>(mut self, columns: C) -> Self
    where
        C: IntoIterator,
        C::Item: Into<Name>,
    {
        self.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a row of values (one per column named by [`Insert::columns`]);
    /// a row of the wrong length is reported when the statement is compiled.
    // Inlined so that neither the row nor the statement is copied through a call.
    #[inline]
    pub fn row<I, E>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        let row: Vec<Expr> = values.into_iter().map(IntoExpr::into_expr).collect();
        match &mut self.source {
            InsertSource::Values(rows) => rows.push(row),
            other => *other = InsertSource::Values(vec![row]),
        }
        self
    }

    /// Adds many rows.
    pub fn rows<R, I, E>(mut self, rows: R) -> Self
    where
        R: IntoIterator<Item = I>,
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        for r in rows {
            self = self.row(r);
        }
        self
    }

    /// `INSERT INTO table (columns) SELECT ...`.
    pub fn from_query(mut self, q: impl Into<Query>) -> Self {
        self.source = InsertSource::Query(Box::new(q.into()));
        self
    }

    /// `INSERT INTO table DEFAULT VALUES`.
    pub fn default_values(mut self) -> Self {
        self.columns.clear();
        self.source = InsertSource::DefaultValues;
        self
    }

    /// Adds an upsert clause.
    pub fn on_conflict(mut self, c: OnConflict) -> Self {
        self.on_conflict = Some(Box::new(c));
        self
    }

    /// `RETURNING ...` (an error when compiled for a dialect without it).
    pub fn returning(mut self, cols: impl IntoColumns) -> Self {
        cols.push_into(&mut self.returning);
        self
    }

    /// Whether the statement has a RETURNING clause.
    pub fn has_returning(&self) -> bool {
        !self.returning.is_empty()
    }

    /// The columns a VALUES insert leaves out that have a client-side
    /// default ([`Column::default`](crate::Column::default)): the compiler
    /// adds them, with their defaults, to every row.
    pub(crate) fn client_defaults(&self) -> Vec<&crate::schema::ColumnDef> {
        if !matches!(self.source, InsertSource::Values(_))
            || !self.table.columns.iter().any(|c| c.default.is_some())
        {
            return Vec::new();
        }
        self.table
            .columns
            .iter()
            .filter(|c| c.default.is_some() && !self.columns.contains(&c.name))
            .collect()
    }

    /// The table inserted into.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The number of rows of a VALUES insert.
    pub fn row_count(&self) -> usize {
        match &self.source {
            InsertSource::Values(r) => r.len(),
            _ => 0,
        }
    }
}

/// An UPDATE statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Update {
    pub(crate) table: Table,
    pub(crate) set: Vec<(Name, Expr)>,
    pub(crate) from: Vec<FromItem>,
    pub(crate) where_: Option<Expr>,
    pub(crate) returning: Vec<Expr>,
}

/// `UPDATE table`.
pub fn update(table: &Table) -> Update {
    Update {
        table: table.clone(),
        set: Vec::new(),
        from: Vec::new(),
        where_: None,
        returning: Vec::new(),
    }
}

impl Update {
    /// Whether the statement has a RETURNING clause.
    pub fn has_returning(&self) -> bool {
        !self.returning.is_empty()
    }

    /// `SET column = v`.
    pub fn set(mut self, column: impl Into<Name>, v: impl IntoExpr) -> Self {
        self.set.push((column.into(), v.into_expr()));
        self
    }

    /// `UPDATE ... FROM other` (PostgreSQL, SQLite; a multi-table UPDATE on MySQL).
    pub fn from(mut self, item: impl IntoFrom) -> Self {
        self.from.push(item.into_from());
        self
    }

    /// Adds a WHERE condition, ANDed with any already there.
    pub fn where_(mut self, cond: impl IntoExpr) -> Self {
        let cond = cond.into_expr();
        self.where_ = Some(match self.where_.take() {
            Some(w) => w.and(cond),
            None => cond,
        });
        self
    }

    /// `RETURNING ...`.
    pub fn returning(mut self, cols: impl IntoColumns) -> Self {
        cols.push_into(&mut self.returning);
        self
    }
}

/// A DELETE statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Delete {
    pub(crate) table: Table,
    pub(crate) using: Vec<FromItem>,
    pub(crate) where_: Option<Expr>,
    pub(crate) returning: Vec<Expr>,
}

/// `DELETE FROM table`.
pub fn delete(table: &Table) -> Delete {
    Delete {
        table: table.clone(),
        using: Vec::new(),
        where_: None,
        returning: Vec::new(),
    }
}

impl Delete {
    /// Whether the statement has a RETURNING clause.
    pub fn has_returning(&self) -> bool {
        !self.returning.is_empty()
    }

    /// `DELETE ... USING other` (PostgreSQL; a multi-table DELETE on MySQL).
    pub fn using(mut self, item: impl IntoFrom) -> Self {
        self.using.push(item.into_from());
        self
    }

    /// Adds a WHERE condition, ANDed with any already there.
    pub fn where_(mut self, cond: impl IntoExpr) -> Self {
        let cond = cond.into_expr();
        self.where_ = Some(match self.where_.take() {
            Some(w) => w.and(cond),
            None => cond,
        });
        self
    }

    /// `RETURNING ...`.
    pub fn returning(mut self, cols: impl IntoColumns) -> Self {
        cols.push_into(&mut self.returning);
        self
    }
}
