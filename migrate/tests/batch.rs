//! Column and constraint changes on every backend: natively where the
//! database's ALTER TABLE can make them, by rebuilding the table (a batch
//! copy-and-move) on SQLite. Either way the rows, the indexes and the
//! foreign keys both ways (a child with ON DELETE CASCADE included) stay;
//! a failing change leaves data and schema as they were.

mod common;

use aludel_core::engine::{Engine, EngineOptions};
use aludel_core::reflect::reflect_table;
use aludel_core::schema::FkAction;
use aludel_core::{text, SqlType, Table};
use aludel_migrate::{offline_sql, Error, Graph, Migrator, Revision};
use common::dir_with;
use std::path::Path;

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Users with an index, a unique index, a unique constraint and a check;
/// posts referencing users with ON DELETE CASCADE.
const BASE: &str = r#"
revision = "ba00ba00ba00"
message = "users and posts"
created = "2026-11-25T10:00:00Z"

[[upgrade]]
op = "create_table"
table = "bat_users"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "name", type = "String(50)" },
    { name = "email", type = "String(100)" },
    { name = "code", type = "String(10)" },
    { name = "score", type = "Integer", server_default = "0" },
]
unique = [ { name = "uq_bat_users_code", columns = ["code"] } ]
checks = [ { name = "ck_bat_users_score", condition = "score >= 0" } ]

[[upgrade]]
op = "create_index"
table = "bat_users"
name = "ix_bat_users_name"
columns = ["name"]

[[upgrade]]
op = "create_index"
table = "bat_users"
name = "ux_bat_users_email"
columns = ["email"]
unique = true

[[upgrade]]
op = "create_table"
table = "bat_posts"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "owner_id", type = "Integer" },
    { name = "title", type = "String(100)" },
]
foreign_keys = [
    { name = "fk_bat_posts_owner", columns = ["owner_id"], ref_table = "bat_users", ref_columns = ["id"], on_delete = "cascade" },
]

[[upgrade]]
op = "create_index"
table = "bat_posts"
name = "ix_bat_posts_owner_id"
columns = ["owner_id"]

[[downgrade]]
op = "drop_table"
table = "bat_posts"

[[downgrade]]
op = "drop_table"
table = "bat_users"
"#;

/// Changes a column's type in both tables, and another's nullability and
/// default.
const ALTER: &str = r#"
revision = "ba11ba11ba11"
down_revision = ["ba00ba00ba00"]
message = "alter columns"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "alter_column"
table = "bat_users"
column = "name"
type = "String(200)"

[[upgrade]]
op = "alter_column"
table = "bat_users"
column = "score"
nullable = false
server_default = "7"
existing_type = "Integer"

[[upgrade]]
op = "alter_column"
table = "bat_posts"
column = "title"
type = "String(250)"

[[downgrade]]
op = "alter_column"
table = "bat_posts"
column = "title"
type = "String(100)"

[[downgrade]]
op = "alter_column"
table = "bat_users"
column = "score"
nullable = true
server_default = "0"
existing_type = "Integer"

[[downgrade]]
op = "alter_column"
table = "bat_users"
column = "name"
type = "String(50)"
"#;

/// Adds a unique and a check constraint.
const CONSTRAINTS: &str = r#"
revision = "ba22ba22ba22"
down_revision = ["ba00ba00ba00"]
message = "constraints"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "create_unique"
table = "bat_users"
name = "uq_bat_users_name"
columns = ["name"]

[[upgrade]]
op = "create_check"
table = "bat_users"
name = "ck_bat_users_email"
condition = "email <> ''"

[[downgrade]]
op = "drop_constraint"
table = "bat_users"
name = "ck_bat_users_email"
kind = "check"

[[downgrade]]
op = "drop_constraint"
table = "bat_users"
name = "uq_bat_users_name"
kind = "unique"
"#;

/// Replaces the cascading foreign key with one that refuses.
const FOREIGN_KEYS: &str = r#"
revision = "ba33ba33ba33"
down_revision = ["ba00ba00ba00"]
message = "foreign keys"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "drop_foreign_key"
table = "bat_posts"
name = "fk_bat_posts_owner"

[[upgrade]]
op = "create_foreign_key"
table = "bat_posts"
name = "fk_bat_posts_owner_strict"
columns = ["owner_id"]
ref_table = "bat_users"
ref_columns = ["id"]

[[downgrade]]
op = "drop_foreign_key"
table = "bat_posts"
name = "fk_bat_posts_owner_strict"

[[downgrade]]
op = "create_foreign_key"
table = "bat_posts"
name = "fk_bat_posts_owner"
columns = ["owner_id"]
ref_table = "bat_users"
ref_columns = ["id"]
on_delete = "cascade"
"#;

/// Widens a column (which works), then makes a column with NULLs NOT NULL
/// (which cannot).
const NOT_NULL_OVER_NULLS: &str = r#"
revision = "ba44ba44ba44"
down_revision = ["ba00ba00ba00"]
message = "email required"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "alter_column"
table = "bat_users"
column = "name"
type = "String(300)"

[[upgrade]]
op = "alter_column"
table = "bat_users"
column = "email"
nullable = false
existing_type = "String(100)"

[[downgrade]]
op = "alter_column"
table = "bat_users"
column = "email"
nullable = true
existing_type = "String(100)"
"#;

/// A table of tags whose post ids are partly orphans.
const TAGS: &str = r#"
revision = "ba55ba55ba55"
down_revision = ["ba00ba00ba00"]
message = "tags"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "create_table"
table = "bat_tags"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "post_id", type = "Integer" },
]

[[upgrade]]
op = "bulk_insert"
table = "bat_tags"
rows = [ { id = 1, post_id = 10 }, { id = 2, post_id = 999 } ]

[[downgrade]]
op = "drop_table"
table = "bat_tags"
"#;

/// A foreign key that the orphan tag breaks.
const TAGS_FK: &str = r#"
revision = "ba66ba66ba66"
down_revision = ["ba55ba55ba55"]
message = "tags reference posts"
created = "2026-11-25T12:00:00Z"

[[upgrade]]
op = "create_foreign_key"
table = "bat_tags"
name = "fk_bat_tags_post"
columns = ["post_id"]
ref_table = "bat_posts"
ref_columns = ["id"]

[[downgrade]]
op = "drop_foreign_key"
table = "bat_tags"
name = "fk_bat_tags_post"
"#;

/// SQLite (one pooled connection, so that every check runs on the
/// connection the runner used) and the servers that are configured.
fn backends(test: &str) -> Vec<(&'static str, Engine)> {
    common::backends_with(test, |b| {
        let o = EngineOptions::default();
        if b == "sqlite" {
            o.pool_size(1).max_overflow(0)
        } else {
            o
        }
    })
}

async fn clean(engine: &Engine) {
    let mut c = engine.connect().await.unwrap();
    for t in ["bat_tags", "bat_posts", "bat_users", "aludel_version"] {
        let _ = c.execute(text(&format!("DROP TABLE IF EXISTS {t}"))).await;
    }
}

async fn sql(engine: &Engine, b: &str, s: &str) {
    let mut c = engine.connect().await.unwrap();
    c.execute(text(s))
        .await
        .unwrap_or_else(|e| panic!("{b}: {s}: {e}"));
}

/// The error of a statement that must fail.
async fn sql_err(engine: &Engine, b: &str, s: &str) -> aludel_core::Error {
    let mut c = engine.connect().await.unwrap();
    match c.execute(text(s)).await {
        Ok(_) => panic!("{b}: {s}: succeeded"),
        Err(e) => e,
    }
}

async fn seed(engine: &Engine, b: &str) {
    sql(
        engine,
        b,
        "INSERT INTO bat_users (id, name, email, code, score) VALUES \
         (1, 'Alice', 'a@example.com', 'A1', 5), (2, 'Bob', NULL, 'B2', 3), \
         (3, NULL, 'c@example.com', 'C3', 0)",
    )
    .await;
    sql(
        engine,
        b,
        "INSERT INTO bat_posts (id, owner_id, title) VALUES \
         (10, 1, 'first'), (11, 1, 'second'), (12, 2, 'third')",
    )
    .await;
}

type UserRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

async fn users(engine: &Engine) -> Vec<UserRow> {
    let mut c = engine.connect().await.unwrap();
    c.fetch_all(text(
        "SELECT id, name, email, code, score FROM bat_users ORDER BY id",
    ))
    .await
    .unwrap()
}

async fn posts(engine: &Engine) -> Vec<(i64, Option<i64>, Option<String>)> {
    let mut c = engine.connect().await.unwrap();
    c.fetch_all(text(
        "SELECT id, owner_id, title FROM bat_posts ORDER BY id",
    ))
    .await
    .unwrap()
}

async fn reflect(engine: &Engine, table: &str) -> Table {
    let mut c = engine.connect().await.unwrap();
    reflect_table(&mut c, table)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("table {table} is missing"))
}

/// A table's reflected shape, one line per part, in a stable order.
async fn shape(engine: &Engine, table: &str) -> Vec<String> {
    let t = reflect(engine, table).await;
    let mut out = Vec::new();
    for c in &t.columns {
        out.push(format!(
            "column {} {:?} nullable={} default={:?} autoincrement={}",
            c.name, c.ty, c.nullable, c.server_default, c.autoincrement
        ));
    }
    out.push(format!("primary key {:?}", t.primary_key.columns));
    let mut rest = Vec::new();
    for f in &t.foreign_keys {
        rest.push(format!(
            "foreign key {:?} {:?} -> {} {:?} on delete {:?} on update {:?}",
            f.name, f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update
        ));
    }
    for u in &t.uniques {
        rest.push(format!("unique {:?} {:?}", u.name, u.columns));
    }
    for c in &t.checks {
        rest.push(format!("check {:?} {:?}", c.name, c.sql()));
    }
    for ix in &t.indexes {
        rest.push(format!(
            "index {:?} {:?} unique={}",
            ix.name, ix.columns, ix.unique
        ));
    }
    rest.sort();
    out.extend(rest);
    out
}

/// `shape` without the lines of the columns named.
fn without(shape: &[String], columns: &[&str]) -> Vec<String> {
    shape
        .iter()
        .filter(|l| {
            !columns
                .iter()
                .any(|c| l.starts_with(&format!("column {c} ")))
        })
        .cloned()
        .collect()
}

/// `shape` without the indexes MySQL creates for foreign keys (named
/// after them) and keeps when they are dropped.
fn without_fk_indexes(shape: &[String]) -> Vec<String> {
    shape
        .iter()
        .filter(|l| !l.starts_with("index Some(\"fk_"))
        .cloned()
        .collect()
}

async fn count(engine: &Engine, s: &str) -> i64 {
    let mut c = engine.connect().await.unwrap();
    c.execute(text(s))
        .await
        .unwrap()
        .scalar::<i64>()
        .unwrap()
        .unwrap_or(0)
}

#[tokio::test]
async fn altering_columns_keeps_rows_indexes_and_foreign_keys() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("alter", &[BASE, ALTER])).unwrap();
    for (b, engine) in backends("alter") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba00ba00ba00").await.unwrap();
        seed(&engine, b).await;
        let (users0, posts0) = (users(&engine).await, posts(&engine).await);
        let (ushape0, pshape0) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );

        m.upgrade("head")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(m.current().await.unwrap(), ["ba11ba11ba11"], "{b}");
        assert_eq!(users(&engine).await, users0, "{b}: every user kept");
        assert_eq!(posts(&engine).await, posts0, "{b}: every post kept");
        let (ushape, pshape) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );
        assert_eq!(
            without(&ushape, &["name", "score"]),
            without(&ushape0, &["name", "score"]),
            "{b}: the rest of users is as it was"
        );
        assert_eq!(
            without(&pshape, &["title"]),
            without(&pshape0, &["title"]),
            "{b}: the rest of posts is as it was"
        );
        let u = reflect(&engine, "bat_users").await;
        let name = u.column("name").unwrap();
        assert_eq!(name.ty, SqlType::String(Some(200)), "{b}");
        assert!(name.nullable, "{b}");
        let score = u.column("score").unwrap();
        assert!(!score.nullable, "{b}");
        assert!(
            format!("{:?}", score.server_default).contains('7'),
            "{b}: {:?}",
            score.server_default
        );
        let p = reflect(&engine, "bat_posts").await;
        assert_eq!(
            p.column("title").unwrap().ty,
            SqlType::String(Some(250)),
            "{b}"
        );
        let fk = &p.foreign_keys[0];
        assert_eq!(
            (fk.ref_table.as_str(), fk.on_delete),
            ("bat_users", Some(FkAction::Cascade)),
            "{b}"
        );

        // The constraints still hold, the new default applies.
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, email) VALUES (4, 'a@example.com')",
        )
        .await;
        assert!(e.is_integrity(), "{b}: unique index: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, code) VALUES (4, 'A1')",
        )
        .await;
        assert!(e.is_integrity(), "{b}: unique constraint: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, score) VALUES (4, -1)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: check: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_posts (id, owner_id) VALUES (13, 999)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: foreign key: {e}");
        sql(
            &engine,
            b,
            "INSERT INTO bat_users (id, name) VALUES (4, 'Dan')",
        )
        .await;
        assert_eq!(
            count(&engine, "SELECT score FROM bat_users WHERE id = 4").await,
            7,
            "{b}: new default"
        );
        sql(&engine, b, "DELETE FROM bat_users WHERE id = 4").await;

        m.downgrade("-1")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(m.current().await.unwrap(), ["ba00ba00ba00"], "{b}");
        assert_eq!(users(&engine).await, users0, "{b}: kept on the way down");
        assert_eq!(posts(&engine).await, posts0, "{b}: kept on the way down");
        assert_eq!(shape(&engine, "bat_users").await, ushape0, "{b}");
        assert_eq!(shape(&engine, "bat_posts").await, pshape0, "{b}");

        // Deleting a user still cascades to its posts.
        sql(&engine, b, "DELETE FROM bat_users WHERE id = 1").await;
        assert_eq!(
            posts(&engine).await,
            [(12, Some(2), Some("third".to_string()))],
            "{b}: cascade"
        );
        clean(&engine).await;
    }
}

#[tokio::test]
async fn unique_and_check_constraints_come_and_go() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("constraints", &[BASE, CONSTRAINTS])).unwrap();
    for (b, engine) in backends("constraints") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba00ba00ba00").await.unwrap();
        seed(&engine, b).await;
        let (users0, posts0) = (users(&engine).await, posts(&engine).await);
        let (ushape0, pshape0) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );

        m.upgrade("head")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(users(&engine).await, users0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        assert_eq!(shape(&engine, "bat_posts").await, pshape0, "{b}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, name) VALUES (4, 'Alice')",
        )
        .await;
        assert!(e.is_integrity(), "{b}: new unique: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, email) VALUES (4, '')",
        )
        .await;
        assert!(e.is_integrity(), "{b}: new check: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_users (id, score) VALUES (4, -1)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: old check: {e}");
        let u = reflect(&engine, "bat_users").await;
        assert!(
            u.uniques
                .iter()
                .any(|q| q.columns.iter().map(|c| c.as_str()).eq(["name"])),
            "{b}: {:?}",
            u.uniques
        );

        m.downgrade("-1")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(shape(&engine, "bat_users").await, ushape0, "{b}");
        assert_eq!(users(&engine).await, users0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        sql(
            &engine,
            b,
            "INSERT INTO bat_users (id, name, email) VALUES (4, 'Alice', '')",
        )
        .await;
        sql(&engine, b, "DELETE FROM bat_users WHERE id = 4").await;
        clean(&engine).await;
    }
}

#[tokio::test]
async fn foreign_keys_are_dropped_and_created() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("fks", &[BASE, FOREIGN_KEYS])).unwrap();
    for (b, engine) in backends("fks") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba00ba00ba00").await.unwrap();
        seed(&engine, b).await;
        let (users0, posts0) = (users(&engine).await, posts(&engine).await);
        let (ushape0, pshape0) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );

        m.upgrade("head")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(users(&engine).await, users0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        assert_eq!(shape(&engine, "bat_users").await, ushape0, "{b}");
        let p = reflect(&engine, "bat_posts").await;
        let fks: Vec<_> = p
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_deref(), f.ref_table.as_str(), f.on_delete))
            .collect();
        assert_eq!(
            fks,
            [(Some("fk_bat_posts_owner_strict"), "bat_users", None)],
            "{b}"
        );
        let e = sql_err(&engine, b, "DELETE FROM bat_users WHERE id = 1").await;
        assert!(e.is_integrity(), "{b}: no cascade now: {e}");
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_posts (id, owner_id) VALUES (13, 999)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: still a foreign key: {e}");

        m.downgrade("-1")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(shape(&engine, "bat_posts").await, pshape0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        sql(&engine, b, "DELETE FROM bat_users WHERE id = 2").await;
        assert_eq!(
            count(&engine, "SELECT COUNT(*) FROM bat_posts WHERE owner_id = 2").await,
            0,
            "{b}: cascades again"
        );
        clean(&engine).await;
    }
}

#[tokio::test]
async fn not_null_over_nulls_fails_and_leaves_everything_as_it_was() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("notnull", &[BASE, NOT_NULL_OVER_NULLS])).unwrap();
    for (b, engine) in backends("notnull") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba00ba00ba00").await.unwrap();
        seed(&engine, b).await;
        let (users0, posts0) = (users(&engine).await, posts(&engine).await);
        let (ushape0, pshape0) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );

        let e = m.upgrade("head").await.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Operation { index: 2, .. }), "{b}: {msg}");
        assert!(msg.contains("alter_column bat_users.email"), "{b}: {msg}");
        assert!(
            msg.contains("the database is at ba00ba00ba00"),
            "{b}: {msg}"
        );
        if !engine.dialect().capabilities().alter_add_constraint {
            assert!(
                msg.contains("cannot become NOT NULL: 1 row holds NULL"),
                "{b}: {msg}"
            );
        }
        assert_eq!(m.current().await.unwrap(), ["ba00ba00ba00"], "{b}");
        assert_eq!(users(&engine).await, users0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        if engine.dialect().capabilities().transactional_ddl {
            // The first operation, which worked, was rolled back too.
            assert_eq!(shape(&engine, "bat_users").await, ushape0, "{b}");
        } else {
            assert_eq!(
                without(&shape(&engine, "bat_users").await, &["name"]),
                without(&ushape0, &["name"]),
                "{b}"
            );
        }
        assert_eq!(shape(&engine, "bat_posts").await, pshape0, "{b}");
        // Foreign keys are enforced again, cascades included.
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_posts (id, owner_id) VALUES (13, 999)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: foreign key: {e}");
        sql(&engine, b, "DELETE FROM bat_users WHERE id = 1").await;
        assert_eq!(
            count(&engine, "SELECT COUNT(*) FROM bat_posts").await,
            1,
            "{b}: cascade"
        );
        clean(&engine).await;
    }
}

#[tokio::test]
async fn a_foreign_key_that_rows_break_is_refused() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("orphans", &[BASE, TAGS, TAGS_FK])).unwrap();
    for (b, engine) in backends("orphans") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba55ba55ba55").await.unwrap();
        seed(&engine, b).await;
        let tags0 = shape(&engine, "bat_tags").await;

        let e = m.upgrade("head").await.unwrap_err();
        let msg = e.to_string();
        if engine.dialect().capabilities().table_rebuild.is_some() {
            assert!(matches!(e, Error::ForeignKeyCheck { .. }), "{b}: {msg}");
            assert!(
                msg.contains("1 row of bat_tags refers to missing rows of bat_posts"),
                "{b}: {msg}"
            );
        } else {
            assert!(matches!(e, Error::Operation { index: 1, .. }), "{b}: {msg}");
        }
        assert!(
            msg.contains("the database is at ba55ba55ba55"),
            "{b}: {msg}"
        );
        assert_eq!(m.current().await.unwrap(), ["ba55ba55ba55"], "{b}");
        assert_eq!(shape(&engine, "bat_tags").await, tags0, "{b}");
        assert_eq!(
            count(&engine, "SELECT COUNT(*) FROM bat_tags").await,
            2,
            "{b}"
        );
        // With the orphan gone, the foreign key goes in.
        sql(&engine, b, "DELETE FROM bat_tags WHERE post_id = 999").await;
        m.upgrade("head")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        let e = sql_err(
            &engine,
            b,
            "INSERT INTO bat_tags (id, post_id) VALUES (3, 999)",
        )
        .await;
        assert!(e.is_integrity(), "{b}: {e}");
        m.downgrade("ba55ba55ba55")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        // MySQL keeps the index it made for the foreign key.
        assert_eq!(
            without_fk_indexes(&shape(&engine, "bat_tags").await),
            tags0,
            "{b}"
        );
        clean(&engine).await;
    }
}

#[tokio::test]
async fn a_unique_constraint_over_duplicates_fails_and_leaves_everything() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("dups", &[BASE, CONSTRAINTS])).unwrap();
    for (b, engine) in backends("dups") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba00ba00ba00").await.unwrap();
        seed(&engine, b).await;
        sql(
            &engine,
            b,
            "INSERT INTO bat_users (id, name, code) VALUES (4, 'Alice', 'D4')",
        )
        .await;
        let (users0, posts0) = (users(&engine).await, posts(&engine).await);
        let (ushape0, pshape0) = (
            shape(&engine, "bat_users").await,
            shape(&engine, "bat_posts").await,
        );
        let e = m.upgrade("head").await.unwrap_err();
        let msg = e.to_string();
        match &e {
            Error::Operation { index, source, .. } => {
                assert_eq!(*index, 1, "{b}: {msg}");
                assert!(
                    matches!(&**source, Error::Core(c) if c.is_integrity()),
                    "{b}: {msg}"
                );
            }
            _ => panic!("{b}: {msg}"),
        }
        assert!(
            msg.contains("create_unique uq_bat_users_name on bat_users"),
            "{b}: {msg}"
        );
        if engine.dialect().capabilities().table_rebuild.is_some() {
            assert!(
                msg.contains("one rebuild of the table for operations 1 to 2"),
                "{b}: {msg}"
            );
        }
        assert_eq!(m.current().await.unwrap(), ["ba00ba00ba00"], "{b}");
        assert_eq!(users(&engine).await, users0, "{b}");
        assert_eq!(posts(&engine).await, posts0, "{b}");
        assert_eq!(shape(&engine, "bat_users").await, ushape0, "{b}");
        assert_eq!(shape(&engine, "bat_posts").await, pshape0, "{b}");
        clean(&engine).await;
    }
}

/// A tree: nodes referencing their parent node, deleted with it.
const NODES: &str = r#"
revision = "ba88ba88ba88"
message = "nodes"
created = "2026-11-25T12:00:00Z"

[[upgrade]]
op = "create_table"
table = "bat_nodes"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "parent_id", type = "Integer" },
    { name = "label", type = "String(20)", server_default = "'x'" },
]
foreign_keys = [
    { name = "fk_bat_nodes_parent", columns = ["parent_id"], ref_table = "bat_nodes", ref_columns = ["id"], on_delete = "cascade" },
]

[[downgrade]]
op = "drop_table"
table = "bat_nodes"
"#;

/// Widens the label and drops its default.
const NODES_ALTER: &str = r#"
revision = "ba99ba99ba99"
down_revision = ["ba88ba88ba88"]
message = "longer labels"
created = "2026-11-25T13:00:00Z"

[[upgrade]]
op = "alter_column"
table = "bat_nodes"
column = "label"
type = "String(40)"
drop_default = true

[[downgrade]]
op = "alter_column"
table = "bat_nodes"
column = "label"
type = "String(20)"
server_default = "'x'"
"#;

#[tokio::test]
async fn a_self_referencing_table_keeps_its_tree() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("nodes", &[NODES, NODES_ALTER])).unwrap();
    for (b, engine) in backends("nodes") {
        clean(&engine).await;
        sql(&engine, b, "DROP TABLE IF EXISTS bat_nodes").await;
        let m = Migrator::new(graph.clone(), engine.clone());
        m.upgrade("ba88ba88ba88").await.unwrap();
        sql(
            &engine,
            b,
            "INSERT INTO bat_nodes (id, parent_id, label) VALUES \
             (1, NULL, 'root'), (2, 1, 'child'), (3, 2, 'grandchild')",
        )
        .await;
        let rows = "SELECT COUNT(*) FROM bat_nodes WHERE (id = 1 AND parent_id IS NULL) \
                    OR (id = 2 AND parent_id = 1) OR (id = 3 AND parent_id = 2)";
        let shape0 = shape(&engine, "bat_nodes").await;

        m.upgrade("head")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(count(&engine, rows).await, 3, "{b}");
        let t = reflect(&engine, "bat_nodes").await;
        let label = t.column("label").unwrap();
        assert_eq!(label.ty, SqlType::String(Some(40)), "{b}");
        assert_eq!(label.server_default, None, "{b}: default dropped");
        assert_eq!(
            without(&shape(&engine, "bat_nodes").await, &["label"]),
            without(&shape0, &["label"]),
            "{b}"
        );

        m.downgrade("-1")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(shape(&engine, "bat_nodes").await, shape0, "{b}");
        assert_eq!(count(&engine, rows).await, 3, "{b}");
        sql(&engine, b, "DELETE FROM bat_nodes WHERE id = 1").await;
        assert_eq!(
            count(&engine, "SELECT COUNT(*) FROM bat_nodes").await,
            0,
            "{b}: the whole tree goes with its root"
        );
        sql(&engine, b, "DROP TABLE bat_nodes").await;
        clean(&engine).await;
    }
}

/// Alters the plain column of `bat_odd`.
const ODD: &str = r#"
revision = "ba77ba77ba77"
message = "alter odd"
created = "2026-11-25T12:00:00Z"

[[upgrade]]
op = "alter_column"
table = "bat_odd"
column = "score"
nullable = false
existing_type = "Integer"

[[downgrade]]
op = "alter_column"
table = "bat_odd"
column = "score"
nullable = true
existing_type = "Integer"
"#;

#[tokio::test]
async fn a_table_a_copy_would_change_is_not_rebuilt() {
    let _g = LOCK.lock().await;
    let graph = Graph::load(&dir_with("odd", &[ODD])).unwrap();
    for (b, engine) in backends("odd") {
        if engine.dialect().capabilities().table_rebuild.is_none() {
            continue;
        }
        for (create, what) in [
            (
                "CREATE TABLE bat_odd (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, score INTEGER)",
                "COLLATE",
            ),
            (
                "CREATE TABLE bat_odd (id INTEGER PRIMARY KEY, score INTEGER, \
                 twice INTEGER GENERATED ALWAYS AS (score * 2))",
                "a generated column (twice)",
            ),
            (
                "CREATE TABLE bat_odd (id INTEGER PRIMARY KEY, score INTEGER) STRICT",
                "STRICT",
            ),
        ] {
            clean(&engine).await;
            sql(&engine, b, "DROP TABLE IF EXISTS bat_odd").await;
            sql(&engine, b, create).await;
            sql(&engine, b, "INSERT INTO bat_odd (id, score) VALUES (1, 2)").await;
            let before = shape(&engine, "bat_odd").await;
            let m = Migrator::new(graph.clone(), engine.clone());
            let e = m.upgrade("head").await.unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains(&format!("table bat_odd has {what}, which a rebuilt copy would not keep")),
                "{b}: {msg}"
            );
            assert!(m.current().await.unwrap().is_empty(), "{b}");
            assert_eq!(shape(&engine, "bat_odd").await, before, "{b}");
            assert_eq!(count(&engine, "SELECT score FROM bat_odd").await, 2, "{b}");
        }
        sql(&engine, b, "DROP TABLE bat_odd").await;
        clean(&engine).await;
    }
}

#[test]
fn offline_sql_names_a_rebuild_it_cannot_write() {
    let graph = Graph::new(vec![
        Revision::parse(BASE, Path::new("base.toml")).unwrap(),
        Revision::parse(CONSTRAINTS, Path::new("constraints.toml")).unwrap(),
    ])
    .unwrap();
    let from = ["ba00ba00ba00".to_string()];
    let lite = aludel_core::dialect_by_name("sqlite").unwrap();
    let e = offline_sql(&graph, lite, &from, "head", true).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("create_unique uq_bat_users_name on bat_users"),
        "{msg}"
    );
    assert!(
        msg.contains("offline (--sql) mode cannot write it"),
        "{msg}"
    );
    let pg = aludel_core::dialect_by_name("postgresql").unwrap();
    let sql = offline_sql(&graph, pg, &from, "head", true).unwrap();
    assert!(
        sql.contains("ALTER TABLE bat_users ADD CONSTRAINT uq_bat_users_name UNIQUE (name);"),
        "{sql}"
    );
}

#[tokio::test]
async fn an_in_memory_database_rebuilds_on_its_one_connection() {
    let engine = aludel_core::create_engine("sqlite://").unwrap();
    let graph = Graph::load(&dir_with("memory", &[BASE, CONSTRAINTS])).unwrap();
    let m = Migrator::new(graph, engine.clone());
    m.upgrade("ba00ba00ba00").await.unwrap();
    seed(&engine, "memory").await;
    let users0 = users(&engine).await;
    m.upgrade("head").await.unwrap();
    assert_eq!(users(&engine).await, users0);
    let e = sql_err(
        &engine,
        "memory",
        "INSERT INTO bat_users (id, name) VALUES (4, 'Alice')",
    )
    .await;
    assert!(e.is_integrity(), "{e}");
    sql(&engine, "memory", "DELETE FROM bat_users WHERE id = 1").await;
    assert_eq!(
        count(&engine, "SELECT COUNT(*) FROM bat_posts").await,
        1,
        "foreign keys back on"
    );
}

/// SQLite keeps no name for a constraint declared without one: dropping it
/// by the name autogenerate writes for it (`uq_<table>_<columns>`) finds it.
#[tokio::test]
async fn an_unnamed_unique_constraint_is_dropped_by_its_conventional_name() {
    let _g = LOCK.lock().await;
    let (b, engine) = backends("unnamed").remove(0);
    assert_eq!(b, "sqlite");
    clean(&engine).await;
    sql(
        &engine,
        b,
        "CREATE TABLE bat_tags (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, UNIQUE (a, b))",
    )
    .await;
    sql(
        &engine,
        b,
        "INSERT INTO bat_tags (id, a, b) VALUES (1, 1, 1)",
    )
    .await;
    let drop = aludel_migrate::Op::DropConstraint {
        table: "bat_tags".into(),
        name: "uq_bat_tags_a_b".into(),
        kind: "unique".into(),
    };
    let rev = Revision {
        revision: "d0d0d0d0d0d0".into(),
        down_revision: Vec::new(),
        message: "drop the unnamed unique".into(),
        created: String::new(),
        upgrade: vec![drop],
        downgrade: Vec::new(),
        path: None,
    };
    let m = Migrator::new(Graph::new(vec![rev]).unwrap(), engine.clone());
    m.upgrade("head").await.unwrap();
    assert!(reflect(&engine, "bat_tags").await.uniques.is_empty());
    sql(
        &engine,
        b,
        "INSERT INTO bat_tags (id, a, b) VALUES (2, 1, 1)",
    )
    .await;
    assert_eq!(count(&engine, "SELECT count(*) FROM bat_tags").await, 2);
    clean(&engine).await;
}
