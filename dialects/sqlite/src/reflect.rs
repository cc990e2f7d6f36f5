//! Schema reflection for SQLite: `sqlite_master` and the table-valued
//! pragma functions (`pragma_table_info`, `pragma_foreign_key_list`,
//! `pragma_index_list`, `pragma_index_info`), with the table's names bound
//! as values. Constraint names and CHECK conditions, which no pragma
//! reports, are read from the table's `CREATE TABLE` text, as SQLAlchemy
//! does.

use aludel_core::engine::{BoxFuture, Connection};
use aludel_core::reflect::{
    int_value, sql_type_from_name, strip_outer_parens, text_value, type_from_dialect_spelling,
    Reflect, ReflectedCheck, ReflectedColumn, ReflectedTable,
};
use aludel_core::schema::{FkAction, ForeignKey, Index, PrimaryKey, UniqueConstraint};
use aludel_core::{text, Name, Result, Row, SqlType};

/// SQLite's reflection. Other dialects built on SQLite's driver (such as a
/// third-party dialect wrapping it) may return it from their own
/// [`Dialect::reflection`](aludel_core::Dialect::reflection): type names
/// are read back through the connection's dialect spellings first.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteReflect;

fn s(row: &Row, i: usize) -> Option<String> {
    row.values().get(i).and_then(text_value)
}

fn n(row: &Row, i: usize) -> i64 {
    row.values().get(i).and_then(int_value).unwrap_or(0)
}

impl Reflect for SqliteReflect {
    fn table_names<'a>(&'a self, conn: &'a mut Connection) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let rows = conn
                .execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                ))
                .await?
                .all();
            Ok(rows.iter().filter_map(|r| s(r, 0)).collect())
        })
    }

    fn reflect_table<'a>(
        &'a self,
        conn: &'a mut Connection,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ReflectedTable>>> {
        Box::pin(reflect_table(conn, name))
    }
}

async fn reflect_table(conn: &mut Connection, name: &str) -> Result<Option<ReflectedTable>> {
    let dialect = conn.engine().dialect();
    let sql = conn
        .execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name")
                .bind("name", name),
        )
        .await?
        .all();
    let Some(create_sql) = sql.first().map(|r| s(r, 0).unwrap_or_default()) else {
        return Ok(None);
    };
    let parsed = parse_create_table(&create_sql);

    // Columns.
    let rows = conn
        .execute(
            text(
                "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(:name) \
                 ORDER BY cid",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let mut t = ReflectedTable {
        name: name.to_string(),
        ..Default::default()
    };
    let mut pk: Vec<(i64, String)> = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    for r in &rows {
        let col = s(r, 0).unwrap_or_default();
        let ty_name = s(r, 1).unwrap_or_default();
        let ty = if ty_name.trim().is_empty() {
            SqlType::Custom(Name::from(""))
        } else {
            type_from_dialect_spelling(dialect, &ty_name)
                .unwrap_or_else(|| sql_type_from_name(&ty_name))
        };
        let pk_pos = n(r, 4);
        if pk_pos > 0 {
            pk.push((pk_pos, col.clone()));
        }
        declared.push(ty_name);
        t.columns.push(ReflectedColumn {
            name: col,
            ty,
            nullable: n(r, 2) == 0,
            default: s(r, 3),
            autoincrement: false,
            comment: None,
        });
    }
    pk.sort();
    t.primary_key = PrimaryKey {
        name: parsed.pk_name.clone().map(Name::from),
        columns: pk.iter().map(|(_, c)| Name::from(c.clone())).collect(),
    };
    // A single-column key declared exactly INTEGER is the rowid (unless the
    // table has none): generated, and never NULL.
    if pk.len() == 1 && !parsed.without_rowid {
        if let Some(i) = t.columns.iter().position(|c| c.name == pk[0].1) {
            if declared[i].trim().eq_ignore_ascii_case("integer") {
                t.columns[i].autoincrement = true;
                t.columns[i].nullable = false;
                t.columns[i].ty = SqlType::Integer;
            }
        }
    }

    // Foreign keys: the pragma lists them last declared first.
    let rows = conn
        .execute(
            text(
                "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete \
                 FROM pragma_foreign_key_list(:name) ORDER BY id DESC, seq",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let mut fks: Vec<(i64, ForeignKey, Vec<Option<String>>)> = Vec::new();
    for r in &rows {
        let id = n(r, 0);
        if fks.last().map(|f| f.0) != Some(id) {
            let mut fk = ForeignKey::new(
                Vec::<Name>::new(),
                s(r, 2).unwrap_or_default(),
                Vec::<Name>::new(),
            );
            fk.on_update = action(s(r, 5).as_deref());
            fk.on_delete = action(s(r, 6).as_deref());
            fks.push((id, fk, Vec::new()));
        }
        if let Some(last) = fks.last_mut() {
            last.1.columns.push(Name::from(s(r, 3).unwrap_or_default()));
            last.2.push(s(r, 4));
        }
    }
    for (_, mut fk, to) in fks {
        if to.iter().any(Option::is_none) {
            // REFERENCES t without columns: the referenced table's key.
            let rows = conn
                .execute(
                    text("SELECT name FROM pragma_table_info(:name) WHERE pk > 0 ORDER BY pk")
                        .bind("name", fk.ref_table.to_string()),
                )
                .await?
                .all();
            fk.ref_columns = rows
                .iter()
                .filter_map(|r| s(r, 0))
                .map(Name::from)
                .collect();
        } else {
            fk.ref_columns = to.into_iter().flatten().map(Name::from).collect();
        }
        fk.name = parsed
            .fk_names
            .iter()
            .find(|(cols, _)| same_names(cols, &fk.columns))
            .map(|(_, n)| Name::from(n.clone()));
        t.foreign_keys.push(fk);
    }

    // Indexes and UNIQUE constraints (the automatic indexes behind them).
    let rows = conn
        .execute(
            text(
                "SELECT name, \"unique\", origin, partial FROM pragma_index_list(:name) \
                 ORDER BY name",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let list: Vec<(String, bool, String, bool)> = rows
        .iter()
        .map(|r| {
            (
                s(r, 0).unwrap_or_default(),
                n(r, 1) != 0,
                s(r, 2).unwrap_or_default(),
                n(r, 3) != 0,
            )
        })
        .collect();
    for (ix_name, unique, origin, partial) in list {
        if origin == "pk" || partial {
            continue;
        }
        let rows = conn
            .execute(
                text("SELECT name FROM pragma_index_info(:name) ORDER BY seqno")
                    .bind("name", ix_name.clone()),
            )
            .await?
            .all();
        let cols: Vec<Option<String>> = rows.iter().map(|r| s(r, 0)).collect();
        if cols.is_empty() || cols.iter().any(Option::is_none) {
            // An index on expressions: not expressible as columns.
            continue;
        }
        let cols: Vec<Name> = cols.into_iter().flatten().map(Name::from).collect();
        if origin == "u" {
            let uname = parsed
                .unique_names
                .iter()
                .find(|(c, _)| same_names(c, &cols))
                .map(|(_, n)| Name::from(n.clone()));
            t.uniques.push(UniqueConstraint {
                name: uname,
                columns: cols,
            });
        } else {
            t.indexes.push(Index {
                name: Some(Name::from(ix_name)),
                columns: cols,
                unique,
            });
        }
    }
    t.checks = parsed.checks;
    Ok(Some(t))
}

fn same_names(a: &[String], b: &[Name]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

fn action(s: Option<&str>) -> Option<FkAction> {
    match s?.to_ascii_uppercase().as_str() {
        "CASCADE" => Some(FkAction::Cascade),
        "SET NULL" => Some(FkAction::SetNull),
        "SET DEFAULT" => Some(FkAction::SetDefault),
        "RESTRICT" => Some(FkAction::Restrict),
        _ => None,
    }
}

/// What the `CREATE TABLE` text tells that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
struct Parsed {
    without_rowid: bool,
    pk_name: Option<String>,
    fk_names: Vec<(Vec<String>, String)>,
    unique_names: Vec<(Vec<String>, String)>,
    checks: Vec<ReflectedCheck>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word.
    Word(String),
    /// A quoted identifier, unquoted.
    Ident(String),
    /// A string literal, as written.
    Str(String),
    /// A parenthesised group: the text inside.
    Group(String),
    /// Any other character.
    Punct(char),
}

impl Tok {
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }
    fn ident(&self) -> Option<String> {
        match self {
            Tok::Word(w) | Tok::Ident(w) => Some(w.clone()),
            _ => None,
        }
    }
}

/// Splits SQL into tokens; parenthesised groups stay whole.
fn tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '`' || c == '[' || c == '\'' {
            let close = if c == '[' { ']' } else { c };
            let mut j = i + 1;
            let mut buf = String::new();
            while j < chars.len() {
                if chars[j] == close {
                    if close != ']' && chars.get(j + 1) == Some(&close) {
                        buf.push(close);
                        j += 2;
                        continue;
                    }
                    break;
                }
                buf.push(chars[j]);
                j += 1;
            }
            if c == '\'' {
                out.push(Tok::Str(
                    chars[i..(j + 1).min(chars.len())].iter().collect(),
                ));
            } else {
                out.push(Tok::Ident(buf));
            }
            i = j + 1;
        } else if c == '(' {
            let start = i + 1;
            let mut depth = 0;
            let mut quote: Option<char> = None;
            let mut j = i;
            while j < chars.len() {
                let d = chars[j];
                if let Some(q) = quote {
                    if d == q {
                        quote = None;
                    }
                } else if d == '\'' || d == '"' || d == '`' {
                    quote = Some(d);
                } else if d == '(' {
                    depth += 1;
                } else if d == ')' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            out.push(Tok::Group(
                chars[start..j.min(chars.len())].iter().collect(),
            ));
            i = j + 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$')
            {
                j += 1;
            }
            out.push(Tok::Word(chars[i..j].iter().collect()));
            i = j;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Splits at top-level commas.
fn split_top(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut buf = String::new();
    for c in sql.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            buf.push(c);
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '[' => quote = Some(']'),
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut buf));
                continue;
            }
            _ => {}
        }
        buf.push(c);
    }
    if !buf.trim().is_empty() {
        out.push(buf);
    }
    out
}

fn ident_list(group: &str) -> Vec<String> {
    split_top(group)
        .iter()
        .filter_map(|part| tokens(part).first().and_then(Tok::ident))
        .collect()
}

fn parse_create_table(sql: &str) -> Parsed {
    let mut p = Parsed::default();
    let toks = tokens(sql);
    let Some(at) = toks.iter().position(|t| matches!(t, Tok::Group(_))) else {
        return p;
    };
    let body = match &toks[at] {
        Tok::Group(g) => g.clone(),
        _ => String::new(),
    };
    p.without_rowid = toks[at + 1..]
        .windows(2)
        .any(|w| w[0].is_kw("without") && w[1].is_kw("rowid"));
    for item in split_top(&body) {
        let toks = tokens(&item);
        let mut i = 0;
        let mut name = None;
        if toks.first().is_some_and(|t| t.is_kw("constraint")) {
            name = toks.get(1).and_then(Tok::ident);
            i = 2;
        }
        let head = toks.get(i);
        let group_after = |k: usize| match toks.get(k) {
            Some(Tok::Group(g)) => Some(g.clone()),
            _ => None,
        };
        if head.is_some_and(|t| t.is_kw("primary")) {
            p.pk_name = name;
        } else if head.is_some_and(|t| t.is_kw("unique")) {
            if let (Some(n), Some(g)) = (name, group_after(i + 1)) {
                p.unique_names.push((ident_list(&g), n));
            }
        } else if head.is_some_and(|t| t.is_kw("check")) {
            if let Some(g) = group_after(i + 1) {
                p.checks.push(ReflectedCheck {
                    name,
                    sql: strip_outer_parens(&g).to_string(),
                });
            }
        } else if head.is_some_and(|t| t.is_kw("foreign")) {
            if let (Some(n), Some(g)) = (name, group_after(i + 2)) {
                p.fk_names.push((ident_list(&g), n));
            }
        } else {
            // A column definition: its own CHECKs become table checks.
            let mut k = 1;
            let mut cname = None;
            while k < toks.len() {
                if toks[k].is_kw("constraint") {
                    cname = toks.get(k + 1).and_then(Tok::ident);
                    k += 2;
                    continue;
                }
                if toks[k].is_kw("check") {
                    if let Some(g) = group_after(k + 1) {
                        p.checks.push(ReflectedCheck {
                            name: cname.take(),
                            sql: strip_outer_parens(&g).to_string(),
                        });
                    }
                }
                k += 1;
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_constraint_names_and_checks() {
        let p = parse_create_table(
            "CREATE TABLE \"t\" (\n\tid INTEGER NOT NULL,\n\t[a b] VARCHAR(5) CHECK (length(\"a b\") > 0),\n\
             \towner INTEGER,\n\tCONSTRAINT pk_t PRIMARY KEY (id),\n\tCONSTRAINT \"uq,x\" UNIQUE (\"a b\", owner),\n\
             \tCONSTRAINT ck_t CHECK ((id >= 0) AND owner <> ','),\n\
             \tCONSTRAINT fk_o FOREIGN KEY(owner) REFERENCES users (id) ON DELETE CASCADE\n)",
        );
        assert_eq!(p.pk_name.as_deref(), Some("pk_t"));
        assert!(!p.without_rowid);
        assert!(
            parse_create_table("CREATE TABLE t (id INTEGER PRIMARY KEY) WITHOUT ROWID")
                .without_rowid
        );
        assert_eq!(
            p.unique_names,
            vec![(
                vec!["a b".to_string(), "owner".to_string()],
                "uq,x".to_string()
            )]
        );
        assert_eq!(
            p.fk_names,
            vec![(vec!["owner".to_string()], "fk_o".to_string())]
        );
        assert_eq!(
            p.checks,
            vec![
                ReflectedCheck {
                    name: None,
                    sql: "length(\"a b\") > 0".into()
                },
                ReflectedCheck {
                    name: Some("ck_t".into()),
                    sql: "(id >= 0) AND owner <> ','".into()
                }
            ]
        );
    }
}
