//! INSERT, UPDATE and DELETE rendering.

use super::Compiler;
use crate::dialect::{DeleteUsingStyle, UpdateFromStyle, UpsertStyle};
use crate::dml::{ConflictAction, Delete, Insert, InsertSource, Update};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::name::Name;
use crate::schema::Table;
use crate::select::Query;

fn check_column(table: &Table, name: &Name) -> Result<()> {
    if table.column(name).is_none() {
        return Err(Error::UnknownColumn {
            source_name: format!("table {}", table.qualified_name()),
            column: name.to_string(),
        });
    }
    Ok(())
}

impl Compiler<'_> {
    /// `RETURNING cols`, qualified when other tables are in the statement
    /// (`UPDATE ... FROM`, `DELETE ... USING`), where bare names could be ambiguous.
    fn returning(&mut self, cols: &[Expr], allowed: bool, qualified: bool) -> Result<()> {
        if cols.is_empty() {
            return Ok(());
        }
        if !allowed {
            return Err(self.unsupported("RETURNING"));
        }
        self.push_sql(" RETURNING ");
        let saved = std::mem::replace(&mut self.unqualified, !qualified);
        let r = self.comma_sep(cols, |c, e| c.select_item(e));
        self.unqualified = saved;
        r
    }

    pub(super) fn insert(&mut self, i: &Insert) -> Result<()> {
        let t = &i.table;
        let mark = self.visible.len();
        self.visible.push(t.name.clone());
        self.push_sql("INSERT INTO ");
        self.push_table_name(t);
        for c in &i.columns {
            check_column(t, c)?;
        }
        let defaults = i.client_defaults();
        let only_defaults = matches!(&i.source, InsertSource::Values(rows) if rows.is_empty())
            && i.columns.is_empty();
        let default_values = match &i.source {
            InsertSource::DefaultValues => true,
            InsertSource::Values(_) => only_defaults && defaults.is_empty(),
            InsertSource::Query(_) => false,
        };
        if default_values {
            if self.caps.default_values {
                self.push_sql(" DEFAULT VALUES");
            } else {
                self.push_sql(" () VALUES ()");
            }
        } else {
            self.push_sql(" (");
            self.comma_sep(&i.columns, |c, n| {
                c.push_ident(n);
                Ok(())
            })?;
            for (k, col) in defaults.iter().enumerate() {
                if k > 0 || !i.columns.is_empty() {
                    self.push_sql(", ");
                }
                self.push_ident(&col.name);
            }
            self.push_sql(")");
            match &i.source {
                InsertSource::Values(_) if only_defaults => {
                    self.push_sql(" VALUES (");
                    self.bind_defaults(&defaults, true)?;
                    self.push_sql(")");
                }
                InsertSource::Values(rows) => {
                    if rows.is_empty() {
                        return Err(Error::InvalidStatement(format!(
                            "INSERT into {} names columns but has no rows",
                            t.name
                        )));
                    }
                    if rows.len() > 1 && !self.caps.multi_row_insert {
                        return Err(self.unsupported("multi-row INSERT"));
                    }
                    let binds = rows.len().saturating_mul(i.columns.len() + defaults.len());
                    if binds > self.caps.max_bind_params {
                        return Err(Error::InvalidStatement(format!(
                            "INSERT of {} rows needs {binds} bound parameters; the {} dialect allows {}",
                            rows.len(),
                            self.d.name(),
                            self.caps.max_bind_params
                        )));
                    }
                    if !self.literal_binds {
                        // Room for every value and its placeholder (`$nn, `),
                        // rather than growing row by row.
                        self.params.reserve(binds);
                        self.sql.reserve(binds.saturating_mul(5));
                    }
                    self.push_sql(" VALUES ");
                    for (ri, row) in rows.iter().enumerate() {
                        if row.len() != i.columns.len() {
                            return Err(Error::RowArity {
                                row: ri,
                                expected: i.columns.len(),
                                found: row.len(),
                            });
                        }
                        if ri > 0 {
                            self.push_sql(", ");
                        }
                        self.push_sql("(");
                        self.comma_sep(row, |c, e| c.expr_dyn(e))?;
                        self.bind_defaults(&defaults, row.is_empty())?;
                        self.push_sql(")");
                    }
                }
                InsertSource::Query(q) => {
                    self.push_sql(" ");
                    let saved = std::mem::take(&mut self.visible);
                    self.with_clause()?;
                    // SQLite reads `ON` after `INSERT ... SELECT ... FROM t`
                    // as a join constraint: before ON CONFLICT, the SELECT
                    // must end with a WHERE clause.
                    let guard = i.on_conflict.is_some()
                        && self.caps.upsert == UpsertStyle::OnConflict
                        && !matches!(&**q, Query::Select(s) if s.where_.is_some());
                    if guard {
                        self.push_sql("SELECT * FROM ");
                        self.subquery(q, false)?;
                        self.anon += 1;
                        self.push_sql(" AS anon_");
                        super::push_u64(&mut self.sql, self.anon as u64);
                        self.push_sql(" WHERE ");
                        self.expr_dyn(&Expr::Bool(true))?;
                    } else {
                        self.query_body(q)?;
                    }
                    self.visible = saved;
                }
                InsertSource::DefaultValues => {}
            }
        }
        if let Some(oc) = &i.on_conflict {
            for c in &oc.target {
                check_column(t, c)?;
            }
            match self.caps.upsert {
                UpsertStyle::None => return Err(self.unsupported("upsert (ON CONFLICT)")),
                UpsertStyle::OnConflict => {
                    self.push_sql(" ON CONFLICT");
                    if !oc.target.is_empty() {
                        self.push_sql(" (");
                        self.comma_sep(&oc.target, |c, n| {
                            c.push_ident(n);
                            Ok(())
                        })?;
                        self.push_sql(")");
                    }
                    match &oc.action {
                        ConflictAction::Nothing => self.push_sql(" DO NOTHING"),
                        ConflictAction::Update { set, where_ } => {
                            if oc.target.is_empty() {
                                return Err(Error::InvalidStatement(
                                    "ON CONFLICT DO UPDATE needs conflict target columns".into(),
                                ));
                            }
                            self.push_sql(" DO UPDATE SET ");
                            self.assignments(t, set, false)?;
                            if let Some(w) = where_ {
                                self.push_sql(" WHERE ");
                                self.expr_dyn(w)?;
                            }
                        }
                    }
                }
                UpsertStyle::OnDuplicateKey => {
                    self.push_sql(" ON DUPLICATE KEY UPDATE ");
                    match &oc.action {
                        ConflictAction::Nothing => {
                            let col = t
                                .primary_key
                                .columns
                                .first()
                                .or(oc.target.first())
                                .or(i.columns.first())
                                .cloned()
                                .ok_or_else(|| {
                                    Error::InvalidStatement(
                                        "an upsert needs at least one column".into(),
                                    )
                                })?;
                            self.push_ident(&col);
                            self.push_sql(" = ");
                            self.push_ident(&col);
                        }
                        ConflictAction::Update { set, where_ } => {
                            if where_.is_some() {
                                return Err(self.unsupported("WHERE on an upsert's update"));
                            }
                            self.assignments(t, set, false)?;
                        }
                    }
                }
            }
        }
        self.returning(&i.returning, self.caps.insert_returning, false)?;
        self.visible.truncate(mark);
        Ok(())
    }

    /// Binds the client-side defaults of the columns an INSERT row leaves out.
    fn bind_defaults(&mut self, defaults: &[&crate::schema::ColumnDef], first: bool) -> Result<()> {
        for (k, col) in defaults.iter().enumerate() {
            if k > 0 || !first {
                self.push_sql(", ");
            }
            if let Some(v) = &col.default {
                self.push_bind(v)?;
            }
        }
        Ok(())
    }

    fn assignments(&mut self, t: &Table, set: &[(Name, Expr)], qualify: bool) -> Result<()> {
        if set.is_empty() {
            return Err(Error::InvalidStatement(format!(
                "UPDATE of {} sets no columns",
                t.name
            )));
        }
        for (i, (name, e)) in set.iter().enumerate() {
            check_column(t, name)?;
            if i > 0 {
                self.push_sql(", ");
            }
            if qualify {
                self.push_table_name(t);
                self.push_sql(".");
            }
            self.push_ident(name);
            self.push_sql(" = ");
            self.expr_dyn(e)?;
        }
        Ok(())
    }

    pub(super) fn update(&mut self, u: &Update) -> Result<()> {
        let t = &u.table;
        let mark = self.visible.len();
        self.visible.push(t.name.clone());
        for f in &u.from {
            self.register_from(f);
        }
        self.push_sql("UPDATE ");
        self.push_table_name(t);
        let multi = !u.from.is_empty();
        if multi {
            match self.caps.update_from {
                UpdateFromStyle::None => return Err(self.unsupported("UPDATE ... FROM")),
                UpdateFromStyle::From => {
                    self.push_sql(" SET ");
                    self.assignments(t, &u.set, false)?;
                    self.push_sql(" FROM ");
                    self.comma_sep(&u.from, |c, f| c.render_from_item(f))?;
                }
                UpdateFromStyle::MultiTable => {
                    self.push_sql(", ");
                    self.comma_sep(&u.from, |c, f| c.render_from_item(f))?;
                    self.push_sql(" SET ");
                    self.assignments(t, &u.set, true)?;
                }
            }
        } else {
            self.push_sql(" SET ");
            self.assignments(t, &u.set, false)?;
        }
        if let Some(w) = &u.where_ {
            self.push_sql(" WHERE ");
            self.expr_dyn(w)?;
        }
        self.returning(&u.returning, self.caps.update_returning, multi)?;
        self.visible.truncate(mark);
        Ok(())
    }

    pub(super) fn delete(&mut self, d: &Delete) -> Result<()> {
        let t = &d.table;
        let mark = self.visible.len();
        self.visible.push(t.name.clone());
        for f in &d.using {
            self.register_from(f);
        }
        if d.using.is_empty() {
            self.push_sql("DELETE FROM ");
            self.push_table_name(t);
        } else {
            match self.caps.delete_using {
                DeleteUsingStyle::None => return Err(self.unsupported("DELETE ... USING")),
                DeleteUsingStyle::Using => {
                    self.push_sql("DELETE FROM ");
                    self.push_table_name(t);
                    self.push_sql(" USING ");
                    self.comma_sep(&d.using, |c, f| c.render_from_item(f))?;
                }
                DeleteUsingStyle::MultiTable => {
                    if !d.returning.is_empty() && self.caps.delete_returning {
                        return Err(self.unsupported("RETURNING on a multi-table DELETE"));
                    }
                    self.push_sql("DELETE ");
                    self.push_table_name(t);
                    self.push_sql(" FROM ");
                    self.push_table_name(t);
                    self.push_sql(", ");
                    self.comma_sep(&d.using, |c, f| c.render_from_item(f))?;
                }
            }
        }
        if let Some(w) = &d.where_ {
            self.push_sql(" WHERE ");
            self.expr_dyn(w)?;
        }
        self.returning(
            &d.returning,
            self.caps.delete_returning,
            !d.using.is_empty(),
        )?;
        self.visible.truncate(mark);
        Ok(())
    }
}
