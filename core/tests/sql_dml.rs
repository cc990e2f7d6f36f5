//! Snapshots of INSERT, UPDATE and DELETE compiled for SQLite, PostgreSQL
//! and MySQL (and MariaDB, where it differs from MySQL): RETURNING,
//! upserts, multi-table updates and deletes.

mod common;

use aludel_core::{delete, excluded, func, insert, select, update, value, OnConflict};
use common::*;
use expect_test::expect;

#[test]
fn insert_one_row() {
    let b = blog();
    check(
        insert(&b.users)
            .value("name", "ann")
            .value("email", "ann@example.com"),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) VALUES (?, ?)
                        params: [String("ann"), String("ann@example.com")]
            postgresql: INSERT INTO users (name, email) VALUES ($1, $2)
                        params: [String("ann"), String("ann@example.com")]
            mysql:      INSERT INTO users (name, email) VALUES (?, ?)
                        params: [String("ann"), String("ann@example.com")]
        "#]],
    );
}

#[test]
fn insert_many_rows() {
    let b = blog();
    check(
        insert(&b.users).columns(["name", "email"]).rows([
            ["ann", "ann@example.com"],
            ["bob", "bob@example.com"],
            ["cy", "cy@example.com"],
        ]),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) VALUES (?, ?), (?, ?), (?, ?)
                        params: [String("ann"), String("ann@example.com"), String("bob"), String("bob@example.com"), String("cy"), String("cy@example.com")]
            postgresql: INSERT INTO users (name, email) VALUES ($1, $2), ($3, $4), ($5, $6)
                        params: [String("ann"), String("ann@example.com"), String("bob"), String("bob@example.com"), String("cy"), String("cy@example.com")]
            mysql:      INSERT INTO users (name, email) VALUES (?, ?), (?, ?), (?, ?)
                        params: [String("ann"), String("ann@example.com"), String("bob"), String("bob@example.com"), String("cy"), String("cy@example.com")]
        "#]],
    );
}

#[test]
fn insert_with_null_and_expressions() {
    let b = blog();
    check(
        insert(&b.posts)
            .value("title", func::upper(value("hello")))
            .value("content", None::<String>)
            .value("owner_id", 1i32)
            .value("created_at", func::current_timestamp()),
        expect![[r#"
            sqlite:     INSERT INTO posts (title, content, owner_id, created_at) VALUES (upper(?), ?, ?, CURRENT_TIMESTAMP)
                        params: [String("hello"), Null, I32(1)]
            postgresql: INSERT INTO posts (title, content, owner_id, created_at) VALUES (upper($1), $2, $3, CURRENT_TIMESTAMP)
                        params: [String("hello"), Null, I32(1)]
            mysql:      INSERT INTO posts (title, content, owner_id, created_at) VALUES (upper(?), ?, ?, CURRENT_TIMESTAMP)
                        params: [String("hello"), Null, I32(1)]
        "#]],
    );
}

#[test]
fn insert_from_select() {
    let b = blog();
    check(
        insert(&b.categories)
            .columns(["name"])
            .from_query(select(c(&b.users, "name")).where_(c(&b.users, "email").is_null())),
        expect![[r#"
            sqlite:     INSERT INTO categories (name) SELECT users.name FROM users WHERE users.email IS NULL
            postgresql: INSERT INTO categories (name) SELECT users.name FROM users WHERE users.email IS NULL
            mysql:      INSERT INTO categories (name) SELECT users.name FROM users WHERE users.email IS NULL
        "#]],
    );
}

#[test]
fn insert_from_select_of_a_cte() {
    let b = blog();
    let quiet = select([c(&b.users, "id"), c(&b.users, "name")])
        .where_(c(&b.users, "email").is_null())
        .cte("quiet");
    check(
        insert(&b.categories)
            .columns(["name"])
            .from_query(select(quiet.c("name").unwrap())),
        expect![[r#"
            sqlite:     INSERT INTO categories (name) WITH quiet AS (SELECT users.id, users.name FROM users WHERE users.email IS NULL) SELECT quiet.name FROM quiet
            postgresql: INSERT INTO categories (name) WITH quiet AS (SELECT users.id, users.name FROM users WHERE users.email IS NULL) SELECT quiet.name FROM quiet
            mysql:      INSERT INTO categories (name) WITH quiet AS (SELECT users.id, users.name FROM users WHERE users.email IS NULL) SELECT quiet.name FROM quiet
        "#]],
    );
}

#[test]
fn insert_default_values() {
    let x = extras();
    check(
        insert(&x.user).default_values(),
        expect![[r#"
        sqlite:     INSERT INTO "user" DEFAULT VALUES
        postgresql: INSERT INTO "user" DEFAULT VALUES
        mysql:      INSERT INTO `user` () VALUES ()
    "#]],
    );
    // No column at all is the same.
    check(
        insert(&x.messages),
        expect![[r#"
            sqlite:     INSERT INTO messages DEFAULT VALUES
            postgresql: INSERT INTO messages DEFAULT VALUES
            mysql:      INSERT INTO messages () VALUES ()
        "#]],
    );
}

#[test]
fn insert_returning() {
    let b = blog();
    check_in(
        insert(&b.users)
            .value("name", "ann")
            .returning([c(&b.users, "id"), c(&b.users, "name").label("who")]),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     INSERT INTO users (name) VALUES (?) RETURNING id, name AS who
                        params: [String("ann")]
            postgresql: INSERT INTO users (name) VALUES ($1) RETURNING id, name AS who
                        params: [String("ann")]
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    INSERT INTO users (name) VALUES (?) RETURNING id, name AS who
                        params: [String("ann")]
        "#]],
    );
    check_in(
        insert(&b.users).value("name", "ann").returning(&b.users),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     INSERT INTO users (name) VALUES (?) RETURNING id, name, email
                        params: [String("ann")]
            postgresql: INSERT INTO users (name) VALUES ($1) RETURNING id, name, email
                        params: [String("ann")]
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    INSERT INTO users (name) VALUES (?) RETURNING id, name, email
                        params: [String("ann")]
        "#]],
    );
}

#[test]
fn upsert_do_nothing() {
    let b = blog();
    check_in(
        insert(&b.users)
            .value("name", "ann")
            .value("email", "ann@example.com")
            .on_conflict(OnConflict::columns(["email"]).do_nothing()),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) VALUES (?, ?) ON CONFLICT (email) DO NOTHING
                        params: [String("ann"), String("ann@example.com")]
            postgresql: INSERT INTO users (name, email) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING
                        params: [String("ann"), String("ann@example.com")]
            mysql:      INSERT INTO users (name, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE id = id
                        params: [String("ann"), String("ann@example.com")]
            mariadb:    INSERT INTO users (name, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE id = id
                        params: [String("ann"), String("ann@example.com")]
        "#]],
    );
    check(
        insert(&b.users)
            .value("name", "ann")
            .on_conflict(OnConflict::columns(Vec::<&str>::new()).do_nothing()),
        expect![[r#"
            sqlite:     INSERT INTO users (name) VALUES (?) ON CONFLICT DO NOTHING
                        params: [String("ann")]
            postgresql: INSERT INTO users (name) VALUES ($1) ON CONFLICT DO NOTHING
                        params: [String("ann")]
            mysql:      INSERT INTO users (name) VALUES (?) ON DUPLICATE KEY UPDATE id = id
                        params: [String("ann")]
        "#]],
    );
}

#[test]
fn upsert_update_columns_with_the_proposed_values() {
    let b = blog();
    check(
        insert(&b.users)
            .value("name", "ann")
            .value("email", "ann@example.com")
            .on_conflict(OnConflict::columns(["email"]).update_columns(["name"])),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) VALUES (?, ?) ON CONFLICT (email) DO UPDATE SET name = excluded.name
                        params: [String("ann"), String("ann@example.com")]
            postgresql: INSERT INTO users (name, email) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET name = excluded.name
                        params: [String("ann"), String("ann@example.com")]
            mysql:      INSERT INTO users (name, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)
                        params: [String("ann"), String("ann@example.com")]
        "#]],
    );
}

#[test]
fn upsert_update_with_expressions_and_where() {
    let x = extras();
    let m = &x.memberships;
    let stmt = insert(m)
        .value("user_id", 1i32)
        .value("group_id", 2i32)
        .value("role", "admin")
        .on_conflict(
            OnConflict::columns(["user_id", "group_id"])
                .do_update([
                    ("role", excluded("role")),
                    (
                        "joined_at",
                        func::coalesce([c(m, "joined_at"), excluded("joined_at")]),
                    ),
                ])
                .where_(c(m, "role").ne(excluded("role"))),
        );
    check(
        stmt,
        expect![[r#"
        sqlite:     INSERT INTO memberships (user_id, group_id, role) VALUES (?, ?, ?) ON CONFLICT (user_id, group_id) DO UPDATE SET role = excluded.role, joined_at = coalesce(memberships.joined_at, excluded.joined_at) WHERE memberships.role <> excluded.role
                    params: [I32(1), I32(2), String("admin")]
        postgresql: INSERT INTO memberships (user_id, group_id, role) VALUES ($1, $2, $3) ON CONFLICT (user_id, group_id) DO UPDATE SET role = excluded.role, joined_at = coalesce(memberships.joined_at, excluded.joined_at) WHERE memberships.role <> excluded.role
                    params: [I32(1), I32(2), String("admin")]
        mysql:      error: WHERE on an upsert's update is not supported by the mysql dialect
    "#]],
    );
}

#[test]
fn upsert_update_without_where_on_a_composite_key() {
    let x = extras();
    let m = &x.memberships;
    check(
        insert(m)
            .columns(["user_id", "group_id", "role"])
            .row([value(1i32), value(2i32), value("member")])
            .row([value(1i32), value(3i32), value("owner")])
            .on_conflict(
                OnConflict::columns(["user_id", "group_id"])
                    .do_update([("role", c(m, "role").concat(",").concat(excluded("role")))]),
            ),
        expect![[r#"
            sqlite:     INSERT INTO memberships (user_id, group_id, role) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (user_id, group_id) DO UPDATE SET role = memberships.role || ? || excluded.role
                        params: [I32(1), I32(2), String("member"), I32(1), I32(3), String("owner"), String(",")]
            postgresql: INSERT INTO memberships (user_id, group_id, role) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT (user_id, group_id) DO UPDATE SET role = memberships.role || $7 || excluded.role
                        params: [I32(1), I32(2), String("member"), I32(1), I32(3), String("owner"), String(",")]
            mysql:      INSERT INTO memberships (user_id, group_id, role) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE role = concat(concat(memberships.role, ?), VALUES(role))
                        params: [I32(1), I32(2), String("member"), I32(1), I32(3), String("owner"), String(",")]
        "#]],
    );
}

#[test]
fn upsert_do_nothing_on_a_composite_key() {
    let x = extras();
    check(
        insert(&x.memberships)
            .value("user_id", 1i32)
            .value("group_id", 2i32)
            .value("role", "member")
            .on_conflict(OnConflict::columns(["user_id", "group_id"]).do_nothing()),
        expect![[r#"
            sqlite:     INSERT INTO memberships (user_id, group_id, role) VALUES (?, ?, ?) ON CONFLICT (user_id, group_id) DO NOTHING
                        params: [I32(1), I32(2), String("member")]
            postgresql: INSERT INTO memberships (user_id, group_id, role) VALUES ($1, $2, $3) ON CONFLICT (user_id, group_id) DO NOTHING
                        params: [I32(1), I32(2), String("member")]
            mysql:      INSERT INTO memberships (user_id, group_id, role) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE user_id = user_id
                        params: [I32(1), I32(2), String("member")]
        "#]],
    );
}

#[test]
fn upsert_with_returning() {
    let b = blog();
    check_in(
        insert(&b.users)
            .value("name", "ann")
            .value("email", "ann@example.com")
            .on_conflict(OnConflict::columns(["email"]).update_columns(["name"]))
            .returning(c(&b.users, "id")),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) VALUES (?, ?) ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id
                        params: [String("ann"), String("ann@example.com")]
            postgresql: INSERT INTO users (name, email) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id
                        params: [String("ann"), String("ann@example.com")]
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    INSERT INTO users (name, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name) RETURNING id
                        params: [String("ann"), String("ann@example.com")]
        "#]],
    );
}

#[test]
fn upsert_of_an_insert_from_select_with_where() {
    let b = blog();
    check(
        insert(&b.users)
            .columns(["name", "email"])
            .from_query(
                select([c(&b.categories, "name"), c(&b.categories, "name")])
                    .where_(c(&b.categories, "parent_id").is_null()),
            )
            .on_conflict(OnConflict::columns(["email"]).do_nothing()),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL ON CONFLICT (email) DO NOTHING
            postgresql: INSERT INTO users (name, email) SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL ON CONFLICT (email) DO NOTHING
            mysql:      INSERT INTO users (name, email) SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL ON DUPLICATE KEY UPDATE id = id
        "#]],
    );
}

#[test]
fn upsert_of_an_insert_from_a_union() {
    let b = blog();
    check(
        insert(&b.users)
            .columns(["name", "email"])
            .from_query(
                select([c(&b.categories, "name"), c(&b.categories, "name")])
                    .where_(c(&b.categories, "parent_id").is_null())
                    .union(select([c(&b.users, "name"), c(&b.users, "email")])),
            )
            .on_conflict(OnConflict::columns(["email"]).update_columns(["name"])),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) SELECT * FROM (SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL UNION SELECT users.name, users.email FROM users) AS anon_1 WHERE 1 ON CONFLICT (email) DO UPDATE SET name = excluded.name
            postgresql: INSERT INTO users (name, email) SELECT * FROM (SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL UNION SELECT users.name, users.email FROM users) AS anon_1 WHERE true ON CONFLICT (email) DO UPDATE SET name = excluded.name
            mysql:      INSERT INTO users (name, email) SELECT categories.name, categories.name FROM categories WHERE categories.parent_id IS NULL UNION SELECT users.name, users.email FROM users ON DUPLICATE KEY UPDATE name = VALUES(name)
        "#]],
    );
}

#[test]
fn upsert_of_an_insert_from_select() {
    // SQLite parses `ON` after `INSERT ... SELECT ... FROM t` as a join
    // constraint unless the SELECT has a WHERE clause.
    let b = blog();
    check(
        insert(&b.users)
            .columns(["name", "email"])
            .from_query(select([c(&b.categories, "name"), c(&b.categories, "name")]))
            .on_conflict(OnConflict::columns(["email"]).do_nothing()),
        expect![[r#"
            sqlite:     INSERT INTO users (name, email) SELECT * FROM (SELECT categories.name, categories.name FROM categories) AS anon_1 WHERE 1 ON CONFLICT (email) DO NOTHING
            postgresql: INSERT INTO users (name, email) SELECT * FROM (SELECT categories.name, categories.name FROM categories) AS anon_1 WHERE true ON CONFLICT (email) DO NOTHING
            mysql:      INSERT INTO users (name, email) SELECT categories.name, categories.name FROM categories ON DUPLICATE KEY UPDATE id = id
        "#]],
    );
}

#[test]
fn upsert_update_needs_a_target_on_conflict_dialects() {
    let b = blog();
    check(
        insert(&b.users)
            .value("name", "ann")
            .on_conflict(OnConflict::columns(Vec::<&str>::new()).update_columns(["name"])),
        expect![[r#"
            sqlite:     error: invalid statement: ON CONFLICT DO UPDATE needs conflict target columns
            postgresql: error: invalid statement: ON CONFLICT DO UPDATE needs conflict target columns
            mysql:      INSERT INTO users (name) VALUES (?) ON DUPLICATE KEY UPDATE name = VALUES(name)
                        params: [String("ann")]
        "#]],
    );
}

#[test]
fn update_with_where() {
    let b = blog();
    check(
        update(&b.users)
            .set("name", "bob")
            .set("email", None::<String>)
            .where_(c(&b.users, "id").eq(1i32)),
        expect![[r#"
            sqlite:     UPDATE users SET name = ?, email = ? WHERE users.id = ?
                        params: [String("bob"), Null, I32(1)]
            postgresql: UPDATE users SET name = $1, email = $2 WHERE users.id = $3
                        params: [String("bob"), Null, I32(1)]
            mysql:      UPDATE users SET name = ?, email = ? WHERE users.id = ?
                        params: [String("bob"), Null, I32(1)]
        "#]],
    );
}

#[test]
fn update_with_an_expression_of_the_row() {
    let b = blog();
    check(
        update(&b.posts)
            .set(
                "score",
                func::coalesce([c(&b.posts, "score"), value(0i32)]) + 1i32,
            )
            .where_(c(&b.posts, "owner_id").in_([1i32, 2])),
        expect![[r#"
            sqlite:     UPDATE posts SET score = coalesce(posts.score, ?) + ? WHERE posts.owner_id IN (?, ?)
                        params: [I32(0), I32(1), I32(1), I32(2)]
            postgresql: UPDATE posts SET score = coalesce(posts.score, $1) + $2 WHERE posts.owner_id IN ($3, $4)
                        params: [I32(0), I32(1), I32(1), I32(2)]
            mysql:      UPDATE posts SET score = coalesce(posts.score, ?) + ? WHERE posts.owner_id IN (?, ?)
                        params: [I32(0), I32(1), I32(1), I32(2)]
        "#]],
    );
}

#[test]
fn update_without_where() {
    let b = blog();
    check(
        update(&b.posts).set("score", 0i32),
        expect![[r#"
        sqlite:     UPDATE posts SET score = ?
                    params: [I32(0)]
        postgresql: UPDATE posts SET score = $1
                    params: [I32(0)]
        mysql:      UPDATE posts SET score = ?
                    params: [I32(0)]
    "#]],
    );
}

#[test]
fn update_returning() {
    let b = blog();
    check_in(
        update(&b.users)
            .set("name", "bob")
            .where_(c(&b.users, "id").eq(1i32))
            .returning([c(&b.users, "id"), c(&b.users, "name")]),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     UPDATE users SET name = ? WHERE users.id = ? RETURNING id, name
                        params: [String("bob"), I32(1)]
            postgresql: UPDATE users SET name = $1 WHERE users.id = $2 RETURNING id, name
                        params: [String("bob"), I32(1)]
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    error: RETURNING is not supported by the mariadb dialect
        "#]],
    );
}

#[test]
fn update_with_a_correlated_subquery() {
    let b = blog();
    check(
        update(&b.posts).set(
            "title",
            select(c(&b.users, "name"))
                .where_(c(&b.users, "id").eq(c(&b.posts, "owner_id")))
                .scalar_subquery(),
        ),
        expect![[r#"
            sqlite:     UPDATE posts SET title = (SELECT users.name FROM users WHERE users.id = posts.owner_id)
            postgresql: UPDATE posts SET title = (SELECT users.name FROM users WHERE users.id = posts.owner_id)
            mysql:      UPDATE posts SET title = (SELECT users.name FROM users WHERE users.id = posts.owner_id)
        "#]],
    );
}

#[test]
fn update_from_another_table() {
    let b = blog();
    check(
        update(&b.posts)
            .set(
                "title",
                c(&b.users, "name")
                    .concat(": ")
                    .concat(c(&b.posts, "title")),
            )
            .from(&b.users)
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
            .where_(c(&b.users, "email").is_null()),
        expect![[r#"
            sqlite:     UPDATE posts SET title = users.name || ? || posts.title FROM users WHERE posts.owner_id = users.id AND users.email IS NULL
                        params: [String(": ")]
            postgresql: UPDATE posts SET title = users.name || $1 || posts.title FROM users WHERE posts.owner_id = users.id AND users.email IS NULL
                        params: [String(": ")]
            mysql:      UPDATE posts, users SET posts.title = concat(concat(users.name, ?), posts.title) WHERE posts.owner_id = users.id AND users.email IS NULL
                        params: [String(": ")]
        "#]],
    );
}

#[test]
fn update_from_with_returning() {
    let b = blog();
    check(
        update(&b.posts)
            .set("score", 0i32)
            .from(&b.users)
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
            .where_(c(&b.users, "name").eq("spam"))
            .returning([c(&b.posts, "id"), c(&b.posts, "title")]),
        expect![[r#"
            sqlite:     UPDATE posts SET score = ? FROM users WHERE posts.owner_id = users.id AND users.name = ? RETURNING posts.id, posts.title
                        params: [I32(0), String("spam")]
            postgresql: UPDATE posts SET score = $1 FROM users WHERE posts.owner_id = users.id AND users.name = $2 RETURNING posts.id, posts.title
                        params: [I32(0), String("spam")]
            mysql:      error: RETURNING is not supported by the mysql dialect
        "#]],
    );
}

#[test]
fn update_from_a_subquery() {
    let b = blog();
    let best = select([
        c(&b.posts, "owner_id"),
        func::max(c(&b.posts, "score")).label("best"),
    ])
    .group_by([c(&b.posts, "owner_id")])
    .subquery("best");
    check(
        update(&b.users)
            .set("name", c(&b.users, "name").concat("*"))
            .from(&best)
            .where_(best.c("owner_id").unwrap().eq(c(&b.users, "id")))
            .where_(best.c("best").unwrap().gt(100i32)),
        expect![[r#"
            sqlite:     UPDATE users SET name = users.name || ? FROM (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS best WHERE best.owner_id = users.id AND best.best > ?
                        params: [String("*"), I32(100)]
            postgresql: UPDATE users SET name = users.name || $1 FROM (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS best WHERE best.owner_id = users.id AND best.best > $2
                        params: [String("*"), I32(100)]
            mysql:      UPDATE users, (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS best SET users.name = concat(users.name, ?) WHERE best.owner_id = users.id AND best.best > ?
                        params: [String("*"), I32(100)]
        "#]],
    );
}

#[test]
fn delete_with_where() {
    let b = blog();
    check(
        delete(&b.posts).where_(c(&b.posts, "score").lt(0i32)),
        expect![[r#"
            sqlite:     DELETE FROM posts WHERE posts.score < ?
                        params: [I32(0)]
            postgresql: DELETE FROM posts WHERE posts.score < $1
                        params: [I32(0)]
            mysql:      DELETE FROM posts WHERE posts.score < ?
                        params: [I32(0)]
        "#]],
    );
}

#[test]
fn delete_everything() {
    let b = blog();
    check(
        delete(&b.posts),
        expect![[r#"
        sqlite:     DELETE FROM posts
        postgresql: DELETE FROM posts
        mysql:      DELETE FROM posts
    "#]],
    );
}

#[test]
fn delete_returning() {
    let b = blog();
    check_in(
        delete(&b.posts)
            .where_(c(&b.posts, "owner_id").eq(3i32))
            .returning([c(&b.posts, "id"), c(&b.posts, "title")]),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     DELETE FROM posts WHERE posts.owner_id = ? RETURNING id, title
                        params: [I32(3)]
            postgresql: DELETE FROM posts WHERE posts.owner_id = $1 RETURNING id, title
                        params: [I32(3)]
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    DELETE FROM posts WHERE posts.owner_id = ? RETURNING id, title
                        params: [I32(3)]
        "#]],
    );
}

#[test]
fn delete_with_a_correlated_exists() {
    let b = blog();
    check(
        delete(&b.users).where_(aludel_core::not(aludel_core::exists(
            select(c(&b.posts, "id")).where_(c(&b.posts, "owner_id").eq(c(&b.users, "id"))),
        ))),
        expect![[r#"
            sqlite:     DELETE FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            postgresql: DELETE FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            mysql:      DELETE FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
        "#]],
    );
}

#[test]
fn delete_using_another_table() {
    let b = blog();
    check(
        delete(&b.posts)
            .using(&b.users)
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
            .where_(c(&b.users, "name").eq("spam")),
        expect![[r#"
            sqlite:     error: DELETE ... USING is not supported by the sqlite dialect
            postgresql: DELETE FROM posts USING users WHERE posts.owner_id = users.id AND users.name = $1
                        params: [String("spam")]
            mysql:      DELETE posts FROM posts, users WHERE posts.owner_id = users.id AND users.name = ?
                        params: [String("spam")]
        "#]],
    );
}

#[test]
fn delete_using_with_returning() {
    let b = blog();
    check_in(
        delete(&b.posts)
            .using(&b.users)
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
            .returning(c(&b.posts, "id")),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     error: DELETE ... USING is not supported by the sqlite dialect
            postgresql: DELETE FROM posts USING users WHERE posts.owner_id = users.id RETURNING posts.id
            mysql:      error: RETURNING is not supported by the mysql dialect
            mariadb:    error: RETURNING on a multi-table DELETE is not supported by the mariadb dialect
        "#]],
    );
}

#[test]
fn dml_on_awkward_identifiers() {
    let x = extras();
    let u = &x.user;
    check(
        insert(u)
            .value("order", 1i32)
            .value("UserName", "ann")
            .value("first name", "Ann")
            .value("2fa", true)
            .value("say \"hi\"", "hi")
            .value("tick`s", "t"),
        expect![[r#"
            sqlite:     INSERT INTO "user" ("order", "UserName", "first name", "2fa", "say ""hi""", "tick`s") VALUES (?, ?, ?, ?, ?, ?)
                        params: [I32(1), String("ann"), String("Ann"), Bool(true), String("hi"), String("t")]
            postgresql: INSERT INTO "user" ("order", "UserName", "first name", "2fa", "say ""hi""", "tick`s") VALUES ($1, $2, $3, $4, $5, $6)
                        params: [I32(1), String("ann"), String("Ann"), Bool(true), String("hi"), String("t")]
            mysql:      INSERT INTO `user` (`order`, `UserName`, `first name`, `2fa`, `say "hi"`, `tick``s`) VALUES (?, ?, ?, ?, ?, ?)
                        params: [I32(1), String("ann"), String("Ann"), Bool(true), String("hi"), String("t")]
        "#]],
    );
    check(
        update(u)
            .set("order", c(u, "order") + 1i32)
            .where_(c(u, "UserName").eq("ann").and(c(u, "2fa").eq(true))),
        expect![[r#"
            sqlite:     UPDATE "user" SET "order" = "user"."order" + ? WHERE "user"."UserName" = ? AND "user"."2fa" = ?
                        params: [I32(1), String("ann"), Bool(true)]
            postgresql: UPDATE "user" SET "order" = "user"."order" + $1 WHERE "user"."UserName" = $2 AND "user"."2fa" = $3
                        params: [I32(1), String("ann"), Bool(true)]
            mysql:      UPDATE `user` SET `order` = `user`.`order` + ? WHERE `user`.`UserName` = ? AND `user`.`2fa` = ?
                        params: [I32(1), String("ann"), Bool(true)]
        "#]],
    );
    check(
        select([c(u, "say \"hi\""), c(u, "tick`s"), c(u, "first name")])
            .order_by(c(u, "order").desc()),
        expect![[r#"
            sqlite:     SELECT "user"."say ""hi""", "user"."tick`s", "user"."first name" FROM "user" ORDER BY "user"."order" DESC
            postgresql: SELECT "user"."say ""hi""", "user"."tick`s", "user"."first name" FROM "user" ORDER BY "user"."order" DESC
            mysql:      SELECT `user`.`say "hi"`, `user`.`tick``s`, `user`.`first name` FROM `user` ORDER BY `user`.`order` DESC
        "#]],
    );
}

#[test]
fn text_as_a_whole_statement() {
    check(
        aludel_core::text("SELECT * FROM users WHERE id = :id AND name <> :name")
            .bind("id", 5i32)
            .bind("name", "x"),
        expect![[r#"
            sqlite:     SELECT * FROM users WHERE id = ? AND name <> ?
                        params: [I32(5), String("x")]
            postgresql: SELECT * FROM users WHERE id = $1 AND name <> $2
                        params: [I32(5), String("x")]
            mysql:      SELECT * FROM users WHERE id = ? AND name <> ?
                        params: [I32(5), String("x")]
        "#]],
    );
}

#[test]
fn text_binds_used_twice_and_quoted_colons() {
    check(
        aludel_core::text("SELECT ':not_a_bind' AS s FROM users WHERE id = :id OR id = :id + 1")
            .bind("id", 5i32),
        expect![[r#"
            sqlite:     SELECT ':not_a_bind' AS s FROM users WHERE id = ? OR id = ? + 1
                        params: [I32(5), I32(5)]
            postgresql: SELECT ':not_a_bind' AS s FROM users WHERE id = $1 OR id = $2 + 1
                        params: [I32(5), I32(5)]
            mysql:      SELECT ':not_a_bind' AS s FROM users WHERE id = ? OR id = ? + 1
                        params: [I32(5), I32(5)]
        "#]],
    );
}

#[test]
fn text_postgres_casts_are_not_binds() {
    check_in(
        aludel_core::text("SELECT id::text, :v::integer AS v FROM users").bind("v", "7"),
        &["postgresql"],
        expect![[r#"
            postgresql: SELECT id::text, $1::integer AS v FROM users
                        params: [String("7")]
        "#]],
    );
}

#[test]
fn text_with_a_missing_bind_is_an_error() {
    check(
        aludel_core::text("SELECT * FROM users WHERE id = :id AND name = :name").bind("id", 5i32),
        expect![[r#"
            sqlite:     error: text clause parameter :name has no value
            postgresql: error: text clause parameter :name has no value
            mysql:      error: text clause parameter :name has no value
        "#]],
    );
}

#[test]
fn insert_arrays_and_enums_on_postgres() {
    let (_, docs) = documents();
    check_in(
        insert(&docs)
            .value(
                "status",
                value("published").cast(aludel_core::SqlType::enumeration(
                    "doc_status",
                    ["draft", "published"],
                )),
            )
            .value("tags", vec!["a".to_string(), "b".to_string()])
            .value("scores", vec![1i32, 2])
            .returning(c(&docs, "id")),
        &["postgresql"],
        expect![[r#"
            postgresql: INSERT INTO documents (status, tags, scores) VALUES (CAST($1 AS doc_status), $2, $3) RETURNING id
                        params: [String("published"), Array([String("a"), String("b")]), Array([I32(1), I32(2)])]
        "#]],
    );
}

#[test]
fn update_and_delete_using_a_cte() {
    let b = blog();
    let spammers = select(c(&b.users, "id"))
        .where_(c(&b.users, "name").like("spam%"))
        .cte("spammers");
    check(
        update(&b.posts)
            .set("score", 0i32)
            .where_(c(&b.posts, "owner_id").in_query(select(spammers.c("id").unwrap()))),
        expect![[r#"
            sqlite:     WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE ?) UPDATE posts SET score = ? WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%"), I32(0)]
            postgresql: WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE $1) UPDATE posts SET score = $2 WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%"), I32(0)]
            mysql:      WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE ?) UPDATE posts SET score = ? WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%"), I32(0)]
        "#]],
    );
    check(
        delete(&b.posts)
            .where_(c(&b.posts, "owner_id").in_query(select(spammers.c("id").unwrap()))),
        expect![[r#"
            sqlite:     WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE ?) DELETE FROM posts WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%")]
            postgresql: WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE $1) DELETE FROM posts WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%")]
            mysql:      WITH spammers AS (SELECT users.id FROM users WHERE users.name LIKE ?) DELETE FROM posts WHERE posts.owner_id IN (SELECT spammers.id FROM spammers)
                        params: [String("spam%")]
        "#]],
    );
}

#[test]
fn upsert_on_awkward_identifiers() {
    let x = extras();
    check(
        insert(&x.user)
            .value("id", 1i32)
            .value("order", 2i32)
            .on_conflict(OnConflict::columns(["id"]).update_columns(["order"])),
        expect![[r#"
            sqlite:     INSERT INTO "user" (id, "order") VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET "order" = excluded."order"
                        params: [I32(1), I32(2)]
            postgresql: INSERT INTO "user" (id, "order") VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "order" = excluded."order"
                        params: [I32(1), I32(2)]
            mysql:      INSERT INTO `user` (id, `order`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `order` = VALUES(`order`)
                        params: [I32(1), I32(2)]
        "#]],
    );
}

mod client_defaults {
    use aludel_core::{
        compile, dialect_by_name, insert, Column, SqlType, StatementCache, Table, Value,
    };

    fn table() -> Table {
        Table::builder("jobs")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(20))))
            .column(Column::new("state", SqlType::String(Some(10))).default("queued"))
            .column(Column::new("tries", SqlType::Integer).default(0))
            .build()
            .unwrap()
    }

    #[test]
    fn omitted_columns_with_a_client_default_are_filled_in() {
        use aludel_sqlite as _;
        let d = dialect_by_name("sqlite").unwrap();
        let t = table();
        let c = compile(&insert(&t).value("name", "a").value("tries", 3).into(), d).unwrap();
        assert_eq!(
            &*c.sql,
            "INSERT INTO jobs (name, tries, state) VALUES (?, ?, ?)"
        );
        assert_eq!(
            c.params,
            vec![
                Value::String("a".into()),
                Value::I32(3),
                Value::String("queued".into())
            ]
        );

        let many = insert(&t).columns(["name"]).row(["a"]).row(["b"]);
        let c = compile(&many.clone().into(), d).unwrap();
        assert_eq!(
            &*c.sql,
            "INSERT INTO jobs (name, state, tries) VALUES (?, ?, ?), (?, ?, ?)"
        );
        assert_eq!(c.params.len(), 6);
        assert_eq!(c.params[4], Value::String("queued".into()));

        let bare = compile(&insert(&t).into(), d).unwrap();
        assert_eq!(&*bare.sql, "INSERT INTO jobs (state, tries) VALUES (?, ?)");

        // The statement cache binds the same values on a hit.
        let cache = StatementCache::new(d);
        let first = cache.compile(&many.clone().into()).unwrap();
        let second = cache
            .compile(&insert(&t).columns(["name"]).row(["x"]).row(["y"]).into())
            .unwrap();
        assert_eq!(first, c);
        assert_eq!(second.sql, c.sql);
        assert_eq!(second.params[0], Value::String("x".into()));
        assert_eq!(second.params[1], Value::String("queued".into()));
        assert_eq!(second.params[5], Value::I32(0));
    }
}
