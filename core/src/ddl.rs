//! Schema definition statements ([`Ddl`]) and the `create_all` / `drop_all`
//! plans that order them.

use crate::dialect::{CommentStyle, Dialect, EnumStyle};
use crate::error::{Error, Result};
use crate::name::Name;
use crate::schema::{MetaData, Table};
use crate::types::{EnumType, SqlType};

/// A DDL statement.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Ddl {
    /// `CREATE TABLE [IF NOT EXISTS]`, with columns, keys and constraints.
    /// Foreign keys marked `use_alter` are left out where the dialect can
    /// add them later with [`Ddl::AddForeignKey`].
    CreateTable {
        /// The table.
        table: Table,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP TABLE [IF EXISTS]`.
    DropTable {
        /// The table.
        table: Table,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE [UNIQUE] INDEX`, for the index of `table` called `index`.
    CreateIndex {
        /// The table.
        table: Table,
        /// The index's name (as declared on the table).
        index: Name,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// The table the index belongs to.
        table: Table,
        /// The index's name.
        index: Name,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`, for the foreign key
    /// of `table` at position `fk` of its list.
    AddForeignKey {
        /// The referencing table.
        table: Table,
        /// Index into `table.foreign_keys`.
        fk: usize,
    },
    /// `ALTER TABLE ... DROP CONSTRAINT` for a named foreign key.
    DropForeignKey {
        /// The referencing table.
        table: Table,
        /// The constraint's name.
        name: Name,
        /// `ALTER TABLE IF EXISTS ... DROP ... IF EXISTS` (where the dialect has it).
        if_exists: bool,
    },
    /// `ALTER TABLE ... ADD COLUMN`, for the column of `table` called
    /// `column` (its definition as the table declares it).
    AddColumn {
        /// The table, with the new column among its columns.
        table: Table,
        /// The column's name.
        column: Name,
    },
    /// `ALTER TABLE ... DROP COLUMN`.
    DropColumn {
        /// The table.
        table: Table,
        /// The column's name.
        column: Name,
    },
    /// `ALTER TABLE ... ` changing a column's type, nullability or server
    /// default to its definition in `table`; how depends on the dialect's
    /// [`AlterColumnStyle`](crate::dialect::AlterColumnStyle).
    AlterColumn {
        /// The table, with the column as it is to become.
        table: Table,
        /// The column's name.
        column: Name,
        /// What changes.
        change: ColumnChange,
    },
    /// `ALTER TABLE ... RENAME COLUMN a TO b`.
    RenameColumn {
        /// The table.
        table: Table,
        /// The column's name now.
        from: Name,
        /// Its new name.
        to: Name,
    },
    /// `ALTER TABLE ... ADD CONSTRAINT name UNIQUE (columns)`.
    AddUnique {
        /// The table.
        table: Table,
        /// The constraint's name.
        name: Name,
        /// Its columns.
        columns: Vec<Name>,
    },
    /// `ALTER TABLE ... ADD CONSTRAINT name CHECK (condition)`, the
    /// condition as SQL text.
    AddCheck {
        /// The table.
        table: Table,
        /// The constraint's name.
        name: Name,
        /// The condition.
        condition: String,
    },
    /// `ALTER TABLE ... DROP CONSTRAINT` for a unique or check constraint
    /// (MySQL drops a unique constraint as an index).
    DropConstraint {
        /// The table.
        table: Table,
        /// The constraint's name.
        name: Name,
        /// A unique constraint (rather than a check).
        unique: bool,
    },
    /// `ALTER TABLE ... RENAME TO`.
    RenameTable {
        /// The table as it is named now.
        table: Table,
        /// Its new name.
        to: Name,
    },
    /// `CREATE TYPE name AS ENUM (...)` (PostgreSQL).
    CreateEnum(EnumType),
    /// `DROP TYPE [IF EXISTS] name` (PostgreSQL).
    DropEnum {
        /// The type.
        ty: EnumType,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `COMMENT ON TABLE` (PostgreSQL).
    CommentOnTable(Table),
    /// `COMMENT ON COLUMN` (PostgreSQL).
    CommentOnColumn {
        /// The table.
        table: Table,
        /// The column.
        column: Name,
    },
}

/// Which parts of a column [`Ddl::AlterColumn`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ColumnChange {
    /// Its type.
    pub ty: bool,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its server default.
    pub default: bool,
}

/// `CREATE TABLE table`.
pub fn create_table(table: &Table) -> Ddl {
    Ddl::CreateTable {
        table: table.clone(),
        if_not_exists: false,
    }
}

/// `DROP TABLE table`.
pub fn drop_table(table: &Table) -> Ddl {
    Ddl::DropTable {
        table: table.clone(),
        if_exists: false,
    }
}

/// `CREATE INDEX` for the index of `table` called `index`.
pub fn create_index(table: &Table, index: impl Into<Name>) -> Ddl {
    Ddl::CreateIndex {
        table: table.clone(),
        index: index.into(),
        if_not_exists: false,
    }
}

/// `DROP INDEX` for the index of `table` called `index`.
pub fn drop_index(table: &Table, index: impl Into<Name>) -> Ddl {
    Ddl::DropIndex {
        table: table.clone(),
        index: index.into(),
        if_exists: false,
    }
}

impl Ddl {
    /// Adds `IF [NOT] EXISTS` to a CREATE or DROP of a table, index or type.
    pub fn if_exists(mut self) -> Self {
        match &mut self {
            Ddl::CreateTable { if_not_exists, .. } | Ddl::CreateIndex { if_not_exists, .. } => {
                *if_not_exists = true
            }
            Ddl::DropTable { if_exists, .. }
            | Ddl::DropIndex { if_exists, .. }
            | Ddl::DropEnum { if_exists, .. } => *if_exists = true,
            _ => {}
        }
        self
    }
}

/// The enum types of `table`'s columns (arrays of enums included).
pub(crate) fn enums_of(table: &Table) -> impl Iterator<Item = &EnumType> {
    table.columns.iter().filter_map(|c| match &c.ty {
        SqlType::Enum(e) => Some(e),
        SqlType::Array(inner) => match inner.as_ref() {
            SqlType::Enum(e) => Some(e),
            _ => None,
        },
        _ => None,
    })
}

/// The statements that create every table of `metadata` in dependency
/// order, with their indexes, named enum types, comments and deferred
/// (`use_alter`) foreign keys, as SQLAlchemy's `metadata.create_all()`.
/// With `if_not_exists`, tables and indexes that exist are left alone.
pub fn create_all(
    metadata: &MetaData,
    dialect: &dyn Dialect,
    if_not_exists: bool,
) -> Result<Vec<Ddl>> {
    let caps = dialect.capabilities();
    let tables = metadata.sorted_tables()?;
    let mut out = Vec::new();
    if caps.enums == EnumStyle::NamedType {
        let mut seen: Vec<&Name> = Vec::new();
        for t in &tables {
            for e in enums_of(t) {
                if let Some(prev) = tables
                    .iter()
                    .flat_map(enums_of)
                    .find(|o| o.name == e.name && o.values != e.values)
                {
                    return Err(Error::InvalidSchema(format!(
                        "enum type {} is declared twice with different values ({:?} and {:?})",
                        e.name, prev.values, e.values
                    )));
                }
                if !seen.contains(&&e.name) {
                    seen.push(&e.name);
                    out.push(Ddl::CreateEnum(e.clone()));
                }
            }
        }
    }
    let mut deferred = Vec::new();
    for t in &tables {
        out.push(Ddl::CreateTable {
            table: t.clone(),
            if_not_exists,
        });
        if caps.comments == CommentStyle::CommentOn {
            if t.comment.is_some() {
                out.push(Ddl::CommentOnTable(t.clone()));
            }
            for c in t.columns.iter().filter(|c| c.comment.is_some()) {
                out.push(Ddl::CommentOnColumn {
                    table: t.clone(),
                    column: c.name.clone(),
                });
            }
        }
        for ix in &t.indexes {
            if let Some(name) = &ix.name {
                out.push(Ddl::CreateIndex {
                    table: t.clone(),
                    index: name.clone(),
                    if_not_exists,
                });
            }
        }
        if caps.alter_add_constraint {
            for (i, fk) in t.foreign_keys.iter().enumerate() {
                if fk.use_alter {
                    if fk.name.is_none() {
                        return Err(Error::InvalidSchema(format!(
                            "table {}: a use_alter foreign key needs a name",
                            t.name
                        )));
                    }
                    deferred.push(Ddl::AddForeignKey {
                        table: t.clone(),
                        fk: i,
                    });
                }
            }
        }
    }
    out.extend(deferred);
    Ok(out)
}

/// The statements that drop every table of `metadata`, dependents first,
/// dropping deferred foreign keys before the tables and named enum types
/// after them, as SQLAlchemy's `metadata.drop_all()`.
pub fn drop_all(metadata: &MetaData, dialect: &dyn Dialect, if_exists: bool) -> Result<Vec<Ddl>> {
    let caps = dialect.capabilities();
    let mut tables = metadata.sorted_tables()?;
    tables.reverse();
    let mut out = Vec::new();
    // Deferred foreign keys go first, so the tables of a cycle can drop.
    // With `if_exists` that needs the dialect's ALTER ... IF EXISTS; without
    // it they are left to the tables' own drops.
    if caps.alter_add_constraint && (!if_exists || caps.alter_if_exists) {
        for t in &tables {
            for fk in t.foreign_keys.iter().filter(|f| f.use_alter) {
                if let Some(name) = &fk.name {
                    out.push(Ddl::DropForeignKey {
                        table: t.clone(),
                        name: name.clone(),
                        if_exists,
                    });
                }
            }
        }
    }
    for t in &tables {
        out.push(Ddl::DropTable {
            table: t.clone(),
            if_exists,
        });
    }
    if caps.enums == EnumStyle::NamedType {
        let mut seen: Vec<&Name> = Vec::new();
        for t in &tables {
            for e in enums_of(t) {
                if !seen.contains(&&e.name) {
                    seen.push(&e.name);
                    out.push(Ddl::DropEnum {
                        ty: e.clone(),
                        if_exists,
                    });
                }
            }
        }
    }
    Ok(out)
}
