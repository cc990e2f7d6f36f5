//! A dialect defined outside core registers and compiles statements.

use aludel_core::{
    compile, create_table, dialect_for_url, func, insert, registered_dialects, select, Column,
    Error, MetaData, SqlType, Table, Window,
};
use toy_dialect as _;

fn things() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("things")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("toy", SqlType::String(Some(20))))
            .column(Column::new("ok", SqlType::Boolean)),
    )
    .unwrap()
}

#[test]
fn found_by_url_scheme_with_driver_suffix() {
    let d = dialect_for_url("toy+native://host/db").unwrap();
    assert_eq!(d.name(), "toydb");
    assert!(registered_dialects().any(|d| d.name() == "toydb"));
}

#[test]
fn compiles_with_its_own_quoting_types_and_functions() {
    let d = dialect_for_url("toydb://").unwrap();
    let t = things();
    let q = select([t.c("toy").unwrap(), func::length(t.c("toy").unwrap())])
        .where_(t.c("ok").unwrap().eq(true));
    let c = compile(&q.into(), d).unwrap();
    assert_eq!(
        &*c.sql,
        "SELECT things.`toy`, length(things.`toy`) FROM things WHERE things.ok = ?"
    );
    let ddl = compile(&create_table(&t).into(), d).unwrap();
    assert!(ddl.sql.contains("ok FLAG"), "{}", ddl.sql);
}

#[test]
fn missing_features_are_errors_that_name_the_dialect() {
    let d = dialect_for_url("toydb://").unwrap();
    let t = things();
    let ins = insert(&t).value("toy", "x").returning(t.c("id").unwrap());
    assert_eq!(
        compile(&ins.into(), d).unwrap_err(),
        Error::Unsupported {
            feature: "RETURNING",
            dialect: "toydb"
        }
    );
    let w = select(func::row_number().over(Window::new()));
    assert_eq!(
        compile(&w.into(), d).unwrap_err().to_string(),
        "window functions is not supported by the toydb dialect"
    );
}

#[test]
fn unknown_scheme_lists_registered_dialects() {
    let err = dialect_for_url("nosuchdb://user:secret@host/db").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("nosuchdb") && msg.contains("toydb"), "{msg}");
    assert!(!msg.contains("secret"), "{msg}");
}
