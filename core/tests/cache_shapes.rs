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

#[test]
fn statements_that_differ_in_one_part_never_share_sql() {
    use aludel_core::{
        bindparam, delete, func, insert, text, update, value, Expr, FrameBound, Window,
    };
    let u = users();
    let other = users(); // the same columns, another declaration
    let id = || u.c("id").unwrap();
    let name = || u.c("name").unwrap();
    let runtime_name: aludel_core::Name = String::from("name").into();
    let alias = u.alias("x");
    let variants: Vec<Statement> = vec![
        select([id()]).into(),
        select([name()]).into(),
        select([id(), name()]).into(),
        select([other.c("id").unwrap()]).into(),
        select([id()]).distinct().into(),
        select([id()]).where_(id().eq(1)).into(),
        select([id()]).where_(id().ne(1)).into(),
        select([id()]).where_(id().eq(name())).into(),
        select([id()]).where_(id().is_null()).into(),
        select([id()]).where_(id().is_not_null()).into(),
        select([id()]).where_(id().in_([1, 2])).into(),
        select([id()]).where_(id().in_([1, 2, 3])).into(),
        select([id()]).where_(id().not_in([1, 2])).into(),
        select([id()]).where_(id().between(1, 2)).into(),
        select([id()]).where_(name().like("a%")).into(),
        select([id()]).where_(name().ilike("a%")).into(),
        select([id()]).where_(name().not_like("a%")).into(),
        select([id()]).where_(name().startswith("a")).into(),
        select([id()]).where_(name().eq(bindparam("n"))).into(),
        select([id()]).where_(name().eq(bindparam("m"))).into(),
        select([id()])
            .where_(aludel_core::and([id().eq(1), name().eq("a")]))
            .into(),
        select([id()])
            .where_(aludel_core::or([id().eq(1), name().eq("a")]))
            .into(),
        select([id()]).where_(aludel_core::not(id().eq(1))).into(),
        select([id()]).where_(Expr::Bool(true)).into(),
        select([id()]).where_(Expr::Bool(false)).into(),
        select([id()]).order_by(id()).into(),
        select([id()]).order_by(id().desc()).into(),
        select([id()]).order_by(id().asc().nulls_first()).into(),
        select([id()]).order_by(id().asc().nulls_last()).into(),
        select([id()]).limit(0).into(),
        select([id()]).limit(1).into(),
        select([id()]).offset(1).into(),
        select([id()]).limit(1).offset(1).into(),
        select([id()]).for_update().into(),
        select([id()]).for_share().into(),
        select([id()]).for_update().nowait().into(),
        select([id()]).for_update().skip_locked().into(),
        select([id()]).group_by([id()]).into(),
        select([id()]).group_by([id()]).having(id().gt(1)).into(),
        select([id().label("a")]).into(),
        select([id().label("b")]).into(),
        select([func::count(id())]).into(),
        select([func::sum(id())]).into(),
        select([func::count(id()).distinct()]).into(),
        select([func::count_star()]).into(),
        select([func::row_number().over(Window::new().order_by(id()))]).into(),
        select([func::row_number().over(Window::new().partition_by([id()]))]).into(),
        select([func::sum(id()).over(
            Window::new()
                .order_by(id())
                .rows(FrameBound::Preceding(1), FrameBound::CurrentRow),
        )])
        .into(),
        select([func::sum(id()).over(
            Window::new()
                .order_by(id())
                .rows(FrameBound::Preceding(2), FrameBound::CurrentRow),
        )])
        .into(),
        select([func::sum(id()).over(
            Window::new()
                .order_by(id())
                .range(FrameBound::Preceding(1), FrameBound::CurrentRow),
        )])
        .into(),
        select([id() + 1]).into(),
        select([id() - 1]).into(),
        select([id().cast(SqlType::Text)]).into(),
        select([id().cast(SqlType::BigInt)]).into(),
        select([alias.c("id").unwrap()]).from(&alias).into(),
        select([u.alias("y").c("id").unwrap()]).into(),
        select([Expr::Column(aludel_core::expr::ColumnRef {
            source: Some(aludel_core::expr::Source::Table(u.clone())),
            name: runtime_name.clone(),
        })])
        .into(),
        select([id()])
            .join(&other, id().eq(other.c("id").unwrap()))
            .into(),
        select([id()])
            .outer_join(&other, id().eq(other.c("id").unwrap()))
            .into(),
        select([id()]).union(select([name()])).into(),
        select([id()]).union_all(select([name()])).into(),
        select([id()]).except(select([name()])).into(),
        select([id()])
            .where_(aludel_core::exists(select([id()])))
            .into(),
        select([id()])
            .where_(id().eq(select([id()]).scalar_subquery()))
            .into(),
        text("SELECT 1").into(),
        text("SELECT 2").into(),
        insert(&u).value("id", 1).into(),
        insert(&u).value("name", "a").into(),
        insert(&u).value("id", 1).value("name", "a").into(),
        insert(&u)
            .columns(["id", "name"])
            .row([value(1), value("a")])
            .into(),
        insert(&u)
            .columns(["id", "name"])
            .row([value(1), value("a")])
            .row([value(2), value("b")])
            .into(),
        insert(&u).value("id", 1).returning([id()]).into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(aludel_core::OnConflict::columns(["id"]).do_nothing())
            .into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(
                aludel_core::OnConflict::columns(["id"])
                    .do_update([("name", aludel_core::excluded("name"))]),
            )
            .into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(
                aludel_core::OnConflict::columns(["id"])
                    .do_update([("name", aludel_core::excluded("name"))])
                    .where_(id().gt(0)),
            )
            .into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(
                aludel_core::OnConflict::columns(["id"])
                    .do_update([("name", aludel_core::excluded("id"))]),
            )
            .into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(
                aludel_core::OnConflict::columns(["id"])
                    .do_update([("name", aludel_core::excluded(String::from("name")))]),
            )
            .into(),
        insert(&u)
            .value("id", 1)
            .on_conflict(
                aludel_core::OnConflict::columns(["id", "name"])
                    .do_update([("name", aludel_core::excluded("name"))]),
            )
            .into(),
        insert(&u).columns(["id"]).from_query(select([id()])).into(),
        insert(&u).default_values().into(),
        update(&u).set("name", "a").into(),
        update(&u).set("name", "a").where_(id().eq(1)).into(),
        update(&u).set("id", 1).into(),
        delete(&u).into(),
        delete(&u).where_(id().eq(1)).into(),
    ];
    let direct: Vec<String> = variants
        .iter()
        .map(|s| match compile(s, D) {
            Ok(c) => c.sql.to_string(),
            Err(e) => format!("error: {e}"),
        })
        .collect();
    // Nearly all differ (another declaration of the same table, and names
    // made at run time, render as their twins).
    let distinct: std::collections::HashSet<&String> = direct.iter().collect();
    assert!(distinct.len() + 4 >= direct.len(), "{direct:#?}");
    // One cache through all of them, twice: each gets its own SQL.
    let cache = StatementCache::new(D);
    for _ in 0..2 {
        for (s, want) in variants.iter().zip(&direct) {
            let got = match cache.compile_owned(s.clone()) {
                Ok(c) => c.sql.to_string(),
                Err(e) => format!("error: {e}"),
            };
            assert_eq!(&got, want);
        }
    }
}
