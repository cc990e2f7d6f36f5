//! Every portable type round-trips through a MySQL or MariaDB table built
//! from Aludel metadata, written with `insert()` and read back with
//! `select()` into Rust types; plus the MySQL-specific cases: unsigned
//! integers, DECIMAL beyond 28 digits, fractional seconds (DATETIME and
//! TIME keep them only with an explicit precision), BLOB's size limit,
//! values chrono cannot hold.

mod common;

use aludel_core::{
    func, insert, select, text, Column, Connection, DbErrorKind, Error, Expr, MetaData, Row,
    SqlType, Table, Value,
};
use aludel_mysql as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use common::{create_tables, drop_tables, engine, name};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use uuid::Uuid;

/// A table of every type. Dates and times use the types aludel's DDL
/// emits (`DATETIME`, `TIME`: whole seconds) in `stamp0`/`at0` and the
/// types with microseconds, declared as custom types, in the others.
fn every_type_table(md: &mut MetaData) -> Table {
    md.add(
        Table::builder(name("every_type"))
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
            .column(Column::new("at", SqlType::Custom("TIME(6)".into())))
            .column(Column::new("stamp", SqlType::Custom("DATETIME(6)".into())))
            .column(Column::new(
                "stamp_tz",
                SqlType::Custom("DATETIME(6)".into()),
            ))
            .column(Column::new("at0", SqlType::Time))
            .column(Column::new("stamp0", SqlType::DateTime))
            .column(Column::new("uid", SqlType::Uuid))
            .column(Column::new("doc", SqlType::Json))
            .column(Column::new(
                "mood",
                SqlType::enumeration("mood", ["happy", "sad", "it's \"complicated\" \\"]),
            )),
    )
    .unwrap()
}

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

async fn round_trip(conn: &mut Connection, t: &Table, s: &Sample) -> i64 {
    let id = write(conn, t, s).await;
    assert_eq!(&read(conn, t, id).await, s);
    id
}

async fn setup() -> Option<(aludel_core::Engine, Connection, MetaData, Table)> {
    let url = common::url()?;
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = every_type_table(&mut md);
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    Some((engine, conn, md, t))
}

#[tokio::test]
async fn every_type_round_trips_through_insert_and_select() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
    let full = Sample {
        small: Some(-12_345),
        int: Some(2_000_000_001),
        big: Some(9_007_199_254_740_993), // 2^53 + 1: not exact as a double
        flag: Some(true),
        single: Some(std::f32::consts::PI),
        double: Some(std::f64::consts::E),
        amount: Some(dec("1234567890.123456789012345678")), // 28 digits
        label: Some("Zoë 😀 漢字 👩‍👩‍👧‍👦".into()),
        // TEXT holds 65,535 bytes.
        body: Some("long text ".repeat(6_000)),
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
        mood: Some("it's \"complicated\" \\".into()),
    };
    round_trip(&mut conn, &t, &full).await;

    let other = Sample {
        small: Some(i16::MIN),
        int: Some(i32::MIN),
        big: Some(i64::MIN),
        flag: Some(false),
        single: Some(f32::MAX),
        double: Some(-0.000_000_123_456_789_012_345_6),
        amount: Some(dec("-9999999999999999999.999999999999999999")),
        label: Some(String::new()),
        body: Some(String::new()),
        raw: Some(Vec::new()),
        day: NaiveDate::from_ymd_opt(1000, 1, 1),
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
        day: NaiveDate::from_ymd_opt(9999, 12, 31),
        at: NaiveTime::from_hms_micro_opt(0, 0, 0, 1),
        stamp: NaiveDate::from_ymd_opt(9999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999),
        uid: Some(Uuid::max()),
        doc: Some(json!({})),
        ..Sample::nulls()
    };
    round_trip(&mut conn, &t, &maxes).await;

    let id = round_trip(&mut conn, &t, &Sample::nulls()).await;
    let raw_nulls = conn
        .execute(select(&t).where_(c(&t, "id").eq(id)))
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

    // The values the driver decodes, by column type.
    let row = conn
        .execute(select(&t).where_(c(&t, "id").eq(1)))
        .await
        .unwrap()
        .one()
        .unwrap();
    let v = |n: &str| row.values()[row.columns().iter().position(|c| c == n).unwrap()].clone();
    assert_eq!(v("small"), Value::I16(-12_345));
    assert_eq!(v("int"), Value::I32(2_000_000_001));
    assert_eq!(v("big"), Value::I64(9_007_199_254_740_993));
    assert_eq!(v("flag"), Value::I16(1), "BOOL is TINYINT(1)");
    assert_eq!(v("single"), Value::F32(std::f32::consts::PI));
    assert_eq!(v("double"), Value::F64(std::f64::consts::E));
    assert!(matches!(v("amount"), Value::Decimal(_)));
    assert!(matches!(v("raw"), Value::Bytes(_)));
    assert!(matches!(v("body"), Value::String(_)));
    assert!(matches!(v("day"), Value::Date(_)));
    assert!(matches!(v("at"), Value::Time(_)));
    assert!(matches!(v("stamp"), Value::DateTime(_)));
    assert!(matches!(v("doc"), Value::String(_)), "JSON reads as text");
    assert_eq!(
        v("uid"),
        Value::String("0123456789abcdeffedcba9876543210".into()),
        "a UUID is stored as 32 hex digits"
    );
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn integer_extremes_and_unsigned_columns() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder(name("ints"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("tiny", SqlType::Custom("TINYINT".into())))
                .column(Column::new(
                    "utiny",
                    SqlType::Custom("TINYINT UNSIGNED".into()),
                ))
                .column(Column::new(
                    "usmall",
                    SqlType::Custom("SMALLINT UNSIGNED".into()),
                ))
                .column(Column::new("medium", SqlType::Custom("MEDIUMINT".into())))
                .column(Column::new("uint", SqlType::Custom("INT UNSIGNED".into())))
                .column(Column::new(
                    "ubig",
                    SqlType::Custom("BIGINT UNSIGNED".into()),
                ))
                .column(Column::new("bits", SqlType::Custom("BIT(12)".into())))
                .column(Column::new("yr", SqlType::Custom("YEAR".into()))),
        )
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    conn.execute(
        insert(&t)
            .value("id", 1)
            .value("tiny", -128)
            .value("utiny", 255)
            .value("usmall", 65_535)
            .value("medium", -8_388_608)
            .value("uint", 4_294_967_295i64)
            .value("ubig", i64::MAX)
            .value("bits", 0xABCi32)
            .value("yr", 2155),
    )
    .await
    .unwrap();
    let row = conn.execute(select(&t)).await.unwrap().one().unwrap();
    assert_eq!(
        &row.values()[1..],
        &[
            Value::I16(-128),
            Value::I16(255),
            Value::I32(65_535),
            Value::I32(-8_388_608),
            Value::I64(4_294_967_295),
            Value::I64(i64::MAX),
            Value::I64(0xABC),
            Value::I32(2155),
        ]
    );
    assert_eq!(row.get::<u8>("utiny").unwrap(), 255);
    assert_eq!(row.get::<u32>("uint").unwrap(), u32::MAX);

    // An unsigned value above i64::MAX is a clear data error, not a wrap.
    conn.execute(text(&format!(
        "UPDATE {} SET ubig = 18446744073709551615",
        t.name
    )))
    .await
    .unwrap();
    let row = conn.execute(select(&t)).await.unwrap_err();
    assert_eq!(row.db_kind(), Some(DbErrorKind::Data), "{row}");
    assert!(row.to_string().contains("18446744073709551615"), "{row}");
    // The other columns of the same row still read.
    let mut seen = None;
    conn.for_each(select(c(&t, "uint")), |r| {
        seen = Some(aludel_core::engine::get::<i64>(r, 0)?);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(seen, Some(4_294_967_295));
    // Out of range on the way in: a data error in strict mode.
    let strict = {
        let (m,): (String,) = conn
            .fetch_one(text("SELECT @@SESSION.sql_mode"))
            .await
            .unwrap();
        m.contains("STRICT")
    };
    if strict {
        let err = conn
            .execute(insert(&t).value("id", 2).value("utiny", 256))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    }
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn decimals_are_exact_up_to_28_digits_and_text_beyond() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder(name("money"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("wide", SqlType::numeric(65, 30)))
                .column(Column::new("exact", SqlType::numeric(28, 10))),
        )
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    for (s, i) in [
        "0.1",
        "1.5",
        "-7",
        "99999999.99",
        "1234567890.123456789012345678",
        "-9999999999999999999.999999999",
        "0.0000000000000000000000000001",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
    ]
    .into_iter()
    .zip(1..)
    {
        let d = dec(s);
        conn.execute(insert(&t).value("id", i).value("wide", d))
            .await
            .unwrap();
        let (back,): (Decimal,) = conn
            .fetch_one(select(c(&t, "wide")).where_(c(&t, "id").eq(i)))
            .await
            .unwrap();
        assert_eq!(back, d, "{s}");
        // The bound parameter itself carries every digit.
        let (echo,): (Decimal,) = conn
            .fetch_one(text("SELECT CAST(:d AS DECIMAL(65, 30))").bind("d", d))
            .await
            .unwrap();
        assert_eq!(echo, d, "{s}");
    }
    // A column whose scale fits keeps the scale: 28 digits, 10 decimals.
    conn.execute(
        insert(&t)
            .value("id", 100)
            .value("exact", dec("123456789012345678.5")),
    )
    .await
    .unwrap();
    let (back,): (Decimal,) = conn
        .fetch_one(select(c(&t, "exact")).where_(c(&t, "id").eq(100)))
        .await
        .unwrap();
    assert_eq!(back.to_string(), "123456789012345678.5000000000");
    // Sums and comparisons happen in SQL, exactly.
    let (sum,): (Decimal,) = conn
        .fetch_one(select(func::sum(c(&t, "wide"))).where_(c(&t, "id").le(3)))
        .await
        .unwrap();
    assert_eq!(sum, dec("-5.4"));
    // More digits than a Decimal holds: the exact text, not a rounded number.
    let wide = "123456789012345678901234567890.123456789";
    conn.execute(text(&format!(
        "INSERT INTO {} (id, wide) VALUES (200, {wide})",
        t.name
    )))
    .await
    .unwrap();
    let row = conn
        .execute(select(c(&t, "wide")).where_(c(&t, "id").eq(200)))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert_eq!(
        row.get::<String>(0).unwrap(),
        format!("{wide}000000000000000000000")
    );
    assert!(matches!(
        row.get::<Decimal>(0),
        Err(Error::Conversion { .. })
    ));
    drop_tables(&mut conn, &md).await;
}

const HOSTILE: &[&str] = &[
    "",
    "plain ascii",
    "O'Brien said \"hi\"; -- DROP TABLE every_type;",
    "'' ' \"\" \\ \\\\ \\' \\n (a literal backslash-n) %_ ? :name $1 @x `tick`",
    "tab\there\nnew line\r\ncarriage \u{1} \u{7f} bell",
    "emoji 👩‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 😀 (4-byte UTF-8)",
    "CJK 漢字 かな カナ 한국어",
    "combining e\u{301} a\u{30a} n\u{303} (decomposed)",
    "RTL עברית العربية \u{202e}override\u{202c}",
    "zero\u{200b}width and BOM \u{feff}",
    "00123",
    "  padded",
];

#[tokio::test]
async fn hostile_and_unicode_text_round_trips_and_matches() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
    for s in HOSTILE {
        let id = write(
            &mut conn,
            &t,
            &Sample {
                label: Some(s.to_string()),
                body: Some(s.repeat(3)),
                doc: Some(json!({ "s": s, "list": [s] })),
                ..Sample::nulls()
            },
        )
        .await;
        let back = read(&mut conn, &t, id).await;
        assert_eq!(back.label.as_deref(), Some(*s));
        assert_eq!(back.body, Some(s.repeat(3)));
        assert_eq!(back.doc, Some(json!({ "s": s, "list": [s] })));
        let ids: Vec<(i64,)> = conn
            .fetch_all(select(c(&t, "id")).where_(c(&t, "label").eq(*s)))
            .await
            .unwrap();
        assert_eq!(ids, vec![(id,)], "{s:?}");
    }
    // Characters are characters, not bytes, with utf8mb4.
    let s = "e\u{301}👩‍👩‍👧‍👦";
    let (n, bytes): (i64, i64) = conn
        .fetch_one(
            text("SELECT char_length(:s), length(:s2)")
                .bind("s", s)
                .bind("s2", s),
        )
        .await
        .unwrap();
    assert_eq!(n, s.chars().count() as i64);
    assert_eq!(bytes, s.len() as i64);
    let (n,): (i64,) = conn
        .fetch_one(select(func::length(c(&t, "label"))).where_(c(&t, "label").eq(HOSTILE[5])))
        .await
        .unwrap();
    assert_eq!(
        n,
        HOSTILE[5].chars().count() as i64,
        "func::length counts characters"
    );
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn binary_data_large_empty_and_not_utf8() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder(name("blobs"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("small", SqlType::Bytes))
                .column(Column::new("large", SqlType::Custom("LONGBLOB".into()))),
        )
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let (packet,): (i64,) = conn
        .fetch_one(text("SELECT @@max_allowed_packet"))
        .await
        .unwrap();
    // A large value below max_allowed_packet (16 MiB by default on
    // MariaDB 10.11 and 64 MiB on MySQL 8).
    let size = (8 * 1024 * 1024).min(packet as usize / 2);
    let big: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (blob, id) in [
        big.clone(),
        Vec::new(),
        vec![0u8; 3],
        b"\xff\xfe not utf-8".to_vec(),
    ]
    .into_iter()
    .zip(1i64..)
    {
        // (0 in an AUTO_INCREMENT column asks for a generated key.)
        conn.execute(insert(&t).value("id", id).value("large", blob.clone()))
            .await
            .unwrap();
        let (back, len): (Vec<u8>, i64) = conn
            .fetch_one(
                select([c(&t, "large"), func::length(c(&t, "large"))]).where_(c(&t, "id").eq(id)),
            )
            .await
            .unwrap();
        assert_eq!(len, blob.len() as i64);
        assert!(back == blob, "a blob of {} bytes changed", blob.len());
    }
    // An empty blob is not NULL, and binary compares as bytes.
    let empties: Vec<(i64,)> = conn
        .fetch_all(select(c(&t, "id")).where_(c(&t, "large").eq(Vec::<u8>::new())))
        .await
        .unwrap();
    assert_eq!(empties, vec![(2,)]);
    // SqlType::Bytes is BLOB (as SQLAlchemy's LargeBinary), which holds
    // 65,535 bytes: more is a data error in strict mode.
    let (mode,): (String,) = conn
        .fetch_one(text("SELECT @@SESSION.sql_mode"))
        .await
        .unwrap();
    if mode.contains("STRICT") {
        let err = conn
            .execute(insert(&t).value("id", 10).value("small", vec![1u8; 70_000]))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    }
    conn.execute(insert(&t).value("id", 11).value("small", vec![7u8; 65_535]))
        .await
        .unwrap();
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn a_value_beyond_max_allowed_packet_is_refused_before_sending() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut md = MetaData::new();
    let t = md
        .add(
            Table::builder(name("huge"))
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("large", SqlType::Custom("LONGBLOB".into()))),
        )
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    create_tables(&mut conn, &md).await;
    let (packet,): (i64,) = conn
        .fetch_one(text("SELECT @@max_allowed_packet"))
        .await
        .unwrap();
    let err = conn
        .execute(
            insert(&t)
                .value("id", 1)
                .value("large", vec![1u8; packet as usize + 1024]),
        )
        .await
        .unwrap_err();
    let id = common::connection_id(&mut conn).await;
    // Refused before sending: the server would close the connection.
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    assert!(err.to_string().contains("max_allowed_packet"), "{err}");
    // The same connection goes on.
    let (n,): (i64,) = conn
        .fetch_one(select(func::count_star()).from(&t))
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(common::connection_id(&mut conn).await, id);
    // Just below the limit goes through.
    let fits = packet as usize - 64 * 1024;
    conn.execute(insert(&t).value("id", 2).value("large", vec![2u8; fits]))
        .await
        .unwrap();
    let (len,): (i64,) = conn
        .fetch_one(select(func::length(c(&t, "large"))))
        .await
        .unwrap();
    assert_eq!(len, fits as i64);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn fractional_seconds_need_a_precision_on_the_column() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
    let at = NaiveTime::from_hms_micro_opt(8, 30, 15, 250_000).unwrap();
    let stamp = NaiveDate::from_ymd_opt(2024, 7, 14).unwrap().and_time(at);
    let r = conn
        .execute(
            insert(&t)
                .value("at", at)
                .value("stamp", stamp)
                .value("at0", at)
                .value("stamp0", stamp),
        )
        .await
        .unwrap();
    let id = r.last_insert_id().unwrap();
    let row: (NaiveTime, NaiveDateTime, NaiveTime, NaiveDateTime) = conn
        .fetch_one(
            select([c(&t, "at"), c(&t, "stamp"), c(&t, "at0"), c(&t, "stamp0")])
                .where_(c(&t, "id").eq(id)),
        )
        .await
        .unwrap();
    // TIME(6) and DATETIME(6) keep microseconds; the DDL's TIME and
    // DATETIME (SQLAlchemy's spelling) hold whole seconds, and the server
    // rounds the fraction away.
    assert_eq!((row.0, row.1), (at, stamp));
    let whole = NaiveTime::from_hms_opt(8, 30, 15).unwrap();
    assert_eq!((row.2, row.3), (whole, stamp.date().and_time(whole)));

    // DateTimeTz is stored as its UTC wall time.
    let paris = chrono::FixedOffset::east_opt(2 * 3600)
        .unwrap()
        .with_ymd_and_hms(2024, 7, 14, 10, 0, 0)
        .unwrap();
    let id = write(
        &mut conn,
        &t,
        &Sample {
            stamp_tz: Some(paris.with_timezone(&Utc)),
            ..Sample::nulls()
        },
    )
    .await;
    let (stored,): (String,) = conn
        .fetch_one(text(&format!(
            "SELECT CAST(stamp_tz AS CHAR) FROM {} WHERE id = {id}",
            t.name
        )))
        .await
        .unwrap();
    assert_eq!(stored, "2024-07-14 08:00:00.000000");
    let (back,): (DateTime<Utc>,) = conn
        .fetch_one(select(c(&t, "stamp_tz")).where_(c(&t, "id").eq(id)))
        .await
        .unwrap();
    assert_eq!(back, paris);
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn values_chrono_cannot_hold_come_back_as_text() {
    let Some(url) = common::url() else { return };
    let engine = engine(&url);
    let mut conn = engine.connect().await.unwrap();
    // A duration beyond a day, a negative one, and (outside strict mode)
    // a zero date.
    let row: (String, String) = conn
        .fetch_one(text(
            "SELECT CAST('100:00:01' AS TIME), CAST('-01:30:00.5' AS TIME(1))",
        ))
        .await
        .unwrap();
    assert_eq!(row, ("100:00:01".into(), "-01:30:00.500000".into()));
    let err = conn
        .fetch_one::<(NaiveTime,)>(text("SELECT CAST('-01:30:00' AS TIME)"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conversion { .. }), "{err}");
    conn.execute(text("SET SESSION sql_mode = ''"))
        .await
        .unwrap();
    let (zero,): (Value,) = conn
        .fetch_one(text("SELECT CAST('0000-00-00' AS DATE)"))
        .await
        .unwrap();
    // MySQL gives NULL for an invalid CAST, MariaDB the zero date.
    assert!(
        zero == Value::Null || zero == Value::String("0000-00-00".into()),
        "{zero:?}"
    );
    if let Value::String(_) = zero {
        let err = conn
            .fetch_one::<(NaiveDate,)>(text("SELECT CAST('0000-00-00' AS DATE)"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conversion { .. }), "{err}");
    }
}

#[tokio::test]
async fn json_scalars_and_documents() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
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
    // JSON functions see a document, not a string.
    let id = write(
        &mut conn,
        &t,
        &Sample {
            doc: Some(json!({"k": {"n": 5}})),
            ..Sample::nulls()
        },
    )
    .await;
    let (n,): (serde_json::Value,) = conn
        .fetch_one(text(&format!(
            "SELECT JSON_EXTRACT(doc, '$.k.n') FROM {} WHERE id = {id}",
            t.name
        )))
        .await
        .unwrap();
    assert_eq!(n, json!(5));
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn enums_accept_their_values_only() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
    for m in ["happy", "sad", "it's \"complicated\" \\"] {
        let id = write(
            &mut conn,
            &t,
            &Sample {
                mood: Some(m.into()),
                ..Sample::nulls()
            },
        )
        .await;
        assert_eq!(read(&mut conn, &t, id).await.mood.as_deref(), Some(m));
    }
    let (mode,): (String,) = conn
        .fetch_one(text("SELECT @@SESSION.sql_mode"))
        .await
        .unwrap();
    if mode.contains("STRICT") {
        let err = conn
            .execute(insert(&t).value("mood", "angry"))
            .await
            .unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    }
    drop_tables(&mut conn, &md).await;
}

#[tokio::test]
async fn binding_an_array_is_a_clear_data_error() {
    let Some((_engine, mut conn, md, t)) = setup().await else {
        return;
    };
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
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    let err = conn
        .execute(insert(&t).value("double", f64::NAN))
        .await
        .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Data), "{err}");
    // Nothing was written and the connection still works.
    let (n,): (i64,) = conn
        .fetch_one(select(func::count_star()).from(&t))
        .await
        .unwrap();
    assert_eq!(n, 0);
    drop_tables(&mut conn, &md).await;
}
