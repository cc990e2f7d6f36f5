//! DDL rendering: CREATE / DROP of tables, indexes and enum types.

use super::Compiler;
use crate::ddl::Ddl;
use crate::dialect::{AlterColumnStyle, AutoIncrementStyle, CommentStyle, TypeContext};
use crate::error::{Error, Result};
use crate::name::Name;
use crate::schema::{ColumnDef, ForeignKey, ServerDefault, Table};
use crate::types::SqlType;
use crate::value::Value;

impl Compiler<'_> {
    pub(super) fn ddl(&mut self, d: &Ddl) -> Result<()> {
        // DDL carries no parameters: values are literals, columns bare.
        let saved = (self.literal_binds, self.unqualified);
        self.literal_binds = true;
        self.unqualified = true;
        let r = self.ddl_inner(d);
        (self.literal_binds, self.unqualified) = saved;
        r
    }

    fn ddl_inner(&mut self, d: &Ddl) -> Result<()> {
        match d {
            Ddl::CreateTable {
                table,
                if_not_exists,
            } => self.create_table(table, *if_not_exists),
            Ddl::DropTable { table, if_exists } => {
                self.push_sql("DROP TABLE ");
                if *if_exists {
                    self.push_sql("IF EXISTS ");
                }
                self.push_table_name(table);
                Ok(())
            }
            Ddl::CreateIndex {
                table,
                index,
                if_not_exists,
            } => {
                let ix = find_index(table, index)?;
                self.check_ident_len("index", index)?;
                self.push_sql(if ix.unique {
                    "CREATE UNIQUE INDEX "
                } else {
                    "CREATE INDEX "
                });
                if *if_not_exists {
                    if !self.caps.index_if_exists {
                        return Err(self.unsupported("CREATE INDEX IF NOT EXISTS"));
                    }
                    self.push_sql("IF NOT EXISTS ");
                }
                self.push_ident(index);
                self.push_sql(" ON ");
                self.push_table_name(table);
                self.push_sql(" (");
                self.ident_list(&ix.columns);
                self.push_sql(")");
                Ok(())
            }
            Ddl::DropIndex {
                table,
                index,
                if_exists,
            } => {
                self.push_sql("DROP INDEX ");
                if *if_exists {
                    if !self.caps.index_if_exists {
                        return Err(self.unsupported("DROP INDEX IF EXISTS"));
                    }
                    self.push_sql("IF EXISTS ");
                }
                if let Some(s) = &table.schema {
                    if !self.caps.drop_index_on_table {
                        self.push_ident(s);
                        self.push_sql(".");
                    }
                }
                self.push_ident(index);
                if self.caps.drop_index_on_table {
                    self.push_sql(" ON ");
                    self.push_table_name(table);
                }
                Ok(())
            }
            Ddl::AddForeignKey { table, fk } => {
                if !self.caps.alter_add_constraint {
                    return Err(self.unsupported("ALTER TABLE ADD CONSTRAINT"));
                }
                let fk = table.foreign_keys.get(*fk).ok_or_else(|| {
                    Error::InvalidStatement(format!(
                        "table {} has no foreign key #{fk}",
                        table.name
                    ))
                })?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" ADD ");
                self.foreign_key(fk)
            }
            Ddl::DropForeignKey {
                table,
                name,
                if_exists,
            } => {
                if *if_exists && !self.caps.alter_if_exists {
                    return Err(self.unsupported("ALTER TABLE IF EXISTS"));
                }
                self.push_sql(if *if_exists {
                    "ALTER TABLE IF EXISTS "
                } else {
                    "ALTER TABLE "
                });
                self.push_table_name(table);
                self.push_sql(" DROP ");
                self.push_sql(self.caps.drop_foreign_key_keyword);
                self.push_sql(if *if_exists { " IF EXISTS " } else { " " });
                self.push_ident(name);
                Ok(())
            }
            Ddl::AddColumn { table, column } => {
                let col = column_of(table, column)?;
                self.check_ident_len("column", column)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" ADD COLUMN ");
                self.column_def(col)
            }
            Ddl::DropColumn { table, column } => {
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" DROP COLUMN ");
                self.push_ident(column);
                Ok(())
            }
            Ddl::AlterColumn {
                table,
                column,
                change,
            } => {
                let col = column_of(table, column)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                match self.caps.alter_column {
                    AlterColumnStyle::Modify => {
                        self.push_sql(" MODIFY COLUMN ");
                        self.column_def(col)
                    }
                    AlterColumnStyle::Separate => {
                        let mut first = true;
                        let mut clause = |c: &mut Self| {
                            c.push_sql(if first {
                                " ALTER COLUMN "
                            } else {
                                ", ALTER COLUMN "
                            });
                            first = false;
                            c.push_ident(column);
                        };
                        if change.ty {
                            clause(self);
                            self.push_sql(" TYPE ");
                            let ty = self.d.type_sql(&col.ty, TypeContext::Ddl)?;
                            self.push_sql(&ty);
                        }
                        if change.nullable {
                            clause(self);
                            self.push_sql(if col.nullable {
                                " DROP NOT NULL"
                            } else {
                                " SET NOT NULL"
                            });
                        }
                        if change.default {
                            clause(self);
                            match &col.server_default {
                                Some(ServerDefault::Value(v)) => {
                                    self.push_sql(" SET DEFAULT ");
                                    self.push_bind(v)?;
                                }
                                Some(ServerDefault::Sql(s)) => {
                                    self.push_sql(" SET DEFAULT ");
                                    self.push_sql(s);
                                }
                                None => self.push_sql(" DROP DEFAULT"),
                            }
                        }
                        if first {
                            return Err(Error::InvalidStatement(format!(
                                "ALTER COLUMN {column} of {} changes nothing",
                                table.qualified_name()
                            )));
                        }
                        Ok(())
                    }
                    AlterColumnStyle::RenameOnly => Err(self.unsupported("ALTER COLUMN")),
                }
            }
            Ddl::AddUnique {
                table,
                name,
                columns,
            } => {
                if !self.caps.alter_add_constraint {
                    return Err(self.unsupported("ALTER TABLE ADD CONSTRAINT"));
                }
                self.check_ident_len("constraint", name)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" ADD CONSTRAINT ");
                self.push_ident(name);
                self.push_sql(" UNIQUE (");
                self.ident_list(columns);
                self.push_sql(")");
                Ok(())
            }
            Ddl::AddCheck {
                table,
                name,
                condition,
            } => {
                if !self.caps.alter_add_constraint {
                    return Err(self.unsupported("ALTER TABLE ADD CONSTRAINT"));
                }
                self.check_ident_len("constraint", name)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" ADD CONSTRAINT ");
                self.push_ident(name);
                self.push_sql(" CHECK (");
                self.push_sql(condition);
                self.push_sql(")");
                Ok(())
            }
            Ddl::DropConstraint {
                table,
                name,
                unique,
            } => {
                if !self.caps.alter_add_constraint {
                    return Err(self.unsupported("ALTER TABLE DROP CONSTRAINT"));
                }
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                // Where foreign keys drop by their own keyword (MySQL), a
                // unique constraint is an index.
                self.push_sql(
                    if *unique && self.caps.drop_foreign_key_keyword != "CONSTRAINT" {
                        " DROP INDEX "
                    } else {
                        " DROP CONSTRAINT "
                    },
                );
                self.push_ident(name);
                Ok(())
            }
            Ddl::RenameColumn { table, from, to } => {
                self.check_ident_len("column", to)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" RENAME COLUMN ");
                self.push_ident(from);
                self.push_sql(" TO ");
                self.push_ident(to);
                Ok(())
            }
            Ddl::RenameTable { table, to } => {
                self.check_ident_len("table", to)?;
                self.push_sql("ALTER TABLE ");
                self.push_table_name(table);
                self.push_sql(" RENAME TO ");
                self.push_ident(to);
                Ok(())
            }
            Ddl::CreateEnum(e) => {
                if self.caps.enums != crate::dialect::EnumStyle::NamedType {
                    return Err(self.unsupported("CREATE TYPE ... AS ENUM"));
                }
                self.push_sql("CREATE TYPE ");
                self.push_ident(&e.name);
                self.push_sql(" AS ENUM (");
                for (i, v) in e.values.iter().enumerate() {
                    if i > 0 {
                        self.push_sql(", ");
                    }
                    self.push_bind(&Value::from(v.as_str()))?;
                }
                self.push_sql(")");
                Ok(())
            }
            Ddl::DropEnum { ty, if_exists } => {
                if self.caps.enums != crate::dialect::EnumStyle::NamedType {
                    return Err(self.unsupported("DROP TYPE"));
                }
                self.push_sql("DROP TYPE ");
                if *if_exists {
                    self.push_sql("IF EXISTS ");
                }
                self.push_ident(&ty.name);
                Ok(())
            }
            Ddl::CommentOnTable(t) => {
                if self.caps.comments != CommentStyle::CommentOn {
                    return Err(self.unsupported("COMMENT ON"));
                }
                self.push_sql("COMMENT ON TABLE ");
                self.push_table_name(t);
                self.push_sql(" IS ");
                let v = t.comment.as_deref().map_or(Value::Null, Value::from);
                self.push_bind(&v)
            }
            Ddl::CommentOnColumn { table, column } => {
                if self.caps.comments != CommentStyle::CommentOn {
                    return Err(self.unsupported("COMMENT ON"));
                }
                let col = column_of(table, column)?;
                self.push_sql("COMMENT ON COLUMN ");
                self.push_table_name(table);
                self.push_sql(".");
                self.push_ident(column);
                self.push_sql(" IS ");
                let v = col.comment.as_deref().map_or(Value::Null, Value::from);
                self.push_bind(&v)
            }
        }
    }

    fn ident_list(&mut self, names: &[Name]) {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.push_sql(", ");
            }
            self.push_ident(n);
        }
    }

    /// An error when `name` is longer than the database accepts (PostgreSQL
    /// would silently cut it, so two long names could collide).
    fn check_ident_len(&self, what: &str, name: &str) -> Result<()> {
        let max = self.caps.max_identifier_length;
        if max > 0 && name.len() > max {
            return Err(Error::InvalidStatement(format!(
                "{what} name {name:?} is {} bytes long; the {} dialect allows at most {max}",
                name.len(),
                self.d.name()
            )));
        }
        Ok(())
    }

    fn create_table(&mut self, t: &Table, if_not_exists: bool) -> Result<()> {
        self.check_ident_len("table", &t.name)?;
        for c in &t.columns {
            self.check_ident_len("column", &c.name)?;
        }
        let constraint_names = t
            .primary_key
            .name
            .iter()
            .chain(t.uniques.iter().filter_map(|u| u.name.as_ref()))
            .chain(t.checks.iter().filter_map(|c| c.name.as_ref()))
            .chain(t.foreign_keys.iter().filter_map(|f| f.name.as_ref()));
        for n in constraint_names {
            self.check_ident_len("constraint", n)?;
        }
        self.push_sql("CREATE TABLE ");
        if if_not_exists {
            self.push_sql("IF NOT EXISTS ");
        }
        self.push_table_name(t);
        self.push_sql(" (");
        let mut first = true;
        let mut sep = |c: &mut Self| {
            c.push_sql(if first { "\n\t" } else { ",\n\t" });
            first = false;
        };
        for col in &t.columns {
            sep(self);
            self.column_def(col)?;
        }
        if !t.primary_key.columns.is_empty() {
            sep(self);
            if let Some(n) = &t.primary_key.name {
                self.push_sql("CONSTRAINT ");
                self.push_ident(n);
                self.push_sql(" ");
            }
            self.push_sql("PRIMARY KEY (");
            self.ident_list(&t.primary_key.columns);
            self.push_sql(")");
        }
        for u in &t.uniques {
            sep(self);
            if let Some(n) = &u.name {
                self.push_sql("CONSTRAINT ");
                self.push_ident(n);
                self.push_sql(" ");
            }
            self.push_sql("UNIQUE (");
            self.ident_list(&u.columns);
            self.push_sql(")");
        }
        for ck in &t.checks {
            sep(self);
            if let Some(n) = &ck.name {
                self.push_sql("CONSTRAINT ");
                self.push_ident(n);
                self.push_sql(" ");
            }
            self.push_sql("CHECK (");
            self.expr_dyn(&ck.condition)?;
            self.push_sql(")");
        }
        for fk in &t.foreign_keys {
            if fk.use_alter && self.caps.alter_add_constraint {
                continue;
            }
            sep(self);
            self.foreign_key(fk)?;
        }
        self.push_sql("\n)");
        if let (Some(c), CommentStyle::Inline) = (&t.comment, self.caps.comments) {
            self.push_sql(" COMMENT=");
            self.push_bind(&Value::from(c.as_str()))?;
        }
        Ok(())
    }

    fn foreign_key(&mut self, fk: &ForeignKey) -> Result<()> {
        if let Some(n) = &fk.name {
            self.push_sql("CONSTRAINT ");
            self.push_ident(n);
            self.push_sql(" ");
        }
        self.push_sql("FOREIGN KEY(");
        self.ident_list(&fk.columns);
        self.push_sql(") REFERENCES ");
        if let Some(s) = &fk.ref_schema {
            self.push_ident(s);
            self.push_sql(".");
        }
        self.push_ident(&fk.ref_table);
        self.push_sql(" (");
        self.ident_list(&fk.ref_columns);
        self.push_sql(")");
        if let Some(a) = fk.on_delete {
            self.push_sql(" ON DELETE ");
            self.push_sql(a.as_sql());
        }
        if let Some(a) = fk.on_update {
            self.push_sql(" ON UPDATE ");
            self.push_sql(a.as_sql());
        }
        Ok(())
    }

    fn column_def(&mut self, col: &ColumnDef) -> Result<()> {
        self.push_ident(&col.name);
        self.push_sql(" ");
        let serial = col.autoincrement && self.caps.autoincrement == AutoIncrementStyle::Serial;
        if serial {
            self.push_sql(match col.ty {
                SqlType::SmallInt => "SMALLSERIAL",
                SqlType::BigInt => "BIGSERIAL",
                _ => "SERIAL",
            });
        } else {
            let ty = match &col.ty {
                SqlType::Enum(_) | SqlType::Array(_) => {
                    let mut s = String::new();
                    std::mem::swap(&mut s, &mut self.sql);
                    let r = self.push_type(&col.ty, TypeContext::Ddl);
                    std::mem::swap(&mut s, &mut self.sql);
                    r?;
                    s
                }
                // Only a key declared exactly INTEGER is the rowid, which
                // the database generates (and holds 64 bits).
                SqlType::SmallInt | SqlType::BigInt
                    if col.autoincrement
                        && col.primary_key
                        && self.caps.autoincrement == AutoIncrementStyle::RowId =>
                {
                    self.d.type_sql(&SqlType::Integer, TypeContext::Ddl)?
                }
                other => self.d.type_sql(other, TypeContext::Ddl)?,
            };
            self.push_sql(&ty);
        }
        if let Some(def) = &col.server_default {
            self.push_sql(" DEFAULT ");
            match def {
                ServerDefault::Value(v) => self.push_bind(v)?,
                ServerDefault::Sql(s) => self.push_sql(s),
            }
        }
        if !col.nullable {
            self.push_sql(" NOT NULL");
        }
        if col.autoincrement && self.caps.autoincrement == AutoIncrementStyle::AutoIncrement {
            self.push_sql(" AUTO_INCREMENT");
        }
        if let (Some(c), CommentStyle::Inline) = (&col.comment, self.caps.comments) {
            self.push_sql(" COMMENT ");
            self.push_bind(&Value::from(c.as_str()))?;
        }
        Ok(())
    }
}

/// The column of `table` called `column`, or an error naming both.
fn column_of<'t>(table: &'t Table, column: &Name) -> Result<&'t ColumnDef> {
    table.column(column).ok_or_else(|| Error::UnknownColumn {
        source_name: format!("table {}", table.qualified_name()),
        column: column.to_string(),
    })
}

fn find_index<'t>(table: &'t Table, name: &Name) -> Result<&'t crate::schema::Index> {
    table
        .indexes
        .iter()
        .find(|ix| ix.name.as_ref() == Some(name))
        .ok_or_else(|| {
            Error::InvalidStatement(format!(
                "table {} has no index named {name}",
                table.qualified_name()
            ))
        })
}
