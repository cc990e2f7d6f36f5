//! The statement cache's hash of a statement's shape.
//!
//! The cache compares a statement with a cached one by `==` before using the
//! cached SQL, so this hash only has to agree with `==` (statements that are
//! equal hash the same) and to tell most shapes apart; it may leave things
//! out, and then shapes that differ only there share a bucket. It is
//! cheaper than the derived `Hash`: names count by their length and end
//! bytes rather than by every byte, and it skips what rarely tells shapes
//! apart (types of casts, the escape character of LIKE, window frames).

use crate::dml::{ConflictAction, InsertSource};
use crate::expr::{Expr, OrderBy, Source};
use crate::schema::Table;
use crate::select::{AliasTarget, Distinct, FromItem, Query, Select};
use crate::statement::Statement;
use rustc_hash::FxHasher;
use std::hash::{Hash, Hasher};

/// The shape hash of `stmt`; `None` for statements the cache does not keep (DDL).
pub(super) fn shape_hash(stmt: &Statement) -> Option<u64> {
    let mut h = Shape(FxHasher::default());
    match stmt {
        Statement::Query(q) => {
            h.word(1);
            h.query(q);
        }
        Statement::Insert(i) => {
            h.word(2);
            h.table(&i.table);
            h.names(&i.columns);
            match &i.source {
                InsertSource::Values(rows) => {
                    h.word(1);
                    h.word(rows.len() as u64);
                    h.exprs(rows.cells());
                }
                InsertSource::Query(q) => {
                    h.word(2);
                    h.query(q);
                }
                InsertSource::DefaultValues => h.word(3),
            }
            match &i.on_conflict {
                None => h.word(0),
                Some(oc) => {
                    h.names(&oc.target);
                    match &oc.action {
                        ConflictAction::Nothing => h.word(1),
                        ConflictAction::Update { set, where_ } => {
                            h.word(2);
                            h.assignments(set);
                            h.opt_expr(where_.as_ref());
                        }
                    }
                }
            }
            h.exprs(&i.returning);
        }
        Statement::Update(u) => {
            h.word(3);
            h.table(&u.table);
            h.assignments(&u.set);
            h.sources(&u.from);
            h.opt_expr(u.where_.as_ref());
            h.exprs(&u.returning);
        }
        Statement::Delete(d) => {
            h.word(4);
            h.table(&d.table);
            h.sources(&d.using);
            h.opt_expr(d.where_.as_ref());
            h.exprs(&d.returning);
        }
        Statement::Text(t) => {
            h.word(5);
            t.hash(&mut h.0);
        }
        Statement::Ddl(_) | Statement::Bound(_) => return None,
    }
    Some(h.0.finish())
}

struct Shape(FxHasher);

impl Shape {
    #[inline]
    fn word(&mut self, w: u64) {
        self.0.write_u64(w);
    }

    /// A name by its length, first and last bytes (equal names agree on those).
    #[inline]
    fn name(&mut self, n: &str) {
        let b = n.as_bytes();
        let first = b.first().copied().unwrap_or(0) as u64;
        let last = b.last().copied().unwrap_or(0) as u64;
        self.word(b.len() as u64 | first << 32 | last << 40);
    }

    fn names(&mut self, names: &[crate::name::Name]) {
        self.word(names.len() as u64);
        for n in names {
            self.name(n);
        }
    }

    #[inline]
    fn table(&mut self, t: &Table) {
        t.hash(&mut self.0);
    }

    #[inline]
    fn source(&mut self, s: &Source) {
        match s {
            Source::Table(t) => {
                self.word(1);
                self.table(t);
            }
            Source::Alias(a) => {
                self.word(2);
                self.name(a.name());
                self.word(a.is_lateral() as u64);
                if let AliasTarget::Table(t) = a.target() {
                    self.table(t);
                }
            }
            Source::Cte(c) => {
                self.word(3);
                self.name(c.name());
                self.word(c.is_recursive() as u64);
            }
            Source::Named(n) => {
                self.word(4);
                self.name(n);
            }
        }
    }

    fn query(&mut self, q: &Query) {
        match q {
            Query::Select(s) => {
                self.word(1);
                self.select(s);
            }
            Query::Compound(c) => {
                self.word(2);
                self.query(&c.first);
                self.word(c.rest.len() as u64);
                for (op, q) in &c.rest {
                    self.word(*op as u64);
                    self.query(q);
                }
                self.order_by(&c.order_by);
                self.limits(c.limit, c.offset);
            }
        }
    }

    fn limits(&mut self, limit: Option<u64>, offset: Option<u64>) {
        self.word(limit.map_or(u64::MAX, |l| l));
        self.word(offset.map_or(u64::MAX, |o| o));
    }

    fn select(&mut self, s: &Select) {
        self.word(s.ctes.len() as u64);
        for c in &s.ctes {
            self.name(c.name());
        }
        match &s.distinct {
            Distinct::None => self.word(0),
            Distinct::All => self.word(1),
            Distinct::On(v) => {
                self.word(2);
                self.exprs(v);
            }
        }
        self.exprs(&s.columns);
        self.sources(&s.from);
        self.opt_expr(s.where_.as_ref());
        self.exprs(&s.group_by);
        self.opt_expr(s.having.as_ref());
        self.order_by(&s.order_by);
        self.limits(s.limit, s.offset);
        self.word(s.lock.map_or(0, |l| 1 + l.share as u64 + 2 * l.wait as u64));
    }

    fn sources(&mut self, items: &[FromItem]) {
        self.word(items.len() as u64);
        for f in items {
            self.source_item(f);
        }
    }

    fn source_item(&mut self, f: &FromItem) {
        match f {
            FromItem::Source(s) => self.source(s),
            FromItem::Join(j) => {
                self.word(5 + j.kind as u64);
                self.source_item(&j.left);
                self.source_item(&j.right);
                self.opt_expr(j.on.as_ref());
            }
        }
    }

    fn order_by(&mut self, terms: &[OrderBy]) {
        self.word(terms.len() as u64);
        for t in terms {
            self.word(t.desc as u64 | (t.nulls.map_or(0, |n| 1 + n as u64) << 1));
            self.expr(&t.expr);
        }
    }

    fn assignments(&mut self, set: &[(crate::name::Name, Expr)]) {
        self.word(set.len() as u64);
        for (n, e) in set {
            self.name(n);
            self.expr(e);
        }
    }

    fn exprs(&mut self, v: &[Expr]) {
        self.word(v.len() as u64);
        for e in v {
            match e {
                // Most often a row of values: no call for those.
                Expr::Value(_) => self.word(u64::MAX),
                _ => self.expr(e),
            }
        }
    }

    fn opt_expr(&mut self, e: Option<&Expr>) {
        match e {
            None => self.word(0),
            Some(e) => self.expr(e),
        }
    }

    fn expr(&mut self, e: &Expr) {
        std::mem::discriminant(e).hash(&mut self.0);
        match e {
            Expr::Column(c) => {
                if let Some(s) = &c.source {
                    self.source(s);
                }
                self.name(&c.name);
            }
            Expr::Value(_) | Expr::Null | Expr::Star(None) => {}
            Expr::Bool(b) => self.word(*b as u64),
            Expr::Star(Some(s)) => self.source(s),
            Expr::Binary(b) => {
                self.word(b.1 as u64);
                self.expr(&b.0);
                self.expr(&b.2);
            }
            Expr::And(v) | Expr::Or(v) | Expr::Tuple(v) => self.exprs(v),
            Expr::Not(x) | Expr::Neg(x) | Expr::Cast(x, _) => self.expr(x),
            Expr::Label(x, n) => {
                self.name(n);
                self.expr(x);
            }
            Expr::IsNull(x, not) => {
                self.word(*not as u64);
                self.expr(x);
            }
            Expr::IsDistinctFrom(b, not) => {
                self.word(*not as u64);
                self.expr(&b.0);
                self.expr(&b.1);
            }
            Expr::InList(x, list, not) => {
                self.word(*not as u64);
                self.expr(x);
                self.exprs(list);
            }
            Expr::InQuery(x, q, not) => {
                self.word(*not as u64);
                self.expr(x);
                self.query(q);
            }
            Expr::Between(b, not) => {
                self.word(*not as u64);
                self.expr(&b.0);
                self.expr(&b.1);
                self.expr(&b.2);
            }
            Expr::Like(l) => {
                self.word(l.negated as u64 | (l.case_insensitive as u64) << 1);
                self.expr(&l.expr);
                self.expr(&l.pattern);
            }
            Expr::Case(c) => {
                self.opt_expr(c.operand.as_ref());
                self.word(c.whens.len() as u64);
                for (w, t) in &c.whens {
                    self.expr(w);
                    self.expr(t);
                }
                self.opt_expr(c.else_.as_ref());
            }
            Expr::Func(f) => {
                self.name(&f.name);
                self.word(f.distinct as u64 | (f.star as u64) << 1 | (f.bare as u64) << 2);
                self.exprs(&f.args);
                if let Some(w) = &f.over {
                    self.exprs(&w.partition_by);
                    self.order_by(&w.order_by);
                }
            }
            Expr::Subquery(q) | Expr::Exists(q) => self.query(q),
            Expr::Text(t) => t.hash(&mut self.0),
            Expr::Excluded(n) | Expr::Param(n) => self.name(n),
        }
    }
}
