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
