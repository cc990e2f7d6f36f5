//! Workloads of the engine benchmark (`benches/engine.rs`) in a plain loop,
//! for counting instructions under callgrind, which is repeatable where
//! wall-clock time on a shared machine is not:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*engine_profile::*measured*' \
//!     target/release/examples/engine_profile aludel pk 1000
//! ```
//!
//! Arguments: `raw`, `aludel` or `prepared` (statements built and
//! compiled once by `Engine::prepare`, run with new values); the workload:
//! on SQLite in memory `all1`, `all100` or `all10000` (every user of a
//! table of 1, 100 or 10,000), `pk` (one user by primary key), `insert`
//! (100 users in one INSERT), `join1` (the engine benchmark's
//! `users_left_join_posts/1`: one black-haired user, no posts, `users LEFT
//! JOIN posts`), `join10000` (its `users_left_join_posts/10000`: 10,000
//! users, black and brown in turn, no posts); or `pg<N>`, every user of a
//! table of N on the PostgreSQL database `ALUDEL_PROFILE_PG_URL` names
//! (its `users` table is dropped and refilled); then the number of
//! iterations. Compare the `raw` and `aludel` totals: the raw driver is the
//! floor. `paired` in place of the implementation times the three in
//! turn, in batches, and prints medians of per-batch ratios (a quick
//! check of time on a noisy machine; criterion's figures are the record).

use aludel::engine::{get, FromRow, RowAccess};
use aludel::{
    bindparam, insert, select, value, Column, IntoExpr, MetaData, Select, SqlType, Table,
};
use std::hint::black_box;

include!("../shared/engine_rows.rs");

const DDL: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, \
     title TEXT NOT NULL, body TEXT)",
];

fn users_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(Column::new("name", SqlType::String(None)).not_null())
            .column(Column::new("hair_color", SqlType::String(None))),
    )
    .expect("the users table")
    .into_static()
}

fn posts_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("posts")
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(Column::new("user_id", SqlType::BigInt).not_null())
            .column(Column::new("title", SqlType::String(None)).not_null())
            .column(Column::new("body", SqlType::String(None))),
    )
    .expect("the posts table")
    .into_static()
}

fn insert_users_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for x in 0..rows {
        if x > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?)");
    }
    sql
}

struct Setup {
    raw: rusqlite::Connection,
    conn: aludel::blocking::Connection,
    engine: aludel::blocking::Engine,
    users: Table,
    posts: Table,
}

fn setup(rows: usize) -> Setup {
    let raw = rusqlite::Connection::open_in_memory().expect("memory");
    let engine = aludel::blocking::create_engine("sqlite://").expect("engine");
    let mut conn = engine.connect().expect("connection");
    for sql in DDL {
        raw.execute_batch(sql).expect("DDL");
        conn.execute(aludel::text(sql)).expect("DDL");
    }
    let users = users_table();
    if rows > 0 {
        let names: Vec<String> = (0..rows).map(|x| format!("User {x}")).collect();
        let mut st = raw
            .prepare("INSERT INTO users (name, hair_color) VALUES (?, NULL)")
            .expect("prepare");
        for n in &names {
            st.execute([n]).expect("insert");
        }
        drop(st);
        conn.execute(
            insert(&users).columns(["name", "hair_color"]).rows(
                names
                    .iter()
                    .map(|n| [value(n.as_str()), value(None::<&str>)]),
            ),
        )
        .expect("seed");
    }
    Setup {
        raw,
        conn,
        engine,
        users,
        posts: posts_table(),
    }
}

#[inline(never)]
fn measured(s: &mut Setup, imp: &str, workload: &str, n: usize) {
    let all_users = "SELECT id, name, hair_color FROM users";
    let aludel = match imp {
        "raw" => false,
        "aludel" => true,
        "prepared" => return measured_prepared(s, workload, n),
        _ => panic!("unknown implementation {imp}"),
    };
    match (aludel, workload) {
        (false, "all1" | "all100" | "all10000") => {
            for _ in 0..n {
                let mut st = s.raw.prepare_cached(all_users).expect("prepare");
                let v = st
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
                black_box(v);
            }
        }
        (true, "all1" | "all100" | "all10000") => {
            for _ in 0..n {
                let v: Vec<User> = s.conn.fetch_all(select(&s.users)).expect("fetch");
                black_box(v);
            }
        }
        (false, "pk") => {
            let sql = "SELECT id, name, hair_color FROM users WHERE id = ?";
            for i in 0..n {
                let mut st = s.raw.prepare_cached(sql).expect("prepare");
                let u = st
                    .query_row([(i % 100 + 1) as i64], |r| {
                        Ok(User {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            hair_color: r.get(2)?,
                        })
                    })
                    .expect("row");
                black_box(u);
            }
        }
        (true, "pk") => {
            for i in 0..n {
                let id = s.users.c("id").expect("id");
                let q = select(&s.users).where_(id.eq((i % 100 + 1) as i64));
                let u: Option<User> = s.conn.fetch_first(q).expect("fetch");
                black_box(u);
            }
        }
        (false, "insert") => {
            let sql = insert_users_sql(100);
            for _ in 0..n {
                let names: Vec<String> = (0..100).map(|x| format!("User {x}")).collect();
                let hair = Some("hair_color");
                let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(200);
                for n in &names {
                    params.push(n);
                    params.push(&hair);
                }
                let mut st = s.raw.prepare_cached(&sql).expect("prepare");
                black_box(st.execute(params.as_slice()).expect("insert"));
            }
        }
        (true, "insert") => {
            for _ in 0..n {
                let stmt = insert(&s.users)
                    .columns(["name", "hair_color"])
                    .rows((0..100).map(|x| [value(format!("User {x}")), value("hair_color")]));
                black_box(s.conn.execute(stmt).expect("insert").rows_affected());
            }
        }
        (false, "join1" | "join10000") => {
            for _ in 0..n {
                let mut st = s.raw.prepare_cached(USERS_WITH_POSTS).expect("prepare");
                let rows = st
                    .query_map(["black"], |r| {
                        sqlite_user_and_post(r).map(|(u, p)| UserAndPost(u, p))
                    })
                    .expect("query")
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .expect("rows");
                black_box(rows);
            }
        }
        (true, "join1" | "join10000") => {
            for _ in 0..n {
                let q = users_with_posts(&s.users, &s.posts, "black");
                let v: Vec<UserAndPost> = s.conn.fetch_all(q).expect("fetch");
                black_box(v);
            }
        }
        _ => panic!("unknown workload {workload}"),
    }
}

/// The `prepared` implementation: statements built and compiled once
/// (`Engine::prepare`), run with new values.
#[inline(never)]
fn measured_prepared(s: &mut Setup, workload: &str, n: usize) {
    let engine = &s.engine;
    match workload {
        "all1" | "all100" | "all10000" => {
            let all = engine.prepare(select(&s.users)).expect("prepare");
            for _ in 0..n {
                let v: Vec<User> = s.conn.fetch_all(&all).expect("fetch");
                black_box(v);
            }
        }
        "pk" => {
            let id = s.users.c("id").expect("id");
            let by_id = engine
                .prepare(select(&s.users).where_(id.eq(bindparam("id"))))
                .expect("prepare");
            for i in 0..n {
                let u: Option<User> = s
                    .conn
                    .fetch_first(by_id.bind((i % 100 + 1) as i64))
                    .expect("fetch");
                black_box(u);
            }
        }
        "join1" | "join10000" => {
            let q = engine
                .prepare(users_with_posts(&s.users, &s.posts, bindparam("hair")))
                .expect("prepare");
            for _ in 0..n {
                let v: Vec<UserAndPost> = s.conn.fetch_all(q.bind("black")).expect("fetch");
                black_box(v);
            }
        }
        "insert" => {
            let stmt = insert(&s.users).columns(["name", "hair_color"]).rows(
                (0..100).map(|x| [bindparam(format!("name{x}")), bindparam(format!("hair{x}"))]),
            );
            let add = engine.prepare(stmt).expect("prepare");
            for _ in 0..n {
                let mut b = add.bound();
                for x in 0..100 {
                    b = b.bind(format!("User {x}")).bind("hair_color");
                }
                black_box(s.conn.execute(b).expect("insert").rows_affected());
            }
        }
        _ => panic!("unknown workload {workload}"),
    }
}

/// PostgreSQL: every user of a table of `rows`, `n` times.
mod pg {
    use super::*;
    use futures_util::TryStreamExt;

    pub struct Pg {
        rt: tokio::runtime::Runtime,
        raw: tokio_postgres::Client,
        all: tokio_postgres::Statement,
        conn: aludel::Connection,
        users: Table,
    }

    pub fn setup(url: &str, rows: usize) -> Pg {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (raw, all, conn) = rt.block_on(async {
            let (raw, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            raw.batch_execute(&format!(
                "DROP TABLE IF EXISTS users; \
                 CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT); \
                 INSERT INTO users (name) SELECT 'User ' || g FROM generate_series(1, {rows}) g"
            ))
            .await
            .expect("seed");
            let all = raw
                .prepare("SELECT id, name, hair_color FROM users")
                .await
                .expect("prepare");
            let engine = aludel::create_engine(url).expect("engine");
            let conn = engine.connect().await.expect("connection");
            (raw, all, conn)
        });
        Pg {
            rt,
            raw,
            all,
            conn,
            users: users_table(),
        }
    }

    #[inline(never)]
    pub fn measured_pg(p: &mut Pg, aludel: bool, n: usize) {
        for _ in 0..n {
            if aludel {
                let q = select(&p.users);
                let v: Vec<User> = p.rt.block_on(p.conn.fetch_all(q)).expect("fetch");
                black_box(v);
            } else {
                let (raw, all) = (&p.raw, &p.all);
                let v: Vec<User> = p.rt.block_on(async {
                    raw.query_raw(all, std::iter::empty::<i64>())
                        .await
                        .expect("query")
                        .map_ok(|r| User {
                            id: r.get(0),
                            name: r.get(1),
                            hair_color: r.get(2),
                        })
                        .try_collect()
                        .await
                        .expect("rows")
                });
                black_box(v);
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let imp = args.get(1).cloned().unwrap_or_else(|| "aludel".into());
    let aludel = imp != "raw";
    let workload = args.get(2).cloned().unwrap_or_else(|| "pk".into());
    let n: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
    if let Some(rows) = workload.strip_prefix("pg") {
        // `pg<rows>`: fetch all users from PostgreSQL at ALUDEL_PROFILE_PG_URL.
        let url = std::env::var("ALUDEL_PROFILE_PG_URL").expect("ALUDEL_PROFILE_PG_URL");
        let mut p = pg::setup(&url, rows.parse().expect("a row count"));
        pg::measured_pg(&mut p, aludel, 1);
        pg::measured_pg(&mut p, aludel, n);
        return;
    }
    let rows = match workload.as_str() {
        "all1" | "join1" => 1,
        "all100" | "pk" => 100,
        "all10000" | "join10000" => 10_000,
        _ => 0,
    };
    let mut s = setup(rows);
    if workload == "join1" {
        let black = "UPDATE users SET hair_color = 'black'";
        s.raw.execute_batch(black).expect("update");
        s.conn.execute(aludel::text(black)).expect("update");
    }
    if workload == "join10000" {
        let alternate = "UPDATE users SET hair_color = \
                         CASE WHEN id % 2 = 1 THEN 'black' ELSE 'brown' END";
        s.raw.execute_batch(alternate).expect("update");
        s.conn.execute(aludel::text(alternate)).expect("update");
    }
    if imp == "paired" {
        paired(&mut s, &workload, n);
        return;
    }
    // Warm the caches outside the measured function.
    measured(&mut s, &imp, &workload, 1);
    measured(&mut s, &imp, &workload, n);
}

/// `paired`: the three implementations in turn, in batches of 1,000
/// calls (10 for the workloads of 10,000 rows), `n` batches each, in one
/// process. Each batch of `aludel` and `prepared` is timed against the
/// `raw` batch just before it, so that a slow spell of a shared machine
/// slows both sides of a ratio alike; prints the median time per call and
/// the median of the batch ratios.
fn paired(s: &mut Setup, workload: &str, n: usize) {
    // About a millisecond or more a batch: 1,000 calls, or 10 of 10,000 rows.
    let batch = if workload.ends_with("10000") {
        10
    } else {
        1000
    };
    let imps = ["raw", "aludel", "prepared"];
    for imp in imps {
        measured(s, imp, workload, batch);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(n); imps.len()];
    for _ in 0..n {
        for (k, imp) in imps.iter().enumerate() {
            let t = std::time::Instant::now();
            measured(s, imp, workload, batch);
            times[k].push(t.elapsed().as_secs_f64() * 1e9 / batch as f64);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for (k, imp) in imps.iter().enumerate() {
        let ratios: Vec<f64> = times[k].iter().zip(&times[0]).map(|(a, r)| a / r).collect();
        println!(
            "{workload} {imp:>8}: {:8.1} ns per call, {:.3}x raw (median of {n} paired batches)",
            median(times[k].clone()),
            median(ratios)
        );
    }
}
