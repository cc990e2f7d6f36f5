//! The engine's row paths keep their meaning: `fetch_one` and
//! `fetch_optional` decode every row the query returns (a row that does not
//! decode is an error even after a good one) and count them, and a
//! multi-row INSERT run twice (the second time from the statement cache,
//! its values moved rather than copied) stores every value.

use aludel_core::blocking;
use aludel_core::{create_table, insert, select, text, value, Column, Error, MetaData, SqlType};
use aludel_sqlite as _;

#[test]
fn single_row_fetches_decode_and_count_every_row() {
    let engine = blocking::create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    // The second row's value is not an integer.
    let q = || text("SELECT 1 AS v UNION ALL SELECT 'two' UNION ALL SELECT 3");
    assert!(matches!(
        conn.fetch_one::<(i64,)>(q()).unwrap_err(),
        Error::Conversion { .. }
    ));
    assert!(matches!(
        conn.fetch_optional::<(i64,)>(q()).unwrap_err(),
        Error::Conversion { .. }
    ));
    let three = || text("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3");
    assert_eq!(
        conn.fetch_one::<(i64,)>(three()).unwrap_err(),
        Error::MultipleRows { count: 3 }
    );
    assert_eq!(
        conn.fetch_optional::<(i64,)>(three()).unwrap_err(),
        Error::MultipleRows { count: 3 }
    );
    assert_eq!(
        conn.fetch_optional::<(i64,)>(text("SELECT 1 WHERE 0"))
            .unwrap(),
        None
    );
    assert_eq!(
        conn.fetch_one::<(i64,)>(text("SELECT 1 WHERE 0"))
            .unwrap_err(),
        Error::NoRows
    );
    assert_eq!(conn.fetch_one::<(i64,)>(text("SELECT 42")).unwrap(), (42,));
}

#[test]
fn repeated_multi_row_inserts_store_every_value() {
    let mut md = MetaData::new();
    let users = md
        .add(
            aludel_core::Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(50)).not_null())
                .column(Column::new("hair_color", SqlType::string(50))),
        )
        .unwrap();
    let engine = blocking::create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute(create_table(&users)).unwrap();
    let batch = |from: usize| {
        insert(&users)
            .columns(["name", "hair_color"])
            .rows((from..from + 100).map(|i| {
                [
                    value(format!("User {i}")),
                    value((i % 3 == 0).then_some("black")),
                ]
            }))
    };
    for from in [0, 100, 200] {
        assert_eq!(conn.execute(batch(from)).unwrap().rows_affected(), 100);
    }
    let rows: Vec<(i64, String, Option<String>)> = conn
        .fetch_all(select(&users).order_by(users.c("id").unwrap()))
        .unwrap();
    assert_eq!(rows.len(), 300);
    for (i, (id, name, hair)) in rows.into_iter().enumerate() {
        assert_eq!(id, i as i64 + 1);
        assert_eq!(name, format!("User {i}"));
        assert_eq!(hair.as_deref(), (i % 3 == 0).then_some("black"));
    }
}

/// Statements of a few values each, between statements of more values than
/// a thread keeps room for, blocking (in place) and async: each runs with
/// its own values only, whatever the statement before it bound.
#[test]
fn each_statement_runs_with_its_own_values_after_larger_and_smaller_ones() {
    let mut md = MetaData::new();
    let users = md
        .add(
            aludel_core::Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::string(50)).not_null()),
        )
        .unwrap();
    let engine = blocking::create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute(create_table(&users)).unwrap();
    // 80 values, then 40: more than the kept list's room, then less.
    for (from, n) in [(1, 80), (81, 40)] {
        let rows = (from..from + n).map(|i: i64| [value(i), value(format!("User {i}"))]);
        let ins = insert(&users).columns(["id", "name"]).rows(rows);
        assert_eq!(conn.execute(ins).unwrap().rows_affected(), n as u64);
    }
    let id = users.c("id").unwrap();
    let names = |conn: &mut blocking::Connection, ids: Vec<i64>| -> Vec<String> {
        let q = select([users.c("name").unwrap()])
            .where_(id.clone().in_(ids))
            .order_by(id.clone());
        conn.fetch_all::<(String,)>(q)
            .unwrap()
            .into_iter()
            .map(|(n,)| n)
            .collect()
    };
    let by_id = |conn: &mut blocking::Connection, i: i64| -> Option<(String,)> {
        conn.fetch_optional(select([users.c("name").unwrap()]).where_(id.clone().eq(i)))
            .unwrap()
    };
    for round in 0..3 {
        assert_eq!(
            by_id(&mut conn, 7 + round),
            Some((format!("User {}", 7 + round),))
        );
        assert_eq!(
            names(&mut conn, vec![3, 90, 120]),
            ["User 3", "User 90", "User 120"]
        );
        let many: Vec<i64> = (1..=70).rev().collect();
        assert_eq!(names(&mut conn, many).len(), 70);
        assert_eq!(by_id(&mut conn, 121), None);
        assert_eq!(names(&mut conn, vec![44]), ["User 44"]);
    }
    drop(conn);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = aludel_core::create_engine("sqlite://").unwrap();
        let mut conn = engine.connect().await.unwrap();
        conn.execute(create_table(&users)).await.unwrap();
        let rows = (1..=100).map(|i: i64| [value(i), value(format!("User {i}"))]);
        let ins = insert(&users).columns(["id", "name"]).rows(rows);
        conn.execute(ins).await.unwrap();
        for i in [5_i64, 100, 1] {
            let q = select([users.c("name").unwrap()]).where_(id.clone().eq(i));
            let row: (String,) = conn.fetch_one(q).await.unwrap();
            assert_eq!(row.0, format!("User {i}"));
            let q = select([users.c("id").unwrap()])
                .where_(id.clone().in_([i, i + 1, 0]))
                .order_by(id.clone());
            let ids: Vec<(i64,)> = conn.fetch_all(q).await.unwrap();
            let expected: Vec<(i64,)> = [i, i + 1]
                .into_iter()
                .filter(|&x| x <= 100)
                .map(|x| (x,))
                .collect();
            assert_eq!(ids, expected);
        }
    });
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
struct Person {
    id: i64,
    name: String,
    #[aludel(rename = "hair_color")]
    hair: Option<String>,
}

#[test]
fn derived_structs_decode_every_row_whichever_way_the_columns_lie() {
    let engine = blocking::create_engine("sqlite://").unwrap();
    let mut conn = engine.connect().unwrap();
    conn.execute(text(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
    ))
    .unwrap();
    conn.execute(text(
        "INSERT INTO people (name, hair_color) VALUES ('a', 'red'), ('b', NULL), ('c', 'grey')",
    ))
    .unwrap();
    let expected = vec![
        Person {
            id: 1,
            name: "a".into(),
            hair: Some("red".into()),
        },
        Person {
            id: 2,
            name: "b".into(),
            hair: None,
        },
        Person {
            id: 3,
            name: "c".into(),
            hair: Some("grey".into()),
        },
    ];
    for sql in [
        // The struct's own order, with a column more, and other orders.
        "SELECT id, name, hair_color FROM people ORDER BY id",
        "SELECT id, name, hair_color, 1 AS extra FROM people ORDER BY id",
        "SELECT hair_color, name, id FROM people ORDER BY id",
        "SELECT name, id, hair_color FROM people ORDER BY id",
    ] {
        let people: Vec<Person> = conn.fetch_all(text(sql)).unwrap();
        assert_eq!(people, expected, "{sql}");
        let buffered: Vec<Person> = conn.execute(text(sql)).unwrap().decode().unwrap();
        assert_eq!(buffered, expected, "{sql}");
    }
    // A value that does not convert names its column on either path.
    for sql in [
        "SELECT name AS id, name, hair_color FROM people",
        "SELECT hair_color, name AS id, name FROM people",
    ] {
        let e = conn.fetch_all::<Person>(text(sql)).unwrap_err();
        assert!(e.to_string().contains("in column \"id\""), "{sql}: {e}");
    }
}
