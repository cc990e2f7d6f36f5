//! Walks over statements that do not render: the sources an expression
//! uses (for FROM inference) and the bound values in canonical order (for
//! the statement cache).

use crate::ddl::Ddl;
use crate::dml::{ConflictAction, InsertSource};
use crate::expr::{Bind, Expr, Source};
use crate::select::{AliasTarget, FromItem, Query, Select};
use crate::statement::Statement;
use crate::value::Value;

/// Calls `f` with the source of every column `e` refers to, outside subqueries.
pub(crate) fn visit_sources(e: &Expr, f: &mut dyn FnMut(&Source)) {
    match e {
        Expr::Column(c) => {
            if let Some(s) = &c.source {
                f(s)
            }
        }
        Expr::Star(Some(s)) => f(s),
        Expr::Binary(b) => {
            visit_sources(&b.0, f);
            visit_sources(&b.2, f);
        }
        Expr::And(v) | Expr::Or(v) | Expr::Tuple(v) => v.iter().for_each(|x| visit_sources(x, f)),
        Expr::Not(x) | Expr::Neg(x) | Expr::IsNull(x, _) | Expr::Cast(x, _) | Expr::Label(x, _) => {
            visit_sources(x, f)
        }
        Expr::IsDistinctFrom(b, _) => {
            visit_sources(&b.0, f);
            visit_sources(&b.1, f);
        }
        Expr::InList(x, list, _) => {
            visit_sources(x, f);
            list.iter().for_each(|x| visit_sources(x, f));
        }
        Expr::InQuery(x, _, _) => visit_sources(x, f),
        Expr::Between(b, _) => {
            visit_sources(&b.0, f);
            visit_sources(&b.1, f);
            visit_sources(&b.2, f);
        }
        Expr::Like(l) => {
            visit_sources(&l.expr, f);
            visit_sources(&l.pattern, f);
        }
        Expr::Case(c) => {
            if let Some(o) = &c.operand {
                visit_sources(o, f);
            }
            for (w, t) in &c.whens {
                visit_sources(w, f);
                visit_sources(t, f);
            }
            if let Some(e) = &c.else_ {
                visit_sources(e, f);
            }
        }
        Expr::Func(func) => {
            func.args.iter().for_each(|x| visit_sources(x, f));
            if let Some(w) = &func.over {
                w.partition_by.iter().for_each(|x| visit_sources(x, f));
                w.order_by.iter().for_each(|o| visit_sources(&o.expr, f));
            }
        }
        Expr::Value(_)
        | Expr::Null
        | Expr::Star(None)
        | Expr::Subquery(_)
        | Expr::Exists(_)
        | Expr::Text(_)
        | Expr::Excluded(_)
        | Expr::Bool(_)
        | Expr::Param(_) => {}
    }
}

/// Every bound value of `stmt`, in a fixed canonical order (the order the
/// statement cache maps placeholders from).
pub fn collect_values<'s>(stmt: &'s Statement, out: &mut Vec<&'s Value>) {
    for_each_value(stmt, &mut |v| out.push(v));
}

/// Calls `f` with every bound value of `stmt`, in the order of [`collect_values`].
pub(crate) fn for_each_value<'s, F: FnMut(&'s Value)>(stmt: &'s Statement, f: &mut F) {
    let mut w = Walker { f };
    match stmt {
        Statement::Query(q) => w.query(q),
        Statement::Insert(i) => {
            match &i.source {
                InsertSource::Values(rows) => {
                    // The same order the compiler binds in: each row's
                    // values, then the client-side defaults it adds.
                    let defaults = i.client_defaults();
                    let default_values = defaults.iter().filter_map(|c| c.default.as_ref());
                    if rows.is_empty() && i.columns.is_empty() {
                        default_values.for_each(|v| (w.f)(v));
                    } else {
                        for row in rows.iter() {
                            row.iter().for_each(|e| w.expr(e));
                            default_values.clone().for_each(|v| (w.f)(v));
                        }
                    }
                }
                InsertSource::Query(q) => w.query(q),
                InsertSource::DefaultValues => {}
            }
            if let Some(oc) = &i.on_conflict {
                if let ConflictAction::Update { set, where_ } = &oc.action {
                    set.iter().for_each(|(_, e)| w.expr(e));
                    if let Some(e) = where_ {
                        w.expr(e);
                    }
                }
            }
            i.returning.iter().for_each(|e| w.expr(e));
        }
        Statement::Update(u) => {
            u.set.iter().for_each(|(_, e)| w.expr(e));
            u.from.iter().for_each(|f| w.from(f));
            if let Some(e) = &u.where_ {
                w.expr(e);
            }
            u.returning.iter().for_each(|e| w.expr(e));
        }
        Statement::Delete(d) => {
            d.using.iter().for_each(|f| w.from(f));
            if let Some(e) = &d.where_ {
                w.expr(e);
            }
            d.returning.iter().for_each(|e| w.expr(e));
        }
        Statement::Text(t) => t.binds.iter().for_each(|(_, Bind(v))| (w.f)(v)),
        Statement::Ddl(d) => {
            if let Ddl::CreateTable { table, .. } = d.as_ref() {
                table.checks.iter().for_each(|c| w.expr(&c.condition))
            }
        }
        // Compiled already: never in the cache.
        Statement::Bound(_) => {}
    }
}

struct Walker<'f, F> {
    f: &'f mut F,
}

impl<'s, F: FnMut(&'s Value)> Walker<'_, F> {
    fn query(&mut self, q: &'s Query) {
        match q {
            Query::Select(s) => self.select(s),
            Query::Compound(c) => {
                self.query(&c.first);
                c.rest.iter().for_each(|(_, q)| self.query(q));
                c.order_by.iter().for_each(|o| self.expr(&o.expr));
            }
        }
    }

    fn select(&mut self, s: &'s Select) {
        s.ctes.iter().for_each(|c| self.query(c.query()));
        if let crate::select::Distinct::On(v) = &s.distinct {
            v.iter().for_each(|e| self.expr(e));
        }
        s.columns.iter().for_each(|e| self.expr(e));
        s.from.iter().for_each(|f| self.from(f));
        if let Some(e) = &s.where_ {
            self.expr(e);
        }
        s.group_by.iter().for_each(|e| self.expr(e));
        if let Some(e) = &s.having {
            self.expr(e);
        }
        s.order_by.iter().for_each(|o| self.expr(&o.expr));
    }

    fn source(&mut self, s: &'s Source) {
        match s {
            Source::Alias(a) => {
                if let AliasTarget::Query(q) = a.target() {
                    self.query(q)
                }
            }
            Source::Cte(c) => self.query(c.query()),
            Source::Table(_) | Source::Named(_) => {}
        }
    }

    fn from(&mut self, f: &'s FromItem) {
        match f {
            FromItem::Source(s) => self.source(s),
            FromItem::Join(j) => {
                self.from(&j.left);
                self.from(&j.right);
                if let Some(on) = &j.on {
                    self.expr(on);
                }
            }
        }
    }

    fn expr(&mut self, e: &'s Expr) {
        match e {
            Expr::Value(Bind(v)) => (self.f)(v),
            Expr::Column(c) => {
                if let Some(s) = &c.source {
                    self.source(s)
                }
            }
            Expr::Star(Some(s)) => self.source(s),
            Expr::Binary(b) => {
                self.expr(&b.0);
                self.expr(&b.2);
            }
            Expr::And(v) | Expr::Or(v) | Expr::Tuple(v) => v.iter().for_each(|x| self.expr(x)),
            Expr::Not(x)
            | Expr::Neg(x)
            | Expr::IsNull(x, _)
            | Expr::Cast(x, _)
            | Expr::Label(x, _) => self.expr(x),
            Expr::IsDistinctFrom(b, _) => {
                self.expr(&b.0);
                self.expr(&b.1);
            }
            Expr::InList(x, list, _) => {
                self.expr(x);
                list.iter().for_each(|x| self.expr(x));
            }
            Expr::InQuery(x, q, _) => {
                self.expr(x);
                self.query(q);
            }
            Expr::Between(b, _) => {
                self.expr(&b.0);
                self.expr(&b.1);
                self.expr(&b.2);
            }
            Expr::Like(l) => {
                self.expr(&l.expr);
                self.expr(&l.pattern);
            }
            Expr::Case(c) => {
                if let Some(o) = &c.operand {
                    self.expr(o);
                }
                for (w, t) in &c.whens {
                    self.expr(w);
                    self.expr(t);
                }
                if let Some(e) = &c.else_ {
                    self.expr(e);
                }
            }
            Expr::Func(f) => {
                f.args.iter().for_each(|x| self.expr(x));
                if let Some(w) = &f.over {
                    w.partition_by.iter().for_each(|x| self.expr(x));
                    w.order_by.iter().for_each(|o| self.expr(&o.expr));
                }
            }
            Expr::Subquery(q) | Expr::Exists(q) => self.query(q),
            Expr::Text(t) => t.binds.iter().for_each(|(_, Bind(v))| (self.f)(v)),
            Expr::Null | Expr::Star(None) | Expr::Excluded(_) | Expr::Bool(_) | Expr::Param(_) => {}
        }
    }
}
