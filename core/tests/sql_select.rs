//! Snapshots of SELECT statements compiled for SQLite, PostgreSQL and
//! MySQL: FROM inference, joins, grouping, ordering, paging, locking,
//! subqueries and correlation, CTEs and set operations.

mod common;

use aludel_core::select::{IntoFrom, JoinKind};
use aludel_core::{exists, func, not, select, value, Cte, Expr, SqlType};
use common::*;
use expect_test::expect;

#[test]
fn a_whole_table() {
    let b = blog();
    check(
        select(&b.users),
        expect![[r#"
        sqlite:     SELECT users.id, users.name, users.email FROM users
        postgresql: SELECT users.id, users.name, users.email FROM users
        mysql:      SELECT users.id, users.name, users.email FROM users
    "#]],
    );
}

#[test]
fn distinct() {
    let b = blog();
    check(
        select(c(&b.posts, "owner_id")).distinct(),
        expect![[r#"
            sqlite:     SELECT DISTINCT posts.owner_id FROM posts
            postgresql: SELECT DISTINCT posts.owner_id FROM posts
            mysql:      SELECT DISTINCT posts.owner_id FROM posts
        "#]],
    );
}

#[test]
fn distinct_on_is_postgres_only() {
    let b = blog();
    check(
        select([c(&b.posts, "owner_id"), c(&b.posts, "title")])
            .distinct_on([c(&b.posts, "owner_id")])
            .order_by(c(&b.posts, "owner_id"))
            .order_by(c(&b.posts, "created_at").desc()),
        expect![[r#"
            sqlite:     error: DISTINCT ON is not supported by the sqlite dialect
            postgresql: SELECT DISTINCT ON (posts.owner_id) posts.owner_id, posts.title FROM posts ORDER BY posts.owner_id, posts.created_at DESC
            mysql:      error: DISTINCT ON is not supported by the mysql dialect
        "#]],
    );
}

#[test]
fn several_from_items_inferred_in_order_of_use() {
    let b = blog();
    check(
        select([c(&b.posts, "title"), c(&b.users, "name")])
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     SELECT posts.title, users.name FROM posts, users WHERE posts.owner_id = users.id
            postgresql: SELECT posts.title, users.name FROM posts, users WHERE posts.owner_id = users.id
            mysql:      SELECT posts.title, users.name FROM posts, users WHERE posts.owner_id = users.id
        "#]],
    );
}

#[test]
fn several_explicit_from_items() {
    let b = blog();
    check(
        select(c(&b.users, "name"))
            .from(&b.users)
            .from(&b.categories),
        expect![[r#"
            sqlite:     SELECT users.name FROM users, categories
            postgresql: SELECT users.name FROM users, categories
            mysql:      SELECT users.name FROM users, categories
        "#]],
    );
}

#[test]
fn inner_join_with_on() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.posts, "title")])
            .join(&b.posts, c(&b.posts, "owner_id").eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            postgresql: SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            mysql:      SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
        "#]],
    );
}

#[test]
fn left_outer_join_with_on() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.posts, "title")])
            .from(&b.users)
            .outer_join(
                &b.posts,
                c(&b.posts, "owner_id")
                    .eq(c(&b.users, "id"))
                    .and(c(&b.posts, "score").gt(0i64)),
            ),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title FROM users LEFT OUTER JOIN posts ON posts.owner_id = users.id AND posts.score > ?
                        params: [I64(0)]
            postgresql: SELECT users.name, posts.title FROM users LEFT OUTER JOIN posts ON posts.owner_id = users.id AND posts.score > $1
                        params: [I64(0)]
            mysql:      SELECT users.name, posts.title FROM users LEFT OUTER JOIN posts ON posts.owner_id = users.id AND posts.score > ?
                        params: [I64(0)]
        "#]],
    );
}

#[test]
fn full_outer_join_is_missing_on_mysql() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.posts, "title")])
            .from(&b.users)
            .full_join(&b.posts, c(&b.posts, "owner_id").eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title FROM users FULL OUTER JOIN posts ON posts.owner_id = users.id
            postgresql: SELECT users.name, posts.title FROM users FULL OUTER JOIN posts ON posts.owner_id = users.id
            mysql:      error: FULL OUTER JOIN is not supported by the mysql dialect
        "#]],
    );
}

#[test]
fn cross_join() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.categories, "name")])
            .from(&b.users)
            .cross_join(&b.categories),
        expect![[r#"
            sqlite:     SELECT users.name, categories.name FROM users CROSS JOIN categories
            postgresql: SELECT users.name, categories.name FROM users CROSS JOIN categories
            mysql:      SELECT users.name, categories.name FROM users CROSS JOIN categories
        "#]],
    );
}

#[test]
fn join_on_inferred_from_the_foreign_key() {
    let b = blog();
    // Either direction: posts -> users and users -> posts.
    check(
        select([c(&b.users, "name"), c(&b.posts, "title")]).join_auto(&b.posts),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            postgresql: SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            mysql:      SELECT users.name, posts.title FROM users JOIN posts ON posts.owner_id = users.id
        "#]],
    );
    check(
        select(&b.posts).outer_join_auto(&b.users),
        expect![[r#"
            sqlite:     SELECT posts.id, posts.title, posts.content, posts.owner_id, posts.score, posts.created_at FROM posts LEFT OUTER JOIN users ON posts.owner_id = users.id
            postgresql: SELECT posts.id, posts.title, posts.content, posts.owner_id, posts.score, posts.created_at FROM posts LEFT OUTER JOIN users ON posts.owner_id = users.id
            mysql:      SELECT posts.id, posts.title, posts.content, posts.owner_id, posts.score, posts.created_at FROM posts LEFT OUTER JOIN users ON posts.owner_id = users.id
        "#]],
    );
}

#[test]
fn inferred_join_through_aliases_and_a_self_reference() {
    let b = blog();
    let parent = b.categories.alias("parent");
    check(
        select([
            c(&b.categories, "name"),
            parent.c("name").unwrap().label("parent_name"),
        ])
        .from(&b.categories)
        .outer_join_auto(&parent),
        expect![[r#"
            sqlite:     SELECT categories.name, parent.name AS parent_name FROM categories LEFT OUTER JOIN categories AS parent ON categories.parent_id = parent.id
            postgresql: SELECT categories.name, parent.name AS parent_name FROM categories LEFT OUTER JOIN categories AS parent ON categories.parent_id = parent.id
            mysql:      SELECT categories.name, parent.name AS parent_name FROM categories LEFT OUTER JOIN categories AS parent ON categories.parent_id = parent.id
        "#]],
    );
}

#[test]
fn chain_of_inferred_joins() {
    let b = blog();
    let x = extras();
    check(
        select([
            c(&b.users, "name"),
            c(&b.posts, "title"),
            c(&x.memberships, "role"),
        ])
        .from(&b.users)
        .join_auto(&b.posts)
        .join_auto(&x.memberships),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id JOIN memberships ON memberships.user_id = users.id
            postgresql: SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id JOIN memberships ON memberships.user_id = users.id
            mysql:      SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id JOIN memberships ON memberships.user_id = users.id
        "#]],
    );
}

#[test]
fn inferred_join_without_a_foreign_key_is_an_error() {
    let b = blog();
    check(
        select([c(&b.users, "name"), c(&b.categories, "name")])
            .from(&b.users)
            .join_auto(&b.categories),
        expect![[r#"
            sqlite:     error: cannot join users to categories: no foreign key links them; give an ON condition
            postgresql: error: cannot join users to categories: no foreign key links them; give an ON condition
            mysql:      error: cannot join users to categories: no foreign key links them; give an ON condition
        "#]],
    );
}

#[test]
fn inferred_join_with_two_foreign_keys_is_an_error() {
    let b = blog();
    let x = extras();
    check(
        select([c(&b.users, "name"), c(&x.messages, "body")])
            .from(&b.users)
            .join_auto(&x.messages),
        expect![[r#"
            sqlite:     error: cannot join users to messages: 2 foreign keys link them; give an ON condition
            postgresql: error: cannot join users to messages: 2 foreign keys link them; give an ON condition
            mysql:      error: cannot join users to messages: 2 foreign keys link them; give an ON condition
        "#]],
    );
}

#[test]
fn inferred_join_to_a_subquery_is_an_error() {
    let b = blog();
    let sq = select(c(&b.posts, "owner_id")).subquery("sq");
    check(
        select(c(&b.users, "name")).from(&b.users).join_auto(&sq),
        expect![[r#"
            sqlite:     error: cannot join users to sq: the right side is not a single table; give an ON condition
            postgresql: error: cannot join users to sq: the right side is not a single table; give an ON condition
            mysql:      error: cannot join users to sq: the right side is not a single table; give an ON condition
        "#]],
    );
}

#[test]
fn nested_joins_built_as_from_items() {
    let b = blog();
    let x = extras();
    let from = (&b.users)
        .into_from()
        .join(&b.posts, c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .join_kind(&x.memberships, JoinKind::Left, None);
    check(
        select([
            c(&b.users, "name"),
            c(&b.posts, "title"),
            c(&x.memberships, "role"),
        ])
        .from(from),
        expect![[r#"
            sqlite:     SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id LEFT OUTER JOIN memberships ON memberships.user_id = users.id
            postgresql: SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id LEFT OUTER JOIN memberships ON memberships.user_id = users.id
            mysql:      SELECT users.name, posts.title, memberships.role FROM users JOIN posts ON posts.owner_id = users.id LEFT OUTER JOIN memberships ON memberships.user_id = users.id
        "#]],
    );
}

#[test]
fn where_group_by_having_order_by() {
    let b = blog();
    let n = func::count(c(&b.posts, "id")).label("n");
    check(
        select([c(&b.users, "name"), n.clone()])
            .join_auto(&b.posts)
            .where_(c(&b.posts, "score").gt(0i64))
            .group_by([c(&b.users, "name")])
            .having(func::count(c(&b.posts, "id")).gt(2i64))
            .order_by(n.desc())
            .order_by(c(&b.users, "name")),
        expect![[r#"
            sqlite:     SELECT users.name, count(posts.id) AS n FROM users JOIN posts ON posts.owner_id = users.id WHERE posts.score > ? GROUP BY users.name HAVING count(posts.id) > ? ORDER BY n DESC, users.name
                        params: [I64(0), I64(2)]
            postgresql: SELECT users.name, count(posts.id) AS n FROM users JOIN posts ON posts.owner_id = users.id WHERE posts.score > $1 GROUP BY users.name HAVING count(posts.id) > $2 ORDER BY n DESC, users.name
                        params: [I64(0), I64(2)]
            mysql:      SELECT users.name, count(posts.id) AS n FROM users JOIN posts ON posts.owner_id = users.id WHERE posts.score > ? GROUP BY users.name HAVING count(posts.id) > ? ORDER BY n DESC, users.name
                        params: [I64(0), I64(2)]
        "#]],
    );
}

#[test]
fn limit_and_offset() {
    let b = blog();
    check(
        select(&b.users).order_by(c(&b.users, "id")).limit(10),
        expect![[r#"
            sqlite:     SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10
            postgresql: SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10
            mysql:      SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10
        "#]],
    );
    check(
        select(&b.users)
            .order_by(c(&b.users, "id"))
            .limit(10)
            .offset(20),
        expect![[r#"
            sqlite:     SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10 OFFSET 20
            postgresql: SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10 OFFSET 20
            mysql:      SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 10 OFFSET 20
        "#]],
    );
}

#[test]
fn offset_without_limit() {
    let b = blog();
    check(
        select(&b.users).order_by(c(&b.users, "id")).offset(5),
        expect![[r#"
            sqlite:     SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT -1 OFFSET 5
            postgresql: SELECT users.id, users.name, users.email FROM users ORDER BY users.id OFFSET 5
            mysql:      SELECT users.id, users.name, users.email FROM users ORDER BY users.id LIMIT 18446744073709551615 OFFSET 5
        "#]],
    );
}

#[test]
fn for_update_and_its_variants() {
    let b = blog();
    let q = || select(&b.users).where_(c(&b.users, "id").eq(1i64));
    check_in(
        q().for_update(),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     error: FOR UPDATE is not supported by the sqlite dialect
        postgresql: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1 FOR UPDATE
                    params: [I64(1)]
        mysql:      SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE
                    params: [I64(1)]
        mariadb:    SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE
                    params: [I64(1)]
    "#]],
    );
    check_in(
        q().for_update().skip_locked(),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     error: FOR UPDATE is not supported by the sqlite dialect
        postgresql: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1 FOR UPDATE SKIP LOCKED
                    params: [I64(1)]
        mysql:      SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE SKIP LOCKED
                    params: [I64(1)]
        mariadb:    SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE SKIP LOCKED
                    params: [I64(1)]
    "#]],
    );
    check_in(
        q().for_update().nowait(),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     error: FOR UPDATE is not supported by the sqlite dialect
        postgresql: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1 FOR UPDATE NOWAIT
                    params: [I64(1)]
        mysql:      SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE NOWAIT
                    params: [I64(1)]
        mariadb:    SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR UPDATE NOWAIT
                    params: [I64(1)]
    "#]],
    );
    check_in(
        q().for_share(),
        WITH_MARIADB,
        expect![[r#"
        sqlite:     error: FOR UPDATE is not supported by the sqlite dialect
        postgresql: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1 FOR SHARE
                    params: [I64(1)]
        mysql:      SELECT users.id, users.name, users.email FROM users WHERE users.id = ? FOR SHARE
                    params: [I64(1)]
        mariadb:    SELECT users.id, users.name, users.email FROM users WHERE users.id = ? LOCK IN SHARE MODE
                    params: [I64(1)]
    "#]],
    );
    check_in(
        q().limit(1).for_share().skip_locked(),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     error: FOR UPDATE is not supported by the sqlite dialect
            postgresql: SELECT users.id, users.name, users.email FROM users WHERE users.id = $1 LIMIT 1 FOR SHARE SKIP LOCKED
                        params: [I64(1)]
            mysql:      SELECT users.id, users.name, users.email FROM users WHERE users.id = ? LIMIT 1 FOR SHARE SKIP LOCKED
                        params: [I64(1)]
            mariadb:    SELECT users.id, users.name, users.email FROM users WHERE users.id = ? LIMIT 1 LOCK IN SHARE MODE SKIP LOCKED
                        params: [I64(1)]
        "#]],
    );
}

#[test]
fn scalar_subquery_in_the_select_list_correlates() {
    let b = blog();
    let post_count = select(func::count_star())
        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .scalar_subquery()
        .label("post_count");
    check(
        select([c(&b.users, "name"), post_count]),
        expect![[r#"
        sqlite:     SELECT users.name, (SELECT count(*) FROM posts WHERE posts.owner_id = users.id) AS post_count FROM users
        postgresql: SELECT users.name, (SELECT count(*) FROM posts WHERE posts.owner_id = users.id) AS post_count FROM users
        mysql:      SELECT users.name, (SELECT count(*) FROM posts WHERE posts.owner_id = users.id) AS post_count FROM users
    "#]],
    );
}

#[test]
fn correlated_subquery_in_where() {
    let b = blog();
    let best = select(func::max(c(&b.posts, "score")))
        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .scalar_subquery();
    check(
        select(c(&b.users, "name")).where_(best.gt(10i64)),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE (SELECT max(posts.score) FROM posts WHERE posts.owner_id = users.id) > ?
                        params: [I64(10)]
            postgresql: SELECT users.name FROM users WHERE (SELECT max(posts.score) FROM posts WHERE posts.owner_id = users.id) > $1
                        params: [I64(10)]
            mysql:      SELECT users.name FROM users WHERE (SELECT max(posts.score) FROM posts WHERE posts.owner_id = users.id) > ?
                        params: [I64(10)]
        "#]],
    );
}

#[test]
fn subquery_on_the_outer_table_alone_is_not_correlated() {
    // Every table of the subquery is also in the enclosing query: leaving
    // them all out would leave the subquery without FROM.
    let b = blog();
    let top = select(func::max(c(&b.users, "id"))).scalar_subquery();
    check(
        select(c(&b.users, "name")).where_(c(&b.users, "id").eq(top)),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
            postgresql: SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
            mysql:      SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
        "#]],
    );
}

#[test]
fn subquery_with_its_own_from_on_the_outer_table() {
    let b = blog();
    let inner = select(func::max(c(&b.users, "id")))
        .from(&b.users)
        .scalar_subquery();
    check(
        select(c(&b.users, "name")).where_(c(&b.users, "id").eq(inner)),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
            postgresql: SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
            mysql:      SELECT users.name FROM users WHERE users.id = (SELECT max(users.id) FROM users)
        "#]],
    );
}

#[test]
fn subquery_through_an_alias_of_the_outer_table() {
    let b = blog();
    let other = b.users.alias("other");
    let same_name = select(func::count_star())
        .where_(other.c("name").unwrap().eq(c(&b.users, "name")))
        .where_(other.c("id").unwrap().ne(c(&b.users, "id")))
        .scalar_subquery();
    check(
        select([c(&b.users, "id"), same_name.label("namesakes")]),
        expect![[r#"
            sqlite:     SELECT users.id, (SELECT count(*) FROM users AS other WHERE other.name = users.name AND other.id <> users.id) AS namesakes FROM users
            postgresql: SELECT users.id, (SELECT count(*) FROM users AS other WHERE other.name = users.name AND other.id <> users.id) AS namesakes FROM users
            mysql:      SELECT users.id, (SELECT count(*) FROM users AS other WHERE other.name = users.name AND other.id <> users.id) AS namesakes FROM users
        "#]],
    );
}

#[test]
fn exists_and_not_exists() {
    let b = blog();
    let has_posts =
        exists(select(c(&b.posts, "id")).where_(c(&b.posts, "owner_id").eq(c(&b.users, "id"))));
    check(
        select(c(&b.users, "name")).where_(has_posts.clone()),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            postgresql: SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            mysql:      SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
        "#]],
    );
    check(
        select(c(&b.users, "name")).where_(not(has_posts)),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            postgresql: SELECT users.name FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
            mysql:      SELECT users.name FROM users WHERE NOT EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id)
        "#]],
    );
}

#[test]
fn subquery_in_from() {
    let b = blog();
    let top = select([
        c(&b.posts, "owner_id"),
        func::max(c(&b.posts, "score")).label("best"),
    ])
    .group_by([c(&b.posts, "owner_id")])
    .subquery("top");
    check(
        select([top.c("owner_id").unwrap(), top.c("best").unwrap()])
            .where_(top.c("best").unwrap().gt(5i64)),
        expect![[r#"
            sqlite:     SELECT top.owner_id, top.best FROM (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS top WHERE top.best > ?
                        params: [I64(5)]
            postgresql: SELECT top.owner_id, top.best FROM (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS top WHERE top.best > $1
                        params: [I64(5)]
            mysql:      SELECT top.owner_id, top.best FROM (SELECT posts.owner_id, max(posts.score) AS best FROM posts GROUP BY posts.owner_id) AS top WHERE top.best > ?
                        params: [I64(5)]
        "#]],
    );
}

#[test]
fn a_derived_table_does_not_see_the_enclosing_query() {
    // users in the derived table is its own FROM item, not a correlation.
    let b = blog();
    let named = select([c(&b.users, "id"), c(&b.users, "name")])
        .where_(c(&b.users, "name").ne(""))
        .subquery("named");
    check(
        select([c(&b.users, "email"), named.c("name").unwrap()])
            .from(&b.users)
            .join(&named, named.c("id").unwrap().eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     SELECT users.email, named.name FROM users JOIN (SELECT users.id, users.name FROM users WHERE users.name <> ?) AS named ON named.id = users.id
                        params: [String("")]
            postgresql: SELECT users.email, named.name FROM users JOIN (SELECT users.id, users.name FROM users WHERE users.name <> $1) AS named ON named.id = users.id
                        params: [String("")]
            mysql:      SELECT users.email, named.name FROM users JOIN (SELECT users.id, users.name FROM users WHERE users.name <> ?) AS named ON named.id = users.id
                        params: [String("")]
        "#]],
    );
}

#[test]
fn lateral_subquery() {
    let b = blog();
    let recent = select([c(&b.posts, "title")])
        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .order_by(c(&b.posts, "created_at").desc())
        .limit(3)
        .lateral("recent");
    check_in(
        select([c(&b.users, "name"), recent.c("title").unwrap()])
            .from(&b.users)
            .join(&recent, Expr::Bool(true)),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     error: LATERAL is not supported by the sqlite dialect
            postgresql: SELECT users.name, recent.title FROM users JOIN LATERAL (SELECT posts.title FROM posts WHERE posts.owner_id = users.id ORDER BY posts.created_at DESC LIMIT 3) AS recent ON true
            mysql:      SELECT users.name, recent.title FROM users JOIN LATERAL (SELECT posts.title FROM posts WHERE posts.owner_id = users.id ORDER BY posts.created_at DESC LIMIT 3) AS recent ON true
            mariadb:    error: LATERAL is not supported by the mariadb dialect
        "#]],
    );
    check_in(
        select([c(&b.users, "name"), recent.c("title").unwrap()])
            .from(&b.users)
            .cross_join(&recent),
        WITH_MARIADB,
        expect![[r#"
            sqlite:     error: LATERAL is not supported by the sqlite dialect
            postgresql: SELECT users.name, recent.title FROM users CROSS JOIN LATERAL (SELECT posts.title FROM posts WHERE posts.owner_id = users.id ORDER BY posts.created_at DESC LIMIT 3) AS recent
            mysql:      SELECT users.name, recent.title FROM users CROSS JOIN LATERAL (SELECT posts.title FROM posts WHERE posts.owner_id = users.id ORDER BY posts.created_at DESC LIMIT 3) AS recent
            mariadb:    error: LATERAL is not supported by the mariadb dialect
        "#]],
    );
}

#[test]
fn common_table_expression() {
    let b = blog();
    let active = select([c(&b.posts, "owner_id")])
        .where_(c(&b.posts, "score").gt(10i64))
        .cte("active");
    check(
        select(c(&b.users, "name"))
            .where_(c(&b.users, "id").in_query(select(active.c("owner_id").unwrap()))),
        expect![[r#"
            sqlite:     WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > ?) SELECT users.name FROM users WHERE users.id IN (SELECT active.owner_id FROM active)
                        params: [I64(10)]
            postgresql: WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > $1) SELECT users.name FROM users WHERE users.id IN (SELECT active.owner_id FROM active)
                        params: [I64(10)]
            mysql:      WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > ?) SELECT users.name FROM users WHERE users.id IN (SELECT active.owner_id FROM active)
                        params: [I64(10)]
        "#]],
    );
    check(
        select([c(&b.users, "name")])
            .from(&b.users)
            .join(&active, active.c("owner_id").unwrap().eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > ?) SELECT users.name FROM users JOIN active ON active.owner_id = users.id
                        params: [I64(10)]
            postgresql: WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > $1) SELECT users.name FROM users JOIN active ON active.owner_id = users.id
                        params: [I64(10)]
            mysql:      WITH active AS (SELECT posts.owner_id FROM posts WHERE posts.score > ?) SELECT users.name FROM users JOIN active ON active.owner_id = users.id
                        params: [I64(10)]
        "#]],
    );
}

#[test]
fn cte_used_by_another_cte() {
    let b = blog();
    let scored = select([c(&b.posts, "owner_id"), c(&b.posts, "score")])
        .where_(c(&b.posts, "score").is_not_null())
        .cte("scored");
    let totals = select([
        scored.c("owner_id").unwrap(),
        func::sum(scored.c("score").unwrap()).label("total"),
    ])
    .group_by([scored.c("owner_id").unwrap()])
    .cte("totals");
    check(
        select([c(&b.users, "name"), totals.c("total").unwrap()])
            .from(&b.users)
            .join(&totals, totals.c("owner_id").unwrap().eq(c(&b.users, "id")))
            .where_(totals.c("total").unwrap().gt(100i64)),
        expect![[r#"
            sqlite:     WITH scored AS (SELECT posts.owner_id, posts.score FROM posts WHERE posts.score IS NOT NULL), totals AS (SELECT scored.owner_id, sum(scored.score) AS total FROM scored GROUP BY scored.owner_id) SELECT users.name, totals.total FROM users JOIN totals ON totals.owner_id = users.id WHERE totals.total > ?
                        params: [I64(100)]
            postgresql: WITH scored AS (SELECT posts.owner_id, posts.score FROM posts WHERE posts.score IS NOT NULL), totals AS (SELECT scored.owner_id, sum(scored.score) AS total FROM scored GROUP BY scored.owner_id) SELECT users.name, totals.total FROM users JOIN totals ON totals.owner_id = users.id WHERE totals.total > $1
                        params: [I64(100)]
            mysql:      WITH scored AS (SELECT posts.owner_id, posts.score FROM posts WHERE posts.score IS NOT NULL), totals AS (SELECT scored.owner_id, sum(scored.score) AS total FROM scored GROUP BY scored.owner_id) SELECT users.name, totals.total FROM users JOIN totals ON totals.owner_id = users.id WHERE totals.total > ?
                        params: [I64(100)]
        "#]],
    );
}

fn category_tree(b: &Blog) -> Cte {
    let cat = &b.categories;
    Cte::recursive("tree", ["id", "name", "parent_id", "depth"], |t| {
        Ok(select([
            c(cat, "id"),
            c(cat, "name"),
            c(cat, "parent_id"),
            value(0i32).cast(SqlType::Integer),
        ])
        .where_(c(cat, "parent_id").is_null())
        .union_all(
            select([
                c(cat, "id"),
                c(cat, "name"),
                c(cat, "parent_id"),
                t.c("depth")? + 1i32,
            ])
            .from(cat)
            .join(t, c(cat, "parent_id").eq(t.c("id")?)),
        ))
    })
    .expect("tree")
}

#[test]
fn recursive_cte_of_a_category_tree() {
    let b = blog();
    let tree = category_tree(&b);
    check(
        select([tree.c("name").unwrap(), tree.c("depth").unwrap()])
            .order_by(tree.c("depth").unwrap())
            .order_by(tree.c("name").unwrap()),
        expect![[r#"
            sqlite:     WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST(? AS INTEGER) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + ? FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.name, tree.depth FROM tree ORDER BY tree.depth, tree.name
                        params: [I32(0), I32(1)]
            postgresql: WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST($1 AS INTEGER) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + $2 FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.name, tree.depth FROM tree ORDER BY tree.depth, tree.name
                        params: [I32(0), I32(1)]
            mysql:      WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST(? AS SIGNED) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + ? FROM categories JOIN tree ON categories.parent_id = tree.id) SELECT tree.name, tree.depth FROM tree ORDER BY tree.depth, tree.name
                        params: [I32(0), I32(1)]
        "#]],
    );
}

#[test]
fn recursive_cte_beside_a_plain_one() {
    let b = blog();
    let tree = category_tree(&b);
    let deep = select([tree.c("id").unwrap(), tree.c("name").unwrap()])
        .where_(tree.c("depth").unwrap().ge(2i64))
        .cte("deep");
    check(
        select(deep.c("name").unwrap()),
        expect![[r#"
            sqlite:     WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST(? AS INTEGER) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + ? FROM categories JOIN tree ON categories.parent_id = tree.id), deep AS (SELECT tree.id, tree.name FROM tree WHERE tree.depth >= ?) SELECT deep.name FROM deep
                        params: [I32(0), I32(1), I64(2)]
            postgresql: WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST($1 AS INTEGER) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + $2 FROM categories JOIN tree ON categories.parent_id = tree.id), deep AS (SELECT tree.id, tree.name FROM tree WHERE tree.depth >= $3) SELECT deep.name FROM deep
                        params: [I32(0), I32(1), I64(2)]
            mysql:      WITH RECURSIVE tree(id, name, parent_id, depth) AS (SELECT categories.id, categories.name, categories.parent_id, CAST(? AS SIGNED) FROM categories WHERE categories.parent_id IS NULL UNION ALL SELECT categories.id, categories.name, categories.parent_id, tree.depth + ? FROM categories JOIN tree ON categories.parent_id = tree.id), deep AS (SELECT tree.id, tree.name FROM tree WHERE tree.depth >= ?) SELECT deep.name FROM deep
                        params: [I32(0), I32(1), I64(2)]
        "#]],
    );
}

#[test]
fn unknown_column_of_a_cte_is_an_error() {
    let b = blog();
    let tree = category_tree(&b);
    expect![[r#"CTE tree has no column named "nope""#]].assert_eq(&err_text(tree.c("nope")));
    let r = Cte::recursive("t", ["a"], |t| Ok(select(t.c("b")?)));
    expect![[r#"CTE t has no column named "b""#]].assert_eq(&err_text(r));
}

#[test]
fn set_operations() {
    let b = blog();
    let names = || select(c(&b.users, "name"));
    let titles = || select(c(&b.posts, "title"));
    check(
        names().union(titles()),
        expect![[r#"
        sqlite:     SELECT users.name FROM users UNION SELECT posts.title FROM posts
        postgresql: SELECT users.name FROM users UNION SELECT posts.title FROM posts
        mysql:      SELECT users.name FROM users UNION SELECT posts.title FROM posts
    "#]],
    );
    check(
        names().union_all(titles()),
        expect![[r#"
        sqlite:     SELECT users.name FROM users UNION ALL SELECT posts.title FROM posts
        postgresql: SELECT users.name FROM users UNION ALL SELECT posts.title FROM posts
        mysql:      SELECT users.name FROM users UNION ALL SELECT posts.title FROM posts
    "#]],
    );
    check(
        names().intersect(titles()),
        expect![[r#"
        sqlite:     SELECT users.name FROM users INTERSECT SELECT posts.title FROM posts
        postgresql: SELECT users.name FROM users INTERSECT SELECT posts.title FROM posts
        mysql:      SELECT users.name FROM users INTERSECT SELECT posts.title FROM posts
    "#]],
    );
    check(
        names().except(titles()),
        expect![[r#"
        sqlite:     SELECT users.name FROM users EXCEPT SELECT posts.title FROM posts
        postgresql: SELECT users.name FROM users EXCEPT SELECT posts.title FROM posts
        mysql:      SELECT users.name FROM users EXCEPT SELECT posts.title FROM posts
    "#]],
    );
    check(
        names()
            .union(titles())
            .union_all(select(c(&b.categories, "name"))),
        expect![[r#"
            sqlite:     SELECT users.name FROM users UNION SELECT posts.title FROM posts UNION ALL SELECT categories.name FROM categories
            postgresql: SELECT users.name FROM users UNION SELECT posts.title FROM posts UNION ALL SELECT categories.name FROM categories
            mysql:      SELECT users.name FROM users UNION SELECT posts.title FROM posts UNION ALL SELECT categories.name FROM categories
        "#]],
    );
}

#[test]
fn order_and_limit_on_a_compound() {
    let b = blog();
    check(
        select(c(&b.users, "name"))
            .union(select(c(&b.categories, "name")))
            .order_by(c(&b.users, "name").desc())
            .limit(5)
            .offset(10),
        expect![[r#"
            sqlite:     SELECT users.name FROM users UNION SELECT categories.name FROM categories ORDER BY name DESC LIMIT 5 OFFSET 10
            postgresql: SELECT users.name FROM users UNION SELECT categories.name FROM categories ORDER BY name DESC LIMIT 5 OFFSET 10
            mysql:      SELECT users.name FROM users UNION SELECT categories.name FROM categories ORDER BY name DESC LIMIT 5 OFFSET 10
        "#]],
    );
}

#[test]
fn nulls_placement_on_a_compound() {
    let b = blog();
    check(
        select(c(&b.users, "email"))
            .union(select(c(&b.posts, "content")))
            .order_by(c(&b.users, "email").asc().nulls_last()),
        expect![[r#"
            sqlite:     SELECT users.email FROM users UNION SELECT posts.content FROM posts ORDER BY email NULLS LAST
            postgresql: SELECT users.email FROM users UNION SELECT posts.content FROM posts ORDER BY email NULLS LAST
            mysql:      SELECT users.email FROM users UNION SELECT posts.content FROM posts ORDER BY email IS NULL, email
        "#]],
    );
}

#[test]
fn offset_without_limit_on_a_compound() {
    let b = blog();
    check(
        select(c(&b.users, "name"))
            .union(select(c(&b.categories, "name")))
            .offset(3),
        expect![[r#"
            sqlite:     SELECT users.name FROM users UNION SELECT categories.name FROM categories LIMIT -1 OFFSET 3
            postgresql: SELECT users.name FROM users UNION SELECT categories.name FROM categories OFFSET 3
            mysql:      SELECT users.name FROM users UNION SELECT categories.name FROM categories LIMIT 18446744073709551615 OFFSET 3
        "#]],
    );
}

#[test]
fn order_and_limit_on_a_member() {
    let b = blog();
    check(
        select(c(&b.users, "name"))
            .order_by(c(&b.users, "id").desc())
            .limit(3)
            .union_all(select(c(&b.categories, "name")).limit(2))
            .order_by(c(&b.users, "name")),
        expect![[r#"
            sqlite:     SELECT * FROM (SELECT users.name FROM users ORDER BY users.id DESC LIMIT 3) AS anon_1 UNION ALL SELECT * FROM (SELECT categories.name FROM categories LIMIT 2) AS anon_2 ORDER BY name
            postgresql: SELECT * FROM (SELECT users.name FROM users ORDER BY users.id DESC LIMIT 3) AS anon_1 UNION ALL SELECT * FROM (SELECT categories.name FROM categories LIMIT 2) AS anon_2 ORDER BY name
            mysql:      SELECT * FROM (SELECT users.name FROM users ORDER BY users.id DESC LIMIT 3) AS anon_1 UNION ALL SELECT * FROM (SELECT categories.name FROM categories LIMIT 2) AS anon_2 ORDER BY name
        "#]],
    );
}

#[test]
fn compound_of_compounds() {
    let b = blog();
    let inner = select(c(&b.users, "name")).union(select(c(&b.posts, "title")));
    check(
        select(c(&b.categories, "name")).except(inner),
        expect![[r#"
            sqlite:     SELECT categories.name FROM categories EXCEPT SELECT * FROM (SELECT users.name FROM users UNION SELECT posts.title FROM posts) AS anon_1
            postgresql: SELECT categories.name FROM categories EXCEPT SELECT * FROM (SELECT users.name FROM users UNION SELECT posts.title FROM posts) AS anon_1
            mysql:      SELECT categories.name FROM categories EXCEPT SELECT * FROM (SELECT users.name FROM users UNION SELECT posts.title FROM posts) AS anon_1
        "#]],
    );
}

#[test]
fn compound_as_subquery_and_in_in() {
    let b = blog();
    let ids = select(c(&b.posts, "owner_id"))
        .union(select(c(&b.users, "id")).where_(c(&b.users, "email").is_null()));
    check(
        select(c(&b.users, "name")).where_(c(&b.users, "id").in_query(ids.clone())),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL)
            postgresql: SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL)
            mysql:      SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL)
        "#]],
    );
    let sq = ids.subquery("ids");
    check(
        select(func::count_star()).from(&sq),
        expect![[r#"
            sqlite:     SELECT count(*) FROM (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL) AS ids
            postgresql: SELECT count(*) FROM (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL) AS ids
            mysql:      SELECT count(*) FROM (SELECT posts.owner_id FROM posts UNION SELECT users.id FROM users WHERE users.email IS NULL) AS ids
        "#]],
    );
}

#[test]
fn select_without_from() {
    check(
        select(value(1i64).label("one")),
        expect![[r#"
        sqlite:     SELECT ? AS one
                    params: [I64(1)]
        postgresql: SELECT $1 AS one
                    params: [I64(1)]
        mysql:      SELECT ? AS one
                    params: [I64(1)]
    "#]],
    );
}

#[test]
fn star_and_table_star() {
    let b = blog();
    check(
        select([
            Expr::Star(Some(aludel_core::expr::Source::Table(b.users.clone()))),
            c(&b.posts, "title"),
        ])
        .join_auto(&b.posts),
        expect![[r#"
            sqlite:     SELECT users.*, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            postgresql: SELECT users.*, posts.title FROM users JOIN posts ON posts.owner_id = users.id
            mysql:      SELECT users.*, posts.title FROM users JOIN posts ON posts.owner_id = users.id
        "#]],
    );
    check(
        select(aludel_core::star()).from(&b.users),
        expect![[r#"
            sqlite:     SELECT * FROM users
            postgresql: SELECT * FROM users
            mysql:      SELECT * FROM users
        "#]],
    );
}

#[test]
fn cte_attached_explicitly_and_used_twice() {
    let b = blog();
    let recent = select([c(&b.posts, "id"), c(&b.posts, "owner_id")])
        .where_(c(&b.posts, "created_at").is_not_null())
        .cte("recent");
    check(
        select(c(&b.users, "name"))
            .with(&recent)
            .where_(c(&b.users, "id").in_query(select(recent.c("owner_id").unwrap())))
            .where_(exists(
                select(recent.c("id").unwrap())
                    .where_(recent.c("owner_id").unwrap().eq(c(&b.users, "id"))),
            )),
        expect![[r#"
            sqlite:     WITH recent AS (SELECT posts.id, posts.owner_id FROM posts WHERE posts.created_at IS NOT NULL) SELECT users.name FROM users WHERE users.id IN (SELECT recent.owner_id FROM recent) AND EXISTS (SELECT recent.id FROM recent WHERE recent.owner_id = users.id)
            postgresql: WITH recent AS (SELECT posts.id, posts.owner_id FROM posts WHERE posts.created_at IS NOT NULL) SELECT users.name FROM users WHERE users.id IN (SELECT recent.owner_id FROM recent) AND EXISTS (SELECT recent.id FROM recent WHERE recent.owner_id = users.id)
            mysql:      WITH recent AS (SELECT posts.id, posts.owner_id FROM posts WHERE posts.created_at IS NOT NULL) SELECT users.name FROM users WHERE users.id IN (SELECT recent.owner_id FROM recent) AND EXISTS (SELECT recent.id FROM recent WHERE recent.owner_id = users.id)
        "#]],
    );
}

#[test]
fn correlated_subquery_two_levels_deep() {
    let b = blog();
    let inner = select(func::count_star())
        .where_(c(&b.categories, "name").eq(c(&b.users, "name")))
        .scalar_subquery();
    let middle = select(c(&b.posts, "id"))
        .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
        .where_(inner.gt(0i32));
    check(
        select(c(&b.users, "name")).where_(exists(middle)),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id AND (SELECT count(*) FROM categories WHERE categories.name = users.name) > ?)
                        params: [I32(0)]
            postgresql: SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id AND (SELECT count(*) FROM categories WHERE categories.name = users.name) > $1)
                        params: [I32(0)]
            mysql:      SELECT users.name FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.owner_id = users.id AND (SELECT count(*) FROM categories WHERE categories.name = users.name) > ?)
                        params: [I32(0)]
        "#]],
    );
}
