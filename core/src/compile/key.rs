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
//! names made at run time by their bytes. The bodies of aliased subqueries
//! and CTEs (shared objects: their values are copied, not moved) are
//! written where a statement first names the object, and a reference back
//! to that where it names it again, so equal keys also share objects
//! alike. Two rare parts are written as a hash only (a CAST's type, text
//! clauses): they make the key inexact, and a key-equal entry is then also
//! compared by `==`, as every entry was before keys were exact.

use crate::dml::{ConflictAction, InsertData, InsertSource, OnConflict};
use crate::expr::{Bind, ColumnRef, Expr, FrameBound, FrameUnits, OrderBy, Source};
use crate::name::Name;
use crate::schema::Table;
use crate::select::{AliasTarget, Distinct, FromItem, Query};
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
    /// The canonical position and address of every value copied rather
    /// than moved (held by an alias or CTE object, or a column's default),
    /// in order of position: where one object's value appears twice.
    pub(super) copied: Vec<(u32, usize)>,
}

impl Key {
    /// The address of the value copied to canonical position `i`.
    pub(super) fn copied_at(&self, i: u32) -> Option<usize> {
        self.copied
            .binary_search_by_key(&i, |&(j, _)| j)
            .ok()
            .map(|k| self.copied[k].1)
    }
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
            // The rows hold their list, emptied by the walk.
            let mut cells = rows.take_cells();
            cells.reserve(d.cells);
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

/// About how many values `stmt` binds, to size their list.
pub(super) fn values_hint(stmt: &Statement) -> usize {
    match stmt {
        Statement::Insert(i) => match &i.source {
            InsertSource::Values(rows) => rows.cells().len().max(4),
            _ => 4,
        },
        _ => 4,
    }
}

/// Writes the key of `stmt` and moves its values into `values` (leaving
/// NULLs behind; values of shared objects are copied). `None` for what the
/// cache does not keep (DDL, prepared statements).
pub(super) fn take(stmt: &mut Statement, values: &mut Vec<Value>) -> Option<Key> {
    let mut words = SPARE.try_with(|s| s.take()).unwrap_or_default();
    words.reserve(64);
    let mut st = State {
        words,
        exact: true,
        values,
        detached: None,
        copied: Vec::new(),
        seen: SmallVec::new(),
    };
    let mut k = Walk(&mut st);
    match stmt {
        Statement::Query(q) => {
            k.0.w(1);
            k.query(q);
        }
        Statement::Insert(i) => {
            k.0.w(2);
            k.insert(i);
        }
        Statement::Update(u) => {
            k.0.w(3);
            k.0.table(&u.table);
            k.assignments(&mut u.set);
            k.froms(&mut u.from);
            k.opt_expr(&mut u.where_);
            k.exprs(&mut u.returning);
        }
        Statement::Delete(d) => {
            k.0.w(4);
            k.0.table(&d.table);
            k.froms(&mut d.using);
            k.opt_expr(&mut d.where_);
            k.exprs(&mut d.returning);
        }
        Statement::Text(t) => {
            k.0.w(5);
            k.0.opaque(&**t);
            for (_, Bind(v)) in &mut t.binds {
                k.value(v);
            }
        }
        Statement::Ddl(_) | Statement::Bound(_) => return None,
    }
    Some(Key {
        words: st.words,
        exact: st.exact,
        detached: st.detached,
        copied: st.copied,
    })
}

/// The words of a name declared in code: its length (tagged odd, where a
/// name made at run time starts with an even word) and its address.
#[inline(always)]
fn static_name(s: &'static str) -> [u64; 2] {
    [(s.len() as u64) << 1 | 1, s.as_ptr() as u64]
}

/// What a key's walk writes and collects.
struct State<'v> {
    words: Vec<u64>,
    exact: bool,
    values: &'v mut Vec<Value>,
    detached: Option<Detached>,
    copied: Vec<(u32, usize)>,
    /// The alias and CTE objects written so far: their address, and where
    /// their values sit in `copied` (all of a shared object's values are
    /// copied, so these are also consecutive values).
    seen: SmallVec<[Seen; 4]>,
}

#[derive(Clone, Copy)]
struct Seen {
    addr: usize,
    copied: (u32, u32),
}

/// The walk of a statement given to the cache: values move out.
struct Walk<'s, 'v>(&'s mut State<'v>);

/// The walk of a shared object's body (an aliased subquery, a CTE):
/// values are copied, their addresses noted.
struct WalkRef<'s, 'v>(&'s mut State<'v>);

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

impl State<'_> {
    #[inline(always)]
    fn w(&mut self, word: u64) {
        self.words.push(word);
    }

    #[inline(always)]
    fn w2(&mut self, a: u64, b: u64) {
        self.words.extend_from_slice(&[a, b]);
    }

    /// Something written as a hash only: the key is no longer exact.
    fn opaque<T: Hash + ?Sized>(&mut self, x: &T) {
        self.exact = false;
        let mut h = FxHasher::default();
        x.hash(&mut h);
        self.w(h.finish());
    }

    /// A value copied from a shared object (or a column's default).
    fn copy(&mut self, v: &Value) {
        self.copied
            .push((self.values.len() as u32, v as *const Value as usize));
        self.values.push(v.clone());
    }

    /// A name: declared in code (static text), by address and length; made
    /// at run time, by length and bytes. The first word tells which, and
    /// how many words follow.
    #[inline(always)]
    fn name(&mut self, n: &Name) {
        match n.static_str() {
            Some(s) => self.words.extend_from_slice(&static_name(s)),
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

    /// A column of a table: what [`Walk::expr`] writes for
    /// `Expr::Column` with a table as its source, in one step.
    #[inline(always)]
    fn table_column(&mut self, t: &Table, n: &Name) {
        let addr = t.addr() as usize as u64;
        match n.static_str() {
            Some(s) => {
                let [len, ptr] = static_name(s);
                self.words.extend_from_slice(&[E_COLUMN, 1, addr, len, ptr]);
            }
            None => {
                self.words.extend_from_slice(&[E_COLUMN, 1, addr]);
                self.name(n);
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

    fn frame_bound(&mut self, b: FrameBound) {
        match b {
            FrameBound::UnboundedPreceding => self.w(1),
            FrameBound::Preceding(n) => self.w2(2, n),
            FrameBound::CurrentRow => self.w(3),
            FrameBound::Following(n) => self.w2(4, n),
            FrameBound::UnboundedFollowing => self.w(5),
        }
    }

    /// A shared object's body: written in full where the statement first
    /// names the object, as a reference back where it names it again (its
    /// values copied again, as the canonical order repeats them).
    fn shared(&mut self, addr: usize, q: &Query) {
        if let Some(k) = self.seen.iter().position(|s| s.addr == addr) {
            let seen = self.seen[k];
            self.w2(1, k as u64);
            for c in seen.copied.0..seen.copied.1 {
                let (_, at) = self.copied[c as usize];
                let v = self.values[self.copied[c as usize].0 as usize].clone();
                self.copied.push((self.values.len() as u32, at));
                self.values.push(v);
            }
            return;
        }
        self.w(2);
        let c0 = self.copied.len() as u32;
        WalkRef(self).query(q);
        self.seen.push(Seen {
            addr,
            copied: (c0, self.copied.len() as u32),
        });
    }

    /// A source: tables and names as they are, aliases and CTEs with their
    /// bodies (see [`State::shared`]).
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
                        self.shared(a.addr(), q);
                    }
                }
            }
            Source::Cte(c) => {
                self.w(3);
                self.cte(c);
            }
            Source::Named(n) => {
                self.w(4);
                self.name(n);
            }
        }
    }

    fn cte(&mut self, c: &crate::select::Cte) {
        self.name(c.name());
        self.names(c.declared_columns());
        self.w(c.is_recursive() as u64);
        self.shared(c.addr(), c.query());
    }
}

impl Walk<'_, '_> {
    #[inline]
    fn value(&mut self, v: &mut Value) {
        self.0.w(E_VALUE);
        self.0.values.push(std::mem::replace(v, Value::Null));
    }

    fn insert(&mut self, i: &mut InsertData) {
        let InsertData {
            table,
            columns,
            source,
            on_conflict,
            returning,
        } = i;
        // One word for which parts the INSERT has (and how many columns it
        // names); only those follow.
        let source_kind = match source {
            InsertSource::Values(_) => 1,
            InsertSource::Query(_) => 2,
            InsertSource::DefaultValues => 3,
        };
        let conflict = match on_conflict {
            None => 0,
            Some(OnConflict {
                action: ConflictAction::Nothing,
                ..
            }) => 1,
            Some(OnConflict {
                action: ConflictAction::Update { where_, .. },
                ..
            }) => 2 | (where_.is_some() as u64) << 2,
        };
        self.0.w2(
            source_kind
                | conflict << 2
                | (!returning.is_empty() as u64) << 5
                | (columns.len() as u64) << 8,
            table.addr() as usize as u64,
        );
        for n in columns.iter() {
            self.0.name(n);
        }
        match source {
            InsertSource::Values(rows) => {
                let (width, lengths) = rows.lengths();
                // The number of rows and their width in one word when both
                // fit (always, in practice), else tagged and apart.
                if rows.len() < 1 << 39 && width < 1 << 24 {
                    self.0.w((rows.len() as u64) << 1 | (width as u64) << 40);
                } else {
                    self.0.w(1);
                    self.0.w2(rows.len() as u64, width as u64);
                }
                self.0.w(lengths.len() as u64);
                for &n in lengths {
                    self.0.w(n as u64);
                }
                // The values of each row, then the client-side defaults the
                // compiler adds to it (copied: the table holds them).
                let defaults: SmallVec<[&Value; 2]> = if table.has_client_defaults() {
                    crate::dml::client_defaults(table, columns)
                        .into_iter()
                        .filter_map(|c| c.default.as_ref())
                        .collect()
                } else {
                    SmallVec::new()
                };
                if rows.is_empty() && columns.is_empty() {
                    defaults.iter().for_each(|v| self.0.copy(v));
                } else if defaults.is_empty() {
                    let mut cells = rows.take_cells();
                    self.detach_cells(&mut cells);
                    rows.put_cells(cells);
                } else {
                    rows.for_each_row_mut(|row| {
                        self.cells(row);
                        defaults.iter().for_each(|v| self.0.copy(v));
                    });
                }
            }
            InsertSource::Query(q) => self.query(q),
            InsertSource::DefaultValues => {}
        }
        if let Some(oc) = on_conflict {
            self.0.names(&oc.target);
            if let ConflictAction::Update { set, where_ } = &mut oc.action {
                self.assignments(set);
                if let Some(e) = where_ {
                    self.expr(e);
                }
            }
        }
        if !returning.is_empty() {
            self.exprs(returning);
        }
    }

    /// Cells of VALUES rows, mostly bound values: a run of values is one
    /// word (its length, tagged), anything else an expression.
    fn cells(&mut self, cells: &mut [Expr]) {
        self.0.values.reserve(cells.len());
        let mut run = 0u64;
        for e in cells {
            match e {
                Expr::Value(Bind(v)) => {
                    self.0.values.push(std::mem::replace(v, Value::Null));
                    run += 1;
                }
                other => {
                    if run > 0 {
                        self.0.w(run << 8 | E_VALUE_RUN);
                        run = 0;
                    }
                    self.expr(other);
                }
            }
        }
        if run > 0 {
            self.0.w(run << 8 | E_VALUE_RUN);
        }
        self.0.w(0);
    }

    /// [`Walk::cells`] for cells taken out of their rows: drained (the
    /// list keeps its memory), with what is not a value kept aside.
    fn detach_cells(&mut self, cells: &mut Vec<Expr>) {
        let total = cells.len();
        self.0.values.reserve(total);
        let mut others = Vec::new();
        let mut run = 0u64;
        for (at, e) in cells.drain(..).enumerate() {
            match e {
                Expr::Value(Bind(v)) => {
                    self.0.values.push(v);
                    run += 1;
                }
                mut other => {
                    if run > 0 {
                        self.0.w(run << 8 | E_VALUE_RUN);
                        run = 0;
                    }
                    self.expr(&mut other);
                    others.push((at, other));
                }
            }
        }
        if run > 0 {
            self.0.w(run << 8 | E_VALUE_RUN);
        }
        self.0.w(0);
        self.0.detached = Some(Detached {
            cells: total,
            others,
        });
    }

    fn assignments(&mut self, set: &mut [(Name, Expr)]) {
        self.0.w(set.len() as u64);
        for (n, e) in set {
            // `name = excluded(other)` with both names in code (an upsert's
            // usual assignment): the words `name` and `expr` would write,
            // in one step.
            if let (Some(a), Expr::Excluded(b)) = (n.static_str(), &*e) {
                if let Some(b) = b.static_str() {
                    let ([a_len, a_ptr], [b_len, b_ptr]) = (static_name(a), static_name(b));
                    self.0
                        .words
                        .extend_from_slice(&[a_len, a_ptr, E_EXCLUDED, b_len, b_ptr]);
                    continue;
                }
            }
            self.0.name(n);
            self.expr(e);
        }
    }
}

impl WalkRef<'_, '_> {
    #[inline]
    fn value(&mut self, v: &Value) {
        self.0.w(E_VALUE);
        self.0.copy(v);
    }
}

/// The walk of queries and expressions, written once for both walks: `mut`
/// for [`Walk`] (statement parts it owns), nothing for [`WalkRef`].
macro_rules! walk_queries {
    ($walk:ident $(, $m:tt)?) => {
        impl $walk<'_, '_> {
            fn query(&mut self, q: & $($m)? Query) {
                match q {
                    Query::Select(s) => {
                        // One word says which parts the SELECT has (and how
                        // many columns it lists); only those follow, each
                        // as it would be written alone.
                        let distinct = match &s.distinct {
                            Distinct::None => 0,
                            Distinct::All => 1,
                            Distinct::On(_) => 2,
                        };
                        let lock = s.lock.map_or(0, |l| 1 + l.share as u64 + 2 * l.wait as u64);
                        self.0.w(1
                            | (!s.ctes.is_empty() as u64) << 1
                            | distinct << 2
                            | (!s.from.is_empty() as u64) << 4
                            | (s.where_.is_some() as u64) << 5
                            | (!s.group_by.is_empty() as u64) << 6
                            | (s.having.is_some() as u64) << 7
                            | (!s.order_by.is_empty() as u64) << 8
                            | (s.limit.is_some() as u64) << 9
                            | (s.offset.is_some() as u64) << 10
                            | lock << 11
                            | (s.columns.len() as u64) << 16);
                        if !s.ctes.is_empty() {
                            self.0.w(s.ctes.len() as u64);
                            for c in &s.ctes {
                                self.0.cte(c);
                            }
                        }
                        if let Distinct::On(v) = & $($m)? s.distinct {
                            self.exprs(v);
                        }
                        match s.columns.table_list() {
                            // A table's one list (columns only, never
                            // changed): written as the same columns of
                            // the statement's own would be, so both share
                            // an entry.
                            Some(l) => {
                                for e in l {
                                    WalkRef(&mut *self.0).expr(e);
                                }
                            }
                            None => {
                                for e in & $($m)? s.columns {
                                    self.expr(e);
                                }
                            }
                        }
                        if !s.from.is_empty() {
                            self.froms(& $($m)? s.from);
                        }
                        if let Some(e) = & $($m)? s.where_ {
                            self.expr(e);
                        }
                        if !s.group_by.is_empty() {
                            self.exprs(& $($m)? s.group_by);
                        }
                        if let Some(e) = & $($m)? s.having {
                            self.expr(e);
                        }
                        if !s.order_by.is_empty() {
                            self.order_by(& $($m)? s.order_by);
                        }
                        if let Some(n) = s.limit {
                            self.0.w(n);
                        }
                        if let Some(n) = s.offset {
                            self.0.w(n);
                        }
                    }
                    Query::Compound(c) => {
                        self.0.w(2);
                        self.query(& $($m)? c.first);
                        self.0.w(c.rest.len() as u64);
                        for (op, q) in & $($m)? c.rest {
                            self.0.w(*op as u64);
                            self.query(q);
                        }
                        self.order_by(& $($m)? c.order_by);
                        self.0.opt_u64(c.limit);
                        self.0.opt_u64(c.offset);
                    }
                }
            }

            fn froms(&mut self, items: & $($m)? [FromItem]) {
                self.0.w(items.len() as u64);
                for f in items {
                    self.from(f);
                }
            }

            fn from(&mut self, f: & $($m)? FromItem) {
                match f {
                    FromItem::Source(s) => {
                        self.0.w(1);
                        self.0.source(s);
                    }
                    FromItem::Join(j) => {
                        self.0.w2(2, j.kind as u64);
                        self.from(& $($m)? j.left);
                        self.from(& $($m)? j.right);
                        self.opt_expr(& $($m)? j.on);
                    }
                }
            }

            fn order_by(&mut self, terms: & $($m)? [OrderBy]) {
                self.0.w(terms.len() as u64);
                for t in terms {
                    self.0.w(t.desc as u64 | t.nulls.map_or(0, |x| 1 + x as u64) << 1);
                    self.expr(& $($m)? t.expr);
                }
            }

            #[inline(always)]
            fn exprs(&mut self, v: & $($m)? [Expr]) {
                self.0.w(v.len() as u64);
                for e in v {
                    self.expr(e);
                }
            }

            #[inline]
            fn opt_expr(&mut self, e: & $($m)? Option<Expr>) {
                match e {
                    None => self.0.w(0),
                    Some(e) => self.expr(e),
                }
            }

            /// An expression: a table's column and a bound value inline
            /// (most of what statements hold), the rest through a call.
            #[inline(always)]
            fn expr(&mut self, e: & $($m)? Expr) {
                match e {
                    Expr::Column(ColumnRef {
                        source: Some(Source::Table(t)),
                        name,
                    }) => self.0.table_column(t, name),
                    Expr::Value(Bind(v)) => self.value(v),
                    Expr::Excluded(n) => {
                        self.0.w(E_EXCLUDED);
                        self.0.name(n);
                    }
                    _ => self.expr_other(e),
                }
            }

            #[inline(never)]
            fn expr_other(&mut self, e: & $($m)? Expr) {
                match e {
                    Expr::Value(Bind(v)) => self.value(v),
                    Expr::Column(c) => {
                        self.0.w(E_COLUMN);
                        match &c.source {
                            None => self.0.w(0),
                            Some(s) => self.0.source(s),
                        }
                        self.0.name(&c.name);
                    }
                    Expr::Null => self.0.w(E_NULL),
                    Expr::Star(s) => {
                        self.0.w(E_STAR);
                        match s {
                            None => self.0.w(0),
                            Some(s) => self.0.source(s),
                        }
                    }
                    Expr::Binary(b) => {
                        self.0.w2(E_BINARY, b.1 as u64);
                        self.expr(& $($m)? b.0);
                        self.expr(& $($m)? b.2);
                    }
                    Expr::And(v) => {
                        self.0.w(E_AND);
                        self.exprs(v);
                    }
                    Expr::Or(v) => {
                        self.0.w(E_OR);
                        self.exprs(v);
                    }
                    Expr::Tuple(v) => {
                        self.0.w(E_TUPLE);
                        self.exprs(v);
                    }
                    Expr::Not(x) => {
                        self.0.w(E_NOT);
                        self.expr(x);
                    }
                    Expr::Neg(x) => {
                        self.0.w(E_NEG);
                        self.expr(x);
                    }
                    Expr::IsNull(x, not) => {
                        self.0.w2(E_IS_NULL, *not as u64);
                        self.expr(x);
                    }
                    Expr::IsDistinctFrom(b, not) => {
                        self.0.w2(E_DISTINCT_FROM, *not as u64);
                        self.expr(& $($m)? b.0);
                        self.expr(& $($m)? b.1);
                    }
                    Expr::InList(x, list, not) => {
                        self.0.w2(E_IN_LIST, *not as u64);
                        self.expr(x);
                        self.exprs(list);
                    }
                    Expr::InQuery(x, q, not) => {
                        self.0.w2(E_IN_QUERY, *not as u64);
                        self.expr(x);
                        self.query(q);
                    }
                    Expr::Between(b, not) => {
                        self.0.w2(E_BETWEEN, *not as u64);
                        self.expr(& $($m)? b.0);
                        self.expr(& $($m)? b.1);
                        self.expr(& $($m)? b.2);
                    }
                    Expr::Like(l) => {
                        self.0.w2(E_LIKE, l.negated as u64 | (l.case_insensitive as u64) << 1);
                        self.0.w(l.escape.map_or(u64::MAX, u64::from));
                        self.expr(& $($m)? l.expr);
                        self.expr(& $($m)? l.pattern);
                    }
                    Expr::Case(c) => {
                        self.0.w(E_CASE);
                        self.opt_expr(& $($m)? c.operand);
                        self.0.w(c.whens.len() as u64);
                        for (w, t) in & $($m)? c.whens {
                            self.expr(w);
                            self.expr(t);
                        }
                        self.opt_expr(& $($m)? c.else_);
                    }
                    Expr::Cast(x, ty) => {
                        self.0.w(E_CAST);
                        self.0.opaque(&*ty);
                        self.expr(x);
                    }
                    Expr::Func(f) => {
                        self.0.w(E_FUNC);
                        self.0.name(&f.name);
                        self.0.w(f.distinct as u64 | (f.star as u64) << 1 | (f.bare as u64) << 2);
                        self.exprs(& $($m)? f.args);
                        match & $($m)? f.over {
                            None => self.0.w(0),
                            Some(w) => {
                                self.0.w(1);
                                self.exprs(& $($m)? w.partition_by);
                                self.order_by(& $($m)? w.order_by);
                                match w.frame {
                                    None => self.0.w(0),
                                    Some(fr) => {
                                        self.0.w(match fr.units {
                                            FrameUnits::Rows => 1,
                                            FrameUnits::Range => 2,
                                        });
                                        self.0.frame_bound(fr.start);
                                        self.0.frame_bound(fr.end);
                                    }
                                }
                            }
                        }
                    }
                    Expr::Label(x, n) => {
                        self.0.w(E_LABEL);
                        self.0.name(n);
                        self.expr(x);
                    }
                    Expr::Subquery(q) => {
                        self.0.w(E_SUBQUERY);
                        self.query(q);
                    }
                    Expr::Exists(q) => {
                        self.0.w(E_EXISTS);
                        self.query(q);
                    }
                    Expr::Text(t) => {
                        self.0.w(E_TEXT);
                        self.0.opaque(&**t);
                        for (_, Bind(v)) in & $($m)? t.binds {
                            self.value(v);
                        }
                    }
                    Expr::Excluded(n) => {
                        self.0.w(E_EXCLUDED);
                        self.0.name(n);
                    }
                    Expr::Bool(b) => self.0.w2(E_BOOL, *b as u64),
                    Expr::Param(n) => {
                        self.0.w(E_PARAM);
                        self.0.name(n);
                    }
                }
            }
        }
    };
}

walk_queries!(Walk, mut);
walk_queries!(WalkRef);
