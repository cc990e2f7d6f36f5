//! The seed application's schema and queries in Aludel Core, compiled for
//! every shipped dialect and printed with their bound parameters.
//!
//! Run with `cargo run -p aludel-examples --bin core_sql`.

use aludel::{
    compile, create_all, dialect_by_name, func, insert, select, Column, MetaData, SqlType,
    Statement, Table,
};

fn main() -> Result<(), aludel::Error> {
    // models.py: User and Post.
    let mut md = MetaData::new();
    let users = md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key().index())
            .column(Column::new("name", SqlType::String(Some(255))).index())
            .column(
                Column::new("email", SqlType::String(Some(255)))
                    .unique()
                    .index(),
            ),
    )?;
    let posts = md.add(
        Table::builder("posts")
            .column(Column::new("id", SqlType::Integer).primary_key().index())
            .column(Column::new("title", SqlType::String(Some(255))).index())
            .column(Column::new("content", SqlType::String(Some(255))))
            .column(Column::new("owner_id", SqlType::Integer).foreign_key("users.id")),
    )?;

    // 9.4: post counts per owner as a subquery, joined to users.
    let subq = select([
        posts.c("owner_id")?,
        func::count(posts.c("id")?).label("post_count"),
    ])
    .group_by([posts.c("owner_id")?])
    .subquery("post_counts");

    let statements: Vec<(&str, Statement)> = vec![
        (
            "7. create_user",
            insert(&users)
                .value("name", "Alice")
                .value("email", "alice@example.com")
                .returning(users.c("id")?)
                .into(),
        ),
        (
            "7. get_user_by_email",
            select(&users)
                .where_(users.c("email")?.eq("alice@example.com"))
                .limit(1)
                .into(),
        ),
        (
            "9.1 filter and order",
            select(&users)
                .where_(users.c("name")?.like("A%"))
                .order_by(users.c("id")?.desc())
                .into(),
        ),
        (
            "9.2 join",
            select([users.c("name")?, posts.c("title")?])
                .join(&posts, users.c("id")?.eq(posts.c("owner_id")?))
                .into(),
        ),
        ("9.3 aggregate", select(func::count(posts.c("id")?)).into()),
        (
            "9.4 subquery",
            select([users.c("name")?, subq.c("post_count")?])
                .join(&subq, users.c("id")?.eq(subq.c("owner_id")?))
                .into(),
        ),
    ];

    for dialect_name in ["sqlite", "postgresql", "mysql"] {
        let dialect = dialect_by_name(dialect_name)?;
        println!("== {dialect_name} ==");
        println!("-- 6. create_all");
        for ddl in create_all(&md, dialect, false)? {
            println!("{};", compile(&ddl.into(), dialect)?.sql);
        }
        for (label, stmt) in &statements {
            // A statement the database cannot run is an error, never bad SQL:
            // MySQL has no RETURNING.
            match compile(stmt, dialect) {
                Ok(c) => println!("-- {label}\n{}\n   params: {:?}", c.sql, c.params),
                Err(e) => println!("-- {label}\n   not compiled: {e}"),
            }
        }
        println!();
    }
    Ok(())
}
