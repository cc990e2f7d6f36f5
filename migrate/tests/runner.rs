//! The runner on every backend: upgrade, downgrade and upgrade again; a
//! revision that fails halfway; two runners at once; offline SQL.

mod common;

use aludel_core::engine::Engine;
use aludel_core::text;
use aludel_migrate::{offline_sql, Error, Graph, Migrator, Revision};
use common::{backends, dir_with};
use std::path::Path;

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const R1: &str = r#"
revision = "aa11aa11aa11"
message = "create users"
created = "2026-11-25T10:00:00Z"

[[upgrade]]
op = "create_table"
table = "mig_users"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "name", type = "String(50)", nullable = false },
]

[[upgrade]]
op = "create_index"
table = "mig_users"
name = "ix_mig_users_name"
columns = ["name"]

[[downgrade]]
op = "drop_index"
table = "mig_users"
name = "ix_mig_users_name"

[[downgrade]]
op = "drop_table"
table = "mig_users"
"#;

const R2: &str = r#"
revision = "bb22bb22bb22"
down_revision = ["aa11aa11aa11"]
message = "posts and a first user"
created = "2026-11-25T11:00:00Z"

[[upgrade]]
op = "create_table"
table = "mig_posts"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "owner_id", type = "Integer" },
    { name = "title", type = "String(100)" },
]
foreign_keys = [
    { name = "fk_mig_posts_owner", columns = ["owner_id"], ref_table = "mig_users", ref_columns = ["id"], on_delete = "cascade" },
]

[[upgrade]]
op = "add_column"
table = "mig_users"
column = { name = "email", type = "String(100)" }

[[upgrade]]
op = "bulk_insert"
table = "mig_users"
rows = [ { id = 1, name = "Alice", email = "alice@example.com" } ]

[[downgrade]]
op = "execute"
sql = "DELETE FROM mig_users"

[[downgrade]]
op = "drop_column"
table = "mig_users"
column = "email"

[[downgrade]]
op = "drop_table"
table = "mig_posts"
"#;

/// Widens, relaxes and renames a column.
const ALTER: &str = r#"
revision = "dd44dd44dd44"
down_revision = ["bb22bb22bb22"]
message = "alter name"
created = "2026-11-25T13:00:00Z"

[[upgrade]]
op = "alter_column"
table = "mig_users"
column = "name"
type = "String(120)"
nullable = true
new_name = "full_name"

[[downgrade]]
op = "alter_column"
table = "mig_users"
column = "full_name"
type = "String(50)"
nullable = false
new_name = "name"
"#;

/// Renames a column only (every database can).
const RENAME: &str = r#"
revision = "ee55ee55ee55"
down_revision = ["bb22bb22bb22"]
message = "rename email"
created = "2026-11-25T13:00:00Z"

[[upgrade]]
op = "alter_column"
table = "mig_users"
column = "email"
new_name = "mail"

[[downgrade]]
op = "alter_column"
table = "mig_users"
column = "mail"
new_name = "email"
"#;

/// Adds a unique and a check constraint to users.
const CONSTRAINTS: &str = r#"
revision = "ff66ff66ff66"
down_revision = ["bb22bb22bb22"]
message = "constraints"
created = "2026-11-25T13:30:00Z"

[[upgrade]]
op = "create_unique"
table = "mig_users"
name = "uq_mig_users_email"
columns = ["email"]

[[upgrade]]
op = "create_check"
table = "mig_users"
name = "ck_mig_users_name"
condition = "name <> ''"

[[downgrade]]
op = "drop_constraint"
table = "mig_users"
name = "ck_mig_users_name"
kind = "check"

[[downgrade]]
op = "drop_constraint"
table = "mig_users"
name = "uq_mig_users_email"
kind = "unique"
"#;

/// Fails at its second operation.
const BROKEN: &str = r#"
revision = "cc33cc33cc33"
down_revision = ["bb22bb22bb22"]
message = "half done"
created = "2026-11-25T12:00:00Z"

[[upgrade]]
op = "create_table"
table = "mig_half"
columns = [ { name = "id", type = "Integer", primary_key = true } ]

[[upgrade]]
op = "execute"
sql = "INSERT INTO mig_no_such_table VALUES (1)"

[[downgrade]]
op = "drop_table"
table = "mig_half"
"#;

async fn clean(engine: &Engine) {
    let mut c = engine.connect().await.unwrap();
    for t in ["mig_posts", "mig_half", "mig_users", "aludel_version"] {
        let _ = c.execute(text(&format!("DROP TABLE IF EXISTS {t}"))).await;
    }
}

async fn tables(engine: &Engine) -> Vec<&'static str> {
    let mut c = engine.connect().await.unwrap();
    let mut out = Vec::new();
    for t in ["mig_users", "mig_posts", "mig_half"] {
        if c.execute(text(&format!("SELECT 1 FROM {t} WHERE 1 = 0")))
            .await
            .is_ok()
        {
            out.push(t);
        }
    }
    out
}

#[tokio::test]
async fn upgrade_downgrade_and_upgrade_again() {
    let _g = LOCK.lock().await;
    let dir = dir_with("round", &[R1, R2]);
    let graph = Graph::load(&dir).unwrap();
    for (b, engine) in backends("round") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        assert!(m.current().await.unwrap().is_empty(), "{b}");
        let done = m.upgrade("head").await.unwrap();
        assert_eq!(done, ["aa11aa11aa11", "bb22bb22bb22"], "{b}");
        assert_eq!(m.current().await.unwrap(), ["bb22bb22bb22"], "{b}");
        assert_eq!(tables(&engine).await, ["mig_users", "mig_posts"], "{b}");
        let mut c = engine.connect().await.unwrap();
        let email: Option<String> = c
            .execute(text("SELECT email FROM mig_users WHERE id = 1"))
            .await
            .unwrap()
            .scalar()
            .unwrap();
        assert_eq!(email.as_deref(), Some("alice@example.com"), "{b}");
        drop(c);
        assert_eq!(m.downgrade("-1").await.unwrap(), ["bb22bb22bb22"], "{b}");
        assert_eq!(m.current().await.unwrap(), ["aa11aa11aa11"], "{b}");
        assert_eq!(tables(&engine).await, ["mig_users"], "{b}");
        assert_eq!(m.downgrade("base").await.unwrap(), ["aa11aa11aa11"], "{b}");
        assert!(tables(&engine).await.is_empty(), "{b}");
        assert!(m.current().await.unwrap().is_empty(), "{b}");
        let e = m.downgrade("-1").await.unwrap_err();
        assert!(e.to_string().contains("past base"), "{b}: {e}");
        assert_eq!(m.upgrade("head").await.unwrap().len(), 2, "{b}");
        assert!(
            m.upgrade("head").await.unwrap().is_empty(),
            "{b}: nothing left"
        );
        clean(&engine).await;
    }
}

#[tokio::test]
async fn a_failing_revision_leaves_the_database_at_the_last_good_one() {
    let _g = LOCK.lock().await;
    let dir = dir_with("broken", &[R1, R2, BROKEN]);
    let graph = Graph::load(&dir).unwrap();
    for (b, engine) in backends("broken") {
        clean(&engine).await;
        let m = Migrator::new(graph.clone(), engine.clone());
        let e = m.upgrade("head").await.unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, Error::Operation { index: 2, .. }), "{b}: {msg}");
        assert!(msg.contains("cc33cc33cc33"), "{b}: {msg}");
        assert!(
            msg.contains("execute INSERT INTO mig_no_such_table"),
            "{b}: {msg}"
        );
        assert!(
            msg.contains("the database is at bb22bb22bb22"),
            "{b}: {msg}"
        );
        assert_eq!(m.current().await.unwrap(), ["bb22bb22bb22"], "{b}");
        let transactional = engine.dialect().capabilities().transactional_ddl;
        if transactional {
            // Nothing of the failing revision remains.
            assert_eq!(tables(&engine).await, ["mig_users", "mig_posts"], "{b}");
        }
        clean(&engine).await;
    }
}

#[tokio::test]
async fn columns_are_altered_and_renamed() {
    let _g = LOCK.lock().await;
    for (b, engine) in backends("alter") {
        // In place, or by rebuilding the table where ALTER TABLE only
        // renames (SQLite).
        clean(&engine).await;
        let graph = Graph::load(&dir_with(&format!("alter_{b}"), &[R1, R2, ALTER])).unwrap();
        let m = Migrator::new(graph, engine.clone());
        m.upgrade("head").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        c.execute(text(
            "INSERT INTO mig_users (id, full_name) VALUES (2, NULL)",
        ))
        .await
        .unwrap_or_else(|e| panic!("{b}: nullable and renamed: {e}"));
        let long = "x".repeat(100);
        c.execute(text(&format!(
            "UPDATE mig_users SET full_name = '{long}' WHERE id = 1"
        )))
        .await
        .unwrap_or_else(|e| panic!("{b}: widened: {e}"));
        c.execute(text("DELETE FROM mig_users WHERE id = 2"))
            .await
            .unwrap();
        c.execute(text(
            "UPDATE mig_users SET full_name = 'Alice' WHERE id = 1",
        ))
        .await
        .unwrap();
        drop(c);
        m.downgrade("-1").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        c.execute(text("SELECT name, email FROM mig_users"))
            .await
            .unwrap_or_else(|e| panic!("{b}: names restored: {e}"));
        drop(c);
        clean(&engine).await;

        // A rename alone, which every database does in place.
        let graph = Graph::load(&dir_with(&format!("rename_{b}"), &[R1, R2, RENAME])).unwrap();
        let m = Migrator::new(graph, engine.clone());
        m.upgrade("head").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        let mail: Option<String> = c
            .execute(text("SELECT mail FROM mig_users WHERE id = 1"))
            .await
            .unwrap()
            .scalar()
            .unwrap();
        assert_eq!(mail.as_deref(), Some("alice@example.com"), "{b}");
        drop(c);
        m.downgrade("-1").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        c.execute(text("SELECT email FROM mig_users"))
            .await
            .unwrap_or_else(|e| panic!("{b}: name restored: {e}"));
        drop(c);
        clean(&engine).await;
    }
}

#[tokio::test]
async fn unique_and_check_constraints_are_added_and_dropped() {
    let _g = LOCK.lock().await;
    for (b, engine) in backends("constraints") {
        clean(&engine).await;
        let graph = Graph::load(&dir_with(
            &format!("constraints_{b}"),
            &[R1, R2, CONSTRAINTS],
        ))
        .unwrap();
        let m = Migrator::new(graph, engine.clone());
        m.upgrade("head").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        let dup = c
            .execute(text(
                "INSERT INTO mig_users (id, name, email) VALUES (2, 'Bob', 'alice@example.com')",
            ))
            .await
            .unwrap_err();
        assert!(dup.is_integrity(), "{b}: unique: {dup}");
        let empty = c
            .execute(text(
                "INSERT INTO mig_users (id, name, email) VALUES (3, '', 'c@example.com')",
            ))
            .await
            .unwrap_err();
        assert!(empty.is_integrity(), "{b}: check: {empty}");
        drop(c);
        m.downgrade("-1").await.unwrap();
        let mut c = engine.connect().await.unwrap();
        c.execute(text(
            "INSERT INTO mig_users (id, name, email) VALUES (2, '', 'alice@example.com')",
        ))
        .await
        .unwrap_or_else(|e| panic!("{b}: constraints dropped: {e}"));
        drop(c);
        clean(&engine).await;
    }
}

#[test]
fn altering_a_column_compiles_per_dialect() {
    let graph = Graph::new(vec![
        Revision::parse(R1, Path::new("r1.toml")).unwrap(),
        Revision::parse(R2, Path::new("r2.toml")).unwrap(),
        Revision::parse(ALTER, Path::new("r3.toml")).unwrap(),
    ])
    .unwrap();
    let from = ["bb22bb22bb22".to_string()];
    let pg = aludel_core::dialect_by_name("postgresql").unwrap();
    let sql = offline_sql(&graph, pg, &from, "head", true).unwrap();
    assert!(
        sql.contains("ALTER TABLE mig_users ALTER COLUMN name TYPE VARCHAR(120), ALTER COLUMN name DROP NOT NULL;"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE mig_users RENAME COLUMN name TO full_name;"),
        "{sql}"
    );
    let my = aludel_core::dialect_by_name("mysql").unwrap();
    let sql = offline_sql(&graph, my, &from, "head", true).unwrap();
    assert!(
        sql.contains("ALTER TABLE mig_users MODIFY COLUMN name VARCHAR(120);"),
        "{sql}"
    );
    // SQLite rebuilds the table, which needs the database.
    let lite = aludel_core::dialect_by_name("sqlite").unwrap();
    let e = offline_sql(&graph, lite, &from, "head", true).unwrap_err();
    assert!(
        e.to_string()
            .contains("alter_column mig_users.name: sqlite cannot ALTER this in place"),
        "{e}"
    );
}

#[tokio::test]
async fn two_runners_at_once_apply_each_revision_once() {
    let _g = LOCK.lock().await;
    let dir = dir_with("race", &[R1, R2]);
    let graph = Graph::load(&dir).unwrap();
    for (b, engine) in backends("race") {
        clean(&engine).await;
        // Make sure the version table exists before the race.
        Migrator::new(graph.clone(), engine.clone())
            .current()
            .await
            .unwrap();
        let a = Migrator::new(graph.clone(), engine.clone());
        let c = Migrator::new(graph.clone(), engine.clone());
        let (ra, rc) = tokio::join!(a.upgrade("head"), c.upgrade("head"));
        // Each revision ran once in all: the bulk insert's row is there once.
        let applied: Vec<String> = ra
            .unwrap_or_default()
            .into_iter()
            .chain(rc.unwrap_or_default())
            .collect();
        assert_eq!(applied.len(), 2, "{b}: {applied:?}");
        let mut conn = engine.connect().await.unwrap();
        let n: Option<i64> = conn
            .execute(text("SELECT COUNT(*) FROM mig_users"))
            .await
            .unwrap()
            .scalar()
            .unwrap();
        assert_eq!(n, Some(1), "{b}");
        drop(conn);
        assert_eq!(a.current().await.unwrap(), ["bb22bb22bb22"], "{b}");
        clean(&engine).await;
    }
}

#[test]
fn offline_sql_shows_every_statement_without_a_database() {
    let graph = Graph::new(vec![
        Revision::parse(R1, Path::new("r1.toml")).unwrap(),
        Revision::parse(R2, Path::new("r2.toml")).unwrap(),
    ])
    .unwrap();
    let pg = aludel_core::dialect_by_name("postgresql").unwrap();
    let sql = offline_sql(&graph, pg, &[], "head", true).unwrap();
    assert!(
        sql.contains("CREATE TABLE IF NOT EXISTS aludel_version"),
        "{sql}"
    );
    assert!(
        sql.contains("-- Running upgrade aa11aa11aa11: create users"),
        "{sql}"
    );
    assert!(sql.contains("CREATE TABLE mig_users"), "{sql}");
    assert!(
        sql.contains("CREATE INDEX ix_mig_users_name ON mig_users (name);"),
        "{sql}"
    );
    assert!(
        sql.contains("ALTER TABLE mig_users ADD COLUMN email VARCHAR(100);"),
        "{sql}"
    );
    assert!(sql.contains("'alice@example.com'"), "{sql}");
    assert!(
        sql.contains("INSERT INTO aludel_version (version_num) VALUES ('bb22bb22bb22');"),
        "{sql}"
    );
    let down = offline_sql(&graph, pg, &["bb22bb22bb22".into()], "base", false).unwrap();
    assert!(down.contains("DROP TABLE mig_posts;"), "{down}");
    assert!(down.contains("DROP TABLE mig_users;"), "{down}");
}
