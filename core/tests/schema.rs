//! Schema metadata: validation, naming conventions, dependency order.

use aludel_core::{
    Column, Error, FkAction, ForeignKey, Index, MetaData, NamingConvention, SqlType, Table,
};

fn int(name: &'static str) -> Column {
    Column::new(name, SqlType::Integer)
}

#[test]
fn primary_key_columns_are_not_null_and_single_integer_pk_autoincrements() {
    let t = Table::builder("t")
        .column(int("id").primary_key())
        .column(int("n"))
        .build()
        .unwrap();
    let id = t.column("id").unwrap();
    assert!(!id.nullable && id.primary_key && id.autoincrement);
    assert!(t.column("n").unwrap().nullable);
    assert_eq!(
        t.autoincrement_column().map(|c| c.name.as_str()),
        Some("id")
    );
}

#[test]
fn composite_primary_key_does_not_autoincrement() {
    let t = Table::builder("pairs")
        .column(int("a"))
        .column(int("b"))
        .primary_key(["a", "b"])
        .build()
        .unwrap();
    assert_eq!(t.primary_key.columns, ["a", "b"]);
    assert!(t.autoincrement_column().is_none());
    assert!(!t.column("a").unwrap().nullable);
}

#[test]
fn declaration_mistakes_are_errors_naming_the_problem() {
    let dup = Table::builder("t")
        .column(int("a"))
        .column(int("a"))
        .build();
    assert!(
        matches!(dup, Err(Error::InvalidSchema(m)) if m.contains("column a is declared twice"))
    );

    let bad_fk = Table::builder("t")
        .column(int("a"))
        .foreign_key(ForeignKey::new(["nope"], "other", ["id"]))
        .build();
    assert!(matches!(bad_fk, Err(Error::InvalidSchema(m)) if m.contains("unknown column nope")));

    let bad_target = Table::builder("t")
        .column(int("a").foreign_key("users"))
        .build();
    assert!(matches!(bad_target, Err(Error::InvalidSchema(m)) if m.contains("\"users\"")));

    let arity = Table::builder("t")
        .column(int("a"))
        .foreign_key(ForeignKey::new(["a"], "other", ["x", "y"]))
        .build();
    assert!(matches!(arity, Err(Error::InvalidSchema(_))));

    let empty = Table::builder("t").build();
    assert!(matches!(empty, Err(Error::InvalidSchema(m)) if m.contains("no columns")));

    let t = Table::builder("t").column(int("a")).build().unwrap();
    assert_eq!(
        t.c("b").unwrap_err(),
        Error::UnknownColumn {
            source_name: "table t".into(),
            column: "b".into()
        }
    );
}

#[test]
fn columns_are_found_by_names_of_every_length_and_shared_starts() {
    // Names of 1 to 20 bytes, several sharing their first eight bytes and
    // their length, non-ASCII ones, and (over 16 columns) a hashed lookup.
    let names: Vec<String> = [
        "a",
        "ab",
        "abc",
        "abcd",
        "abcde",
        "abcdef",
        "abcdefg",
        "abcdefgh",
        "abcdefghi",
        "created_at_utc",
        "created_at_loc",
        "created_on_utc",
        "é",
        "éé",
        "naïve",
        "x y",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for count in [names.len(), 3] {
        let mut b = Table::builder("t");
        for n in &names[..count] {
            b = b.column(Column::new(n.clone(), SqlType::Integer));
        }
        let t = b.build().unwrap();
        for n in &names[..count] {
            match t.c(n).unwrap() {
                aludel_core::Expr::Column(c) => assert_eq!(c.name.as_str(), n.as_str()),
                other => panic!("{n}: {other:?}"),
            }
            assert_eq!(t.column(n).unwrap().name.as_str(), n.as_str());
        }
        for missing in [
            "",
            "abcdefgi",
            "created_at_utx",
            "created_at_ut",
            "abcdefghij",
            "E",
            "b",
        ] {
            assert!(t.column(missing).is_none(), "{missing} is not a column");
            assert!(
                matches!(t.c(missing), Err(Error::UnknownColumn { column, .. }) if column == missing)
            );
        }
    }
    let mut wide = Table::builder("wide");
    for i in 0..20 {
        wide = wide.column(Column::new(format!("column_number_{i}"), SqlType::Integer));
    }
    let wide = wide.build().unwrap();
    for i in 0..20 {
        let n = format!("column_number_{i}");
        assert_eq!(wide.column(&n).unwrap().name.as_str(), n);
    }
    assert!(wide.column("column_number_20").is_none());
}

#[test]
fn default_naming_convention_names_indexes_like_sqlalchemy() {
    let t = Table::builder("users")
        .column(int("id").primary_key().index())
        .column(Column::new("email", SqlType::String(None)).unique().index())
        .column(Column::new("nick", SqlType::String(None)).unique())
        .index(Index::new(["nick", "email"]).name("ix_custom"))
        .build()
        .unwrap();
    let names: Vec<(&str, bool)> = t
        .indexes
        .iter()
        .map(|i| (i.name.as_deref().unwrap(), i.unique))
        .collect();
    assert_eq!(
        names,
        [
            ("ix_users_id", false),
            ("ix_users_email", true),
            ("ix_custom", false)
        ]
    );
    // unique + index is a unique index, not also a constraint; unique alone is a constraint.
    assert_eq!(t.uniques.len(), 1);
    assert_eq!(t.uniques[0].columns, ["nick"]);
    assert_eq!(t.uniques[0].name, None);
}

#[test]
fn recommended_naming_convention_names_every_constraint() {
    let mut md = MetaData::with_naming_convention(NamingConvention::recommended());
    md.add(Table::builder("users").column(int("id").primary_key()))
        .unwrap();
    let posts = md
        .add(
            Table::builder("posts")
                .column(int("id").primary_key())
                .column(
                    int("owner_id")
                        .foreign_key("users.id")
                        .on_delete(FkAction::Cascade),
                )
                .column(Column::new("slug", SqlType::String(Some(50))).unique())
                .check(Some("positive_id"), aludel_core::col("id").gt(0)),
        )
        .unwrap();
    assert_eq!(posts.primary_key.name.as_deref(), Some("pk_posts"));
    assert_eq!(
        posts.foreign_keys[0].name.as_deref(),
        Some("fk_posts_owner_id_users")
    );
    assert_eq!(posts.foreign_keys[0].on_delete, Some(FkAction::Cascade));
    assert_eq!(posts.uniques[0].name.as_deref(), Some("uq_posts_slug"));
    assert_eq!(
        posts.checks[0].name.as_deref(),
        Some("ck_posts_positive_id")
    );
}

#[test]
fn naming_convention_with_unknown_token_is_an_error() {
    let conv = NamingConvention {
        uq: Some("uq_%(nonsense)s".into()),
        ..NamingConvention::default()
    };
    let mut md = MetaData::with_naming_convention(conv);
    let err = md
        .add(Table::builder("t").column(int("a").unique()))
        .unwrap_err();
    assert!(err.to_string().contains("%(nonsense)s"), "{err}");
}

fn names(tables: &[Table]) -> Vec<String> {
    tables.iter().map(|t| t.name.to_string()).collect()
}

#[test]
fn sorted_tables_puts_referenced_tables_first() {
    let mut md = MetaData::new();
    md.add(
        Table::builder("comments")
            .column(int("id").primary_key())
            .column(int("post_id").foreign_key("posts.id")),
    )
    .unwrap();
    md.add(
        Table::builder("posts")
            .column(int("id").primary_key())
            .column(int("owner_id").foreign_key("users.id")),
    )
    .unwrap();
    md.add(
        Table::builder("users")
            .column(int("id").primary_key())
            .column(int("boss_id").foreign_key("users.id")),
    )
    .unwrap();
    md.add(Table::builder("audit").column(int("id").primary_key()))
        .unwrap();
    assert_eq!(
        names(&md.sorted_tables().unwrap()),
        ["audit", "users", "posts", "comments"]
    );
}

#[test]
fn a_cycle_names_only_its_tables_and_use_alter_breaks_it() {
    let build = |use_alter: bool| {
        let mut md = MetaData::new();
        let mut fk = ForeignKey::new(["b_id"], "b", ["id"]).name("fk_a_b");
        if use_alter {
            fk = fk.use_alter();
        }
        md.add(
            Table::builder("a")
                .column(int("id").primary_key())
                .column(int("b_id"))
                .foreign_key(fk),
        )
        .unwrap();
        md.add(
            Table::builder("b")
                .column(int("id").primary_key())
                .column(int("a_id").foreign_key("a.id")),
        )
        .unwrap();
        md.add(
            Table::builder("c")
                .column(int("id").primary_key())
                .column(int("a_id").foreign_key("a.id")),
        )
        .unwrap();
        md
    };
    let err = build(false).sorted_tables().unwrap_err();
    assert_eq!(
        err,
        Error::DependencyCycle {
            tables: vec!["a".into(), "b".into()]
        }
    );
    assert!(err.to_string().contains("use_alter"));
    assert_eq!(
        names(&build(true).sorted_tables().unwrap()),
        ["a", "b", "c"]
    );
}

#[test]
fn metadata_rejects_a_second_table_of_the_same_name() {
    let mut md = MetaData::new();
    md.add(Table::builder("t").column(int("a"))).unwrap();
    assert!(md.add(Table::builder("t").column(int("b"))).is_err());
    assert!(md.table("t").is_some());
    assert!(md.table("nope").is_none());
}
