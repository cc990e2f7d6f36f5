//! Autogenerate on every backend: after the models' tables are created,
//! it finds nothing; after a change to the models, it finds that change,
//! and the operations it writes apply and revert.

use aludel_core::engine::{create_engine, Engine};
use aludel_core::schema::{FkAction, ForeignKey, Index};
use aludel_core::{text, Column, MetaData, SqlType, Table};
use aludel_migrate::{compare, Diff, Op};

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

fn backends() -> Vec<(&'static str, Engine)> {
    let file = std::env::temp_dir().join(format!("aludel_autogen_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let mut out = vec![("sqlite", format!("sqlite:///{}", file.display()))];
    for (b, var) in [
        ("postgres", "ALUDEL_TEST_POSTGRES_URL"),
        ("mysql", "ALUDEL_TEST_MYSQL_URL"),
    ] {
        if let Ok(u) = std::env::var(var) {
            if !u.is_empty() {
                out.push((b, u));
            }
        }
    }
    out.into_iter()
        .map(|(b, u)| (b, create_engine(&u).unwrap()))
        .collect()
}

fn models(with_age: bool) -> MetaData {
    let mut md = MetaData::new();
    let mut users = Table::builder("ag_users")
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(Column::new("name", SqlType::String(Some(50))).not_null())
        .column(Column::new("email", SqlType::String(Some(100))))
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
            .column(Column::new("body", SqlType::Text))
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
    let mut c = engine.connect().await?;
    let db = aludel_core::reflect_metadata(&mut c, Some(&["ag_users", "ag_posts"])).await?;
    Ok(compare(models, &db, engine.dialect()))
}

async fn clean(engine: &Engine) {
    let mut c = engine.connect().await.unwrap();
    for t in ["ag_posts", "ag_users"] {
        let _ = c.execute(text(&format!("DROP TABLE IF EXISTS {t}"))).await;
    }
}

#[tokio::test]
async fn autogenerate_finds_nothing_after_create_all_and_then_finds_a_new_column() {
    for (b, engine) in backends() {
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
