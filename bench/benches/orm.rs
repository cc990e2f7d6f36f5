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
//! - `loading_associations` (issue #6): diesel_bench's "loading associations
//!   sequentially". Users (`hair_color` black or brown), each with 10 posts
//!   `(id, user_id, title, body NULL)`, each with 10 comments
//!   `(id, post_id, text)`: 100 users (1,000 posts, 10,000 comments) on
//!   PostgreSQL and 9 users (90 posts, 900 comments) on SQLite, diesel's
//!   sizes; `posts.user_id` and `comments.post_id` are indexed. One
//!   iteration loads every user, their posts and the posts' comments and
//!   returns them grouped: `raw` runs three queries (`... WHERE user_id IN
//!   (?, ...)` on SQLite, `= ANY($1)` with an array on PostgreSQL, each
//!   statement prepared once) and groups the rows in Rust into
//!   `Vec<(User, Vec<(Post, Vec<Comment>)>)>`; `aludel_selectin` is
//!   `session.query::<User>().options(selectin(User::posts)
//!   .selectin(Post::comments)).all()` (one query per level over the
//!   parents' keys in chunks of 500, `IN (...)` on SQLite and `= ANY($1)`
//!   with one array on PostgreSQL, so two comment queries there)
//!   and `aludel_joined` the same with `joined(User::posts)
//!   .joined(Post::comments)` (users LEFT OUTER JOIN posts in one query; a
//!   joined option beneath a joined one runs as a query of its own over
//!   the posts' keys, like selectin), each in a new session closed at
//!   the end, returning the users whose `posts` (and the posts' `comments`)
//!   are loaded; `aludel_selectin_plain` and `aludel_joined_plain` are the
//!   same queries untracked (`.plain()` after the options: plain `User`
//!   values whose collections hold untracked objects, in no identity map,
//!   as the raw code, diesel and sea-orm build plain structs); `diesel` is `belonging_to` + `grouped_by` at both levels
//!   (its `Vec<(User, Vec<(Post, Vec<Comment>)>)>`); `sea_orm` is its loader,
//!   `LoaderTrait::load_many` for the posts of the users and then for the
//!   comments of all posts, regrouped per user.
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
/// Users of `loading_associations` on SQLite (diesel_bench's size there).
const ASSOC_USERS_SQLITE: usize = 9;
/// Users of `loading_associations` on PostgreSQL.
const ASSOC_USERS_POSTGRES: usize = 100;
/// Posts per user and comments per post in `loading_associations`.
const ASSOC_FANOUT: usize = 10;
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

/// A post of `loading_associations`, as every implementation returns it
/// for the check.
#[derive(Debug, Clone, PartialEq)]
struct PostRow {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

/// A comment of `loading_associations`.
#[derive(Debug, Clone, PartialEq)]
struct CommentRow {
    id: i64,
    post_id: i64,
    text: String,
}

/// What `loading_associations` returns: every user with its posts, each
/// with its comments.
type Tree = Vec<(User, Vec<(PostRow, Vec<CommentRow>)>)>;

/// The tree in key order at every level (for the checks, not measured).
fn normalized(mut tree: Tree) -> Tree {
    tree.sort_by_key(|(u, _)| u.id);
    for (_, posts) in &mut tree {
        posts.sort_by_key(|(p, _)| p.id);
        for (_, comments) in posts {
            comments.sort_by_key(|c| c.id);
        }
    }
    tree
}

/// Aludel's models of `loading_associations`: the same `users` table as
/// [`User`], with its posts and their comments as relationships.
mod assoc {
    use aludel::orm::Many;

    /// A user and its posts.
    #[derive(Debug, Default, aludel::Model)]
    #[aludel(table = "users")]
    pub struct User {
        #[aludel(primary_key)]
        pub id: i64,
        pub name: String,
        pub hair_color: Option<String>,
        pub posts: Many<Post>,
    }

    /// A post and its comments.
    #[derive(Debug, Default, aludel::Model)]
    #[aludel(table = "posts")]
    pub struct Post {
        #[aludel(primary_key)]
        pub id: i64,
        #[aludel(foreign_key = "users.id")]
        pub user_id: i64,
        pub title: String,
        pub body: Option<String>,
        pub comments: Many<Comment>,
    }

    /// A comment.
    #[derive(Debug, Default, aludel::Model)]
    #[aludel(table = "comments")]
    pub struct Comment {
        #[aludel(primary_key)]
        pub id: i64,
        #[aludel(foreign_key = "posts.id")]
        pub post_id: i64,
        pub text: String,
    }

    /// The loader options of `imp` (selectin or joined at both levels).
    pub fn options(imp: super::Imp) -> aludel::orm::Load {
        use aludel::orm::{joined, selectin};
        match imp {
            super::Imp::AludelJoined | super::Imp::AludelJoinedPlain => {
                joined(User::posts).joined(Post::comments)
            }
            _ => selectin(User::posts).selectin(Post::comments),
        }
    }

    /// The loaded objects as a tree (for the checks, not measured).
    pub fn tree(users: &[aludel::orm::Obj<User>]) -> super::Tree {
        users
            .iter()
            .map(|u| branch(&u.read().expect("a readable object")))
            .collect()
    }

    /// The untracked users (`plain()`) as a tree (for the checks, not
    /// measured).
    pub fn plain_tree(users: &[User]) -> super::Tree {
        users.iter().map(branch).collect()
    }

    /// One user with its posts and their comments.
    fn branch(u: &User) -> (super::User, Vec<(super::PostRow, Vec<super::CommentRow>)>) {
        let read = "a readable object";
        let posts = u
            .posts
            .loaded()
            .expect("the posts are loaded")
            .iter()
            .map(|p| {
                let p = p.read().expect(read);
                let comments = p
                    .comments
                    .loaded()
                    .expect("the comments are loaded")
                    .iter()
                    .map(|c| {
                        let c = c.read().expect(read);
                        super::CommentRow {
                            id: c.id,
                            post_id: c.post_id,
                            text: c.text.clone(),
                        }
                    })
                    .collect();
                let post = super::PostRow {
                    id: p.id,
                    user_id: p.user_id,
                    title: p.title.clone(),
                    body: p.body.clone(),
                };
                (post, comments)
            })
            .collect();
        let user = super::User {
            id: u.id,
            name: u.name.clone(),
            hair_color: u.hair_color.clone(),
        };
        (user, posts)
    }
}

/// `INSERT` statements that fill users, posts and comments for
/// `loading_associations`, with explicit keys (seeding, not measured):
/// user `u` (1-based) is `User {u-1}`, black or brown haired; its posts
/// are `Post {i} by user {u}`; their comments `Comment {i} on post {p}`.
fn assoc_seed_sql(users: usize) -> Vec<String> {
    fn chunked(table: &str, columns: &str, rows: Vec<String>) -> Vec<String> {
        rows.chunks(1000)
            .map(|c| format!("INSERT INTO {table} ({columns}) VALUES {}", c.join(", ")))
            .collect()
    }
    let user_rows = (0..users)
        .map(|i| {
            let hair = if i % 2 == 0 { "black" } else { "brown" };
            format!("({}, '{}', '{hair}')", i + 1, user_name(i))
        })
        .collect();
    let post_rows = (0..users * ASSOC_FANOUT)
        .map(|p| {
            let user = p / ASSOC_FANOUT + 1;
            let i = p % ASSOC_FANOUT;
            format!("({}, {user}, 'Post {i} by user {user}', NULL)", p + 1)
        })
        .collect();
    let comment_rows = (0..users * ASSOC_FANOUT * ASSOC_FANOUT)
        .map(|c| {
            let post = c / ASSOC_FANOUT + 1;
            let i = c % ASSOC_FANOUT;
            format!("({}, {post}, 'Comment {i} on post {post}')", c + 1)
        })
        .collect();
    let mut out = chunked("users", "id, name, hair_color", user_rows);
    out.extend(chunked("posts", "id, user_id, title, body", post_rows));
    out.extend(chunked("comments", "id, post_id, text", comment_rows));
    out
}

/// Groups posts under their users and comments under their posts, in the
/// order the rows came: the raw drivers' side of `loading_associations`.
struct Grouper {
    tree: Tree,
    user_at: std::collections::HashMap<i64, usize>,
    post_at: std::collections::HashMap<i64, (usize, usize)>,
}

impl Grouper {
    fn new(users: Vec<User>) -> Grouper {
        let user_at = users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        Grouper {
            tree: users.into_iter().map(|u| (u, Vec::new())).collect(),
            user_at,
            post_at: std::collections::HashMap::new(),
        }
    }

    fn user_ids(&self) -> Vec<i64> {
        self.tree.iter().map(|(u, _)| u.id).collect()
    }

    /// Files a post under its user; its key, for the comments' query.
    fn post(&mut self, p: PostRow) -> i64 {
        let id = p.id;
        let u = self.user_at[&p.user_id];
        let posts = &mut self.tree[u].1;
        self.post_at.insert(id, (u, posts.len()));
        posts.push((p, Vec::new()));
        id
    }

    fn comment(&mut self, c: CommentRow) {
        let (u, p) = self.post_at[&c.post_id];
        self.tree[u].1[p].1.push(c);
    }
}

/// The implementations; not every backend has every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imp {
    Raw,
    Aludel,
    AludelPlain,
    AludelSelectin,
    AludelJoined,
    AludelSelectinPlain,
    AludelJoinedPlain,
    Diesel,
    SeaOrm,
}

/// The implementations of `loading_associations` among a backend's.
fn assoc_implementations(imps: &[Imp]) -> Vec<Imp> {
    let mut out = vec![
        Imp::Raw,
        Imp::AludelSelectin,
        Imp::AludelJoined,
        Imp::AludelSelectinPlain,
        Imp::AludelJoinedPlain,
    ];
    out.extend(
        imps.iter()
            .copied()
            .filter(|i| matches!(i, Imp::Diesel | Imp::SeaOrm)),
    );
    out
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Raw => "raw",
            Imp::Aludel => "aludel",
            Imp::AludelPlain => "aludel_plain",
            Imp::AludelSelectin => "aludel_selectin",
            Imp::AludelJoined => "aludel_joined",
            Imp::AludelSelectinPlain => "aludel_selectin_plain",
            Imp::AludelJoinedPlain => "aludel_joined_plain",
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
    include!("../shared/diesel_assoc.rs");

    /// diesel's tree as the check compares it.
    pub fn tree(t: Tree) -> super::Tree {
        t.into_iter()
            .map(|(u, posts)| {
                let posts = posts
                    .into_iter()
                    .map(|(p, comments)| {
                        let comments = comments
                            .into_iter()
                            .map(|c| super::CommentRow {
                                id: c.id,
                                post_id: c.post_id,
                                text: c.text,
                            })
                            .collect();
                        let post = super::PostRow {
                            id: p.id,
                            user_id: p.user_id,
                            title: p.title,
                            body: p.body,
                        };
                        (post, comments)
                    })
                    .collect();
                (super::User::from(u), posts)
            })
            .collect()
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
    pub enum Relation {
        #[sea_orm(has_many = "super::sea_post::Entity")]
        Posts,
    }

    impl Related<super::sea_post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Posts.def()
        }
    }

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

mod sea_post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub title: String,
        pub body: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::sea_user::Entity",
            from = "Column::UserId",
            to = "super::sea_user::Column::Id"
        )]
        User,
        #[sea_orm(has_many = "super::sea_comment::Entity")]
        Comments,
    }

    impl Related<super::sea_user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::sea_comment::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Comments.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod sea_comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub post_id: i64,
        pub text: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::sea_post::Entity",
            from = "Column::PostId",
            to = "super::sea_post::Column::Id"
        )]
        Post,
    }

    impl Related<super::sea_post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// sea-orm's side of every workload, the same on both backends.
mod sea {
    use super::{sea_comment, sea_post, sea_user};
    use sea_orm::{
        ActiveModelTrait, ActiveValue, DatabaseConnection, EntityTrait, IntoActiveModel,
        LoaderTrait, TransactionTrait,
    };

    /// sea-orm's result of `loading_associations`.
    pub type Tree = Vec<(
        sea_user::Model,
        Vec<(sea_post::Model, Vec<sea_comment::Model>)>,
    )>;

    /// Users, then their posts and the posts' comments through the loader
    /// (`load_many`, one query per level), regrouped per user.
    pub async fn associations(db: &DatabaseConnection) -> Tree {
        let users = sea_user::Entity::find()
            .all(db)
            .await
            .expect("sea-orm users");
        let posts = users
            .load_many(sea_post::Entity, db)
            .await
            .expect("sea-orm posts");
        let counts: Vec<usize> = posts.iter().map(Vec::len).collect();
        let posts: Vec<sea_post::Model> = posts.into_iter().flatten().collect();
        let comments = posts
            .load_many(sea_comment::Entity, db)
            .await
            .expect("sea-orm comments");
        let mut posts = posts.into_iter().zip(comments);
        users
            .into_iter()
            .zip(counts)
            .map(|(u, n)| (u, posts.by_ref().take(n).collect()))
            .collect()
    }

    /// sea-orm's tree as the check compares it.
    pub fn tree(t: Tree) -> super::Tree {
        t.into_iter()
            .map(|(u, posts)| {
                let posts = posts
                    .into_iter()
                    .map(|(p, comments)| {
                        let comments = comments
                            .into_iter()
                            .map(|c| super::CommentRow {
                                id: c.id,
                                post_id: c.post_id,
                                text: c.text,
                            })
                            .collect();
                        let post = super::PostRow {
                            id: p.id,
                            user_id: p.user_id,
                            title: p.title,
                            body: p.body,
                        };
                        (post, comments)
                    })
                    .collect();
                (super::User::from(u), posts)
            })
            .collect()
    }

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
    /// Users of `loading_associations` on this backend.
    fn assoc_users(&self) -> usize;
    /// Fills users, posts and comments for `loading_associations`
    /// (`assoc_seed_sql`) in every implementation's database.
    fn seed_associations(&mut self);
    /// Loads every user with its posts and their comments; with `check`,
    /// returns them.
    fn associations(&mut self, imp: Imp, check: bool) -> Option<Tree>;
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

    // loading associations
    be.seed_associations();
    let users = be.assoc_users();
    let expected = normalized(be.associations(Imp::Raw, true).expect("tree"));
    assert_eq!(expected.len(), users, "{name}: associations, users");
    for (u, posts) in &expected {
        assert_eq!(posts.len(), ASSOC_FANOUT, "{name}: posts of user {}", u.id);
        for (p, comments) in posts {
            assert_eq!(p.user_id, u.id, "{name}: associations");
            assert_eq!(
                comments.len(),
                ASSOC_FANOUT,
                "{name}: comments of post {}",
                p.id
            );
            assert!(
                comments.iter().all(|c| c.post_id == p.id),
                "{name}: associations"
            );
        }
    }
    let mut g = group(c, format!("{name}/loading_associations"));
    for imp in assoc_implementations(imps) {
        let got = normalized(be.associations(imp, true).expect("tree"));
        assert!(
            got == expected,
            "{name}: associations, {}: not the raw driver's tree",
            imp.name()
        );
        g.bench_function(imp.name(), |b| b.iter(|| be.associations(imp, false)));
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

    /// The tables of `loading_associations`, one statement each.
    const ASSOC_DDL: &[&str] = &[
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, \
         title TEXT NOT NULL, body TEXT)",
        "CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, \
         text TEXT NOT NULL)",
        "CREATE INDEX posts_user_id ON posts (user_id)",
        "CREATE INDEX comments_post_id ON comments (post_id)",
    ];

    /// `?, ?, ...`: `n` placeholders.
    fn placeholders(n: usize) -> String {
        let mut s = String::with_capacity(3 * n);
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            s.push('?');
        }
        s
    }

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
            let mut diesel =
                diesel::SqliteConnection::establish(":memory:").expect("diesel connects");
            diesel.batch_execute(DDL).expect("DDL");
            for ddl in ASSOC_DDL {
                raw.execute_batch(ddl).expect("DDL");
                db.execute(aludel::text(ddl)).expect("DDL");
                diesel.batch_execute(ddl).expect("DDL");
            }
            db.commit().expect("commit");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let sea = rt.block_on(async {
                let db = sea::connect("sqlite::memory:").await;
                for ddl in std::iter::once(DDL).chain(ASSOC_DDL.iter().copied()) {
                    sea_orm::ConnectionTrait::execute_unprepared(&db, ddl)
                        .await
                        .expect("DDL");
                }
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

        /// The raw driver's `loading_associations`: three cached
        /// statements, the rows grouped in Rust.
        fn raw_associations(&mut self) -> Tree {
            let mut g = Grouper::new(self.raw_load());
            let user_ids = g.user_ids();
            let sql = format!(
                "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
                placeholders(user_ids.len())
            );
            let mut st = self.raw.prepare_cached(&sql).expect("prepare");
            let mut rows = st
                .query(rusqlite::params_from_iter(&user_ids))
                .expect("posts");
            let mut post_ids = Vec::new();
            while let Some(r) = rows.next().expect("a post") {
                post_ids.push(g.post(PostRow {
                    id: r.get(0).expect("id"),
                    user_id: r.get(1).expect("user_id"),
                    title: r.get(2).expect("title"),
                    body: r.get(3).expect("body"),
                }));
            }
            drop(rows);
            drop(st);
            let sql = format!(
                "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
                placeholders(post_ids.len())
            );
            let mut st = self.raw.prepare_cached(&sql).expect("prepare");
            let mut rows = st
                .query(rusqlite::params_from_iter(&post_ids))
                .expect("comments");
            while let Some(r) = rows.next().expect("a comment") {
                g.comment(CommentRow {
                    id: r.get(0).expect("id"),
                    post_id: r.get(1).expect("post_id"),
                    text: r.get(2).expect("text"),
                });
            }
            drop(rows);
            drop(st);
            g.tree
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
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

        fn assoc_users(&self) -> usize {
            ASSOC_USERS_SQLITE
        }

        fn seed_associations(&mut self) {
            let clear = [
                "DELETE FROM comments",
                "DELETE FROM posts",
                "DELETE FROM users",
            ];
            let stmts: Vec<String> = clear
                .iter()
                .map(|s| s.to_string())
                .chain(assoc_seed_sql(ASSOC_USERS_SQLITE))
                .collect();
            // Each implementation has its own database, which the groups
            // before ran for as many iterations as their time allowed:
            // VACUUM rebuilds each one compactly, so that every
            // implementation reads the same tables laid out the same way.
            let script = format!("BEGIN; {}; COMMIT; VACUUM;", stmts.join("; "));
            self.raw.execute_batch(&script).expect("seeding");
            self.diesel.batch_execute(&script).expect("seeding");
            let mut db = Session::new(&self.engine);
            for s in &stmts {
                db.execute(aludel::text(s)).expect("seeding");
            }
            db.commit().expect("seeding");
            drop(db);
            self.engine
                .connect()
                .and_then(|mut c| c.execute(aludel::text("VACUUM")))
                .expect("seeding");
            let sea = &self.sea;
            self.rt.block_on(async {
                for s in stmts.iter().map(String::as_str).chain(["VACUUM"]) {
                    sea_orm::ConnectionTrait::execute_unprepared(sea, s)
                        .await
                        .expect("seeding");
                }
            });
        }

        fn associations(&mut self, imp: Imp, check: bool) -> Option<Tree> {
            match imp {
                Imp::Raw => {
                    let t = self.raw_associations();
                    check.then_some(t)
                }
                Imp::AludelSelectin | Imp::AludelJoined => {
                    let mut db = Session::new(&self.engine);
                    let v = db
                        .query::<assoc::User>()
                        .options(assoc::options(imp))
                        .all()
                        .expect("load");
                    db.close().expect("close");
                    check.then(|| assoc::tree(&v))
                }
                Imp::AludelSelectinPlain | Imp::AludelJoinedPlain => {
                    let mut db = Session::new(&self.engine);
                    let v = db
                        .query::<assoc::User>()
                        .options(assoc::options(imp))
                        .plain()
                        .all()
                        .expect("load");
                    db.close().expect("close");
                    check.then(|| assoc::plain_tree(&v))
                }
                Imp::Diesel => {
                    let t = diesel_model::associations(&mut self.diesel);
                    check.then(|| diesel_model::tree(t))
                }
                Imp::SeaOrm => {
                    let t = self.rt.block_on(sea::associations(&self.sea));
                    check.then(|| sea::tree(t))
                }
                Imp::Aludel | Imp::AludelPlain => unreachable!("not a loading_associations one"),
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
        DROP TABLE IF EXISTS comments CASCADE; DROP TABLE IF EXISTS posts CASCADE;\
        DROP TABLE IF EXISTS users CASCADE;\
        CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name VARCHAR NOT NULL, hair_color VARCHAR);\
        CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL,\
            title VARCHAR NOT NULL, body TEXT);\
        CREATE TABLE comments (id BIGSERIAL PRIMARY KEY, post_id BIGINT NOT NULL,\
            text TEXT NOT NULL);\
        CREATE INDEX posts_user_id ON posts (user_id);\
        CREATE INDEX comments_post_id ON comments (post_id);";

    struct Prepared {
        all_users: Statement,
        user_by_id: Statement,
        insert_users: Statement,
        update_hair: Statement,
        posts_of_users: Statement,
        comments_of_posts: Statement,
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
                    posts_of_users: client
                        .prepare(
                            "SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1)",
                        )
                        .await
                        .expect("prepare"),
                    comments_of_posts: client
                        .prepare("SELECT id, post_id, text FROM comments WHERE post_id = ANY($1)")
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

        /// The raw driver's `loading_associations`: three prepared
        /// statements, the rows grouped in Rust.
        async fn raw_associations(client: &Client, p: &Prepared) -> Tree {
            let mut g = Grouper::new(Self::raw_load(client, &p.all_users).await);
            let user_ids = g.user_ids();
            let posts: Vec<PostRow> = client
                .query_raw(&p.posts_of_users, [&user_ids])
                .await
                .expect("posts")
                .map_ok(|r| PostRow {
                    id: r.get(0),
                    user_id: r.get(1),
                    title: r.get(2),
                    body: r.get(3),
                })
                .try_collect()
                .await
                .expect("posts");
            let post_ids: Vec<i64> = posts.into_iter().map(|p| g.post(p)).collect();
            let comments: Vec<CommentRow> = client
                .query_raw(&p.comments_of_posts, [&post_ids])
                .await
                .expect("comments")
                .map_ok(|r| CommentRow {
                    id: r.get(0),
                    post_id: r.get(1),
                    text: r.get(2),
                })
                .try_collect()
                .await
                .expect("comments");
            for c in comments {
                g.comment(c);
            }
            g.tree
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
                }
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
                }
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
                }
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
                Imp::AludelSelectin
                | Imp::AludelJoined
                | Imp::AludelSelectinPlain
                | Imp::AludelJoinedPlain => {
                    unreachable!("loading_associations only")
                }
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::SeaOrm => self.rt.block_on(sea::update(self.sea(), color)),
            }
        }

        fn assoc_users(&self) -> usize {
            ASSOC_USERS_POSTGRES
        }

        fn seed_associations(&mut self) {
            let client = &self.client;
            self.rt.block_on(async {
                client
                    .batch_execute("TRUNCATE comments, posts, users RESTART IDENTITY")
                    .await
                    .expect("emptying");
                for s in assoc_seed_sql(ASSOC_USERS_POSTGRES) {
                    client.batch_execute(&s).await.expect("seeding");
                }
                client
                    .batch_execute("ANALYZE users; ANALYZE posts; ANALYZE comments")
                    .await
                    .expect("analyzing");
            })
        }

        fn associations(&mut self, imp: Imp, check: bool) -> Option<Tree> {
            let engine = &self.engine;
            match imp {
                Imp::Raw => {
                    let t = self
                        .rt
                        .block_on(Self::raw_associations(&self.client, &self.prepared));
                    check.then_some(t)
                }
                Imp::AludelSelectin | Imp::AludelJoined => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let v = db
                        .query::<assoc::User>()
                        .options(assoc::options(imp))
                        .all()
                        .await
                        .expect("load");
                    db.close().await.expect("close");
                    check.then(|| assoc::tree(&v))
                }),
                Imp::AludelSelectinPlain | Imp::AludelJoinedPlain => self.rt.block_on(async {
                    let mut db = Session::new(engine.clone());
                    let v = db
                        .query::<assoc::User>()
                        .options(assoc::options(imp))
                        .plain()
                        .all()
                        .await
                        .expect("load");
                    db.close().await.expect("close");
                    check.then(|| assoc::plain_tree(&v))
                }),
                Imp::SeaOrm => {
                    let t = self.rt.block_on(sea::associations(self.sea()));
                    check.then(|| sea::tree(t))
                }
                Imp::Diesel => unreachable!("diesel runs on SQLite only"),
                Imp::Aludel | Imp::AludelPlain => unreachable!("not a loading_associations one"),
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
