//! The ORM benchmark's `loading_associations` workload (`benches/orm.rs`)
//! on SQLite in memory, Aludel's side only, in a plain loop for counting
//! instructions under callgrind:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*assoc_profile::measured*' \
//!     target/release/examples/assoc_profile selectin 9 200
//! ```
//!
//! Arguments: the strategy (`selectin` or `joined`), the number of users
//! (each with 10 posts, each post with 10 comments), the number of
//! iterations. Each iteration opens a session, loads the users with their
//! posts and the posts' comments, and closes the session, as the benchmark
//! does.

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

fn seed(db: &mut Session, users: usize) {
    for ddl in DDL {
        db.execute(aludel::text(ddl)).expect("DDL");
    }
    for u in 1..=users {
        let hair = if u % 2 == 1 { "black" } else { "brown" };
        db.execute(aludel::text(&format!(
            "INSERT INTO users (id, name, hair_color) VALUES ({u}, 'User {}', '{hair}')",
            u - 1
        )))
        .expect("a user");
        for i in 0..10 {
            let p = (u - 1) * 10 + i + 1;
            db.execute(aludel::text(&format!(
                "INSERT INTO posts (id, user_id, title, body) \
                 VALUES ({p}, {u}, 'Post {i} by user {u}', NULL)"
            )))
            .expect("a post");
            for j in 0..10 {
                let c = (p - 1) * 10 + j + 1;
                db.execute(aludel::text(&format!(
                    "INSERT INTO comments (id, post_id, text) \
                     VALUES ({c}, {p}, 'Comment {j} on post {p}')"
                )))
                .expect("a comment");
            }
        }
    }
    db.commit().expect("commit");
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: assoc_profile selectin|joined USERS ITERATIONS";
    let options = match args.get(1).map(String::as_str) {
        Some("selectin") => selectin(User::posts).selectin(Post::comments),
        Some("joined") => joined(User::posts).joined(Post::comments),
        _ => panic!("{usage}"),
    };
    let users: usize = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let iterations: usize = args.get(3).and_then(|a| a.parse().ok()).expect(usage);
    let engine = aludel::blocking::create_engine("sqlite://").expect("the engine");
    seed(&mut Session::new(&engine), users);
    let mut total = 0;
    for _ in 0..iterations {
        total += black_box(measured(&engine, &options));
    }
    assert_eq!(total, users * iterations);
}
