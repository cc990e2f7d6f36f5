//! Prepared statements: the SQL and parameters they compile to on every
//! dialect, how values are bound, and the mistakes binding can make.

mod common;

use aludel_core::{
    bindparam, compile, compile_literal, dialect_by_name, insert, or, select, text, update, Error,
    Prepared, Statement, Value,
};
use common::*;
use expect_test::{expect, Expect};
use std::fmt::Write as _;

/// Prepares `stmt` for each dialect and renders its SQL, parameter names
/// and the statement's own values (NULL where a parameter goes).
fn check_prepared(stmt: impl Into<Statement>, expect: Expect) {
    let stmt = stmt.into();
    let mut out = String::new();
    for name in DIALECTS {
        let d = dialect_by_name(name).unwrap();
        let _ = write!(out, "{:<12}", format!("{name}:"));
        match Prepared::new(stmt.clone(), d) {
            Ok(p) => {
                let names: Vec<&str> = p.param_names().iter().map(|n| n.as_str()).collect();
                let _ = writeln!(out, "{}", p.sql());
                let _ = writeln!(out, "            names: {names:?}");
            }
            Err(e) => {
                let _ = writeln!(out, "error: {e}");
            }
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn parameters_take_each_dialects_placeholders() {
    let b = blog();
    check_prepared(
        select([c(&b.users, "name")])
            .where_(c(&b.users, "id").eq(bindparam("id")))
            .where_(c(&b.users, "name").like(bindparam("pattern"))),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id = ? AND users.name LIKE ?
                        names: ["id", "pattern"]
            postgresql: SELECT users.name FROM users WHERE users.id = $1 AND users.name LIKE $2
                        names: ["id", "pattern"]
            mysql:      SELECT users.name FROM users WHERE users.id = ? AND users.name LIKE ?
                        names: ["id", "pattern"]
        "#]],
    );
}

#[test]
fn a_name_used_twice_is_one_parameter_with_two_placeholders() {
    let b = blog();
    let stmt = select([c(&b.users, "id")]).where_(or([
        c(&b.users, "id").eq(bindparam("n")),
        c(&b.users, "name").eq(bindparam("who")),
        c(&b.users, "email").eq(bindparam("n")),
    ]));
    check_prepared(
        stmt.clone(),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.id = ? OR users.name = ? OR users.email = ?
                        names: ["n", "who"]
            postgresql: SELECT users.id FROM users WHERE users.id = $1 OR users.name = $2 OR users.email = $3
                        names: ["n", "who"]
            mysql:      SELECT users.id FROM users WHERE users.id = ? OR users.name = ? OR users.email = ?
                        names: ["n", "who"]
        "#]],
    );
    let p = Prepared::new(stmt, dialect_by_name("postgresql").unwrap()).unwrap();
    let c = compile(
        &p.bind(7).bind("x").into(),
        dialect_by_name("postgresql").unwrap(),
    )
    .unwrap();
    assert_eq!(
        c.params,
        vec![Value::I32(7), Value::String("x".into()), Value::I32(7)]
    );
    let c = compile(
        &p.set("who", "y").set("n", 8).into(),
        dialect_by_name("postgresql").unwrap(),
    )
    .unwrap();
    assert_eq!(
        c.params,
        vec![Value::I32(8), Value::String("y".into()), Value::I32(8)]
    );
}

#[test]
fn the_statements_own_values_go_with_every_execution() {
    let b = blog();
    let stmt = insert(&b.users)
        .value("id", bindparam("id"))
        .value("name", "fixed")
        .value("email", bindparam("email"));
    check_prepared(
        stmt.clone(),
        expect![[r#"
            sqlite:     INSERT INTO users (id, name, email) VALUES (?, ?, ?)
                        names: ["id", "email"]
            postgresql: INSERT INTO users (id, name, email) VALUES ($1, $2, $3)
                        names: ["id", "email"]
            mysql:      INSERT INTO users (id, name, email) VALUES (?, ?, ?)
                        names: ["id", "email"]
        "#]],
    );
    let d = dialect_by_name("sqlite").unwrap();
    let p = Prepared::new(stmt, d).unwrap();
    for id in [1, 2] {
        let c = compile(&p.bind(id).bind("e@x").into(), d).unwrap();
        assert_eq!(
            c.params,
            vec![
                Value::I32(id),
                Value::String("fixed".into()),
                Value::String("e@x".into())
            ]
        );
    }
}

#[test]
fn a_text_clauses_names_without_values_are_parameters() {
    check_prepared(
        text("SELECT name FROM users WHERE id = :id AND name <> :skip").bind("skip", "x"),
        expect![[r#"
            sqlite:     SELECT name FROM users WHERE id = ? AND name <> ?
                        names: ["id"]
            postgresql: SELECT name FROM users WHERE id = $1 AND name <> $2
                        names: ["id"]
            mysql:      SELECT name FROM users WHERE id = ? AND name <> ?
                        names: ["id"]
        "#]],
    );
}

#[test]
fn a_parameter_in_a_statement_run_directly_is_an_error() {
    let b = blog();
    let stmt = update(&b.users)
        .set("name", bindparam("name"))
        .where_(c(&b.users, "id").eq(1));
    check(
        stmt.clone(),
        expect![[r#"
            sqlite:     error: bind parameter :name has no value (prepare the statement and bind a value to it)
            postgresql: error: bind parameter :name has no value (prepare the statement and bind a value to it)
            mysql:      error: bind parameter :name has no value (prepare the statement and bind a value to it)
        "#]],
    );
    let e = compile_literal(&stmt.into(), dialect_by_name("sqlite").unwrap()).unwrap_err();
    assert_eq!(
        e,
        Error::UnboundParameter {
            name: "name".into()
        }
    );
}

#[test]
fn binding_mistakes_are_reported_when_the_statement_runs() {
    let b = blog();
    let d = dialect_by_name("mysql").unwrap();
    let p = Prepared::new(
        select([c(&b.users, "id")])
            .where_(c(&b.users, "name").eq(bindparam("name")))
            .where_(c(&b.users, "email").eq(bindparam("email"))),
        d,
    )
    .unwrap();
    let err = |s: aludel_core::Bound| compile(&s.into(), d).unwrap_err().to_string();
    assert_eq!(
        err(p.bind("a")),
        "bind parameter :email has no value (prepare the statement and bind a value to it)"
    );
    assert_eq!(
        err(p.set("email", "e")),
        "bind parameter :name has no value (prepare the statement and bind a value to it)"
    );
    assert_eq!(
        err(p.bind("a").bind("b").bind("c")),
        "invalid statement: 3 values bound; the prepared statement has 2 parameters"
    );
    assert_eq!(
        err(p.set("mail", "e")),
        "invalid statement: the prepared statement has no parameter :mail (it has :name, :email)"
    );
    // Compiled for another dialect.
    let e = compile(
        &p.bind("a").bind("b").into(),
        dialect_by_name("postgresql").unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid statement: the statement was prepared for the mysql dialect and runs on postgresql"
    );
    // Values are bound, never written into the text.
    let ok = compile(&p.bind("x'; DROP TABLE users; --").bind("b").into(), d).unwrap();
    assert!(!ok.sql.contains("DROP"), "{}", ok.sql);
    assert_eq!(
        ok.params[0],
        Value::String("x'; DROP TABLE users; --".into())
    );
}

#[test]
fn what_cannot_be_prepared() {
    let b = blog();
    let d = dialect_by_name("sqlite").unwrap();
    let e = Prepared::new(aludel_core::create_table(&b.users), d).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid statement: DDL cannot be prepared; run it directly"
    );
    let p = Prepared::new(select([c(&b.users, "id")]), d).unwrap();
    let e = Prepared::new(p.bound(), d).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid statement: the statement is already prepared"
    );
    let e = compile_literal(&p.bound().into(), d).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid statement: a prepared statement cannot be rendered with literal values"
    );
}

#[test]
fn a_bound_statement_displays_its_sql() {
    let b = blog();
    let p = Prepared::new(
        select([c(&b.users, "id")]).where_(c(&b.users, "id").eq(bindparam("id"))),
        dialect_by_name("postgresql").unwrap(),
    )
    .unwrap();
    assert_eq!(
        Statement::from(p.bind(1)).to_string(),
        "SELECT users.id FROM users WHERE users.id = $1"
    );
    assert!(p.returns_rows());
    assert_eq!(p.dialect(), "postgresql");
}
