//! Every portable type round-trips through a real PostgreSQL table built
//! from Aludel metadata with `create_all` (enum types included) and removed
//! with `drop_all`; values bind by the type the server expects; columns
//! decode by their type.

mod common;

use aludel_core::{
    create_all, drop_all, insert, select, text, Column, Connection, DbErrorKind, Engine, Error,
    Expr, MetaData, Row, SqlType, Table, Value,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use common::name;
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use uuid::Uuid;

const MOODS: [&str; 3] = ["happy", "sad", "it's complicated"];

/// A table of every type, with its own enum type, created with `create_all`.
struct Fixture {
    engine: Engine,
    md: MetaData,
    t: Table,
    mood_type: String,
}

impl Fixture {
    async fn new() -> Option<Fixture> {
        let engine = common::engine()?;
        let mood_type = name("mood");
        let mood = SqlType::enumeration(mood_type.clone(), MOODS);
        let mut md = MetaData::new();
        let t = md
            .add(
                Table::builder(name("every_type"))
                    .column(Column::new("id", SqlType::Integer).primary_key())
                    .column(Column::new("small", SqlType::SmallInt))
                    .column(Column::new("int", SqlType::Integer))
                    .column(Column::new("big", SqlType::BigInt))
                    .column(Column::new("flag", SqlType::Boolean))
                    .column(Column::new("single", SqlType::Float))
                    .column(Column::new("double", SqlType::Double))
                    .column(Column::new("amount", SqlType::numeric(38, 18)))
                    .column(Column::new(
                        "exact",
                        SqlType::Numeric {
                            precision: None,
                            scale: None,
                        },
                    ))
                    .column(Column::new("label", SqlType::string(400)))
                    .column(Column::new("body", SqlType::Text))
                    .column(Column::new("raw", SqlType::Bytes))
                    .column(Column::new("day", SqlType::Date))
                    .column(Column::new("at", SqlType::Time))
                    .column(Column::new("stamp", SqlType::DateTime))
                    .column(Column::new("stamp_tz", SqlType::DateTimeTz))
                    .column(Column::new("uid", SqlType::Uuid))
                    .column(Column::new("doc", SqlType::Json))
                    .column(Column::new("docb", SqlType::JsonB))
                    .column(Column::new("mood", mood.clone()))
                    .column(Column::new("ints", SqlType::array(SqlType::Integer)))
                    .column(Column::new("words", SqlType::array(SqlType::Text)))
                    .column(Column::new("moods", SqlType::array(mood))),
            )
            .unwrap();
        let mut conn = engine.connect().await.unwrap();
        for ddl in create_all(&md, engine.dialect(), false).unwrap() {
            conn.execute(ddl).await.unwrap();
        }
        Some(Fixture {
            engine,
            md,
            t,
            mood_type,
        })
    }

    fn c(&self, column: &str) -> Expr {
        self.t.c(column).unwrap()
    }

    async fn conn(&self) -> Connection {
        self.engine.connect().await.unwrap()
    }

    /// Drops the table and its enum type with `drop_all`, and checks that
    /// the type is gone.
    async fn finish(self) {
        let mut conn = self.conn().await;
        for ddl in drop_all(&self.md, self.engine.dialect(), false).unwrap() {
            conn.execute(ddl).await.unwrap();
        }
        let (types,): (i64,) = conn
            .fetch_one(
                text("SELECT count(*) FROM pg_type WHERE typname = :n")
                    .bind("n", self.mood_type.as_str()),
            )
            .await
            .unwrap();
        assert_eq!(types, 0, "drop_all dropped the enum type");
    }
}

/// One row of the table, as the Rust values written and expected back.
#[derive(Debug, Clone, PartialEq, Default)]
struct Sample {
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    flag: Option<bool>,
    single: Option<f32>,
    double: Option<f64>,
    amount: Option<Decimal>,
    exact: Option<Decimal>,
    label: Option<String>,
    body: Option<String>,
    raw: Option<Vec<u8>>,
    day: Option<NaiveDate>,
    at: Option<NaiveTime>,
    stamp: Option<NaiveDateTime>,
    stamp_tz: Option<DateTime<Utc>>,
    uid: Option<Uuid>,
    doc: Option<serde_json::Value>,
    docb: Option<serde_json::Value>,
    mood: Option<String>,
    ints: Option<Vec<Option<i32>>>,
    words: Option<Vec<String>>,
    moods: Option<Vec<String>>,
}

impl Sample {
    fn from_row(row: &Row) -> Self {
        Sample {
            small: row.get("small").unwrap(),
            int: row.get("int").unwrap(),
            big: row.get("big").unwrap(),
            flag: row.get("flag").unwrap(),
            single: row.get("single").unwrap(),
            double: row.get("double").unwrap(),
            amount: row.get("amount").unwrap(),
            exact: row.get("exact").unwrap(),
            label: row.get("label").unwrap(),
            body: row.get("body").unwrap(),
            raw: row.get("raw").unwrap(),
            day: row.get("day").unwrap(),
            at: row.get("at").unwrap(),
            stamp: row.get("stamp").unwrap(),
            stamp_tz: row.get("stamp_tz").unwrap(),
            uid: row.get("uid").unwrap(),
            doc: row.get("doc").unwrap(),
            docb: row.get("docb").unwrap(),
            mood: row.get("mood").unwrap(),
            ints: row.get("ints").unwrap(),
            words: row.get("words").unwrap(),
            moods: row.get("moods").unwrap(),
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Inserts a sample with `insert() ... RETURNING id` and returns the id.
async fn write(conn: &mut Connection, f: &Fixture, s: &Sample) -> i32 {
    let (id,): (i32,) = conn
        .fetch_one(
            insert(&f.t)
                .value("small", s.small)
                .value("int", s.int)
                .value("big", s.big)
                .value("flag", s.flag)
                .value("single", s.single)
                .value("double", s.double)
                .value("amount", s.amount)
                .value("exact", s.exact)
                .value("label", s.label.clone())
                .value("body", s.body.clone())
                .value("raw", s.raw.clone())
                .value("day", s.day)
                .value("at", s.at)
                .value("stamp", s.stamp)
                .value("stamp_tz", s.stamp_tz)
                .value("uid", s.uid)
                .value("doc", s.doc.clone())
                .value("docb", s.docb.clone())
                .value("mood", s.mood.clone())
                .value("ints", s.ints.clone())
                .value("words", s.words.clone())
                .value("moods", s.moods.clone())
                .returning(f.c("id")),
        )
        .await
        .unwrap();
    id
}

async fn read(conn: &mut Connection, f: &Fixture, id: i32) -> Sample {
    let row = conn
        .execute(select(&f.t).where_(f.c("id").eq(id)))
        .await
        .unwrap()
        .one()
        .unwrap();
    Sample::from_row(&row)
}

async fn round_trip(conn: &mut Connection, f: &Fixture, s: &Sample) -> i32 {
    let id = write(conn, f, s).await;
    assert_eq!(&read(conn, f, id).await, s);
    id
}

#[tokio::test]
async fn every_type_round_trips_through_insert_and_select() {
    let Some(f) = Fixture::new().await else {
        return;
    };
    let mut conn = f.conn().await;

    let full = Sample {
        small: Some(-12_345),
        int: Some(2_000_000_001),
        big: Some(9_007_199_254_740_993), // 2^53 + 1: not exact as a double
        flag: Some(true),
        single: Some(std::f32::consts::PI),
        double: Some(std::f64::consts::E),
        amount: Some(dec("12345.67")),
        exact: Some(dec("1234567890.123456789012345678")), // 28 significant digits
        label: Some("Zoë 😀 漢字 O'Brien \"q\" \\ $1 :x".into()),
        body: Some("long text ".repeat(10_000)),
        raw: Some((0..=255u8).collect()),
        day: NaiveDate::from_ymd_opt(2024, 2, 29),
        at: NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456),
        stamp: NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999),
        stamp_tz: Some(
            Utc.with_ymd_and_hms(2038, 1, 19, 3, 14, 7).unwrap()
                + chrono::Duration::microseconds(654_321),
        ),
        uid: Some(Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210)),
        doc: Some(json!({
            "name": "Zoë 🚀",
            "tags": ["a", "b", "日本"],
            "nested": {"depth": [1, 2, {"x": null, "ok": true}], "pi": 3.25},
        })),
        docb: Some(json!({"quote": "she said \"no\" \\ 'yes'", "n": [1, 2.5, -3]})),
        mood: Some("it's complicated".into()),
        ints: Some(vec![Some(1), None, Some(i32::MIN), Some(i32::MAX)]),
        words: Some(vec![
            "a".into(),
            "".into(),
            "with, comma".into(),
            "{}\"".into(),
        ]),
        moods: Some(vec!["sad".into(), "it's complicated".into()]),
    };
    round_trip(&mut conn, &f, &full).await;

    let mins = Sample {
        small: Some(i16::MIN),
        int: Some(i32::MIN),
        big: Some(i64::MIN),
        flag: Some(false),
        single: Some(f32::MAX),
        double: Some(-0.000_000_123_456_789_012_345_6),
        amount: Some(dec("-0.1")),
        exact: Some(dec("-9999999999999999999.999999999")),
        label: Some(String::new()),
        body: Some(String::new()),
        raw: Some(Vec::new()),
        day: NaiveDate::from_ymd_opt(1, 1, 1),
        at: Some(NaiveTime::MIN),
        stamp: NaiveDate::from_ymd_opt(1970, 1, 1)
            .unwrap()
            .and_hms_micro_opt(0, 0, 0, 1),
        stamp_tz: Some(Utc.with_ymd_and_hms(1900, 6, 30, 12, 0, 0).unwrap()),
        uid: Some(Uuid::nil()),
        doc: Some(json!([])),
        docb: Some(json!(null)),
        mood: Some("happy".into()),
        ints: Some(Vec::new()),
        words: Some(Vec::new()),
        moods: Some(Vec::new()),
    };
    round_trip(&mut conn, &f, &mins).await;

    let maxes = Sample {
        small: Some(i16::MAX),
        int: Some(i32::MAX),
        big: Some(i64::MAX),
        single: Some(f32::MIN_POSITIVE),
        double: Some(f64::MAX),
        amount: Some(Decimal::from(i64::MAX)),
        exact: Some(Decimal::MAX),
        uid: Some(Uuid::max()),
        doc: Some(json!({})),
        docb: Some(json!("text")),
        at: NaiveTime::from_hms_micro_opt(0, 0, 0, 1),
        ..Sample::default()
    };
    round_trip(&mut conn, &f, &maxes).await;

    // NULL in every nullable column, through Option<T> = None.
    let id = round_trip(&mut conn, &f, &Sample::default()).await;
    let raw_nulls = conn
        .execute(select(&f.t).where_(f.c("id").eq(id)))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert!(raw_nulls.values()[1..].iter().all(Value::is_null));
    let err = raw_nulls.get::<i64>("big").unwrap_err();
    assert!(
        matches!(&err, Error::Conversion { found, .. } if found.contains("big")),
        "{err}"
    );

    // The values come back as the natural Value of each column type.
    let row = conn
        .execute(select(&f.t).where_(f.c("id").eq(1)))
        .await
        .unwrap()
        .one()
        .unwrap();
    let kinds: Vec<&str> = row.values().iter().map(Value::kind).collect();
    assert_eq!(
        kinds,
        [
            "i32",
            "i16",
            "i32",
            "i64",
            "bool",
            "f32",
            "f64",
            "decimal",
            "decimal",
            "string",
            "string",
            "bytes",
            "date",
            "time",
            "datetime",
            "datetime with time zone",
            "uuid",
            "json",
            "json",
            "string",
            "array",
            "array",
            "array"
        ]
    );
    drop(conn);
    f.finish().await;
}

#[tokio::test]
async fn decimals_keep_every_digit_and_their_scale() {
    let Some(f) = Fixture::new().await else {
        return;
    };
    let mut conn = f.conn().await;
    for s in [
        "0.1",
        "1.50",
        "-7",
        "1234567890.123456789012345678",
        "-9999999999999999999.999999999",
        "0.0000000000000000000000000001",
        "79228162514264337593543950335",
        "12345678901234567890123456.78",
    ] {
        let d = dec(s);
        let id = write(
            &mut conn,
            &f,
            &Sample {
                exact: Some(d),
                ..Sample::default()
            },
        )
        .await;
        let (back,): (Decimal,) = conn
            .fetch_one(select(f.c("exact")).where_(f.c("id").eq(id)))
            .await
            .unwrap();
        assert_eq!(back.to_string(), s, "digits and scale are kept");
        // The server agrees on the digits.
        let (as_text,): (String,) = conn
            .fetch_one(
                text(&format!(
                    "SELECT exact::text FROM {} WHERE id = :id",
                    f.t.name
                ))
                .bind("id", id),
            )
            .await
            .unwrap();
        assert_eq!(as_text, s);
        // A bound decimal compares exactly.
        let (n,): (i64,) = conn
            .fetch_one(
                select(aludel_core::func::count_star())
                    .from(&f.t)
                    .where_(f.c("exact").eq(d)),
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{s}");
    }
    // A NUMERIC(38, 18) column pads to its scale.
    let id = write(
        &mut conn,
        &f,
        &Sample {
            amount: Some(dec("2.5")),
            ..Sample::default()
        },
    )
    .await;
    let (back,): (Decimal,) = conn
        .fetch_one(select(f.c("amount")).where_(f.c("id").eq(id)))
        .await
        .unwrap();
    assert_eq!(back.to_string(), "2.500000000000000000");
    // Sums are exact.
    let (sum,): (Decimal,) = conn
        .fetch_one(
            text("SELECT CAST(:a AS NUMERIC) + :b")
                .bind("a", dec("0.1"))
                .bind("b", dec("0.2")),
        )
        .await
        .unwrap();
    assert_eq!(sum, dec("0.3"));
    // A value beyond what a Decimal holds is an error, not a rounded number.
    let err = conn
        .execute(text("SELECT 1e40::numeric AS huge"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("huge"), "{err}");
    let err = conn
        .execute(text("SELECT 'NaN'::numeric"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    drop(conn);
    f.finish().await;
}

#[tokio::test]
async fn text_bytes_and_json_edge_cases() {
    let Some(f) = Fixture::new().await else {
        return;
    };
    let mut conn = f.conn().await;
    for s in [
        "",
        "O'Brien said \"hi\"; -- DROP TABLE x;",
        "'' \\ \\\\ \\' %_ ? :name $1 @x",
        "tab\there\nnew line\r\n \u{1} \u{7f}",
        "emoji 👩‍👩‍👧‍👦 🇫🇷 CJK 漢字 RTL עברית combining e\u{301}",
        "  padded  ",
    ] {
        let id = write(
            &mut conn,
            &f,
            &Sample {
                label: Some(s.into()),
                body: Some(s.repeat(3)),
                doc: Some(json!({ "s": s })),
                docb: Some(json!([s])),
                words: Some(vec![s.into(), s.into()]),
                ..Sample::default()
            },
        )
        .await;
        let back = read(&mut conn, &f, id).await;
        assert_eq!(back.label.as_deref(), Some(s));
        assert_eq!(back.body, Some(s.repeat(3)));
        assert_eq!(back.doc, Some(json!({ "s": s })));
        assert_eq!(back.docb, Some(json!([s])));
        assert_eq!(back.words, Some(vec![s.to_string(), s.to_string()]));
        let ids: Vec<(i32,)> = conn
            .fetch_all(select(f.c("id")).where_(f.c("label").eq(s)))
            .await
            .unwrap();
        assert_eq!(ids, vec![(id,)], "{s:?}");
    }
    // Characters are characters.
    let (n,): (i32,) = conn
        .fetch_one(text("SELECT length(:s)").bind("s", "e\u{301}👩‍👩‍👧‍👦"))
        .await
        .unwrap();
    assert_eq!(n as usize, "e\u{301}👩‍👩‍👧‍👦".chars().count());
    // PostgreSQL text cannot hold NUL: a clear data error.
    let err = conn
        .execute(insert(&f.t).value("label", "nul\0byte"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");

    // Large and empty byte strings; an empty one is not NULL.
    let big: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for blob in [
        big,
        Vec::new(),
        vec![0u8; 3],
        b"\xff\xfe not utf-8".to_vec(),
    ] {
        let id = write(
            &mut conn,
            &f,
            &Sample {
                raw: Some(blob.clone()),
                ..Sample::default()
            },
        )
        .await;
        let (back, len): (Vec<u8>, i32) = conn
            .fetch_one(
                select([f.c("raw"), aludel_core::func::length(f.c("raw"))])
                    .where_(f.c("id").eq(id)),
            )
            .await
            .unwrap();
        assert_eq!(len as usize, blob.len());
        assert!(back == blob, "a blob of {} bytes changed", blob.len());
    }

    // JSON scalars, and SQL NULL apart from JSON null.
    for doc in [
        json!(42),
        json!(-1.5),
        json!("123"),
        json!(true),
        json!(null),
        json!([1, "two", [3.5, {"four": "四"}]]),
    ] {
        let id = write(
            &mut conn,
            &f,
            &Sample {
                doc: Some(doc.clone()),
                docb: Some(doc.clone()),
                ..Sample::default()
            },
        )
        .await;
        let back = read(&mut conn, &f, id).await;
        assert_eq!((back.doc, back.docb), (Some(doc.clone()), Some(doc)));
    }
    // JSONB is queryable as JSON by the server.
    let id = write(
        &mut conn,
        &f,
        &Sample {
            docb: Some(json!({"k": {"deep": [10, 20]}})),
            ..Sample::default()
        },
    )
    .await;
    let (deep,): (i32,) = conn
        .fetch_one(
            text(&format!(
                "SELECT (docb -> 'k' -> 'deep' ->> 1)::int FROM {} WHERE id = :id",
                f.t.name
            ))
            .bind("id", id),
        )
        .await
        .unwrap();
    assert_eq!(deep, 20);
    // A string bound to a JSON column is JSON text, checked by the server.
    conn.execute(insert(&f.t).value("docb", "{\"from\": \"text\"}"))
        .await
        .unwrap();
    let err = conn
        .execute(insert(&f.t).value("docb", "{not json"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    drop(conn);
    f.finish().await;
}

#[tokio::test]
async fn enums_and_arrays() {
    let Some(f) = Fixture::new().await else {
        return;
    };
    let mut conn = f.conn().await;
    // Enum labels compare as the enum's order, not alphabetically.
    for m in ["sad", "happy", "it's complicated"] {
        write(
            &mut conn,
            &f,
            &Sample {
                mood: Some(m.into()),
                ..Sample::default()
            },
        )
        .await;
    }
    let moods: Vec<(String,)> = conn
        .fetch_all(
            select(f.c("mood"))
                .where_(f.c("mood").is_not_null())
                .order_by(f.c("mood")),
        )
        .await
        .unwrap();
    assert_eq!(
        moods,
        vec![
            ("happy".into(),),
            ("sad".into(),),
            ("it's complicated".into(),)
        ]
    );
    let (n,): (i64,) = conn
        .fetch_one(
            select(aludel_core::func::count_star())
                .from(&f.t)
                .where_(f.c("mood").eq("sad")),
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    // A label the type lacks is a data error from the server.
    let err = conn
        .execute(insert(&f.t).value("mood", "angry"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("angry"), "{err}");

    // Arrays: an i64 list narrowed into INTEGER[], ANY() with a bound array,
    // NULL elements, and enum arrays.
    let id = write(
        &mut conn,
        &f,
        &Sample {
            ints: Some(vec![Some(3), Some(1), Some(2)]),
            moods: Some(vec!["happy".into(), "happy".into()]),
            ..Sample::default()
        },
    )
    .await;
    conn.execute(
        aludel_core::update(&f.t)
            .set("ints", vec![10i64, 20, 30])
            .where_(f.c("id").eq(id)),
    )
    .await
    .unwrap();
    let (ints, moods): (Vec<i32>, Vec<String>) = conn
        .fetch_one(select([f.c("ints"), f.c("moods")]).where_(f.c("id").eq(id)))
        .await
        .unwrap();
    assert_eq!(
        (ints, moods),
        (vec![10, 20, 30], vec!["happy".into(), "happy".into()])
    );
    let found: Vec<(i32,)> = conn
        .fetch_all(
            text(&format!(
                "SELECT id FROM {} WHERE id = ANY(:ids) ORDER BY id",
                f.t.name
            ))
            .bind("ids", vec![id, id + 1000]),
        )
        .await
        .unwrap();
    assert_eq!(found, vec![(id,)]);
    // Out of range inside an array is a data error naming the parameter.
    let err = conn
        .execute(insert(&f.t).value("ints", vec![1i64, 1 << 40]))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("out of range"), "{err}");
    // An array bound where the server expects a scalar is a data error too.
    let err = conn
        .execute(text("SELECT :xs").bind("xs", vec![1i32, 2]))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("array"), "{err}");
    // Multi-dimensional arrays from the server are refused clearly.
    let err = conn
        .execute(text("SELECT ARRAY[[1,2],[3,4]] AS grid"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("grid"), "{err}");
    drop(conn);
    f.finish().await;
}

#[tokio::test]
async fn values_bind_by_the_parameter_type_the_server_inferred() {
    let Some(f) = Fixture::new().await else {
        return;
    };
    let mut conn = f.conn().await;
    let id = write(&mut conn, &f, &Sample::default()).await;
    let set = |column: &'static str, v: Value| {
        aludel_core::update(&f.t)
            .set(column, v)
            .where_(f.c("id").eq(id))
    };

    // Integers narrow with a range check.
    conn.execute(set("small", Value::I64(-32768)))
        .await
        .unwrap();
    conn.execute(set("int", Value::I16(7))).await.unwrap();
    for (column, v) in [
        ("small", Value::I64(40_000)),
        ("int", Value::I64(i64::from(i32::MAX) + 1)),
    ] {
        let err = conn.execute(set(column, v.clone())).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("out of range") && msg.contains("$1"), "{msg}");
    }
    // Floats take integers and decimals; NUMERIC takes integers and floats.
    conn.execute(set("double", Value::I64(3))).await.unwrap();
    conn.execute(set("single", Value::Decimal(dec("0.5"))))
        .await
        .unwrap();
    conn.execute(set("exact", Value::F64(0.1))).await.unwrap();
    conn.execute(set("amount", Value::I32(12))).await.unwrap();
    let err = conn
        .execute(set("single", Value::F64(1e300)))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    // Timestamps: a naive one into TIMESTAMPTZ is UTC, an aware one into
    // TIMESTAMP is its UTC time; ISO text parses.
    let naive = NaiveDate::from_ymd_opt(2024, 5, 6)
        .unwrap()
        .and_hms_opt(7, 8, 9)
        .unwrap();
    conn.execute(set("stamp_tz", Value::DateTime(naive)))
        .await
        .unwrap();
    conn.execute(set("stamp", Value::DateTimeTz(naive.and_utc())))
        .await
        .unwrap();
    conn.execute(set("day", Value::String("2024-05-06".into())))
        .await
        .unwrap();
    conn.execute(set(
        "uid",
        Value::String("00000000-0000-0000-0000-00000000002a".into()),
    ))
    .await
    .unwrap();
    let back = read(&mut conn, &f, id).await;
    assert_eq!(back.small, Some(-32768));
    assert_eq!(back.int, Some(7));
    assert_eq!(back.double, Some(3.0));
    assert_eq!(back.single, Some(0.5));
    assert_eq!(back.exact, Some(dec("0.1")));
    assert_eq!(back.amount.map(|d| d.normalize()), Some(dec("12")));
    assert_eq!(back.stamp_tz, Some(naive.and_utc()));
    assert_eq!(back.stamp, Some(naive));
    assert_eq!(back.day, NaiveDate::from_ymd_opt(2024, 5, 6));
    assert_eq!(back.uid, Some(Uuid::from_u128(42)));

    // Kinds that do not fit are data errors naming the parameter's type.
    for (column, v, ty) in [
        ("int", Value::String("12".into()), "int4"),
        ("flag", Value::I64(1), "bool"),
        ("uid", Value::String("not a uuid".into()), "uuid"),
        ("raw", Value::I64(1), "bytea"),
        ("mood", Value::I64(1), f.mood_type.as_str()),
    ] {
        let err = conn.execute(set(column, v)).await.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
        assert!(err.to_string().contains(ty), "{column}: {err}");
    }
    // Placeholders the server types as text take any scalar's text form.
    let (a, b, c, d): (String, String, String, String) = conn
        .fetch_one(
            text("SELECT :a, :b, :c, :d")
                .bind("a", 12i64)
                .bind("b", dec("1.50"))
                .bind("c", Uuid::from_u128(1))
                .bind("d", naive),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.as_str(), b.as_str(), c.as_str(), d.as_str()),
        (
            "12",
            "1.50",
            "00000000-0000-0000-0000-000000000001",
            "2024-05-06 07:08:09"
        )
    );
    // A 32-bit integer declared INTEGER still fills wider, narrower and
    // exact columns (with the server's range check).
    conn.execute(set("big", Value::I32(-5))).await.unwrap();
    conn.execute(set("small", Value::I32(12))).await.unwrap();
    conn.execute(set("exact", Value::I32(7))).await.unwrap();
    let err = conn
        .execute(set("small", Value::I32(70_000)))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    let back = read(&mut conn, &f, id).await;
    assert_eq!(
        (back.big, back.small, back.exact),
        (Some(-5), Some(12), Some(dec("7")))
    );
    // The wrong number of values for the placeholders is a clear error.
    let err = conn
        .execute(text("SELECT $1::int").bind("unused", 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("placeholders"), "{err}");
    drop(conn);
    f.finish().await;
}

#[tokio::test]
async fn other_column_types_decode_or_say_which_type() {
    let Some(engine) = common::engine() else {
        return;
    };
    let mut conn = engine.connect().await.unwrap();
    type Misc = (String, String, String, String, String, String, i64, String);
    let row: Misc = conn
        .fetch_one(text(
            "SELECT '1 year 2 mons 3 days 04:05:06.5'::interval, '192.168.0.1'::inet, \
             '10.0.0.0/8'::cidr, '08:00:2b:01:02:03'::macaddr, 'c'::\"char\", \
             '<a>x</a>'::xml, 'pg_class'::regclass::oid::bigint, 'abc'::name",
        ))
        .await
        .unwrap();
    assert_eq!(row.0, "1 year 2 mons 3 days 04:05:06.5");
    assert_eq!(row.1, "192.168.0.1");
    assert_eq!(row.2, "10.0.0.0/8");
    assert_eq!(row.3, "08:00:2b:01:02:03");
    assert_eq!(row.4, "c");
    assert_eq!(row.5, "<a>x</a>");
    assert!(row.6 > 0);
    assert_eq!(row.7, "abc");
    // Every interval PostgreSQL prints, Aludel prints the same way.
    for iv in [
        "00:00:00",
        "-1 days +02:03:00",
        "1 mon -00:00:01",
        "-1 years -2 mons",
        "10 days",
        "100 hours",
        "1 day -0.25 seconds",
        "-3 days -4 hours",
    ] {
        let (ours, theirs): (String, String) = conn
            .fetch_one(
                text("SELECT CAST(:v AS INTERVAL), CAST(CAST(:v AS INTERVAL) AS TEXT)")
                    .bind("v", iv),
            )
            .await
            .unwrap();
        assert_eq!(ours, theirs, "{iv}");
    }
    // A domain reads as its base type.
    let dom = name("positive");
    conn.execute(text(&format!(
        "CREATE DOMAIN {dom} AS INTEGER CHECK (VALUE > 0)"
    )))
    .await
    .unwrap();
    let (v,): (i32,) = conn
        .fetch_one(text(&format!("SELECT CAST(:v AS {dom})")).bind("v", 5))
        .await
        .unwrap();
    assert_eq!(v, 5);
    let err = conn
        .execute(text(&format!("SELECT CAST(:v AS {dom})")).bind("v", -5))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::CheckViolation), "{err}");
    conn.execute(text(&format!("DROP DOMAIN {dom}")))
        .await
        .unwrap();
    // A type with no Aludel value is an error naming the column and type,
    // and a text cast reads it.
    let err = conn
        .execute(text("SELECT 'a fat cat'::tsvector AS doc"))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("tsvector") && msg.contains("\"doc\""), "{msg}");
    let (v,): (String,) = conn
        .fetch_one(text("SELECT CAST('a fat cat'::tsvector AS TEXT)"))
        .await
        .unwrap();
    assert_eq!(v, "'a' 'cat' 'fat'");
    // void (a function returning nothing) is NULL.
    let (v,): (Option<i32>,) = conn.fetch_one(text("SELECT pg_sleep(0)")).await.unwrap();
    assert_eq!(v, None);
}
