//! Compliance cases for schema reflection ([`crate::reflect`]).

use super::{skip_unless, unique_name, Ctx, Outcome};
use crate::dialect::{AutoIncrementStyle, CommentStyle, EnumStyle};
use crate::error::Result;
use crate::expr::col;
use crate::name::Name;
use crate::reflect::{reflect_metadata, reflect_table, table_names};
use crate::schema::{Column, FkAction, ForeignKey, Index, MetaData, ServerDefault, Table};
use crate::types::SqlType;
use crate::{text, Error};

/// Everything reflection reports about a table, in a canonical order, for
/// comparing two reflections.
fn shape(t: &Table) -> String {
    fn sorted<T: std::fmt::Debug>(items: &[T]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
        v.sort();
        v
    }
    let checks: Vec<(Option<Name>, Option<String>)> =
        t.checks.iter().map(|c| (c.name.clone(), c.sql())).collect();
    format!(
        "{}\ncolumns {:#?}\npk {:?}\nfks {:#?}\nuniques {:#?}\nindexes {:#?}\nchecks {:#?}\ncomment {:?}",
        t.name,
        t.columns,
        t.primary_key,
        sorted(&t.foreign_keys),
        sorted(&t.uniques),
        sorted(&t.indexes),
        sorted(&checks),
        t.comment
    )
}

fn no_reflection(ctx: &Ctx) -> Option<Outcome> {
    skip_unless(
        ctx.engine.dialect().reflection().is_some(),
        "needs schema reflection",
    )
}

fn sql_default(t: &Table, column: &str) -> Option<String> {
    match &t.column(column)?.server_default {
        Some(ServerDefault::Sql(s)) => Some(s.clone()),
        Some(ServerDefault::Value(v)) => Some(format!("{v:?}")),
        None => None,
    }
}

/// Tables covering what reflection reports are created with `create_all`,
/// reflected, checked against their declaration, dropped, created again
/// from the reflected metadata and reflected again: both reflections have
/// the same shape.
pub(super) async fn reflect_round_trip(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = no_reflection(ctx) {
        return Ok(s);
    }
    let caps = ctx.caps();
    let parent_name = unique_name("rparent");
    let child_name = unique_name("rchild");
    let uq_name = format!("uq_{parent_name}");
    let ck_name = format!("ck_{parent_name}");
    let fk_name = format!("fk_{child_name}");
    let ix_name = format!("ix_{child_name}_pair");
    let mood = SqlType::enumeration(unique_name("rmood"), ["happy", "sad"]);
    let mut md = MetaData::new();
    let mut parent = Table::builder(parent_name.clone())
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(
            Column::new("name", SqlType::String(Some(50)))
                .not_null()
                .server_default("anon"),
        )
        .column(Column::new("note", SqlType::Text))
        .column(Column::new("score", SqlType::Integer).server_default(0))
        .column(Column::new("active", SqlType::Boolean))
        .column(Column::new("ratio", SqlType::Float))
        .column(Column::new("precise", SqlType::Double))
        .column(Column::new("amount", SqlType::numeric(10, 2)))
        .column(Column::new("day", SqlType::Date).index())
        .column(Column::new("clock", SqlType::Time))
        .column(
            Column::new("stamp", SqlType::DateTime)
                .not_null()
                .server_default_sql("CURRENT_TIMESTAMP"),
        )
        .column(Column::new("instant", SqlType::DateTimeTz))
        .column(Column::new("big", SqlType::BigInt))
        .column(Column::new("small", SqlType::SmallInt))
        .column(Column::new("data", SqlType::Bytes))
        .column(Column::new("ident", SqlType::Uuid))
        .column(Column::new("doc", SqlType::Json))
        .column(Column::new("mood", mood))
        .unique_named(uq_name.clone(), ["name"])
        .unique(["big", "small"])
        .check_sql(Some(Name::from(ck_name.clone())), "score >= 0");
    if caps.arrays {
        parent = parent.column(Column::new("tags", SqlType::array(SqlType::Text)));
    }
    if caps.comments != CommentStyle::None {
        parent = parent.comment("parents' table");
    }
    let parent = md.add(parent)?;
    let mut note = Column::new("note", SqlType::String(Some(20)));
    if caps.comments != CommentStyle::None {
        note = note.comment("a note");
    }
    let child = md.add(
        Table::builder(child_name.clone())
            .column(Column::new("id", SqlType::BigInt).primary_key())
            .column(
                Column::new("parent_id", SqlType::Integer)
                    .not_null()
                    .foreign_key(format!("{parent_name}.id"))
                    .on_delete(FkAction::Cascade)
                    .on_update(FkAction::Cascade),
            )
            .column(Column::new("other_id", SqlType::Integer))
            .column(Column::new("a", SqlType::Integer))
            .column(Column::new("b", SqlType::String(Some(10))))
            .column(note)
            .foreign_key(
                ForeignKey::new(["other_id"], parent_name.clone(), ["id"])
                    .name(fk_name.clone())
                    .on_delete(FkAction::SetNull),
            )
            .index(Index::new(["a", "b"]).name(ix_name.clone()).unique())
            .index(Index::new(["b"]))
            .check(None, col("a").gt(-5)),
    )?;
    ctx.create(&md).await?;
    let r = round_trip_body(
        ctx, &md, &parent, &child, &fk_name, &ix_name, &ck_name, &uq_name,
    )
    .await;
    ctx.drop(&md).await;
    r
}

#[allow(clippy::too_many_arguments)]
async fn round_trip_body(
    ctx: &Ctx,
    md: &MetaData,
    parent: &Table,
    child: &Table,
    fk_name: &str,
    ix_name: &str,
    ck_name: &str,
    uq_name: &str,
) -> Result<Outcome> {
    let caps = ctx.caps();
    let mut c = ctx.conn().await?;
    let names = table_names(&mut c).await?;
    assert!(names.contains(&parent.name.to_string()), "{names:?}");
    assert!(names.contains(&child.name.to_string()), "{names:?}");
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted: {names:?}");
    assert!(reflect_table(&mut c, &unique_name("missing"))
        .await?
        .is_none());

    let only = [parent.name.as_str(), child.name.as_str()];
    let first = reflect_metadata(&mut c, Some(&only)).await?;
    let p = first
        .table(&parent.name)
        .ok_or_else(|| Error::InvalidSchema("parent not reflected".into()))?
        .clone();
    let k = first
        .table(&child.name)
        .ok_or_else(|| Error::InvalidSchema("child not reflected".into()))?
        .clone();

    // What was declared reads back.
    let names_of = |t: &Table| {
        t.columns
            .iter()
            .map(|c| c.name.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names_of(&p), names_of(parent), "{}", shape(&p));
    assert_eq!(names_of(&k), names_of(child), "{}", shape(&k));
    for (got, want) in p.columns.iter().zip(&parent.columns) {
        assert_eq!(got.nullable, want.nullable, "nullability of {}", got.name);
        assert_eq!(got.primary_key, want.primary_key, "key of {}", got.name);
    }
    let ty = |t: &Table, c: &str| t.column(c).map(|c| c.ty.clone());
    for (column, want) in [
        ("id", SqlType::Integer),
        ("name", SqlType::String(Some(50))),
        ("note", SqlType::Text),
        ("score", SqlType::Integer),
        ("active", SqlType::Boolean),
        ("ratio", SqlType::Float),
        ("precise", SqlType::Double),
        ("amount", SqlType::numeric(10, 2)),
        ("day", SqlType::Date),
        ("clock", SqlType::Time),
        ("stamp", SqlType::DateTime),
        ("big", SqlType::BigInt),
        ("small", SqlType::SmallInt),
        ("data", SqlType::Bytes),
        ("ident", SqlType::Uuid),
        ("doc", SqlType::Json),
    ] {
        assert_eq!(
            ty(&p, column),
            Some(want),
            "type of {column}\n{}",
            shape(&p)
        );
    }
    if caps.enums != EnumStyle::Varchar {
        match ty(&p, "mood") {
            Some(SqlType::Enum(e)) => {
                assert_eq!(e.values, vec![Name::from("happy"), Name::from("sad")])
            }
            other => panic!("mood reflected as {other:?}"),
        }
    }
    if caps.arrays {
        assert_eq!(ty(&p, "tags"), Some(SqlType::array(SqlType::Text)));
    }
    assert_eq!(p.primary_key.columns, vec![Name::from("id")]);
    assert!(
        p.column("id").is_some_and(|c| c.autoincrement),
        "{}",
        shape(&p)
    );
    assert!(
        k.column("id").is_some_and(|c| c.autoincrement),
        "{}",
        shape(&k)
    );
    assert!(!k.column("parent_id").is_some_and(|c| c.autoincrement));
    if caps.autoincrement == AutoIncrementStyle::RowId {
        assert_eq!(ty(&k, "id"), Some(SqlType::Integer), "the rowid");
    } else {
        assert_eq!(ty(&k, "id"), Some(SqlType::BigInt));
    }
    // Defaults read back as the text DDL wrote for them.
    for (t, declared) in [(&p, parent), (&k, child)] {
        for dc in &declared.columns {
            let Some(d) = &dc.server_default else {
                continue;
            };
            let written = crate::reflect::server_default_sql(ctx.engine.dialect(), d)?;
            assert_eq!(
                sql_default(t, &dc.name).as_deref(),
                Some(written.as_str()),
                "default of {}",
                dc.name
            );
        }
    }
    assert_eq!(sql_default(&p, "score").as_deref(), Some("0"));
    assert_eq!(sql_default(&p, "name").as_deref(), Some("'anon'"));
    assert_eq!(
        sql_default(&p, "stamp").as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(sql_default(&p, "note"), None);
    assert_eq!(
        sql_default(&k, "id"),
        None,
        "a serial's sequence is no default"
    );
    let ck = p
        .checks
        .iter()
        .find(|c| c.name.as_deref() == Some(ck_name))
        .unwrap_or_else(|| panic!("check {ck_name} reflected\n{}", shape(&p)));
    assert_eq!(ck.sql().as_deref(), Some("score >= 0"));
    assert!(
        k.checks
            .iter()
            .any(|c| c.sql().is_some_and(|s| s.contains('a'))),
        "{}",
        shape(&k)
    );
    assert!(
        p.uniques
            .iter()
            .any(|u| u.name.as_deref() == Some(uq_name) && u.columns == [Name::from("name")]),
        "{}",
        shape(&p)
    );
    assert!(
        p.uniques
            .iter()
            .any(|u| u.columns == [Name::from("big"), Name::from("small")]),
        "{}",
        shape(&p)
    );
    let day_ix = format!("ix_{}_day", parent.name);
    assert!(
        p.indexes
            .iter()
            .any(|i| i.name.as_deref() == Some(day_ix.as_str()) && !i.unique),
        "{}",
        shape(&p)
    );
    // A unique index is a unique index, or (on MySQL) a UNIQUE constraint.
    let pair = [Name::from("a"), Name::from("b")];
    assert!(
        k.indexes
            .iter()
            .any(|i| i.name.as_deref() == Some(ix_name) && i.unique && i.columns == pair)
            || k.uniques
                .iter()
                .any(|u| u.name.as_deref() == Some(ix_name) && u.columns == pair),
        "{}",
        shape(&k)
    );
    assert!(
        !k.indexes.iter().any(|i| i.columns == [Name::from("id")]),
        "the primary key's index is not listed: {}",
        shape(&k)
    );
    assert_eq!(k.foreign_keys.len(), 2, "{}", shape(&k));
    let to_parent = k
        .foreign_keys
        .iter()
        .find(|f| f.columns == [Name::from("parent_id")])
        .unwrap_or_else(|| panic!("{}", shape(&k)));
    assert_eq!(to_parent.ref_table, parent.name);
    assert_eq!(to_parent.ref_columns, vec![Name::from("id")]);
    assert_eq!(to_parent.on_delete, Some(FkAction::Cascade));
    assert_eq!(to_parent.on_update, Some(FkAction::Cascade));
    let named = k
        .foreign_keys
        .iter()
        .find(|f| f.columns == [Name::from("other_id")])
        .unwrap_or_else(|| panic!("{}", shape(&k)));
    assert_eq!(named.name.as_deref(), Some(fk_name));
    assert_eq!(named.on_delete, Some(FkAction::SetNull));
    assert_eq!(named.on_update, None);
    if caps.comments != CommentStyle::None {
        assert_eq!(p.comment.as_deref(), Some("parents' table"));
        assert_eq!(
            k.column("note").and_then(|c| c.comment.as_deref()),
            Some("a note")
        );
    }

    // The reflection, created again, reflects the same.
    drop(c);
    ctx.drop(md).await;
    ctx.create(&first).await?;
    let r = async {
        let mut c = ctx.conn().await?;
        let second = reflect_metadata(&mut c, Some(&only)).await?;
        for t in first.tables() {
            let again = second
                .table(&t.name)
                .unwrap_or_else(|| panic!("{} reflected again", t.name));
            assert_eq!(shape(t), shape(again), "the second reflection differs");
        }
        Ok(Outcome::Passed)
    }
    .await;
    ctx.drop(&first).await;
    r
}

/// A schema written in SQLAlchemy's spellings by plain SQL reflects as the
/// tables SQLAlchemy's models would declare.
pub(super) async fn reflect_plain_sql(ctx: &Ctx) -> Result<Outcome> {
    if let Some(s) = no_reflection(ctx) {
        return Ok(s);
    }
    let users = unique_name("pusers");
    let addresses = unique_name("paddr");
    let ix = format!("ix_{addresses}_user_id");
    let mut c = ctx.conn().await?;
    let setup = [
        format!("CREATE TABLE {users} (id INTEGER NOT NULL, name VARCHAR(50), PRIMARY KEY (id))"),
        format!(
            "CREATE TABLE {addresses} (id INTEGER NOT NULL, user_id INTEGER NOT NULL, \
             email VARCHAR(100) NOT NULL, PRIMARY KEY (id), UNIQUE (email), \
             FOREIGN KEY(user_id) REFERENCES {users} (id) ON DELETE CASCADE)"
        ),
        format!("CREATE INDEX {ix} ON {addresses} (user_id)"),
    ];
    for sql in &setup {
        c.execute(text(sql)).await?;
    }
    let r = async {
        let u = reflect_table(&mut c, &users)
            .await?
            .unwrap_or_else(|| panic!("{users} reflected"));
        let rowid = ctx.caps().autoincrement == AutoIncrementStyle::RowId;
        let expect = Table::builder(users.clone())
            .column(
                Column::new("id", SqlType::Integer)
                    .primary_key()
                    .autoincrement(if rowid {
                        crate::Autoincrement::Always
                    } else {
                        crate::Autoincrement::Never
                    }),
            )
            .column(Column::new("name", SqlType::String(Some(50))))
            .build()?;
        assert_eq!(u.columns, expect.columns, "{}", shape(&u));
        assert_eq!(u.primary_key.columns, expect.primary_key.columns);
        assert!(u.foreign_keys.is_empty() && u.indexes.is_empty() && u.uniques.is_empty());

        let a = reflect_table(&mut c, &addresses)
            .await?
            .unwrap_or_else(|| panic!("{addresses} reflected"));
        let cols: Vec<(String, SqlType, bool)> = a
            .columns
            .iter()
            .map(|c| (c.name.to_string(), c.ty.clone(), c.nullable))
            .collect();
        assert_eq!(
            cols,
            vec![
                ("id".to_string(), SqlType::Integer, false),
                ("user_id".to_string(), SqlType::Integer, false),
                ("email".to_string(), SqlType::String(Some(100)), false),
            ]
        );
        assert_eq!(a.foreign_keys.len(), 1, "{}", shape(&a));
        let fk = &a.foreign_keys[0];
        assert_eq!(fk.columns, vec![Name::from("user_id")]);
        assert_eq!(fk.ref_table, users.as_str());
        assert_eq!(fk.ref_columns, vec![Name::from("id")]);
        assert_eq!(fk.on_delete, Some(FkAction::Cascade));
        assert_eq!(fk.on_update, None);
        assert_eq!(a.uniques.len(), 1, "{}", shape(&a));
        assert_eq!(a.uniques[0].columns, vec![Name::from("email")]);
        assert_eq!(
            a.indexes,
            vec![Index::new(["user_id"]).name(ix.clone())],
            "{}",
            shape(&a)
        );
        // Joins between reflected tables follow the reflected foreign key.
        let md = reflect_metadata(&mut c, Some(&[users.as_str(), addresses.as_str()])).await?;
        let order: Vec<String> = md
            .sorted_tables()?
            .iter()
            .map(|t| t.name.to_string())
            .collect();
        assert_eq!(order, vec![users.clone(), addresses.clone()]);
        let missing = unique_name("missing");
        assert!(reflect_metadata(&mut c, Some(&[missing.as_str()]))
            .await
            .is_err());
        Ok(Outcome::Passed)
    }
    .await;
    let _ = c.execute(text(&format!("DROP TABLE {addresses}"))).await;
    let _ = c.execute(text(&format!("DROP TABLE {users}"))).await;
    r
}
