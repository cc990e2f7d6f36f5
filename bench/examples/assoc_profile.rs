//! The ORM benchmark's `loading_associations` workload (`benches/orm.rs`)
//! on SQLite in memory, in a plain loop for counting instructions (and,
//! with `--cache-sim=yes`, cache misses) under callgrind:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*assoc_profile::measured*' \
//!     target/release/examples/assoc_profile selectin 9 200
//! ```
//!
//! Arguments: the strategy (`selectin` or `joined`; `selectin_plain` or
//! `joined_plain` for the same untracked, through `plain()`; `raw` for
//! the raw driver's side, the floor; `diesel` for diesel's
//! `belonging_to` + `grouped_by`), the number of users (each with 10
//! posts, each post with 10 comments), the number of iterations. Each
//! iteration opens a session, loads the users with their posts and the
//! posts' comments, and closes the session, as the benchmark does; `raw`
//! runs the benchmark's three rusqlite queries and groups the rows.
//! `paired` in place of the strategy times them all in turn, in batches,
//! and prints medians of per-round ratios (a quick check of time on a
//! noisy machine; criterion's figures are the record).
//!
//! With `FRAGMENTED_HEAP=1` in the environment, the process first leaves
//! its heap full of small holes (200,000 strings of 8 to 127 bytes, two
//! thirds of them freed in a scattered order), as a long-running program's
//! heap is, and as the criterion benchmark's is when it reaches this
//! workload after the others; the loads then run in that heap.

use aludel::orm::blocking::Session;
use aludel::orm::{joined, selectin, Load, Many};
use std::hint::black_box;

/// A user and its posts.
#[derive(Debug, Default, aludel::Model)]
#[aludel(table = "users")]
struct User {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
    posts: Many<Post>,
}

/// A post and its comments.
#[derive(Debug, Default, aludel::Model)]
#[aludel(table = "posts")]
struct Post {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(foreign_key = "users.id")]
    user_id: i64,
    title: String,
    body: Option<String>,
    comments: Many<Comment>,
}

/// A comment.
#[derive(Debug, Default, aludel::Model)]
#[aludel(table = "comments")]
struct Comment {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(foreign_key = "posts.id")]
    post_id: i64,
    text: String,
}

const DDL: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, \
     title TEXT NOT NULL, body TEXT)",
    "CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, \
     text TEXT NOT NULL)",
    "CREATE INDEX posts_user_id ON posts (user_id)",
    "CREATE INDEX comments_post_id ON comments (post_id)",
];

/// The seeding statements, one a line.
fn seed_sql(users: usize) -> Vec<String> {
    let mut out: Vec<String> = DDL.iter().map(|s| s.to_string()).collect();
    for u in 1..=users {
        let hair = if u % 2 == 1 { "black" } else { "brown" };
        out.push(format!(
            "INSERT INTO users (id, name, hair_color) VALUES ({u}, 'User {}', '{hair}')",
            u - 1
        ));
        for i in 0..10 {
            let p = (u - 1) * 10 + i + 1;
            out.push(format!(
                "INSERT INTO posts (id, user_id, title, body) \
                 VALUES ({p}, {u}, 'Post {i} by user {u}', NULL)"
            ));
            for j in 0..10 {
                let c = (p - 1) * 10 + j + 1;
                out.push(format!(
                    "INSERT INTO comments (id, post_id, text) \
                     VALUES ({c}, {p}, 'Comment {j} on post {p}')"
                ));
            }
        }
    }
    out
}

type RawTree = Vec<(
    (i64, String, Option<String>),
    Vec<((i64, i64, String, Option<String>), Vec<(i64, i64, String)>)>,
)>;

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

#[inline(never)]
fn measured_raw(conn: &rusqlite::Connection) -> usize {
    use std::collections::HashMap;
    let mut st = conn
        .prepare_cached("SELECT id, name, hair_color FROM users")
        .expect("prepare");
    let mut tree: RawTree = st
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), Vec::new())))
        .expect("users")
        .collect::<rusqlite::Result<_>>()
        .expect("users");
    let user_at: HashMap<i64, usize> = tree
        .iter()
        .enumerate()
        .map(|(i, (u, _))| (u.0, i))
        .collect();
    let ids: Vec<i64> = tree.iter().map(|(u, _)| u.0).collect();
    let sql = format!(
        "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
        placeholders(ids.len())
    );
    let mut st = conn.prepare_cached(&sql).expect("prepare");
    let mut rows = st.query(rusqlite::params_from_iter(&ids)).expect("posts");
    let mut post_at: HashMap<i64, (usize, usize)> = HashMap::new();
    let mut post_ids = Vec::new();
    while let Some(r) = rows.next().expect("a post") {
        let p: (i64, i64, String, Option<String>) = (
            r.get(0).expect("id"),
            r.get(1).expect("user_id"),
            r.get(2).expect("title"),
            r.get(3).expect("body"),
        );
        let u = user_at[&p.1];
        post_at.insert(p.0, (u, tree[u].1.len()));
        post_ids.push(p.0);
        tree[u].1.push((p, Vec::new()));
    }
    drop(rows);
    let sql = format!(
        "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
        placeholders(post_ids.len())
    );
    let mut st = conn.prepare_cached(&sql).expect("prepare");
    let mut rows = st
        .query(rusqlite::params_from_iter(&post_ids))
        .expect("comments");
    while let Some(r) = rows.next().expect("a comment") {
        let c: (i64, i64, String) = (
            r.get(0).expect("id"),
            r.get(1).expect("post_id"),
            r.get(2).expect("text"),
        );
        let (u, p) = post_at[&c.1];
        tree[u].1[p].1.push(c);
    }
    tree.len()
}

#[inline(never)]
fn measured(engine: &aludel::blocking::Engine, options: &Load) -> usize {
    let mut db = Session::new(engine);
    let users = db
        .query::<User>()
        .options(options.clone())
        .all()
        .expect("load");
    db.close().expect("close");
    users.len()
}

#[inline(never)]
fn measured_plain(engine: &aludel::blocking::Engine, options: &Load) -> usize {
    let mut db = Session::new(engine);
    let users = db
        .query::<User>()
        .options(options.clone())
        .plain()
        .all()
        .expect("load");
    db.close().expect("close");
    users.len()
}

/// diesel's side of the benchmark: `belonging_to` and `grouped_by` at
/// both levels, as `benches/orm.rs` runs it.
mod diesel_model {
    include!("../shared/diesel_assoc.rs");
}

#[inline(never)]
fn measured_diesel(conn: &mut diesel::SqliteConnection) -> usize {
    let tree = diesel_model::associations(conn);
    black_box(&tree);
    tree.len()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: assoc_profile selectin|joined|selectin_plain|joined_plain|raw|diesel USERS ITERATIONS";
    let users: usize = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let iterations: usize = args.get(3).and_then(|a| a.parse().ok()).expect(usage);
    let strategy = args.get(1).map(String::as_str).unwrap_or("");
    if strategy == "paired" {
        paired(users, iterations);
        return;
    }
    let plain = strategy.ends_with("_plain");
    let options = match strategy.trim_end_matches("_plain") {
        "selectin" => selectin(User::posts).selectin(Post::comments),
        "joined" => joined(User::posts).joined(Post::comments),
        "raw" if !plain => {
            let conn = rusqlite::Connection::open_in_memory().expect("a database");
            for s in seed_sql(users) {
                conn.execute_batch(&s).expect("seeding");
            }
            let mut total = 0;
            for _ in 0..iterations {
                total += black_box(measured_raw(&conn));
            }
            assert_eq!(total, users * iterations);
            return;
        }
        "diesel" if !plain => {
            use diesel::connection::SimpleConnection;
            use diesel::Connection;
            let mut conn = diesel::SqliteConnection::establish(":memory:").expect("a database");
            conn.batch_execute(&seed_sql(users).join(";\n"))
                .expect("seeding");
            let mut total = 0;
            for _ in 0..iterations {
                total += black_box(measured_diesel(&mut conn));
            }
            assert_eq!(total, users * iterations);
            return;
        }
        _ => panic!("{usage}"),
    };
    let engine = aludel::blocking::create_engine("sqlite://").expect("the engine");
    let mut db = Session::new(&engine);
    for s in seed_sql(users) {
        db.execute(aludel::text(&s)).expect("seeding");
    }
    db.commit().expect("commit");
    let _kept = fragment_heap();
    let mut total = 0;
    for _ in 0..iterations {
        total += black_box(if plain {
            measured_plain(&engine, &options)
        } else {
            measured(&engine, &options)
        });
    }
    assert_eq!(total, users * iterations);
}

/// With `FRAGMENTED_HEAP` set, fills the heap with small strings and
/// frees two thirds of them, scattered; returns the rest, to be kept
/// alive while the loads run.
fn fragment_heap() -> Vec<String> {
    if std::env::var_os("FRAGMENTED_HEAP").is_none() {
        return Vec::new();
    }
    let mut all: Vec<Option<String>> = (0..200_000usize)
        .map(|i| Some("x".repeat(8 + (i * 7919) % 120)))
        .collect();
    for (i, s) in all.iter_mut().enumerate() {
        if i.wrapping_mul(2_654_435_761) % 3 != 0 {
            *s = None;
        }
    }
    all.into_iter().flatten().collect()
}

/// `paired`: raw, diesel and Aludel's tracked and untracked loads in turn,
/// `iterations` rounds of batches of 200 loads (`PAIRED_BATCH` sets
/// another size), in one process. Each batch is timed against the raw
/// and diesel batches of its round, so that a slow spell of a shared
/// machine slows both sides of a ratio alike; prints the median time per
/// load and the median of the per-round ratios to raw and to diesel.
/// Batches much smaller than that favour Aludel: the heap each batch
/// starts from is the one the previous implementation left, and a
/// load's allocation costs depend on it.
fn paired(users: usize, rounds: usize) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let batch: usize = std::env::var("PAIRED_BATCH")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(200);
    let raw = rusqlite::Connection::open_in_memory().expect("a database");
    let mut dconn = diesel::SqliteConnection::establish(":memory:").expect("a database");
    let engine = aludel::blocking::create_engine("sqlite://").expect("the engine");
    let mut db = Session::new(&engine);
    for s in seed_sql(users) {
        raw.execute_batch(&s).expect("seeding");
        db.execute(aludel::text(&s)).expect("seeding");
    }
    dconn
        .batch_execute(&seed_sql(users).join(";\n"))
        .expect("seeding");
    db.commit().expect("commit");
    drop(db);
    let _kept = fragment_heap();
    let selectin_opts = selectin(User::posts).selectin(Post::comments);
    let joined_opts = joined(User::posts).joined(Post::comments);
    let names = [
        "raw",
        "diesel",
        "selectin",
        "joined",
        "selectin_plain",
        "joined_plain",
    ];
    let mut run = |k: usize| -> usize {
        match k {
            0 => measured_raw(&raw),
            1 => measured_diesel(&mut dconn),
            2 => measured(&engine, &selectin_opts),
            3 => measured(&engine, &joined_opts),
            4 => measured_plain(&engine, &selectin_opts),
            _ => measured_plain(&engine, &joined_opts),
        }
    };
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); names.len()];
    for k in 0..names.len() {
        for _ in 0..batch {
            assert_eq!(black_box(run(k)), users);
        }
    }
    for _ in 0..rounds {
        for (k, t) in times.iter_mut().enumerate() {
            let start = std::time::Instant::now();
            for _ in 0..batch {
                black_box(run(k));
            }
            t.push(start.elapsed().as_secs_f64() * 1e6 / batch as f64);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratio = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(x, y)| x / y).collect());
    for (k, name) in names.iter().enumerate() {
        println!(
            "{name:>15}: {:8.1} us per load, {:.3}x raw, {:.3}x diesel (medians of {rounds} paired rounds)",
            median(times[k].clone()),
            ratio(&times[k], &times[0]),
            ratio(&times[k], &times[1]),
        );
    }
}
