//! SELECT statements: [`Select`], set operations ([`Compound`]), FROM items,
//! joins, aliases, subqueries and common table expressions.

use crate::error::{Error, Result};
use crate::expr::{ColumnRef, Expr, IntoExpr, OrderBy, Source};
use crate::name::Name;
use crate::schema::Table;
use smallvec::SmallVec;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinKind {
    /// `JOIN`
    Inner,
    /// `LEFT OUTER JOIN`
    Left,
    /// `FULL OUTER JOIN` (an error on dialects without it)
    Full,
    /// `CROSS JOIN`
    Cross,
}

/// An item of a FROM clause.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FromItem {
    /// A table, alias, CTE or named reference.
    Source(Source),
    /// A join of two items.
    Join(Box<Join>),
}

/// `left KIND JOIN right ON condition`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Join {
    /// The left side.
    pub left: FromItem,
    /// The right side.
    pub right: FromItem,
    /// The kind of join.
    pub kind: JoinKind,
    /// The ON condition; `None` means "infer it from the one foreign key
    /// between the two sides" (an error at compile time when there is not
    /// exactly one).
    pub on: Option<Expr>,
}

/// Anything that can stand in a FROM clause.
pub trait IntoFrom {
    /// Converts `self` into a FROM item.
    fn into_from(self) -> FromItem;
}

impl IntoFrom for FromItem {
    fn into_from(self) -> FromItem {
        self
    }
}
impl IntoFrom for &Table {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Table(self.clone()))
    }
}
impl IntoFrom for Table {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Table(self))
    }
}
impl IntoFrom for &Alias {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Alias(self.clone()))
    }
}
impl IntoFrom for Alias {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Alias(self))
    }
}
impl IntoFrom for &Cte {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Cte(self.clone()))
    }
}
impl IntoFrom for Cte {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Cte(self))
    }
}
impl IntoFrom for &CteRef {
    fn into_from(self) -> FromItem {
        FromItem::Source(Source::Named(self.name.clone()))
    }
}

impl FromItem {
    /// `self JOIN right ON on`.
    pub fn join(self, right: impl IntoFrom, on: impl IntoExpr) -> FromItem {
        self.join_kind(right, JoinKind::Inner, Some(on.into_expr()))
    }

    /// `self LEFT OUTER JOIN right ON on`.
    pub fn outer_join(self, right: impl IntoFrom, on: impl IntoExpr) -> FromItem {
        self.join_kind(right, JoinKind::Left, Some(on.into_expr()))
    }

    /// A join of the given kind; `on: None` infers the condition from foreign keys.
    pub fn join_kind(self, right: impl IntoFrom, kind: JoinKind, on: Option<Expr>) -> FromItem {
        FromItem::Join(Box::new(Join {
            left: self,
            right: right.into_from(),
            kind,
            on,
        }))
    }
}

/// What an alias renames.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AliasTarget {
    /// A table: `users AS u`.
    Table(Table),
    /// A subquery: `(SELECT ...) AS name`.
    Query(Query),
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AliasData {
    name: Name,
    target: AliasTarget,
    lateral: bool,
}

/// An aliased table or subquery; its columns are qualified by the alias name.
#[derive(Clone, PartialEq, Eq)]
pub struct Alias(Arc<AliasData>);

/// Hashes all but a subquery's body, which `==` still compares: a statement
/// names an alias from every column it selects through it, and hashing the
/// body at each of them would cost the statement cache more than the SQL
/// it saves.
impl Hash for Alias {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
        self.0.lateral.hash(state);
        match &self.0.target {
            AliasTarget::Table(t) => t.hash(state),
            AliasTarget::Query(_) => {}
        }
    }
}

impl fmt::Debug for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alias({})", self.0.name)
    }
}

impl Alias {
    /// The address that identifies this alias object (its clones share it).
    pub(crate) fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    pub(crate) fn of_table(table: Table, name: Name) -> Alias {
        Alias(Arc::new(AliasData {
            name,
            target: AliasTarget::Table(table),
            lateral: false,
        }))
    }

    /// The alias name.
    pub fn name(&self) -> &Name {
        &self.0.name
    }

    /// What it renames.
    pub fn target(&self) -> &AliasTarget {
        &self.0.target
    }

    /// Whether this is a LATERAL subquery.
    pub fn is_lateral(&self) -> bool {
        self.0.lateral
    }

    /// The column called `name`, qualified by the alias.
    pub fn c(&self, name: &str) -> Result<Expr> {
        let found = match &self.0.target {
            AliasTarget::Table(t) => t.column(name).map(|c| c.name.clone()),
            AliasTarget::Query(q) => q.output_names().into_iter().find(|n| n.as_str() == name),
        };
        match found {
            Some(n) => Ok(Expr::Column(ColumnRef {
                source: Some(Source::Alias(self.clone())),
                name: n,
            })),
            None => Err(Error::UnknownColumn {
                source_name: format!("alias {}", self.0.name),
                column: name.to_string(),
            }),
        }
    }

    /// Every column of the alias, qualified by it.
    pub fn all_columns(&self) -> Vec<Expr> {
        let names: Vec<Name> = match &self.0.target {
            AliasTarget::Table(t) => t.columns.iter().map(|c| c.name.clone()).collect(),
            AliasTarget::Query(q) => q.output_names(),
        };
        names
            .into_iter()
            .map(|n| {
                Expr::Column(ColumnRef {
                    source: Some(Source::Alias(self.clone())),
                    name: n,
                })
            })
            .collect()
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CteData {
    name: Name,
    columns: Vec<Name>,
    query: Query,
    recursive: bool,
}

/// A common table expression, `WITH name AS (query)`.
///
/// Using a CTE as a FROM item anywhere in a statement puts it in the
/// statement's WITH clause, as SQLAlchemy does.
#[derive(Clone, PartialEq, Eq)]
pub struct Cte(Arc<CteData>);

/// Hashes all but the body, which `==` still compares (see [`Alias`]'s `Hash`).
impl Hash for Cte {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
        self.0.columns.hash(state);
        self.0.recursive.hash(state);
    }
}

impl fmt::Debug for Cte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cte({})", self.0.name)
    }
}

/// The name of a recursive CTE as seen from inside its own definition.
#[derive(Debug, Clone)]
pub struct CteRef {
    name: Name,
    columns: Vec<Name>,
}

impl CteRef {
    /// The column called `name`.
    pub fn c(&self, name: &str) -> Result<Expr> {
        match self.columns.iter().find(|c| c.as_str() == name) {
            Some(n) => Ok(Expr::Column(ColumnRef {
                source: Some(Source::Named(self.name.clone())),
                name: n.clone(),
            })),
            None => Err(Error::UnknownColumn {
                source_name: format!("CTE {}", self.name),
                column: name.to_string(),
            }),
        }
    }
}

impl Cte {
    /// The address that identifies this CTE object (its clones share it).
    pub(crate) fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// `WITH name AS (query)`; its columns are the query's output names.
    pub fn new(name: impl Into<Name>, query: impl Into<Query>) -> Cte {
        let query = query.into();
        Cte(Arc::new(CteData {
            name: name.into(),
            columns: Vec::new(),
            query,
            recursive: false,
        }))
    }

    /// `WITH RECURSIVE name(columns) AS (...)`: `body` receives a reference to
    /// the CTE to use in the recursive part.
    pub fn recursive<C, F, Q>(name: impl Into<Name>, columns: C, body: F) -> Result<Cte>
    where
        C: IntoIterator,
        C::Item: Into<Name>,
        F: FnOnce(&CteRef) -> Result<Q>,
        Q: Into<Query>,
    {
        let name = name.into();
        let columns: Vec<Name> = columns.into_iter().map(Into::into).collect();
        let r = CteRef {
            name: name.clone(),
            columns: columns.clone(),
        };
        let query = body(&r)?.into();
        Ok(Cte(Arc::new(CteData {
            name,
            columns,
            query,
            recursive: true,
        })))
    }

    /// The CTE's name.
    pub fn name(&self) -> &Name {
        &self.0.name
    }

    /// Its body.
    pub fn query(&self) -> &Query {
        &self.0.query
    }

    /// Declared column names (empty when taken from the query).
    pub fn declared_columns(&self) -> &[Name] {
        &self.0.columns
    }

    /// Whether it is recursive.
    pub fn is_recursive(&self) -> bool {
        self.0.recursive
    }

    /// The column called `name`.
    pub fn c(&self, name: &str) -> Result<Expr> {
        let names = if self.0.columns.is_empty() {
            self.0.query.output_names()
        } else {
            self.0.columns.clone()
        };
        match names.into_iter().find(|n| n.as_str() == name) {
            Some(n) => Ok(Expr::Column(ColumnRef {
                source: Some(Source::Cte(self.clone())),
                name: n,
            })),
            None => Err(Error::UnknownColumn {
                source_name: format!("CTE {}", self.0.name),
                column: name.to_string(),
            }),
        }
    }
}

/// Row locking: `FOR UPDATE`, `FOR SHARE`, with `NOWAIT` or `SKIP LOCKED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lock {
    /// FOR SHARE instead of FOR UPDATE.
    pub share: bool,
    /// What to do about locked rows.
    pub wait: LockWait,
}

/// What a locking read does about rows locked by others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockWait {
    /// Wait for them.
    Wait,
    /// `NOWAIT`: fail at once.
    NoWait,
    /// `SKIP LOCKED`: leave them out.
    SkipLocked,
}

/// DISTINCT handling of a SELECT.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Distinct {
    /// No DISTINCT.
    #[default]
    None,
    /// `SELECT DISTINCT`.
    All,
    /// `SELECT DISTINCT ON (exprs)` (PostgreSQL).
    On(Vec<Expr>),
}

/// A SELECT statement.
///
/// One allocation holds the whole statement, its first few select-list
/// items included, so the builder methods move a pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Select(Box<SelectData>);

thread_local! {
    /// The allocation of the thread's last SELECT that the statement cache
    /// was given and is done with, emptied, for the thread's next
    /// [`Select`] (see [`recycle`]).
    static SPARE: std::cell::Cell<Option<Box<SelectData>>> = const { std::cell::Cell::new(None) };
}

impl Default for Select {
    /// An empty SELECT, in the thread's spare allocation when it has one.
    #[inline]
    fn default() -> Self {
        match SPARE.try_with(|s| s.take()) {
            Ok(Some(b)) => Select(b),
            _ => Select(Box::default()),
        }
    }
}

/// Keeps the allocation of a SELECT (emptied) as the thread's spare for
/// the next [`Select`] (see [`crate::statement::recycle`]).
pub(crate) fn recycle_select(Select(mut b): Select) {
    let SelectData {
        ctes,
        distinct,
        columns,
        from,
        where_,
        group_by,
        having,
        order_by,
        limit,
        offset,
        lock,
    } = &mut *b;
    use crate::statement::empty;
    *ctes = Vec::new();
    *distinct = Distinct::None;
    match columns {
        ColumnList::Table(_) => *columns = ColumnList::default(),
        ColumnList::Own(v) if !v.spilled() && v.iter().all(Expr::owns_nothing) => {
            // Nothing to free: the items are let go without their drop glue.
            std::mem::forget(std::mem::take(v));
        }
        ColumnList::Own(v) => empty(v),
    }
    empty(from);
    if let Some(e) = where_.take() {
        crate::expr::release(e);
    }
    *group_by = Vec::new();
    *having = None;
    empty(order_by);
    *limit = None;
    *offset = None;
    *lock = None;
    let _ = SPARE.try_with(|s| s.set(Some(b)));
}

/// A SELECT's list of items: its own, or every column of a table kept for
/// the program ([`Table::into_static`]), one list that every statement
/// selecting the whole table shares. A shared list costs nothing to build
/// or drop, and the statement cache compares and keys it by address.
#[derive(Clone)]
// The items stay inline (the SELECT itself is boxed): a box for them would
// cost an allocation per statement.
#[allow(clippy::large_enum_variant)]
pub(crate) enum ColumnList {
    /// Items of this statement.
    Own(SmallVec<[Expr; 4]>),
    /// A table's columns, from [`Table::static_column_exprs`].
    Table(&'static [Expr]),
}

impl Default for ColumnList {
    #[inline]
    fn default() -> Self {
        ColumnList::Own(SmallVec::new())
    }
}

impl ColumnList {
    /// The items, made the statement's own (a shared list is copied).
    pub(crate) fn to_mut(&mut self) -> &mut SmallVec<[Expr; 4]> {
        if let ColumnList::Table(l) = *self {
            *self = ColumnList::Own(l.iter().cloned().collect());
        }
        match self {
            ColumnList::Own(v) => v,
            ColumnList::Table(_) => unreachable!("made own above"),
        }
    }

    /// The shared list of a table, if that is what this is.
    #[inline]
    pub(crate) fn table_list(&self) -> Option<&'static [Expr]> {
        match *self {
            ColumnList::Table(l) => Some(l),
            ColumnList::Own(_) => None,
        }
    }
}

impl std::ops::Deref for ColumnList {
    type Target = [Expr];
    #[inline]
    fn deref(&self) -> &[Expr] {
        match self {
            ColumnList::Own(v) => v,
            ColumnList::Table(l) => l,
        }
    }
}

impl<'a> IntoIterator for &'a ColumnList {
    type Item = &'a Expr;
    type IntoIter = std::slice::Iter<'a, Expr>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The items a walk that moves values out of a statement visits: a
/// statement's own, none of a table's shared list (which holds columns
/// only, and is never changed).
impl<'a> IntoIterator for &'a mut ColumnList {
    type Item = &'a mut Expr;
    type IntoIter = std::slice::IterMut<'a, Expr>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        match self {
            ColumnList::Own(v) => v.iter_mut(),
            ColumnList::Table(_) => [].iter_mut(),
        }
    }
}

impl Extend<Expr> for ColumnList {
    #[inline]
    fn extend<I: IntoIterator<Item = Expr>>(&mut self, items: I) {
        self.to_mut().extend(items)
    }
}

impl PartialEq for ColumnList {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ColumnList::Table(a), ColumnList::Table(b)) if std::ptr::eq(*a, *b) => true,
            _ => **self == **other,
        }
    }
}
impl Eq for ColumnList {}
impl Hash for ColumnList {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}
impl fmt::Debug for ColumnList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The one list of `first`'s items followed by `more`'s, where both are
/// shared lists (of kept tables, or made here): made once per pair for the
/// rest of the program, as a kept table's own list is, so that
/// `select(&a).column(&b)` builds nothing either. Each thread looks in its
/// own few pairs first, then in the program's, under a lock.
fn joined_list(first: &'static [Expr], more: &'static [Expr]) -> &'static [Expr] {
    type Pair = (usize, usize, usize, usize);
    type Joined = Vec<(Pair, &'static [Expr])>;
    thread_local! {
        static SEEN: std::cell::RefCell<Joined> = const { std::cell::RefCell::new(Vec::new()) };
    }
    type All = rustc_hash::FxHashMap<Pair, &'static [Expr]>;
    static ALL: parking_lot::Mutex<Option<All>> = parking_lot::Mutex::new(None);
    let key = (
        first.as_ptr() as usize,
        first.len(),
        more.as_ptr() as usize,
        more.len(),
    );
    let seen = SEEN.try_with(|s| {
        let s = s.borrow();
        s.iter().find(|(k, _)| *k == key).map(|&(_, l)| l)
    });
    if let Ok(Some(l)) = seen {
        return l;
    }
    let l = *ALL
        .lock()
        .get_or_insert_with(All::default)
        .entry(key)
        .or_insert_with(|| Box::leak(first.iter().chain(more).cloned().collect::<Box<[Expr]>>()));
    let _ = SEEN.try_with(|s| {
        let mut s = s.borrow_mut();
        // A cache of the program's pairs: kept small.
        if s.len() >= 16 {
            s.clear();
        }
        s.push((key, l));
    });
    l
}

/// The parts of a [`Select`].
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SelectData {
    pub(crate) ctes: Vec<Cte>,
    pub(crate) distinct: Distinct,
    pub(crate) columns: ColumnList,
    pub(crate) from: SmallVec<[FromItem; 1]>,
    pub(crate) where_: Option<Expr>,
    pub(crate) group_by: Vec<Expr>,
    pub(crate) having: Option<Expr>,
    pub(crate) order_by: SmallVec<[OrderBy; 1]>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) lock: Option<Lock>,
}

impl std::ops::Deref for Select {
    type Target = SelectData;
    #[inline]
    fn deref(&self) -> &SelectData {
        &self.0
    }
}

impl std::ops::DerefMut for Select {
    #[inline]
    fn deref_mut(&mut self) -> &mut SelectData {
        &mut self.0
    }
}

/// Anything that lists select-list items: an expression, a table (all its
/// columns), or a collection of expressions.
pub trait IntoColumns {
    /// Appends the items to `out`.
    fn push_into(self, out: &mut Vec<Expr>);

    /// Appends the items to any list of expressions (by default through
    /// [`IntoColumns::push_into`]).
    fn extend_into<C: Extend<Expr>>(self, out: &mut C)
    where
        Self: Sized,
    {
        let mut items = Vec::new();
        self.push_into(&mut items);
        out.extend(items);
    }

    /// Every column of a table kept for the program, when that is what
    /// these items are: a SELECT then shares the table's one list.
    #[doc(hidden)]
    #[inline]
    fn table_list(&self) -> Option<&'static [Expr]> {
        None
    }
}

impl IntoColumns for Expr {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.push(self)
    }
    #[inline]
    fn extend_into<C: Extend<Expr>>(self, out: &mut C) {
        out.extend(std::iter::once(self))
    }
}
impl IntoColumns for &Table {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.extend(self.all_columns())
    }
    fn extend_into<C: Extend<Expr>>(self, out: &mut C) {
        out.extend(self.column_exprs())
    }
    #[inline]
    fn table_list(&self) -> Option<&'static [Expr]> {
        self.static_column_exprs()
    }
}
impl IntoColumns for &Alias {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.extend(self.all_columns())
    }
}
impl IntoColumns for Vec<Expr> {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.extend(self)
    }
    fn extend_into<C: Extend<Expr>>(self, out: &mut C) {
        out.extend(self)
    }
}
impl<const N: usize> IntoColumns for [Expr; N] {
    fn push_into(self, out: &mut Vec<Expr>) {
        out.extend(self)
    }
    #[inline]
    fn extend_into<C: Extend<Expr>>(self, out: &mut C) {
        out.extend(self)
    }
}

/// A tuple lists the items of each of its members, in order:
/// `select((User::name, Post::title))`.
macro_rules! tuple_into_columns {
    ($($t:ident . $i:tt),+) => {
        impl<$($t: IntoColumns),+> IntoColumns for ($($t,)+) {
            fn push_into(self, out: &mut Vec<Expr>) {
                $(self.$i.push_into(out);)+
            }
        }
    };
}
tuple_into_columns!(A.0);
tuple_into_columns!(A.0, B.1);
tuple_into_columns!(A.0, B.1, C.2);
tuple_into_columns!(A.0, B.1, C.2, D.3);
tuple_into_columns!(A.0, B.1, C.2, D.3, E.4);
tuple_into_columns!(A.0, B.1, C.2, D.3, E.4, F.5);
tuple_into_columns!(A.0, B.1, C.2, D.3, E.4, F.5, G.6);
tuple_into_columns!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7);

/// `SELECT columns`; FROM is inferred from the columns unless given.
pub fn select(columns: impl IntoColumns) -> Select {
    let mut s = Select::default();
    match columns.table_list() {
        Some(l) => s.columns = ColumnList::Table(l),
        None => columns.extend_into(&mut s.columns),
    }
    s
}

impl Select {
    /// Adds select-list items.
    pub fn column(mut self, columns: impl IntoColumns) -> Self {
        match (columns.table_list(), &self.columns) {
            (Some(l), _) if self.columns.is_empty() => self.columns = ColumnList::Table(l),
            // Kept tables' lists one after the other: one shared list too.
            (Some(l), &ColumnList::Table(first)) => {
                self.columns = ColumnList::Table(joined_list(first, l))
            }
            _ => columns.extend_into(&mut self.columns),
        }
        self
    }

    /// Adds a FROM item. Without any, the FROM clause is inferred from the
    /// tables the statement's columns belong to.
    pub fn from(mut self, item: impl IntoFrom) -> Self {
        self.from.push(item.into_from());
        self
    }

    fn join_impl(mut self, right: impl IntoFrom, kind: JoinKind, on: Option<Expr>) -> Self {
        let right = right.into_from();
        let left = match self.from.pop() {
            Some(l) => l,
            None => match self.first_column_source() {
                Some(s) => FromItem::Source(s),
                None => {
                    // Nothing to join from: the join degenerates into a FROM item.
                    self.from.push(right);
                    return self;
                }
            },
        };
        self.from.push(FromItem::Join(Box::new(Join {
            left,
            right,
            kind,
            on,
        })));
        self
    }

    fn first_column_source(&self) -> Option<Source> {
        let mut found = None;
        for c in &self.columns {
            crate::compile::visit_sources(c, &mut |s| {
                if found.is_none() {
                    found = Some(s.clone());
                }
            });
            if found.is_some() {
                break;
            }
        }
        found
    }

    /// `JOIN right ON on`, joined to the last FROM item (or to the table of
    /// the first selected column when no FROM item was given).
    pub fn join(self, right: impl IntoFrom, on: impl IntoExpr) -> Self {
        self.join_impl(right, JoinKind::Inner, Some(on.into_expr()))
    }

    /// `JOIN right`, with ON inferred from the single foreign key between the sides.
    pub fn join_auto(self, right: impl IntoFrom) -> Self {
        self.join_impl(right, JoinKind::Inner, None)
    }

    /// `LEFT OUTER JOIN right ON on`.
    pub fn outer_join(self, right: impl IntoFrom, on: impl IntoExpr) -> Self {
        self.join_impl(right, JoinKind::Left, Some(on.into_expr()))
    }

    /// `LEFT OUTER JOIN right`, with ON inferred from foreign keys.
    pub fn outer_join_auto(self, right: impl IntoFrom) -> Self {
        self.join_impl(right, JoinKind::Left, None)
    }

    /// `FULL OUTER JOIN right ON on`.
    pub fn full_join(self, right: impl IntoFrom, on: impl IntoExpr) -> Self {
        self.join_impl(right, JoinKind::Full, Some(on.into_expr()))
    }

    /// `CROSS JOIN right`.
    pub fn cross_join(self, right: impl IntoFrom) -> Self {
        self.join_impl(right, JoinKind::Cross, None)
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

    /// Alias of [`Select::where_`], as SQLAlchemy's `filter`.
    pub fn filter(self, cond: impl IntoExpr) -> Self {
        self.where_(cond)
    }

    /// Adds GROUP BY expressions.
    pub fn group_by<I, E>(mut self, exprs: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        self.group_by
            .extend(exprs.into_iter().map(IntoExpr::into_expr));
        self
    }

    /// Adds a HAVING condition, ANDed with any already there.
    pub fn having(mut self, cond: impl IntoExpr) -> Self {
        let cond = cond.into_expr();
        self.having = Some(match self.having.take() {
            Some(w) => w.and(cond),
            None => cond,
        });
        self
    }

    /// Adds an ORDER BY term (`expr`, `expr.desc()`, `expr.asc().nulls_last()`).
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.order_by.push(term.into());
        self
    }

    /// `LIMIT n` (rendered as a literal integer, never a bound parameter).
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// `OFFSET n` (rendered as a literal integer).
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.distinct = Distinct::All;
        self
    }

    /// `SELECT DISTINCT ON (exprs)` (PostgreSQL only).
    pub fn distinct_on<I, E>(mut self, exprs: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        self.distinct = Distinct::On(exprs.into_iter().map(IntoExpr::into_expr).collect());
        self
    }

    /// `FOR UPDATE`.
    pub fn for_update(mut self) -> Self {
        self.lock = Some(Lock {
            share: false,
            wait: LockWait::Wait,
        });
        self
    }

    /// `FOR SHARE`.
    pub fn for_share(mut self) -> Self {
        self.lock = Some(Lock {
            share: true,
            wait: LockWait::Wait,
        });
        self
    }

    /// Adds `NOWAIT` to a locking read (makes it `FOR UPDATE` if it was not locking).
    pub fn nowait(mut self) -> Self {
        let l = self.lock.get_or_insert(Lock {
            share: false,
            wait: LockWait::Wait,
        });
        l.wait = LockWait::NoWait;
        self
    }

    /// Adds `SKIP LOCKED` to a locking read (makes it `FOR UPDATE` if it was not locking).
    pub fn skip_locked(mut self) -> Self {
        let l = self.lock.get_or_insert(Lock {
            share: false,
            wait: LockWait::Wait,
        });
        l.wait = LockWait::SkipLocked;
        self
    }

    /// Attaches a CTE to this statement's WITH clause explicitly (CTEs used
    /// as FROM items are attached automatically).
    pub fn with(mut self, cte: &Cte) -> Self {
        self.ctes.push(cte.clone());
        self
    }

    /// This query as a subquery in FROM: `(SELECT ...) AS name`.
    pub fn subquery(self, name: impl Into<Name>) -> Alias {
        Query::from(self).subquery(name)
    }

    /// This query as a LATERAL subquery (PostgreSQL, MySQL 8).
    pub fn lateral(self, name: impl Into<Name>) -> Alias {
        Query::from(self).lateral(name)
    }

    /// This query as a scalar subquery expression.
    pub fn scalar_subquery(self) -> Expr {
        Expr::Subquery(Box::new(self.into()))
    }

    /// This query as a CTE called `name`.
    pub fn cte(self, name: impl Into<Name>) -> Cte {
        Cte::new(name, self)
    }

    /// `self UNION other`.
    pub fn union(self, other: impl Into<Query>) -> Compound {
        Compound::new(self.into(), SetOp::Union, other.into())
    }
    /// `self UNION ALL other`.
    pub fn union_all(self, other: impl Into<Query>) -> Compound {
        Compound::new(self.into(), SetOp::UnionAll, other.into())
    }
    /// `self INTERSECT other`.
    pub fn intersect(self, other: impl Into<Query>) -> Compound {
        Compound::new(self.into(), SetOp::Intersect, other.into())
    }
    /// `self EXCEPT other`.
    pub fn except(self, other: impl Into<Query>) -> Compound {
        Compound::new(self.into(), SetOp::Except, other.into())
    }

    /// The names of the result columns (labels and column names; unnamed
    /// expressions are left out).
    pub fn output_names(&self) -> Vec<Name> {
        self.columns
            .iter()
            .filter_map(|c| c.output_name().cloned())
            .collect()
    }

    /// The select list.
    pub fn columns(&self) -> &[Expr] {
        &self.columns
    }

    /// The ORDER BY terms.
    pub fn order_terms(&self) -> &[OrderBy] {
        &self.order_by
    }

    /// Whether the statement has a LIMIT or an OFFSET (the ORM wraps such
    /// a query in a subquery before joining eagerly loaded rows to it).
    pub fn is_limited(&self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}

/// A set operation between queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `UNION`
    Union,
    /// `UNION ALL`
    UnionAll,
    /// `INTERSECT`
    Intersect,
    /// `EXCEPT`
    Except,
}

/// Queries combined with UNION, INTERSECT or EXCEPT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Compound {
    pub(crate) first: Query,
    pub(crate) rest: Vec<(SetOp, Query)>,
    pub(crate) order_by: Vec<OrderBy>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl Compound {
    fn new(first: Query, op: SetOp, second: Query) -> Self {
        Compound {
            first,
            rest: vec![(op, second)],
            order_by: Vec::new(),
            limit: None,
            offset: None,
        }
    }
    fn push(mut self, op: SetOp, q: Query) -> Self {
        self.rest.push((op, q));
        self
    }
    /// `... UNION other`.
    pub fn union(self, other: impl Into<Query>) -> Self {
        self.push(SetOp::Union, other.into())
    }
    /// `... UNION ALL other`.
    pub fn union_all(self, other: impl Into<Query>) -> Self {
        self.push(SetOp::UnionAll, other.into())
    }
    /// `... INTERSECT other`.
    pub fn intersect(self, other: impl Into<Query>) -> Self {
        self.push(SetOp::Intersect, other.into())
    }
    /// `... EXCEPT other`.
    pub fn except(self, other: impl Into<Query>) -> Self {
        self.push(SetOp::Except, other.into())
    }
    /// ORDER BY applied to the whole result.
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.order_by.push(term.into());
        self
    }
    /// LIMIT of the whole result.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }
    /// OFFSET of the whole result.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }
    /// As a subquery in FROM.
    pub fn subquery(self, name: impl Into<Name>) -> Alias {
        Query::from(self).subquery(name)
    }
    /// As a CTE.
    pub fn cte(self, name: impl Into<Name>) -> Cte {
        Cte::new(name, self)
    }
}

/// A query: a SELECT or a compound of SELECTs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// A single SELECT.
    Select(Select),
    /// UNION / INTERSECT / EXCEPT of queries.
    Compound(Box<Compound>),
}

impl From<Select> for Query {
    fn from(s: Select) -> Self {
        Query::Select(s)
    }
}
impl From<Compound> for Query {
    fn from(c: Compound) -> Self {
        Query::Compound(Box::new(c))
    }
}

impl Query {
    /// The result column names of the query (of its first SELECT, for a compound).
    pub fn output_names(&self) -> Vec<Name> {
        match self {
            Query::Select(s) => s.output_names(),
            Query::Compound(c) => c.first.output_names(),
        }
    }

    /// As a subquery in FROM: `(query) AS name`.
    pub fn subquery(self, name: impl Into<Name>) -> Alias {
        Alias(Arc::new(AliasData {
            name: name.into(),
            target: AliasTarget::Query(self),
            lateral: false,
        }))
    }

    /// As a LATERAL subquery.
    pub fn lateral(self, name: impl Into<Name>) -> Alias {
        Alias(Arc::new(AliasData {
            name: name.into(),
            target: AliasTarget::Query(self),
            lateral: true,
        }))
    }
}
