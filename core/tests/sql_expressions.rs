//! Snapshots of expressions compiled for SQLite, PostgreSQL and MySQL:
//! operators and their parenthesization, LIKE and its escaping, NULL
//! handling, CASE, CAST, labels, aliases and functions.

mod common;

use aludel_core::expr::{Nulls, OrderBy};
use aludel_core::{
    and, case, case_value, col, func, not, null, or, select, text, value, Expr, FrameBound,
    SqlType, Window,
};
use common::*;
use expect_test::expect;

#[test]
fn columns_and_bound_literals() {
    let b = blog();
    check(
        select([
            c(&b.users, "name"),
            value("hello").label("greeting"),
            value(42i64).label("answer"),
            null().label("nothing"),
        ]),
        expect![[r#"
            sqlite:     SELECT users.name, ? AS greeting, ? AS answer, NULL AS "nothing" FROM users
                        params: [String("hello"), I64(42)]
            postgresql: SELECT users.name, $1 AS greeting, $2 AS answer, NULL AS "nothing" FROM users
                        params: [String("hello"), I64(42)]
            mysql:      SELECT users.name, ? AS greeting, ? AS answer, NULL AS `nothing` FROM users
                        params: [String("hello"), I64(42)]
        "#]],
    );
}

#[test]
fn comparisons() {
    let b = blog();
    let id = || c(&b.users, "id");
    check(
        select(id()).where_(and([
            id().eq(1i64),
            id().ne(2i64),
            id().lt(3i64),
            id().le(4i64),
            id().gt(5i64),
            id().ge(6i64),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.id = ? AND users.id <> ? AND users.id < ? AND users.id <= ? AND users.id > ? AND users.id >= ?
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5), I64(6)]
            postgresql: SELECT users.id FROM users WHERE users.id = $1 AND users.id <> $2 AND users.id < $3 AND users.id <= $4 AND users.id > $5 AND users.id >= $6
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5), I64(6)]
            mysql:      SELECT users.id FROM users WHERE users.id = ? AND users.id <> ? AND users.id < ? AND users.id <= ? AND users.id > ? AND users.id >= ?
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5), I64(6)]
        "#]],
    );
}

#[test]
fn comparison_of_two_columns() {
    let b = blog();
    check(
        select(c(&b.posts, "title"))
            .where_(c(&b.posts, "owner_id").eq(c(&b.users, "id")))
            .where_(c(&b.users, "name").ne("bob")),
        expect![[r#"
            sqlite:     SELECT posts.title FROM posts, users WHERE posts.owner_id = users.id AND users.name <> ?
                        params: [String("bob")]
            postgresql: SELECT posts.title FROM posts, users WHERE posts.owner_id = users.id AND users.name <> $1
                        params: [String("bob")]
            mysql:      SELECT posts.title FROM posts, users WHERE posts.owner_id = users.id AND users.name <> ?
                        params: [String("bob")]
        "#]],
    );
}

#[test]
fn and_inside_or_needs_no_parentheses_but_or_inside_and_does() {
    let b = blog();
    let id = || c(&b.users, "id");
    let name = || c(&b.users, "name");
    // a OR (b AND c): AND binds tighter, so no parentheses.
    check(
        select(id()).where_(id().eq(1i64).or(name().eq("x").and(id().gt(2i64)))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.id = ? OR users.name = ? AND users.id > ?
                        params: [I64(1), String("x"), I64(2)]
            postgresql: SELECT users.id FROM users WHERE users.id = $1 OR users.name = $2 AND users.id > $3
                        params: [I64(1), String("x"), I64(2)]
            mysql:      SELECT users.id FROM users WHERE users.id = ? OR users.name = ? AND users.id > ?
                        params: [I64(1), String("x"), I64(2)]
        "#]],
    );
    // (a OR b) AND c: the OR must be parenthesized.
    check(
        select(id()).where_(id().eq(1i64).or(id().eq(2i64)).and(name().eq("x"))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE (users.id = ? OR users.id = ?) AND users.name = ?
                        params: [I64(1), I64(2), String("x")]
            postgresql: SELECT users.id FROM users WHERE (users.id = $1 OR users.id = $2) AND users.name = $3
                        params: [I64(1), I64(2), String("x")]
            mysql:      SELECT users.id FROM users WHERE (users.id = ? OR users.id = ?) AND users.name = ?
                        params: [I64(1), I64(2), String("x")]
        "#]],
    );
}

#[test]
fn not_of_junctions_and_comparisons() {
    let b = blog();
    let id = || c(&b.users, "id");
    check(
        select(id()).where_(and([
            not(id().eq(1i64).and(id().eq(2i64))),
            not(id().eq(3i64).or(id().eq(4i64))),
            !id().eq(5i64),
            not(not(c(&b.users, "email").is_null())),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE NOT (users.id = ? AND users.id = ?) AND NOT (users.id = ? OR users.id = ?) AND NOT (users.id = ?) AND NOT (NOT (users.email IS NULL))
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5)]
            postgresql: SELECT users.id FROM users WHERE NOT (users.id = $1 AND users.id = $2) AND NOT (users.id = $3 OR users.id = $4) AND NOT (users.id = $5) AND NOT (NOT (users.email IS NULL))
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5)]
            mysql:      SELECT users.id FROM users WHERE NOT (users.id = ? AND users.id = ?) AND NOT (users.id = ? OR users.id = ?) AND NOT (users.id = ?) AND NOT (NOT (users.email IS NULL))
                        params: [I64(1), I64(2), I64(3), I64(4), I64(5)]
        "#]],
    );
}

#[test]
fn junctions_with_one_term_keep_the_terms_grouping() {
    let b = blog();
    let id = || c(&b.users, "id");
    // A one-term AND is its term: the OR inside still needs parentheses
    // when it is ANDed with something else or negated.
    check(
        select(id()).where_(and([and([id().eq(1i64).or(id().eq(2i64))]), id().gt(0i64)])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE (users.id = ? OR users.id = ?) AND users.id > ?
                        params: [I64(1), I64(2), I64(0)]
            postgresql: SELECT users.id FROM users WHERE (users.id = $1 OR users.id = $2) AND users.id > $3
                        params: [I64(1), I64(2), I64(0)]
            mysql:      SELECT users.id FROM users WHERE (users.id = ? OR users.id = ?) AND users.id > ?
                        params: [I64(1), I64(2), I64(0)]
        "#]],
    );
    check(
        select(id()).where_(not(or([id().eq(1i64).or(id().eq(2i64))]))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE NOT (users.id = ? OR users.id = ?)
                        params: [I64(1), I64(2)]
            postgresql: SELECT users.id FROM users WHERE NOT (users.id = $1 OR users.id = $2)
                        params: [I64(1), I64(2)]
            mysql:      SELECT users.id FROM users WHERE NOT (users.id = ? OR users.id = ?)
                        params: [I64(1), I64(2)]
        "#]],
    );
}

#[test]
fn empty_junctions_are_true_and_false() {
    let b = blog();
    let id = || c(&b.users, "id");
    check(
        select(id()).where_(and(Vec::<Expr>::new())),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE 1 = 1
            postgresql: SELECT users.id FROM users WHERE 1 = 1
            mysql:      SELECT users.id FROM users WHERE 1 = 1
        "#]],
    );
    check(
        select(id()).where_(or(Vec::<Expr>::new()).or(id().eq(1i64))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.id = ?
                        params: [I64(1)]
            postgresql: SELECT users.id FROM users WHERE users.id = $1
                        params: [I64(1)]
            mysql:      SELECT users.id FROM users WHERE users.id = ?
                        params: [I64(1)]
        "#]],
    );
}

#[test]
fn arithmetic_precedence() {
    let b = blog();
    let score = || c(&b.posts, "score");
    let id = || c(&b.posts, "id");
    check(
        select([
            ((score() + 1i64) * 2i64).label("a"),
            (score() + id() * 2i64).label("b"),
            (score() - (id() - 1i64)).label("c"),
            (score() - id() - 1i64).label("d"),
            (score() / (id() % 3i64)).label("e"),
            (-(score() + 1i64)).label("f"),
            (-(-score())).label("g"),
            (score() - -id()).label("h"),
        ]),
        expect![[r#"
            sqlite:     SELECT (posts.score + ?) * ? AS a, posts.score + posts.id * ? AS b, posts.score - (posts.id - ?) AS c, posts.score - posts.id - ? AS d, posts.score / (posts.id % ?) AS e, -(posts.score + ?) AS f, -(-posts.score) AS g, posts.score - -posts.id AS h FROM posts
                        params: [I64(1), I64(2), I64(2), I64(1), I64(1), I64(3), I64(1)]
            postgresql: SELECT (posts.score + $1) * $2 AS a, posts.score + posts.id * $3 AS b, posts.score - (posts.id - $4) AS c, posts.score - posts.id - $5 AS d, posts.score / (posts.id % $6) AS e, -(posts.score + $7) AS f, -(-posts.score) AS g, posts.score - -posts.id AS h FROM posts
                        params: [I64(1), I64(2), I64(2), I64(1), I64(1), I64(3), I64(1)]
            mysql:      SELECT (posts.score + ?) * ? AS a, posts.score + posts.id * ? AS b, posts.score - (posts.id - ?) AS c, posts.score - posts.id - ? AS d, posts.score / (posts.id % ?) AS e, -(posts.score + ?) AS f, -(-posts.score) AS g, posts.score - -posts.id AS h FROM posts
                        params: [I64(1), I64(2), I64(2), I64(1), I64(1), I64(3), I64(1)]
        "#]],
    );
}

#[test]
fn arithmetic_compared() {
    let b = blog();
    check(
        select(c(&b.posts, "id"))
            .where_((c(&b.posts, "score") * 2i64).gt(c(&b.posts, "id") + 10i64)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE posts.score * ? > posts.id + ?
                        params: [I64(2), I64(10)]
            postgresql: SELECT posts.id FROM posts WHERE posts.score * $1 > posts.id + $2
                        params: [I64(2), I64(10)]
            mysql:      SELECT posts.id FROM posts WHERE posts.score * ? > posts.id + ?
                        params: [I64(2), I64(10)]
        "#]],
    );
}

#[test]
fn a_labelled_expression_used_inside_another_keeps_its_grouping() {
    let b = blog();
    let total = (c(&b.posts, "score") + 1i64).label("total");
    check(
        select(c(&b.posts, "id")).where_((total * 2i64).gt(10i64)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE (posts.score + ?) * ? > ?
                        params: [I64(1), I64(2), I64(10)]
            postgresql: SELECT posts.id FROM posts WHERE (posts.score + $1) * $2 > $3
                        params: [I64(1), I64(2), I64(10)]
            mysql:      SELECT posts.id FROM posts WHERE (posts.score + ?) * ? > ?
                        params: [I64(1), I64(2), I64(10)]
        "#]],
    );
}

#[test]
fn string_concatenation() {
    let b = blog();
    check(
        select(
            c(&b.users, "name")
                .concat(" <")
                .concat(c(&b.users, "email"))
                .concat(">")
                .label("display"),
        ),
        expect![[r#"
            sqlite:     SELECT users.name || ? || users.email || ? AS display FROM users
                        params: [String(" <"), String(">")]
            postgresql: SELECT users.name || $1 || users.email || $2 AS display FROM users
                        params: [String(" <"), String(">")]
            mysql:      SELECT concat(concat(concat(users.name, ?), users.email), ?) AS display FROM users
                        params: [String(" <"), String(">")]
        "#]],
    );
}

#[test]
fn concatenation_with_arithmetic_operands() {
    // SQLite binds || tighter than * and +, PostgreSQL looser than + and -:
    // arithmetic inside a concatenation is parenthesized for both.
    let b = blog();
    let score = || c(&b.posts, "score");
    check(
        select([
            c(&b.posts, "title").concat(score() + 1i64).label("a"),
            (score() * 2i64).concat(c(&b.posts, "title")).label("b"),
            (c(&b.posts, "title").concat("!")).eq("x!").label("c"),
        ]),
        expect![[r#"
            sqlite:     SELECT posts.title || (posts.score + ?) AS a, (posts.score * ?) || posts.title AS b, posts.title || ? = ? AS c FROM posts
                        params: [I64(1), I64(2), String("!"), String("x!")]
            postgresql: SELECT posts.title || (posts.score + $1) AS a, (posts.score * $2) || posts.title AS b, posts.title || $3 = $4 AS c FROM posts
                        params: [I64(1), I64(2), String("!"), String("x!")]
            mysql:      SELECT concat(posts.title, posts.score + ?) AS a, concat(posts.score * ?, posts.title) AS b, concat(posts.title, ?) = ? AS c FROM posts
                        params: [I64(1), I64(2), String("!"), String("x!")]
        "#]],
    );
}

#[test]
fn in_a_list() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(c(&b.users, "name").in_(["ann", "bob", "cy"])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.name IN (?, ?, ?)
                        params: [String("ann"), String("bob"), String("cy")]
            postgresql: SELECT users.id FROM users WHERE users.name IN ($1, $2, $3)
                        params: [String("ann"), String("bob"), String("cy")]
            mysql:      SELECT users.id FROM users WHERE users.name IN (?, ?, ?)
                        params: [String("ann"), String("bob"), String("cy")]
        "#]],
    );
    check(
        select(c(&b.users, "id")).where_(c(&b.users, "id").not_in([1i64, 2])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.id NOT IN (?, ?)
                        params: [I64(1), I64(2)]
            postgresql: SELECT users.id FROM users WHERE users.id NOT IN ($1, $2)
                        params: [I64(1), I64(2)]
            mysql:      SELECT users.id FROM users WHERE users.id NOT IN (?, ?)
                        params: [I64(1), I64(2)]
        "#]],
    );
}

#[test]
fn empty_in_is_false_and_empty_not_in_is_true() {
    let b = blog();
    let none: [i64; 0] = [];
    check(
        select(c(&b.users, "id")).where_(c(&b.users, "id").in_(none)),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE 1 = 0
            postgresql: SELECT users.id FROM users WHERE 1 = 0
            mysql:      SELECT users.id FROM users WHERE 1 = 0
        "#]],
    );
    check(
        select(c(&b.users, "id")).where_(c(&b.users, "id").not_in(none)),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE 1 = 1
            postgresql: SELECT users.id FROM users WHERE 1 = 1
            mysql:      SELECT users.id FROM users WHERE 1 = 1
        "#]],
    );
    check(
        select(c(&b.users, "id"))
            .where_(not(c(&b.users, "id").in_(none)).and(c(&b.users, "name").eq("x"))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE NOT (1 = 0) AND users.name = ?
                        params: [String("x")]
            postgresql: SELECT users.id FROM users WHERE NOT (1 = 0) AND users.name = $1
                        params: [String("x")]
            mysql:      SELECT users.id FROM users WHERE NOT (1 = 0) AND users.name = ?
                        params: [String("x")]
        "#]],
    );
}

#[test]
fn in_a_subquery() {
    let b = blog();
    check(
        select(c(&b.users, "name")).where_(
            c(&b.users, "id")
                .in_query(select(c(&b.posts, "owner_id")).where_(c(&b.posts, "score").gt(10i64))),
        ),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts WHERE posts.score > ?)
                        params: [I64(10)]
            postgresql: SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts WHERE posts.score > $1)
                        params: [I64(10)]
            mysql:      SELECT users.name FROM users WHERE users.id IN (SELECT posts.owner_id FROM posts WHERE posts.score > ?)
                        params: [I64(10)]
        "#]],
    );
    check(
        select(c(&b.users, "name"))
            .where_(c(&b.users, "id").not_in_query(select(c(&b.posts, "owner_id")))),
        expect![[r#"
            sqlite:     SELECT users.name FROM users WHERE users.id NOT IN (SELECT posts.owner_id FROM posts)
            postgresql: SELECT users.name FROM users WHERE users.id NOT IN (SELECT posts.owner_id FROM posts)
            mysql:      SELECT users.name FROM users WHERE users.id NOT IN (SELECT posts.owner_id FROM posts)
        "#]],
    );
}

#[test]
fn tuple_in_subquery() {
    let b = blog();
    check(
        select(c(&b.posts, "id")).where_(
            Expr::Tuple(vec![c(&b.posts, "owner_id"), c(&b.posts, "score")]).in_query(
                select([c(&b.posts, "owner_id"), func::max(c(&b.posts, "score"))])
                    .from(&b.posts)
                    .group_by([c(&b.posts, "owner_id")]),
            ),
        ),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE (posts.owner_id, posts.score) IN (SELECT posts.owner_id, max(posts.score) FROM posts GROUP BY posts.owner_id)
            postgresql: SELECT posts.id FROM posts WHERE (posts.owner_id, posts.score) IN (SELECT posts.owner_id, max(posts.score) FROM posts GROUP BY posts.owner_id)
            mysql:      SELECT posts.id FROM posts WHERE (posts.owner_id, posts.score) IN (SELECT posts.owner_id, max(posts.score) FROM posts GROUP BY posts.owner_id)
        "#]],
    );
}

#[test]
fn between() {
    let b = blog();
    check(
        select(c(&b.posts, "id"))
            .where_(c(&b.posts, "score").between(1i64, 10i64))
            .where_(
                c(&b.posts, "id").not_between(c(&b.posts, "score"), c(&b.posts, "score") + 5i64),
            ),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE posts.score BETWEEN ? AND ? AND posts.id NOT BETWEEN posts.score AND posts.score + ?
                        params: [I64(1), I64(10), I64(5)]
            postgresql: SELECT posts.id FROM posts WHERE posts.score BETWEEN $1 AND $2 AND posts.id NOT BETWEEN posts.score AND posts.score + $3
                        params: [I64(1), I64(10), I64(5)]
            mysql:      SELECT posts.id FROM posts WHERE posts.score BETWEEN ? AND ? AND posts.id NOT BETWEEN posts.score AND posts.score + ?
                        params: [I64(1), I64(10), I64(5)]
        "#]],
    );
}

#[test]
fn like_and_not_like_with_escape() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(and([
            c(&b.users, "name").like("A%"),
            c(&b.users, "name").not_like("%z"),
            c(&b.users, "email").like_escape("%!_%", '!'),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.name LIKE ? AND users.name NOT LIKE ? AND users.email LIKE ? ESCAPE '!'
                        params: [String("A%"), String("%z"), String("%!_%")]
            postgresql: SELECT users.id FROM users WHERE users.name LIKE $1 AND users.name NOT LIKE $2 AND users.email LIKE $3 ESCAPE '!'
                        params: [String("A%"), String("%z"), String("%!_%")]
            mysql:      SELECT users.id FROM users WHERE users.name LIKE ? AND users.name NOT LIKE ? AND users.email LIKE ? ESCAPE '!'
                        params: [String("A%"), String("%z"), String("%!_%")]
        "#]],
    );
}

#[test]
fn ilike_is_native_on_postgres_and_lowered_elsewhere() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(and([
            c(&b.users, "name").ilike("a%"),
            c(&b.users, "email").not_ilike("%@EXAMPLE.COM"),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?) AND lower(users.email) NOT LIKE lower(?)
                        params: [String("a%"), String("%@EXAMPLE.COM")]
            postgresql: SELECT users.id FROM users WHERE users.name ILIKE $1 AND users.email NOT ILIKE $2
                        params: [String("a%"), String("%@EXAMPLE.COM")]
            mysql:      SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?) AND lower(users.email) NOT LIKE lower(?)
                        params: [String("a%"), String("%@EXAMPLE.COM")]
        "#]],
    );
}

#[test]
fn startswith_endswith_contains_escape_the_bound_value() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(and([
            c(&b.users, "name").startswith("50%_off/"),
            c(&b.users, "name").endswith("_x"),
            c(&b.users, "name").contains("a%b"),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.name LIKE ? ESCAPE '/' AND users.name LIKE ? ESCAPE '/' AND users.name LIKE ? ESCAPE '/'
                        params: [String("50/%/_off//%"), String("%/_x"), String("%a/%b%")]
            postgresql: SELECT users.id FROM users WHERE users.name LIKE $1 ESCAPE '/' AND users.name LIKE $2 ESCAPE '/' AND users.name LIKE $3 ESCAPE '/'
                        params: [String("50/%/_off//%"), String("%/_x"), String("%a/%b%")]
            mysql:      SELECT users.id FROM users WHERE users.name LIKE ? ESCAPE '/' AND users.name LIKE ? ESCAPE '/' AND users.name LIKE ? ESCAPE '/'
                        params: [String("50/%/_off//%"), String("%/_x"), String("%a/%b%")]
        "#]],
    );
}

#[test]
fn backslash_escape_character() {
    // MySQL reads backslashes in string literals as escapes: the ESCAPE
    // literal doubles it there.
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(c(&b.users, "name").like_escape("100\\%", '\\')),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.name LIKE ? ESCAPE '\'
                        params: [String("100\\%")]
            postgresql: SELECT users.id FROM users WHERE users.name LIKE $1 ESCAPE '\'
                        params: [String("100\\%")]
            mysql:      SELECT users.id FROM users WHERE users.name LIKE ? ESCAPE '\\'
                        params: [String("100\\%")]
        "#]],
    );
}

#[test]
fn is_null_and_is_not_null() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(and([
            c(&b.users, "email").is_null(),
            c(&b.users, "name").is_not_null(),
            (c(&b.users, "id") + 1i64).is_null(),
            c(&b.users, "id").eq(1i64).is_null(),
        ])),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE users.email IS NULL AND users.name IS NOT NULL AND users.id + ? IS NULL AND (users.id = ?) IS NULL
                        params: [I64(1), I64(1)]
            postgresql: SELECT users.id FROM users WHERE users.email IS NULL AND users.name IS NOT NULL AND users.id + $1 IS NULL AND (users.id = $2) IS NULL
                        params: [I64(1), I64(1)]
            mysql:      SELECT users.id FROM users WHERE users.email IS NULL AND users.name IS NOT NULL AND users.id + ? IS NULL AND (users.id = ?) IS NULL
                        params: [I64(1), I64(1)]
        "#]],
    );
}

#[test]
fn is_distinct_from() {
    let b = blog();
    check(
        select(c(&b.posts, "id")).where_(c(&b.posts, "score").is_distinct_from(5i64)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE posts.score IS NOT ?
                        params: [I64(5)]
            postgresql: SELECT posts.id FROM posts WHERE posts.score IS DISTINCT FROM $1
                        params: [I64(5)]
            mysql:      SELECT posts.id FROM posts WHERE NOT (posts.score <=> ?)
                        params: [I64(5)]
        "#]],
    );
    check(
        select(c(&b.posts, "id"))
            .where_(c(&b.posts, "score").is_not_distinct_from(c(&b.posts, "owner_id"))),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE posts.score IS posts.owner_id
            postgresql: SELECT posts.id FROM posts WHERE posts.score IS NOT DISTINCT FROM posts.owner_id
            mysql:      SELECT posts.id FROM posts WHERE posts.score <=> posts.owner_id
        "#]],
    );
}

#[test]
fn boolean_literals() {
    let b = blog();
    check(
        select(c(&b.users, "id")).where_(Expr::Bool(true).and(not(Expr::Bool(false)))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE 1 AND NOT 0
            postgresql: SELECT users.id FROM users WHERE true AND NOT false
            mysql:      SELECT users.id FROM users WHERE true AND NOT false
        "#]],
    );
}

#[test]
fn searched_case() {
    let b = blog();
    let score = || c(&b.posts, "score");
    check(
        select(
            case([
                (score().gt(100i64), value("high")),
                (score().gt(10i64), value("medium")),
            ])
            .else_("low")
            .label("band"),
        ),
        expect![[r#"
            sqlite:     SELECT CASE WHEN posts.score > ? THEN ? WHEN posts.score > ? THEN ? ELSE ? END AS band FROM posts
                        params: [I64(100), String("high"), I64(10), String("medium"), String("low")]
            postgresql: SELECT CASE WHEN posts.score > $1 THEN $2 WHEN posts.score > $3 THEN $4 ELSE $5 END AS band FROM posts
                        params: [I64(100), String("high"), I64(10), String("medium"), String("low")]
            mysql:      SELECT CASE WHEN posts.score > ? THEN ? WHEN posts.score > ? THEN ? ELSE ? END AS band FROM posts
                        params: [I64(100), String("high"), I64(10), String("medium"), String("low")]
        "#]],
    );
    check(
        select(case([(score().is_null(), value(0i64))]).end().label("zero")),
        expect![[r#"
            sqlite:     SELECT CASE WHEN posts.score IS NULL THEN ? END AS zero FROM posts
                        params: [I64(0)]
            postgresql: SELECT CASE WHEN posts.score IS NULL THEN $1 END AS zero FROM posts
                        params: [I64(0)]
            mysql:      SELECT CASE WHEN posts.score IS NULL THEN ? END AS zero FROM posts
                        params: [I64(0)]
        "#]],
    );
}

#[test]
fn simple_case() {
    let b = blog();
    check(
        select(
            case_value(c(&b.users, "name"), [("ann", 1i64), ("bob", 2i64)])
                .else_(0i64)
                .label("n"),
        ),
        expect![[r#"
            sqlite:     SELECT CASE users.name WHEN ? THEN ? WHEN ? THEN ? ELSE ? END AS n FROM users
                        params: [String("ann"), I64(1), String("bob"), I64(2), I64(0)]
            postgresql: SELECT CASE users.name WHEN $1 THEN $2 WHEN $3 THEN $4 ELSE $5 END AS n FROM users
                        params: [String("ann"), I64(1), String("bob"), I64(2), I64(0)]
            mysql:      SELECT CASE users.name WHEN ? THEN ? WHEN ? THEN ? ELSE ? END AS n FROM users
                        params: [String("ann"), I64(1), String("bob"), I64(2), I64(0)]
        "#]],
    );
}

#[test]
fn case_without_when_is_an_error() {
    let b = blog();
    let no_whens: [(Expr, Expr); 0] = [];
    check(
        select(case(no_whens).else_(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     error: invalid statement: CASE has no WHEN branch
            postgresql: error: invalid statement: CASE has no WHEN branch
            mysql:      error: invalid statement: CASE has no WHEN branch
        "#]],
    );
}

#[test]
fn casts() {
    let b = blog();
    let x = || c(&b.posts, "score");
    check(
        select([
            x().cast(SqlType::Integer).label("i"),
            x().cast(SqlType::BigInt).label("bi"),
            x().cast(SqlType::Boolean).label("b"),
            x().cast(SqlType::string(20)).label("s"),
            x().cast(SqlType::Text).label("t"),
            x().cast(SqlType::numeric(10, 2)).label("n"),
            x().cast(SqlType::Double).label("d"),
            x().cast(SqlType::Float).label("f"),
            c(&b.posts, "created_at").cast(SqlType::Date).label("day"),
            c(&b.posts, "created_at")
                .cast(SqlType::DateTime)
                .label("ts"),
            c(&b.posts, "title").cast(SqlType::Bytes).label("raw"),
        ]),
        expect![[r#"
            sqlite:     SELECT CAST(posts.score AS INTEGER) AS i, CAST(posts.score AS BIGINT) AS bi, CAST(posts.score AS BOOLEAN) AS b, CAST(posts.score AS VARCHAR(20)) AS s, CAST(posts.score AS TEXT) AS t, CAST(posts.score AS NUMERIC(10, 2)) AS n, CAST(posts.score AS DOUBLE) AS d, CAST(posts.score AS FLOAT) AS f, CAST(posts.created_at AS DATE) AS day, CAST(posts.created_at AS DATETIME) AS ts, CAST(posts.title AS BLOB) AS raw FROM posts
            postgresql: SELECT CAST(posts.score AS INTEGER) AS i, CAST(posts.score AS BIGINT) AS bi, CAST(posts.score AS BOOLEAN) AS b, CAST(posts.score AS VARCHAR(20)) AS s, CAST(posts.score AS TEXT) AS t, CAST(posts.score AS NUMERIC(10, 2)) AS n, CAST(posts.score AS DOUBLE PRECISION) AS d, CAST(posts.score AS REAL) AS f, CAST(posts.created_at AS DATE) AS day, CAST(posts.created_at AS TIMESTAMP WITHOUT TIME ZONE) AS ts, CAST(posts.title AS BYTEA) AS raw FROM posts
            mysql:      SELECT CAST(posts.score AS SIGNED) AS i, CAST(posts.score AS SIGNED) AS bi, CAST(posts.score AS SIGNED) AS b, CAST(posts.score AS CHAR) AS s, CAST(posts.score AS CHAR) AS t, CAST(posts.score AS DECIMAL(10, 2)) AS n, CAST(posts.score AS DOUBLE) AS d, CAST(posts.score AS DOUBLE) AS f, CAST(posts.created_at AS DATE) AS day, CAST(posts.created_at AS DATETIME) AS ts, CAST(posts.title AS BINARY) AS raw FROM posts
        "#]],
    );
}

#[test]
fn cast_to_an_array_exists_only_on_postgres() {
    let b = blog();
    check(
        select(
            c(&b.posts, "title")
                .cast(SqlType::array(SqlType::Text))
                .label("a"),
        ),
        expect![[r#"
            sqlite:     error: ARRAY types is not supported by the sqlite dialect
            postgresql: SELECT CAST(posts.title AS TEXT[]) AS a FROM posts
            mysql:      error: ARRAY types is not supported by the mysql dialect
        "#]],
    );
}

#[test]
fn cast_of_a_bound_value() {
    check(
        select(value("12").cast(SqlType::Integer).label("twelve")),
        expect![[r#"
            sqlite:     SELECT CAST(? AS INTEGER) AS twelve
                        params: [String("12")]
            postgresql: SELECT CAST($1 AS INTEGER) AS twelve
                        params: [String("12")]
            mysql:      SELECT CAST(? AS SIGNED) AS twelve
                        params: [String("12")]
        "#]],
    );
}

#[test]
fn labels_are_quoted_when_needed() {
    let b = blog();
    check(
        select([
            c(&b.users, "name").label("order"),
            c(&b.users, "email").label("E-mail"),
            c(&b.users, "id").label("user_id"),
        ]),
        expect![[r#"
            sqlite:     SELECT users.name AS "order", users.email AS "E-mail", users.id AS user_id FROM users
            postgresql: SELECT users.name AS "order", users.email AS "E-mail", users.id AS user_id FROM users
            mysql:      SELECT users.name AS `order`, users.email AS `E-mail`, users.id AS user_id FROM users
        "#]],
    );
}

#[test]
fn table_aliases() {
    let b = blog();
    let u = b.users.alias("u");
    let p = b.posts.alias("p");
    check(
        select([u.c("name").unwrap(), p.c("title").unwrap()])
            .from(&u)
            .join(&p, p.c("owner_id").unwrap().eq(u.c("id").unwrap())),
        expect![[r#"
            sqlite:     SELECT u.name, p.title FROM users AS u JOIN posts AS p ON p.owner_id = u.id
            postgresql: SELECT u.name, p.title FROM users AS u JOIN posts AS p ON p.owner_id = u.id
            mysql:      SELECT u.name, p.title FROM users AS u JOIN posts AS p ON p.owner_id = u.id
        "#]],
    );
}

#[test]
fn self_join_through_aliases() {
    let b = blog();
    let child = b.categories.alias("child");
    let parent = b.categories.alias("parent");
    check(
        select([
            child.c("name").unwrap().label("child"),
            parent.c("name").unwrap().label("parent"),
        ])
        .from(&child)
        .outer_join(
            &parent,
            child.c("parent_id").unwrap().eq(parent.c("id").unwrap()),
        ),
        expect![[r#"
            sqlite:     SELECT child.name AS child, parent.name AS parent FROM categories AS child LEFT OUTER JOIN categories AS parent ON child.parent_id = parent.id
            postgresql: SELECT child.name AS child, parent.name AS parent FROM categories AS child LEFT OUTER JOIN categories AS parent ON child.parent_id = parent.id
            mysql:      SELECT child.name AS child, parent.name AS parent FROM categories AS child LEFT OUTER JOIN categories AS parent ON child.parent_id = parent.id
        "#]],
    );
}

#[test]
fn subquery_alias() {
    let b = blog();
    let counts = select([c(&b.posts, "owner_id"), func::count_star().label("n")])
        .group_by([c(&b.posts, "owner_id")])
        .subquery("counts");
    check(
        select([c(&b.users, "name"), counts.c("n").unwrap()])
            .from(&b.users)
            .join(&counts, counts.c("owner_id").unwrap().eq(c(&b.users, "id"))),
        expect![[r#"
            sqlite:     SELECT users.name, counts.n FROM users JOIN (SELECT posts.owner_id, count(*) AS n FROM posts GROUP BY posts.owner_id) AS counts ON counts.owner_id = users.id
            postgresql: SELECT users.name, counts.n FROM users JOIN (SELECT posts.owner_id, count(*) AS n FROM posts GROUP BY posts.owner_id) AS counts ON counts.owner_id = users.id
            mysql:      SELECT users.name, counts.n FROM users JOIN (SELECT posts.owner_id, count(*) AS n FROM posts GROUP BY posts.owner_id) AS counts ON counts.owner_id = users.id
        "#]],
    );
}

#[test]
fn aggregate_functions() {
    let b = blog();
    let score = || c(&b.posts, "score");
    check(
        select([
            func::count(c(&b.posts, "id")).label("n"),
            func::count_star().label("all_rows"),
            func::count(c(&b.posts, "owner_id"))
                .distinct()
                .label("owners"),
            func::sum(score()).label("total"),
            func::avg(score()).label("mean"),
            func::min(score()).label("lo"),
            func::max(score()).label("hi"),
            func::sum(score()).distinct().label("distinct_total"),
        ]),
        expect![[r#"
            sqlite:     SELECT count(posts.id) AS n, count(*) AS all_rows, count(DISTINCT posts.owner_id) AS owners, sum(posts.score) AS total, avg(posts.score) AS mean, min(posts.score) AS lo, max(posts.score) AS hi, sum(DISTINCT posts.score) AS distinct_total FROM posts
            postgresql: SELECT count(posts.id) AS n, count(*) AS all_rows, count(DISTINCT posts.owner_id) AS owners, sum(posts.score) AS total, avg(posts.score) AS mean, min(posts.score) AS lo, max(posts.score) AS hi, sum(DISTINCT posts.score) AS distinct_total FROM posts
            mysql:      SELECT count(posts.id) AS n, count(*) AS all_rows, count(DISTINCT posts.owner_id) AS owners, sum(posts.score) AS total, avg(posts.score) AS mean, min(posts.score) AS lo, max(posts.score) AS hi, sum(DISTINCT posts.score) AS distinct_total FROM posts
        "#]],
    );
}

#[test]
fn scalar_functions() {
    let b = blog();
    check(
        select([
            func::coalesce([c(&b.users, "email"), value("none")]).label("email"),
            func::lower(c(&b.users, "name")).label("lo"),
            func::upper(c(&b.users, "name")).label("up"),
            func::length(c(&b.users, "name")).label("len"),
            func::current_timestamp().label("now"),
            func::call("abs", [c(&b.users, "id") - 10i64]).label("dist"),
            func::call("replace", [c(&b.users, "name"), value("a"), value("b")]).label("r"),
        ]),
        expect![[r#"
            sqlite:     SELECT coalesce(users.email, ?) AS email, lower(users.name) AS lo, upper(users.name) AS up, length(users.name) AS len, CURRENT_TIMESTAMP AS now, abs(users.id - ?) AS dist, replace(users.name, ?, ?) AS r FROM users
                        params: [String("none"), I64(10), String("a"), String("b")]
            postgresql: SELECT coalesce(users.email, $1) AS email, lower(users.name) AS lo, upper(users.name) AS up, length(users.name) AS len, CURRENT_TIMESTAMP AS now, abs(users.id - $2) AS dist, replace(users.name, $3, $4) AS r FROM users
                        params: [String("none"), I64(10), String("a"), String("b")]
            mysql:      SELECT coalesce(users.email, ?) AS email, lower(users.name) AS lo, upper(users.name) AS up, char_length(users.name) AS len, CURRENT_TIMESTAMP AS now, abs(users.id - ?) AS dist, replace(users.name, ?, ?) AS r FROM users
                        params: [String("none"), I64(10), String("a"), String("b")]
        "#]],
    );
}

#[test]
fn function_with_no_arguments() {
    check(
        select(func::call("pi", Vec::<Expr>::new()).label("p")),
        expect![[r#"
            sqlite:     SELECT pi() AS p
            postgresql: SELECT pi() AS p
            mysql:      SELECT pi() AS p
        "#]],
    );
}

#[test]
fn window_functions() {
    let b = blog();
    let owner = || c(&b.posts, "owner_id");
    let score = || c(&b.posts, "score");
    check(
        select([
            c(&b.posts, "id"),
            func::row_number()
                .over(
                    Window::new()
                        .partition_by([owner()])
                        .order_by(score().desc()),
                )
                .label("rn"),
            func::rank()
                .over(Window::new().order_by(score().desc()))
                .label("rk"),
            func::dense_rank()
                .over(Window::new().order_by(c(&b.posts, "title")))
                .label("dr"),
            func::sum(score())
                .over(
                    Window::new()
                        .partition_by([owner()])
                        .order_by(c(&b.posts, "created_at"))
                        .rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow),
                )
                .label("running"),
            func::avg(score())
                .over(
                    Window::new()
                        .order_by(score())
                        .range(FrameBound::Preceding(5), FrameBound::Following(5)),
                )
                .label("nearby"),
            func::count_star()
                .over(
                    Window::new()
                        .partition_by([owner()])
                        .rows(FrameBound::CurrentRow, FrameBound::UnboundedFollowing),
                )
                .label("rest"),
        ]),
        expect![[r#"
            sqlite:     SELECT posts.id, row_number() OVER (PARTITION BY posts.owner_id ORDER BY posts.score DESC) AS rn, rank() OVER (ORDER BY posts.score DESC) AS rk, dense_rank() OVER (ORDER BY posts.title) AS dr, sum(posts.score) OVER (PARTITION BY posts.owner_id ORDER BY posts.created_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running, avg(posts.score) OVER (ORDER BY posts.score RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) AS nearby, count(*) OVER (PARTITION BY posts.owner_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest FROM posts
            postgresql: SELECT posts.id, row_number() OVER (PARTITION BY posts.owner_id ORDER BY posts.score DESC) AS rn, rank() OVER (ORDER BY posts.score DESC) AS rk, dense_rank() OVER (ORDER BY posts.title) AS dr, sum(posts.score) OVER (PARTITION BY posts.owner_id ORDER BY posts.created_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running, avg(posts.score) OVER (ORDER BY posts.score RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) AS nearby, count(*) OVER (PARTITION BY posts.owner_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest FROM posts
            mysql:      SELECT posts.id, row_number() OVER (PARTITION BY posts.owner_id ORDER BY posts.score DESC) AS rn, rank() OVER (ORDER BY posts.score DESC) AS rk, dense_rank() OVER (ORDER BY posts.title) AS dr, sum(posts.score) OVER (PARTITION BY posts.owner_id ORDER BY posts.created_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running, avg(posts.score) OVER (ORDER BY posts.score RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) AS nearby, count(*) OVER (PARTITION BY posts.owner_id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest FROM posts
        "#]],
    );
}

#[test]
fn window_order_with_nulls_placement() {
    let b = blog();
    check(
        select(
            func::row_number()
                .over(Window::new().order_by(c(&b.posts, "score").desc().nulls_last()))
                .label("rn"),
        ),
        expect![[r#"
            sqlite:     SELECT row_number() OVER (ORDER BY posts.score DESC NULLS LAST) AS rn FROM posts
            postgresql: SELECT row_number() OVER (ORDER BY posts.score DESC NULLS LAST) AS rn FROM posts
            mysql:      SELECT row_number() OVER (ORDER BY posts.score DESC) AS rn FROM posts
        "#]],
    );
}

#[test]
fn order_by_nulls_placement() {
    let b = blog();
    let score = || c(&b.posts, "score");
    let term = |desc: bool, nulls: Nulls| OrderBy {
        expr: score(),
        desc,
        nulls: Some(nulls),
    };
    // MySQL sorts NULLs first ascending and last descending: only the two
    // orders against that need an `IS [NOT] NULL` key in front.
    check(
        select(c(&b.posts, "id")).order_by(term(false, Nulls::First)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts ORDER BY posts.score NULLS FIRST
            postgresql: SELECT posts.id FROM posts ORDER BY posts.score NULLS FIRST
            mysql:      SELECT posts.id FROM posts ORDER BY posts.score
        "#]],
    );
    check(
        select(c(&b.posts, "id")).order_by(term(false, Nulls::Last)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts ORDER BY posts.score NULLS LAST
            postgresql: SELECT posts.id FROM posts ORDER BY posts.score NULLS LAST
            mysql:      SELECT posts.id FROM posts ORDER BY posts.score IS NULL, posts.score
        "#]],
    );
    check(
        select(c(&b.posts, "id")).order_by(term(true, Nulls::First)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts ORDER BY posts.score DESC NULLS FIRST
            postgresql: SELECT posts.id FROM posts ORDER BY posts.score DESC NULLS FIRST
            mysql:      SELECT posts.id FROM posts ORDER BY posts.score IS NOT NULL, posts.score DESC
        "#]],
    );
    check(
        select(c(&b.posts, "id")).order_by(term(true, Nulls::Last)),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts ORDER BY posts.score DESC NULLS LAST
            postgresql: SELECT posts.id FROM posts ORDER BY posts.score DESC NULLS LAST
            mysql:      SELECT posts.id FROM posts ORDER BY posts.score DESC
        "#]],
    );
}

#[test]
fn order_by_nulls_placement_of_an_expression_and_a_label() {
    let b = blog();
    let total = (c(&b.posts, "score") + 1i64).label("total");
    check(
        select([c(&b.posts, "id"), total.clone()])
            .order_by(total.asc().nulls_last())
            .order_by(
                c(&b.posts, "score")
                    .gt(1i64)
                    .or(c(&b.posts, "id").eq(2i64))
                    .desc()
                    .nulls_first(),
            ),
        expect![[r#"
            sqlite:     SELECT posts.id, posts.score + ? AS total FROM posts ORDER BY total NULLS LAST, posts.score > ? OR posts.id = ? DESC NULLS FIRST
                        params: [I64(1), I64(1), I64(2)]
            postgresql: SELECT posts.id, posts.score + $1 AS total FROM posts ORDER BY total NULLS LAST, posts.score > $2 OR posts.id = $3 DESC NULLS FIRST
                        params: [I64(1), I64(1), I64(2)]
            mysql:      SELECT posts.id, posts.score + ? AS total FROM posts ORDER BY total IS NULL, total, (posts.score > ? OR posts.id = ?) IS NOT NULL, posts.score > ? OR posts.id = ? DESC
                        params: [I64(1), I64(1), I64(2), I64(1), I64(2)]
        "#]],
    );
}

#[test]
fn text_as_an_expression() {
    let b = blog();
    check(
        select(c(&b.users, "id"))
            .where_(
                text("users.name = :name OR users.name = :other")
                    .bind("name", "ann")
                    .bind("other", "bob")
                    .into_expr(),
            )
            .where_(c(&b.users, "id").gt(3i64)),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE (users.name = ? OR users.name = ?) AND users.id > ?
                        params: [String("ann"), String("bob"), I64(3)]
            postgresql: SELECT users.id FROM users WHERE (users.name = $1 OR users.name = $2) AND users.id > $3
                        params: [String("ann"), String("bob"), I64(3)]
            mysql:      SELECT users.id FROM users WHERE (users.name = ? OR users.name = ?) AND users.id > ?
                        params: [String("ann"), String("bob"), I64(3)]
        "#]],
    );
}

#[test]
fn placeholders_are_numbered_in_order_on_postgres() {
    let b = blog();
    check(
        select([c(&b.users, "id"), value("a").label("x")])
            .where_(c(&b.users, "name").in_(["b", "c"]))
            .where_(c(&b.users, "id").between(4i64, 5i64)),
        expect![[r#"
            sqlite:     SELECT users.id, ? AS x FROM users WHERE users.name IN (?, ?) AND users.id BETWEEN ? AND ?
                        params: [String("a"), String("b"), String("c"), I64(4), I64(5)]
            postgresql: SELECT users.id, $1 AS x FROM users WHERE users.name IN ($2, $3) AND users.id BETWEEN $4 AND $5
                        params: [String("a"), String("b"), String("c"), I64(4), I64(5)]
            mysql:      SELECT users.id, ? AS x FROM users WHERE users.name IN (?, ?) AND users.id BETWEEN ? AND ?
                        params: [String("a"), String("b"), String("c"), I64(4), I64(5)]
        "#]],
    );
}

#[test]
fn bound_values_of_several_types() {
    let b = blog();
    check(
        select(c(&b.posts, "id")).where_(and([
            c(&b.posts, "score").eq(1i32),
            c(&b.posts, "title").eq(String::from("s")),
            c(&b.posts, "content").is_distinct_from(None::<String>),
            c(&b.posts, "score").ne(2.5f64),
            c(&b.posts, "id").eq(Some(7i64)),
        ])),
        expect![[r#"
            sqlite:     SELECT posts.id FROM posts WHERE posts.score = ? AND posts.title = ? AND posts.content IS NOT ? AND posts.score <> ? AND posts.id = ?
                        params: [I32(1), String("s"), Null, F64(2.5), I64(7)]
            postgresql: SELECT posts.id FROM posts WHERE posts.score = $1 AND posts.title = $2 AND posts.content IS DISTINCT FROM $3 AND posts.score <> $4 AND posts.id = $5
                        params: [I32(1), String("s"), Null, F64(2.5), I64(7)]
            mysql:      SELECT posts.id FROM posts WHERE posts.score = ? AND posts.title = ? AND NOT (posts.content <=> ?) AND posts.score <> ? AND posts.id = ?
                        params: [I32(1), String("s"), Null, F64(2.5), I64(7)]
        "#]],
    );
}

#[test]
fn bare_column_names_are_quoted_as_needed() {
    let x = extras();
    check(
        select([col("id"), col("UserName"), col("order")]).from(&x.user),
        expect![[r#"
            sqlite:     SELECT id, "UserName", "order" FROM "user"
            postgresql: SELECT id, "UserName", "order" FROM "user"
            mysql:      SELECT id, `UserName`, `order` FROM `user`
        "#]],
    );
}

#[test]
fn ilike_with_an_escape_character() {
    let b = blog();
    let like = aludel_core::expr::Like {
        expr: c(&b.users, "name"),
        pattern: value("100!%%"),
        escape: Some('!'),
        case_insensitive: true,
        negated: false,
    };
    check(
        select(c(&b.users, "id")).where_(Expr::Like(Box::new(like))),
        expect![[r#"
            sqlite:     SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?) ESCAPE '!'
                        params: [String("100!%%")]
            postgresql: SELECT users.id FROM users WHERE users.name ILIKE $1 ESCAPE '!'
                        params: [String("100!%%")]
            mysql:      SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?) ESCAPE '!'
                        params: [String("100!%%")]
        "#]],
    );
}

#[test]
fn identifiers_are_quoted_only_where_needed() {
    let x = extras();
    let u = x.user.alias("Order");
    check(
        select([
            u.c("order").unwrap().label("select"),
            u.c("2fa").unwrap().label("two_factor"),
            u.c("UserName").unwrap().label("user name"),
            u.c("id").unwrap(),
        ])
        .from(&u),
        expect![[r#"
            sqlite:     SELECT "Order"."order" AS "select", "Order"."2fa" AS two_factor, "Order"."UserName" AS "user name", "Order".id FROM "user" AS "Order"
            postgresql: SELECT "Order"."order" AS "select", "Order"."2fa" AS two_factor, "Order"."UserName" AS "user name", "Order".id FROM "user" AS "Order"
            mysql:      SELECT `Order`.`order` AS `select`, `Order`.`2fa` AS two_factor, `Order`.`UserName` AS `user name`, `Order`.id FROM `user` AS `Order`
        "#]],
    );
}

#[test]
fn postgres_arrays_and_enums() {
    let (_, docs) = documents();
    check_in(
        select([c(&docs, "id"), c(&docs, "status")])
            .where_(c(&docs, "status").eq(
                value("draft").cast(SqlType::enumeration("doc_status", ["draft", "published"])),
            ))
            .where_(func::call("cardinality", [c(&docs, "tags")]).gt(0i32))
            .where_(c(&docs, "scores").eq(vec![1i32, 2, 3])),
        &["postgresql"],
        expect![[r#"
            postgresql: SELECT documents.id, documents.status FROM documents WHERE documents.status = CAST($1 AS doc_status) AND cardinality(documents.tags) > $2 AND documents.scores = $3
                        params: [String("draft"), I32(0), Array([I32(1), I32(2), I32(3)])]
        "#]],
    );
}
