//! The seed's section 11, async support: the blog's models on an async
//! engine and an async session factory with `expire_on_commit=False`, and
//! `get_users` running raw SQL through the session.
//!
//! ```sh
//! cargo run -p aludel-examples --bin blog_async
//! DATABASE_URL=postgresql://user:pw@localhost/blog cargo run -p aludel-examples --bin blog_async
//! ```

#[path = "../blog/models.rs"]
mod models;

use aludel::orm::{models_metadata, Result, SessionMaker};
use aludel::{create_engine_with, text, EngineOptions, Row};
use models::User;

/// `get_users()`: `SELECT * FROM users` through an async session.
async fn get_users(sessions: &SessionMaker) -> Result<Vec<Row>> {
    let mut session = sessions.session();
    let result = session.execute(text("SELECT * FROM users")).await?;
    session.close().await?;
    Ok(result.all())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:///blog_async.db".into());
    // create_async_engine(DATABASE_URL, echo=True)
    let async_engine = create_engine_with(&url, EngineOptions::default())?;
    // sessionmaker(async_engine, expire_on_commit=False, class_=AsyncSession)
    let async_session_local = SessionMaker::new(async_engine).expire_on_commit(false);

    let mut session = async_session_local.session();
    let metadata = models_metadata()?;
    session.drop_all(&metadata).await?;
    session.create_all(&metadata).await?;
    let alice = session.add(User {
        name: Some("Alice".into()),
        email: Some("alice@example.com".into()),
        ..Default::default()
    });
    session.commit().await?;
    // expire_on_commit=False: the object stays readable after the commit.
    println!(
        "Created User: {}",
        alice.read()?.name.as_deref().unwrap_or("")
    );

    for row in get_users(&async_session_local).await? {
        let id: i64 = row.get("id")?;
        let name: Option<String> = row.get("name")?;
        let email: Option<String> = row.get("email")?;
        println!(
            "{id} {} {}",
            name.unwrap_or_default(),
            email.unwrap_or_default()
        );
    }
    Ok(())
}
