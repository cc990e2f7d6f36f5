//! The expression language: [`Expr`] trees built from columns, bound values,
//! operators and functions, with no connection and no I/O.
//!
//! Equality and hashing of expressions (and of the statements that hold
//! them) compare their *shape*: every bound value counts as the same
//! placeholder. Two statements that are equal compile to the same SQL text,
//! which is what the compiled-statement cache relies on.

use crate::name::Name;
use crate::schema::Table;
use crate::select::{Alias, Cte, Query};
use crate::text::TextClause;
use crate::types::SqlType;
use crate::value::{IntoValue, Value};
use std::hash::{Hash, Hasher};

/// A bound value inside an expression. Its `PartialEq` and `Hash` ignore the
/// value (see the module documentation).
#[derive(Debug, Clone)]
pub struct Bind(pub Value);

impl PartialEq for Bind {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Bind {}
impl Hash for Bind {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// What a column belongs to: a table, an alias, a common table expression,
/// or a name only (the self-reference of a recursive CTE).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A table.
    Table(Table),
    /// An aliased table or subquery.
    Alias(Alias),
    /// A common table expression, hoisted into the statement's WITH clause.
    Cte(Cte),
    /// A name in scope without a definition here (a recursive CTE's reference to itself).
    Named(Name),
}

impl Source {
    /// The name that qualifies this source's columns.
    pub fn qualifier(&self) -> &Name {
        match self {
            Source::Table(t) => &t.name,
            Source::Alias(a) => a.name(),
            Source::Cte(c) => c.name(),
            Source::Named(n) => n,
        }
    }
}

/// A reference to a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// Where the column comes from; `None` for a bare column name.
    pub source: Option<Source>,
    /// The column's name.
    pub name: Name,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// String concatenation (`||`, or `CONCAT()` on MySQL).
    Concat,
}

impl BinOp {
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => PREC_CMP,
            BinOp::Concat => PREC_CONCAT,
            BinOp::Add | BinOp::Sub => PREC_ADD,
            BinOp::Mul | BinOp::Div | BinOp::Mod => PREC_MUL,
        }
    }

    pub(crate) fn sql(self) -> &'static str {
        match self {
            BinOp::Eq => " = ",
            BinOp::Ne => " <> ",
            BinOp::Lt => " < ",
            BinOp::Le => " <= ",
            BinOp::Gt => " > ",
            BinOp::Ge => " >= ",
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => " / ",
            BinOp::Mod => " % ",
            BinOp::Concat => " || ",
        }
    }
}

pub(crate) const PREC_OR: u8 = 1;
pub(crate) const PREC_AND: u8 = 2;
pub(crate) const PREC_NOT: u8 = 3;
pub(crate) const PREC_CMP: u8 = 4;
pub(crate) const PREC_CONCAT: u8 = 5;
pub(crate) const PREC_ADD: u8 = 6;
pub(crate) const PREC_MUL: u8 = 7;
pub(crate) const PREC_UNARY: u8 = 8;
pub(crate) const PREC_ATOM: u8 = 9;

/// A function call, with optional DISTINCT, FILTER-less aggregate and window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncCall {
    /// The function's name, rendered as given (not quoted).
    pub name: Name,
    /// Its arguments.
    pub args: Vec<Expr>,
    /// `DISTINCT` inside an aggregate: `count(DISTINCT x)`.
    pub distinct: bool,
    /// `*` as the argument: `count(*)`.
    pub star: bool,
    /// A window: `OVER (...)`.
    pub over: Option<Window>,
    /// Rendered without parentheses (`CURRENT_TIMESTAMP`).
    pub bare: bool,
}

/// A window specification for `OVER (...)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Window {
    /// `PARTITION BY` expressions.
    pub partition_by: Vec<Expr>,
    /// `ORDER BY` terms.
    pub order_by: Vec<OrderBy>,
    /// The frame clause.
    pub frame: Option<Frame>,
}

/// Whether a frame counts rows or ranges of peer values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameUnits {
    /// `ROWS`
    Rows,
    /// `RANGE`
    Range,
}

/// One end of a window frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameBound {
    /// `UNBOUNDED PRECEDING`
    UnboundedPreceding,
    /// `n PRECEDING`
    Preceding(u64),
    /// `CURRENT ROW`
    CurrentRow,
    /// `n FOLLOWING`
    Following(u64),
    /// `UNBOUNDED FOLLOWING`
    UnboundedFollowing,
}

/// A window frame: `ROWS BETWEEN start AND end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    /// ROWS or RANGE.
    pub units: FrameUnits,
    /// Start of the frame.
    pub start: FrameBound,
    /// End of the frame.
    pub end: FrameBound,
}

impl Window {
    /// An empty window, `OVER ()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds PARTITION BY expressions.
    pub fn partition_by<I, E>(mut self, exprs: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        self.partition_by
            .extend(exprs.into_iter().map(IntoExpr::into_expr));
        self
    }

    /// Adds an ORDER BY term.
    pub fn order_by(mut self, term: impl Into<OrderBy>) -> Self {
        self.order_by.push(term.into());
        self
    }

    /// `ROWS BETWEEN start AND end`.
    pub fn rows(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.frame = Some(Frame {
            units: FrameUnits::Rows,
            start,
            end,
        });
        self
    }

    /// `RANGE BETWEEN start AND end`.
    pub fn range(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.frame = Some(Frame {
            units: FrameUnits::Range,
            start,
            end,
        });
        self
    }
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nulls {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

/// An ORDER BY term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderBy {
    /// The sort key.
    pub expr: Expr,
    /// Descending order.
    pub desc: bool,
    /// Where NULLs go (emulated on MySQL).
    pub nulls: Option<Nulls>,
}

impl OrderBy {
    /// `NULLS FIRST`.
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// `NULLS LAST`.
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }
}

impl<T: IntoExpr> From<T> for OrderBy {
    fn from(e: T) -> Self {
        OrderBy {
            expr: e.into_expr(),
            desc: false,
            nulls: None,
        }
    }
}

/// A `CASE` expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Case {
    /// `CASE operand WHEN ...` (simple form) or `None` (searched form).
    pub operand: Option<Expr>,
    /// `WHEN condition THEN result` pairs.
    pub whens: Vec<(Expr, Expr)>,
    /// `ELSE result`.
    pub else_: Option<Expr>,
}

/// An SQL expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expr {
    /// A column.
    Column(ColumnRef),
    /// A bound parameter.
    Value(Bind),
    /// The literal `NULL`.
    Null,
    /// `*` or `source.*`.
    Star(Option<Source>),
    /// `left op right`.
    Binary(Box<(Expr, BinOp, Expr)>),
    /// Conjunction; empty is TRUE.
    And(Vec<Expr>),
    /// Disjunction; empty is FALSE.
    Or(Vec<Expr>),
    /// `NOT e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `e IS [NOT] NULL`.
    IsNull(Box<Expr>, bool),
    /// `a IS [NOT] DISTINCT FROM b`.
    IsDistinctFrom(Box<(Expr, Expr)>, bool),
    /// `e [NOT] IN (list)`; an empty list is always false (true when negated).
    InList(Box<Expr>, Vec<Expr>, bool),
    /// `e [NOT] IN (subquery)`.
    InQuery(Box<Expr>, Box<Query>, bool),
    /// `e [NOT] BETWEEN low AND high`.
    Between(Box<(Expr, Expr, Expr)>, bool),
    /// `e [NOT] LIKE pattern [ESCAPE c]`, case-insensitive when `ilike`.
    Like(Box<Like>),
    /// A CASE expression.
    Case(Box<Case>),
    /// `CAST(e AS type)`.
    Cast(Box<Expr>, SqlType),
    /// A function call.
    Func(Box<FuncCall>),
    /// `e AS name` in a select list; the name alone in ORDER BY and GROUP BY.
    Label(Box<Expr>, Name),
    /// A scalar subquery.
    Subquery(Box<Query>),
    /// `EXISTS (subquery)`.
    Exists(Box<Query>),
    /// `(a, b, ...)`.
    Tuple(Vec<Expr>),
    /// SQL text with named binds.
    Text(Box<TextClause>),
    /// The value proposed for insertion, in an upsert's update clause
    /// (`excluded.col`, or `VALUES(col)` on MySQL).
    Excluded(Name),
    /// A boolean literal `TRUE` / `FALSE` (rendered `1` / `0` where needed).
    Bool(bool),
    /// A named parameter whose value is given at each execution of a
    /// prepared statement ([`bindparam`]).
    Param(Name),
}

/// A LIKE comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Like {
    /// The value tested.
    pub expr: Expr,
    /// The pattern.
    pub pattern: Expr,
    /// The escape character.
    pub escape: Option<char>,
    /// ILIKE (emulated with `lower()` where missing).
    pub case_insensitive: bool,
    /// NOT LIKE.
    pub negated: bool,
}

/// Conversion into an [`Expr`]: Rust values become bound parameters,
/// expressions stay as they are.
pub trait IntoExpr {
    /// Converts `self` into an expression.
    fn into_expr(self) -> Expr;
}

impl IntoExpr for Expr {
    #[inline]
    fn into_expr(self) -> Expr {
        self
    }
}

impl IntoExpr for &Expr {
    #[inline]
    fn into_expr(self) -> Expr {
        self.clone()
    }
}

impl<T: IntoValue> IntoExpr for T {
    #[inline]
    fn into_expr(self) -> Expr {
        Expr::Value(Bind(self.into_value()))
    }
}

/// A bound value: `value(5)`.
pub fn value(v: impl IntoValue) -> Expr {
    Expr::Value(Bind(v.into_value()))
}

/// A named bind parameter, SQLAlchemy's `bindparam("name")`: a placeholder
/// whose value is supplied each time a prepared statement runs, so that
/// the statement is built and compiled once.
///
/// A statement holding one runs through
/// [`Engine::prepare`](crate::engine::Engine::prepare), whose
/// [`Prepared`](crate::Prepared) handle takes the values; executed
/// directly, it fails with [`Error::UnboundParameter`](crate::Error::UnboundParameter).
///
/// ```
/// use aludel_core::{bindparam, dialect_by_name, select, Column, MetaData, Prepared, SqlType, Table};
/// # use aludel_sqlite as _;
/// let mut md = MetaData::new();
/// let users = md.add(Table::builder("users").column(Column::new("id", SqlType::BigInt).primary_key()))?;
/// let by_id = select(&users).where_(users.c("id")?.eq(bindparam("id")));
/// let prepared = Prepared::new(by_id, dialect_by_name("sqlite")?)?;
/// assert_eq!(prepared.sql(), "SELECT users.id FROM users WHERE users.id = ?");
/// assert_eq!(prepared.param_names(), ["id"]);
/// # Ok::<(), aludel_core::Error>(())
/// ```
pub fn bindparam(name: impl Into<Name>) -> Expr {
    Expr::Param(name.into())
}

/// A column by bare name, unqualified (for CHECK constraints and text-like uses).
pub fn col(name: impl Into<Name>) -> Expr {
    Expr::Column(ColumnRef {
        source: None,
        name: name.into(),
    })
}

/// The literal `NULL`.
pub fn null() -> Expr {
    Expr::Null
}

/// `*`.
pub fn star() -> Expr {
    Expr::Star(None)
}

/// `a AND b AND ...`; with no terms, TRUE.
pub fn and<I: IntoIterator<Item = Expr>>(terms: I) -> Expr {
    Expr::And(terms.into_iter().collect())
}

/// `a OR b OR ...`; with no terms, FALSE.
pub fn or<I: IntoIterator<Item = Expr>>(terms: I) -> Expr {
    Expr::Or(terms.into_iter().collect())
}

/// `NOT e`.
pub fn not(e: impl IntoExpr) -> Expr {
    Expr::Not(Box::new(e.into_expr()))
}

/// `EXISTS (query)`.
pub fn exists(query: impl Into<Query>) -> Expr {
    Expr::Exists(Box::new(query.into()))
}

/// A searched CASE: `CASE WHEN c1 THEN r1 ... [ELSE e] END`.
pub fn case<I, C, R>(whens: I) -> CaseBuilder
where
    I: IntoIterator<Item = (C, R)>,
    C: IntoExpr,
    R: IntoExpr,
{
    CaseBuilder(Case {
        operand: None,
        whens: whens
            .into_iter()
            .map(|(c, r)| (c.into_expr(), r.into_expr()))
            .collect(),
        else_: None,
    })
}

/// A simple CASE: `CASE operand WHEN v1 THEN r1 ... END`.
pub fn case_value<I, C, R>(operand: impl IntoExpr, whens: I) -> CaseBuilder
where
    I: IntoIterator<Item = (C, R)>,
    C: IntoExpr,
    R: IntoExpr,
{
    let mut b = case(whens);
    b.0.operand = Some(operand.into_expr());
    b
}

/// A CASE expression being built.
#[derive(Debug, Clone)]
pub struct CaseBuilder(Case);

impl CaseBuilder {
    /// Sets the ELSE branch and finishes.
    pub fn else_(mut self, e: impl IntoExpr) -> Expr {
        self.0.else_ = Some(e.into_expr());
        Expr::Case(Box::new(self.0))
    }

    /// Finishes without an ELSE branch.
    pub fn end(self) -> Expr {
        Expr::Case(Box::new(self.0))
    }
}

impl From<CaseBuilder> for Expr {
    fn from(b: CaseBuilder) -> Expr {
        b.end()
    }
}

/// Escapes LIKE wildcards (`%`, `_`) and the escape character itself.
pub fn escape_like(s: &str, escape: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if ch == '%' || ch == '_' || ch == escape {
            out.push(escape);
        }
        out.push(ch);
    }
    out
}

/// The escape character the `startswith`/`contains`/`endswith` helpers use.
pub const LIKE_ESCAPE: char = '/';

/// A binary node's allocation.
type BinaryNode = Box<(Expr, BinOp, Expr)>;

thread_local! {
    /// The allocations of binary nodes (`column = value`) of statements
    /// the cache is done with, emptied, for the thread's next ones (see
    /// [`release`]): a statement built, run and dropped in a loop then
    /// costs no allocation for its conditions.
    static SPARE_NODES: std::cell::RefCell<Vec<BinaryNode>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// How many emptied binary nodes a thread keeps.
const SPARE_NODES_KEPT: usize = 8;

/// What an emptied binary node holds: nothing to drop.
const EMPTY_NODE: (Expr, BinOp, Expr) = (Expr::Null, BinOp::Eq, Expr::Null);

/// A binary node, in one of the thread's spare allocations if it has one.
#[inline]
fn binary_node(node: (Expr, BinOp, Expr)) -> BinaryNode {
    let spare = SPARE_NODES
        .try_with(|s| s.try_borrow_mut().ok().and_then(|mut s| s.pop()))
        .ok()
        .flatten();
    match spare {
        Some(mut b) => {
            // The spare holds `EMPTY_NODE`, which owns nothing.
            std::mem::forget(std::mem::replace(&mut *b, node));
            b
        }
        None => Box::new(node),
    }
}

/// Keeps a binary node's allocation, emptied, for the thread's next node.
#[inline]
fn keep_node(mut b: BinaryNode) -> (Expr, Expr) {
    let (l, _, r) = std::mem::replace(&mut *b, EMPTY_NODE);
    let _ = SPARE_NODES.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            if s.len() < SPARE_NODES_KEPT {
                s.push(b);
            }
        }
    });
    (l, r)
}

/// Drops an expression of a statement the cache is done with (see
/// [`crate::statement::recycle`]). The nodes most statements hold, a
/// column of a table that lives as long as the program and a bound
/// number or NULL, own no memory; they are let go without running the
/// enum's drop glue, which costs more than their check. An `=` node of
/// such two gives back only its box, which the thread keeps for its next
/// node.
#[inline]
pub(crate) fn release(e: Expr) {
    if e.owns_nothing() {
        std::mem::forget(e);
    } else if let Expr::Binary(b) = e {
        let (l, r) = keep_node(b);
        if l.owns_nothing() && r.owns_nothing() {
            std::mem::forget((l, r));
        } else {
            drop((l, r));
        }
    } else {
        drop(e);
    }
}

impl Expr {
    /// Whether dropping this expression frees nothing: a column of a table
    /// kept for the program (or of no table) named in code, a bound value
    /// held inline, NULL or a boolean. See [`release`].
    #[inline(always)]
    pub(crate) fn owns_nothing(&self) -> bool {
        match self {
            Expr::Column(ColumnRef { source, name }) => {
                name.static_str().is_some()
                    && match source {
                        None => true,
                        Some(Source::Table(t)) => t.is_static(),
                        Some(_) => false,
                    }
            }
            Expr::Value(Bind(v)) => v.owns_nothing(),
            Expr::Null | Expr::Bool(_) => true,
            _ => false,
        }
    }
}

impl Expr {
    fn bin(self, op: BinOp, other: impl IntoExpr) -> Expr {
        Expr::Binary(binary_node((self, op, other.into_expr())))
    }

    /// `self = other`. Comparing with `None` is still `= NULL`; use [`Expr::is_null`].
    pub fn eq(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Eq, other)
    }
    /// `self <> other`.
    pub fn ne(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Ne, other)
    }
    /// `self < other`.
    pub fn lt(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Lt, other)
    }
    /// `self <= other`.
    pub fn le(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Le, other)
    }
    /// `self > other`.
    pub fn gt(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Gt, other)
    }
    /// `self >= other`.
    pub fn ge(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Ge, other)
    }
    /// String concatenation.
    pub fn concat(self, other: impl IntoExpr) -> Expr {
        self.bin(BinOp::Concat, other)
    }
    /// `self AND other`.
    pub fn and(self, other: impl IntoExpr) -> Expr {
        match self {
            Expr::And(mut v) => {
                v.push(other.into_expr());
                Expr::And(v)
            }
            e => Expr::And(vec![e, other.into_expr()]),
        }
    }
    /// `self OR other`.
    pub fn or(self, other: impl IntoExpr) -> Expr {
        match self {
            Expr::Or(mut v) => {
                v.push(other.into_expr());
                Expr::Or(v)
            }
            e => Expr::Or(vec![e, other.into_expr()]),
        }
    }
    /// `self IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self), false)
    }
    /// `self IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNull(Box::new(self), true)
    }
    /// `self IS DISTINCT FROM other` (NULL-safe inequality).
    pub fn is_distinct_from(self, other: impl IntoExpr) -> Expr {
        Expr::IsDistinctFrom(Box::new((self, other.into_expr())), false)
    }
    /// `self IS NOT DISTINCT FROM other` (NULL-safe equality).
    pub fn is_not_distinct_from(self, other: impl IntoExpr) -> Expr {
        Expr::IsDistinctFrom(Box::new((self, other.into_expr())), true)
    }
    /// `self IN (a, b, ...)`. An empty list is false.
    pub fn in_<I, E>(self, list: I) -> Expr
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        Expr::InList(
            Box::new(self),
            list.into_iter().map(IntoExpr::into_expr).collect(),
            false,
        )
    }
    /// `self NOT IN (a, b, ...)`. An empty list is true.
    pub fn not_in<I, E>(self, list: I) -> Expr
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        Expr::InList(
            Box::new(self),
            list.into_iter().map(IntoExpr::into_expr).collect(),
            true,
        )
    }
    /// `self IN (SELECT ...)`.
    pub fn in_query(self, q: impl Into<Query>) -> Expr {
        Expr::InQuery(Box::new(self), Box::new(q.into()), false)
    }
    /// `self NOT IN (SELECT ...)`.
    pub fn not_in_query(self, q: impl Into<Query>) -> Expr {
        Expr::InQuery(Box::new(self), Box::new(q.into()), true)
    }
    /// `self BETWEEN low AND high`.
    pub fn between(self, low: impl IntoExpr, high: impl IntoExpr) -> Expr {
        Expr::Between(Box::new((self, low.into_expr(), high.into_expr())), false)
    }
    /// `self NOT BETWEEN low AND high`.
    pub fn not_between(self, low: impl IntoExpr, high: impl IntoExpr) -> Expr {
        Expr::Between(Box::new((self, low.into_expr(), high.into_expr())), true)
    }
    fn like_impl(self, pattern: Expr, escape: Option<char>, ci: bool, negated: bool) -> Expr {
        Expr::Like(Box::new(Like {
            expr: self,
            pattern,
            escape,
            case_insensitive: ci,
            negated,
        }))
    }
    /// `self LIKE pattern`.
    pub fn like(self, pattern: impl IntoExpr) -> Expr {
        self.like_impl(pattern.into_expr(), None, false, false)
    }
    /// `self NOT LIKE pattern`.
    pub fn not_like(self, pattern: impl IntoExpr) -> Expr {
        self.like_impl(pattern.into_expr(), None, false, true)
    }
    /// `self LIKE pattern ESCAPE escape`.
    pub fn like_escape(self, pattern: impl IntoExpr, escape: char) -> Expr {
        self.like_impl(pattern.into_expr(), Some(escape), false, false)
    }
    /// Case-insensitive LIKE (`ILIKE` on PostgreSQL, `lower(a) LIKE lower(b)` elsewhere).
    pub fn ilike(self, pattern: impl IntoExpr) -> Expr {
        self.like_impl(pattern.into_expr(), None, true, false)
    }
    /// Case-insensitive NOT LIKE.
    pub fn not_ilike(self, pattern: impl IntoExpr) -> Expr {
        self.like_impl(pattern.into_expr(), None, true, true)
    }
    /// `self LIKE 'prefix%'`, with wildcards in `prefix` escaped.
    pub fn startswith(self, prefix: &str) -> Expr {
        let mut p = escape_like(prefix, LIKE_ESCAPE);
        p.push('%');
        self.like_impl(value(p), Some(LIKE_ESCAPE), false, false)
    }
    /// `self LIKE '%suffix'`, with wildcards in `suffix` escaped.
    pub fn endswith(self, suffix: &str) -> Expr {
        let p = format!("%{}", escape_like(suffix, LIKE_ESCAPE));
        self.like_impl(value(p), Some(LIKE_ESCAPE), false, false)
    }
    /// `self LIKE '%part%'`, with wildcards in `part` escaped.
    pub fn contains(self, part: &str) -> Expr {
        let p = format!("%{}%", escape_like(part, LIKE_ESCAPE));
        self.like_impl(value(p), Some(LIKE_ESCAPE), false, false)
    }
    /// `CAST(self AS ty)`.
    pub fn cast(self, ty: SqlType) -> Expr {
        Expr::Cast(Box::new(self), ty)
    }
    /// `self AS name`.
    pub fn label(self, name: impl Into<Name>) -> Expr {
        Expr::Label(Box::new(self), name.into())
    }
    /// Ascending ORDER BY term.
    pub fn asc(self) -> OrderBy {
        OrderBy {
            expr: self,
            desc: false,
            nulls: None,
        }
    }
    /// Descending ORDER BY term.
    pub fn desc(self) -> OrderBy {
        OrderBy {
            expr: self,
            desc: true,
            nulls: None,
        }
    }
    /// Adds `OVER (window)` to a function call; other expressions are
    /// returned unchanged.
    pub fn over(self, window: Window) -> Expr {
        match self {
            Expr::Func(mut f) => {
                f.over = Some(window);
                Expr::Func(f)
            }
            other => other,
        }
    }
    /// Marks an aggregate call DISTINCT: `count(DISTINCT x)`; other
    /// expressions are returned unchanged.
    pub fn distinct(self) -> Expr {
        match self {
            Expr::Func(mut f) => {
                f.distinct = true;
                Expr::Func(f)
            }
            other => other,
        }
    }

    /// The name a select-list item exposes as a result column, if it has one.
    pub fn output_name(&self) -> Option<&Name> {
        match self {
            Expr::Column(c) => Some(&c.name),
            Expr::Label(_, n) => Some(n),
            _ => None,
        }
    }
}

macro_rules! arith {
    ($tr:ident, $m:ident, $op:ident) => {
        impl<T: IntoExpr> std::ops::$tr<T> for Expr {
            type Output = Expr;
            fn $m(self, rhs: T) -> Expr {
                self.bin(BinOp::$op, rhs)
            }
        }
    };
}
arith!(Add, add, Add);
arith!(Sub, sub, Sub);
arith!(Mul, mul, Mul);
arith!(Div, div, Div);
arith!(Rem, rem, Mod);

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Neg(Box::new(self))
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

impl<T: IntoExpr> std::ops::BitAnd<T> for Expr {
    type Output = Expr;
    fn bitand(self, rhs: T) -> Expr {
        self.and(rhs)
    }
}

impl<T: IntoExpr> std::ops::BitOr<T> for Expr {
    type Output = Expr;
    fn bitor(self, rhs: T) -> Expr {
        self.or(rhs)
    }
}

/// SQL functions, as SQLAlchemy's `func`.
pub mod func {
    use super::*;

    fn call_with(name: &'static str, args: Vec<Expr>) -> Expr {
        Expr::Func(Box::new(FuncCall {
            name: Name::new_static(name),
            args,
            distinct: false,
            star: false,
            over: None,
            bare: false,
        }))
    }

    /// Any function by name: `call("json_extract", [a, b])`. The name is
    /// rendered verbatim, so it must come from code, not from user input.
    pub fn call<I, E>(name: impl Into<Name>, args: I) -> Expr
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        Expr::Func(Box::new(FuncCall {
            name: name.into(),
            args: args.into_iter().map(IntoExpr::into_expr).collect(),
            distinct: false,
            star: false,
            over: None,
            bare: false,
        }))
    }

    /// `count(e)`.
    pub fn count(e: impl IntoExpr) -> Expr {
        call_with("count", vec![e.into_expr()])
    }
    /// `count(*)`.
    pub fn count_star() -> Expr {
        let mut e = call_with("count", vec![]);
        if let Expr::Func(f) = &mut e {
            f.star = true;
        }
        e
    }
    /// `sum(e)`.
    pub fn sum(e: impl IntoExpr) -> Expr {
        call_with("sum", vec![e.into_expr()])
    }
    /// `avg(e)`.
    pub fn avg(e: impl IntoExpr) -> Expr {
        call_with("avg", vec![e.into_expr()])
    }
    /// `min(e)`.
    pub fn min(e: impl IntoExpr) -> Expr {
        call_with("min", vec![e.into_expr()])
    }
    /// `max(e)`.
    pub fn max(e: impl IntoExpr) -> Expr {
        call_with("max", vec![e.into_expr()])
    }
    /// `coalesce(a, b, ...)`.
    pub fn coalesce<I, E>(args: I) -> Expr
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        call_with(
            "coalesce",
            args.into_iter().map(IntoExpr::into_expr).collect(),
        )
    }
    /// `lower(e)`.
    pub fn lower(e: impl IntoExpr) -> Expr {
        call_with("lower", vec![e.into_expr()])
    }
    /// `upper(e)`.
    pub fn upper(e: impl IntoExpr) -> Expr {
        call_with("upper", vec![e.into_expr()])
    }
    /// The length of a string in characters: `char_length` where the
    /// database has it, `length` on SQLite (and `func::call("char_length", ..)`
    /// is translated the same way). `func::call("length", ..)` is left as
    /// written, which on MySQL counts bytes.
    pub fn length(e: impl IntoExpr) -> Expr {
        call_with("char_length", vec![e.into_expr()])
    }
    /// `CURRENT_TIMESTAMP`.
    pub fn current_timestamp() -> Expr {
        let mut e = call_with("CURRENT_TIMESTAMP", vec![]);
        if let Expr::Func(f) = &mut e {
            f.bare = true;
        }
        e
    }
    /// `row_number()`, for use with [`Expr::over`].
    pub fn row_number() -> Expr {
        call_with("row_number", vec![])
    }
    /// `rank()`, for use with [`Expr::over`].
    pub fn rank() -> Expr {
        call_with("rank", vec![])
    }
    /// `dense_rank()`, for use with [`Expr::over`].
    pub fn dense_rank() -> Expr {
        call_with("dense_rank", vec![])
    }
}
