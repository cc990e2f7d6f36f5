//! Table rebuilds ("batch" mode, SQLAlchemy's `batch_alter_table`): the
//! operations a database's `ALTER TABLE` cannot carry out (SQLite's: a
//! column's type, nullability or default; adding or dropping a unique,
//! check or foreign-key constraint) are made by copying the table.
//!
//! Whether an operation needs a rebuild is read from the dialect's
//! [`Capabilities`]: [`AlterColumnStyle::RenameOnly`] for column changes,
//! no [`alter_add_constraint`](Capabilities::alter_add_constraint) for
//! constraints, and a [`TableRebuild`] that says how. Inside the revision's
//! transaction, [`rebuild`] reflects the table, applies the change to the
//! reflected description, creates the changed table under a temporary
//! name, copies the rows (`INSERT INTO new (cols) SELECT cols FROM old`),
//! drops the old table, renames the new one and recreates the indexes and
//! triggers. The runner switches foreign-key enforcement off around the
//! transaction and checks the foreign keys before it commits (SQLite's
//! procedure for "other kinds of table schema changes").

use crate::error::{Error, Result};
use crate::ops::{self, Op, Step};
use crate::types::parse_type;
use aludel_core::ddl::Ddl;
use aludel_core::dialect::{AlterColumnStyle, Capabilities, TableRebuild};
use aludel_core::engine::Connection;
use aludel_core::expr::func;
use aludel_core::reflect::{int_value, text_value, ReflectedCheck, ReflectedTable};
use aludel_core::schema::{ForeignKey, UniqueConstraint};
use aludel_core::{insert, select, Column, Dialect, Name, SqlType, Statement, Table, TextClause};

/// What a rebuild changes in a table.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A column's type, nullability or server default (`Some(None)`: no
    /// default any more).
    AlterColumn {
        column: String,
        ty: Option<SqlType>,
        nullable: Option<bool>,
        default: Option<Option<String>>,
    },
    /// A new unique constraint.
    AddUnique { name: String, columns: Vec<String> },
    /// A new check constraint.
    AddCheck { name: String, condition: String },
    /// A unique (`unique`) or check constraint removed.
    DropConstraint { name: String, unique: bool },
    /// A new foreign key.
    AddForeignKey(ForeignKey),
    /// A foreign key removed.
    DropForeignKey { name: String },
}

/// An operation carried out by rebuilding its table.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// The table rebuilt.
    pub table: String,
    /// The change.
    pub change: Change,
    /// What runs as usual after the rebuild (an alter_column's rename).
    pub then: Vec<Step>,
}

/// Whether `op` is carried out by rebuilding its table on a dialect with
/// `caps`.
pub(crate) fn needs_rebuild(op: &Op, caps: &Capabilities) -> bool {
    if caps.table_rebuild.is_none() {
        return false;
    }
    match op {
        Op::AlterColumn {
            ty,
            nullable,
            server_default,
            drop_default,
            ..
        } => {
            caps.alter_column == AlterColumnStyle::RenameOnly
                && (ty.is_some() || nullable.is_some() || server_default.is_some() || *drop_default)
        }
        Op::CreateUnique { .. }
        | Op::CreateCheck { .. }
        | Op::DropConstraint { .. }
        | Op::CreateForeignKey { .. }
        | Op::DropForeignKey { .. } => !caps.alter_add_constraint,
        _ => false,
    }
}

/// The rebuild that carries out `op` on `dialect`, or `None` when its
/// statements run as they are.
pub(crate) fn plan(op: &Op, dialect: &dyn Dialect) -> Result<Option<Batch>> {
    if !needs_rebuild(op, dialect.capabilities()) {
        return Ok(None);
    }
    let (table, change, then) = match op {
        Op::AlterColumn {
            table,
            column,
            ty,
            nullable,
            server_default,
            drop_default,
            new_name,
            ..
        } => {
            let ty = match ty {
                Some(t) => Some(
                    parse_type(t).map_err(|e| Error::Invalid(format!("{}: {e}", op.describe())))?,
                ),
                None => None,
            };
            let default = if *drop_default {
                Some(None)
            } else {
                server_default.clone().map(Some)
            };
            let mut then = Vec::new();
            if let Some(n) = new_name {
                then.push(Step::Statement(Statement::Ddl(Box::new(
                    Ddl::RenameColumn {
                        table: ops::named(table)?,
                        from: Name::from(column.clone()),
                        to: Name::from(n.clone()),
                    },
                ))));
            }
            (
                table,
                Change::AlterColumn {
                    column: column.clone(),
                    ty,
                    nullable: *nullable,
                    default,
                },
                then,
            )
        }
        Op::CreateUnique {
            table,
            name,
            columns,
        } => (
            table,
            Change::AddUnique {
                name: name.clone(),
                columns: columns.clone(),
            },
            Vec::new(),
        ),
        Op::CreateCheck {
            table,
            name,
            condition,
        } => (
            table,
            Change::AddCheck {
                name: name.clone(),
                condition: condition.clone(),
            },
            Vec::new(),
        ),
        Op::DropConstraint { table, name, kind } => (
            table,
            Change::DropConstraint {
                name: name.clone(),
                unique: kind == "unique",
            },
            Vec::new(),
        ),
        Op::CreateForeignKey { table, fk } => (
            table,
            Change::AddForeignKey(ops::fk(fk, table)?),
            Vec::new(),
        ),
        Op::DropForeignKey { table, name } => (
            table,
            Change::DropForeignKey { name: name.clone() },
            Vec::new(),
        ),
        _ => return Ok(None),
    };
    Ok(Some(Batch {
        table: table.clone(),
        change,
        then,
    }))
}

/// The error for a rebuild asked of offline (`--sql`) mode, which cannot
/// reflect the table it would copy.
pub(crate) fn offline_error(op: &Op, dialect: &dyn Dialect) -> Error {
    Error::Invalid(format!(
        "{}: {} cannot ALTER this in place, so the migration runner rebuilds the table \
         (a batch copy-and-move), which reads the table's current shape from the database: \
         it runs online (upgrade / downgrade), and offline (--sql) mode cannot write it",
        op.describe(),
        dialect.name()
    ))
}

/// The name the changed table is created under before it replaces the
/// old one.
pub(crate) fn temp_name(table: &str) -> String {
    format!("_aludel_tmp_{table}")
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn names<'a>(it: impl Iterator<Item = Option<&'a Name>>) -> String {
    let v: Vec<&str> = it.flatten().map(|n| n.as_str()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Applies `change` to the reflected table `t`.
fn apply(t: &mut ReflectedTable, change: &Change) -> Result<()> {
    let table = t.name.clone();
    let taken = |t: &ReflectedTable, name: &str| {
        t.uniques
            .iter()
            .filter_map(|u| u.name.as_deref())
            .chain(t.checks.iter().filter_map(|c| c.name.as_deref()))
            .chain(t.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
            .chain(t.primary_key.name.as_deref())
            .any(|n| same(n, name))
    };
    match change {
        Change::AlterColumn {
            column,
            ty,
            nullable,
            default,
        } => {
            let c = t
                .columns
                .iter_mut()
                .find(|c| same(&c.name, column))
                .ok_or_else(|| Error::Invalid(format!("table {table} has no column {column}")))?;
            if let Some(ty) = ty {
                c.ty = ty.clone();
                if !ty.is_integer() {
                    c.autoincrement = false;
                }
            }
            if let Some(n) = nullable {
                c.nullable = *n;
            }
            if let Some(d) = default {
                c.default = d.clone();
            }
        }
        Change::AddUnique { name, columns } => {
            if taken(t, name) {
                return Err(Error::Invalid(format!(
                    "table {table} already has a constraint named {name}"
                )));
            }
            t.uniques.push(UniqueConstraint {
                name: Some(Name::from(name.clone())),
                columns: columns.iter().cloned().map(Name::from).collect(),
            });
        }
        Change::AddCheck { name, condition } => {
            if taken(t, name) {
                return Err(Error::Invalid(format!(
                    "table {table} already has a constraint named {name}"
                )));
            }
            t.checks.push(ReflectedCheck {
                name: Some(name.clone()),
                sql: condition.clone(),
            });
        }
        Change::AddForeignKey(fk) => {
            if let Some(n) = &fk.name {
                if taken(t, n) {
                    return Err(Error::Invalid(format!(
                        "table {table} already has a constraint named {n}"
                    )));
                }
            }
            t.foreign_keys.push(fk.clone());
        }
        Change::DropConstraint { name, unique: true } => {
            let before = t.uniques.len();
            // An unnamed constraint (SQLite keeps none of their names)
            // answers to the name autogenerate gives it.
            let conventional: Vec<bool> = t
                .uniques
                .iter()
                .map(|u| {
                    u.name.is_none()
                        && same(
                            &crate::autogen::conventional_unique_name(&t.name, &u.columns),
                            name,
                        )
                })
                .collect();
            let mut i = 0;
            t.uniques.retain(|u| {
                let hit = conventional[i] || u.name.as_deref().is_some_and(|n| same(n, name));
                i += 1;
                !hit
            });
            if t.uniques.len() == before {
                let hint = if t
                    .indexes
                    .iter()
                    .any(|ix| ix.unique && ix.name.as_deref().is_some_and(|n| same(n, name)))
                {
                    " (it is a unique index: drop it with drop_index)"
                } else {
                    ""
                };
                return Err(Error::Invalid(format!(
                    "table {table} has no unique constraint named {name}{hint}; its named unique constraints: {}",
                    names(t.uniques.iter().map(|u| u.name.as_ref()))
                )));
            }
        }
        Change::DropConstraint {
            name,
            unique: false,
        } => {
            let before = t.checks.len();
            t.checks
                .retain(|c| !c.name.as_deref().is_some_and(|n| same(n, name)));
            if t.checks.len() == before {
                let known: Vec<&str> = t.checks.iter().filter_map(|c| c.name.as_deref()).collect();
                return Err(Error::Invalid(format!(
                    "table {table} has no check constraint named {name}; its named check constraints: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        Change::DropForeignKey { name } => {
            let before = t.foreign_keys.len();
            t.foreign_keys
                .retain(|f| !f.name.as_deref().is_some_and(|n| same(n, name)));
            if t.foreign_keys.len() == before {
                return Err(Error::Invalid(format!(
                    "table {table} has no foreign key named {name}; its named foreign keys: {}",
                    names(t.foreign_keys.iter().map(|f| f.name.as_ref()))
                )));
            }
        }
    }
    Ok(())
}

/// A server default as a column definition may write it: a literal (a
/// string, a number, NULL, TRUE / FALSE, CURRENT_TIMESTAMP and friends)
/// or an expression in parentheses. Databases report an expression
/// default without the parentheses it was declared with (SQLite's
/// `datetime('now')`), which `DEFAULT` does not accept bare.
fn default_sql(sql: &str) -> String {
    let s = sql.trim();
    let upper = s.to_ascii_uppercase();
    let keyword = matches!(
        upper.as_str(),
        "NULL" | "TRUE" | "FALSE" | "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
    );
    let number = {
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && (digits.parse::<f64>().is_ok()
                || (digits.len() > 2
                    && digits[..2].eq_ignore_ascii_case("0x")
                    && digits[2..].chars().all(|c| c.is_ascii_hexdigit())))
    };
    let blob = upper.starts_with("X'") && one_string(&s[1..]);
    if keyword || number || one_string(s) || blob || enclosed(s) {
        s.to_string()
    } else {
        format!("({s})")
    }
}

/// Whether `s` is exactly one string literal (`'it''s'`).
fn one_string(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b'\'' || b[b.len() - 1] != b'\'' {
        return false;
    }
    let mut i = 1;
    while i < b.len() {
        if b[i] == b'\'' {
            if i + 1 < b.len() && b[i + 1] == b'\'' {
                i += 2;
                continue;
            }
            return i == b.len() - 1;
        }
        i += 1;
    }
    false
}

/// Whether the parenthesis opening `s` closes at its end.
fn enclosed(s: &str) -> bool {
    s.starts_with('(') && aludel_core::reflect::strip_outer_parens(s) != s
}

/// A table with the reflected table's name and columns (types as
/// reflected), for the statements that read and drop it.
fn plain(t: &ReflectedTable) -> Result<Table> {
    let mut b = Table::builder(t.name.clone());
    for c in &t.columns {
        b = b.column(Column::new(c.name.clone(), c.ty.clone()));
    }
    Ok(b.build()?)
}

async fn run_sql(conn: &mut Connection, sql: &str) -> Result<()> {
    if !sql.is_empty() {
        conn.execute(TextClause::verbatim(sql)).await?;
    }
    Ok(())
}

/// Rebuilds `table` with `changes` applied (in order, in one copy), on
/// `conn` inside the revision's transaction (foreign keys already off
/// where they could delete child rows).
///
/// # Errors
///
/// With the position of the change at fault where there is one: a change
/// that does not fit the table (an unknown column or constraint, a name
/// already taken); a column made NOT NULL that holds NULLs (found before
/// anything changed). Without: a table that does not exist or that a copy
/// would change; database errors. The caller rolls the transaction back.
pub(crate) async fn rebuild(
    conn: &mut Connection,
    how: &TableRebuild,
    table: &str,
    changes: &[Change],
) -> Result<(), (Option<usize>, Error)> {
    let whole = |e: Error| (None, e);
    let old = reflect(conn, how, table).await.map_err(whole)?;
    let mut new = old.clone();
    for (k, change) in changes.iter().enumerate() {
        apply(&mut new, change).map_err(|e| (Some(k), e))?;
    }
    // A column that becomes NOT NULL must hold no NULL yet: say so, before
    // anything changes, rather than fail on the copy.
    for (was, now) in old.columns.iter().zip(&new.columns) {
        if was.nullable && !now.nullable {
            let n = null_rows(conn, &old, &was.name).await.map_err(whole)?;
            if n > 0 {
                let at = changes.iter().rposition(|c| {
                    matches!(c, Change::AlterColumn { column, nullable: Some(false), .. }
                        if same(column, &was.name))
                });
                return Err((
                    at,
                    Error::Invalid(format!(
                        "column {table}.{} cannot become NOT NULL: {n} row{} hold{} NULL in it; \
                         fill them first (an UPDATE in an earlier operation)",
                        was.name,
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "s" } else { "" },
                    )),
                ));
            }
        }
    }
    copy(conn, how, table, &old, &new).await.map_err(whole)
}

/// The table as reflected, unless it has what a copy would lose.
async fn reflect(conn: &mut Connection, how: &TableRebuild, table: &str) -> Result<ReflectedTable> {
    let dialect = conn.engine().dialect();
    let reflector = dialect.reflection().ok_or_else(|| {
        Error::Invalid(format!(
            "rebuilding table {table} needs schema reflection, which the {} dialect lacks",
            dialect.name()
        ))
    })?;
    let old = reflector
        .reflect_table(conn, table)
        .await?
        .ok_or_else(|| Error::Invalid(format!("table {table} does not exist")))?;
    if !how.unsupported_query.is_empty() {
        let lost: Vec<String> = conn
            .execute(aludel_core::text(how.unsupported_query).bind("table", table))
            .await?
            .all()
            .iter()
            .filter_map(|r| r.values().first().and_then(text_value))
            .collect();
        if !lost.is_empty() {
            return Err(Error::Invalid(format!(
                "table {table} has {}, which a rebuilt copy would not keep ({} cannot make \
                 this change in place); make it with execute operations instead",
                lost.join(", "),
                dialect.name()
            )));
        }
    }
    Ok(old)
}

/// How many rows of `t` hold NULL in `column`.
async fn null_rows(conn: &mut Connection, t: &ReflectedTable, column: &str) -> Result<i64> {
    let t = plain(t)?;
    let n: Option<i64> = conn
        .execute(
            select(func::count_star())
                .from(&t)
                .where_(t.c(column)?.is_null()),
        )
        .await?
        .scalar()?;
    Ok(n.unwrap_or(0))
}

/// Replaces the table `old` by `new` (same name and columns): create,
/// copy, drop, rename, and the indexes and triggers again.
async fn copy(
    conn: &mut Connection,
    how: &TableRebuild,
    table: &str,
    old: &ReflectedTable,
    new: &ReflectedTable,
) -> Result<()> {
    let old_table = plain(old)?;
    // What dropping the table drops with it, to create again afterwards.
    let dependents: Vec<String> = if how.dependents_query.is_empty() {
        Vec::new()
    } else {
        conn.execute(aludel_core::text(how.dependents_query).bind("table", table))
            .await?
            .all()
            .iter()
            .filter_map(|r| r.values().first().and_then(text_value))
            .collect()
    };

    let tmp = temp_name(table);
    let mut shape = new.clone();
    shape.indexes.clear();
    for c in &mut shape.columns {
        c.default = c.default.as_deref().map(default_sql);
    }
    shape.name = tmp.clone();
    let new_table = shape.into_table()?;
    let cols: Vec<Name> = new_table.columns.iter().map(|c| c.name.clone()).collect();
    let exprs = cols
        .iter()
        .map(|c| old_table.c(c))
        .collect::<aludel_core::Result<Vec<_>>>()?;
    conn.execute(Ddl::CreateTable {
        table: new_table.clone(),
        if_not_exists: false,
    })
    .await?;
    conn.execute(
        insert(&new_table)
            .columns(cols)
            .from_query(select(exprs).from(&old_table)),
    )
    .await?;
    conn.execute(Ddl::DropTable {
        table: old_table,
        if_exists: false,
    })
    .await?;
    run_sql(conn, how.around_rename.0).await?;
    conn.execute(Ddl::RenameTable {
        table: new_table,
        to: Name::from(table.to_string()),
    })
    .await?;
    run_sql(conn, how.around_rename.1).await?;
    if how.dependents_query.is_empty() {
        let indexed = new.clone().into_table()?;
        for ix in &indexed.indexes {
            if let Some(name) = &ix.name {
                conn.execute(Ddl::CreateIndex {
                    table: indexed.clone(),
                    index: name.clone(),
                    if_not_exists: false,
                })
                .await?;
            }
        }
    } else {
        for sql in &dependents {
            run_sql(conn, sql).await?;
        }
    }
    Ok(())
}

/// Whether foreign keys are enforced on `conn`.
pub(crate) async fn foreign_keys_enforced(
    conn: &mut Connection,
    how: &TableRebuild,
) -> Result<bool> {
    if how.foreign_keys_query.is_empty() {
        return Ok(false);
    }
    let rows = conn
        .execute(TextClause::verbatim(how.foreign_keys_query))
        .await?
        .all();
    Ok(rows
        .first()
        .and_then(|r| r.values().first().and_then(int_value))
        .is_some_and(|v| v != 0))
}

/// Switches foreign-key enforcement off (`on` false) or on.
pub(crate) async fn switch_foreign_keys(
    conn: &mut Connection,
    how: &TableRebuild,
    on: bool,
) -> Result<()> {
    run_sql(
        conn,
        if on {
            how.foreign_keys_on
        } else {
            how.foreign_keys_off
        },
    )
    .await
}

/// The foreign keys broken in the database, described (`3 rows of posts
/// refer to missing rows of users`), or `None` when none is.
pub(crate) async fn broken_foreign_keys(
    conn: &mut Connection,
    how: &TableRebuild,
) -> Result<Option<String>> {
    if how.foreign_key_check.is_empty() {
        return Ok(None);
    }
    let rows = conn
        .execute(TextClause::verbatim(how.foreign_key_check))
        .await?
        .all();
    if rows.is_empty() {
        return Ok(None);
    }
    let mut counts: Vec<((String, String), usize)> = Vec::new();
    for r in &rows {
        let v = r.values();
        let child = v.first().and_then(text_value).unwrap_or_default();
        let parent = v.get(2).and_then(text_value).unwrap_or_default();
        let key = (child, parent);
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    Ok(Some(
        counts
            .iter()
            .map(|((child, parent), n)| {
                format!(
                    "{n} row{} of {child} refer{} to missing rows of {parent}",
                    if *n == 1 { "" } else { "s" },
                    if *n == 1 { "s" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_written_so_that_ddl_accepts_them() {
        assert_eq!(default_sql("'x'"), "'x'");
        assert_eq!(default_sql("'it''s'"), "'it''s'");
        assert_eq!(default_sql("-1"), "-1");
        assert_eq!(default_sql("2.5"), "2.5");
        assert_eq!(default_sql("0x1F"), "0x1F");
        assert_eq!(default_sql("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
        assert_eq!(default_sql("null"), "null");
        assert_eq!(default_sql("X'00ff'"), "X'00ff'");
        assert_eq!(default_sql("datetime('now')"), "(datetime('now'))");
        assert_eq!(default_sql("1+2"), "(1+2)");
        assert_eq!(default_sql("'a' || 'b'"), "('a' || 'b')");
        assert_eq!(default_sql("(1) + (2)"), "((1) + (2))");
        assert_eq!(default_sql("(1 + 2)"), "(1 + 2)");
    }
}
