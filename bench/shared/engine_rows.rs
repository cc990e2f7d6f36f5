// The rows of the engine benchmark's workloads: a user, and a user with
// its post (if any) from `users LEFT JOIN posts`. Included (`include!`) by
// `benches/engine.rs` and `examples/engine_profile.rs`, which import
// `aludel::engine::{get, FromRow, RowAccess}`.

#[derive(Debug, Clone, PartialEq, aludel::FromRow)]
struct User {
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Post {
    id: i64,
    user_id: i64,
    title: String,
    body: Option<String>,
}

/// A row of the join: the user (columns 0 to 2, by name through the derive)
/// and its post, if any (columns 3 to 6, by position).
#[derive(Debug, Clone, PartialEq)]
struct UserAndPost(User, Option<Post>);

impl FromRow for UserAndPost {
    fn from_row(row: &dyn RowAccess) -> aludel::Result<Self> {
        let user = User::from_row(row)?;
        let post = match get::<Option<i64>>(row, 3)? {
            Some(id) => Some(Post {
                id,
                user_id: get(row, 4)?,
                title: get(row, 5)?,
                body: get(row, 6)?,
            }),
            None => None,
        };
        Ok(UserAndPost(user, post))
    }
}
