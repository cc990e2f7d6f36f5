// diesel's side of `loading_associations`: the three tables, their structs
// and diesel_bench's iteration. Included (`include!`) by `benches/orm.rs`
// and `examples/assoc_profile.rs`, inside a module of their own.

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        hair_color -> Nullable<Text>,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        post_id -> BigInt,
        text -> Text,
    }
}

#[derive(Debug, Clone, PartialEq, diesel::Queryable, diesel::Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, diesel::Queryable, diesel::Identifiable, diesel::Associations,
)]
#[diesel(table_name = posts, belongs_to(User))]
pub struct Post {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub body: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, diesel::Queryable, diesel::Identifiable, diesel::Associations,
)]
#[diesel(table_name = comments, belongs_to(Post))]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub text: String,
}

/// diesel's result of `loading_associations`.
pub type Tree = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

/// diesel_bench's iteration: `belonging_to` and `grouped_by` at both
/// levels.
pub fn associations(conn: &mut diesel::SqliteConnection) -> Tree {
    use diesel::prelude::*;
    let all = users::table.load::<User>(conn).expect("users");
    let posts = Post::belonging_to(&all).load::<Post>(conn).expect("posts");
    let comments = Comment::belonging_to(&posts)
        .load::<Comment>(conn)
        .expect("comments")
        .grouped_by(&posts);
    let posts_and_comments = posts.into_iter().zip(comments).grouped_by(&all);
    all.into_iter().zip(posts_and_comments).collect()
}
