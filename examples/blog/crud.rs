//! The seed's `app/crud.py`.

use crate::models::{Post, User};
use aludel::orm::blocking::Session;
use aludel::orm::{Obj, Result};

/// Adds a user, commits, and loads it again (the commit expired it).
pub fn create_user(db: &mut Session, name: &str, email: &str) -> Result<Obj<User>> {
    let user = db.add(User {
        name: Some(name.into()),
        email: Some(email.into()),
        ..Default::default()
    });
    db.commit()?;
    db.refresh(&user)?;
    Ok(user)
}

/// Every user.
pub fn get_users(db: &mut Session) -> Result<Vec<Obj<User>>> {
    db.query::<User>().all()
}

/// The user with this email, if any.
pub fn get_user_by_email(db: &mut Session, email: &str) -> Result<Option<Obj<User>>> {
    db.query::<User>().filter(User::email.eq(email)).first()
}

/// Adds a post by `user_id`, commits, and loads it again.
pub fn create_post(
    db: &mut Session,
    user_id: i32,
    title: &str,
    content: &str,
) -> Result<Obj<Post>> {
    let post = db.add(Post {
        title: Some(title.into()),
        content: Some(content.into()),
        owner_id: Some(user_id),
        ..Default::default()
    });
    db.commit()?;
    db.refresh(&post)?;
    Ok(post)
}
