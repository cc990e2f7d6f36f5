//! The dialect compliance suite: one set of checks that every dialect runs
//! against a real database, as SQLAlchemy's `testing/suite` is for its
//! dialects.
//!
//! Each case needs some capabilities; a dialect whose [`Capabilities`] lack
//! them skips the case (and says so) instead of failing it. A dialect crate
//! runs the whole suite with one macro call in a test file:
//!
//! ```text
//! use my_dialect as _;
//! aludel_core::compliance_suite!(|_case| aludel_core::testing::backend_url("MYDB_TEST_URL"));
//! ```
//!
//! The closure receives the case's name and gives the URL of a database the
//! suite may create tables in (`None` skips every case, see
//! [`backend_url`](super::backend_url)); an embedded database can use the
//! name to give each case a file of its own. Each
//! case becomes its own `#[test]`, and prints one line,
//! `aludel-compliance: <case> passed` or `... skipped (<reason>)`, which
//! `cargo xtask test-matrix` counts.

use super::unique_name;
use crate::dialect::{Capabilities, UpsertStyle};
use crate::engine::{create_engine_with, Connection, Engine, EngineOptions, IsolationLevel};
use crate::error::{DbErrorKind, Error, Result};
use crate::expr::{col, func, value, Expr, FrameBound, Window};
use crate::schema::{Column, FkAction, ForeignKey, MetaData, Table};
use crate::select::{select, Cte};
use crate::types::SqlType;
use crate::{create_all, delete, drop_all, excluded, insert, text, update, OnConflict};
use std::future::Future;
use std::pin::Pin;

mod reflection;
use reflection::{reflect_plain_sql, reflect_round_trip};

/// What running a case came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Passed,
    /// The dialect lacks what the case needs.
    Skipped(&'static str),
}

type CaseFn = for<'a> fn(&'a Ctx) -> Pin<Box<dyn Future<Output = Result<Outcome>> + 'a>>;

/// One case of the suite.
pub struct Case {
    /// Its name (the generated test's name).
    pub name: &'static str,
    /// The group it belongs to (types, ddl, dml, ...).
    pub group: &'static str,
    run: CaseFn,
}

/// What a case works with: an engine on the database under test.
pub struct Ctx {
    /// The engine.
    pub engine: Engine,
}

impl Ctx {
    /// The dialect's capabilities.
    pub fn caps(&self) -> &'static Capabilities {
        self.engine.dialect().capabilities()
    }

    async fn conn(&self) -> Result<Connection> {
        self.engine.connect().await
    }

    /// Creates every table of `md` (and drops them first, if left over).
    async fn create(&self, md: &MetaData) -> Result<()> {
        let mut c = self.conn().await?;
        for ddl in drop_all(md, self.engine.dialect(), true)? {
            let _ = c.execute(ddl).await;
        }
        for ddl in create_all(md, self.engine.dialect(), false)? {
            c.execute(ddl).await?;
        }
        Ok(())
    }

    /// Drops every table of `md`, ignoring errors.
    async fn drop(&self, md: &MetaData) {
        if let Ok(mut c) = self.conn().await {
            if let Ok(plan) = drop_all(md, self.engine.dialect(), true) {
                for ddl in plan {
                    let _ = c.execute(ddl).await;
                }
            }
        }
    }
}

/// Runs `body` between creating and dropping the tables of `md`.
async fn with_tables<'a, F, Fut>(ctx: &'a Ctx, md: &'a MetaData, body: F) -> Result<Outcome>
where
    F: FnOnce(&'a Ctx) -> Fut,
    Fut: Future<Output = Result<Outcome>> + 'a,
{
    ctx.create(md).await?;
    let r = body(ctx).await;
    ctx.drop(md).await;
    r
}

macro_rules! cases {
    ($($group:literal: $($name:ident),+;)+) => {
        /// Every case, in order.
        pub static CASES: &[Case] = &[$($(Case {
            name: stringify!($name),
            group: $group,
            run: |ctx| Box::pin($name(ctx)),
        },)+)+];

        /// Generates one `#[test]` per case of the compliance suite; see the
        /// module documentation of `aludel_core::testing::suite`.
        #[macro_export]
        macro_rules! compliance_suite {
            ($url:expr) => {
                $crate::__compliance_tests!($url; $($($name)+)+);
            };
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __compliance_tests {
    ($url:expr; $($name:ident)+) => {$(
        #[test]
        fn $name() {
            $crate::testing::suite::run(stringify!($name), $url);
        }
    )+};
}

cases! {
    "types": types_round_trip, unicode_text_and_large_binary, arrays_round_trip;
    "ddl": ddl_create_and_drop_all, ddl_foreign_key_cycle, unicode_and_quoted_identifiers, long_identifiers;
    "dml": insert_select_update_delete, multi_row_insert_and_rowcount, insert_from_select_and_defaults, returning_clauses, upserts, prepared_statements, first_rows;
    "queries": joins, subqueries, ctes, set_operations, window_functions, ordering_and_paging, operators;
    "transactions": transactions, savepoints, isolation_levels;
    "errors": integrity_errors;
    "reflection": reflect_round_trip, reflect_plain_sql;
}

/// Runs one case by name against the database `url` gives, printing its
/// outcome; used by [`compliance_suite!`](crate::compliance_suite).
///
/// # Panics
///
/// When the case fails (an assertion or an unexpected error): this is a
/// test harness.
pub fn run(name: &str, url: impl FnOnce(&str) -> Option<String>) {
    let Some(url) = url(name) else { return };
    let Some(case) = CASES.iter().find(|c| c.name == name) else {
        panic!("no compliance case named {name}");
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("cannot start a runtime: {e}"));
    let outcome = rt.block_on(async {
        let engine =
            create_engine_with(&url, EngineOptions::default().pool_size(3).max_overflow(2))?;
        let ctx = Ctx { engine };
        (case.run)(&ctx).await
    });
    match outcome {
        Ok(Outcome::Passed) => println!("aludel-compliance: {name} passed"),
        Ok(Outcome::Skipped(why)) => println!("aludel-compliance: {name} skipped ({why})"),
        Err(e) => panic!("aludel-compliance: {name} failed: {e}"),
    }
}

fn skip_unless(ok: bool, why: &'static str) -> Option<Outcome> {
    (!ok).then_some(Outcome::Skipped(why))
}

// ----- types ------------------------------------------------------------------------

async fn types_round_trip(ctx: &Ctx) -> Result<Outcome> {
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    use rust_decimal::Decimal;
    let mut md = MetaData::new();
    let mood = SqlType::enumeration(unique_name("mood"), ["happy", "sad"]);
    let t = md.add(
        crate::Table::builder(unique_name("types"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("small", SqlType::SmallInt))
            .column(Column::new("int", SqlType::Integer))
            .column(Column::new("big", SqlType::BigInt))
            .column(Column::new("flag", SqlType::Boolean))
            .column(Column::new("single", SqlType::Float))
            .column(Column::new("double", SqlType::Double))
            .column(Column::new("amount", SqlType::numeric(20, 5)))
            .column(Column::new("name", SqlType::String(Some(100))))
            .column(Column::new("body", SqlType::Text))
            .column(Column::new("data", SqlType::Bytes))
            .column(Column::new("day", SqlType::Date))
            .column(Column::new("clock", SqlType::Time))
            .column(Column::new("stamp", SqlType::DateTime))
            .column(Column::new("instant", SqlType::DateTimeTz))
            .column(Column::new("ident", SqlType::Uuid))
            .column(Column::new("doc", SqlType::Json))
            .column(Column::new("mood", mood)),
    )?;
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default();
    let clock = NaiveTime::from_hms_opt(23, 59, 58).unwrap_or_default();
    let stamp = day.and_time(clock);
    let instant = Utc
        .with_ymd_and_hms(2001, 9, 9, 1, 46, 40)
        .single()
        .unwrap_or_default();
    let amount: Decimal = "123456789.12345".parse().unwrap_or_default();
    let ident = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_0fed_cba9_8765_4321);
    let doc = serde_json::json!({"a": [1, 2, {"b": null}], "ü": "ß"});
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&t)
                .value("id", 1)
                .value("small", i16::MIN)
                .value("int", i32::MAX)
                .value("big", i64::MIN)
                .value("flag", true)
                .value("single", 1.5f32)
                .value("double", -2.25e100f64)
                .value("amount", amount)
                .value("name", "O'Brien \\ \"quoted\"")
                .value("body", "line one\nline two")
                .value("data", vec![0u8, 1, 2, 255])
                .value("day", day)
                .value("clock", clock)
                .value("stamp", stamp)
                .value("instant", instant)
                .value("ident", ident)
                .value("doc", doc.clone())
                .value("mood", "sad"),
        )
        .await?;
        c.execute(insert(&t).value("id", 2)).await?;
        let rows = c.execute(select(&t).order_by(t.c("id")?)).await?.all();
        let r = &rows[0];
        assert_eq!(r.get::<i16>("small")?, i16::MIN);
        assert_eq!(r.get::<i32>("int")?, i32::MAX);
        assert_eq!(r.get::<i64>("big")?, i64::MIN);
        assert!(r.get::<bool>("flag")?);
        assert_eq!(r.get::<f32>("single")?, 1.5);
        assert_eq!(r.get::<f64>("double")?, -2.25e100);
        assert_eq!(r.get::<Decimal>("amount")?.normalize(), amount.normalize());
        assert_eq!(r.get::<String>("name")?, "O'Brien \\ \"quoted\"");
        assert_eq!(r.get::<String>("body")?, "line one\nline two");
        assert_eq!(r.get::<Vec<u8>>("data")?, vec![0u8, 1, 2, 255]);
        assert_eq!(r.get::<NaiveDate>("day")?, day);
        assert_eq!(r.get::<NaiveTime>("clock")?, clock);
        assert_eq!(r.get::<chrono::NaiveDateTime>("stamp")?, stamp);
        assert_eq!(r.get::<chrono::DateTime<Utc>>("instant")?, instant);
        assert_eq!(r.get::<uuid::Uuid>("ident")?, ident);
        assert_eq!(r.get::<serde_json::Value>("doc")?, doc);
        assert_eq!(r.get::<String>("mood")?, "sad");
        // Every nullable column reads back as None.
        let n = &rows[1];
        assert_eq!(n.get::<Option<i16>>("small")?, None);
        assert_eq!(n.get::<Option<bool>>("flag")?, None);
        assert_eq!(n.get::<Option<Decimal>>("amount")?, None);
        assert_eq!(n.get::<Option<Vec<u8>>>("data")?, None);
        assert_eq!(n.get::<Option<chrono::DateTime<Utc>>>("instant")?, None);
        assert_eq!(n.get::<Option<uuid::Uuid>>("ident")?, None);
        assert_eq!(n.get::<Option<serde_json::Value>>("doc")?, None);
        assert_eq!(n.get::<Option<String>>("mood")?, None);
        // Values compare in SQL as their types do.
        let hits: Vec<(i32,)> = c
            .fetch_all(
                select(t.c("id")?)
                    .where_(t.c("day")?.eq(day))
                    .where_(t.c("amount")?.gt(Decimal::from(100)))
                    .where_(t.c("flag")?.eq(true)),
            )
            .await?;
        assert_eq!(hits, vec![(1,)]);
        Ok(Outcome::Passed)
    })
    .await
}

async fn unicode_text_and_large_binary(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let t = md.add(
        crate::Table::builder(unique_name("texts"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("body", SqlType::Text))
            .column(Column::new("blob", SqlType::Bytes)),
    )?;
    let text_value = "Grüße, 世界! Ελληνικά עברית e\u{301} 🦀🚀";
    // Just under 64 KiB: what every database's plain binary type holds
    // (MySQL's BLOB, which SqlType::Bytes is, as in SQLAlchemy).
    let blob: Vec<u8> = (0..65_000u32).map(|i| (i * 31 % 251) as u8).collect();
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&t)
                .value("id", 1)
                .value("body", text_value)
                .value("blob", blob.clone()),
        )
        .await?;
        let (body, back): (String, Vec<u8>) = c
            .fetch_one(select([t.c("body")?, t.c("blob")?]).where_(t.c("body")?.eq(text_value)))
            .await?;
        assert_eq!(body, text_value);
        assert_eq!(back, blob);
        let n: Option<i64> = c
            .execute(select(func::length(t.c("body")?)))
            .await?
            .scalar()?;
        assert_eq!(
            n,
            Some(text_value.chars().count() as i64),
            "length counts characters"
        );
        Ok(Outcome::Passed)
    })
    .await
}

async fn arrays_round_trip(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = skip_unless(ctx.caps().arrays, "needs ARRAY types") {
        return Ok(s);
    }
    let mut md = MetaData::new();
    let t = md.add(
        crate::Table::builder(unique_name("arrays"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("nums", SqlType::array(SqlType::Integer)))
            .column(Column::new("tags", SqlType::array(SqlType::Text))),
    )?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&t)
                .value("id", 1)
                .value("nums", vec![1i32, -2, 3])
                .value("tags", vec!["a".to_string(), "b c".to_string()]),
        )
        .await?;
        let (nums, tags): (Vec<i32>, Vec<String>) =
            c.fetch_one(select([t.c("nums")?, t.c("tags")?])).await?;
        assert_eq!(nums, vec![1, -2, 3]);
        assert_eq!(tags, vec!["a".to_string(), "b c".to_string()]);
        Ok(Outcome::Passed)
    })
    .await
}

// ----- DDL --------------------------------------------------------------------------

fn blog(md: &mut MetaData) -> Result<(Table, Table)> {
    let users = md.add(
        crate::Table::builder(unique_name("users"))
            .column(Column::new("id", SqlType::Integer).primary_key().index())
            .column(
                Column::new("name", SqlType::String(Some(50)))
                    .not_null()
                    .index(),
            )
            .column(
                Column::new("email", SqlType::String(Some(100)))
                    .unique()
                    .index(),
            )
            .column(Column::new("age", SqlType::Integer))
            .check(Some("age_ok"), col("age").ge(0))
            .comment("people"),
    )?;
    let users_name = users.name.to_string();
    let posts = md.add(
        crate::Table::builder(unique_name("posts"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("title", SqlType::String(Some(100))).not_null())
            .column(Column::new("score", SqlType::Integer).server_default(0))
            .column(
                Column::new("owner_id", SqlType::Integer)
                    .foreign_key(format!("{users_name}.id"))
                    .on_delete(FkAction::Cascade),
            ),
    )?;
    Ok((users, posts))
}

async fn ddl_create_and_drop_all(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = blog(&mut md)?;
    ctx.create(&md).await?;
    let mut c = ctx.conn().await?;
    c.execute(insert(&users).value("id", 1).value("name", "a"))
        .await?;
    c.execute(insert(&posts).value("title", "t").value("owner_id", 1))
        .await?;
    let score: Option<i64> = c.execute(select(posts.c("score")?)).await?.scalar()?;
    assert_eq!(score, Some(0), "server default applied");
    c.execute(delete(&users).where_(users.c("id")?.eq(1)))
        .await?;
    let left: Option<i64> = c
        .execute(select(func::count_star()).from(&posts))
        .await?
        .scalar()?;
    assert_eq!(left, Some(0), "ON DELETE CASCADE applied");
    drop(c);
    // IF NOT EXISTS leaves existing tables alone where the dialect can say it.
    let mut c = ctx.conn().await?;
    for ddl in create_all(&md, ctx.engine.dialect(), false)? {
        if let crate::Ddl::CreateTable { .. } = ddl {
            c.execute(ddl.if_exists()).await?;
        }
    }
    for ddl in drop_all(&md, ctx.engine.dialect(), false)? {
        c.execute(ddl).await?;
    }
    // The tables are gone: creating them again works.
    for ddl in create_all(&md, ctx.engine.dialect(), false)? {
        c.execute(ddl).await?;
    }
    drop(c);
    ctx.drop(&md).await;
    Ok(Outcome::Passed)
}

async fn ddl_foreign_key_cycle(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let a_name = unique_name("cyc_a");
    let b_name = unique_name("cyc_b");
    let fk_name = unique_name("fk_cycle");
    let a = md.add(
        crate::Table::builder(a_name.clone())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("b_id", SqlType::Integer))
            .foreign_key(
                ForeignKey::new(["b_id"], b_name.clone(), ["id"])
                    .name(fk_name)
                    .use_alter(),
            ),
    )?;
    let b = md.add(
        crate::Table::builder(b_name)
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("a_id", SqlType::Integer).foreign_key(format!("{a_name}.id"))),
    )?;
    ctx.create(&md).await?;
    let mut c = ctx.conn().await?;
    c.execute(insert(&a).value("id", 1)).await?;
    c.execute(insert(&b).value("id", 1).value("a_id", 1))
        .await?;
    c.execute(update(&a).set("b_id", 1)).await?;
    let bad = c.execute(update(&a).set("b_id", 99)).await.unwrap_err();
    assert_eq!(
        bad.db_kind(),
        Some(DbErrorKind::ForeignKeyViolation),
        "{bad}"
    );
    c.execute(update(&a).set("b_id", None::<i32>)).await?;
    // Dropping "if exists" works on a cycle where the dialect can say
    // ALTER TABLE IF EXISTS (or needs no ALTER at all); plain drops elsewhere.
    let caps = ctx.caps();
    let if_exists = caps.alter_if_exists || !caps.alter_add_constraint;
    for ddl in drop_all(&md, ctx.engine.dialect(), if_exists)? {
        c.execute(ddl).await?;
    }
    // The tables are gone: creating them again works.
    for ddl in create_all(&md, ctx.engine.dialect(), false)? {
        c.execute(ddl).await?;
    }
    for ddl in drop_all(&md, ctx.engine.dialect(), false)? {
        c.execute(ddl).await?;
    }
    Ok(Outcome::Passed)
}

async fn unicode_and_quoted_identifiers(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let t = md.add(
        crate::Table::builder(format!("Ünïcode {}", unique_name("tbl")))
            .column(Column::new("order", SqlType::Integer).primary_key())
            .column(Column::new("MixedCase", SqlType::String(Some(20))))
            .column(Column::new("with space", SqlType::String(Some(20))))
            .column(Column::new("naïve", SqlType::String(Some(20)))),
    )?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&t)
                .value("order", 1)
                .value("MixedCase", "m")
                .value("with space", "s")
                .value("naïve", "n"),
        )
        .await?;
        let row: (i64, String, String, String) = c
            .fetch_one(
                select(&t)
                    .where_(t.c("MixedCase")?.eq("m"))
                    .order_by(t.c("order")?),
            )
            .await?;
        assert_eq!(row, (1, "m".into(), "s".into(), "n".into()));
        Ok(Outcome::Passed)
    })
    .await
}

async fn long_identifiers(ctx: &Ctx) -> Result<Outcome> {
    let max = match ctx.caps().max_identifier_length {
        0 => 100,
        n => n,
    };
    let base = unique_name("l");
    let name = format!("{base}{}", "x".repeat(max - base.len()));
    let mut md = MetaData::new();
    let t = md.add(
        crate::Table::builder(name.clone())
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("y".repeat(max), SqlType::Integer)),
    )?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(insert(&t).value("id", 1).value("y".repeat(max), 7))
            .await?;
        let v: Option<i64> = c.execute(select(t.c(&"y".repeat(max))?)).await?.scalar()?;
        assert_eq!(v, Some(7));
        if ctx.caps().max_identifier_length > 0 {
            let too_long = crate::Table::builder(format!("{name}z"))
                .column(Column::new("id", SqlType::Integer))
                .build()?;
            let err = c.execute(crate::create_table(&too_long)).await.unwrap_err();
            assert!(matches!(err, Error::InvalidStatement(_)), "{err}");
        }
        Ok(Outcome::Passed)
    })
    .await
}

// ----- DML --------------------------------------------------------------------------

async fn insert_select_update_delete(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _posts) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let r = c
            .execute(
                insert(&users)
                    .value("id", 1)
                    .value("name", "Ann")
                    .value("age", 30),
            )
            .await?;
        assert_eq!(r.rows_affected(), 1);
        c.execute(
            insert(&users)
                .value("id", 2)
                .value("name", "Bob")
                .value("age", 40),
        )
        .await?;
        let r = c
            .execute(
                update(&users)
                    .set("age", users.c("age")? + 1)
                    .where_(users.c("age")?.lt(35)),
            )
            .await?;
        assert_eq!(r.rows_affected(), 1);
        let ages: Vec<(String, i32)> = c
            .fetch_all(select([users.c("name")?, users.c("age")?]).order_by(users.c("id")?))
            .await?;
        assert_eq!(ages, vec![("Ann".into(), 31), ("Bob".into(), 40)]);
        let r = c
            .execute(delete(&users).where_(users.c("name")?.eq("Bob")))
            .await?;
        assert_eq!(r.rows_affected(), 1);
        let none = c
            .execute(select(&users).where_(users.c("id")?.eq(2)))
            .await?
            .one_or_none()?;
        assert!(none.is_none());
        Ok(Outcome::Passed)
    })
    .await
}

async fn first_rows(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _posts) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let mut add = insert(&users).columns(["id", "name", "age"]);
        for (id, name) in [(1, "Ann"), (2, "Bob"), (3, "Cy")] {
            add = add.row([value(id), value(name), value(30)]);
        }
        c.execute(add).await?;
        let by_age = || {
            Ok::<_, Error>(
                select([users.c("name")?])
                    .where_(users.c("age")?.eq(30))
                    .order_by(users.c("id")?.desc()),
            )
        };
        // The first of several rows; the rest discarded.
        let first: Option<(String,)> = c.fetch_first(by_age()?).await?;
        assert_eq!(first, Some(("Cy".to_string(),)));
        let none: Option<(String,)> = c
            .fetch_first(select([users.c("name")?]).where_(users.c("age")?.eq(99)))
            .await?;
        assert_eq!(none, None);
        // The same query, after its rows were left unread, runs whole.
        let all: Vec<(String,)> = c.fetch_all(by_age()?).await?;
        assert_eq!(all.len(), 3);
        // fetch_one and fetch_optional still count every row.
        let e = c.fetch_one::<(String,)>(by_age()?).await.unwrap_err();
        assert!(matches!(e, Error::MultipleRows { count: 3 }), "{e}");
        let e = c.fetch_optional::<(String,)>(by_age()?).await.unwrap_err();
        assert!(matches!(e, Error::MultipleRows { count: 3 }), "{e}");
        // Inside a transaction, leaving rows unread keeps nothing locked:
        // the transaction writes and commits, and another connection sees it.
        {
            let mut tx = c.begin().await?;
            let first: Option<(String,)> = tx.conn().fetch_first(by_age()?).await?;
            assert_eq!(first, Some(("Cy".to_string(),)));
            tx.execute(update(&users).set("age", 31).where_(users.c("id")?.eq(1)))
                .await?;
            tx.commit().await?;
        }
        let mut other = ctx.conn().await?;
        let n: Vec<(String,)> = other.fetch_all(by_age()?).await?;
        assert_eq!(n.len(), 2);
        // A statement that writes runs to its end even when only its first
        // row is wanted.
        if ctx.caps().update_returning {
            let first: Option<(i32,)> = c
                .fetch_first(
                    update(&users)
                        .set("age", 40)
                        .where_(users.c("age")?.ge(30))
                        .returning(users.c("id")?),
                )
                .await?;
            assert!(first.is_some());
            let older: Vec<(String,)> = c
                .fetch_all(select([users.c("name")?]).where_(users.c("age")?.eq(40)))
                .await?;
            assert_eq!(older.len(), 3);
        }
        Ok(Outcome::Passed)
    })
    .await
}

async fn prepared_statements(ctx: &Ctx) -> Result<Outcome> {
    use crate::expr::bindparam;
    let mut md = MetaData::new();
    let (users, _posts) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        // Parameters beside a value of the statement's own (age).
        let add = ctx.engine.prepare(
            insert(&users)
                .value("id", bindparam("id"))
                .value("name", bindparam("name"))
                .value("age", 20),
        )?;
        assert_eq!(add.param_names(), ["id", "name"]);
        assert!(!add.returns_rows());
        for (id, name) in [(1, "Ann"), (2, "Bob"), (3, "Cy")] {
            let r = c.execute(add.bind(id).bind(name)).await?;
            assert_eq!(r.rows_affected(), 1);
        }
        // By name, in any order.
        c.execute(add.set("name", "Di").set("id", 4)).await?;

        // Parameters only, in placeholder order: the bound values are the parameters.
        let by_id = ctx.engine.prepare(
            select([users.c("name")?, users.c("age")?]).where_(users.c("id")?.eq(bindparam("id"))),
        )?;
        assert!(by_id.returns_rows());
        for (id, name) in [(1, "Ann"), (4, "Di"), (2, "Bob")] {
            let row: (String, i32) = c.fetch_one(by_id.bind(id)).await?;
            assert_eq!(row, (name.to_string(), 20));
        }
        let none: Option<(String, i32)> = c.fetch_optional(by_id.bind(99)).await?;
        assert_eq!(none, None);

        // One name in two places takes one value.
        let either = ctx.engine.prepare(
            select([users.c("name")?])
                .where_(crate::or([
                    users.c("id")?.eq(bindparam("n")),
                    users.c("age")?.eq(bindparam("n")),
                ]))
                .order_by(users.c("id")?),
        )?;
        assert_eq!(either.param_names(), ["n"]);
        let names: Vec<(String,)> = c.fetch_all(either.bind(3)).await?;
        assert_eq!(names, vec![("Cy".to_string(),)]);
        assert_eq!(c.fetch_all::<(String,)>(either.bind(20)).await?.len(), 4);

        // A text clause's :name without a value is a parameter too; on
        // another connection of the same engine.
        let mut other = ctx.conn().await?;
        let sql = format!("SELECT name FROM {} WHERE id = :id", users.name);
        let by_text = ctx.engine.prepare(text(&sql))?;
        let name: (String,) = other.fetch_one(by_text.bind(2)).await?;
        assert_eq!(name.0, "Bob");

        // An UPDATE, inside a transaction that rolls back.
        let older = ctx.engine.prepare(
            update(&users)
                .set("age", users.c("age")? + bindparam("years"))
                .where_(users.c("id")?.eq(bindparam("id"))),
        )?;
        {
            let mut tx = c.begin().await?;
            let r = tx.execute(older.bind(5).bind(1)).await?;
            assert_eq!(r.rows_affected(), 1);
            tx.rollback().await?;
        }
        let row: (String, i32) = c.fetch_one(by_id.bind(1)).await?;
        assert_eq!(row.1, 20);

        // Mistakes are errors that name the parameter, and leave the
        // connection usable.
        let e = c
            .execute(select([users.c("name")?]).where_(users.c("id")?.eq(bindparam("id"))))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::UnboundParameter { name } if name == "id"),
            "{e}"
        );
        let e = c.execute(add.bind(5)).await.unwrap_err();
        assert!(
            matches!(&e, Error::UnboundParameter { name } if name == "name"),
            "{e}"
        );
        let e = c.execute(add.set("nmae", "x")).await.unwrap_err();
        assert!(e.to_string().contains(":nmae"), "{e}");
        assert!(e.to_string().contains(":id, :name"), "{e}");
        let e = c.execute(by_id.bind(1).bind(2)).await.unwrap_err();
        assert!(e.to_string().contains("2 values bound"), "{e}");
        let n: Option<i64> = c.execute(text("SELECT 1")).await?.scalar()?;
        assert_eq!(n, Some(1));
        Ok(Outcome::Passed)
    })
    .await
}

async fn multi_row_insert_and_rowcount(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let rows: Vec<[Expr; 3]> = (1..=25)
            .map(|i| {
                [
                    value(i),
                    value(format!("user{i}")),
                    value(if i % 2 == 0 { Some(i) } else { None }),
                ]
            })
            .collect();
        let r = c
            .execute(insert(&users).columns(["id", "name", "age"]).rows(rows))
            .await?;
        assert_eq!(r.rows_affected(), 25);
        let r = c
            .execute(
                update(&users)
                    .set("age", 0)
                    .where_(users.c("age")?.is_null()),
            )
            .await?;
        assert_eq!(r.rows_affected(), 13);
        let sets: Vec<Vec<crate::Value>> = (26..=30)
            .map(|i| vec![crate::Value::I32(i), crate::Value::from(format!("u{i}"))])
            .collect();
        let r = c
            .execute_many(insert(&users).value("id", 0).value("name", ""), &sets)
            .await?;
        assert_eq!(r.rows_affected, 5);
        let n: Option<i64> = c
            .execute(select(func::count_star()).from(&users))
            .await?
            .scalar()?;
        assert_eq!(n, Some(30));
        Ok(Outcome::Passed)
    })
    .await
}

async fn insert_from_select_and_defaults(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&users)
                .columns(["id", "name"])
                .row([value(1), value("a")])
                .row([value(2), value("b")]),
        )
        .await?;
        let r = c
            .execute(insert(&posts).columns(["title", "owner_id"]).from_query(
                select([users.c("name")?, users.c("id")?]).where_(users.c("id")?.ge(1)),
            ))
            .await?;
        assert_eq!(r.rows_affected(), 2);
        let titles: Vec<(String, i64)> = c
            .fetch_all(select([posts.c("title")?, posts.c("score")?]).order_by(posts.c("title")?))
            .await?;
        assert_eq!(titles, vec![("a".into(), 0), ("b".into(), 0)]);
        Ok(Outcome::Passed)
    })
    .await
}

async fn returning_clauses(ctx: &Ctx) -> Result<Outcome> {
    let caps = ctx.caps();
    if let Some(s) = skip_unless(caps.insert_returning, "needs INSERT ... RETURNING") {
        return Ok(s);
    }
    let mut md = MetaData::new();
    let (users, _) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let ids: Vec<(i64, String)> = c
            .fetch_all(
                insert(&users)
                    .columns(["name"])
                    .row(["x"])
                    .row(["y"])
                    .returning([users.c("id")?, users.c("name")?]),
            )
            .await?;
        assert_eq!(ids.len(), 2);
        assert!(ids[0].0 != ids[1].0, "generated keys come back: {ids:?}");
        if caps.update_returning {
            let back: Vec<(String,)> = c
                .fetch_all(
                    update(&users)
                        .set("name", "z")
                        .where_(users.c("id")?.eq(ids[0].0))
                        .returning(users.c("name")?),
                )
                .await?;
            assert_eq!(back, vec![("z".into(),)]);
        }
        if caps.delete_returning {
            let gone: Vec<(i64,)> = c
                .fetch_all(
                    delete(&users)
                        .where_(users.c("id")?.eq(ids[1].0))
                        .returning(users.c("id")?),
                )
                .await?;
            assert_eq!(gone, vec![(ids[1].0,)]);
        }
        Ok(Outcome::Passed)
    })
    .await
}

async fn upserts(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = skip_unless(ctx.caps().upsert != UpsertStyle::None, "needs an upsert") {
        return Ok(s);
    }
    let mut md = MetaData::new();
    let (users, _) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let up = |id: i32, name: &str, age: i32| {
            insert(&users)
                .value("id", id)
                .value("name", name.to_string())
                .value("age", age)
                .on_conflict(OnConflict::columns(["id"]).do_update([("name", excluded("name"))]))
        };
        c.execute(up(1, "first", 1)).await?;
        c.execute(up(1, "second", 2)).await?;
        c.execute(
            insert(&users)
                .value("id", 1)
                .value("name", "ignored")
                .on_conflict(OnConflict::columns(["id"]).do_nothing()),
        )
        .await?;
        let row: (String, i32) = c
            .fetch_one(select([users.c("name")?, users.c("age")?]))
            .await?;
        assert_eq!(row, ("second".into(), 1), "name updated, age kept");
        Ok(Outcome::Passed)
    })
    .await
}

// ----- queries ----------------------------------------------------------------------

async fn seeded(ctx: &Ctx, md: &mut MetaData) -> Result<(Table, Table)> {
    let (users, posts) = blog(md)?;
    ctx.create(md).await?;
    let mut c = ctx.conn().await?;
    c.execute(
        insert(&users)
            .columns(["id", "name", "age"])
            .row([value(1), value("Alice"), value(30)])
            .row([value(2), value("Bob"), value(None::<i32>)])
            .row([value(3), value("Anna"), value(25)]),
    )
    .await?;
    c.execute(
        insert(&posts)
            .columns(["id", "title", "owner_id", "score"])
            .row([value(1), value("p1"), value(1), value(5)])
            .row([value(2), value("p2"), value(1), value(3)])
            .row([value(3), value("p3"), value(2), value(8)]),
    )
    .await?;
    Ok((users, posts))
}

async fn joins(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let inner: Vec<(String, String)> = c
            .fetch_all(
                select([users.c("name")?, posts.c("title")?])
                    .join_auto(&posts)
                    .order_by(posts.c("id")?),
            )
            .await?;
        assert_eq!(
            inner,
            vec![
                ("Alice".into(), "p1".into()),
                ("Alice".into(), "p2".into()),
                ("Bob".into(), "p3".into())
            ]
        );
        let left: Vec<(String, Option<String>)> = c
            .fetch_all(
                select([users.c("name")?, posts.c("title")?])
                    .outer_join(&posts, users.c("id")?.eq(posts.c("owner_id")?))
                    .order_by(users.c("id")?)
                    .order_by(posts.c("id")?),
            )
            .await?;
        assert_eq!(left.len(), 4);
        assert_eq!(left[3], ("Anna".into(), None));
        if ctx.caps().full_outer_join {
            let full: Vec<(Option<String>, Option<String>)> = c
                .fetch_all(
                    select([users.c("name")?, posts.c("title")?])
                        .full_join(&posts, users.c("id")?.eq(posts.c("owner_id")?)),
                )
                .await?;
            assert_eq!(full.len(), 4);
        }
        let u2 = users.alias("u2");
        let self_join: Vec<(String, String)> = c
            .fetch_all(
                select([users.c("name")?, u2.c("name")?])
                    .join(&u2, users.c("age")?.lt(u2.c("age")?))
                    .order_by(users.c("id")?),
            )
            .await?;
        assert_eq!(self_join, vec![("Anna".into(), "Alice".into())]);
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

async fn subqueries(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        // Correlated scalar subquery.
        let counts: Vec<(String, i64)> = c
            .fetch_all(
                select([
                    users.c("name")?,
                    select(func::count_star())
                        .from(&posts)
                        .where_(posts.c("owner_id")?.eq(users.c("id")?))
                        .scalar_subquery()
                        .label("n"),
                ])
                .order_by(users.c("id")?),
            )
            .await?;
        assert_eq!(
            counts,
            vec![("Alice".into(), 2), ("Bob".into(), 1), ("Anna".into(), 0)]
        );
        // IN (subquery), EXISTS, and a derived table.
        let with_posts: Vec<(String,)> = c
            .fetch_all(
                select(users.c("name")?)
                    .where_(users.c("id")?.in_query(select(posts.c("owner_id")?)))
                    .order_by(users.c("id")?),
            )
            .await?;
        assert_eq!(with_posts, vec![("Alice".into(),), ("Bob".into(),)]);
        let without: Vec<(String,)> = c
            .fetch_all(select(users.c("name")?).where_(crate::not(crate::exists(
                select(posts.c("id")?).where_(posts.c("owner_id")?.eq(users.c("id")?)),
            ))))
            .await?;
        assert_eq!(without, vec![("Anna".into(),)]);
        let per_owner = select([
            posts.c("owner_id")?,
            func::sum(posts.c("score")?).label("total"),
        ])
        .group_by([posts.c("owner_id")?])
        .subquery("totals");
        let totals: Vec<(String, i64)> = c
            .fetch_all(
                select([users.c("name")?, per_owner.c("total")?])
                    .join(&per_owner, users.c("id")?.eq(per_owner.c("owner_id")?))
                    .order_by(per_owner.c("total")?.desc())
                    .order_by(users.c("id")?),
            )
            .await?;
        assert_eq!(totals, vec![("Alice".into(), 8), ("Bob".into(), 8)]);
        let empty_in: Vec<(String,)> = c
            .fetch_all(select(users.c("name")?).where_(users.c("id")?.in_(Vec::<i32>::new())))
            .await?;
        assert!(empty_in.is_empty());
        let not_in_empty: Option<i64> = c
            .execute(
                select(func::count_star())
                    .from(&users)
                    .where_(users.c("id")?.not_in(Vec::<i32>::new())),
            )
            .await?
            .scalar()?;
        assert_eq!(not_in_empty, Some(3));
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

async fn ctes(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let cats = md.add(
        crate::Table::builder(unique_name("cats"))
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("parent_id", SqlType::Integer))
            .column(Column::new("name", SqlType::String(Some(20)))),
    )?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&cats)
                .columns(["id", "parent_id", "name"])
                .row([value(1), value(None::<i32>), value("root")])
                .row([value(2), value(1), value("a")])
                .row([value(3), value(2), value("b")])
                .row([value(4), value(None::<i32>), value("other")]),
        )
        .await?;
        let tree = Cte::recursive("tree", ["id", "depth"], |t| {
            Ok(select([cats.c("id")?, value(0i32).label("depth")])
                .where_(cats.c("id")?.eq(1))
                .union_all(
                    select([cats.c("id")?, t.c("depth")? + 1i32])
                        .from(t)
                        .join(&cats, cats.c("parent_id")?.eq(t.c("id")?)),
                ))
        })?;
        let rows: Vec<(i32, i32)> = c
            .fetch_all(select([tree.c("id")?, tree.c("depth")?]).order_by(tree.c("id")?))
            .await?;
        assert_eq!(rows, vec![(1, 0), (2, 1), (3, 2)]);
        let named = select([cats.c("id")?])
            .where_(cats.c("parent_id")?.is_null())
            .cte("roots");
        let roots: Vec<(i32,)> = c
            .fetch_all(select(named.c("id")?).order_by(named.c("id")?))
            .await?;
        assert_eq!(roots, vec![(1,), (4,)]);
        Ok(Outcome::Passed)
    })
    .await
}

async fn set_operations(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let ids = || Ok::<_, Error>(select(users.c("id")?));
        let owners = || Ok::<_, Error>(select(posts.c("owner_id")?));
        let union: Vec<(i32,)> = c
            .fetch_all(ids()?.union(owners()?).order_by(col("id")))
            .await?;
        assert_eq!(union, vec![(1,), (2,), (3,)]);
        let all: Vec<(i32,)> = c.fetch_all(ids()?.union_all(owners()?)).await?;
        assert_eq!(all.len(), 6);
        if ctx.caps().intersect_except {
            let both: Vec<(i32,)> = c
                .fetch_all(ids()?.intersect(owners()?).order_by(col("id")))
                .await?;
            assert_eq!(both, vec![(1,), (2,)]);
            let only: Vec<(i32,)> = c.fetch_all(ids()?.except(owners()?)).await?;
            assert_eq!(only, vec![(3,)]);
        }
        let limited: Vec<(i32,)> = c
            .fetch_all(
                ids()?
                    .order_by(users.c("id")?.desc())
                    .limit(1)
                    .union_all(owners()?.limit(1)),
            )
            .await?;
        assert_eq!(limited.len(), 2);
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

async fn window_functions(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = skip_unless(ctx.caps().window_functions, "needs window functions") {
        return Ok(s);
    }
    let mut md = MetaData::new();
    let (_users, posts) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let rows: Vec<(i32, i64, i64)> = c
            .fetch_all(
                select([
                    posts.c("id")?,
                    func::row_number()
                        .over(
                            Window::new()
                                .partition_by([posts.c("owner_id")?])
                                .order_by(posts.c("score")?.desc()),
                        )
                        .label("rn"),
                    func::sum(posts.c("score")?)
                        .over(
                            Window::new()
                                .order_by(posts.c("id")?)
                                .rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow),
                        )
                        .label("running"),
                ])
                .order_by(posts.c("id")?),
            )
            .await?;
        assert_eq!(rows, vec![(1, 1, 5), (2, 2, 8), (3, 1, 16)]);
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

async fn ordering_and_paging(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let nulls_first: Vec<(String,)> = c
            .fetch_all(select(users.c("name")?).order_by(users.c("age")?.asc().nulls_first()))
            .await?;
        assert_eq!(
            nulls_first,
            vec![("Bob".into(),), ("Anna".into(),), ("Alice".into(),)]
        );
        let nulls_last: Vec<(String,)> = c
            .fetch_all(select(users.c("name")?).order_by(users.c("age")?.desc().nulls_last()))
            .await?;
        assert_eq!(
            nulls_last,
            vec![("Alice".into(),), ("Anna".into(),), ("Bob".into(),)]
        );
        let page: Vec<(i32,)> = c
            .fetch_all(
                select(users.c("id")?)
                    .order_by(users.c("id")?)
                    .limit(1)
                    .offset(1),
            )
            .await?;
        assert_eq!(page, vec![(2,)]);
        let rest: Vec<(i32,)> = c
            .fetch_all(select(users.c("id")?).order_by(users.c("id")?).offset(2))
            .await?;
        assert_eq!(rest, vec![(3,)]);
        let distinct: Option<i64> = c
            .execute(select(func::count(users.c("age")?).distinct()))
            .await?
            .scalar()?;
        assert_eq!(distinct, Some(2));
        if ctx.caps().for_update {
            let mut tx = c.begin().await?;
            let locked = tx
                .execute(
                    select(users.c("id")?)
                        .where_(users.c("id")?.eq(1))
                        .for_update(),
                )
                .await?;
            assert_eq!(locked.len(), 1);
            tx.commit().await?;
        }
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

async fn operators(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _) = seeded(ctx, &mut md).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let (name, id) = (users.c("name")?, users.c("id")?);
        let names = |e: Expr| select(name.clone()).where_(e).order_by(id.clone());
        let mut check = async |e: Expr, want: &[&str]| -> Result<()> {
            let got: Vec<(String,)> = c.fetch_all(names(e)).await?;
            let got: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
            assert_eq!(got, want);
            Ok(())
        };
        check(users.c("name")?.ilike("a%"), &["Alice", "Anna"]).await?;
        check(users.c("name")?.startswith("A"), &["Alice", "Anna"]).await?;
        check(users.c("name")?.contains("%"), &[]).await?;
        check(users.c("age")?.between(20, 30), &["Alice", "Anna"]).await?;
        check(users.c("age")?.is_distinct_from(30), &["Bob", "Anna"]).await?;
        check(users.c("age")?.is_not_distinct_from(None::<i32>), &["Bob"]).await?;
        check(users.c("name")?.concat("!").eq("Bob!"), &["Bob"]).await?;
        check(
            crate::case([(users.c("age")?.gt(26), value("old"))])
                .else_("young")
                .eq("old"),
            &["Alice"],
        )
        .await?;
        check(func::coalesce([users.c("age")?, value(0)]).eq(0), &["Bob"]).await?;
        check(
            users.c("age")?.cast(SqlType::String(Some(10))).eq("25"),
            &["Anna"],
        )
        .await?;
        check(
            func::lower(users.c("name")?)
                .eq("bob")
                .or(users.c("age")?.gt(29)),
            &["Alice", "Bob"],
        )
        .await?;
        Ok::<_, Error>(Outcome::Passed)
    }
    .await;
    ctx.drop(&md).await;
    r
}

// ----- transactions -----------------------------------------------------------------

async fn transactions(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, _) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let counter = select(func::count_star()).from(&users);
        let count = |e: Engine| {
            let q = counter.clone();
            async move {
                let mut c = e.connect().await?;
                c.execute(q).await?.scalar::<i64>()
            }
        };
        let mut tx = c.begin().await?;
        tx.execute(insert(&users).value("id", 1).value("name", "a"))
            .await?;
        tx.commit().await?;
        let mut tx = c.begin().await?;
        tx.execute(insert(&users).value("id", 2).value("name", "b"))
            .await?;
        tx.rollback().await?;
        {
            let mut tx = c.begin().await?;
            tx.execute(insert(&users).value("id", 3).value("name", "c"))
                .await?;
        }
        c.execute(insert(&users).value("id", 4).value("name", "d"))
            .await?;
        assert_eq!(count(ctx.engine.clone()).await?, Some(2));
        // A failed statement inside a transaction: roll back, keep going.
        let mut tx = c.begin().await?;
        tx.execute(insert(&users).value("id", 5).value("name", "e"))
            .await?;
        let dup = tx
            .execute(insert(&users).value("id", 1).value("name", "dup"))
            .await
            .unwrap_err();
        assert!(dup.is_integrity(), "{dup}");
        tx.rollback().await?;
        assert_eq!(count(ctx.engine.clone()).await?, Some(2));
        c.execute(insert(&users).value("id", 6).value("name", "f"))
            .await?;
        assert_eq!(count(ctx.engine.clone()).await?, Some(3));
        Ok(Outcome::Passed)
    })
    .await
}

async fn savepoints(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = skip_unless(ctx.caps().savepoints, "needs savepoints") {
        return Ok(s);
    }
    let mut md = MetaData::new();
    let (users, _) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        let mut tx = c.begin().await?;
        tx.execute(insert(&users).value("id", 1).value("name", "outer"))
            .await?;
        {
            let mut sp = tx.begin_nested().await?;
            sp.execute(insert(&users).value("id", 2).value("name", "kept"))
                .await?;
            sp.commit().await?;
        }
        {
            let mut sp = tx.begin_nested().await?;
            sp.execute(insert(&users).value("id", 3).value("name", "undone"))
                .await?;
            sp.rollback().await?;
        }
        {
            let mut sp = tx.begin_nested().await?;
            let e = sp
                .execute(insert(&users).value("id", 1).value("name", "dup"))
                .await
                .unwrap_err();
            assert!(e.is_integrity(), "{e}");
            sp.rollback().await?;
        }
        tx.commit().await?;
        let names: Vec<(String,)> = c
            .fetch_all(select(users.c("name")?).order_by(users.c("id")?))
            .await?;
        assert_eq!(names, vec![("outer".into(),), ("kept".into(),)]);
        Ok(Outcome::Passed)
    })
    .await
}

async fn isolation_levels(ctx: &Ctx) -> Result<Outcome> {
    let mut c = ctx.conn().await?;
    let mut supported = 0;
    for level in [
        IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted,
        IsolationLevel::RepeatableRead,
        IsolationLevel::Serializable,
    ] {
        let began = match c.begin_isolated(level).await {
            Ok(tx) => {
                tx.commit().await?;
                true
            }
            Err(Error::Unsupported { .. }) => false,
            Err(e) => return Err(e),
        };
        if began {
            c.set_isolation_level(level).await?;
            supported += 1;
        }
    }
    if supported == 0 {
        return Ok(Outcome::Skipped("sets no isolation levels"));
    }
    Ok(Outcome::Passed)
}

// ----- errors -----------------------------------------------------------------------

async fn integrity_errors(ctx: &Ctx) -> Result<Outcome> {
    let mut md = MetaData::new();
    let (users, posts) = blog(&mut md)?;
    with_tables(ctx, &md, |ctx| async move {
        let mut c = ctx.conn().await?;
        c.execute(
            insert(&users)
                .value("id", 1)
                .value("name", "a")
                .value("email", "a@x"),
        )
        .await?;
        let cases: Vec<(crate::Statement, DbErrorKind)> = vec![
            (
                insert(&users).value("id", 1).value("name", "b").into(),
                DbErrorKind::UniqueViolation,
            ),
            (
                insert(&users)
                    .value("id", 2)
                    .value("name", "b")
                    .value("email", "a@x")
                    .into(),
                DbErrorKind::UniqueViolation,
            ),
            (
                insert(&users)
                    .value("id", 3)
                    .value("name", None::<String>)
                    .into(),
                DbErrorKind::NotNullViolation,
            ),
            (
                insert(&users)
                    .value("id", 4)
                    .value("name", "c")
                    .value("age", -1)
                    .into(),
                DbErrorKind::CheckViolation,
            ),
            (
                insert(&posts)
                    .value("title", "t")
                    .value("owner_id", 99)
                    .into(),
                DbErrorKind::ForeignKeyViolation,
            ),
        ];
        for (stmt, kind) in cases {
            let e = c.execute(stmt).await.unwrap_err();
            let Error::Database(d) = &e else {
                panic!("expected a database error, got {e:?}");
            };
            assert_eq!(d.kind, kind, "{e}");
            assert!(d.sql.is_some(), "the error carries its SQL: {e}");
            if kind != DbErrorKind::ForeignKeyViolation {
                assert!(
                    d.constraint.is_some(),
                    "the error names the constraint or column: {e}"
                );
            }
        }
        // The connection is still usable.
        let n: Option<i64> = c.execute(text("SELECT 1")).await?.scalar()?;
        assert_eq!(n, Some(1));
        Ok(Outcome::Passed)
    })
    .await
}
