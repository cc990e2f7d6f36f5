//! Shared fixtures and the snapshot helper of the SQL snapshot tests.
//!
//! [`check`] compiles one statement for SQLite, PostgreSQL and MySQL and
//! compares the SQL text and bound parameters of each with one reviewed
//! snapshot (update them with `UPDATE_EXPECT=1`).

#![allow(dead_code)]

use aludel_core::{compile, dialect_by_name, Column, Dialect, MetaData, SqlType, Statement, Table};
use aludel_core::{Ddl, Result};
use expect_test::Expect;
use std::fmt::Write as _;

// Linking the dialect crates registers them.
use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

/// The dialects every snapshot shows.
pub const DIALECTS: &[&str] = &["sqlite", "postgresql", "mysql"];

/// The same, with MariaDB (for what MariaDB does differently from MySQL).
pub const WITH_MARIADB: &[&str] = &["sqlite", "postgresql", "mysql", "mariadb"];

const INDENT: &str = "            ";

fn dialect(name: &str) -> &'static dyn Dialect {
    dialect_by_name(name).unwrap_or_else(|e| panic!("dialect {name}: {e}"))
}

/// Appends `text` to `out`, indenting every line after the first.
fn push_block(out: &mut String, text: &str) {
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(INDENT);
        }
        out.push_str(line);
    }
    out.push('\n');
}

fn push_label(out: &mut String, name: &str) {
    let label = format!("{name}:");
    let _ = write!(out, "{label:<12}");
}

/// Renders `stmt` compiled for each of `dialects`: the SQL, then its
/// parameters (left out when there are none), or the error.
pub fn render(stmt: &Statement, dialects: &[&str]) -> String {
    let mut out = String::new();
    for name in dialects {
        push_label(&mut out, name);
        match compile(stmt, dialect(name)) {
            Ok(c) => {
                push_block(&mut out, &c.sql);
                if !c.params.is_empty() {
                    let _ = writeln!(out, "{INDENT}params: {:?}", c.params);
                }
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
    }
    out
}

/// Compiles `stmt` for SQLite, PostgreSQL and MySQL and compares the result
/// with the snapshot.
pub fn check(stmt: impl Into<Statement>, expect: Expect) {
    expect.assert_eq(&render(&stmt.into(), DIALECTS));
}

/// As [`check`], for the given dialects.
pub fn check_in(stmt: impl Into<Statement>, dialects: &[&str], expect: Expect) {
    expect.assert_eq(&render(&stmt.into(), dialects));
}

/// Renders a DDL plan (such as `create_all`) for each dialect: every
/// statement followed by `;`, or the error.
pub fn check_plan(
    plan: impl Fn(&'static dyn Dialect) -> Result<Vec<Ddl>>,
    dialects: &[&str],
    expect: Expect,
) {
    let mut out = String::new();
    for name in dialects {
        let d = dialect(name);
        push_label(&mut out, name);
        let rendered = plan(d).and_then(|stmts| {
            let mut text = String::new();
            for s in stmts {
                let c = compile(&Statement::from(s), d)?;
                assert!(c.params.is_empty(), "DDL carries no parameters");
                text.push_str(&c.sql);
                text.push_str(";\n");
            }
            Ok(text)
        });
        match rendered {
            Ok(text) if text.is_empty() => out.push_str("(nothing)\n"),
            Ok(text) => push_block(&mut out, &text),
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
    }
    expect.assert_eq(&out);
}

/// The error of a fallible lookup, as a user reads it.
pub fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// The blog schema the snapshots use.
pub struct Blog {
    /// All of the tables.
    pub md: MetaData,
    /// users(id, name, email UNIQUE).
    pub users: Table,
    /// posts(id, title, content, owner_id -> users.id, score, created_at).
    pub posts: Table,
    /// categories(id, name, parent_id -> categories.id): a tree.
    pub categories: Table,
}

/// The blog schema.
pub fn blog() -> Blog {
    let mut md = MetaData::new();
    let users = md
        .add(
            Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(50)).not_null())
                .column(Column::new("email", SqlType::string(100)).unique()),
        )
        .expect("users");
    let posts = md
        .add(
            Table::builder("posts")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("title", SqlType::string(200)).not_null())
                .column(Column::new("content", SqlType::Text))
                .column(Column::new("owner_id", SqlType::Integer).foreign_key("users.id"))
                .column(Column::new("score", SqlType::Integer))
                .column(Column::new("created_at", SqlType::DateTime)),
        )
        .expect("posts");
    let categories = md
        .add(
            Table::builder("categories")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(50)).not_null())
                .column(Column::new("parent_id", SqlType::Integer).foreign_key("categories.id")),
        )
        .expect("categories");
    Blog {
        md,
        users,
        posts,
        categories,
    }
}

/// Tables beside the blog: awkward identifiers, a composite key, two
/// foreign keys to the same table. They refer to the blog's `users`.
pub struct Extras {
    /// All of the tables.
    pub md: MetaData,
    /// "user": a reserved word, with columns that need quoting.
    pub user: Table,
    /// memberships(user_id -> users.id, group_id, role, joined_at), keyed on both ids.
    pub memberships: Table,
    /// messages(id, sender_id -> users.id, recipient_id -> users.id, body).
    pub messages: Table,
}

/// The extra fixtures.
pub fn extras() -> Extras {
    let mut md = MetaData::new();
    let user = md
        .add(
            Table::builder("user")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("order", SqlType::Integer))
                .column(Column::new("UserName", SqlType::string(50)))
                .column(Column::new("first name", SqlType::string(50)))
                .column(Column::new("2fa", SqlType::Boolean))
                .column(Column::new("say \"hi\"", SqlType::Text))
                .column(Column::new("tick`s", SqlType::Text)),
        )
        .expect("user");
    let memberships = md
        .add(
            Table::builder("memberships")
                .column(Column::new("user_id", SqlType::Integer).foreign_key("users.id"))
                .column(Column::new("group_id", SqlType::Integer))
                .column(Column::new("role", SqlType::string(20)).not_null())
                .column(Column::new("joined_at", SqlType::DateTime))
                .primary_key(["user_id", "group_id"]),
        )
        .expect("memberships");
    let messages = md
        .add(
            Table::builder("messages")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("sender_id", SqlType::Integer).foreign_key("users.id"))
                .column(Column::new("recipient_id", SqlType::Integer).foreign_key("users.id"))
                .column(Column::new("body", SqlType::Text)),
        )
        .expect("messages");
    Extras {
        md,
        user,
        memberships,
        messages,
    }
}

/// A PostgreSQL-only table: documents(id, status doc_status, tags TEXT[], scores INTEGER[]).
pub fn documents() -> (MetaData, Table) {
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder("documents")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new(
                    "status",
                    SqlType::enumeration("doc_status", ["draft", "published"]),
                ))
                .column(Column::new("tags", SqlType::array(SqlType::Text)))
                .column(Column::new("scores", SqlType::array(SqlType::Integer))),
        )
        .expect("documents");
    (md, t)
}

/// Shorthand for `table.c(name)` on a name the fixture declares.
pub fn c(table: &Table, name: &str) -> aludel_core::Expr {
    table
        .c(name)
        .unwrap_or_else(|e| panic!("fixture column: {e}"))
}
