//! Aludel Core on an embedded SQLite file: the seed application's tables,
//! some rows, and the seed's queries (filter and order, join, count, and the
//! grouped subquery of section 9.4), with their results printed.
//!
//! Run with `cargo run -p aludel-examples --bin quickstart`. It starts from a
//! fresh `aludel_quickstart.db` in the current directory each time (set
//! `DATABASE_URL` to use another database).

use aludel::blocking::create_engine;
use aludel::{
    create_all, drop_all, func, insert, select, value, Column, MetaData, Result, SqlType, Table,
};

fn main() -> Result<()> {
    // database.py: the engine.
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        let _ = std::fs::remove_file("aludel_quickstart.db");
        "sqlite:///aludel_quickstart.db".to_string()
    });
    let engine = create_engine(&url)?;

    // models.py: users and posts.
    let mut md = MetaData::new();
    let users = md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key().index())
            .column(Column::new("name", SqlType::String(Some(100))).index())
            .column(
                Column::new("email", SqlType::String(Some(100)))
                    .unique()
                    .index(),
            ),
    )?;
    let posts = md.add(
        Table::builder("posts")
            .column(Column::new("id", SqlType::Integer).primary_key().index())
            .column(Column::new("title", SqlType::String(Some(200))).index())
            .column(Column::new("content", SqlType::String(Some(1000))))
            .column(Column::new("owner_id", SqlType::Integer).foreign_key("users.id")),
    )?;

    let mut conn = engine.connect()?;

    // 6. metadata.create_all(), from a clean slate.
    for ddl in drop_all(&md, engine.as_async().dialect(), true)? {
        conn.execute(ddl)?;
    }
    for ddl in create_all(&md, engine.as_async().dialect(), false)? {
        conn.execute(ddl)?;
    }
    println!("Created tables: users, posts");

    // 7. Inserts, in one transaction.
    let mut tx = conn.begin()?;
    let mut ids = Vec::new();
    for (name, email) in [
        ("Alice", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("Anna", "anna@example.com"),
    ] {
        let r = tx.execute(insert(&users).value("name", name).value("email", email))?;
        ids.push(r.last_insert_id().unwrap_or_default());
    }
    let post_rows = [
        (ids[0], "My First Post", "Hello World"),
        (ids[0], "Second Thoughts", "More words"),
        (ids[1], "Bob's Post", "Hi"),
        (ids[2], "Anna Writes", "Content"),
    ];
    tx.execute(
        insert(&posts)
            .columns(["owner_id", "title", "content"])
            .rows(
                post_rows
                    .iter()
                    .map(|(o, t, c)| [value(*o), value(*t), value(*c)]),
            ),
    )?;
    tx.commit()?;
    println!("Inserted 3 users and {} posts", post_rows.len());

    // 9.1 Filtering and ordering.
    println!("\n9.1 users named A%, by id descending:");
    let q = select(&users)
        .where_(users.c("name")?.like("A%"))
        .order_by(users.c("id")?.desc());
    for (id, name, email) in conn.fetch_all::<(i64, String, String)>(q)? {
        println!("  {id} {name} {email}");
    }

    // 9.2 Join.
    println!("\n9.2 join:");
    let q = select([users.c("name")?, posts.c("title")?])
        .join(&posts, users.c("id")?.eq(posts.c("owner_id")?))
        .order_by(posts.c("id")?);
    for (name, title) in conn.fetch_all::<(String, String)>(q)? {
        println!("  {name} -> {title}");
    }

    // 9.3 Aggregation.
    let post_count: Option<i64> = conn
        .execute(select(func::count(posts.c("id")?)))?
        .scalar()?;
    println!("\n9.3 Total posts: {}", post_count.unwrap_or(0));

    // 9.4 Subquery: posts per owner, joined back to users.
    let subq = select([
        posts.c("owner_id")?,
        func::count(posts.c("id")?).label("post_count"),
    ])
    .group_by([posts.c("owner_id")?])
    .subquery("post_counts");
    let q = select([users.c("name")?, subq.c("post_count")?])
        .join(&subq, users.c("id")?.eq(subq.c("owner_id")?))
        .order_by(users.c("id")?);
    println!("\n9.4 posts per user:");
    for (name, count) in conn.fetch_all::<(String, i64)>(q)? {
        println!("  {name} {count}");
    }
    Ok(())
}
