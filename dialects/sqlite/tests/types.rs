//! Every portable type round-trips through a real SQLite table built from
//! Aludel metadata: written with `insert()`, read back with `select()` into
//! the Rust types, by `Row::get` and by tuples.

use aludel_core::{
    create_engine, create_table, insert, select, text, Column, Connection, DbErrorKind, Error,
    Expr, MetaData, Row, SqlType, Table, Value,
};
use aludel_sqlite as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use uuid::Uuid;

fn every_type_table() -> Table {
    let mut md = MetaData::new();
    md.add(
        Table::builder("every_type")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("small", SqlType::SmallInt))
            .column(Column::new("int", SqlType::Integer))
            .column(Column::new("big", SqlType::BigInt))
            .column(Column::new("flag", SqlType::Boolean))
            .column(Column::new("single", SqlType::Float))
            .column(Column::new("double", SqlType::Double))
            .column(Column::new("amount", SqlType::numeric(38, 18)))
            .column(Column::new("label", SqlType::string(400)))
            .column(Column::new("body", SqlType::Text))
            .column(Column::new("raw", SqlType::Bytes))
            .column(Column::new("day", SqlType::Date))
            .column(Column::new("at", SqlType::Time))
            .column(Column::new("stamp", SqlType::DateTime))
            .column(Column::new("stamp_tz", SqlType::DateTimeTz))
            .column(Column::new("uid", SqlType::Uuid))
            .column(Column::new("doc", SqlType::Json))
            .column(Column::new(
                "mood",
                SqlType::enumeration("mood", ["happy", "sad", "it's complicated"]),
            )),
    )
    .unwrap()
}

/// One row of `every_type`, as the Rust values written and expected back.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    small: Option<i16>,
    int: Option<i32>,
    big: Option<i64>,
    flag: Option<bool>,
    single: Option<f32>,
    double: Option<f64>,
    amount: Option<Decimal>,
    label: Option<String>,
    body: Option<String>,
    raw: Option<Vec<u8>>,
    day: Option<NaiveDate>,
    at: Option<NaiveTime>,
    stamp: Option<NaiveDateTime>,
    stamp_tz: Option<DateTime<Utc>>,
    uid: Option<Uuid>,
    doc: Option<serde_json::Value>,
    mood: Option<String>,
}

impl Sample {
    fn nulls() -> Self {
        Sample {
            small: None,
            int: None,
            big: None,
            flag: None,
            single: None,
            double: None,
            amount: None,
            label: None,
            body: None,
            raw: None,
            day: None,
            at: None,
            stamp: None,
            stamp_tz: None,
            uid: None,
            doc: None,
            mood: None,
        }
    }

    fn from_row(row: &Row) -> Self {
        Sample {
            small: row.get("small").unwrap(),
            int: row.get("int").unwrap(),
            big: row.get("big").unwrap(),
            flag: row.get("flag").unwrap(),
            single: row.get("single").unwrap(),
            double: row.get("double").unwrap(),
            amount: row.get("amount").unwrap(),
            label: row.get("label").unwrap(),
            body: row.get("body").unwrap(),
            raw: row.get("raw").unwrap(),
            day: row.get("day").unwrap(),
            at: row.get("at").unwrap(),
            stamp: row.get("stamp").unwrap(),
            stamp_tz: row.get("stamp_tz").unwrap(),
            uid: row.get("uid").unwrap(),
            doc: row.get("doc").unwrap(),
            mood: row.get("mood").unwrap(),
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn c(t: &Table, name: &str) -> Expr {
    t.c(name).unwrap()
}

/// Inserts a sample with `insert()` and returns its generated id.
async fn write(conn: &mut Connection, t: &Table, s: &Sample) -> i64 {
    let r = conn
        .execute(
            insert(t)
                .value("small", s.small)
                .value("int", s.int)
                .value("big", s.big)
                .value("flag", s.flag)
                .value("single", s.single)
                .value("double", s.double)
                .value("amount", s.amount)
                .value("label", s.label.clone())
                .value("body", s.body.clone())
                .value("raw", s.raw.clone())
                .value("day", s.day)
                .value("at", s.at)
                .value("stamp", s.stamp)
                .value("stamp_tz", s.stamp_tz)
                .value("uid", s.uid)
                .value("doc", s.doc.clone())
                .value("mood", s.mood.clone()),
        )
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1);
    r.last_insert_id().unwrap()
}

async fn read(conn: &mut Connection, t: &Table, id: i64) -> Sample {
    let row = conn
        .execute(select(t).where_(c(t, "id").eq(id)))
        .await
        .unwrap()
        .one()
        .unwrap();
    Sample::from_row(&row)
}

async fn round_trip(conn: &mut Connection, t: &Table, s: &Sample) {
    let id = write(conn, t, s).await;
    assert_eq!(&read(conn, t, id).await, s);
}

const HOSTILE: &[&str] = &[
    "",
    "plain ascii",
    "O'Brien said \"hi\"; -- DROP TABLE every_type;",
    "'' ' \"\" \\ \\\\ \\' \\n (a literal backslash-n) %_ ? :name $1 @x",
    "tab\there\nnew line\r\ncarriage \u{1} \u{7f} bell",
    "emoji 👩‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 😀",
    "CJK 漢字 かな カナ 한국어",
    "combining e\u{301} a\u{30a} n\u{303} (decomposed)",
    "RTL עברית العربية \u{202e}override\u{202c}",
    "zero\u{200b}width and BOM \u{feff}",
    "00123",
    "1e5",
    "  padded  ",
];

async fn engine_and_table() -> (aludel_core::Engine, Table) {
    let engine = create_engine("sqlite://").unwrap();
    let t = every_type_table();
    engine
        .connect()
        .await
        .unwrap()
        .execute(create_table(&t))
        .await
        .unwrap();
    (engine, t)
}

#[tokio::test]
async fn every_type_round_trips_through_insert_and_select() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();

    let full = Sample {
        small: Some(-12_345),
        int: Some(2_000_000_001),
        big: Some(9_007_199_254_740_993), // 2^53 + 1: not exact as a double
        flag: Some(true),
        single: Some(std::f32::consts::PI),
        double: Some(std::f64::consts::E),
        amount: Some(dec("12345.67")),
        label: Some("Zoë 😀 漢字".into()),
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
            "quote": "she said \"no\" \\ 'yes'",
        })),
        mood: Some("it's complicated".into()),
    };
    round_trip(&mut conn, &t, &full).await;

    // The other end of each range.
    let other = Sample {
        small: Some(i16::MIN),
        int: Some(i32::MIN),
        big: Some(i64::MIN),
        flag: Some(false),
        single: Some(f32::MAX),
        double: Some(-0.000_000_123_456_789_012_345_6),
        amount: Some(dec("-0.1")),
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
        mood: Some("happy".into()),
    };
    round_trip(&mut conn, &t, &other).await;

    let maxes = Sample {
        small: Some(i16::MAX),
        int: Some(i32::MAX),
        big: Some(i64::MAX),
        single: Some(f32::MIN_POSITIVE),
        double: Some(f64::MAX),
        amount: Some(Decimal::from(i64::MAX)),
        uid: Some(Uuid::max()),
        doc: Some(json!({})),
        at: NaiveTime::from_hms_micro_opt(0, 0, 0, 1),
        ..Sample::nulls()
    };
    round_trip(&mut conn, &t, &maxes).await;

    // NULL in every nullable column, through Option<T> = None.
    round_trip(&mut conn, &t, &Sample::nulls()).await;
    let nulls = read(&mut conn, &t, 4).await;
    assert_eq!(nulls, Sample::nulls());
    let raw_nulls = conn
        .execute(select(&t).where_(c(&t, "id").eq(4)))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert!(raw_nulls.values()[1..].iter().all(Value::is_null));
    // A NULL read into a non-Option type is a conversion error naming the column.
    let err = raw_nulls.get::<i64>("big").unwrap_err();
    assert!(
        matches!(&err, Error::Conversion { found, .. } if found.contains("big")),
        "{err}"
    );
}

#[tokio::test]
async fn decimals_come_back_exactly() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    for s in [
        "0.1",
        "0.3",
        "1.5",
        "-7",
        "12345678901234.5", // 15 significant digits
        "99999999.99",
        "0.000000000000000001",
        "-123456789012345",
        "9223372036854775807",
    ] {
        let d = dec(s);
        let id = write(
            &mut conn,
            &t,
            &Sample {
                amount: Some(d),
                ..Sample::nulls()
            },
        )
        .await;
        let back: Decimal = conn
            .execute(select(c(&t, "amount")).where_(c(&t, "id").eq(id)))
            .await
            .unwrap()
            .scalar()
            .unwrap()
            .unwrap();
        assert_eq!(back, d, "{s}");
        assert_eq!(back.to_string(), d.to_string(), "{s}");
    }
    // Decimals compare and sort as numbers in SQL.
    let big: Vec<(Decimal,)> = conn
        .fetch_all(
            select(c(&t, "amount"))
                .where_(c(&t, "amount").gt(dec("99999999")))
                .order_by(c(&t, "amount")),
        )
        .await
        .unwrap();
    assert_eq!(
        big,
        vec![
            (dec("99999999.99"),),
            (dec("12345678901234.5"),),
            (dec("9223372036854775807"),),
        ]
    );
    let sum: (Decimal,) = conn
        .fetch_one(text(
            "SELECT sum(amount) FROM every_type WHERE amount IN (0.1, 1.5, -7)",
        ))
        .await
        .unwrap();
    assert_eq!(sum.0, dec("-5.4"));
}

/// Decimals with more significant digits than a double holds (28 here)
/// are bound as text and decoded from text without loss.
#[tokio::test]
async fn decimals_beyond_double_precision_are_exact_as_text() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    for s in [
        "1234567890.123456789012345678",
        "-9999999999999999999.999999999",
        "0.0000000000000000000000000001",
        "79228162514264337593543950335",
        "1.50",
    ] {
        let d = dec(s);
        let id = write(
            &mut conn,
            &t,
            &Sample {
                body: Some(d.to_string()),
                ..Sample::nulls()
            },
        )
        .await;
        let (back,): (Decimal,) = conn
            .fetch_one(select(c(&t, "body")).where_(c(&t, "id").eq(id)))
            .await
            .unwrap();
        assert_eq!(back, d, "{s}");
        assert_eq!(back.to_string(), s, "{s}: digits and scale are kept");
        // The bound parameter itself carries every digit.
        let (echo,): (Decimal,) = conn
            .fetch_one(text("SELECT :d").bind("d", d))
            .await
            .unwrap();
        assert_eq!(echo.to_string(), s);
    }
}

#[tokio::test]
async fn hostile_and_unicode_text_round_trips_and_matches() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    for s in HOSTILE {
        let id = write(
            &mut conn,
            &t,
            &Sample {
                label: Some(s.to_string()),
                body: Some(s.repeat(3)),
                mood: Some(s.to_string()),
                doc: Some(json!({ "s": s, "list": [s] })),
                ..Sample::nulls()
            },
        )
        .await;
        let back = read(&mut conn, &t, id).await;
        assert_eq!(back.label.as_deref(), Some(*s));
        assert_eq!(back.body, Some(s.repeat(3)));
        assert_eq!(back.mood.as_deref(), Some(*s));
        assert_eq!(back.doc, Some(json!({ "s": s, "list": [s] })));
        // The bound text compares equal to what is stored.
        let ids: Vec<(i64,)> = conn
            .fetch_all(select(c(&t, "id")).where_(c(&t, "label").eq(*s)))
            .await
            .unwrap();
        assert_eq!(ids, vec![(id,)], "{s:?}");
    }
    // Characters are characters, not bytes.
    let n: (i64,) = conn
        .fetch_one(text("SELECT length(:s)").bind("s", "e\u{301}👩‍👩‍👧‍👦"))
        .await
        .unwrap();
    assert_eq!(n.0, "e\u{301}👩‍👩‍👧‍👦".chars().count() as i64);
}

#[tokio::test]
async fn large_and_empty_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = create_engine(&format!(
        "sqlite:///{}",
        dir.path().join("blobs.db").display()
    ))
    .unwrap();
    let t = every_type_table();
    let mut conn = engine.connect().await.unwrap();
    conn.execute(create_table(&t)).await.unwrap();

    let big: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for blob in [
        big.clone(),
        Vec::new(),
        vec![0u8; 3],
        b"\xff\xfe not utf-8".to_vec(),
    ] {
        let id = write(
            &mut conn,
            &t,
            &Sample {
                raw: Some(blob.clone()),
                ..Sample::nulls()
            },
        )
        .await;
        let (back, len): (Vec<u8>, i64) = conn
            .fetch_one(
                select([c(&t, "raw"), aludel_core::func::length(c(&t, "raw"))])
                    .where_(c(&t, "id").eq(id)),
            )
            .await
            .unwrap();
        assert_eq!(len, blob.len() as i64);
        assert!(back == blob, "a blob of {} bytes changed", blob.len());
    }
    // An empty blob is not NULL.
    let empties: Vec<(i64,)> = conn
        .fetch_all(select(c(&t, "id")).where_(c(&t, "raw").eq(Vec::<u8>::new())))
        .await
        .unwrap();
    assert_eq!(empties, vec![(2,)]);
}

#[tokio::test]
async fn json_scalars_and_documents() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    for doc in [
        json!(42),
        json!(-1.5),
        json!(0),
        json!("text"),
        json!("123"),
        json!(true),
        json!(null),
        json!([1, "two", [3.5, {"four": "四"}]]),
        json!({"emoji": "😀", "rtl": "עברית", "esc": "\"\\\n\t"}),
    ] {
        let id = write(
            &mut conn,
            &t,
            &Sample {
                doc: Some(doc.clone()),
                ..Sample::nulls()
            },
        )
        .await;
        let back: (Option<serde_json::Value>,) = conn
            .fetch_one(select(c(&t, "doc")).where_(c(&t, "id").eq(id)))
            .await
            .unwrap();
        assert_eq!(back.0, Some(doc));
    }
    // SQL NULL and JSON null stay apart.
    let id = write(&mut conn, &t, &Sample::nulls()).await;
    let back: (Option<serde_json::Value>,) = conn
        .fetch_one(select(c(&t, "doc")).where_(c(&t, "id").eq(id)))
        .await
        .unwrap();
    assert_eq!(back.0, None);
}

#[tokio::test]
async fn tuples_decode_every_type_by_position() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    let day = NaiveDate::from_ymd_opt(2024, 7, 14).unwrap();
    let at = NaiveTime::from_hms_micro_opt(8, 30, 0, 250_000).unwrap();
    let stamp = day.and_time(at);
    let stamp_tz = stamp.and_utc();
    let uid = Uuid::from_u128(42);
    let doc = json!({"k": ["v", 1]});
    let s = Sample {
        small: Some(7),
        int: Some(-8),
        big: Some(i64::MAX),
        flag: Some(true),
        single: Some(0.5),
        double: Some(-2.25),
        amount: Some(dec("-98765.4321")),
        label: Some("ünïcödé".into()),
        body: Some("body".into()),
        raw: Some(vec![1, 2, 3]),
        day: Some(day),
        at: Some(at),
        stamp: Some(stamp),
        stamp_tz: Some(stamp_tz),
        uid: Some(uid),
        doc: Some(doc.clone()),
        mood: Some("sad".into()),
    };
    write(&mut conn, &t, &s).await;
    write(&mut conn, &t, &Sample::nulls()).await;
    let order = c(&t, "id");

    let numbers: Vec<(i16, i32, i64, bool, f32, f64, Decimal)> = conn
        .fetch_all(
            select(["small", "int", "big", "flag", "single", "double", "amount"].map(|n| c(&t, n)))
                .where_(c(&t, "id").eq(1)),
        )
        .await
        .unwrap();
    assert_eq!(
        numbers,
        vec![(7, -8, i64::MAX, true, 0.5, -2.25, dec("-98765.4321"))]
    );

    type Texts = (String, String, Vec<u8>, String, Uuid, serde_json::Value);
    let texts: Vec<Texts> = conn
        .fetch_all(
            select(["label", "body", "raw", "mood", "uid", "doc"].map(|n| c(&t, n)))
                .where_(c(&t, "id").eq(1)),
        )
        .await
        .unwrap();
    assert_eq!(
        texts,
        vec![(
            "ünïcödé".into(),
            "body".into(),
            vec![1, 2, 3],
            "sad".into(),
            uid,
            doc
        )]
    );

    type Times = (
        Option<NaiveDate>,
        Option<NaiveTime>,
        Option<NaiveDateTime>,
        Option<DateTime<Utc>>,
    );
    let times: Vec<Times> = conn
        .fetch_all(
            select(["day", "at", "stamp", "stamp_tz"].map(|n| c(&t, n))).order_by(order.clone()),
        )
        .await
        .unwrap();
    assert_eq!(
        times,
        vec![
            (Some(day), Some(at), Some(stamp), Some(stamp_tz)),
            (None, None, None, None)
        ]
    );

    type Nullable = (
        Option<i16>,
        Option<bool>,
        Option<f64>,
        Option<Decimal>,
        Option<Vec<u8>>,
        Option<Uuid>,
        Option<serde_json::Value>,
        Option<String>,
    );
    let nullable: Vec<Nullable> = conn
        .fetch_all(
            select(
                [
                    "small", "flag", "double", "amount", "raw", "uid", "doc", "mood",
                ]
                .map(|n| c(&t, n)),
            )
            .order_by(order),
        )
        .await
        .unwrap();
    assert_eq!(
        nullable[1],
        (None, None, None, None, None, None, None, None)
    );
    assert_eq!(nullable[0].3, s.amount);
}

#[tokio::test]
async fn stored_forms_are_the_documented_ones() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    let uid = Uuid::from_u128(0xabcdef);
    write(
        &mut conn,
        &t,
        &Sample {
            flag: Some(true),
            amount: Some(dec("12345.67")),
            day: NaiveDate::from_ymd_opt(2024, 1, 2),
            at: NaiveTime::from_hms_micro_opt(3, 4, 5, 600_000),
            stamp: NaiveDate::from_ymd_opt(2024, 1, 2)
                .unwrap()
                .and_hms_micro_opt(3, 4, 5, 6),
            stamp_tz: Some(Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()),
            uid: Some(uid),
            doc: Some(json!({"a": 1})),
            mood: Some("happy".into()),
            ..Sample::nulls()
        },
    )
    .await;
    let row: (i64, String, String, String, String, String, String, String) = conn
        .fetch_one(text(
            "SELECT flag, CAST(amount AS TEXT), day, at, stamp, stamp_tz, uid, doc FROM every_type",
        ))
        .await
        .unwrap();
    assert_eq!(
        row,
        (
            1,
            "12345.67".into(),
            "2024-01-02".into(),
            "03:04:05.600000".into(),
            "2024-01-02 03:04:05.000006".into(),
            "2024-01-02 03:04:05.000000+00:00".into(),
            "00000000000000000000000000abcdef".into(),
            "{\"a\":1}".into(),
        )
    );
    // Dates compare as dates in SQL because their text sorts chronologically.
    let n: (i64,) = conn
        .fetch_one(
            select(aludel_core::func::count_star())
                .from(&t)
                .where_(c(&t, "day").lt(NaiveDate::from_ymd_opt(2024, 1, 10).unwrap())),
        )
        .await
        .unwrap();
    assert_eq!(n.0, 1);
}

#[tokio::test]
async fn binding_an_array_is_a_clear_data_error() {
    let (engine, t) = engine_and_table().await;
    let mut conn = engine.connect().await.unwrap();
    let err = conn
        .execute(text("SELECT :xs").bind("xs", vec![1i32, 2, 3]))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("array"), "{err}");
    let err = conn
        .execute(insert(&t).value("label", vec!["a".to_string()]))
        .await
        .unwrap_err();
    assert!(
        err.db_kind() == Some(DbErrorKind::Data) || matches!(err, Error::Unsupported { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("array"), "{err}");
    // Nothing was written and the connection still works.
    let n: (i64,) = conn
        .fetch_one(select(aludel_core::func::count_star()).from(&t))
        .await
        .unwrap();
    assert_eq!(n.0, 0);
}
