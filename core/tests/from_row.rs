//! `#[derive(FromRow)]` by column name, by position, with renames and
//! options, over owned rows (no database needed).

use aludel_core::engine::{FromRow, Row};
use aludel_core::{Error, Value};
use std::sync::Arc;

fn row(cols: &[&str], values: Vec<Value>) -> Row {
    let columns: Arc<[String]> = cols.iter().map(|c| c.to_string()).collect();
    Row::new(columns, values)
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
struct User {
    id: i64,
    name: String,
    #[aludel(rename = "hair_color")]
    hair: Option<String>,
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
#[aludel(by_position)]
struct Pair {
    left: i32,
    right: String,
}

#[derive(Debug, PartialEq, aludel_core::FromRow)]
struct Tuple(i64, Option<bool>);

#[test]
fn by_name_in_any_column_order() {
    let r = row(
        &["hair_color", "name", "id"],
        vec![Value::Null, "Ann".into(), Value::I64(7)],
    );
    assert_eq!(
        User::from_row(&r).unwrap(),
        User {
            id: 7,
            name: "Ann".into(),
            hair: None
        }
    );
}

#[test]
fn by_position_ignores_names() {
    let r = row(&["a", "b"], vec![Value::I64(3), "x".into()]);
    assert_eq!(
        Pair::from_row(&r).unwrap(),
        Pair {
            left: 3,
            right: "x".into()
        }
    );
    let t = row(&["x", "y"], vec![Value::I64(1), Value::I64(0)]);
    assert_eq!(Tuple::from_row(&t).unwrap(), Tuple(1, Some(false)));
}

#[test]
fn missing_column_and_wrong_type_name_the_column() {
    let r = row(&["id", "name"], vec![Value::I64(1), "Ann".into()]);
    assert_eq!(
        User::from_row(&r).unwrap_err(),
        Error::UnknownColumn {
            source_name: "the result row".into(),
            column: "hair_color".into()
        }
    );
    let r = row(
        &["id", "name", "hair_color"],
        vec!["one".into(), "Ann".into(), Value::Null],
    );
    let err = User::from_row(&r).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot convert string in column \"id\" to i64"
    );
}

#[test]
fn columns_at_their_fields_positions_are_read_by_position() {
    let in_order = row(
        &["id", "name", "hair_color", "extra"],
        vec![Value::I64(7), "Ann".into(), "red".into(), Value::I64(0)],
    );
    assert!(User::columns_at_hints(&in_order));
    assert_eq!(
        User::from_row_at_hints(&in_order).unwrap(),
        User::from_row(&in_order).unwrap()
    );
    // Another order, a missing column, a renamed field read by its field
    // name: a result's reader falls back to names.
    for cols in [
        &["name", "id", "hair_color"][..],
        &["id", "name"][..],
        &["id", "name", "hair"][..],
    ] {
        let values = vec![Value::Null; cols.len()];
        assert!(!User::columns_at_hints(&row(cols, values)), "{cols:?}");
    }
    // Structs read by position have nothing to check.
    assert!(!Pair::columns_at_hints(&row(
        &["left", "right"],
        vec![Value::I64(1), "x".into()]
    )));
    // A value that does not convert still names its column.
    let bad = row(
        &["id", "name", "hair_color"],
        vec!["one".into(), "Ann".into(), Value::Null],
    );
    assert!(User::columns_at_hints(&bad));
    assert_eq!(
        User::from_row_at_hints(&bad).unwrap_err().to_string(),
        "cannot convert string in column \"id\" to i64"
    );
}
