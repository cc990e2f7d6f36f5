//! The seed's `app/models.py`: `User` and `Post`.
//!
//! The seed's `String` columns get lengths here, because MySQL has no
//! VARCHAR without one (SQLAlchemy would fail there the same way).

use aludel::orm::{Many, One};
use aludel::Model;

/// A user of the blog.
#[derive(Model, Debug, Clone, Default)]
#[aludel(table = "users")]
pub struct User {
    /// `Column(Integer, primary_key=True, index=True)`.
    #[aludel(primary_key, index)]
    pub id: i32,
    /// `Column(String, index=True)`.
    #[aludel(index, length = 100)]
    pub name: Option<String>,
    /// `Column(String, unique=True, index=True)`.
    #[aludel(unique, index, length = 255)]
    pub email: Option<String>,
    /// `relationship("Post", back_populates="owner", order_by="Post.id")`:
    /// without an order, a collection comes in whatever order the database
    /// returns rows.
    #[aludel(back_populates = "owner", order_by = "id")]
    pub posts: Many<Post>,
}

/// A post, written by a user.
#[derive(Model, Debug, Clone, Default)]
#[aludel(table = "posts")]
pub struct Post {
    /// `Column(Integer, primary_key=True, index=True)`.
    #[aludel(primary_key, index)]
    pub id: i32,
    /// `Column(String, index=True)`.
    #[aludel(index, length = 200)]
    pub title: Option<String>,
    /// `Column(String)`.
    #[aludel(length = 2000)]
    pub content: Option<String>,
    /// `Column(Integer, ForeignKey("users.id"))`.
    #[aludel(foreign_key = "users.id")]
    pub owner_id: Option<i32>,
    /// `relationship("User", back_populates="posts")`.
    #[aludel(back_populates = "posts")]
    pub owner: One<User>,
}
