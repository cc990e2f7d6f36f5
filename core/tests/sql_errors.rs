//! Bad input: each mistake is an error that names what is wrong, on every
//! dialect, and never a panic.

mod common;

use aludel_core::{
    compile, dialect_by_name, excluded, func, insert, select, update, value, Error, Expr,
    OnConflict, Statement,
};
use common::*;
use expect_test::expect;

/// The error `stmt` compiles to on `dialect`.
fn error_of(stmt: impl Into<Statement>, dialect: &str) -> Error {
    let d = dialect_by_name(dialect).unwrap();
    match compile(&stmt.into(), d) {
        Ok(c) => panic!("expected an error, compiled to {}", c.sql),
        Err(e) => e,
    }
}

#[test]
fn column_of_a_table_not_in_an_explicit_from() {
    let b = blog();
    let stmt = || {
        select(c(&b.users, "name"))
            .from(&b.users)
            .where_(c(&b.posts, "score").gt(1i32))
    };
    check(
        stmt(),
        expect![[r#"
        sqlite:     error: column posts.score refers to posts, which is not in the FROM clause
        postgresql: error: column posts.score refers to posts, which is not in the FROM clause
        mysql:      error: column posts.score refers to posts, which is not in the FROM clause
    "#]],
    );
    assert_eq!(
        error_of(stmt(), "postgresql"),
        Error::ColumnNotInFrom {
            column: "posts.score".into(),
            table: "posts".into(),
        }
    );
}

#[test]
fn column_of_a_table_missing_from_a_join() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.categories, "name")]).join_auto(&b.posts),
        expect![[r#"
            sqlite:     error: column categories.name refers to categories, which is not in the FROM clause
            postgresql: error: column categories.name refers to categories, which is not in the FROM clause
            mysql:      error: column categories.name refers to categories, which is not in the FROM clause
        "#]],
    );
}

#[test]
fn column_of_an_alias_when_only_the_table_is_in_from() {
    let b = blog();
    let u = b.users.alias("u");
    check(
        select(u.c("name").unwrap()).from(&b.users),
        expect![[r#"
            sqlite:     error: column u.name refers to u, which is not in the FROM clause
            postgresql: error: column u.name refers to u, which is not in the FROM clause
            mysql:      error: column u.name refers to u, which is not in the FROM clause
        "#]],
    );
}

#[test]
fn column_outside_a_derived_table() {
    // A subquery in FROM cannot see the enclosing query's tables.
    let b = blog();
    let sq = select(c(&b.posts, "id"))
        .from(&b.posts)
        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .subquery("sq");
    check(
        select(sq.c("id").unwrap()).from(&b.users).from(&sq),
        expect![[r#"
            sqlite:     error: column users.id refers to users, which is not in the FROM clause
            postgresql: error: column users.id refers to users, which is not in the FROM clause
            mysql:      error: column users.id refers to users, which is not in the FROM clause
        "#]],
    );
}

#[test]
fn rows_of_different_lengths() {
    let b = blog();
    let stmt = || {
        insert(&b.users)
            .columns(["name", "email"])
            .row([value("ann"), value("a@x")])
            .row([value("bob")])
    };
    check(
        stmt(),
        expect![[r#"
        sqlite:     error: row 1 of the INSERT has 1 values, expected 2
        postgresql: error: row 1 of the INSERT has 1 values, expected 2
        mysql:      error: row 1 of the INSERT has 1 values, expected 2
    "#]],
    );
    assert_eq!(
        error_of(stmt(), "sqlite"),
        Error::RowArity {
            row: 1,
            expected: 2,
            found: 1,
        }
    );
}

#[test]
fn unknown_column_names_looked_up_by_string() {
    let b = blog();
    expect![[r#"table users has no column named "nmae""#]].assert_eq(&err_text(b.users.c("nmae")));
    assert_eq!(
        b.users.c("nmae").unwrap_err(),
        Error::UnknownColumn {
            source_name: "table users".into(),
            column: "nmae".into(),
        }
    );
    let u = b.users.alias("u");
    expect![[r#"alias u has no column named "nmae""#]].assert_eq(&err_text(u.c("nmae")));
    let sq = select([c(&b.posts, "owner_id"), func::count_star().label("n")])
        .group_by([c(&b.posts, "owner_id")])
        .subquery("counts");
    expect![[r#"alias counts has no column named "count""#]].assert_eq(&err_text(sq.c("count")));
    let cte = select(c(&b.users, "id")).cte("ids");
    expect![[r#"CTE ids has no column named "name""#]].assert_eq(&err_text(cte.c("name")));
}

#[test]
fn unknown_column_in_insert_and_update() {
    let b = blog();
    check(
        insert(&b.users).value("name", "ann").value("emial", "x"),
        expect![[r#"
            sqlite:     error: table users has no column named "emial"
            postgresql: error: table users has no column named "emial"
            mysql:      error: table users has no column named "emial"
        "#]],
    );
    check(
        update(&b.users)
            .set("nmae", "bob")
            .where_(c(&b.users, "id").eq(1i32)),
        expect![[r#"
            sqlite:     error: table users has no column named "nmae"
            postgresql: error: table users has no column named "nmae"
            mysql:      error: table users has no column named "nmae"
        "#]],
    );
    check(
        insert(&b.users)
            .value("name", "ann")
            .on_conflict(OnConflict::columns(["mail"]).do_nothing()),
        expect![[r#"
            sqlite:     error: table users has no column named "mail"
            postgresql: error: table users has no column named "mail"
            mysql:      error: table users has no column named "mail"
        "#]],
    );
    check(
        insert(&b.users)
            .value("name", "ann")
            .on_conflict(OnConflict::columns(["email"]).do_update([("nick", excluded("name"))])),
        expect![[r#"
            sqlite:     error: table users has no column named "nick"
            postgresql: error: table users has no column named "nick"
            mysql:      error: table users has no column named "nick"
        "#]],
    );
}

#[test]
fn empty_statements() {
    let b = blog();
    check(
        select(Vec::<Expr>::new()).from(&b.users),
        expect![[r#"
        sqlite:     error: invalid statement: SELECT has no columns
        postgresql: error: invalid statement: SELECT has no columns
        mysql:      error: invalid statement: SELECT has no columns
    "#]],
    );
    check(
        insert(&b.users)
            .columns(["name"])
            .rows(Vec::<Vec<&str>>::new()),
        expect![[r#"
            sqlite:     error: invalid statement: INSERT into users names columns but has no rows
            postgresql: error: invalid statement: INSERT into users names columns but has no rows
            mysql:      error: invalid statement: INSERT into users names columns but has no rows
        "#]],
    );
    check(
        update(&b.users).where_(c(&b.users, "id").eq(1i32)),
        expect![[r#"
            sqlite:     error: invalid statement: UPDATE of users sets no columns
            postgresql: error: invalid statement: UPDATE of users sets no columns
            mysql:      error: invalid statement: UPDATE of users sets no columns
        "#]],
    );
}

#[test]
fn missing_bind_of_a_text_clause() {
    let stmt = || aludel_core::text("SELECT * FROM users WHERE id = :id");
    check(
        stmt(),
        expect![[r#"
        sqlite:     error: text clause parameter :id has no value
        postgresql: error: text clause parameter :id has no value
        mysql:      error: text clause parameter :id has no value
    "#]],
    );
    assert_eq!(
        error_of(stmt(), "mysql"),
        Error::MissingBind { name: "id".into() }
    );
}

#[test]
fn missing_bind_of_a_text_clause_inside_an_expression() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(aludel_core::text("users.name = :name").into_expr()),
        expect![[r#"
            sqlite:     error: text clause parameter :name has no value
            postgresql: error: text clause parameter :name has no value
            mysql:      error: text clause parameter :name has no value
        "#]],
    );
}

#[test]
fn features_a_dialect_lacks_name_the_feature_and_the_dialect() {
    let b = blog();
    let x = extras();
    let cases: Vec<(&str, Statement)> = vec![
        (
            "mysql",
            insert(&b.users)
                .value("name", "ann")
                .returning(c(&b.users, "id"))
                .into(),
        ),
        (
            "mysql",
            select([c(&b.users, "name"), c(&b.posts, "title")])
                .from(&b.users)
                .full_join(&b.posts, c(&b.posts, "owner_id").eq(c(&b.users, "id")))
                .into(),
        ),
        (
            "sqlite",
            select(c(&b.posts, "title"))
                .distinct_on([c(&b.posts, "owner_id")])
                .into(),
        ),
        ("sqlite", select(&b.users).for_update().into()),
        (
            "sqlite",
            aludel_core::delete(&b.posts)
                .using(&b.users)
                .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
                .into(),
        ),
        (
            "mariadb",
            select(c(&b.users, "name"))
                .from(&b.users)
                .cross_join(
                    select(c(&b.posts, "title"))
                        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
                        .lateral("p"),
                )
                .into(),
        ),
        (
            "mysql",
            insert(&x.memberships)
                .value("user_id", 1i32)
                .value("group_id", 1i32)
                .value("role", "x")
                .on_conflict(
                    OnConflict::columns(["user_id", "group_id"])
                        .update_columns(["role"])
                        .where_(c(&x.memberships, "role").ne("owner")),
                )
                .into(),
        ),
        (
            "mariadb",
            update(&b.users)
                .set("name", "x")
                .returning(c(&b.users, "id"))
                .into(),
        ),
    ];
    let rendered: Vec<String> = cases
        .into_iter()
        .map(|(d, stmt)| {
            let e = error_of(stmt, d);
            assert!(
                matches!(&e, Error::Unsupported { dialect, .. } if *dialect == d),
                "{e:?}"
            );
            format!("{d}: {e}")
        })
        .collect();
    expect![[r#"
        mysql: RETURNING is not supported by the mysql dialect
        mysql: FULL OUTER JOIN is not supported by the mysql dialect
        sqlite: DISTINCT ON is not supported by the sqlite dialect
        sqlite: FOR UPDATE is not supported by the sqlite dialect
        sqlite: DELETE ... USING is not supported by the sqlite dialect
        mariadb: LATERAL is not supported by the mariadb dialect
        mysql: WHERE on an upsert's update is not supported by the mysql dialect
        mariadb: RETURNING is not supported by the mariadb dialect"#]]
    .assert_eq(&rendered.join("\n"));
}

#[test]
fn unsupported_error_value() {
    let b = blog();
    assert_eq!(
        error_of(
            aludel_core::delete(&b.posts)
                .where_(c(&b.posts, "id").eq(1i32))
                .returning(c(&b.posts, "id")),
            "mysql"
        ),
        Error::Unsupported {
            feature: "RETURNING",
            dialect: "mysql",
        }
    );
}

#[test]
fn unknown_dialect() {
    expect![[
        r#"no dialect is registered for "oracle"; registered: mariadb, mysql, postgresql, sqlite"#
    ]]
    .assert_eq(&err_text(dialect_by_name("oracle")));
}

#[test]
fn too_many_bound_parameters_for_one_insert() {
    let b = blog();
    let rows: Vec<[i32; 2]> = (0..20_000).map(|i| [i, i]).collect();
    let stmt = insert(&b.posts).columns(["owner_id", "score"]).rows(rows);
    let rendered: Vec<String> = DIALECTS
        .iter()
        .map(
            |d| match compile(&stmt.clone().into(), dialect_by_name(d).unwrap()) {
                Ok(c) => format!("{d}: {} parameters", c.params.len()),
                Err(e) => format!("{d}: error: {e}"),
            },
        )
        .collect();
    expect![[r#"
        sqlite: error: invalid statement: INSERT of 20000 rows needs 40000 bound parameters; the sqlite dialect allows 32766
        postgresql: 40000 parameters
        mysql: 40000 parameters"#]].assert_eq(&rendered.join("\n"));
}

#[test]
fn identifiers_longer_than_the_database_allows_are_errors_in_ddl() {
    use aludel_core::{compile, create_table, dialect_by_name, Column, SqlType, Table};
    let long = "x".repeat(64);
    let t = Table::builder(long.clone())
        .column(Column::new("id", SqlType::Integer))
        .build()
        .unwrap();
    let pg = dialect_by_name("postgresql").unwrap();
    let err = compile(&create_table(&t).into(), pg).unwrap_err();
    assert!(
        err.to_string()
            .contains("64 bytes long; the postgresql dialect allows at most 63"),
        "{err}"
    );
    // MySQL allows 64, SQLite has no limit.
    assert!(compile(&create_table(&t).into(), dialect_by_name("mysql").unwrap()).is_ok());
    assert!(compile(&create_table(&t).into(), dialect_by_name("sqlite").unwrap()).is_ok());
}

#[test]
fn empty_or_nul_names_are_schema_errors() {
    use aludel_core::{Column, Error, SqlType, Table};
    let e = Table::builder("")
        .column(Column::new("a", SqlType::Integer))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSchema(_)), "{e}");
    let e = Table::builder("t")
        .column(Column::new("", SqlType::Integer))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSchema(_)), "{e}");
    let e = Table::builder("t")
        .column(Column::new("a\0b", SqlType::Integer))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSchema(_)), "{e}");
}
