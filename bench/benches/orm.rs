//! The ORM benchmark (issue #5): Aludel's session side by side with the raw
//! drivers, diesel and sea-orm, on SQLite and PostgreSQL.
//!
//! The table is diesel_bench's `users (id, name, hair_color NULL)`, and the
//! users are named `User 0`, `User 1`, ... as there. Workloads:
//!
//! - `load_10000_users`: every user of a table of 10,000 (`hair_color` NULL).
//!   Aludel twice: `aludel`, tracked objects through the identity map
//!   (`session.query::<User>().all()`), and `aludel_plain`, untracked structs
//!   (`session.query::<User>().plain().all()`), each in a new session,
//!   closed at the end (`session.close()`).
//! - `get_1000_by_pk`: 1,000 users fetched one by one by primary key from
//!   that table, each key once, all in one new session
//!   (`session.get::<User>(id)`, then `close`): no key is in the identity
//!   map before its lookup, so every one is a SELECT (the map never
//!   answers).
//! - `insert_1000_users`: 1,000 new users (`hair_color` set) in one
//!   transaction, their generated keys read back: `session.add_all` +
//!   `commit` (one multi-row `INSERT ... RETURNING id`); the raw drivers run
//!   the same statement; diesel `insert_into(..).values(&vec).returning(id)`;
//!   sea-orm `insert_many(..).exec_with_returning`. The table is emptied,
//!   untimed, every `INSERTS_PER_RESET` iterations.
//! - `update_1000_users`: load the 1,000 users of a table, set `hair_color`
//!   on each (a new value every iteration, so every row really changes) and
//!   write them in one transaction: Aludel `query().all()`, `obj.write()`,
//!   `commit` (one UPDATE statement run per object); raw drivers, diesel and
//!   sea-orm load the structs, then run one `UPDATE users SET hair_color = ?
//!   WHERE id = ?` per user (sea-orm: `ActiveModel::update`).
//!
//! Implementations, in the same criterion run:
//!
//! - `raw`: rusqlite with `prepare_cached`; tokio-postgres with statements
//!   prepared once.
//! - `aludel`, `aludel_plain`: the ORM session (`aludel::orm`), default
//!   options (autoflush, expire on commit); the blocking session on SQLite,
//!   the async session on PostgreSQL.
//! - `diesel` (SQLite only: its PostgreSQL backend links libpq), with its
//!   prepared-statement cache.
//! - `sea_orm` (`sqlx-sqlite`, `sqlx-postgres`), a pool of one connection.
//!
//! Every SQLite implementation has its own in-memory database (as
//! diesel_bench does); on PostgreSQL all use the same tables, in the
//! database `ALUDEL_BENCH_POSTGRES_URL` names (`cargo xtask bench` starts a
//! throwaway server and sets it). `ALUDEL_BENCH_BACKENDS` limits the
//! backends run. The async implementations run on one current-thread tokio
//! runtime.
//!
//! Before a workload is measured, every implementation runs it once and the
//! results are compared (same users, same keys, same rows changed), so that
//! nothing measures an error path.
//!
//! Benchmark ids are `<backend>/<workload>/<implementation>`.

use aludel::orm::Obj;
use criterion::{black_box, criterion_main, Criterion, SamplingMode};
use std::time::{Duration, Instant};

/// Users of the table that `load` and `get` read.
const LOAD_ROWS: usize = 10_000;
/// Primary-key lookups per iteration of `get`.
const GETS: usize = 1_000;
/// Users per iteration of `insert`.
const INSERT_ROWS: usize = 1_000;
/// Iterations of `insert` between two (untimed) emptyings of the table.
const INSERTS_PER_RESET: u64 = 10;
/// Users of the table that `update` changes.
const UPDATE_ROWS: usize = 1_000;

/// The hair color of every inserted user (as in diesel's insert benchmark).
const HAIR: &str = "hair_color";

/// Aludel's model of the table.
#[derive(Debug, Clone, PartialEq, Default, aludel::Model)]
#[aludel(table = "users")]
struct User {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
}

/// The implementations; not every backend has every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imp {
    Raw,
    Aludel,
    AludelPlain,
    Diesel,
    SeaOrm,
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Raw => "raw",
            Imp::Aludel => "aludel",
            Imp::AludelPlain => "aludel_plain",
            Imp::Diesel => "diesel",
            Imp::SeaOrm => "sea_orm",
        }
    }
}

fn user_name(x: usize) -> String {
    format!("User {x}")
}

/// `INSERT INTO users (name, hair_color) VALUES ('User 0', NULL), ...`,
/// in statements of at most 1,000 rows, for seeding (not measured).
fn seed_sql(n: usize) -> Vec<String> {
    (0..n)
        .collect::<Vec<_>>()
        .chunks(1000)
        .map(|chunk| {
            let rows: Vec<String> = chunk
                .iter()
                .map(|&x| format!("('{}', NULL)", user_name(x)))
                .collect();
            format!(
                "INSERT INTO users (name, hair_color) VALUES {}",
                rows.join(", ")
            )
        })
        .collect()
}

/// `INSERT INTO users (name, hair_color) VALUES (?, ?), ... RETURNING id`.
fn insert_sql(rows: usize, numbered: bool) -> String {
    let mut sql = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for x in 0..rows {
        if x > 0 {
            sql.push_str(", ");
        }
        if numbered {
            sql.push_str(&format!("(${}, ${})", 2 * x + 1, 2 * x + 2));
        } else {
            sql.push_str("(?, ?)");
        }
    }
    sql.push_str(" RETURNING id");
    sql
}

/// The users the ORM objects hold (for the checks, not measured).
fn values(objs: &[Obj<User>]) -> Vec<User> {
    objs.iter()
        .map(|o| o.get().expect("a readable object"))
        .collect()
}

/// The generated key of an inserted object (its value is expired at
/// commit; its key is not).
fn key_id(obj: &Obj<User>) -> i64 {
    match obj.key().as_ref().map(|k| k.values()) {
        Some([aludel::Value::I64(id)]) => *id,
        other => panic!("an inserted user's key: {other:?}"),
    }
}

fn sorted(mut v: Vec<User>) -> Vec<User> {
    v.sort_by_key(|u| u.id);
    v
}

// ----- the peers' models ----------------------------------------------------

mod diesel_model {
    diesel::table! {
        users (id) {
            id -> BigInt,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }

    #[derive(Debug, Clone, PartialEq, diesel::Queryable)]
    pub struct User {
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(diesel::Insertable)]
    #[diesel(table_name = users, treat_none_as_default_value = false)]
    pub struct NewUser<'a> {
        pub name: &'a str,
        pub hair_color: Option<&'a str>,
    }

    impl From<User> for super::User {
        fn from(u: User) -> super::User {
            super::User {
                id: u.id,
                name: u.name,
                hair_color: u.hair_color,
            }
        }
    }
}

mod sea_user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl From<Model> for super::User {
        fn from(u: Model) -> super::User {
            super::User {
                id: u.id,
                name: u.name,
                hair_color: u.hair_color,
            }
        }
    }
}

/// sea-orm's side of every workload, the same on both backends.
mod sea {
    use super::sea_user;
    use sea_orm::{
        ActiveModelTrait, ActiveValue, DatabaseConnection, EntityTrait, IntoActiveModel,
        TransactionTrait,
    };

    pub async fn load(db: &DatabaseConnection) -> Vec<sea_user::Model> {
        sea_user::Entity::find()
            .all(db)
            .await
            .expect("sea-orm load")
    }

    pub async fn get_each(db: &DatabaseConnection, ids: &[i64]) -> Vec<sea_user::Model> {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let u = sea_user::Entity::find_by_id(id)
                .one(db)
                .await
                .expect("sea-orm get")
                .expect("a user");
            out.push(u);
        }
        out
    }

    pub async fn insert(db: &DatabaseConnection, names: Vec<String>) -> Vec<i64> {
        let txn = db.begin().await.expect("begin");
        let models = names.into_iter().map(|name| sea_user::ActiveModel {
            name: ActiveValue::Set(name),
            hair_color: ActiveValue::Set(Some(super::HAIR.to_string())),
            ..Default::default()
        });
        let inserted = sea_user::Entity::insert_many(models)
            .exec_with_returning(&txn)
            .await
            .expect("sea-orm insert");
        txn.commit().await.expect("commit");
        inserted.into_iter().map(|m| m.id).collect()
    }

    pub async fn update(db: &DatabaseConnection, color: &str) -> usize {
        let users = load(db).await;
        let txn = db.begin().await.expect("begin");
        let n = users.len();
        for u in users {
            let mut am = u.into_active_model();
            am.hair_color = ActiveValue::Set(Some(color.to_string()));
            am.update(&txn).await.expect("sea-orm update");
        }
        txn.commit().await.expect("commit");
        n
    }

    pub async fn connect(url: &str) -> DatabaseConnection {
        let mut opts = sea_orm::ConnectOptions::new(url);
        opts.max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .sqlx_logging(false);
        sea_orm::Database::connect(opts)
            .await
            .expect("sea-orm connects")
    }
}

// ----- one backend ----------------------------------------------------------

trait Backend {
    fn name(&self) -> &'static str;
    fn implementations(&self) -> &'static [Imp];
    /// Empties the users table of every implementation and inserts `n`
    /// users without hair color.
    fn seed(&mut self, n: usize);
    /// The users' ids, in order.
    fn ids(&mut self) -> Vec<i64>;
    /// Loads every user; with `check`, returns them.
    fn load(&mut self, imp: Imp, check: bool) -> Option<Vec<User>>;
    /// Fetches each user of `ids` by primary key; with `check`, returns them.
    fn get_each(&mut self, imp: Imp, ids: &[i64], check: bool) -> Option<Vec<User>>;
    /// Inserts `INSERT_ROWS` users in one transaction; returns their keys.
    fn insert(&mut self, imp: Imp) -> Vec<i64>;
    /// Loads every user, sets its hair color to `color` and writes them in
    /// one transaction; returns how many users were changed.
    fn update(&mut self, imp: Imp, color: &str) -> usize;
}

fn group<'a>(
    c: &'a mut Criterion,
    name: String,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    // Iterations take milliseconds (up to a tenth of a second on a
    // server): flat sampling keeps the run short.
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g
}

fn bench_backend(c: &mut Criterion, be: &mut dyn Backend) {
    let name = be.name();
    let imps = be.implementations();

    // load
    be.seed(LOAD_ROWS);
    let expected = sorted(be.load(Imp::Raw, true).expect("rows"));
    assert_eq!(expected.len(), LOAD_ROWS, "{name}: load");
    for &imp in imps {
        let got = sorted(be.load(imp, true).expect("rows"));
        assert_eq!(got, expected, "{name}: load, {}", imp.name());
    }
    let mut g = group(c, format!("{name}/load_{LOAD_ROWS}_users"));
    for &imp in imps {
        g.bench_function(imp.name(), |b| b.iter(|| be.load(imp, false)));
    }
    g.finish();

    // get by primary key
    let ids = be.ids();
    let keys: Vec<i64> = ids.iter().step_by(LOAD_ROWS / GETS).copied().collect();
    assert_eq!(keys.len(), GETS, "{name}: get");
    let expected = be.get_each(Imp::Raw, &keys, true).expect("rows");
    assert_eq!(
        expected.iter().map(|u| u.id).collect::<Vec<_>>(),
        keys,
        "{name}: get"
    );
    let mut g = group(c, format!("{name}/get_{GETS}_by_pk"));
    for &imp in imps.iter().filter(|&&i| i != Imp::AludelPlain) {
        let got = be.get_each(imp, &keys, true).expect("rows");
        assert_eq!(got, expected, "{name}: get, {}", imp.name());
        g.bench_function(imp.name(), |b| b.iter(|| be.get_each(imp, &keys, false)));
    }
    g.finish();

    // insert
    let mut g = group(c, format!("{name}/insert_{INSERT_ROWS}_users"));
    for &imp in imps.iter().filter(|&&i| i != Imp::AludelPlain) {
        be.seed(0);
        let keys = be.insert(imp);
        assert_eq!(keys.len(), INSERT_ROWS, "{name}: insert, {}", imp.name());
        let rows = be.load(imp, true).expect("rows");
        assert_eq!(
            sorted(rows.clone())
                .iter()
                .map(|u| u.id)
                .collect::<Vec<_>>(),
            {
                let mut k = keys.clone();
                k.sort_unstable();
                k
            },
            "{name}: insert, {}: the keys read back",
            imp.name()
        );
        assert!(
            rows.iter()
                .all(|u| u.hair_color.as_deref() == Some(HAIR) && u.name.starts_with("User ")),
            "{name}: insert, {}",
            imp.name()
        );
        g.bench_function(imp.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    if i % INSERTS_PER_RESET == 0 {
                        be.seed(0);
                    }
                    let start = Instant::now();
                    let keys = be.insert(imp);
                    total += start.elapsed();
                    black_box(keys);
                }
                total
            })
        });
    }
    g.finish();

    // update
    be.seed(UPDATE_ROWS);
    let mut g = group(c, format!("{name}/update_{UPDATE_ROWS}_users"));
    for &imp in imps.iter().filter(|&&i| i != Imp::AludelPlain) {
        let color = format!("check {}", imp.name());
        assert_eq!(be.update(imp, &color), UPDATE_ROWS, "{name}: update");
        let rows = be.load(imp, true).expect("rows");
        assert_eq!(rows.len(), UPDATE_ROWS, "{name}: update");
        assert!(
            rows.iter()
                .all(|u| u.hair_color.as_deref() == Some(color.as_str())),
            "{name}: update, {}: every row changed",
            imp.name()
        );
        g.bench_function(imp.name(), |b| {
            let mut k = 0u64;
            b.iter(|| {
                k += 1;
                be.update(imp, &format!("color {k}"))
            })
        });
    }
    g.finish();
    be.seed(0);
}

// ----- SQLite ---------------------------------------------------------------

mod sqlite {
    use super::*;
    use aludel::orm::blocking::Session;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use rusqlite::params;

    const DDL: &str =
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)";

    pub struct Sqlite {
        raw: rusqlite::Connection,
        insert_sql: String,
        engine: aludel::blocking::Engine,
        diesel: diesel::SqliteConnection,
        sea: sea_orm::DatabaseConnection,
        rt: tokio::runtime::Runtime,
    }

    impl Sqlite {
        pub fn new() -> Sqlite {
            let raw = rusqlite::Connection::open_in_memory().expect("an in-memory database");
            raw.execute_batch(DDL).expect("DDL");
            let engine = aludel::blocking::create_engine("sqlite://").expect("the engine");
            let mut db = Session::new(&engine);
            db.execute(aludel::text(DDL)).expect("DDL");
            db.commit().expect("commit");
            let mut diesel =
                diesel::SqliteConnection::establish(":memory:").expect("diesel connects");
            diesel.batch_execute(DDL).expect("DDL");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let sea = rt.block_on(async {
                let db = sea::connect("sqlite::memory:").await;
                sea_orm::ConnectionTrait::execute_unprepared(&db, DDL)
                    .await
                    .expect("DDL");
                db
            });
            Sqlite {
                raw,
                insert_sql: insert_sql(INSERT_ROWS, false),
                engine,
                diesel,
                sea,
                rt,
            }
        }

        fn raw_load(&mut self) -> Vec<User> {
            let mut st = self
                .raw
                .prepare_cached("SELECT id, name, hair_color FROM users")
                .expect("prepare");
            let users = st
                .query_map([], |r| {
                    Ok(User {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        hair_color: r.get(2)?,
                    })
                })
                .expect("query")
                .collect::<rusqlite::Result<Vec<_>>>()
                .expect("rows");
            users
        }
    }

    impl Backend for Sqlite {
        fn name(&self) -> &'static str {
            "sqlite"
        }

        fn implementations(&self) -> &'static [Imp] {
            &[
                Imp::Raw,
                Imp::Aludel,
                Imp::AludelPlain,
                Imp::Diesel,
                Imp::SeaOrm,
            ]
        }

        fn seed(&mut self, n: usize) {
            let mut script = String::from("BEGIN; DELETE FROM users;");
            for s in seed_sql(n) {
                script.push_str(&s);
                script.push(';');
            }
            script.push_str("COMMIT;");
            self.raw.execute_batch(&script).expect("seeding");
            self.diesel.batch_execute(&script).expect("seeding");
            let mut db = Session::new(&self.engine);
            db.execute(aludel::text("DELETE FROM users"))
                .expect("seeding");
            for s in seed_sql(n) {
                db.execute(aludel::text(&s)).expect("seeding");
            }
            db.commit().expect("seeding");
            let sea = &self.sea;
            self.rt.block_on(async {
                sea_orm::ConnectionTrait::execute_unprepared(sea, &script)
                    .await
                    .expect("seeding")
            });
        }

        fn ids(&mut self) -> Vec<i64> {
            let mut st = self
                .raw
                .prepare("SELECT id FROM users ORDER BY id")
                .expect("prepare");
            let ids = st
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<rusqlite::Result<Vec<i64>>>()
                .expect("ids");
            ids
        }

        fn load(&mut self, imp: Imp, check: bool) -> Option<Vec<User>> {
            match imp {
                Imp::Raw => {
                    let v = self.raw_load();
                    check.then_some(v)
                }
                Imp::Aludel => {
                    let mut db = Session::new(&self.engine);
                    let v = db.query::<User>().all().expect("load");
                    db.close().expect("close");
                    check.then(|| values(&v))
                }
                Imp::AludelPlain => {
                    let mut db = Session::new(&self.engine);
                    let v = db.query::<User>().plain().all().expect("load");
                    db.close().expect("close");
                    check.then_some(v)
                }
                Imp::Diesel => {
                    let v = diesel_model::users::table
                        .load::<diesel_model::User>(&mut self.diesel)
                        .expect("load");
                    check.then(|| v.into_iter().map(User::from).collect())
                }
                Imp::SeaOrm => {
                    let v = self.rt.block_on(sea::load(&self.sea));
                    check.then(|| v.into_iter().map(User::from).collect())
                }
            }
        }

        fn get_each(&mut self, imp: Imp, ids: &[i64], check: bool) -> Option<Vec<User>> {
            match imp {
                Imp::Raw => {
                    let mut out = Vec::with_capacity(ids.len());
                    for &id in ids {
                        let mut st = self
                            .raw
                            .prepare_cached("SELECT id, name, hair_color FROM users WHERE id = ?")
                            .expect("prepare");
                        let u = st
                            .query_row([id], |r| {
                                Ok(User {
                                    id: r.get(0)?,
                                    name: r.get(1)?,
                                    hair_color: r.get(2)?,
                                })
                            })
                            .expect("get");
                        out.push(u);
                    }
                    check.then_some(out)
                }
                Imp::Aludel | Imp::AludelPlain => {
                    let mut db = Session::new(&self.engine);
                    let mut out = Vec::with_capacity(ids.len());
                    for &id in ids {
                        out.push(db.get::<User>(id).expect("get").expect("a user"));
                    }
                    db.close().expect("close");
                    check.then(|| values(&out))
                }
                Imp::Diesel => {
                    use diesel_model::users;
                    let mut out = Vec::with_capacity(ids.len());
                    for &id in ids {
                        let u = users::table
                            .find(id)
                            .first::<diesel_model::User>(&mut self.diesel)
                            .expect("get");
                        out.push(u);
                    }
                    check.then(|| out.into_iter().map(User::from).collect())
                }
                Imp::SeaOrm => {
                    let v = self.rt.block_on(sea::get_each(&self.sea, ids));
                    check.then(|| v.into_iter().map(User::from).collect())
                }
            }
        }

        fn insert(&mut self, imp: Imp) -> Vec<i64> {
            let names: Vec<String> = (0..INSERT_ROWS).map(user_name).collect();
            match imp {
                Imp::Raw => {
                    let hair = Some(HAIR);
                    let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(2 * names.len());
                    for n in &names {
                        params.push(n);
                        params.push(&hair);
                    }
                    let tx = self.raw.transaction().expect("begin");
                    let ids = {
                        let mut st = tx.prepare_cached(&self.insert_sql).expect("prepare");
                        let ids = st
                            .query_map(params.as_slice(), |r| r.get(0))
                            .expect("insert")
                            .collect::<rusqlite::Result<Vec<i64>>>()
                            .expect("ids");
                        ids
                    };
                    tx.commit().expect("commit");
                    ids
                }
                Imp::Aludel | Imp::AludelPlain => {
                    let mut db = Session::new(&self.engine);
                    let objs = db.add_all(names.into_iter().map(|name| User {
                        name,
                        hair_color: Some(HAIR.to_string()),
                        ..Default::default()
                    }));
                    db.commit().expect("commit");
                    objs.iter().map(key_id).collect()
                }
                Imp::Diesel => {
                    use diesel_model::{users, NewUser};
                    let rows: Vec<NewUser<'_>> = names
                        .iter()
                        .map(|n| NewUser {
                            name: n,
                            hair_color: Some(HAIR),
                        })
                        .collect();
                    self.diesel
                        .transaction(|c| {
                            diesel::insert_into(users::table)
                                .values(&rows)
                                .returning(users::id)
                                .get_results::<i64>(c)
                        })
                        .expect("insert")
                }
                Imp::SeaOrm => self.rt.block_on(sea::insert(&self.sea, names)),
            }
        }

        fn update(&mut self, imp: Imp, color: &str) -> usize {
            match imp {
                Imp::Raw => {
                    let users = self.raw_load();
                    let tx = self.raw.transaction().expect("begin");
                    {
                        let mut st = tx
                            .prepare_cached("UPDATE users SET hair_color = ? WHERE id = ?")
                            .expect("prepare");
                        for u in &users {
                            st.execute(params![color, u.id]).expect("update");
                        }
                    }
                    tx.commit().expect("commit");
                    users.len()
                }
                Imp::Aludel | Imp::AludelPlain => {
                    let mut db = Session::new(&self.engine);
                    let objs = db.query::<User>().all().expect("load");
                    for o in &objs {
                        o.write().expect("write").hair_color = Some(color.to_string());
                    }
                    db.commit().expect("commit");
                    objs.len()
                }
                Imp::Diesel => {
                    use diesel_model::users;
                    let all = users::table
                        .load::<diesel_model::User>(&mut self.diesel)
                        .expect("load");
                    self.diesel
                        .transaction(|c| {
                            for u in &all {
                                diesel::update(users::table.find(u.id))
                                    .set(users::hair_color.eq(color))
                                    .execute(c)?;
                            }
                            diesel::QueryResult::Ok(())
                        })
                        .expect("update");
                    all.len()
                }
                Imp::SeaOrm => self.rt.block_on(sea::update(&self.sea, color)),
            }
        }
    }
}

// ----- PostgreSQL -----------------------------------------------------------

mod postgres {
    use super::*;
    use aludel::orm::Session;
    use futures_util::TryStreamExt;
    use tokio::runtime::Runtime;
    use tokio_postgres::types::ToSql;
    use tokio_postgres::{Client, NoTls, Statement};

    const DDL: &str = "\
        DROP TABLE IF EXISTS posts; DROP TABLE IF EXISTS users;\
        CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name VARCHAR NOT NULL, hair_color VARCHAR);";

    struct Prepared {
        all_users: Statement,
        user_by_id: Statement,
        insert_users: Statement,
        update_hair: Statement,
    }

    pub struct Postgres {
        client: Client,
        prepared: Prepared,
        engine: aludel::Engine,
        sea: Option<sea_orm::DatabaseConnection>,
        // Last: the runtime that drives every connection's socket.
        rt: Runtime,
    }

    fn user(r: &tokio_postgres::Row) -> User {
        User {
            id: r.get(0),
            name: r.get(1),
            hair_color: r.get(2),
        }
    }

    impl Postgres {
        pub fn new(url: &str) -> Postgres {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let (client, prepared, engine, sea) = rt.block_on(async {
                let (client, connection) = tokio_postgres::connect(url, NoTls)
                    .await
                    .expect("connecting to ALUDEL_BENCH_POSTGRES_URL");
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        eprintln!("orm bench: the PostgreSQL connection ended: {e}");
                    }
                });
                let version: String = client
                    .query_one("SELECT version()", &[])
                    .await
                    .expect("version")
                    .get(0);
                eprintln!("orm bench: postgres server: {version}");
                client.batch_execute(DDL).await.expect("DDL");
                let prepared = Prepared {
                    all_users: client
                        .prepare("SELECT id, name, hair_color FROM users")
                        .await
                        .expect("prepare"),
                    user_by_id: client
                        .prepare("SELECT id, name, hair_color FROM users WHERE id = $1")
                        .await
                        .expect("prepare"),
                    insert_users: client
                        .prepare(&insert_sql(INSERT_ROWS, true))
                        .await
                        .expect("prepare"),
                    update_hair: client
                        .prepare("UPDATE users SET hair_color = $1 WHERE id = $2")
                        .await
                        .expect("prepare"),
                };
                let engine = aludel::create_engine(url).expect("the engine");
                let sea = sea::connect(url).await;
                (client, prepared, engine, sea)
            });
            Postgres {
                client,
                prepared,
                engine,
                sea: Some(sea),
                rt,
            }
        }

        async fn raw_load(client: &Client, st: &Statement) -> Vec<User> {
            client
                .query_raw(st, std::iter::empty::<i64>())
                .await
                .expect("query")
                .map_ok(|r| user(&r))
                .try_collect()
                .await
                .expect("rows")
        }

        fn sea(&self) -> &sea_orm::DatabaseConnection {
            self.sea.as_ref().expect("the sea-orm connection")
        }
    }

    impl Drop for Postgres {
        fn drop(&mut self) {
            let _rt = self.rt.enter();
            if let Some(sea) = self.sea.take() {
                let _ = self.rt.block_on(sea.close());
            }
            self.engine.dispose();
        }
    }

    impl Backend for Postgres {
        fn name(&self) -> &'static str {
            "postgres"
        }

        fn implementations(&self) -> &'static [Imp] {
            &[Imp::Raw, Imp::Aludel, Imp::AludelPlain, Imp::SeaOrm]
        }

        fn seed(&mut self, n: usize) {
            let client = &self.client;
            self.rt.block_on(async {
                client
                    .batch_execute("TRUNCATE users RESTART IDENTITY")
                    .await
                    .expect("emptying");
                for s in seed_sql(n) {
                    client.batch_execute(&s).await.expect("seeding");
                }
            })
        }

        fn ids(&mut self) -> Vec<i64> {
            let client = &self.client;
            self.rt.block_on(async {
                client
                    .query("SELECT id FROM users ORDER BY id", &[])
                    .await
                    .expect("ids")
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            })
        }

        fn load(&mut self, imp: Imp, check: bool) -> Option<Vec<User>> {
            let engine = &self.engine;
            match imp {
                Imp::Raw => {
                    let v = self
                        .rt
                        .block_on(Self::raw_load(&self.client, &self.prepared.all_users));
                    check.then_some(v)
                }
                Imp::Aludel => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let v = db.query::<User>().all().await.expect("load");
                    db.close().await.expect("close");
                    check.then(|| values(&v))
                }),
                Imp::AludelPlain => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let v = db.query::<User>().plain().all().await.expect("load");
                    db.close().await.expect("close");
                    check.then_some(v)
                }),
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::SeaOrm => {
                    let v = self.rt.block_on(sea::load(self.sea()));
                    check.then(|| v.into_iter().map(User::from).collect())
                }
            }
        }

        fn get_each(&mut self, imp: Imp, ids: &[i64], check: bool) -> Option<Vec<User>> {
            let engine = &self.engine;
            match imp {
                Imp::Raw => {
                    let (client, st) = (&self.client, &self.prepared.user_by_id);
                    let v = self.rt.block_on(async {
                        let mut out = Vec::with_capacity(ids.len());
                        for id in ids {
                            let row = client.query_one(st, &[id]).await.expect("get");
                            out.push(user(&row));
                        }
                        out
                    });
                    check.then_some(v)
                }
                Imp::Aludel | Imp::AludelPlain => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let mut out = Vec::with_capacity(ids.len());
                    for &id in ids {
                        out.push(db.get::<User>(id).await.expect("get").expect("a user"));
                    }
                    db.close().await.expect("close");
                    check.then(|| values(&out))
                }),
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::SeaOrm => {
                    let v = self.rt.block_on(sea::get_each(self.sea(), ids));
                    check.then(|| v.into_iter().map(User::from).collect())
                }
            }
        }

        fn insert(&mut self, imp: Imp) -> Vec<i64> {
            let names: Vec<String> = (0..INSERT_ROWS).map(user_name).collect();
            let engine = &self.engine;
            match imp {
                Imp::Raw => {
                    let (client, st) = (&mut self.client, &self.prepared.insert_users);
                    self.rt.block_on(async {
                        let hair = Some(HAIR);
                        let mut params: Vec<&(dyn ToSql + Sync)> =
                            Vec::with_capacity(2 * names.len());
                        for n in &names {
                            params.push(n);
                            params.push(&hair);
                        }
                        let tx = client.transaction().await.expect("begin");
                        let ids = tx
                            .query(st, &params)
                            .await
                            .expect("insert")
                            .iter()
                            .map(|r| r.get(0))
                            .collect();
                        tx.commit().await.expect("commit");
                        ids
                    })
                }
                Imp::Aludel | Imp::AludelPlain => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let objs = db.add_all(names.into_iter().map(|name| User {
                        name,
                        hair_color: Some(HAIR.to_string()),
                        ..Default::default()
                    }));
                    db.commit().await.expect("commit");
                    objs.iter().map(key_id).collect()
                }),
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::SeaOrm => self.rt.block_on(sea::insert(self.sea(), names)),
            }
        }

        fn update(&mut self, imp: Imp, color: &str) -> usize {
            let engine = &self.engine;
            match imp {
                Imp::Raw => {
                    let (client, p) = (&mut self.client, &self.prepared);
                    self.rt.block_on(async {
                        let users = Self::raw_load(client, &p.all_users).await;
                        let tx = client.transaction().await.expect("begin");
                        for u in &users {
                            tx.execute(&p.update_hair, &[&color, &u.id])
                                .await
                                .expect("update");
                        }
                        tx.commit().await.expect("commit");
                        users.len()
                    })
                }
                Imp::Aludel | Imp::AludelPlain => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let objs = db.query::<User>().all().await.expect("load");
                    for o in &objs {
                        o.write().expect("write").hair_color = Some(color.to_string());
                    }
                    db.commit().await.expect("commit");
                    objs.len()
                }),
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::SeaOrm => self.rt.block_on(sea::update(self.sea(), color)),
            }
        }
    }
}

// ----- main -----------------------------------------------------------------

fn wanted(backend: &str) -> bool {
    match std::env::var("ALUDEL_BENCH_BACKENDS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|b| b.trim() == backend),
        _ => true,
    }
}

fn orm(c: &mut Criterion) {
    if wanted("sqlite") {
        let mut be = sqlite::Sqlite::new();
        bench_backend(c, &mut be);
    }
    if wanted("postgres") {
        match std::env::var("ALUDEL_BENCH_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => {
                let mut be = postgres::Postgres::new(&url);
                bench_backend(c, &mut be);
            }
            _ => eprintln!("orm bench: ALUDEL_BENCH_POSTGRES_URL is not set; postgres skipped"),
        }
    }
}

mod group {
    // The macro declares an undocumented public function.
    #![allow(missing_docs)]
    use std::time::Duration;
    criterion::criterion_group! {
        name = benches;
        config = criterion::Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        targets = super::orm
    }
}
criterion_main!(group::benches);
