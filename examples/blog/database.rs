//! The seed's `app/database.py`: the engine and the session factory.
//!
//! `DATABASE_URL` picks the database (`postgresql://user:pw@host/db`,
//! `mysql://...`); without it the app uses the SQLite file `blog.db` in the
//! current directory.

use aludel::blocking::{create_engine_with, Engine};
use aludel::orm::blocking::SessionMaker;
use aludel::orm::Result;
use aludel::EngineOptions;

/// The database the app uses when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "sqlite:///blog.db";

/// `DATABASE_URL`, or the SQLite default.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// `create_engine(DATABASE_URL, echo=True)`: statements are logged as
/// `tracing` events, which `main` prints to stderr when `BLOG_ECHO` is set.
pub fn engine() -> Result<Engine> {
    let echo = std::env::var_os("BLOG_ECHO").is_some();
    Ok(create_engine_with(
        &database_url(),
        EngineOptions::default().echo(echo),
    )?)
}

/// `SessionLocal = sessionmaker(bind=engine, autoflush=False)`.
pub fn session_local(engine: &Engine) -> SessionMaker {
    SessionMaker::new(engine).autoflush(false)
}
