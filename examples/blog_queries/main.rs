//! The seed's section 9, advanced queries, on the blog's models: filtering
//! and ordering, a join of columns, an aggregate, a grouped subquery joined
//! back, and eager loading of each user's posts.
//!
//! ```sh
//! cargo run -p aludel-examples --bin blog_queries
//! ```

#[path = "../blog/models.rs"]
mod models;

use aludel::orm::blocking::SessionMaker;
use aludel::orm::{joined, models_metadata, Obj, Result};
use aludel::{func, Model};
use models::{Post, User};

fn main() -> Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:///blog_queries.db".into());
    let engine = aludel::blocking::create_engine(&url)?;
    let mut db = SessionMaker::new(&engine).session();
    let metadata = models_metadata()?;
    db.drop_all(&metadata)?;
    db.create_all(&metadata)?;
    for (name, titles) in [
        ("Alice", &["My First Post", "Second Thoughts"][..]),
        ("Anna", &["Hello"][..]),
        ("Bob", &[][..]),
    ] {
        let user = db.add(User {
            name: Some(name.into()),
            email: Some(format!("{}@example.com", name.to_lowercase())),
            ..Default::default()
        });
        for t in titles {
            let post = Obj::new(Post {
                title: Some((*t).into()),
                content: Some("...".into()),
                ..Default::default()
            });
            user.append(User::posts, &post)?;
        }
    }
    db.commit()?;

    // 9.1 Filtering and ordering.
    let users = db
        .query::<User>()
        .filter(User::name.like("A%"))
        .order_by(User::id.desc())
        .all()?;
    let names: Vec<String> = users
        .iter()
        .map(|u| Ok(u.read()?.name.clone().unwrap_or_default()))
        .collect::<Result<_>>()?;
    println!("9.1 {names:?}");

    // 9.2 Join queries.
    let results: Vec<(Option<String>, Option<String>)> = db
        .query_as((User::name, Post::title))
        .join(Post::table(), User::id.eq(Post::owner_id))
        .order_by(Post::id.asc())
        .all()?;
    for (name, title) in results {
        println!(
            "9.2 {} -> {}",
            name.unwrap_or_default(),
            title.unwrap_or_default()
        );
    }

    // 9.3 Aggregations.
    let post_count: Option<i64> = db.query_as::<(i64,)>(func::count(Post::id)).scalar()?;
    println!("9.3 Total posts: {}", post_count.unwrap_or(0));

    // 9.4 Subqueries.
    let subq = db
        .query_as::<(i64, i64)>((Post::owner_id, func::count(Post::id).label("post_count")))
        .group_by([Post::owner_id])
        .subquery("post_counts");
    let results: Vec<(Option<String>, i64)> = db
        .query_as((User::name.expr(), subq.c("post_count")?))
        .join(&subq, User::id.eq(subq.c("owner_id")?))
        .order_by(User::id.asc())
        .all()?;
    for (name, count) in results {
        println!("9.4 {} {count}", name.unwrap_or_default());
    }

    // 9.5 Eager loading.
    let users = db
        .query::<User>()
        .order_by(User::id.asc())
        .options(joined(User::posts))
        .all()?;
    for user in &users {
        let u = user.read()?;
        let titles: Vec<String> = u
            .posts
            .loaded()?
            .iter()
            .map(|p| Ok(p.read()?.title.clone().unwrap_or_default()))
            .collect::<Result<_>>()?;
        println!("9.5 {} {titles:?}", u.name.as_deref().unwrap_or(""));
    }
    db.close()?;
    Ok(())
}
