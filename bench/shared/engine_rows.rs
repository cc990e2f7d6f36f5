// The rows of the engine benchmark's workloads (a user, and a user with
// its post, if any, from `users LEFT JOIN posts`) and the join's query,
// built and raw. Included (`include!`) by `benches/engine.rs` and
// `examples/engine_profile.rs`, which import
// `aludel::engine::{get, FromRow, RowAccess}`, `aludel::{select, IntoExpr,
// Select, Table}`.

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

/// The join's raw SQL (diesel_bench's "medium complex query"), with a `?`
/// placeholder (rewritten to `$1` for PostgreSQL).
const USERS_WITH_POSTS: &str =
    "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
     FROM users AS u LEFT JOIN posts AS p ON u.id = p.user_id WHERE u.hair_color = ?";

/// The join built with Aludel: `hair_color` is a value, or a `bindparam`
/// to prepare.
fn users_with_posts(u: &Table, p: &Table, hair_color: impl IntoExpr) -> Select {
    select(u)
        .column(p)
        .outer_join(
            p,
            u.c("id")
                .expect("users.id")
                .eq(p.c("user_id").expect("posts.user_id")),
        )
        .where_(u.c("hair_color").expect("users.hair_color").eq(hair_color))
}

/// A row of the join's raw SQL on rusqlite, decoded as diesel_bench does.
fn sqlite_user_and_post(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, Option<Post>)> {
    let user = User {
        id: r.get(0)?,
        name: r.get(1)?,
        hair_color: r.get(2)?,
    };
    let post = match r.get::<_, Option<i64>>(3)? {
        Some(id) => Some(Post {
            id,
            user_id: r.get(4)?,
            title: r.get(5)?,
            body: r.get(6)?,
        }),
        None => None,
    };
    Ok((user, post))
}
