//! The statement cache tells apart statements whose only difference is the
//! body of a CTE or of an aliased subquery (which `Hash` leaves out and `==`
//! compares), or only in names that its shape hash takes as alike, and
//! reuses the SQL of statements of one shape.

use aludel_core::{
    compile, select, Column, Dialect, GenericDialect, MetaData, SqlType, Statement, StatementCache,
    Table,
};
use std::sync::Arc;

fn users() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50)))),
    )
    .unwrap()
}

const D: &dyn Dialect = &GenericDialect;

fn check_cached(cache: &StatementCache, stmt: &Statement) -> Arc<str> {
    let cached = cache.compile(stmt).unwrap();
    assert_eq!(cached, compile(stmt, D).unwrap());
    cached.sql
}

#[test]
fn cte_bodies_that_differ_get_their_own_sql() {
    let u = users();
    let by_id = |n: i32| -> Statement {
        let t = select([u.c("id").unwrap()])
            .where_(u.c("id").unwrap().eq(n))
            .cte("t");
        select([t.c("id").unwrap()]).into()
    };
    let by_name = |s: &str| -> Statement {
        let t = select([u.c("id").unwrap()])
            .where_(u.c("name").unwrap().eq(s.to_string()))
            .cte("t");
        select([t.c("id").unwrap()]).into()
    };
    let cache = StatementCache::new(D);
    let a = check_cached(&cache, &by_id(1));
    let b = check_cached(&cache, &by_name("ann"));
    assert_ne!(a, b);
    assert!(b.contains("users.name = ?"), "{b}");
    assert_eq!(cache.len(), 2);
    // Each shape is found again, with its new values.
    assert!(Arc::ptr_eq(&check_cached(&cache, &by_id(2)), &a));
    assert!(Arc::ptr_eq(&check_cached(&cache, &by_name("bob")), &b));
    assert_eq!(cache.len(), 2);
}

#[test]
fn subquery_alias_bodies_that_differ_get_their_own_sql() {
    let u = users();
    let limited = |n: u64| -> Statement {
        let sub = select([u.c("id").unwrap()]).limit(n).subquery("sub");
        select([sub.c("id").unwrap()]).from(&sub).into()
    };
    let cache = StatementCache::new(D);
    let a = check_cached(&cache, &limited(5));
    let b = check_cached(&cache, &limited(6));
    assert_ne!(a, b);
    assert!(a.contains("LIMIT 5") && b.contains("LIMIT 6"), "{a} / {b}");
    assert_eq!(cache.len(), 2);
    assert!(Arc::ptr_eq(&check_cached(&cache, &limited(5)), &a));
}

#[test]
fn a_static_table_is_the_same_declaration() {
    let shared = users();
    let kept = shared.clone().into_static();
    assert_eq!(kept, shared);
    assert_eq!(kept.clone().into_static(), shared);
    let by_id =
        |t: &Table, id: i64| -> Statement { select(t).where_(t.c("id").unwrap().eq(id)).into() };
    let cache = StatementCache::new(D);
    let first = check_cached(&cache, &by_id(&shared, 1));
    let second = check_cached(&cache, &by_id(&kept, 2));
    assert!(Arc::ptr_eq(&first, &second), "a hit across both handles");
    assert_ne!(kept, users(), "another declaration of the same table");
}

#[test]
fn names_that_differ_inside_get_their_own_sql() {
    // Names of the same length and ends hash alike; `==` tells them apart.
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder("t")
                .column(Column::new("abc", SqlType::Integer))
                .column(Column::new("axc", SqlType::Integer)),
        )
        .unwrap();
    let cache = StatementCache::new(D);
    let a = check_cached(&cache, &select([t.c("abc").unwrap()]).into());
    let b = check_cached(&cache, &select([t.c("axc").unwrap()]).into());
    assert_ne!(a, b);
    assert_eq!(cache.len(), 2);
}
