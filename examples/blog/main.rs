//! The seed's blog app (`app/main.py` with its `database.py`, `models.py`
//! and `crud.py`), on the blocking session.
//!
//! ```sh
//! cargo run -p aludel-examples --bin blog            # SQLite file blog.db
//! DATABASE_URL=postgresql://user:pw@localhost/blog cargo run -p aludel-examples --bin blog
//! ```
//!
//! It prints exactly the seed's output. Every run starts from fresh tables
//! (it drops and creates them, the seed's `create_all` on a clean slate),
//! so it can run again and again: the first user is always user 1.

mod crud;
mod database;
mod models;

use aludel::orm::models_metadata;

fn main() -> aludel::orm::Result<()> {
    if std::env::var_os("BLOG_ECHO").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .init();
    }
    let engine = database::engine()?;
    let session_local = database::session_local(&engine);

    // Base.metadata.create_all(bind=engine), from a clean slate.
    let mut db = session_local.session();
    let metadata = models_metadata()?;
    db.drop_all(&metadata)?;
    db.create_all(&metadata)?;
    db.commit()?;

    // Create a user.
    let new_user = crud::create_user(&mut db, "Alice", "alice@example.com")?;
    println!(
        "Created User: {}",
        new_user.read()?.name.as_deref().unwrap_or("")
    );

    // Create a post.
    let user_id = new_user.read()?.id;
    let post = crud::create_post(&mut db, user_id, "My First Post", "Hello World")?;
    println!(
        "Post Created: {}",
        post.read()?.title.as_deref().unwrap_or("")
    );

    // Query users.
    for user in crud::get_users(&mut db)? {
        let u = user.read()?;
        println!(
            "{} {} {}",
            u.id,
            u.name.as_deref().unwrap_or(""),
            u.email.as_deref().unwrap_or("")
        );
    }
    assert!(crud::get_user_by_email(&mut db, "alice@example.com")?.is_some());
    db.close()?;
    Ok(())
}
