//! `#[derive(Model)]`: metadata, typed columns, decoding, the registry, and
//! the seed's models created and queried on SQLite.

use aludel_core::blocking::create_engine;
use aludel_core::{compile, create_all, dialect_by_name, insert, select, FkAction, SqlType, Value};
use aludel_orm::{models_metadata, registered_models, Model};
use aludel_postgres as _;
use aludel_sqlite as _;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "users")]
struct User {
    #[aludel(primary_key, index)]
    id: i64,
    #[aludel(index)]
    name: Option<String>,
    #[aludel(unique, index)]
    email: Option<String>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[aludel(table = "posts", comment = "what users write")]
struct Post {
    #[aludel(primary_key, index)]
    id: i64,
    #[aludel(index, length = 200)]
    title: Option<String>,
    #[aludel(sql_type = "aludel_core::SqlType::Text")]
    content: Option<String>,
    #[aludel(foreign_key = "users.id", on_delete = "cascade")]
    owner_id: Option<i64>,
    #[aludel(server_default = "draft", length = 10)]
    state: String,
    #[aludel(default = "0i32", column = "views_total")]
    views: i32,
    #[aludel(skip)]
    cached_summary: Option<String>,
}

#[test]
fn metadata_follows_the_declaration() {
    let users = User::table();
    assert_eq!(users.name.as_str(), "users");
    assert_eq!(users.primary_key.columns, ["id"]);
    let id = users.column("id").unwrap();
    assert!(id.primary_key && id.autoincrement && !id.nullable);
    assert_eq!(id.ty, SqlType::BigInt);
    let name = users.column("name").unwrap();
    assert!(name.nullable);
    assert_eq!(name.ty, SqlType::String(None));
    let ix: Vec<(&str, bool)> = users
        .indexes
        .iter()
        .map(|i| (i.name.as_deref().unwrap(), i.unique))
        .collect();
    assert_eq!(
        ix,
        [
            ("ix_users_id", false),
            ("ix_users_name", false),
            ("ix_users_email", true)
        ]
    );

    let posts = Post::table();
    assert_eq!(posts.comment.as_deref(), Some("what users write"));
    assert_eq!(
        posts.column("title").unwrap().ty,
        SqlType::String(Some(200))
    );
    assert_eq!(posts.column("content").unwrap().ty, SqlType::Text);
    assert!(!posts.column("state").unwrap().nullable);
    assert!(posts.column("views_total").is_some());
    assert!(
        posts.column("cached_summary").is_none(),
        "skipped fields are not columns"
    );
    let fk = &posts.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.on_delete),
        ("users", Some(FkAction::Cascade))
    );
}

#[test]
fn every_model_is_registered() {
    let names: Vec<String> = registered_models().map(|t| t.name.to_string()).collect();
    assert!(
        names.contains(&"users".into()) && names.contains(&"posts".into()),
        "{names:?}"
    );
    let md = models_metadata().unwrap();
    let order: Vec<String> = md
        .sorted_tables()
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let (u, p) = (
        order.iter().position(|n| n == "users").unwrap(),
        order.iter().position(|n| n == "posts").unwrap(),
    );
    assert!(u < p, "users before posts: {order:?}");
}

#[test]
fn typed_columns_build_core_expressions() {
    let d = dialect_by_name("postgresql").unwrap();
    let q = select([User::name.expr(), Post::title.expr()])
        .join(Post::table(), User::id.eq(Post::owner_id))
        .where_(User::name.like("A%").and(Post::views.gt(10)))
        .order_by(User::id.desc());
    let c = compile(&q.into(), d).unwrap();
    assert_eq!(
        &*c.sql,
        "SELECT users.name, posts.title FROM users JOIN posts ON users.id = posts.owner_id \
         WHERE users.name LIKE $1 AND posts.views_total > $2 ORDER BY users.id DESC"
    );
    assert_eq!(c.params, vec![Value::String("A%".into()), Value::I32(10)]);
    // None compares with a nullable column; Option values bind as NULL.
    let e = User::email.eq(None::<&str>);
    assert!(compile(&select(User::id).where_(e).into(), d).is_ok());
}

#[test]
fn values_keys_and_generated_columns() {
    let mut u = User {
        id: 0,
        name: Some("Ann".into()),
        email: None,
    };
    assert_eq!(
        u.to_values(),
        vec![Value::I64(0), Value::String("Ann".into()), Value::Null]
    );
    u.set_column("id", Value::I64(7)).unwrap();
    assert_eq!(u.primary_key(), vec![Value::I64(7)]);
    assert!(u.set_column("nope", Value::Null).is_err());
}

#[test]
fn seed_models_create_insert_and_load_on_sqlite() {
    let engine = create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    let md = models_metadata().unwrap();
    for ddl in create_all(&md, engine.as_async().dialect(), false).unwrap() {
        conn.execute(ddl).unwrap();
    }
    conn.execute(
        insert(User::table())
            .value("name", "Alice")
            .value("email", "alice@example.com"),
    )
    .unwrap();
    conn.execute(
        insert(Post::table())
            .value("title", "My First Post")
            .value("content", "Hello World")
            .value("owner_id", 1i64),
    )
    .unwrap();
    let users: Vec<User> = conn
        .fetch_all(select(User::table()).where_(User::email.eq("alice@example.com")))
        .unwrap();
    assert_eq!(
        users,
        vec![User {
            id: 1,
            name: Some("Alice".into()),
            email: Some("alice@example.com".into())
        }]
    );
    conn.execute(insert(User::table()).value("name", "Bob"))
        .unwrap();
    // The table's columns in its order, and in another order (by name).
    let alice = User {
        id: 1,
        name: Some("Alice".into()),
        email: Some("alice@example.com".into()),
    };
    let bob = User {
        id: 2,
        name: Some("Bob".into()),
        email: None,
    };
    let all: Vec<User> = conn
        .fetch_all(select(User::table()).order_by(User::id))
        .unwrap();
    assert_eq!(all, vec![alice.clone(), bob.clone()]);
    let reordered: Vec<User> = conn
        .fetch_all(select((User::email, User::id, User::name)).order_by(User::id))
        .unwrap();
    assert_eq!(reordered, vec![alice, bob]);
    let posts: Vec<Post> = conn.fetch_all(select(Post::table())).unwrap();
    assert_eq!(posts[0].state, "draft", "server default");
    assert_eq!(posts[0].views, 0, "client default");
    assert_eq!(posts[0].cached_summary, None);
}

#[test]
fn derive_errors_point_at_the_mistake() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
