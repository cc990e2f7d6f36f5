//! The compiler: a [`Statement`] and a `&dyn Dialect` become SQL text and
//! an ordered list of bound values. No I/O happens here.
//!
//! Everything renders through one writer ([`Compiler::push_sql`],
//! [`Compiler::push_ident`], [`Compiler::push_bind`]); dialect differences
//! come from the dialect's [`Capabilities`] and its few hooks.

mod cache;
mod ddl;
mod dml;
mod key;
mod shape;
mod walk;

pub(crate) use cache::LocalCache;
pub use cache::StatementCache;
pub use walk::collect_values;
pub(crate) use walk::visit_sources;

use crate::dialect::{
    Capabilities, ConcatStyle, Dialect, DistinctFromStyle, OffsetStyle, ParamStyle,
};
use crate::error::{Error, Result};
use crate::expr::*;
use crate::name::Name;
use crate::schema::Table;
use crate::select::*;
use crate::statement::Statement;
use crate::text::{TextClause, TextPart};
use crate::value::{Text, Value};
use std::sync::Arc;

/// A compiled statement: SQL text for one dialect and its bound values in
/// placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The SQL text.
    pub sql: Arc<str>,
    /// The bound values, one per placeholder, in order.
    pub params: Vec<Value>,
}

/// Compiles `stmt` for `dialect`.
pub fn compile(stmt: &Statement, dialect: &dyn Dialect) -> Result<Compiled> {
    if let Statement::Bound(b) = stmt {
        return b.to_compiled(dialect);
    }
    let mut c = Compiler::new(dialect);
    c.statement(stmt)?;
    Ok(c.finish())
}

/// Compiles `stmt` for `dialect` with every value rendered as an escaped
/// literal instead of a placeholder (for DDL and offline migration SQL).
pub fn compile_literal(stmt: &Statement, dialect: &dyn Dialect) -> Result<String> {
    let mut c = Compiler::new(dialect);
    c.literal_binds = true;
    c.statement(stmt)?;
    Ok(c.sql)
}

struct PendingCte {
    cte: Cte,
    /// Index in the declared list of the CTE whose body referred to it.
    before: Option<usize>,
}

/// The SQL writer and walker. See the module documentation.
pub struct Compiler<'a> {
    d: &'a dyn Dialect,
    caps: &'static Capabilities,
    quote: char,
    style: ParamStyle,
    sql: String,
    params: Vec<Value>,
    /// Qualifiers of FROM items visible to column references.
    visible: Vec<Name>,
    literal_binds: bool,
    /// Render column references without their table (DDL, compound ORDER BY, RETURNING).
    unqualified: bool,
    /// Addresses of the bound values in placeholder order (for the cache).
    record: Option<Vec<*const Value>>,
    /// When preparing: the placeholders of named parameters (position,
    /// name); otherwise a named parameter is an error.
    pub(crate) prepare: Option<Vec<(u32, Name)>>,
    declared: Vec<Cte>,
    pending: Vec<PendingCte>,
    rendering_cte: Option<usize>,
    anon: usize,
}

impl<'a> Compiler<'a> {
    /// A compiler writing for `d`.
    pub fn new(d: &'a dyn Dialect) -> Self {
        Compiler {
            d,
            caps: d.capabilities(),
            quote: d.identifier_quote(),
            style: d.param_style(),
            sql: String::with_capacity(128),
            params: Vec::new(),
            visible: Vec::new(),
            literal_binds: false,
            unqualified: false,
            record: None,
            prepare: None,
            declared: Vec::new(),
            pending: Vec::new(),
            rendering_cte: None,
            anon: 0,
        }
    }

    pub(crate) fn finish(self) -> Compiled {
        Compiled {
            sql: Arc::from(self.sql),
            params: self.params,
        }
    }

    fn unsupported(&self, feature: &'static str) -> Error {
        Error::Unsupported {
            feature,
            dialect: self.d.name(),
        }
    }

    /// Appends SQL text verbatim.
    #[inline]
    pub fn push_sql(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// Appends an identifier, quoted only where needed: reserved words, upper
    /// case, anything but `[a-z0-9_]`, or a leading digit.
    pub fn push_ident(&mut self, name: &str) {
        let bytes = name.as_bytes();
        let plain = !bytes.is_empty()
            && !bytes[0].is_ascii_digit()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
            && !self.d.is_reserved_word(name);
        if plain {
            self.sql.push_str(name);
        } else {
            let q = self.quote;
            self.sql.push(q);
            for ch in name.chars() {
                if ch == q {
                    self.sql.push(q);
                }
                self.sql.push(ch);
            }
            self.sql.push(q);
        }
    }

    /// Appends a placeholder for `v` (or its literal, in literal mode).
    pub fn push_bind(&mut self, v: &Value) -> Result<()> {
        if self.literal_binds {
            return self.d.render_literal(v, &mut self.sql);
        }
        self.params.push(v.clone());
        if let Some(r) = &mut self.record {
            r.push(v as *const Value);
        }
        self.push_placeholder();
        Ok(())
    }

    fn push_placeholder(&mut self) {
        match self.style {
            ParamStyle::Question => self.sql.push('?'),
            ParamStyle::Dollar => {
                self.sql.push('$');
                push_u64(&mut self.sql, self.params.len() as u64);
            }
        }
    }

    /// Appends the placeholder of a named parameter (a prepared
    /// statement's); outside [`Prepared::new`](crate::Prepared::new) a
    /// parameter without a value is an error.
    pub fn push_param(&mut self, name: &Name) -> Result<()> {
        let Some(slots) = self.prepare.as_mut().filter(|_| !self.literal_binds) else {
            return Err(Error::UnboundParameter {
                name: name.to_string(),
            });
        };
        slots.push((self.params.len() as u32, name.clone()));
        self.params.push(Value::Null);
        self.push_placeholder();
        Ok(())
    }

    fn push_table_name(&mut self, t: &Table) {
        if let Some(s) = &t.schema {
            self.push_ident(s);
            self.sql.push('.');
        }
        self.push_ident(&t.name);
    }

    /// Writes the spelling of `ty`. A named enum type is an identifier,
    /// quoted where needed, also as the element type of an array.
    fn push_type(
        &mut self,
        ty: &crate::types::SqlType,
        ctx: crate::dialect::TypeContext,
    ) -> Result<()> {
        use crate::types::SqlType;
        fn enum_elements(ty: &SqlType) -> bool {
            match ty {
                SqlType::Enum(_) => true,
                SqlType::Array(inner) => enum_elements(inner),
                _ => false,
            }
        }
        let named = self.caps.enums == crate::dialect::EnumStyle::NamedType;
        match ty {
            SqlType::Enum(e) if named => self.push_ident(&e.name),
            SqlType::Array(inner) if named && self.caps.arrays && enum_elements(inner) => {
                self.push_type(inner, ctx)?;
                self.sql.push_str("[]");
            }
            other => {
                let t = self.d.type_sql(other, ctx)?;
                self.sql.push_str(&t);
            }
        }
        Ok(())
    }

    fn comma_sep<T>(
        &mut self,
        items: &[T],
        mut f: impl FnMut(&mut Self, &T) -> Result<()>,
    ) -> Result<()> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            f(self, item)?;
        }
        Ok(())
    }

    // ----- statements -------------------------------------------------------------

    /// Compiles a whole statement, hoisting the CTEs it uses into a WITH clause.
    pub fn statement(&mut self, stmt: &Statement) -> Result<()> {
        // CTEs are discovered while rendering; when new ones turn up, render
        // again with them declared up front (rare; bounded by their number).
        for _ in 0..64 {
            self.sql.clear();
            self.params.clear();
            if let Some(r) = &mut self.record {
                r.clear();
            }
            if let Some(p) = &mut self.prepare {
                p.clear();
            }
            self.visible.clear();
            self.anon = 0;
            // INSERT ... SELECT puts the WITH clause before its SELECT
            // (MySQL has no `WITH ... INSERT`).
            let with_in_select = matches!(
                stmt,
                Statement::Insert(i) if matches!(i.source, crate::dml::InsertSource::Query(_))
            );
            if !with_in_select {
                self.with_clause()?;
            }
            match stmt {
                Statement::Query(q) => self.query_body(q)?,
                Statement::Insert(i) => self.insert(i)?,
                Statement::Update(u) => self.update(u)?,
                Statement::Delete(d) => self.delete(d)?,
                Statement::Text(t) => self.text(t)?,
                Statement::Ddl(d) => self.ddl(d)?,
                Statement::Bound(b) => {
                    if self.literal_binds {
                        return Err(Error::InvalidStatement(
                            "a prepared statement cannot be rendered with literal values".into(),
                        ));
                    }
                    let c = b.to_compiled(self.d)?;
                    self.sql.push_str(&c.sql);
                    self.params = c.params;
                }
            }
            if self.pending.is_empty() {
                return Ok(());
            }
            let pending = std::mem::take(&mut self.pending);
            for p in pending {
                if self.declared.iter().any(|c| c.name() == p.cte.name()) {
                    continue;
                }
                match p.before {
                    Some(i) if i <= self.declared.len() => self.declared.insert(i, p.cte),
                    _ => self.declared.push(p.cte),
                }
            }
        }
        Err(Error::InvalidStatement(
            "common table expressions refer to each other in a cycle".into(),
        ))
    }

    fn with_clause(&mut self) -> Result<()> {
        if self.declared.is_empty() {
            return Ok(());
        }
        self.sql.push_str("WITH ");
        if self.declared.iter().any(|c| c.is_recursive()) {
            self.sql.push_str("RECURSIVE ");
        }
        let declared = self.declared.clone();
        for (i, cte) in declared.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.push_ident(cte.name());
            if !cte.declared_columns().is_empty() {
                self.sql.push('(');
                self.comma_sep(cte.declared_columns(), |c, n| {
                    c.push_ident(n);
                    Ok(())
                })?;
                self.sql.push(')');
            }
            self.sql.push_str(" AS (");
            self.rendering_cte = Some(i);
            let saved = std::mem::take(&mut self.visible);
            if cte.is_recursive() {
                self.visible.push(cte.name().clone());
            }
            self.query_body(cte.query())?;
            self.visible = saved;
            self.rendering_cte = None;
            self.sql.push(')');
        }
        self.sql.push(' ');
        Ok(())
    }

    fn note_cte(&mut self, cte: &Cte) {
        if self.declared.iter().any(|c| c.name() == cte.name()) {
            return;
        }
        if self.pending.iter().any(|p| p.cte.name() == cte.name()) {
            return;
        }
        self.pending.push(PendingCte {
            cte: cte.clone(),
            before: self.rendering_cte,
        });
    }

    // ----- queries ----------------------------------------------------------------

    /// A query at statement level or as a CTE body: no parentheses.
    fn query_body(&mut self, q: &Query) -> Result<()> {
        match q {
            Query::Select(s) => self.select(s),
            Query::Compound(c) => self.compound(c),
        }
    }

    /// A query nested in an expression or FROM: parenthesized. `correlate`
    /// keeps the enclosing FROM items visible (scalar, IN and EXISTS
    /// subqueries); a derived table sees nothing outside it.
    fn subquery(&mut self, q: &Query, correlate: bool) -> Result<()> {
        self.sql.push('(');
        if correlate {
            let mark = self.visible.len();
            self.query_body(q)?;
            self.visible.truncate(mark);
        } else {
            let saved = std::mem::take(&mut self.visible);
            self.query_body(q)?;
            self.visible = saved;
        }
        self.sql.push(')');
        Ok(())
    }

    fn select(&mut self, s: &Select) -> Result<()> {
        for cte in &s.ctes {
            self.note_cte(cte);
        }
        let mark = self.visible.len();
        // FROM items are visible to the whole SELECT, so register them first.
        let inferred;
        let from: &[FromItem] = if s.from.is_empty() {
            inferred = self.infer_from(s);
            &inferred
        } else {
            &s.from
        };
        for item in from {
            self.register_from(item);
        }

        self.sql.push_str("SELECT ");
        match &s.distinct {
            Distinct::None => {}
            Distinct::All => self.sql.push_str("DISTINCT "),
            Distinct::On(exprs) => {
                if !self.caps.distinct_on {
                    return Err(self.unsupported("DISTINCT ON"));
                }
                self.sql.push_str("DISTINCT ON (");
                self.comma_sep(exprs, |c, e| c.expr(e))?;
                self.sql.push_str(") ");
            }
        }
        if s.columns.is_empty() {
            return Err(Error::InvalidStatement("SELECT has no columns".into()));
        }
        self.comma_sep(&s.columns, |c, e| c.select_item(e))?;
        if !from.is_empty() {
            self.sql.push_str(" FROM ");
            self.comma_sep(from, |c, f| c.render_from_item(f))?;
        }
        if let Some(w) = &s.where_ {
            self.sql.push_str(" WHERE ");
            self.expr(w)?;
        }
        if !s.group_by.is_empty() {
            self.sql.push_str(" GROUP BY ");
            self.comma_sep(&s.group_by, |c, e| c.order_key(e))?;
        }
        if let Some(h) = &s.having {
            self.sql.push_str(" HAVING ");
            self.expr(h)?;
        }
        self.order_by(&s.order_by)?;
        self.limit_offset(s.limit, s.offset);
        if let Some(lock) = &s.lock {
            self.lock(lock)?;
        }
        self.visible.truncate(mark);
        Ok(())
    }

    fn lock(&mut self, lock: &Lock) -> Result<()> {
        if !self.caps.for_update {
            return Err(self.unsupported("FOR UPDATE"));
        }
        if lock.share {
            match self.caps.for_share {
                Some(kw) => {
                    self.sql.push(' ');
                    self.sql.push_str(kw);
                }
                None => return Err(self.unsupported("FOR SHARE")),
            }
        } else {
            self.sql.push_str(" FOR UPDATE");
        }
        match lock.wait {
            LockWait::Wait => {}
            LockWait::NoWait => {
                if !self.caps.nowait {
                    return Err(self.unsupported("NOWAIT"));
                }
                self.sql.push_str(" NOWAIT");
            }
            LockWait::SkipLocked => {
                if !self.caps.skip_locked {
                    return Err(self.unsupported("SKIP LOCKED"));
                }
                self.sql.push_str(" SKIP LOCKED");
            }
        }
        Ok(())
    }

    fn order_by(&mut self, terms: &[OrderBy]) -> Result<()> {
        if terms.is_empty() {
            return Ok(());
        }
        self.sql.push_str(" ORDER BY ");
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            if let (Some(n), false) = (t.nulls, self.caps.nulls_ordering) {
                // Emulate: sort on "is null" first. Ascending puts NULLs
                // first on these databases, descending puts them last.
                let natural_first = !t.desc;
                let want_first = n == Nulls::First;
                if natural_first != want_first {
                    match &t.expr {
                        Expr::Label(..) => self.order_key(&t.expr)?,
                        e => self.operand(e, PREC_CMP + 1)?,
                    }
                    self.sql.push_str(if want_first {
                        " IS NOT NULL, "
                    } else {
                        " IS NULL, "
                    });
                }
            }
            self.order_key(&t.expr)?;
            if t.desc {
                self.sql.push_str(" DESC");
            }
            if self.caps.nulls_ordering {
                match t.nulls {
                    Some(Nulls::First) => self.sql.push_str(" NULLS FIRST"),
                    Some(Nulls::Last) => self.sql.push_str(" NULLS LAST"),
                    None => {}
                }
            }
        }
        Ok(())
    }

    fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) {
        match (limit, offset) {
            (None, None) => {}
            (Some(l), o) => {
                self.sql.push_str(" LIMIT ");
                push_u64(&mut self.sql, l);
                if let Some(o) = o {
                    self.sql.push_str(" OFFSET ");
                    push_u64(&mut self.sql, o);
                }
            }
            (None, Some(o)) => {
                match self.caps.offset {
                    OffsetStyle::Plain => {}
                    OffsetStyle::LimitMinusOne => self.sql.push_str(" LIMIT -1"),
                    OffsetStyle::LimitMax => self.sql.push_str(" LIMIT 18446744073709551615"),
                }
                self.sql.push_str(" OFFSET ");
                push_u64(&mut self.sql, o);
            }
        }
    }

    fn compound(&mut self, c: &Compound) -> Result<()> {
        self.compound_member(&c.first)?;
        for (op, q) in &c.rest {
            self.sql.push_str(match op {
                SetOp::Union => " UNION ",
                SetOp::UnionAll => " UNION ALL ",
                SetOp::Intersect => " INTERSECT ",
                SetOp::Except => " EXCEPT ",
            });
            if matches!(op, SetOp::Intersect | SetOp::Except) && !self.caps.intersect_except {
                return Err(self.unsupported("INTERSECT and EXCEPT"));
            }
            self.compound_member(q)?;
        }
        let saved = std::mem::replace(&mut self.unqualified, true);
        let r = self.order_by(&c.order_by);
        self.unqualified = saved;
        r?;
        self.limit_offset(c.limit, c.offset);
        Ok(())
    }

    fn compound_member(&mut self, q: &Query) -> Result<()> {
        let needs_wrap = match q {
            Query::Select(s) => !s.order_by.is_empty() || s.limit.is_some() || s.offset.is_some(),
            Query::Compound(_) => true,
        };
        if needs_wrap {
            // Portable across SQLite (which rejects parenthesized members)
            // and the others: a derived table.
            self.sql.push_str("SELECT * FROM ");
            self.subquery(q, false)?;
            self.anon += 1;
            self.sql.push_str(" AS anon_");
            push_u64(&mut self.sql, self.anon as u64);
            Ok(())
        } else {
            self.query_body(q)
        }
    }

    /// FROM items inferred from the tables a SELECT's expressions use, in
    /// order of first use, leaving out those an enclosing query provides
    /// (correlation) unless that would leave none.
    fn infer_from(&self, s: &Select) -> Vec<FromItem> {
        let mut found: Vec<Source> = Vec::new();
        let mut add = |src: &Source| {
            let q = src.qualifier();
            if !found.iter().any(|f| f.qualifier() == q) {
                found.push(src.clone());
            }
        };
        for e in &s.columns {
            visit_sources(e, &mut add);
        }
        if let Some(w) = &s.where_ {
            visit_sources(w, &mut add);
        }
        for e in &s.group_by {
            visit_sources(e, &mut add);
        }
        if let Some(h) = &s.having {
            visit_sources(h, &mut add);
        }
        for o in &s.order_by {
            visit_sources(&o.expr, &mut add);
        }
        // A query over the enclosing query's tables alone is not correlated
        // (as in SQLAlchemy): it keeps them, rather than lose its FROM.
        if found
            .iter()
            .any(|src| !self.visible.contains(src.qualifier()))
        {
            found.retain(|src| !self.visible.contains(src.qualifier()));
        }
        found.into_iter().map(FromItem::Source).collect()
    }

    fn register_from(&mut self, item: &FromItem) {
        match item {
            FromItem::Source(src) => {
                self.visible.push(src.qualifier().clone());
            }
            FromItem::Join(j) => {
                self.register_from(&j.left);
                self.register_from(&j.right);
            }
        }
    }

    fn render_from_item(&mut self, item: &FromItem) -> Result<()> {
        match item {
            FromItem::Source(src) => self.render_from_source(src),
            FromItem::Join(j) => {
                self.render_from_item(&j.left)?;
                match j.kind {
                    JoinKind::Inner => self.sql.push_str(" JOIN "),
                    JoinKind::Left => self.sql.push_str(" LEFT OUTER JOIN "),
                    JoinKind::Full => {
                        if !self.caps.full_outer_join {
                            return Err(self.unsupported("FULL OUTER JOIN"));
                        }
                        self.sql.push_str(" FULL OUTER JOIN ")
                    }
                    JoinKind::Cross => self.sql.push_str(" CROSS JOIN "),
                }
                self.render_from_item(&j.right)?;
                if j.kind != JoinKind::Cross {
                    self.sql.push_str(" ON ");
                    match &j.on {
                        Some(on) => self.expr_dyn(on)?,
                        None => {
                            let on = infer_join_condition(&j.left, &j.right)?;
                            self.expr_dyn(&on)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn render_from_source(&mut self, src: &Source) -> Result<()> {
        match src {
            Source::Table(t) => self.push_table_name(t),
            Source::Named(n) => self.push_ident(n),
            Source::Cte(c) => {
                self.note_cte(c);
                self.push_ident(c.name());
            }
            Source::Alias(a) => match a.target() {
                AliasTarget::Table(t) => {
                    self.push_table_name(t);
                    self.sql.push_str(" AS ");
                    self.push_ident(a.name());
                }
                AliasTarget::Query(q) => {
                    if a.is_lateral() {
                        if !self.caps.lateral {
                            return Err(self.unsupported("LATERAL"));
                        }
                        self.sql.push_str("LATERAL ");
                    }
                    let q: &Query = q;
                    self.subquery(q, a.is_lateral())?;
                    self.sql.push_str(" AS ");
                    self.push_ident(a.name());
                }
            },
        }
        Ok(())
    }
}

/// Writes `n` in decimal without going through `fmt`.
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // The buffer holds ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

fn tables_in(item: &FromItem, out: &mut Vec<(Table, Name)>) {
    match item {
        FromItem::Source(Source::Table(t)) => out.push((t.clone(), t.name.clone())),
        FromItem::Source(Source::Alias(a)) => {
            if let AliasTarget::Table(t) = a.target() {
                out.push((t.clone(), a.name().clone()));
            }
        }
        FromItem::Source(_) => {}
        FromItem::Join(j) => {
            tables_in(&j.left, out);
            tables_in(&j.right, out);
        }
    }
}

fn qualified(src: &FromItem, t: &Table, col: &Name) -> Expr {
    let source = match src {
        FromItem::Source(Source::Alias(a)) => Source::Alias(a.clone()),
        _ => Source::Table(t.clone()),
    };
    Expr::Column(ColumnRef {
        source: Some(source),
        name: col.clone(),
    })
}

/// The ON condition of a join without one: the single foreign key between
/// the right side's table and any table of the left side.
fn infer_join_condition(left: &FromItem, right: &FromItem) -> Result<Expr> {
    let mut right_tables = Vec::new();
    tables_in(right, &mut right_tables);
    let mut left_tables = Vec::new();
    tables_in(left, &mut left_tables);
    // Names every FROM item of a side, subqueries and CTEs included.
    fn describe(item: &FromItem) -> String {
        match item {
            FromItem::Source(s) => s.qualifier().to_string(),
            FromItem::Join(j) => format!("{}, {}", describe(&j.left), describe(&j.right)),
        }
    }
    let (rt, rname) = match right_tables.as_slice() {
        [one] => one.clone(),
        _ => {
            return Err(Error::JoinCondition {
                left: describe(left),
                right: describe(right),
                reason: "the right side is not a single table; give an ON condition".into(),
            })
        }
    };
    let mut candidates: Vec<Expr> = Vec::new();
    for (lt, lname) in &left_tables {
        let lsrc = source_item(lt, lname, left);
        let rsrc = source_item(&rt, &rname, right);
        for fk in lt.foreign_keys_to(&rt) {
            candidates.push(fk_condition(fk, &lsrc, lt, &rsrc, &rt));
        }
        if lt != &rt {
            for fk in rt.foreign_keys_to(lt) {
                candidates.push(fk_condition(fk, &rsrc, &rt, &lsrc, lt));
            }
        }
    }
    match candidates.len() {
        1 => Ok(candidates.remove(0)),
        0 => Err(Error::JoinCondition {
            left: describe(left),
            right: rname.to_string(),
            reason: "no foreign key links them; give an ON condition".into(),
        }),
        n => Err(Error::JoinCondition {
            left: describe(left),
            right: rname.to_string(),
            reason: format!("{n} foreign keys link them; give an ON condition"),
        }),
    }
}

fn source_item(t: &Table, name: &Name, within: &FromItem) -> FromItem {
    fn find(item: &FromItem, name: &Name) -> Option<FromItem> {
        match item {
            FromItem::Source(Source::Alias(a)) if a.name() == name => Some(item.clone()),
            FromItem::Source(_) => None,
            FromItem::Join(j) => find(&j.left, name).or_else(|| find(&j.right, name)),
        }
    }
    find(within, name).unwrap_or_else(|| FromItem::Source(Source::Table(t.clone())))
}

fn fk_condition(
    fk: &crate::schema::ForeignKey,
    from_src: &FromItem,
    from_t: &Table,
    to_src: &FromItem,
    to_t: &Table,
) -> Expr {
    let terms: Vec<Expr> = fk
        .columns
        .iter()
        .zip(&fk.ref_columns)
        .map(|(a, b)| qualified(from_src, from_t, a).eq(qualified(to_src, to_t, b)))
        .collect();
    if terms.len() == 1 {
        terms.into_iter().next().unwrap_or(Expr::Bool(true))
    } else {
        Expr::And(terms)
    }
}

// ----- expressions ----------------------------------------------------------------

/// What an expression renders as: a label inside an expression, or a
/// one-term AND / OR, is its inner expression.
fn transparent(e: &Expr) -> &Expr {
    match e {
        Expr::Label(inner, _) => transparent(inner),
        Expr::And(v) | Expr::Or(v) if v.len() == 1 => transparent(&v[0]),
        other => other,
    }
}

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Or(v) if v.len() > 1 => PREC_OR,
        Expr::And(v) if v.len() > 1 => PREC_AND,
        // One term renders as that term; none as `1 = 1` / `1 = 0`.
        Expr::Or(v) | Expr::And(v) => v.first().map_or(PREC_CMP, precedence),
        // A label inside an expression renders as the labelled expression.
        Expr::Label(inner, _) => precedence(inner),
        Expr::Not(_) => PREC_NOT,
        Expr::Binary(b) => b.1.precedence(),
        Expr::IsNull(..)
        | Expr::IsDistinctFrom(..)
        | Expr::InList(..)
        | Expr::InQuery(..)
        | Expr::Between(..)
        | Expr::Like(..) => PREC_CMP,
        Expr::Neg(_) => PREC_UNARY,
        Expr::Text(_) => PREC_OR,
        _ => PREC_ATOM,
    }
}

impl<'a> Compiler<'a> {
    /// Renders an expression owned by the statement.
    pub fn expr(&mut self, e: &Expr) -> Result<()> {
        self.expr_dyn(e)
    }

    fn operand(&mut self, e: &Expr, min: u8) -> Result<()> {
        if precedence(e) < min {
            self.sql.push('(');
            self.expr_dyn(e)?;
            self.sql.push(')');
            Ok(())
        } else {
            self.expr_dyn(e)
        }
    }

    fn select_item(&mut self, e: &Expr) -> Result<()> {
        match e {
            Expr::Label(inner, name) => {
                self.expr_dyn(inner)?;
                self.sql.push_str(" AS ");
                self.push_ident(name);
                Ok(())
            }
            other => self.expr_dyn(other),
        }
    }

    /// ORDER BY and GROUP BY keys: a label is referred to by its name.
    fn order_key(&mut self, e: &Expr) -> Result<()> {
        match e {
            Expr::Label(_, name) => {
                self.push_ident(name);
                Ok(())
            }
            other => self.expr_dyn(other),
        }
    }

    fn column(&mut self, c: &ColumnRef) -> Result<()> {
        if let (Some(src), false) = (&c.source, self.unqualified) {
            let q = src.qualifier();
            if !self.visible.iter().any(|v| v == q) {
                return Err(Error::ColumnNotInFrom {
                    column: format!("{}.{}", q, c.name),
                    table: q.to_string(),
                });
            }
            if let Source::Table(t) = src {
                self.push_table_name(t);
            } else {
                self.push_ident(q);
            }
            self.sql.push('.');
        }
        self.push_ident(&c.name);
        Ok(())
    }

    fn expr_dyn(&mut self, e: &Expr) -> Result<()> {
        match e {
            Expr::Column(c) => self.column(c)?,
            Expr::Value(Bind(v)) => self.push_bind(v)?,
            Expr::Param(n) => self.push_param(n)?,
            Expr::Null => self.sql.push_str("NULL"),
            Expr::Bool(b) => self.sql.push_str(match (self.caps.bool_literals, b) {
                (true, true) => "true",
                (true, false) => "false",
                (false, true) => "1",
                (false, false) => "0",
            }),
            Expr::Star(None) => self.sql.push('*'),
            Expr::Star(Some(src)) => {
                self.push_ident(src.qualifier());
                self.sql.push_str(".*");
            }
            Expr::Binary(b) => {
                let (l, op, r) = (&b.0, b.1, &b.2);
                if op == BinOp::Concat && self.caps.concat == ConcatStyle::Function {
                    self.sql.push_str("concat(");
                    self.expr_dyn(l)?;
                    self.sql.push_str(", ");
                    self.expr_dyn(r)?;
                    self.sql.push(')');
                } else if op == BinOp::Concat {
                    // SQLite binds `||` tighter than arithmetic, PostgreSQL
                    // looser: group every operand that is not an atom (but
                    // a concatenation on the left, as `||` is associative).
                    let chained =
                        matches!(transparent(l), Expr::Binary(lb) if lb.1 == BinOp::Concat);
                    self.operand(l, if chained { PREC_CONCAT } else { PREC_UNARY })?;
                    self.sql.push_str(op.sql());
                    self.operand(r, PREC_UNARY)?;
                } else {
                    let p = op.precedence();
                    let left_min = if p == PREC_CMP { p + 1 } else { p };
                    self.operand(l, left_min)?;
                    self.sql.push_str(op.sql());
                    self.operand(r, p + 1)?;
                }
            }
            Expr::And(terms) => self.junction(terms, " AND ", PREC_AND, "1 = 1")?,
            Expr::Or(terms) => self.junction(terms, " OR ", PREC_OR, "1 = 0")?,
            Expr::Not(inner) => {
                self.sql.push_str("NOT ");
                self.operand(inner, PREC_UNARY)?;
            }
            Expr::Neg(inner) => {
                self.sql.push('-');
                let at = self.sql.len();
                // `-(-x)`, never `--x`, which starts a comment.
                self.operand(inner, PREC_UNARY + 1)?;
                // Nor `--5` from a negative literal (literal mode): `- -5`.
                if self.sql[at..].starts_with('-') {
                    self.sql.insert(at, ' ');
                }
            }
            Expr::IsNull(inner, negated) => {
                self.operand(inner, PREC_CMP + 1)?;
                self.sql
                    .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Expr::IsDistinctFrom(b, not) => {
                let (l, r) = (&b.0, &b.1);
                match self.caps.distinct_from {
                    DistinctFromStyle::Standard => {
                        self.operand(l, PREC_CMP + 1)?;
                        self.sql.push_str(if *not {
                            " IS NOT DISTINCT FROM "
                        } else {
                            " IS DISTINCT FROM "
                        });
                        self.operand(r, PREC_CMP + 1)?;
                    }
                    DistinctFromStyle::Is => {
                        self.operand(l, PREC_CMP + 1)?;
                        self.sql.push_str(if *not { " IS " } else { " IS NOT " });
                        self.operand(r, PREC_CMP + 1)?;
                    }
                    DistinctFromStyle::NullSafeEq => {
                        if !*not {
                            self.sql.push_str("NOT (");
                        }
                        self.operand(l, PREC_CMP + 1)?;
                        self.sql.push_str(" <=> ");
                        self.operand(r, PREC_CMP + 1)?;
                        if !*not {
                            self.sql.push(')');
                        }
                    }
                }
            }
            Expr::InList(inner, list, negated) => {
                if list.is_empty() {
                    // x IN () is false for every x, NOT IN () true.
                    self.sql.push_str(if *negated { "1 = 1" } else { "1 = 0" });
                } else {
                    self.operand(inner, PREC_CMP + 1)?;
                    self.sql
                        .push_str(if *negated { " NOT IN (" } else { " IN (" });
                    for (i, item) in list.iter().enumerate() {
                        if i > 0 {
                            self.sql.push_str(", ");
                        }
                        self.expr_dyn(item)?;
                    }
                    self.sql.push(')');
                }
            }
            Expr::InQuery(inner, q, negated) => {
                self.operand(inner, PREC_CMP + 1)?;
                self.sql
                    .push_str(if *negated { " NOT IN " } else { " IN " });
                self.subquery(q, true)?;
            }
            Expr::Between(b, negated) => {
                self.operand(&b.0, PREC_CMP + 1)?;
                self.sql.push_str(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                self.operand(&b.1, PREC_CMP + 1)?;
                self.sql.push_str(" AND ");
                self.operand(&b.2, PREC_CMP + 1)?;
            }
            Expr::Like(l) => self.like(l)?,
            Expr::Case(c) => {
                self.sql.push_str("CASE");
                if let Some(op) = &c.operand {
                    self.sql.push(' ');
                    self.expr_dyn(op)?;
                }
                if c.whens.is_empty() {
                    return Err(Error::InvalidStatement("CASE has no WHEN branch".into()));
                }
                for (w, t) in &c.whens {
                    self.sql.push_str(" WHEN ");
                    self.expr_dyn(w)?;
                    self.sql.push_str(" THEN ");
                    self.expr_dyn(t)?;
                }
                if let Some(e) = &c.else_ {
                    self.sql.push_str(" ELSE ");
                    self.expr_dyn(e)?;
                }
                self.sql.push_str(" END");
            }
            Expr::Cast(inner, ty) => {
                self.sql.push_str("CAST(");
                self.expr_dyn(inner)?;
                self.sql.push_str(" AS ");
                self.push_type(ty, crate::dialect::TypeContext::Cast)?;
                self.sql.push(')');
            }
            Expr::Func(f) => self.func(f)?,
            Expr::Label(inner, _) => self.expr_dyn(inner)?,
            Expr::Subquery(q) => self.subquery(q, true)?,
            Expr::Exists(q) => {
                self.sql.push_str("EXISTS ");
                self.subquery(q, true)?;
            }
            Expr::Tuple(items) => {
                self.sql.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.expr_dyn(item)?;
                }
                self.sql.push(')');
            }
            Expr::Text(t) => self.text(t)?,
            Expr::Excluded(name) => match self.caps.upsert {
                crate::dialect::UpsertStyle::OnDuplicateKey => {
                    self.sql.push_str("VALUES(");
                    self.push_ident(name);
                    self.sql.push(')');
                }
                _ => {
                    self.sql.push_str("excluded.");
                    self.push_ident(name);
                }
            },
        }
        Ok(())
    }

    fn junction(&mut self, terms: &[Expr], sep: &str, prec: u8, empty: &str) -> Result<()> {
        match terms.len() {
            0 => self.sql.push_str(empty),
            1 => self.expr_dyn(&terms[0])?,
            _ => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(sep);
                    }
                    self.operand(t, prec + 1)?;
                }
            }
        }
        Ok(())
    }

    fn like(&mut self, l: &Like) -> Result<()> {
        let emulate = l.case_insensitive && !self.caps.ilike;
        if emulate {
            self.sql.push_str("lower(");
            self.expr_dyn(&l.expr)?;
            self.sql.push(')');
        } else {
            self.operand(&l.expr, PREC_CMP + 1)?;
        }
        self.sql
            .push_str(match (l.negated, l.case_insensitive && !emulate) {
                (false, false) => " LIKE ",
                (true, false) => " NOT LIKE ",
                (false, true) => " ILIKE ",
                (true, true) => " NOT ILIKE ",
            });
        if emulate {
            self.sql.push_str("lower(");
            self.expr_dyn(&l.pattern)?;
            self.sql.push(')');
        } else {
            self.operand(&l.pattern, PREC_CMP + 1)?;
        }
        if let Some(esc) = l.escape {
            self.sql.push_str(" ESCAPE ");
            self.d
                .render_literal(&Value::String(Text::from(esc)), &mut self.sql)?;
        }
        Ok(())
    }

    fn func(&mut self, f: &FuncCall) -> Result<()> {
        // `char_length` is the portable spelling of a string's length in
        // characters; each dialect names its own function for it.
        if f.name.as_str() == "char_length" {
            self.sql.push_str(self.caps.char_length_function);
        } else {
            self.sql.push_str(&f.name);
        }
        if f.distinct && f.star {
            return Err(Error::InvalidStatement(format!(
                "{}(DISTINCT *) is not valid SQL; count DISTINCT over a column",
                f.name
            )));
        }
        if f.bare {
            return Ok(());
        }
        self.sql.push('(');
        if f.distinct {
            self.sql.push_str("DISTINCT ");
        }
        if f.star {
            self.sql.push('*');
        }
        for (i, a) in f.args.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.expr_dyn(a)?;
        }
        self.sql.push(')');
        if let Some(w) = &f.over {
            if !self.caps.window_functions {
                return Err(self.unsupported("window functions"));
            }
            self.sql.push_str(" OVER (");
            let mut space = false;
            if !w.partition_by.is_empty() {
                self.sql.push_str("PARTITION BY ");
                for (i, e) in w.partition_by.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.expr_dyn(e)?;
                }
                space = true;
            }
            if !w.order_by.is_empty() {
                if space {
                    self.sql.push(' ');
                }
                // Reuse the ORDER BY renderer, which starts with a space.
                let start = self.sql.len();
                self.order_by(&w.order_by)?;
                self.sql.replace_range(start..start + 1, "");
                space = true;
            }
            if let Some(fr) = &w.frame {
                if space {
                    self.sql.push(' ');
                }
                self.sql.push_str(match fr.units {
                    FrameUnits::Rows => "ROWS BETWEEN ",
                    FrameUnits::Range => "RANGE BETWEEN ",
                });
                self.frame_bound(fr.start);
                self.sql.push_str(" AND ");
                self.frame_bound(fr.end);
            }
            self.sql.push(')');
        }
        Ok(())
    }

    fn frame_bound(&mut self, b: FrameBound) {
        match b {
            FrameBound::UnboundedPreceding => self.sql.push_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(n) => {
                push_u64(&mut self.sql, n);
                self.sql.push_str(" PRECEDING");
            }
            FrameBound::CurrentRow => self.sql.push_str("CURRENT ROW"),
            FrameBound::Following(n) => {
                push_u64(&mut self.sql, n);
                self.sql.push_str(" FOLLOWING");
            }
            FrameBound::UnboundedFollowing => self.sql.push_str("UNBOUNDED FOLLOWING"),
        }
    }

    fn text(&mut self, t: &TextClause) -> Result<()> {
        for part in &t.parts {
            match part {
                TextPart::Sql(s) => self.sql.push_str(s),
                TextPart::Param(name) => match t.binds.iter().find(|(n, _)| n == name) {
                    Some(v) => self.push_bind(&v.1 .0)?,
                    None if self.prepare.is_some() && !self.literal_binds => {
                        self.push_param(name)?
                    }
                    None => {
                        return Err(Error::MissingBind {
                            name: name.to_string(),
                        })
                    }
                },
            }
        }
        Ok(())
    }
}
