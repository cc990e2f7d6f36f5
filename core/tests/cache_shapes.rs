//! The statement cache tells apart statements whose only difference is the
//! body of a CTE or of an aliased subquery (which `Hash` leaves out and `==`
//! compares), and reuses the SQL of statements of one shape.

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
