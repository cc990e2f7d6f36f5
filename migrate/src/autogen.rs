//! Autogenerate: the operations that turn the schema a database has into
//! the schema the models declare, and the operations that turn it back.
//!
//! [`compare`] finds new and dropped tables and columns; changes of a
//! column's type, nullability and server default; new and dropped indexes,
//! UNIQUE constraints and foreign keys. CHECK constraints are not compared
//! (Alembic does not compare them either): databases rewrite their
//! conditions too freely for text to be compared, so a new or changed CHECK
//! is an operation to write by hand (`create_check`, `drop_constraint`).
//!
//! UNIQUE constraints compare by their columns, in any order, and also by
//! name when both sides have one: a constraint the models leave unnamed
//! (`Column::unique`, `TableBuilder::unique`) is named by the database
//! (`<table>_<column>_key` on PostgreSQL, the first column's name on MySQL,
//! none on SQLite, whose reflection then has no name), so only its columns
//! can match. A unique index and a UNIQUE constraint on the same columns
//! satisfy each other, because MySQL and MariaDB report every unique index
//! as a UNIQUE constraint and keep no difference between the two. A new
//! constraint without a name is created as `uq_<table>_<columns>`; a
//! database constraint without a name (SQLite's) is dropped under that
//! name too. UNIQUE constraints the models drop are dropped before the
//! table's columns change, and new ones are created after them, so that a
//! constraint on a dropped or added column comes and goes with it.

use crate::ops::{column_spec, ColumnSpec, ForeignKeySpec, Op, UniqueSpec};
use crate::runner::VERSION_TABLE;
use aludel_core::dialect::TypeContext;
use aludel_core::schema::{ColumnDef, ServerDefault, UniqueConstraint};
use aludel_core::Name;
use aludel_core::{Dialect, MetaData, Table};

/// What autogenerate found: the upgrade operations and their inverse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// From the database's schema to the models'.
    pub upgrade: Vec<Op>,
    /// Back again.
    pub downgrade: Vec<Op>,
}

impl Diff {
    /// Whether the schemas match.
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty()
    }
}

fn pk_of(t: &Table, c: &ColumnDef) -> bool {
    t.primary_key.columns.contains(&c.name)
}

fn fk_spec(t: &Table, i: usize) -> ForeignKeySpec {
    let fk = &t.foreign_keys[i];
    let action =
        |a: &Option<aludel_core::schema::FkAction>| a.map(|a| a.as_sql().to_ascii_lowercase());
    ForeignKeySpec {
        name: Some(fk.name.as_ref().map_or_else(
            || {
                format!(
                    "fk_{}_{}_{}",
                    t.name.as_str(),
                    fk.columns
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join("_"),
                    fk.ref_table.as_str()
                )
            },
            |n| n.as_str().to_string(),
        )),
        columns: fk.columns.iter().map(|c| c.as_str().to_string()).collect(),
        ref_table: fk.ref_table.as_str().to_string(),
        ref_columns: fk
            .ref_columns
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        on_delete: action(&fk.on_delete),
        on_update: action(&fk.on_update),
    }
}

/// The operations that create `t`: the table, then its indexes.
fn create(t: &Table) -> Vec<Op> {
    let mut ops = vec![Op::CreateTable {
        table: t.name.as_str().to_string(),
        columns: t
            .columns
            .iter()
            .map(|c| column_spec(c, pk_of(t, c)))
            .collect(),
        foreign_keys: (0..t.foreign_keys.len()).map(|i| fk_spec(t, i)).collect(),
        unique: t
            .uniques
            .iter()
            .map(|u| UniqueSpec {
                name: u.name.as_ref().map(|n| n.as_str().to_string()),
                columns: u.columns.iter().map(|c| c.as_str().to_string()).collect(),
            })
            .collect(),
        checks: Vec::new(),
    }];
    for ix in &t.indexes {
        ops.push(create_index(t, ix));
    }
    ops
}

fn index_name(t: &Table, ix: &aludel_core::schema::Index) -> String {
    ix.name.as_ref().map_or_else(
        || {
            format!(
                "ix_{}_{}",
                t.name.as_str(),
                ix.columns
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join("_")
            )
        },
        |n| n.as_str().to_string(),
    )
}

fn create_index(t: &Table, ix: &aludel_core::schema::Index) -> Op {
    Op::CreateIndex {
        table: t.name.as_str().to_string(),
        name: index_name(t, ix),
        columns: ix.columns.iter().map(|c| c.as_str().to_string()).collect(),
        unique: ix.unique,
    }
}

fn drop_index(t: &Table, ix: &aludel_core::schema::Index) -> Op {
    Op::DropIndex {
        table: t.name.as_str().to_string(),
        name: index_name(t, ix),
    }
}

/// The name autogenerate writes for `u`: its own, or for an unnamed one
/// [`conventional_unique_name`].
fn unique_name(t: &Table, u: &UniqueConstraint) -> String {
    u.name.as_ref().map_or_else(
        || conventional_unique_name(t.name.as_str(), &u.columns),
        |n| n.as_str().to_string(),
    )
}

/// `uq_<table>_<columns>`: the name autogenerate gives a unique constraint
/// declared without one, and by which a table rebuild finds an unnamed one.
pub(crate) fn conventional_unique_name(table: &str, columns: &[aludel_core::Name]) -> String {
    let mut name = format!("uq_{table}");
    for c in columns {
        name.push('_');
        name.push_str(c.as_str());
    }
    name
}

/// The same columns, in any order.
fn same_columns(a: &[Name], b: &[Name]) -> bool {
    fn sorted(v: &[Name]) -> Vec<&str> {
        let mut v: Vec<&str> = v.iter().map(|n| n.as_str()).collect();
        v.sort_unstable();
        v
    }
    sorted(a) == sorted(b)
}

/// Whether two UNIQUE constraints are the same: their columns, and their
/// names when both have one.
fn same_unique(a: &UniqueConstraint, b: &UniqueConstraint) -> bool {
    same_columns(&a.columns, &b.columns)
        && match (&a.name, &b.name) {
            (Some(x), Some(y)) => x.as_str().eq_ignore_ascii_case(y.as_str()),
            _ => true,
        }
}

/// Whether `t` has `u`, as a UNIQUE constraint or a unique index.
fn has_unique(t: &Table, u: &UniqueConstraint) -> bool {
    t.uniques.iter().any(|x| same_unique(x, u))
        || t.indexes
            .iter()
            .any(|ix| ix.unique && same_columns(&ix.columns, &u.columns))
}

fn create_unique(t: &Table, u: &UniqueConstraint) -> Op {
    Op::CreateUnique {
        table: t.name.as_str().to_string(),
        name: unique_name(t, u),
        columns: u.columns.iter().map(|c| c.as_str().to_string()).collect(),
    }
}

fn drop_unique(t: &Table, u: &UniqueConstraint) -> Op {
    Op::DropConstraint {
        table: t.name.as_str().to_string(),
        name: unique_name(t, u),
        kind: "unique".into(),
    }
}

/// An operation and its inverse.
type OpPair = (Op, Op);

/// The UNIQUE constraints between the database's table `d` and the models'
/// `m`: those to drop, then those to create, each with its inverse.
fn compare_uniques(m: &Table, d: &Table) -> (Vec<OpPair>, Vec<OpPair>) {
    let drops = d
        .uniques
        .iter()
        .filter(|u| !has_unique(m, u))
        .map(|u| (drop_unique(d, u), create_unique(d, u)))
        .collect();
    let creates = m
        .uniques
        .iter()
        .filter(|u| !has_unique(d, u))
        .map(|u| (create_unique(m, u), drop_unique(m, u)))
        .collect();
    (drops, creates)
}

/// A type as the dialect spells it, in a canonical form: upper case, the
/// usual synonyms folded, so that `INT` and `INTEGER`, `VARCHAR` and
/// `CHARACTER VARYING`, MySQL's `TINYINT(1)` and `BOOLEAN` compare equal.
fn canonical_type(dialect: &dyn Dialect, c: &ColumnDef) -> String {
    let s = dialect
        .type_sql(&c.ty, TypeContext::Ddl)
        .unwrap_or_else(|_| format!("{:?}", c.ty))
        .to_ascii_uppercase();
    let s = s.replace("CHARACTER VARYING", "VARCHAR").replace(' ', "");
    match s.as_str() {
        "INT" | "INT4" => "INTEGER".into(),
        "INT8" => "BIGINT".into(),
        "INT2" => "SMALLINT".into(),
        "BOOL" | "TINYINT(1)" => "BOOLEAN".into(),
        "FLOAT8" | "DOUBLEPRECISION" => "DOUBLE".into(),
        "FLOAT4" => "REAL".into(),
        "DECIMAL" => "NUMERIC".into(),
        _ => s.replace("DECIMAL(", "NUMERIC("),
    }
}

fn default_text(dialect: &dyn Dialect, c: &ColumnDef) -> Option<String> {
    let d: &ServerDefault = c.server_default.as_ref()?;
    let raw = aludel_core::reflect::server_default_sql(dialect, d).unwrap_or_else(|_| match d {
        ServerDefault::Sql(s) => s.clone(),
        ServerDefault::Value(v) => format!("{v:?}"),
    });
    // Databases report defaults with their own decorations: outer
    // parentheses, PostgreSQL's casts (`'x'::character varying`).
    let mut s = raw.trim().to_string();
    while s.starts_with('(') && s.ends_with(')') {
        s = s[1..s.len() - 1].trim().to_string();
    }
    if let Some(i) = s.rfind("::") {
        if !s[i..].contains('\'') {
            s.truncate(i);
        }
    }
    let s = s.to_ascii_lowercase();
    // MySQL stores booleans as 1 and 0.
    Some(match s.as_str() {
        "true" => "1".into(),
        "false" => "0".into(),
        _ => s,
    })
}

fn alter(t: &Table, from: &ColumnDef, to: &ColumnDef, dialect: &dyn Dialect) -> Option<(Op, Op)> {
    let int = |c: &ColumnDef| {
        matches!(
            c.ty,
            aludel_core::SqlType::SmallInt
                | aludel_core::SqlType::Integer
                | aludel_core::SqlType::BigInt
        )
    };
    // An autoincrement key is whatever integer the dialect makes it
    // (SQLite's rowid key is always INTEGER).
    let key_int = pk_of(t, to) && (from.autoincrement || to.autoincrement) && int(from) && int(to);
    let ty_changed = !key_int && canonical_type(dialect, from) != canonical_type(dialect, to);
    let null_changed = from.nullable != to.nullable && !pk_of(t, to);
    let default_changed = default_text(dialect, from) != default_text(dialect, to);
    if !ty_changed && !null_changed && !default_changed {
        return None;
    }
    let spec = |c: &ColumnDef| column_spec(c, false);
    let (f, t2): (ColumnSpec, ColumnSpec) = (spec(from), spec(to));
    let op = |a: &ColumnSpec, b: &ColumnSpec| Op::AlterColumn {
        table: t.name.as_str().to_string(),
        column: b.name.clone(),
        ty: ty_changed.then(|| b.ty.clone()),
        nullable: null_changed.then_some(b.nullable.unwrap_or(true)),
        server_default: if default_changed {
            b.server_default.clone()
        } else {
            None
        },
        drop_default: default_changed && b.server_default.is_none(),
        new_name: None,
        existing_type: (!ty_changed).then(|| a.ty.clone()),
        existing_nullable: (!null_changed).then_some(a.nullable.unwrap_or(true)),
        existing_server_default: if default_changed {
            None
        } else {
            a.server_default.clone()
        },
    };
    Some((op(&f, &t2), op(&t2, &f)))
}

/// Compares the models' metadata with the database's (as reflected) and
/// returns the operations between them: new and dropped tables, columns,
/// changes of type, nullability and server default, indexes, UNIQUE
/// constraints and foreign keys (see the module docs for how uniques
/// match). The version table is ignored; CHECK constraints are not
/// compared.
pub fn compare(models: &MetaData, db: &MetaData, dialect: &dyn Dialect) -> Diff {
    let mut up = Vec::new();
    let mut down = Vec::new();
    let db_tables: Vec<&Table> = db
        .tables()
        .iter()
        .filter(|t| t.name.as_str() != VERSION_TABLE)
        .collect();
    fn find<'t>(ts: &[&'t Table], name: &str) -> Option<&'t Table> {
        ts.iter().find(|t| t.name.as_str() == name).copied()
    }
    let model_tables: Vec<&Table> = models.sorted_tables().map_or_else(
        |_| models.tables().iter().collect(),
        |v| {
            v.iter()
                .filter_map(|t| models.table(t.name.as_str()))
                .collect()
        },
    );
    for m in &model_tables {
        match find(&db_tables, m.name.as_str()) {
            None => {
                up.extend(create(m));
                down.insert(
                    0,
                    Op::DropTable {
                        table: m.name.as_str().to_string(),
                    },
                );
            }
            Some(d) => {
                let (unique_drops, unique_creates) = compare_uniques(m, d);
                for (u, dn) in unique_drops {
                    up.push(u);
                    down.insert(0, dn);
                }
                for c in &m.columns {
                    match d.columns.iter().find(|x| x.name == c.name) {
                        None => {
                            up.push(Op::AddColumn {
                                table: m.name.as_str().to_string(),
                                column: column_spec(c, false),
                            });
                            down.insert(
                                0,
                                Op::DropColumn {
                                    table: m.name.as_str().to_string(),
                                    column: c.name.as_str().to_string(),
                                },
                            );
                        }
                        Some(dc) => {
                            if let Some((u, dn)) = alter(m, dc, c, dialect) {
                                up.push(u);
                                down.insert(0, dn);
                            }
                        }
                    }
                }
                for dc in &d.columns {
                    if !m.columns.iter().any(|x| x.name == dc.name) {
                        up.push(Op::DropColumn {
                            table: m.name.as_str().to_string(),
                            column: dc.name.as_str().to_string(),
                        });
                        down.insert(
                            0,
                            Op::AddColumn {
                                table: m.name.as_str().to_string(),
                                column: column_spec(dc, false),
                            },
                        );
                    }
                }
                let same_ix = |a: &aludel_core::schema::Index, b: &aludel_core::schema::Index| {
                    a.columns == b.columns && a.unique == b.unique
                };
                // MySQL reports unique indexes as UNIQUE constraints: either
                // satisfies a unique index.
                let unique_as = |t: &Table, ix: &aludel_core::schema::Index| {
                    ix.unique
                        && t.uniques
                            .iter()
                            .any(|u| same_columns(&u.columns, &ix.columns))
                };
                for ix in &m.indexes {
                    if !d.indexes.iter().any(|x| same_ix(x, ix)) && !unique_as(d, ix) {
                        up.push(create_index(m, ix));
                        down.insert(0, drop_index(m, ix));
                    }
                }
                for ix in &d.indexes {
                    if !m.indexes.iter().any(|x| same_ix(x, ix)) && !unique_as(m, ix) {
                        up.push(drop_index(d, ix));
                        down.insert(0, create_index(d, ix));
                    }
                }
                for (u, dn) in unique_creates {
                    up.push(u);
                    down.insert(0, dn);
                }
                let same_fk = |a: &aludel_core::schema::ForeignKey,
                               b: &aludel_core::schema::ForeignKey| {
                    a.columns == b.columns
                        && a.ref_table == b.ref_table
                        && a.ref_columns == b.ref_columns
                };
                for (i, fk) in m.foreign_keys.iter().enumerate() {
                    if !d.foreign_keys.iter().any(|x| same_fk(x, fk)) {
                        let spec = fk_spec(m, i);
                        let name = spec.name.clone().unwrap_or_default();
                        up.push(Op::CreateForeignKey {
                            table: m.name.as_str().to_string(),
                            fk: spec,
                        });
                        down.insert(
                            0,
                            Op::DropForeignKey {
                                table: m.name.as_str().to_string(),
                                name,
                            },
                        );
                    }
                }
                for (i, fk) in d.foreign_keys.iter().enumerate() {
                    if !m.foreign_keys.iter().any(|x| same_fk(x, fk)) {
                        let spec = fk_spec(d, i);
                        up.push(Op::DropForeignKey {
                            table: d.name.as_str().to_string(),
                            name: spec.name.clone().unwrap_or_default(),
                        });
                        down.insert(
                            0,
                            Op::CreateForeignKey {
                                table: d.name.as_str().to_string(),
                                fk: spec,
                            },
                        );
                    }
                }
            }
        }
    }
    for d in &db_tables {
        if find(&model_tables, d.name.as_str()).is_none() {
            up.push(Op::DropTable {
                table: d.name.as_str().to_string(),
            });
            for op in create(d).into_iter().rev() {
                down.insert(0, op);
            }
        }
    }
    Diff {
        upgrade: up,
        downgrade: down,
    }
}

/// Reflects the database behind `engine` and compares it with `models`.
pub async fn autogenerate(
    engine: &aludel_core::engine::Engine,
    models: &MetaData,
) -> crate::Result<Diff> {
    let mut conn = engine.connect().await?;
    let db = aludel_core::reflect_metadata(&mut conn, None).await?;
    Ok(compare(models, &db, engine.dialect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aludel_core::schema::Index;
    use aludel_core::{Column, SqlType};
    use aludel_mysql as _;
    use aludel_postgres as _;

    fn users(extra: bool) -> Table {
        let mut b = Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50))).not_null());
        if extra {
            b = b
                .column(Column::new("email", SqlType::String(Some(100))))
                .index(Index::new(["email"]).name("ix_users_email").unique());
        }
        b.build().unwrap()
    }

    #[test]
    fn identical_schemas_need_nothing() {
        let mut a = MetaData::new();
        a.add_table(users(true)).unwrap();
        let mut b = MetaData::new();
        b.add_table(users(true)).unwrap();
        let pg = aludel_core::dialect_by_name("postgresql").unwrap();
        assert!(compare(&a, &b, pg).is_empty());
    }

    #[test]
    fn new_tables_columns_and_indexes_are_found_both_ways() {
        let pg = aludel_core::dialect_by_name("postgresql").unwrap();
        let mut models = MetaData::new();
        models.add_table(users(true)).unwrap();
        models
            .add_table(
                Table::builder("posts")
                    .column(Column::new("id", SqlType::Integer).primary_key())
                    .build()
                    .unwrap(),
            )
            .unwrap();
        let mut db = MetaData::new();
        db.add_table(users(false)).unwrap();
        let d = compare(&models, &db, pg);
        let up: Vec<String> = d.upgrade.iter().map(Op::describe).collect();
        assert_eq!(
            up,
            [
                "create_table posts",
                "add_column users.email",
                "create_index ix_users_email on users"
            ]
        );
        let down: Vec<String> = d.downgrade.iter().map(Op::describe).collect();
        assert_eq!(
            down,
            [
                "drop_index ix_users_email on users",
                "drop_column users.email",
                "drop_table posts"
            ]
        );
        // And the other way round.
        let back = compare(&db, &models, pg);
        assert!(back
            .upgrade
            .iter()
            .any(|o| o.describe() == "drop_table posts"));
    }

    fn describe(ops: &[Op]) -> Vec<String> {
        ops.iter().map(Op::describe).collect()
    }

    fn one(t: aludel_core::schema::TableBuilder) -> MetaData {
        let mut md = MetaData::new();
        md.add(t).unwrap();
        md
    }

    fn people() -> aludel_core::schema::TableBuilder {
        Table::builder("people")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50))))
            .column(Column::new("email", SqlType::String(Some(100))))
    }

    #[test]
    fn unique_constraints_match_by_columns_and_by_name_when_both_have_one() {
        let pg = aludel_core::dialect_by_name("postgresql").unwrap();
        // An unnamed constraint in the models, as each database reports it:
        // named by PostgreSQL or MySQL, unnamed from SQLite, or (MySQL) as
        // the unique index it is; columns in any order.
        let models = one(people().unique(["name", "email"]));
        for db in [
            one(people().unique_named("people_name_email_key", ["name", "email"])),
            one(people().unique(["email", "name"])),
            one(people().index(Index::new(["name", "email"]).name("ix_x").unique())),
        ] {
            assert!(compare(&models, &db, pg).is_empty(), "{db:?}");
        }
        // A unique index in the models, which MySQL reflects as a UNIQUE
        // constraint.
        let models = one(people().index(Index::new(["email"]).name("ix_people_email").unique()));
        let db = one(people().unique_named("ix_people_email", ["email"]));
        assert!(compare(&models, &db, pg).is_empty());
        // Both named, differently: the old one goes, the new one comes.
        let models = one(people().unique_named("uq_people_email", ["email"]));
        let db = one(people().unique_named("people_email_key", ["email"]));
        let d = compare(&models, &db, pg);
        assert_eq!(
            describe(&d.upgrade),
            [
                "drop_constraint people_email_key (unique) on people",
                "create_unique uq_people_email on people"
            ]
        );
        assert_eq!(
            describe(&d.downgrade),
            [
                "drop_constraint uq_people_email (unique) on people",
                "create_unique people_email_key on people"
            ]
        );
        // Other columns are another constraint.
        let models = one(people().unique(["email"]));
        let db = one(people().unique_named("people_name_key", ["name"]));
        assert_eq!(
            describe(&compare(&models, &db, pg).upgrade),
            [
                "drop_constraint people_name_key (unique) on people",
                "create_unique uq_people_email on people"
            ]
        );
    }

    #[test]
    fn new_and_dropped_unique_constraints_with_their_inverse() {
        let pg = aludel_core::dialect_by_name("postgresql").unwrap();
        let models = one(people().unique(["name", "email"]));
        let db = one(people());
        let d = compare(&models, &db, pg);
        assert_eq!(
            d.upgrade,
            [Op::CreateUnique {
                table: "people".into(),
                name: "uq_people_name_email".into(),
                columns: vec!["name".into(), "email".into()],
            }]
        );
        assert_eq!(
            d.downgrade,
            [Op::DropConstraint {
                table: "people".into(),
                name: "uq_people_name_email".into(),
                kind: "unique".into(),
            }]
        );
        let back = compare(&db, &models, pg);
        assert_eq!(back.upgrade, d.downgrade);
        assert_eq!(back.downgrade, d.upgrade);

        // A constraint on a column that comes or goes: created after the
        // column is added, dropped before it is dropped.
        let models = one(people()
            .column(Column::new("code", SqlType::String(Some(10))))
            .unique(["code"]));
        let d = compare(&models, &db, pg);
        assert_eq!(
            describe(&d.upgrade),
            [
                "add_column people.code",
                "create_unique uq_people_code on people"
            ]
        );
        assert_eq!(
            describe(&d.downgrade),
            [
                "drop_constraint uq_people_code (unique) on people",
                "drop_column people.code"
            ]
        );
        let back = compare(&db, &models, pg);
        assert_eq!(
            describe(&back.upgrade),
            [
                "drop_constraint uq_people_code (unique) on people",
                "drop_column people.code"
            ]
        );
        assert_eq!(
            describe(&back.downgrade),
            [
                "add_column people.code",
                "create_unique uq_people_code on people"
            ]
        );
    }

    #[test]
    fn changed_columns_become_alter_column() {
        let my = aludel_core::dialect_by_name("mysql").unwrap();
        let mut models = MetaData::new();
        models.add_table(users(false)).unwrap();
        let mut db = MetaData::new();
        db.add_table(
            Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::String(Some(20))))
                .build()
                .unwrap(),
        )
        .unwrap();
        let d = compare(&models, &db, my);
        assert_eq!(d.upgrade.len(), 1);
        let Op::AlterColumn {
            ty,
            nullable,
            existing_type,
            ..
        } = &d.upgrade[0]
        else {
            panic!("{:?}", d.upgrade)
        };
        assert_eq!(ty.as_deref(), Some("String(50)"));
        assert_eq!(*nullable, Some(false));
        assert_eq!(*existing_type, None);
        let sql = d.upgrade[0].sql(my).unwrap();
        assert_eq!(
            sql,
            ["ALTER TABLE users MODIFY COLUMN name VARCHAR(50) NOT NULL;"]
        );
    }
}
