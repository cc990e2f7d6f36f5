//! `create_all` and `drop_all` on a real PostgreSQL: foreign keys in
//! dependency order, a cycle broken by a `use_alter` foreign key, comments,
//! indexes and server defaults, all visible in the catalogs afterwards.

mod common;

use aludel_core::{
    create_all, drop_all, insert, select, text, Column, Connection, DbErrorKind, FkAction,
    ForeignKey, Index, MetaData, SqlType, Table,
};
use common::name;

async fn tables_named(conn: &mut Connection, names: &[&str]) -> Vec<String> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let rows: Vec<(String,)> = conn
        .fetch_all(
            text(
                "SELECT tablename::text FROM pg_tables \
                 WHERE schemaname = current_schema() AND tablename = ANY(:names) \
                 ORDER BY tablename",
            )
            .bind("names", names),
        )
        .await
        .unwrap();
    rows.into_iter().map(|(n,)| n).collect()
}

#[tokio::test]
async fn create_all_and_drop_all_with_foreign_keys_a_cycle_and_comments() {
    let Some(engine) = common::engine() else {
        return;
    };
    let (users, posts, a, b) = (name("users"), name("posts"), name("a"), name("b"));
    let fk_ab = name("fk_a_b");
    let mut md = MetaData::new();
    // Declared child first: create_all orders by dependency.
    let posts_t = md
        .add(
            Table::builder(posts.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(
                    Column::new("user_id", SqlType::Integer)
                        .not_null()
                        .foreign_key(format!("{users}.id"))
                        .on_delete(FkAction::Cascade),
                )
                .column(
                    Column::new("title", SqlType::string(200))
                        .not_null()
                        .comment("the post's title"),
                )
                .column(
                    Column::new("created", SqlType::DateTimeTz)
                        .server_default_sql("CURRENT_TIMESTAMP"),
                )
                .index(Index::new(["title"])),
        )
        .unwrap();
    let users_t = md
        .add(
            Table::builder(users.clone())
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(
                    Column::new("name", SqlType::string(50))
                        .not_null()
                        .server_default("anonymous"),
                )
                .comment("people who write posts; it's a comment with a quote"),
        )
        .unwrap();
    // a -> b -> a: the a -> b key is added after both tables exist.
    md.add(
        Table::builder(a.clone())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("b_id", SqlType::Integer))
            .foreign_key(
                ForeignKey::new(["b_id"], b.clone(), ["id"])
                    .name(fk_ab.clone())
                    .use_alter(),
            ),
    )
    .unwrap();
    md.add(
        Table::builder(b.clone())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("a_id", SqlType::Integer).foreign_key(format!("{a}.id"))),
    )
    .unwrap();

    let mut conn = engine.connect().await.unwrap();
    for ddl in create_all(&md, engine.dialect(), false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
    let all = [users.as_str(), posts.as_str(), a.as_str(), b.as_str()];
    let mut expected: Vec<String> = all.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tables_named(&mut conn, &all).await, expected);

    // Comments are stored.
    let (table_comment, column_comment): (Option<String>, Option<String>) = conn
        .fetch_one(
            text(
                "SELECT obj_description(CAST(:u AS regclass), 'pg_class'), \
                 col_description(CAST(:p AS regclass), 3)",
            )
            .bind("u", users.as_str())
            .bind("p", posts.as_str()),
        )
        .await
        .unwrap();
    assert_eq!(
        table_comment.as_deref(),
        Some("people who write posts; it's a comment with a quote")
    );
    assert_eq!(column_comment.as_deref(), Some("the post's title"));

    // The foreign keys exist, the use_alter one under its name.
    let fks: Vec<(String, String)> = conn
        .fetch_all(
            text(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint \
                 WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t) ORDER BY 1",
            )
            .bind("t", all.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        )
        .await
        .unwrap();
    let mut want = vec![
        (posts.clone(), users.clone()),
        (a.clone(), b.clone()),
        (b.clone(), a.clone()),
    ];
    want.sort();
    assert_eq!(fks, want);
    let (named,): (i64,) = conn
        .fetch_one(
            text("SELECT count(*) FROM pg_constraint WHERE conname = :n").bind("n", fk_ab.as_str()),
        )
        .await
        .unwrap();
    assert_eq!(named, 1);
    let (index,): (i64,) = conn
        .fetch_one(
            text("SELECT count(*) FROM pg_indexes WHERE indexname = :n")
                .bind("n", format!("ix_{posts}_title")),
        )
        .await
        .unwrap();
    assert_eq!(index, 1);

    // Defaults and constraints work.
    conn.execute(insert(&users_t).value("id", 1)).await.unwrap();
    conn.execute(insert(&posts_t).value("user_id", 1).value("title", "hello"))
        .await
        .unwrap();
    let (name_default,): (String,) = conn
        .fetch_one(select(users_t.c("name").unwrap()))
        .await
        .unwrap();
    assert_eq!(name_default, "anonymous");
    let (created,): (Option<chrono::DateTime<chrono::Utc>>,) = conn
        .fetch_one(select(posts_t.c("created").unwrap()))
        .await
        .unwrap();
    assert!(created.is_some());
    let err = conn
        .execute(
            insert(&posts_t)
                .value("user_id", 2)
                .value("title", "orphan"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.db_kind(),
        Some(DbErrorKind::ForeignKeyViolation),
        "{err}"
    );
    // ON DELETE CASCADE.
    conn.execute(aludel_core::delete(&users_t)).await.unwrap();
    let (left,): (i64,) = conn
        .fetch_one(select(aludel_core::func::count_star()).from(&posts_t))
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The cycle holds rows once both sides exist.
    conn.execute(text(&format!("INSERT INTO {a} (id) VALUES (1)")))
        .await
        .unwrap();
    conn.execute(text(&format!("INSERT INTO {b} (id, a_id) VALUES (1, 1)")))
        .await
        .unwrap();
    conn.execute(text(&format!("UPDATE {a} SET b_id = 1")))
        .await
        .unwrap();

    // drop_all removes the use_alter key first, then the tables in order.
    for ddl in drop_all(&md, engine.dialect(), false).unwrap() {
        conn.execute(ddl).await.unwrap();
    }
    assert!(tables_named(&mut conn, &all).await.is_empty());

    // Transactional DDL: a create_all rolled back leaves nothing behind.
    let mut tx = conn.begin().await.unwrap();
    for ddl in create_all(&md, engine.dialect(), false).unwrap() {
        tx.execute(ddl).await.unwrap();
    }
    tx.rollback().await.unwrap();
    assert!(tables_named(&mut conn, &all).await.is_empty());

    // The IF NOT EXISTS / IF EXISTS forms run twice without error.
    let (parent, child) = (name("parent"), name("child"));
    let mut md = MetaData::new();
    md.add(
        Table::builder(parent.clone()).column(Column::new("id", SqlType::Integer).primary_key()),
    )
    .unwrap();
    md.add(
        Table::builder(child.clone())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("parent_id", SqlType::Integer).foreign_key(format!("{parent}.id")))
            .column(Column::new("kind", SqlType::string(10)))
            .index(Index::new(["kind"])),
    )
    .unwrap();
    let pair = [parent.as_str(), child.as_str()];
    for _ in 0..2 {
        for ddl in create_all(&md, engine.dialect(), true).unwrap() {
            conn.execute(ddl).await.unwrap();
        }
        assert_eq!(tables_named(&mut conn, &pair).await.len(), 2);
    }
    for _ in 0..2 {
        for ddl in drop_all(&md, engine.dialect(), true).unwrap() {
            conn.execute(ddl).await.unwrap();
        }
        assert!(tables_named(&mut conn, &pair).await.is_empty());
    }
}
