//! A cheaper way for a connection's front of the statement cache to find
//! the entry of a common SELECT: instead of writing the statement's key
//! (see `key.rs`), hashing and comparing it, the front picks a slot by a
//! *quick hash* of a few parts of the statement and compares the
//! statement with the slot's entry node by node, moving its values out as
//! the comparison passes them ([`take_if_same`]; a difference puts them
//! back).
//!
//! Only statements made of the parts most statements use are compared
//! this way: a SELECT without CTEs, `DISTINCT ON` or aliased sources,
//! whose expressions are columns, bound values and the usual operators
//! and functions. For anything else the comparison answers `false`, and
//! the cache takes the statement's key as it always does. A `true` is
//! exact: every part of the two statements that changes their SQL is
//! equal, so the entry's SQL is the statement's SQL. Values move out in
//! canonical order (the order of the key's walk and of
//! [`collect_values`](super::collect_values)), so the entry's mapping of
//! values to placeholders applies.

use crate::expr::{Bind, ColumnRef, Expr, Source};
use crate::select::{Distinct, FromItem, Query, SelectData};
use crate::statement::Statement;
use crate::value::Value;

/// A hash of a few parts of a statement that [`take_if_same`] can compare:
/// its kind, the number of its columns and the table of the first, its
/// FROM items, the head of its WHERE clause, ORDER BY, LIMIT and OFFSET.
/// Statements of one shape have one quick hash; statements of different
/// shapes may share one. `None` for statements [`take_if_same`] does
/// not compare. Never `Some(0)`.
#[inline]
pub(super) fn quick_hash(stmt: &Statement) -> Option<u64> {
    let Statement::Query(Query::Select(s)) = stmt else {
        return None;
    };
    let first = match s.columns.table_list() {
        Some(l) => l.as_ptr() as usize as u64,
        None => match s.columns.first() {
            Some(Expr::Column(ColumnRef {
                source: Some(Source::Table(t)),
                ..
            })) => t.addr() as usize as u64,
            _ => 0,
        },
    };
    let from = match s.from.first() {
        Some(FromItem::Source(Source::Table(t))) => t.addr() as usize as u64,
        Some(FromItem::Join(_)) => 1,
        _ => 0,
    };
    let filter = match &s.where_ {
        None => 0,
        Some(Expr::Binary(b)) => match &b.0 {
            Expr::Column(c) => (b.1 as u64) << 1 ^ c.name.as_str().as_ptr() as u64,
            _ => 3,
        },
        Some(_) => 5,
    };
    let parts = s.columns.len() as u64
        | (s.from.len() as u64) << 16
        | (s.order_by.len() as u64) << 24
        | (s.limit.is_some() as u64) << 32
        | (s.offset.is_some() as u64) << 33;
    let mut h = rustc_hash::FxHasher::default();
    use std::hash::Hasher;
    h.write_u64(first);
    h.write_u64(from);
    h.write_u64(filter);
    h.write_u64(parts);
    Some(h.finish() | 1)
}

/// Moves the values of `stmt` into `values` (in canonical order, leaving
/// NULLs behind) if `stmt` has the shape of `cached` (an entry's
/// statement, its values moved out): `true` only when the two render the
/// same SQL. `false` also for statements this comparison does not cover
/// (see the module documentation), with `stmt` and `values` as they were.
pub(super) fn take_if_same(
    stmt: &mut Statement,
    cached: &Statement,
    values: &mut Vec<Value>,
) -> bool {
    let start = values.len();
    let same = match (&mut *stmt, cached) {
        (Statement::Query(Query::Select(a)), Statement::Query(Query::Select(b))) => {
            Take(values).select(a, b)
        }
        _ => false,
    };
    if !same && values.len() > start {
        // The values moved before the difference go back where they were:
        // the first NULLs of the statement in canonical order.
        let mut back = values.drain(start..);
        if let Statement::Query(Query::Select(s)) = stmt {
            put_back_select(s, &mut back);
        }
    }
    same
}

/// Puts the values [`take_if_same`] moved out of `stmt` back, emptying
/// `values`.
pub(super) fn put_back(stmt: &mut Statement, values: &mut Vec<Value>) {
    if let Statement::Query(Query::Select(s)) = stmt {
        put_back_select(s, &mut values.drain(..));
    }
}

/// The comparison of a statement with a cached one, moving the
/// statement's values out as it goes, in canonical order.
struct Take<'v>(&'v mut Vec<Value>);

impl Take<'_> {
    fn select(&mut self, a: &mut SelectData, b: &SelectData) -> bool {
        a.ctes.is_empty()
            && b.ctes.is_empty()
            && matches!(
                (&a.distinct, &b.distinct),
                (Distinct::None, Distinct::None) | (Distinct::All, Distinct::All)
            )
            && a.limit == b.limit
            && a.offset == b.offset
            && a.lock == b.lock
            && match (a.columns.table_list(), b.columns.table_list()) {
                // A table's one list: compared by address.
                (Some(x), Some(y)) => std::ptr::eq(x, y),
                // A table's list against the same columns listed one by
                // one (no values to move: columns only).
                (Some(x), None) => {
                    x.len() == b.columns.len()
                        && x.iter()
                            .zip(b.columns.iter())
                            .all(|(p, q)| same_column(p, q))
                }
                (None, _) => self.exprs(a.columns.to_mut(), &b.columns),
            }
            && a.from.len() == b.from.len()
            && a.from.iter_mut().zip(&b.from).all(|(x, y)| self.from(x, y))
            && self.opt_expr(&mut a.where_, &b.where_)
            && a.group_by.len() == b.group_by.len()
            && (a.group_by.is_empty() || self.exprs(&mut a.group_by, &b.group_by))
            && self.opt_expr(&mut a.having, &b.having)
            && a.order_by.len() == b.order_by.len()
            && (a.order_by.is_empty()
                || a.order_by.iter_mut().zip(&b.order_by).all(|(x, y)| {
                    x.desc == y.desc && x.nulls == y.nulls && self.expr(&mut x.expr, &y.expr)
                }))
    }

    fn from(&mut self, a: &mut FromItem, b: &FromItem) -> bool {
        match (a, b) {
            (FromItem::Source(x), FromItem::Source(y)) => source(x, y),
            (FromItem::Join(x), FromItem::Join(y)) => {
                x.kind == y.kind
                    && self.from(&mut x.left, &y.left)
                    && self.from(&mut x.right, &y.right)
                    && self.opt_expr(&mut x.on, &y.on)
            }
            _ => false,
        }
    }

    #[inline]
    fn exprs(&mut self, a: &mut [Expr], b: &[Expr]) -> bool {
        a.len() == b.len() && a.iter_mut().zip(b).all(|(x, y)| self.expr(x, y))
    }

    #[inline]
    fn opt_expr(&mut self, a: &mut Option<Expr>, b: &Option<Expr>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(x), Some(y)) => self.expr(x, y),
            _ => false,
        }
    }

    /// An expression: a table's column and a bound value inline (most of
    /// what statements hold), and so the two of a comparison such as
    /// `column = value`; the rest through a call.
    #[inline(always)]
    fn expr(&mut self, a: &mut Expr, b: &Expr) -> bool {
        match self.leaf(a, b) {
            Some(same) => same,
            None => match (a, b) {
                (Expr::Binary(x), Expr::Binary(y)) if x.1 == y.1 => {
                    let (l, _, r) = &mut **x;
                    let same = match self.leaf(l, &y.0) {
                        Some(same) => same,
                        None => self.other(l, &y.0),
                    };
                    same && match self.leaf(r, &y.2) {
                        Some(same) => same,
                        None => self.other(r, &y.2),
                    }
                }
                (a, b) => self.other(a, b),
            },
        }
    }

    /// A table's column or a bound value; `None` for anything else.
    #[inline(always)]
    fn leaf(&mut self, a: &mut Expr, b: &Expr) -> Option<bool> {
        match a {
            Expr::Column(ColumnRef {
                source: Some(Source::Table(t)),
                name,
            }) => Some(match b {
                Expr::Column(ColumnRef {
                    source: Some(Source::Table(u)),
                    name: m,
                }) => t.addr() == u.addr() && (name.same_text(m) || name == m),
                _ => false,
            }),
            // Any value: values are bound, whatever their type.
            Expr::Value(Bind(v)) => Some(match b {
                Expr::Value(_) => {
                    self.0.push(std::mem::replace(v, Value::Null));
                    true
                }
                _ => false,
            }),
            _ => None,
        }
    }

    #[inline(never)]
    fn other(&mut self, a: &mut Expr, b: &Expr) -> bool {
        match (a, b) {
            (Expr::Column(x), Expr::Column(y)) => {
                x.name == y.name
                    && match (&x.source, &y.source) {
                        (None, None) => true,
                        (Some(s), Some(t)) => source(s, t),
                        _ => false,
                    }
            }
            (Expr::Value(Bind(v)), Expr::Value(_)) => {
                self.0.push(std::mem::replace(v, Value::Null));
                true
            }
            (Expr::Null, Expr::Null) => true,
            (Expr::Bool(x), Expr::Bool(y)) => x == y,
            (Expr::Param(x), Expr::Param(y)) => x == y,
            (Expr::Star(x), Expr::Star(y)) => match (x, y) {
                (None, None) => true,
                (Some(s), Some(t)) => source(s, t),
                _ => false,
            },
            (Expr::Binary(x), Expr::Binary(y)) => {
                x.1 == y.1 && self.expr(&mut x.0, &y.0) && self.expr(&mut x.2, &y.2)
            }
            (Expr::And(x), Expr::And(y))
            | (Expr::Or(x), Expr::Or(y))
            | (Expr::Tuple(x), Expr::Tuple(y)) => self.exprs(x, y),
            (Expr::Not(x), Expr::Not(y)) | (Expr::Neg(x), Expr::Neg(y)) => self.expr(x, y),
            (Expr::IsNull(x, m), Expr::IsNull(y, n)) => m == n && self.expr(x, y),
            (Expr::InList(x, l, m), Expr::InList(y, k, n)) => {
                m == n && self.expr(x, y) && self.exprs(l, k)
            }
            (Expr::Between(x, m), Expr::Between(y, n)) => {
                m == n
                    && self.expr(&mut x.0, &y.0)
                    && self.expr(&mut x.1, &y.1)
                    && self.expr(&mut x.2, &y.2)
            }
            (Expr::Like(x), Expr::Like(y)) => {
                x.negated == y.negated
                    && x.case_insensitive == y.case_insensitive
                    && x.escape == y.escape
                    && self.expr(&mut x.expr, &y.expr)
                    && self.expr(&mut x.pattern, &y.pattern)
            }
            (Expr::Label(x, m), Expr::Label(y, n)) => m == n && self.expr(x, y),
            (Expr::Func(x), Expr::Func(y)) => {
                x.over.is_none()
                    && y.over.is_none()
                    && x.name == y.name
                    && x.distinct == y.distinct
                    && x.star == y.star
                    && x.bare == y.bare
                    && self.exprs(&mut x.args, &y.args)
            }
            _ => false,
        }
    }
}

/// Whether two expressions are the same column of the same table.
fn same_column(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (
            Expr::Column(ColumnRef {
                source: Some(Source::Table(t)),
                name,
            }),
            Expr::Column(ColumnRef {
                source: Some(Source::Table(u)),
                name: m,
            }),
        ) => t.addr() == u.addr() && name == m,
        _ => false,
    }
}

/// Tables by address (the cached statement keeps its tables alive, so no
/// other table has the address), names by text; aliases and CTEs are not
/// compared (their values are shared, not moved).
#[inline]
fn source(a: &Source, b: &Source) -> bool {
    match (a, b) {
        (Source::Table(x), Source::Table(y)) => x.addr() == y.addr(),
        (Source::Named(x), Source::Named(y)) => x == y,
        _ => false,
    }
}

/// Puts values taken by an unfinished [`Take`] back: into the statement's
/// bound values in canonical order, through the kinds of expression
/// [`Take`] walks into (it stopped at the first other kind).
fn put_back_select(s: &mut SelectData, back: &mut impl Iterator<Item = Value>) {
    let SelectData {
        columns,
        from,
        where_,
        group_by,
        having,
        order_by,
        ..
    } = s;
    let exprs = columns
        .into_iter()
        .chain(from.iter_mut().flat_map(join_conditions))
        .chain(where_.iter_mut())
        .chain(group_by.iter_mut())
        .chain(having.iter_mut())
        .chain(order_by.iter_mut().map(|o| &mut o.expr));
    for e in exprs {
        if !put_back_expr(e, back) {
            return;
        }
    }
}

/// The ON conditions of a FROM item's joins, in canonical order.
fn join_conditions(f: &mut FromItem) -> Vec<&mut Expr> {
    let mut out = Vec::new();
    fn walk<'a>(f: &'a mut FromItem, out: &mut Vec<&'a mut Expr>) {
        if let FromItem::Join(j) = f {
            walk(&mut j.left, out);
            walk(&mut j.right, out);
            if let Some(on) = &mut j.on {
                out.push(on);
            }
        }
    }
    walk(f, &mut out);
    out
}

/// [`put_back`] for one expression; `false` once `back` is empty.
fn put_back_expr(e: &mut Expr, back: &mut impl Iterator<Item = Value>) -> bool {
    let each = |v: &mut [Expr], back: &mut _| v.iter_mut().all(|e| put_back_expr(e, back));
    match e {
        Expr::Value(Bind(v)) => match back.next() {
            Some(x) => {
                *v = x;
                true
            }
            None => false,
        },
        Expr::Binary(b) => put_back_expr(&mut b.0, back) && put_back_expr(&mut b.2, back),
        Expr::And(v) | Expr::Or(v) | Expr::Tuple(v) => each(v, back),
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull(x, _) | Expr::Label(x, _) => {
            put_back_expr(x, back)
        }
        Expr::InList(x, list, _) => put_back_expr(x, back) && each(list, back),
        Expr::Between(b, _) => {
            put_back_expr(&mut b.0, back)
                && put_back_expr(&mut b.1, back)
                && put_back_expr(&mut b.2, back)
        }
        Expr::Like(l) => put_back_expr(&mut l.expr, back) && put_back_expr(&mut l.pattern, back),
        Expr::Func(f) => each(&mut f.args, back),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::func;
    use crate::{compile, select, Column, GenericDialect, MetaData, SqlType, Table};

    fn tables() -> (Table, Table) {
        let mut md = MetaData::new();
        let users = md
            .add(
                Table::builder("users")
                    .column(Column::new("id", SqlType::Integer).primary_key())
                    .column(Column::new("name", SqlType::String(Some(50))))
                    .column(Column::new("hair_color", SqlType::String(Some(50)))),
            )
            .unwrap();
        let posts = md
            .add(
                Table::builder("posts")
                    .column(Column::new("id", SqlType::Integer).primary_key())
                    .column(Column::new("user_id", SqlType::Integer))
                    .column(Column::new("title", SqlType::String(Some(50)))),
            )
            .unwrap();
        (users.into_static(), posts)
    }

    type Make = Box<dyn Fn(i64) -> Statement>;

    fn c(t: &Table, name: &str) -> Expr {
        t.c(name).unwrap()
    }

    fn kind(u: &Table, p: &Table, f: impl Fn(&Table, &Table, i64) -> Statement + 'static) -> Make {
        let (u, p) = (u.clone(), p.clone());
        Box::new(move |n| f(&u, &p, n))
    }

    /// Statements of the kinds [`take_if_same`] compares, each built twice
    /// by `make` with values from `n`: pairs of one kind differ only in
    /// their values, pairs of two kinds in their shape.
    fn kinds(u: &Table, p: &Table) -> Vec<Make> {
        vec![
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "id").eq(n)).into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "id").ne(n)).into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "name").eq(n)).into()
            }),
            kind(u, p, move |_u, p, n| {
                select(p).where_(c(p, "id").eq(n)).into()
            }),
            kind(u, p, move |u, _p, n| {
                select([c(u, "id"), c(u, "name")])
                    .where_(c(u, "id").eq(n))
                    .into()
            }),
            kind(u, p, move |u, _p, n| {
                select([c(u, "id"), c(u, "hair_color")])
                    .where_(c(u, "id").eq(n))
                    .into()
            }),
            kind(u, p, move |u, _p, _n| select(u).into()),
            kind(u, p, move |u, _p, _n| select(u).limit(5).into()),
            kind(u, p, move |u, _p, _n| select(u).limit(6).into()),
            kind(u, p, move |u, _p, _n| select(u).limit(5).offset(2).into()),
            kind(u, p, move |u, _p, _n| select(u).distinct().into()),
            kind(u, p, move |u, _p, _n| {
                select(u).order_by(c(u, "name").desc()).into()
            }),
            kind(u, p, move |u, _p, _n| {
                select(u).order_by(c(u, "name").asc()).into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u)
                    .where_(c(u, "id").eq(n).and(c(u, "name").eq("a")))
                    .into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u)
                    .where_(c(u, "id").eq(n).and(c(u, "hair_color").eq("a")))
                    .into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u)
                    .where_(c(u, "id").eq(n).or(c(u, "name").eq("a")))
                    .into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "id").in_([n, n + 1])).into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "id").in_([n, n + 1, n + 2])).into()
            }),
            kind(u, p, move |u, _p, n| {
                select(u).where_(c(u, "id").between(n, n + 9)).into()
            }),
            kind(u, p, move |u, _p, _n| {
                select(u).where_(c(u, "name").like("a%")).into()
            }),
            kind(u, p, move |u, _p, _n| {
                select(u).where_(c(u, "name").like_escape("a%", '!')).into()
            }),
            kind(u, p, move |u, _p, _n| {
                select(u).where_(c(u, "name").is_null()).into()
            }),
            kind(u, p, move |u, _p, n| {
                select([c(u, "name"), func::count(c(u, "id")).label("n")])
                    .group_by([c(u, "name")])
                    .having(func::count(c(u, "id")).gt(n))
                    .into()
            }),
            kind(u, p, move |u, _p, n| {
                select([c(u, "name"), func::count(c(u, "id")).label("m")])
                    .group_by([c(u, "name")])
                    .having(func::count(c(u, "id")).gt(n))
                    .into()
            }),
            kind(u, p, move |u, p, n| {
                select([c(u, "name"), c(p, "title")])
                    .join(p, c(u, "id").eq(c(p, "user_id")))
                    .where_(c(p, "id").gt(n))
                    .into()
            }),
            kind(u, p, move |u, p, n| {
                select([c(u, "name"), c(p, "title")])
                    .outer_join(p, c(u, "id").eq(c(p, "user_id")))
                    .where_(c(p, "id").gt(n))
                    .into()
            }),
        ]
    }

    /// An entry's statement: `stmt` with its values moved out.
    fn shape_of(mut stmt: Statement) -> Statement {
        let mut values = Vec::new();
        super::super::key::take(&mut stmt, &mut values).unwrap();
        stmt
    }

    #[test]
    fn statements_of_one_kind_match_and_of_two_kinds_never() {
        let (u, p) = tables();
        let kinds = kinds(&u, &p);
        for (i, a) in kinds.iter().enumerate() {
            for (j, b) in kinds.iter().enumerate() {
                let cached = shape_of(b(1));
                let mut stmt = a(7);
                let before = stmt.clone();
                let mut values = Vec::new();
                let same = take_if_same(&mut stmt, &cached, &mut values);
                assert_eq!(same, i == j, "kinds {i} and {j}: {before}");
                if same {
                    // The values in canonical order, NULLs left behind.
                    let mut canon = Vec::new();
                    super::super::collect_values(&before, &mut canon);
                    assert_eq!(values.iter().collect::<Vec<_>>(), canon, "kind {i}");
                    assert_eq!(stmt, shape_of(before), "kind {i}");
                } else {
                    assert!(values.is_empty());
                    assert_eq!(stmt, before, "kinds {i} and {j}: the statement as it was");
                }
            }
        }
    }

    #[test]
    fn a_match_renders_the_cached_sql() {
        let (u, p) = tables();
        for (i, make) in kinds(&u, &p).iter().enumerate() {
            let cached = shape_of(make(1));
            let mut stmt = make(2);
            let expected = compile(&stmt, &GenericDialect).unwrap();
            let mut values = Vec::new();
            assert!(take_if_same(&mut stmt, &cached, &mut values), "kind {i}");
            assert_eq!(compile(&cached, &GenericDialect).unwrap().sql, expected.sql);
        }
    }

    #[test]
    fn a_difference_after_a_value_puts_the_value_back() {
        let (u, _) = tables();
        let c = |n: &str| u.c(n).unwrap();
        let cached = shape_of(
            select(&u)
                .where_(c("id").eq(1).and(c("name").eq("a")))
                .into(),
        );
        let mut stmt: Statement = select(&u)
            .where_(c("id").eq(5).and(c("hair_color").eq("b")))
            .into();
        let before = stmt.clone();
        let mut values = Vec::new();
        assert!(!take_if_same(&mut stmt, &cached, &mut values));
        assert_eq!(stmt, before);
        assert!(values.is_empty());
    }

    #[test]
    fn a_shared_list_and_the_same_columns_one_by_one_match() {
        let (u, _) = tables();
        let listed = || {
            select(
                u.columns
                    .iter()
                    .map(|col| u.c(&col.name).unwrap())
                    .collect::<Vec<_>>(),
            )
        };
        let cached = shape_of(listed().into());
        let mut stmt: Statement = select(&u).into();
        assert!(take_if_same(&mut stmt, &cached, &mut Vec::new()));
        // The other way round the list is compared too.
        let cached = shape_of(select(&u).into());
        let mut stmt: Statement = listed().into();
        assert!(take_if_same(&mut stmt, &cached, &mut Vec::new()));
    }

    #[test]
    fn two_kept_tables_selected_whole_share_one_list() {
        use crate::select::ColumnList;
        let (u, p) = tables();
        let p = p.into_static();
        let (a, b) = (select(&u).column(&p), select(&u).column(&p));
        let (ColumnList::Table(x), ColumnList::Table(y)) = (&a.columns, &b.columns) else {
            panic!("lists of their own: {:?}", a.columns);
        };
        assert!(std::ptr::eq(*x, *y), "one list for the pair");
        let one_by_one: Vec<Expr> = [&u, &p]
            .iter()
            .flat_map(|t| t.columns.iter().map(|col| t.c(&col.name).unwrap()))
            .collect();
        let listed = select(one_by_one);
        assert_eq!(a, listed);
        assert_eq!(
            compile(&a.clone().into(), &GenericDialect).unwrap(),
            compile(&listed.into(), &GenericDialect).unwrap()
        );
        // More items make the list the statement's own.
        let more = select(&u).column(&p).column(c(&u, "id"));
        assert!(matches!(more.columns, ColumnList::Own(_)));
        assert_eq!(more.columns.len(), 7);
        assert_eq!(a.columns.len(), 6, "the shared list unchanged");
    }

    #[test]
    fn statements_outside_the_comparison_never_match() {
        let (u, _) = tables();
        let sub = select([u.c("id").unwrap()]).subquery("s");
        let make = || -> Statement { select([sub.c("id").unwrap()]).from(&sub).into() };
        let cached = shape_of(make());
        let mut stmt = make();
        assert!(!take_if_same(&mut stmt, &cached, &mut Vec::new()));
        assert_eq!(quick_hash(&crate::insert(&u).into()), None);
    }
}
