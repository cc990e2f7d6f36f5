//! The statement cache's key: one walk over a statement given to the cache
//! that writes its shape as a list of words and moves its bound values out,
//! in canonical order (the order of [`collect_values`](super::collect_values)).
//!
//! A key is *exact* when equal keys mean statements of the same shape, so
//! that a cached entry with an equal key applies without comparing the
//! statements by `==`. Every part of a statement that changes its SQL is
//! written: node kinds and flags as small words, lists with their lengths
//! (so that no two statements write the same words), LIMIT and OFFSET,
//! tables by address (the cached entry keeps its statement, so the
//! addresses it names stay taken by the same tables), names declared in
//! code by address and length (static text never changes or moves), and
//! names made at run time by their bytes. A few rare parts are not written
//! in full (a CAST's type, text clauses, the bodies of aliased subqueries
//! and CTEs, which are shared objects whose values are copied rather than
//! moved): they make the key inexact, and a key-equal entry is then also
//! compared by `==`, as every entry was before keys were exact.

use super::walk::for_each_query_value;
use crate::dml::{ConflictAction, InsertData, InsertSource};
use crate::expr::{Bind, Expr, FrameBound, FrameUnits, OrderBy, Source};
use crate::name::Name;
use crate::schema::Table;
use crate::select::{AliasTarget, Distinct, FromItem, Query, Select};
use crate::statement::Statement;
use crate::value::Value;
use rustc_hash::FxHasher;
use smallvec::SmallVec;
use std::hash::{Hash, Hasher};

/// The shape of a statement as words; see the module documentation.
pub(super) struct Key {
    pub(super) words: Vec<u64>,
    pub(super) exact: bool,
    /// The cells of an INSERT's VALUES rows, taken out of the statement
    /// whole (their values moved out as they went): the other cells, by
    /// position. [`Key::restore`] puts them back where the statement is
    /// needed again; a hit that needs it not saves dropping every cell.
    detached: Option<Detached>,
}

struct Detached {
    cells: usize,
    others: Vec<(usize, Expr)>,
}

thread_local! {
    /// The words of the last key, for the next key of the thread to reuse.
    static SPARE: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Key {
    /// Puts back into `stmt` (the statement this key was taken from) the
    /// cells of its VALUES rows, with NULLs where their values were.
    pub(super) fn restore(&mut self, stmt: &mut Statement) {
        let (Some(d), Statement::Insert(i)) = (self.detached.take(), stmt) else {
            return;
        };
        if let InsertSource::Values(rows) = &mut i.source {
            let mut cells = Vec::with_capacity(d.cells);
            let mut others = d.others.into_iter().peekable();
            for at in 0..d.cells {
                match others.next_if(|(j, _)| *j == at) {
                    Some((_, e)) => cells.push(e),
                    None => cells.push(Expr::Value(Bind(Value::Null))),
                }
            }
            rows.put_cells(cells);
        }
    }

    /// Gives the key's memory back for the thread's next key.
    pub(super) fn recycle(mut self) {
        self.words.clear();
        let _ = SPARE.try_with(|s| s.set(self.words));
    }
}

impl Key {
    pub(super) fn hash(&self) -> u64 {
        let mut h = FxHasher::default();
        for &w in &self.words {
            h.write_u64(w);
        }
        h.finish()
    }
}

/// Writes the key of `stmt` and moves its values into `values` (leaving
/// NULLs behind; values of shared objects are copied). `None` for what the
/// cache does not keep (DDL, prepared statements).
pub(super) fn take(stmt: &mut Statement, values: &mut Vec<Value>) -> Option<Key> {
    let mut words = SPARE.try_with(|s| s.take()).unwrap_or_default();
    words.reserve(64);
    let mut k = Walk {
        words,
        exact: true,
        values,
        detached: None,
    };
    match stmt {
        Statement::Query(q) => {
            k.w(1);
            k.query(q);
        }
        Statement::Insert(i) => {
            k.w(2);
            k.insert(i);
        }
        Statement::Update(u) => {
            k.w(3);
            k.table(&u.table);
            k.assignments(&mut u.set);
            k.froms(&mut u.from);
            k.opt_expr(u.where_.as_mut());
            k.exprs(&mut u.returning);
        }
        Statement::Delete(d) => {
            k.w(4);
            k.table(&d.table);
            k.froms(&mut d.using);
            k.opt_expr(d.where_.as_mut());
            k.exprs(&mut d.returning);
        }
        Statement::Text(t) => {
            k.w(5);
            k.opaque(&**t);
            for (_, Bind(v)) in &mut t.binds {
                k.value(v);
            }
        }
        Statement::Ddl(_) | Statement::Bound(_) => return None,
    }
    Some(Key {
        words: k.words,
        exact: k.exact,
        detached: k.detached,
    })
}

struct Walk<'v> {
    words: Vec<u64>,
    exact: bool,
    values: &'v mut Vec<Value>,
    detached: Option<Detached>,
}

// Expression tags (all non-zero: an absent optional expression writes 0).
const E_VALUE: u64 = 1;
const E_COLUMN: u64 = 2;
const E_NULL: u64 = 3;
const E_STAR: u64 = 4;
const E_BINARY: u64 = 5;
const E_AND: u64 = 6;
const E_OR: u64 = 7;
const E_NOT: u64 = 8;
const E_NEG: u64 = 9;
const E_IS_NULL: u64 = 10;
const E_DISTINCT_FROM: u64 = 11;
const E_IN_LIST: u64 = 12;
const E_IN_QUERY: u64 = 13;
const E_BETWEEN: u64 = 14;
const E_LIKE: u64 = 15;
const E_CASE: u64 = 16;
const E_CAST: u64 = 17;
const E_FUNC: u64 = 18;
const E_LABEL: u64 = 19;
const E_SUBQUERY: u64 = 20;
const E_EXISTS: u64 = 21;
const E_TUPLE: u64 = 22;
const E_TEXT: u64 = 23;
const E_EXCLUDED: u64 = 24;
const E_BOOL: u64 = 25;
const E_PARAM: u64 = 26;
/// A run of bound values in VALUES rows, its length in the higher bits.
const E_VALUE_RUN: u64 = 27;

impl Walk<'_> {
    #[inline(always)]
    fn w(&mut self, word: u64) {
        self.words.push(word);
    }

    #[inline(always)]
    fn w2(&mut self, a: u64, b: u64) {
        self.words.extend_from_slice(&[a, b]);
    }

    #[inline]
    fn value(&mut self, v: &mut Value) {
        self.w(E_VALUE);
        self.values.push(std::mem::replace(v, Value::Null));
    }

    /// Something written as a hash only: the key is no longer exact.
    fn opaque<T: Hash + ?Sized>(&mut self, x: &T) {
        self.exact = false;
        let mut h = FxHasher::default();
        x.hash(&mut h);
        self.w(h.finish());
    }

    /// A query held by a shared object (an alias or a CTE): its values are
    /// copied, and its body is left to `==` (the key is not exact).
    fn shared_query(&mut self, q: &Query) {
        self.exact = false;
        let values = &mut *self.values;
        for_each_query_value(q, &mut |v: &Value| values.push(v.clone()));
    }

    /// A name: declared in code (static text), by address and length; made
    /// at run time, by length and bytes. The first word tells which, and
    /// how many words follow.
    #[inline(always)]
    fn name(&mut self, n: &Name) {
        match n.static_str() {
            Some(s) => self.w2((s.len() as u64) << 1 | 1, s.as_ptr() as u64),
            None => {
                let b = n.as_bytes();
                self.w((b.len() as u64) << 1);
                for chunk in b.chunks(8) {
                    let mut word = [0u8; 8];
                    word[..chunk.len()].copy_from_slice(chunk);
                    self.w(u64::from_le_bytes(word));
                }
            }
        }
    }

    fn names(&mut self, names: &[Name]) {
        self.w(names.len() as u64);
        for n in names {
            self.name(n);
        }
    }

    #[inline]
    fn table(&mut self, t: &Table) {
        self.w(t.addr() as usize as u64);
    }

    #[inline]
    fn opt_u64(&mut self, x: Option<u64>) {
        match x {
            None => self.w(0),
            Some(n) => self.w2(1, n),
        }
    }

    fn insert(&mut self, i: &mut InsertData) {
        let InsertData {
            table,
            columns,
            source,
            on_conflict,
            returning,
        } = i;
        self.table(table);
        self.names(columns);
        match source {
            InsertSource::Values(rows) => {
                self.w(1);
                self.w(rows.len() as u64);
                let (width, lengths) = rows.lengths();
                self.w(width as u64);
                self.w(lengths.len() as u64);
                for &n in lengths {
                    self.w(n as u64);
                }
                // The values of each row, then the client-side defaults the
                // compiler adds to it (copied: the table holds them).
                let defaults: SmallVec<[&Value; 2]> = crate::dml::client_defaults(table, columns)
                    .into_iter()
                    .filter_map(|c| c.default.as_ref())
                    .collect();
                if rows.is_empty() && columns.is_empty() {
                    self.values.extend(defaults.iter().map(|v| (*v).clone()));
                } else if defaults.is_empty() {
                    self.detach_cells(rows.take_cells());
                } else {
                    rows.for_each_row_mut(|row| {
                        self.cells(row);
                        self.values.extend(defaults.iter().map(|v| (*v).clone()));
                    });
                }
            }
            InsertSource::Query(q) => {
                self.w(2);
                self.query(q);
            }
            InsertSource::DefaultValues => self.w(3),
        }
        match on_conflict {
            None => self.w(0),
            Some(oc) => {
                self.w(1);
                self.names(&oc.target);
                match &mut oc.action {
                    ConflictAction::Nothing => self.w(1),
                    ConflictAction::Update { set, where_ } => {
                        self.w(2);
                        self.assignments(set);
                        self.opt_expr(where_.as_mut());
                    }
                }
            }
        }
        self.exprs(returning);
    }

    /// Cells of VALUES rows, mostly bound values: a run of values is one
    /// word (its length, tagged), anything else an expression.
    fn cells(&mut self, cells: &mut [Expr]) {
        self.values.reserve(cells.len());
        let mut run = 0u64;
        for e in cells {
            match e {
                Expr::Value(Bind(v)) => {
                    self.values.push(std::mem::replace(v, Value::Null));
                    run += 1;
                }
                other => {
                    if run > 0 {
                        self.w(run << 8 | E_VALUE_RUN);
                        run = 0;
                    }
                    self.expr(other);
                }
            }
        }
        if run > 0 {
            self.w(run << 8 | E_VALUE_RUN);
        }
        self.w(0);
    }

    /// [`Walk::cells`] for cells taken out of their rows: consumed, with
    /// what is not a value kept aside.
    fn detach_cells(&mut self, cells: Vec<Expr>) {
        let total = cells.len();
        self.values.reserve(total);
        let mut others = Vec::new();
        let mut run = 0u64;
        for (at, e) in cells.into_iter().enumerate() {
            match e {
                Expr::Value(Bind(v)) => {
                    self.values.push(v);
                    run += 1;
                }
                mut other => {
                    if run > 0 {
                        self.w(run << 8 | E_VALUE_RUN);
                        run = 0;
                    }
                    self.expr(&mut other);
                    others.push((at, other));
                }
            }
        }
        if run > 0 {
            self.w(run << 8 | E_VALUE_RUN);
        }
        self.w(0);
        self.detached = Some(Detached {
            cells: total,
            others,
        });
    }

    fn query(&mut self, q: &mut Query) {
        match q {
            Query::Select(s) => {
                self.w(1);
                self.select(s);
            }
            Query::Compound(c) => {
                self.w(2);
                self.query(&mut c.first);
                self.w(c.rest.len() as u64);
                for (op, q) in &mut c.rest {
                    self.w(*op as u64);
                    self.query(q);
                }
                self.order_by(&mut c.order_by);
                self.opt_u64(c.limit);
                self.opt_u64(c.offset);
            }
        }
    }

    fn select(&mut self, s: &mut Select) {
        self.w(s.ctes.len() as u64);
        for c in &s.ctes {
            self.name(c.name());
            self.names(c.declared_columns());
            self.w(c.is_recursive() as u64);
            self.shared_query(c.query());
        }
        match &mut s.distinct {
            Distinct::None => self.w(0),
            Distinct::All => self.w(1),
            Distinct::On(v) => {
                self.w(2);
                self.exprs(v);
            }
        }
        self.exprs(&mut s.columns);
        self.froms(&mut s.from);
        self.opt_expr(s.where_.as_mut());
        self.exprs(&mut s.group_by);
        self.opt_expr(s.having.as_mut());
        self.order_by(&mut s.order_by);
        self.opt_u64(s.limit);
        self.opt_u64(s.offset);
        self.w(s.lock.map_or(0, |l| 1 + l.share as u64 + 2 * l.wait as u64));
    }

    /// A source (tables and names are written; aliases of subqueries and
    /// CTEs are shared objects, see [`Walk::shared_query`]).
    fn source(&mut self, s: &Source) {
        match s {
            Source::Table(t) => self.w2(1, t.addr() as usize as u64),
            Source::Alias(a) => {
                self.w(2);
                self.name(a.name());
                self.w(a.is_lateral() as u64);
                match a.target() {
                    AliasTarget::Table(t) => {
                        self.w(1);
                        self.table(t);
                    }
                    AliasTarget::Query(q) => {
                        self.w(2);
                        self.shared_query(q);
                    }
                }
            }
            Source::Cte(c) => {
                self.w(3);
                self.name(c.name());
                self.names(c.declared_columns());
                self.w(c.is_recursive() as u64);
                self.shared_query(c.query());
            }
            Source::Named(n) => {
                self.w(4);
                self.name(n);
            }
        }
    }

    fn froms(&mut self, items: &mut [FromItem]) {
        self.w(items.len() as u64);
        for f in items {
            self.from(f);
        }
    }

    fn from(&mut self, f: &mut FromItem) {
        match f {
            FromItem::Source(s) => {
                self.w(1);
                self.source(s);
            }
            FromItem::Join(j) => {
                self.w(2);
                self.w(j.kind as u64);
                self.from(&mut j.left);
                self.from(&mut j.right);
                self.opt_expr(j.on.as_mut());
            }
        }
    }

    fn order_by(&mut self, terms: &mut [OrderBy]) {
        self.w(terms.len() as u64);
        for t in terms {
            self.w(t.desc as u64 | t.nulls.map_or(0, |x| 1 + x as u64) << 1);
            self.expr(&mut t.expr);
        }
    }

    fn assignments(&mut self, set: &mut [(Name, Expr)]) {
        self.w(set.len() as u64);
        for (n, e) in set {
            self.name(n);
            self.expr(e);
        }
    }

    fn exprs(&mut self, v: &mut [Expr]) {
        self.w(v.len() as u64);
        for e in v {
            self.expr(e);
        }
    }

    fn opt_expr(&mut self, e: Option<&mut Expr>) {
        match e {
            None => self.w(0),
            Some(e) => self.expr(e),
        }
    }

    fn frame_bound(&mut self, b: FrameBound) {
        match b {
            FrameBound::UnboundedPreceding => self.w(1),
            FrameBound::Preceding(n) => {
                self.w(2);
                self.w(n);
            }
            FrameBound::CurrentRow => self.w(3),
            FrameBound::Following(n) => {
                self.w(4);
                self.w(n);
            }
            FrameBound::UnboundedFollowing => self.w(5),
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        match e {
            Expr::Value(Bind(v)) => self.value(v),
            Expr::Column(c) => {
                self.w(E_COLUMN);
                match &c.source {
                    None => self.w(0),
                    Some(s) => self.source(s),
                }
                self.name(&c.name);
            }
            Expr::Null => self.w(E_NULL),
            Expr::Star(s) => {
                self.w(E_STAR);
                match s {
                    None => self.w(0),
                    Some(s) => self.source(s),
                }
            }
            Expr::Binary(b) => {
                self.w(E_BINARY);
                self.w(b.1 as u64);
                self.expr(&mut b.0);
                self.expr(&mut b.2);
            }
            Expr::And(v) => {
                self.w(E_AND);
                self.exprs(v);
            }
            Expr::Or(v) => {
                self.w(E_OR);
                self.exprs(v);
            }
            Expr::Tuple(v) => {
                self.w(E_TUPLE);
                self.exprs(v);
            }
            Expr::Not(x) => {
                self.w(E_NOT);
                self.expr(x);
            }
            Expr::Neg(x) => {
                self.w(E_NEG);
                self.expr(x);
            }
            Expr::IsNull(x, not) => {
                self.w(E_IS_NULL);
                self.w(*not as u64);
                self.expr(x);
            }
            Expr::IsDistinctFrom(b, not) => {
                self.w(E_DISTINCT_FROM);
                self.w(*not as u64);
                self.expr(&mut b.0);
                self.expr(&mut b.1);
            }
            Expr::InList(x, list, not) => {
                self.w(E_IN_LIST);
                self.w(*not as u64);
                self.expr(x);
                self.exprs(list);
            }
            Expr::InQuery(x, q, not) => {
                self.w(E_IN_QUERY);
                self.w(*not as u64);
                self.expr(x);
                self.query(q);
            }
            Expr::Between(b, not) => {
                self.w(E_BETWEEN);
                self.w(*not as u64);
                self.expr(&mut b.0);
                self.expr(&mut b.1);
                self.expr(&mut b.2);
            }
            Expr::Like(l) => {
                self.w(E_LIKE);
                self.w(l.negated as u64 | (l.case_insensitive as u64) << 1);
                self.w(l.escape.map_or(u64::MAX, u64::from));
                self.expr(&mut l.expr);
                self.expr(&mut l.pattern);
            }
            Expr::Case(c) => {
                self.w(E_CASE);
                self.opt_expr(c.operand.as_mut());
                self.w(c.whens.len() as u64);
                for (w, t) in &mut c.whens {
                    self.expr(w);
                    self.expr(t);
                }
                self.opt_expr(c.else_.as_mut());
            }
            Expr::Cast(x, ty) => {
                self.w(E_CAST);
                self.opaque(ty);
                self.expr(x);
            }
            Expr::Func(f) => {
                self.w(E_FUNC);
                self.name(&f.name);
                self.w(f.distinct as u64 | (f.star as u64) << 1 | (f.bare as u64) << 2);
                self.exprs(&mut f.args);
                match &mut f.over {
                    None => self.w(0),
                    Some(w) => {
                        self.w(1);
                        self.exprs(&mut w.partition_by);
                        self.order_by(&mut w.order_by);
                        match w.frame {
                            None => self.w(0),
                            Some(fr) => {
                                self.w(match fr.units {
                                    FrameUnits::Rows => 1,
                                    FrameUnits::Range => 2,
                                });
                                self.frame_bound(fr.start);
                                self.frame_bound(fr.end);
                            }
                        }
                    }
                }
            }
            Expr::Label(x, n) => {
                self.w(E_LABEL);
                self.name(n);
                self.expr(x);
            }
            Expr::Subquery(q) => {
                self.w(E_SUBQUERY);
                self.query(q);
            }
            Expr::Exists(q) => {
                self.w(E_EXISTS);
                self.query(q);
            }
            Expr::Text(t) => {
                self.w(E_TEXT);
                self.opaque(&**t);
                for (_, Bind(v)) in &mut t.binds {
                    self.value(v);
                }
            }
            Expr::Excluded(n) => {
                self.w(E_EXCLUDED);
                self.name(n);
            }
            Expr::Bool(b) => {
                self.w(E_BOOL);
                self.w(*b as u64);
            }
            Expr::Param(n) => {
                self.w(E_PARAM);
                self.name(n);
            }
        }
    }
}
