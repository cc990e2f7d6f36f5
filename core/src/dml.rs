//! INSERT, UPDATE and DELETE statements, with RETURNING and upserts.

use crate::expr::{Expr, IntoExpr};
use crate::name::Name;
use crate::schema::Table;
use crate::select::{FromItem, IntoColumns, IntoFrom, Query};
use smallvec::SmallVec;

/// Where an INSERT's rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InsertSource {
    /// `VALUES (...), (...)`: each row has one expression per column.
    Values(Rows),
    /// `INSERT ... SELECT`.
    Query(Box<Query>),
    /// `DEFAULT VALUES` (or `() VALUES ()` on MySQL).
    DefaultValues,
}

/// The rows of a VALUES insert, kept one after another in a single list.
#[derive(Debug, Clone, Eq, Default)]
pub struct Rows {
    /// Every row's expressions, row after row.
    cells: Vec<Expr>,
    /// The number of rows.
    count: usize,
    /// The length of the first row.
    width: usize,
    /// Every row's length, once rows of different lengths are mixed
    /// (otherwise empty: every row is `width` long).
    lengths: Vec<usize>,
}

/// As derived, with bound values (equal to every bound value) compared
/// without a call: rows are mostly values.
impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.width == other.width
            && self.lengths == other.lengths
            && self.cells.len() == other.cells.len()
            && self
                .cells
                .iter()
                .zip(&other.cells)
                .all(|(a, b)| match (a, b) {
                    (Expr::Value(_), Expr::Value(_)) => true,
                    _ => a == b,
                })
    }
}

impl std::hash::Hash for Rows {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.cells.hash(state);
        self.count.hash(state);
        self.width.hash(state);
        self.lengths.hash(state);
    }
}

impl Rows {
    /// No rows.
    pub fn new() -> Self {
        Rows::default()
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The length of row `i`.
    fn row_len(&self, i: usize) -> usize {
        if self.lengths.is_empty() {
            self.width
        } else {
            self.lengths[i]
        }
    }

    /// Appends a row.
    pub fn push<I, E>(&mut self, values: I)
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        let before = self.cells.len();
        self.cells
            .extend(values.into_iter().map(IntoExpr::into_expr));
        self.note_row(self.cells.len() - before);
    }

    fn note_row(&mut self, len: usize) {
        if self.count == 0 {
            self.width = len;
        } else if !self.lengths.is_empty() {
            self.lengths.push(len);
        } else if len != self.width {
            self.lengths = vec![self.width; self.count];
            self.lengths.push(len);
        }
        self.count += 1;
    }

    /// Appends `e` to the first row (starting one if there is none).
    fn push_to_first(&mut self, e: Expr) {
        if self.count == 0 {
            self.cells.reserve(4);
            self.count = 1;
        }
        if self.count == 1 {
            // The only row: its end is the list's.
            self.cells.push(e);
            self.width += 1;
            if let Some(first) = self.lengths.first_mut() {
                *first += 1;
            }
            return;
        }
        if self.lengths.is_empty() {
            self.lengths = vec![self.width; self.count];
        }
        self.cells.insert(self.width, e);
        self.width += 1;
        if let Some(first) = self.lengths.first_mut() {
            *first += 1;
        }
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[Expr]> + Clone + '_ {
        let mut start = 0;
        (0..self.count).map(move |i| {
            let end = start + self.row_len(i);
            let row = &self.cells[start..end];
            start = end;
            row
        })
    }

    /// Every expression of every row, in order.
    pub fn cells(&self) -> &[Expr] {
        &self.cells
    }

    /// Every expression of every row, in order, taken out (the rows keep
    /// their count and lengths, for [`Rows::put_cells`]).
    pub(crate) fn take_cells(&mut self) -> Vec<Expr> {
        std::mem::take(&mut self.cells)
    }

    /// Puts back what [`Rows::take_cells`] took.
    pub(crate) fn put_cells(&mut self, cells: Vec<Expr>) {
        self.cells = cells;
    }

    /// No rows, keeping the list's memory if it is small.
    fn empty(&mut self) {
        if self.cells.capacity() > 64 {
            self.cells = Vec::new();
        } else {
            self.cells.clear();
        }
        self.count = 0;
        self.width = 0;
        self.lengths = Vec::new();
    }

    /// The length of the first row, and every row's length once rows of
    /// different lengths are mixed (otherwise empty).
    pub(crate) fn lengths(&self) -> (usize, &[usize]) {
        (self.width, &self.lengths)
    }

    /// Calls `f` with each row, in order.
    pub(crate) fn for_each_row_mut(&mut self, mut f: impl FnMut(&mut [Expr])) {
        let mut rest = &mut self.cells[..];
        for i in 0..self.count {
            let len = if self.lengths.is_empty() {
                self.width
            } else {
                self.lengths[i]
            };
            let (row, tail) = std::mem::take(&mut rest).split_at_mut(len);
            f(row);
            rest = tail;
        }
    }
}

/// A list that holds its first `N` items in place, without an allocation
/// of its own (an upsert's conflict target, mostly one column); it reads
/// as a slice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ShortList<T, const N: usize>(SmallVec<[T; N]>);

impl<T, const N: usize> ShortList<T, N> {
    /// Appends an item.
    pub fn push(&mut self, item: T) {
        self.0.push(item);
    }
}

impl<T, const N: usize> std::ops::Deref for ShortList<T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, const N: usize> std::ops::DerefMut for ShortList<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T, const N: usize> FromIterator<T> for ShortList<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        // Pushed one by one: cheaper than extending for a list of one or two.
        let mut list = SmallVec::new();
        for item in iter {
            list.push(item);
        }
        ShortList(list)
    }
}

impl<T, const N: usize> From<Vec<T>> for ShortList<T, N> {
    fn from(v: Vec<T>) -> Self {
        ShortList(SmallVec::from_vec(v))
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a ShortList<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
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
    pub target: ShortList<Name, 1>,
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
    target: ShortList<Name, 1>,
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
    #[inline]
    pub fn do_update<I, N, E>(self, set: I) -> OnConflict
    where
        I: IntoIterator<Item = (N, E)>,
        N: Into<Name>,
        E: IntoExpr,
    {
        let set = set.into_iter();
        let mut list = assignment_list(set.size_hint().0);
        list.extend(set.map(|(n, e)| (n.into(), e.into_expr())));
        OnConflict {
            target: self.target,
            action: ConflictAction::Update {
                set: list,
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

/// The columns of `table` with a client-side default that `columns` leaves
/// out (see [`Insert::client_defaults`]).
pub(crate) fn client_defaults<'t>(
    table: &'t Table,
    columns: &[Name],
) -> Vec<&'t crate::schema::ColumnDef> {
    if !table.has_client_defaults() {
        return Vec::new();
    }
    table
        .columns
        .iter()
        .filter(|c| c.default.is_some() && !columns.contains(&c.name))
        .collect()
}

/// An INSERT statement.
///
/// One allocation holds the statement, its first few columns and values and
/// its upsert clause included, so the builder methods move a pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Insert(Box<InsertData>);

/// The parts of an [`Insert`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InsertData {
    pub(crate) table: Table,
    pub(crate) columns: SmallVec<[Name; 4]>,
    pub(crate) source: InsertSource,
    pub(crate) on_conflict: Option<OnConflict>,
    pub(crate) returning: Vec<Expr>,
}

impl std::ops::Deref for Insert {
    type Target = InsertData;
    #[inline]
    fn deref(&self) -> &InsertData {
        &self.0
    }
}

impl std::ops::DerefMut for Insert {
    #[inline]
    fn deref_mut(&mut self) -> &mut InsertData {
        &mut self.0
    }
}

/// `INSERT INTO table`.
pub fn insert(table: &Table) -> Insert {
    if let Ok(Some(mut spare)) = SPARE.try_with(|s| s.take()) {
        spare.table = table.clone();
        return Insert(spare);
    }
    Insert(Box::new(InsertData {
        table: table.clone(),
        columns: SmallVec::new(),
        source: InsertSource::Values(Rows::new()),
        on_conflict: None,
        returning: Vec::new(),
    }))
}

thread_local! {
    /// The allocation of the thread's last INSERT that the statement cache
    /// was given and is done with, emptied, for the thread's next
    /// [`insert`] (see [`recycle_insert`]).
    static SPARE: std::cell::Cell<Option<Box<InsertData>>> = const { std::cell::Cell::new(None) };
}

/// Keeps the allocation of an INSERT (emptied; its VALUES list keeps a
/// modest capacity) as the thread's spare for the next [`insert`] (see
/// [`crate::statement::recycle`]). Only for a table that lives as long as
/// the program: the spare holds its table until the next INSERT.
pub(crate) fn recycle_insert(Insert(mut b): Insert) {
    if !b.table.is_static() {
        return;
    }
    let InsertData {
        table: _,
        columns,
        source,
        on_conflict,
        returning,
    } = &mut *b;
    crate::statement::empty(columns);
    match source {
        InsertSource::Values(rows) => rows.empty(),
        other => *other = InsertSource::Values(Rows::new()),
    }
    if let Some(OnConflict {
        action: ConflictAction::Update { mut set, .. },
        ..
    }) = on_conflict.take()
    {
        if set.capacity() <= 16 {
            set.clear();
            let _ = SPARE_SET.try_with(|s| s.set(set));
        }
    }
    *returning = Vec::new();
    let _ = SPARE.try_with(|s| s.set(Some(b)));
}

thread_local! {
    /// The assignment list of the thread's last upsert that the statement
    /// cache was done with, emptied, for the thread's next
    /// [`OnConflictBuilder::do_update`].
    static SPARE_SET: std::cell::Cell<Vec<(Name, Expr)>> = const { std::cell::Cell::new(Vec::new()) };
}

/// An empty assignment list with room for `n`: the thread's spare when it
/// has one.
fn assignment_list(n: usize) -> Vec<(Name, Expr)> {
    let mut list = SPARE_SET.try_with(|s| s.take()).unwrap_or_default();
    list.reserve(n);
    list
}

impl Insert {
    /// Sets one column of a single-row insert: `.value("name", "Alice")`.
    /// (Use [`Insert::columns`] and [`Insert::row`] for several rows.)
    #[inline(always)]
    pub fn value(mut self, column: impl Into<Name>, v: impl IntoExpr) -> Self {
        self.columns.push(column.into());
        let v = v.into_expr();
        match &mut self.source {
            InsertSource::Values(rows) => rows.push_to_first(v),
            other => {
                let mut rows = Rows::new();
                rows.push_to_first(v);
                *other = InsertSource::Values(rows);
            }
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
        match &mut self.source {
            InsertSource::Values(rows) => rows.push(values),
            other => {
                let mut rows = Rows::new();
                rows.push(values);
                *other = InsertSource::Values(rows);
            }
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
    #[inline]
    pub fn on_conflict(mut self, c: OnConflict) -> Self {
        self.on_conflict = Some(c);
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
        if !matches!(self.source, InsertSource::Values(_)) {
            return Vec::new();
        }
        client_defaults(&self.table, &self.columns)
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
