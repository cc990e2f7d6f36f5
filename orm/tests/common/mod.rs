//! What the ORM's tests share: their models, the backends they run on, and
//! a recorder of the statements an engine sends.
#![allow(dead_code)]

use aludel_core::engine::{create_engine_with, Engine, EngineOptions};
use aludel_orm::{models_metadata, Model, Session};
use std::sync::{Arc, Mutex};

use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "orm_users")]
pub struct User {
    #[aludel(primary_key, index)]
    pub id: i64,
    #[aludel(index, length = 50)]
    pub name: Option<String>,
    #[aludel(unique, index, length = 100)]
    pub email: Option<String>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "orm_posts")]
pub struct Post {
    #[aludel(primary_key, index)]
    pub id: i64,
    #[aludel(index, length = 100)]
    pub title: Option<String>,
    #[aludel(length = 200)]
    pub content: Option<String>,
    #[aludel(foreign_key = "orm_users.id", on_delete = "cascade")]
    pub owner_id: Option<i64>,
}

/// A self-referential table with keys chosen by the application.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "orm_categories")]
pub struct Category {
    #[aludel(primary_key, autoincrement = false)]
    pub id: i64,
    #[aludel(length = 50)]
    pub name: String,
    #[aludel(foreign_key = "orm_categories.id")]
    pub parent_id: Option<i64>,
}

/// A table with a version column.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "orm_documents")]
pub struct Document {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 100)]
    pub body: String,
    #[aludel(version)]
    pub version: i64,
}

/// A composite primary key.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "orm_memberships")]
pub struct Membership {
    #[aludel(primary_key, autoincrement = false)]
    pub user_id: i64,
    #[aludel(primary_key, length = 40)]
    pub group_name: String,
    #[aludel(length = 20)]
    pub role: String,
}

/// The statements an engine sent, in order.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The statements other than transaction control (BEGIN, COMMIT, ...).
    pub fn queries(&self) -> Vec<String> {
        self.take()
            .into_iter()
            .filter(|s| {
                let u = s.trim_start().to_ascii_uppercase();
                ![
                    "BEGIN",
                    "START TRANSACTION",
                    "COMMIT",
                    "ROLLBACK",
                    "SAVEPOINT",
                    "RELEASE",
                    "SET ",
                ]
                .iter()
                .any(|p| u.starts_with(p))
            })
            .collect()
    }
}

/// One backend to run a test on.
pub struct Backend {
    pub name: &'static str,
    pub engine: Engine,
    pub recorder: Recorder,
}

/// Server-backed tests share one database and the same table names: they
/// run one at a time.
static SERVER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn lock() -> tokio::sync::MutexGuard<'static, ()> {
    SERVER_LOCK.lock().await
}

/// SQLite in memory always; PostgreSQL and MySQL when the test matrix (or
/// the environment) gives their URLs.
pub fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    // A file, not memory: a memory database is one connection, and the
    // tests run several sessions at once.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "aludel_orm_{}_{}.db",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&file);
    let urls = [
        ("sqlite", Some(format!("sqlite:///{}", file.display()))),
        ("postgres", std::env::var("ALUDEL_TEST_POSTGRES_URL").ok()),
        ("mysql", std::env::var("ALUDEL_TEST_MYSQL_URL").ok()),
    ];
    for (name, url) in urls {
        let Some(url) = url.filter(|u| !u.is_empty()) else {
            continue;
        };
        let recorder = Recorder::default();
        let r = recorder.clone();
        let options = EngineOptions::default()
            .on_statement(move |e| r.0.lock().unwrap().push(e.sql.to_string()));
        let engine = create_engine_with(&url, options)
            .unwrap_or_else(|e| panic!("{name}: cannot create the engine: {e}"));
        out.push(Backend {
            name,
            engine,
            recorder,
        });
    }
    out
}

/// Drops and creates every model's table.
pub async fn fresh_schema(engine: &Engine) {
    let md = models_metadata().unwrap();
    let mut s = Session::new(engine.clone());
    s.drop_all(&md).await.unwrap();
    s.create_all(&md).await.unwrap();
    s.commit().await.unwrap();
}

/// Runs an async test case on every backend, one backend after another,
/// each on freshly created tables; a failure names the backend.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let _guard = common::lock().await;
            for b in common::backends() {
                common::fresh_schema(&b.engine).await;
                b.recorder.take();
                if let Err(e) = cases::$name(&b).await {
                    panic!("{}: {e}", b.name);
                }
            }
        }
    )*};
}
