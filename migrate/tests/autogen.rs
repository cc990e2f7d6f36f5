//! Autogenerate on every backend: after the models' tables are created,
//! it finds nothing (unique constraints and unique indexes included);
//! after a change to the models, it finds that change, and the operations
//! it writes apply and revert.

mod common;

use aludel_core::engine::Engine;
use aludel_core::schema::{FkAction, ForeignKey, Index};
use aludel_core::{text, Column, MetaData, SqlType, Table};
use aludel_migrate::{compare, Diff, Op};
use common::backends;

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

fn models(with_age: bool) -> MetaData {
    let mut md = MetaData::new();
    let mut users = Table::builder("ag_users")
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(Column::new("name", SqlType::String(Some(50))).not_null())
        .column(Column::new("email", SqlType::String(Some(100))).unique())
        .column(
            Column::new("code", SqlType::String(Some(20)))
                .unique()
                .index(),
        )
        .column(Column::new("active", SqlType::Boolean).server_default(true))
        .column(Column::new("score", SqlType::numeric(10, 2)))
        .index(Index::new(["name"]).name("ix_ag_users_name"));
    if with_age {
        users = users.column(Column::new("age", SqlType::Integer));
    }
    md.add(users).unwrap();
    md.add(
        Table::builder("ag_posts")
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(Column::new("owner_id", SqlType::Integer))
            .column(Column::new("slug", SqlType::String(Some(50))))
            .column(Column::new("body", SqlType::Text))
            .unique_named("uq_ag_posts_owner_slug", ["owner_id", "slug"])
            .foreign_key(
                ForeignKey::new(["owner_id"], "ag_users", ["id"])
                    .name("fk_ag_posts_owner")
                    .on_delete(FkAction::Cascade),
            ),
    )
    .unwrap();
    md
}

/// Autogenerate over this test's tables only (other tests share the
/// server's database).
async fn autogenerate(engine: &Engine, models: &MetaData) -> Result<Diff, aludel_migrate::Error> {
    let names: Vec<&str> = models.tables().iter().map(|t| t.name.as_str()).collect();
    let mut c = engine.connect().await?;
    let db = aludel_core::reflect_metadata(&mut c, Some(&names)).await?;
    Ok(compare(models, &db, engine.dialect()))
}

/// Runs each operation's SQL.
async fn apply(engine: &Engine, ops: &[Op]) {
    let mut c = engine.connect().await.unwrap();
    for op in ops {
        for s in op.sql(engine.dialect()).unwrap() {
            c.execute(text(s.trim_end_matches(';'))).await.unwrap();
        }
    }
}

async fn clean(engine: &Engine) {
    let mut c = engine.connect().await.unwrap();
    for t in ["ag_posts", "ag_users"] {
        let _ = c.execute(text(&format!("DROP TABLE IF EXISTS {t}"))).await;
    }
}

#[tokio::test]
async fn autogenerate_finds_nothing_after_create_all_and_then_finds_a_new_column() {
    for (b, engine) in backends("columns") {
        clean(&engine).await;
        let md = models(false);
        let mut c = engine.connect().await.unwrap();
        for ddl in aludel_core::create_all(&md, engine.dialect(), false).unwrap() {
            c.execute(ddl).await.unwrap();
        }
        drop(c);
        let d = autogenerate(&engine, &md).await.unwrap();
        let found: Vec<String> = d.upgrade.iter().map(Op::describe).collect();
        assert!(d.is_empty(), "{b}: {found:?}");

        let d = autogenerate(&engine, &models(true)).await.unwrap();
        let found: Vec<String> = d.upgrade.iter().map(Op::describe).collect();
        assert_eq!(found, ["add_column ag_users.age"], "{b}");
        // The operations it wrote apply, and then nothing is left to find.
        let mut c = engine.connect().await.unwrap();
        for op in &d.upgrade {
            for s in op.sql(engine.dialect()).unwrap() {
                c.execute(text(s.trim_end_matches(';'))).await.unwrap();
            }
        }
        drop(c);
        assert!(
            autogenerate(&engine, &models(true))
                .await
                .unwrap()
                .is_empty(),
            "{b}"
        );
        let mut c = engine.connect().await.unwrap();
        for op in &d.downgrade {
            for s in op.sql(engine.dialect()).unwrap() {
                c.execute(text(s.trim_end_matches(';'))).await.unwrap();
            }
        }
        drop(c);
        assert!(
            autogenerate(&engine, &md).await.unwrap().is_empty(),
            "{b}: reverted"
        );
        clean(&engine).await;
    }
}

fn accounts(org_handle_unique: bool) -> MetaData {
    let mut t = Table::builder("aq_accounts")
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(Column::new("email", SqlType::String(Some(100))).unique())
        .column(Column::new("org", SqlType::Integer).not_null())
        .column(Column::new("handle", SqlType::String(Some(30))).not_null());
    if org_handle_unique {
        t = t.unique(["org", "handle"]);
    }
    let mut md = MetaData::new();
    md.add(t).unwrap();
    md
}

#[tokio::test]
async fn autogenerate_finds_a_new_unique_constraint_and_a_dropped_one() {
    for (b, engine) in backends("uniques") {
        let drop_table = |e: &Engine| {
            let e = e.clone();
            async move {
                let mut c = e.connect().await.unwrap();
                c.execute(text("DROP TABLE IF EXISTS aq_accounts"))
                    .await
                    .unwrap();
            }
        };
        drop_table(&engine).await;
        let before = accounts(false);
        let mut c = engine.connect().await.unwrap();
        for ddl in aludel_core::create_all(&before, engine.dialect(), false).unwrap() {
            c.execute(ddl).await.unwrap();
        }
        drop(c);
        let d = autogenerate(&engine, &before).await.unwrap();
        assert!(d.is_empty(), "{b}: {:?}", d.upgrade);

        // A constraint the models add, unnamed: created under the name
        // autogenerate gives it, dropped by that name.
        let after = accounts(true);
        let d = autogenerate(&engine, &after).await.unwrap();
        assert_eq!(
            d.upgrade,
            [Op::CreateUnique {
                table: "aq_accounts".into(),
                name: "uq_aq_accounts_org_handle".into(),
                columns: vec!["org".into(), "handle".into()],
            }],
            "{b}"
        );
        assert_eq!(
            d.downgrade,
            [Op::DropConstraint {
                table: "aq_accounts".into(),
                name: "uq_aq_accounts_org_handle".into(),
                kind: "unique".into(),
            }],
            "{b}"
        );
        // SQLite adds and drops constraints by rebuilding the table, which
        // the migration runner does online; each SQLite test has a
        // database file of its own for the runner's version table.
        let migrator = (b == "sqlite").then(|| {
            let rev = aludel_migrate::Revision {
                revision: "a1".into(),
                down_revision: Vec::new(),
                message: "unique".into(),
                created: String::new(),
                upgrade: d.upgrade.clone(),
                downgrade: d.downgrade.clone(),
                path: None,
            };
            let graph = aludel_migrate::Graph::new(vec![rev]).unwrap();
            aludel_migrate::Migrator::new(graph, engine.clone())
        });
        match &migrator {
            Some(m) => {
                m.upgrade("head").await.unwrap();
            }
            None => apply(&engine, &d.upgrade).await,
        }
        let now = autogenerate(&engine, &after).await.unwrap();
        assert!(now.is_empty(), "{b}: applied: {:?}", now.upgrade);
        // The database holds it: a duplicate pair is refused.
        let mut c = engine.connect().await.unwrap();
        for email in ["a@x", "b@x"] {
            let _ = c
                .execute(
                    text("INSERT INTO aq_accounts (email, org, handle) VALUES (:email, 1, 'h')")
                        .bind("email", email),
                )
                .await;
        }
        let n: Vec<i64> = c
            .execute(text("SELECT COUNT(*) FROM aq_accounts"))
            .await
            .unwrap()
            .scalars()
            .unwrap();
        assert_eq!(n, [1], "{b}: the unique constraint holds");
        drop(c);

        // The models without it: autogenerate finds it to drop.
        let back = autogenerate(&engine, &before).await.unwrap();
        assert_eq!(
            back.upgrade.iter().map(Op::describe).collect::<Vec<_>>(),
            ["drop_constraint uq_aq_accounts_org_handle (unique) on aq_accounts"],
            "{b}"
        );
        match &migrator {
            Some(m) => {
                m.downgrade("base").await.unwrap();
            }
            None => apply(&engine, &d.downgrade).await,
        }
        let now = autogenerate(&engine, &before).await.unwrap();
        assert!(now.is_empty(), "{b}: reverted: {:?}", now.upgrade);
        drop_table(&engine).await;
    }
}
