//! Schema reflection: reading tables back from a live database, as
//! SQLAlchemy's `Inspector` and `MetaData.reflect()` do.
//!
//! [`table_names`], [`reflect_table`] and [`reflect_metadata`] work on any
//! connection whose dialect offers a [`Reflect`] implementation through
//! [`Dialect::reflection`]. The per-database SQL
//! lives in the dialect crates; this module holds the portable description
//! they return ([`ReflectedTable`]), its conversion into a [`Table`], and
//! helpers shared by the dialects (type names, text values).
//!
//! ```no_run
//! # async fn demo() -> aludel_core::Result<()> {
//! use aludel_core::{create_engine, reflect};
//! let engine = create_engine("sqlite:///app.db")?;
//! let mut conn = engine.connect().await?;
//! for name in reflect::table_names(&mut conn).await? {
//!     let table = reflect::reflect_table(&mut conn, &name).await?;
//!     println!("{name}: {:?}", table.map(|t| t.columns.len()));
//! }
//! let md = reflect::reflect_metadata(&mut conn, None).await?;
//! # let _ = md;
//! # Ok(()) }
//! ```

use crate::dialect::{Dialect, TypeContext};
use crate::engine::{BoxFuture, Connection};
use crate::error::{Error, Result};
use crate::name::Name;
use crate::schema::{
    Autoincrement, Column, ForeignKey, Index, MetaData, PrimaryKey, ServerDefault, Table,
    TableBuilder, UniqueConstraint,
};
use crate::types::SqlType;
use crate::value::Value;

/// The per-database half of reflection, implemented by a dialect crate and
/// returned from [`Dialect::reflection`].
///
/// Implementations run their catalog queries through the connection (values
/// bound, never spliced into SQL text) and describe what they find with
/// [`ReflectedTable`].
pub trait Reflect: Send + Sync + 'static {
    /// The user tables of the connection's current database or schema,
    /// without the database's internal tables, in any order.
    fn table_names<'a>(&'a self, conn: &'a mut Connection) -> BoxFuture<'a, Result<Vec<String>>>;

    /// The table called `name` in the current database or schema, or `None`
    /// when there is no such table.
    fn reflect_table<'a>(
        &'a self,
        conn: &'a mut Connection,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ReflectedTable>>>;
}

/// A column as the database describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReflectedColumn {
    /// The column's name.
    pub name: String,
    /// Its type, mapped back to a portable type where one fits.
    pub ty: SqlType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its server default as SQL text, normalised by the dialect.
    pub default: Option<String>,
    /// Whether the database generates its value (rowid, serial, identity,
    /// AUTO_INCREMENT).
    pub autoincrement: bool,
    /// Its comment.
    pub comment: Option<String>,
}

impl ReflectedColumn {
    /// A nullable column without default, comment or autoincrement.
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        ReflectedColumn {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            autoincrement: false,
            comment: None,
        }
    }
}

/// A CHECK constraint as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectedCheck {
    /// The constraint's name, where the database keeps one.
    pub name: Option<String>,
    /// The condition as SQL text, without the `CHECK (...)` around it.
    pub sql: String,
}

/// A table as the database describes it; [`ReflectedTable::into_table`]
/// turns it into a [`Table`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReflectedTable {
    /// The table's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<ReflectedColumn>,
    /// Its primary key (no columns when it has none); named where the
    /// database keeps the name.
    pub primary_key: PrimaryKey,
    /// Its foreign keys, named where the database keeps names; `NO ACTION`
    /// (the default) reads as no action given.
    pub foreign_keys: Vec<ForeignKey>,
    /// Its UNIQUE constraints.
    pub uniques: Vec<UniqueConstraint>,
    /// Its indexes, without those that back the primary key or a UNIQUE
    /// constraint.
    pub indexes: Vec<Index>,
    /// Its CHECK constraints, where the database reports them.
    pub checks: Vec<ReflectedCheck>,
    /// The table comment.
    pub comment: Option<String>,
}

impl ReflectedTable {
    /// The declaration of this table, ready for [`MetaData::add`].
    pub fn into_builder(self) -> TableBuilder {
        let mut b = Table::builder(self.name);
        for c in self.columns {
            let mut col = Column::new(c.name, c.ty)
                .nullable(c.nullable)
                .autoincrement(if c.autoincrement {
                    Autoincrement::Always
                } else {
                    Autoincrement::Never
                });
            if let Some(d) = c.default {
                col = col.server_default_sql(d);
            }
            if let Some(cm) = c.comment {
                col = col.comment(cm);
            }
            b = b.column(col);
        }
        if !self.primary_key.columns.is_empty() {
            b = b.primary_key(self.primary_key.columns);
            if let Some(n) = self.primary_key.name {
                b = b.primary_key_name(n);
            }
        }
        for fk in self.foreign_keys {
            b = b.foreign_key(fk);
        }
        for u in self.uniques {
            b = match u.name {
                Some(n) => b.unique_named(n, u.columns),
                None => b.unique(u.columns),
            };
        }
        for ck in self.checks {
            b = b.check_sql(ck.name.map(Name::from), ck.sql);
        }
        for ix in self.indexes {
            b = b.index(ix);
        }
        if let Some(cm) = self.comment {
            b = b.comment(cm);
        }
        b
    }

    /// Builds the [`Table`] (with the default naming convention, which
    /// names nothing a database reported a name for).
    pub fn into_table(self) -> Result<Table> {
        self.into_builder().build()
    }
}

fn reflector(conn: &Connection) -> Result<&'static dyn Reflect> {
    let d: &'static dyn Dialect = conn.engine().dialect();
    d.reflection().ok_or(Error::Unsupported {
        feature: "schema reflection",
        dialect: d.name(),
    })
}

/// The user tables of the connection's current database (on PostgreSQL,
/// its current schema), sorted by name.
///
/// # Errors
///
/// [`Error::Unsupported`] when the dialect has no reflection; database errors.
pub async fn table_names(conn: &mut Connection) -> Result<Vec<String>> {
    let r = reflector(conn)?;
    let mut names = r.table_names(conn).await?;
    names.sort();
    names.dedup();
    Ok(names)
}

/// The table called `name`, read from the database: columns in order with
/// their types, nullability, server defaults and comments, the primary key,
/// foreign keys, UNIQUE and CHECK constraints, indexes and the table
/// comment. `None` when there is no such table.
///
/// # Errors
///
/// [`Error::Unsupported`] when the dialect has no reflection; database
/// errors; [`Error::InvalidSchema`] when what the database reports does not
/// make a valid [`Table`].
pub async fn reflect_table(conn: &mut Connection, name: &str) -> Result<Option<Table>> {
    let r = reflector(conn)?;
    match r.reflect_table(conn, name).await? {
        Some(t) => Ok(Some(t.into_table()?)),
        None => Ok(None),
    }
}

/// Creates the tables of `metadata` that the database does not have yet,
/// with their indexes, comments, named enum types and deferred foreign
/// keys, leaving existing tables as they are: SQLAlchemy's
/// `metadata.create_all(bind)` with its default `checkfirst=True`, so it
/// can run on every start of a program. Returns the names of the tables
/// it created, in the order it created them.
///
/// An existing table is not compared with its declaration (that is what
/// migrations are for). A named enum type (PostgreSQL) is created unless a
/// table that uses it already exists.
///
/// # Errors
///
/// [`Error::Unsupported`] when the dialect has no reflection; errors of
/// [`create_all`](crate::create_all); database errors.
pub async fn create_all_missing(conn: &mut Connection, metadata: &MetaData) -> Result<Vec<String>> {
    use crate::ddl::Ddl;
    let existing = table_names(conn).await?;
    let exists = |t: &Table| existing.iter().any(|n| n == t.name.as_str());
    // Enum types that come with a table already there.
    let mut present = Vec::new();
    for t in metadata.tables().iter().filter(|t| exists(t)) {
        present.extend(crate::ddl::enums_of(t).map(|e| e.name.clone()));
    }
    let plan = crate::ddl::create_all(metadata, conn.engine().dialect(), false)?;
    let mut created = Vec::new();
    for ddl in plan {
        let wanted = match &ddl {
            Ddl::CreateEnum(e) => !present.contains(&e.name),
            Ddl::CreateTable { table, .. } => {
                let new = !exists(table);
                if new {
                    created.push(table.name.as_str().to_owned());
                }
                new
            }
            Ddl::CreateIndex { table, .. }
            | Ddl::CommentOnTable(table)
            | Ddl::CommentOnColumn { table, .. }
            | Ddl::AddForeignKey { table, .. } => !exists(table),
            _ => true,
        };
        if wanted {
            conn.execute(ddl).await?;
        }
    }
    Ok(created)
}

/// Every user table (or only those named in `only`), as a [`MetaData`]
/// whose foreign keys join them, in name order.
///
/// # Errors
///
/// As [`reflect_table`]; [`Error::InvalidSchema`] when a table named in
/// `only` does not exist.
pub async fn reflect_metadata(conn: &mut Connection, only: Option<&[&str]>) -> Result<MetaData> {
    let r = reflector(conn)?;
    let names: Vec<String> = match only {
        Some(list) => {
            let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            v.sort();
            v.dedup();
            v
        }
        None => table_names(conn).await?,
    };
    let mut md = MetaData::new();
    for name in &names {
        match r.reflect_table(conn, name).await? {
            Some(t) => {
                md.add(t.into_builder())?;
            }
            None => {
                return Err(Error::InvalidSchema(format!(
                    "table {name} does not exist in the database"
                )))
            }
        }
    }
    Ok(md)
}

/// The SQL text that DDL writes for a declared server default in
/// `dialect` (a literal escaped by the dialect, or the SQL as given): what
/// reflection reads back for a default Aludel created, so a declared
/// default compares with a reflected one as text.
pub fn server_default_sql(dialect: &dyn Dialect, default: &ServerDefault) -> Result<String> {
    match default {
        ServerDefault::Sql(s) => Ok(s.clone()),
        ServerDefault::Value(v) => {
            let mut out = String::new();
            dialect.render_literal(v, &mut out)?;
            Ok(out)
        }
    }
}

// ----- helpers for dialects ---------------------------------------------------------

/// The text in a catalog value: a string, or bytes that are UTF-8 (some
/// drivers report catalog text as binary); `None` for NULL and other values.
pub fn text_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bytes(b) => String::from_utf8(b.clone()).ok(),
        _ => None,
    }
}

/// The integer in a catalog value of any integer width (or a decimal or a
/// numeric string); `None` otherwise.
pub fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::I16(i) => Some(i64::from(*i)),
        Value::I32(i) => Some(i64::from(*i)),
        Value::I64(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Decimal(d) => d.to_string().parse().ok(),
        Value::String(_) | Value::Bytes(_) => text_value(v)?.trim().parse().ok(),
        _ => None,
    }
}

/// Whether a catalog value means true (`true`, a non-zero integer, `"YES"`,
/// `"t"`, `"1"`).
pub fn bool_value(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(_) | Value::Bytes(_) => matches!(
            text_value(v)
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
                .as_str(),
            "yes" | "y" | "t" | "true" | "1"
        ),
        other => int_value(other).is_some_and(|i| i != 0),
    }
}

/// The portable type whose spelling in `dialect` is exactly `spelled`
/// (ignoring case and spacing), trying the types without parameters.
/// Reverses [`Dialect::type_sql`], so a dialect's own spellings (such as
/// `CHAR(32)` for [`SqlType::Uuid`]) read back as the type that wrote them.
pub fn type_from_dialect_spelling(dialect: &dyn Dialect, spelled: &str) -> Option<SqlType> {
    const CANDIDATES: [SqlType; 15] = [
        SqlType::Integer,
        SqlType::SmallInt,
        SqlType::BigInt,
        SqlType::Boolean,
        SqlType::Float,
        SqlType::Double,
        SqlType::Text,
        SqlType::Bytes,
        SqlType::Date,
        SqlType::Time,
        SqlType::DateTime,
        SqlType::DateTimeTz,
        SqlType::Uuid,
        SqlType::Json,
        SqlType::JsonB,
    ];
    let want = squash(spelled);
    CANDIDATES.into_iter().find(|c| {
        dialect
            .type_sql(c, TypeContext::Ddl)
            .is_ok_and(|s| squash(&s) == want)
    })
}

fn squash(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
        .replace(", ", ",")
        .replace(" (", "(")
}

/// Maps a type name as databases report it (`VARCHAR(50)`, `character
/// varying(50)`, `int4`, `int(11)`, `numeric(10,2)`, `timestamp with time
/// zone`, ...) to a portable type; names it does not know become
/// [`SqlType::Custom`] with the name as given.
pub fn sql_type_from_name(name: &str) -> SqlType {
    let trimmed = name.trim();
    let lower = squash(trimmed);
    let (base, args) = match lower.find('(') {
        Some(i) => {
            let close = lower.rfind(')').unwrap_or(lower.len());
            let args: Vec<Option<u32>> = lower
                .get(i + 1..close)
                .unwrap_or("")
                .split(',')
                .map(|a| a.trim().parse::<u32>().ok())
                .collect();
            // Whatever follows the parentheses (`unsigned`, `with time zone`)
            // stays part of the base name.
            let tail = lower.get(close + 1..).unwrap_or("").trim();
            let head = lower[..i].trim();
            let base = if tail.is_empty() {
                head.to_string()
            } else {
                format!("{head} {tail}")
            };
            (base, args)
        }
        None => (lower.clone(), Vec::new()),
    };
    let arg = |i: usize| args.get(i).copied().flatten();
    match base.as_str() {
        "varchar" | "character varying" | "nvarchar" | "varchar2" => SqlType::String(arg(0)),
        "text" => SqlType::Text,
        "integer" | "int" | "int4" | "mediumint" => SqlType::Integer,
        "bigint" | "int8" => SqlType::BigInt,
        "smallint" | "int2" => SqlType::SmallInt,
        "boolean" | "bool" => SqlType::Boolean,
        "real" | "float4" => SqlType::Float,
        "float" => match arg(0) {
            Some(p) if p > 24 => SqlType::Double,
            _ => SqlType::Float,
        },
        "double" | "double precision" | "float8" => SqlType::Double,
        "numeric" | "decimal" => SqlType::Numeric {
            precision: arg(0),
            scale: arg(1),
        },
        "blob" | "bytea" | "varbinary" | "longblob" | "mediumblob" => SqlType::Bytes,
        "date" => SqlType::Date,
        "time" | "time without time zone" => SqlType::Time,
        "timestamp" | "timestamp without time zone" | "datetime" => SqlType::DateTime,
        "timestamptz" | "timestamp with time zone" => SqlType::DateTimeTz,
        "uuid" => SqlType::Uuid,
        "json" => SqlType::Json,
        "jsonb" => SqlType::JsonB,
        _ => SqlType::Custom(Name::from(trimmed.to_string())),
    }
}

/// Removes one pair of parentheses that encloses all of `sql` (as databases
/// add around CHECK conditions and defaults), repeatedly.
pub fn strip_outer_parens(sql: &str) -> &str {
    let mut s = sql.trim();
    while s.starts_with('(') && s.ends_with(')') && encloses(s) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

/// Whether the parenthesis opening `s` closes at its last character.
fn encloses(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let n = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == n - 1;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_map_back() {
        assert_eq!(sql_type_from_name("VARCHAR(50)"), SqlType::String(Some(50)));
        assert_eq!(
            sql_type_from_name("character varying(20)"),
            SqlType::String(Some(20))
        );
        assert_eq!(sql_type_from_name("int(11)"), SqlType::Integer);
        assert_eq!(sql_type_from_name("INT4"), SqlType::Integer);
        assert_eq!(sql_type_from_name("bigint(20)"), SqlType::BigInt);
        assert_eq!(
            sql_type_from_name("numeric(10, 2)"),
            SqlType::numeric(10, 2)
        );
        assert_eq!(
            sql_type_from_name("NUMERIC"),
            SqlType::Numeric {
                precision: None,
                scale: None
            }
        );
        assert_eq!(
            sql_type_from_name("timestamp with time zone"),
            SqlType::DateTimeTz
        );
        assert_eq!(
            sql_type_from_name("time(6) without time zone"),
            SqlType::Time
        );
        assert_eq!(sql_type_from_name("double precision"), SqlType::Double);
        assert_eq!(
            sql_type_from_name("point"),
            SqlType::Custom(Name::from("point"))
        );
    }

    #[test]
    fn dialect_spellings_map_back() {
        let d = crate::GenericDialect;
        assert_eq!(
            type_from_dialect_spelling(&d, "char(32)"),
            Some(SqlType::Uuid)
        );
        assert_eq!(
            type_from_dialect_spelling(&d, "DATETIME"),
            Some(SqlType::DateTime)
        );
        assert_eq!(type_from_dialect_spelling(&d, "VARCHAR(3)"), None);
    }

    #[test]
    fn outer_parens() {
        assert_eq!(strip_outer_parens("((a >= 0))"), "a >= 0");
        assert_eq!(strip_outer_parens("(a) AND (b)"), "(a) AND (b)");
        assert_eq!(strip_outer_parens("(')')"), "')'");
    }

    #[test]
    fn catalog_values() {
        assert_eq!(
            text_value(&Value::Bytes(b"ab".to_vec())).as_deref(),
            Some("ab")
        );
        assert_eq!(int_value(&Value::String("12".into())), Some(12));
        assert!(bool_value(&Value::String("YES".into())));
        assert!(!bool_value(&Value::I64(0)));
    }
}
