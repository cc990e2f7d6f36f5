//! Schema reflection for MySQL and MariaDB, from `information_schema`
//! (`TABLES`, `COLUMNS`, `TABLE_CONSTRAINTS`, `KEY_COLUMN_USAGE`,
//! `REFERENTIAL_CONSTRAINTS`, `STATISTICS`, `CHECK_CONSTRAINTS`) in the
//! connection's `DATABASE()`, with the table's name bound as a value. The
//! server says whether it is MariaDB, whose catalog spells defaults and JSON
//! columns differently.

use aludel_core::engine::{BoxFuture, Connection};
use aludel_core::reflect::{
    int_value, sql_type_from_name, strip_outer_parens, text_value, type_from_dialect_spelling,
    Reflect, ReflectedCheck, ReflectedColumn, ReflectedTable,
};
use aludel_core::schema::{FkAction, ForeignKey, Index, PrimaryKey, UniqueConstraint};
use aludel_core::{text, Dialect, Name, Result, Row, SqlType};

/// MySQL's and MariaDB's reflection.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlReflect;

fn s(row: &Row, i: usize) -> Option<String> {
    row.values().get(i).and_then(text_value)
}

fn n(row: &Row, i: usize) -> i64 {
    row.values().get(i).and_then(int_value).unwrap_or(0)
}

impl Reflect for MySqlReflect {
    fn table_names<'a>(&'a self, conn: &'a mut Connection) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let rows = conn
                .execute(text(
                    "SELECT TABLE_NAME FROM information_schema.TABLES \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
                     ORDER BY TABLE_NAME",
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
    let found = conn
        .execute(
            text(
                "SELECT TABLE_COMMENT, DATABASE(), VERSION() FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name \
                 AND TABLE_TYPE = 'BASE TABLE'",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let database = s(first, 1).unwrap_or_default();
    let mariadb = s(first, 2).is_some_and(|v| v.contains("MariaDB"));
    let mut t = ReflectedTable {
        name: name.to_string(),
        comment: s(first, 0).filter(|c| !c.is_empty()),
        ..Default::default()
    };

    // CHECK constraints first: MariaDB's JSON columns are LONGTEXT with a
    // column CHECK (json_valid(col)) named after the column.
    let checks_sql = if mariadb {
        "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = :name ORDER BY CONSTRAINT_NAME"
    } else {
        "SELECT cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc \
         JOIN information_schema.CHECK_CONSTRAINTS cc \
           ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.TABLE_NAME = :name \
           AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY cc.CONSTRAINT_NAME"
    };
    let checks = match conn.execute(text(checks_sql).bind("name", name)).await {
        Ok(r) => r.all(),
        // MySQL before 8.0.16 has no CHECK constraints (nor the view).
        Err(_) if !mariadb => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut checks: Vec<(String, String)> = checks
        .iter()
        .map(|r| (s(r, 0).unwrap_or_default(), s(r, 1).unwrap_or_default()))
        .collect();

    let rows = conn
        .execute(
            text(
                "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
                 COLUMN_COMMENT, DATA_TYPE FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name \
                 ORDER BY ORDINAL_POSITION",
            )
            .bind("name", name),
        )
        .await?
        .all();
    for r in &rows {
        let col = s(r, 0).unwrap_or_default();
        let column_type = s(r, 1).unwrap_or_default();
        let extra = s(r, 4).unwrap_or_default().to_ascii_lowercase();
        let data_type = s(r, 6).unwrap_or_default().to_ascii_lowercase();
        let mut ty = column_sql_type(dialect, &col, &column_type);
        if mariadb && data_type == "longtext" {
            if let Some(i) = checks
                .iter()
                .position(|(cn, clause)| cn == &col && is_json_valid(clause, &col))
            {
                checks.remove(i);
                ty = SqlType::Json;
            }
        }
        let default = s(r, 3)
            .and_then(|d| normalize_default(&d, mariadb, extra.contains("default_generated"), &ty));
        t.columns.push(ReflectedColumn {
            name: col,
            ty,
            nullable: s(r, 2).is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            default,
            autoincrement: extra.contains("auto_increment"),
            comment: s(r, 5).filter(|c| !c.is_empty()),
        });
    }
    t.checks = checks
        .into_iter()
        .map(|(cn, clause)| ReflectedCheck {
            name: Some(cn),
            sql: unquote_identifiers(dialect, strip_outer_parens(&clause)),
        })
        .collect();

    // Keys and foreign keys.
    let rows = conn
        .execute(
            text(
                "SELECT tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, \
                 k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, \
                 rc.UPDATE_RULE, rc.DELETE_RULE \
                 FROM information_schema.TABLE_CONSTRAINTS tc \
                 JOIN information_schema.KEY_COLUMN_USAGE k \
                   ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
                   AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND k.TABLE_NAME = tc.TABLE_NAME \
                 LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc \
                   ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
                   AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND rc.TABLE_NAME = tc.TABLE_NAME \
                 WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.TABLE_NAME = :name \
                   AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') \
                 ORDER BY tc.CONSTRAINT_TYPE, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let mut current: Option<(String, String)> = None;
    for r in &rows {
        let cname = s(r, 0).unwrap_or_default();
        let kind = s(r, 1).unwrap_or_default();
        let column = Name::from(s(r, 2).unwrap_or_default());
        let key = Some((cname.clone(), kind.clone()));
        let new = current != key;
        current = key;
        match kind.as_str() {
            // MySQL calls every primary key PRIMARY: it keeps no name.
            "PRIMARY KEY" => t.primary_key.columns.push(column),
            "UNIQUE" => {
                if new {
                    t.uniques.push(UniqueConstraint {
                        name: Some(Name::from(cname)),
                        columns: Vec::new(),
                    });
                }
                if let Some(u) = t.uniques.last_mut() {
                    u.columns.push(column);
                }
            }
            "FOREIGN KEY" => {
                if new {
                    let mut fk = ForeignKey::new(
                        Vec::<Name>::new(),
                        s(r, 4).unwrap_or_default(),
                        Vec::<Name>::new(),
                    )
                    .name(cname);
                    if let Some(schema) = s(r, 3).filter(|sc| *sc != database) {
                        fk.ref_schema = Some(Name::from(schema));
                    }
                    fk.on_update = action(s(r, 6).as_deref());
                    fk.on_delete = action(s(r, 7).as_deref());
                    t.foreign_keys.push(fk);
                }
                if let Some(fk) = t.foreign_keys.last_mut() {
                    fk.columns.push(column);
                    fk.ref_columns.push(Name::from(s(r, 5).unwrap_or_default()));
                }
            }
            _ => {}
        }
    }
    t.primary_key = PrimaryKey {
        name: None,
        columns: std::mem::take(&mut t.primary_key.columns),
    };

    // Indexes: unique ones are UNIQUE constraints above (MySQL makes no
    // difference); those MySQL made itself for a foreign key are left out.
    let rows = conn
        .execute(
            text(
                "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, INDEX_TYPE \
                 FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name \
                 ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let mut indexes: Vec<(Index, bool)> = Vec::new();
    for r in &rows {
        let ix_name = s(r, 0).unwrap_or_default();
        if ix_name == "PRIMARY" || n(r, 1) == 0 {
            continue;
        }
        if indexes.last().and_then(|(i, _)| i.name.as_deref()) != Some(ix_name.as_str()) {
            let plain = s(r, 3).is_some_and(|k| k == "BTREE" || k == "HASH");
            indexes.push((Index::new(Vec::<Name>::new()).name(ix_name), plain));
        }
        if let Some((ix, ok)) = indexes.last_mut() {
            match s(r, 2) {
                Some(c) => ix.columns.push(Name::from(c)),
                // An index on an expression.
                None => *ok = false,
            }
        }
    }
    t.indexes = indexes
        .into_iter()
        .filter(|(ix, plain)| {
            *plain
                && !t.foreign_keys.iter().any(|fk| {
                    fk.columns == ix.columns
                        && (ix.name == fk.name || ix.name.as_ref() == fk.columns.first())
                })
        })
        .map(|(ix, _)| ix)
        .collect();
    Ok(Some(t))
}

fn column_sql_type(dialect: &dyn Dialect, column: &str, column_type: &str) -> SqlType {
    let lower = column_type.trim().to_ascii_lowercase();
    if lower == "tinyint(1)" {
        return SqlType::Boolean;
    }
    if lower.starts_with("enum(") {
        let inner = column_type
            .trim()
            .get(5..column_type.trim().len().saturating_sub(1))
            .unwrap_or("");
        return SqlType::enumeration(column.to_string(), enum_values(inner));
    }
    type_from_dialect_spelling(dialect, column_type)
        .unwrap_or_else(|| sql_type_from_name(column_type))
}

/// `'a','b''c'` -> `["a", "b'c"]`.
fn enum_values(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut v = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(e) = chars.next() {
                        v.push(e);
                    }
                }
                other => v.push(other),
            }
        }
        out.push(v);
    }
    out
}

fn is_json_valid(clause: &str, column: &str) -> bool {
    let c: String = clause.chars().filter(|c| !c.is_whitespace()).collect();
    let c = c.to_ascii_lowercase();
    let col = column.to_ascii_lowercase();
    c == format!("json_valid(`{col}`)") || c == format!("json_valid({col})")
}

fn action(rule: Option<&str>) -> Option<FkAction> {
    // RESTRICT is MySQL's default (and NO ACTION means the same there).
    match rule?.to_ascii_uppercase().as_str() {
        "CASCADE" => Some(FkAction::Cascade),
        "SET NULL" => Some(FkAction::SetNull),
        "SET DEFAULT" => Some(FkAction::SetDefault),
        _ => None,
    }
}

/// A column default as SQL text: MariaDB reports SQL already (literals
/// quoted, `NULL` for none); MySQL reports literals bare, and expressions
/// marked `DEFAULT_GENERATED`.
fn normalize_default(d: &str, mariadb: bool, generated: bool, ty: &SqlType) -> Option<String> {
    let expr = if mariadb {
        if d.eq_ignore_ascii_case("null") {
            return None;
        }
        d.to_string()
    } else if generated {
        d.to_string()
    } else {
        let numeric = matches!(
            ty,
            SqlType::SmallInt
                | SqlType::Integer
                | SqlType::BigInt
                | SqlType::Boolean
                | SqlType::Float
                | SqlType::Double
                | SqlType::Numeric { .. }
        );
        if numeric && d.parse::<f64>().is_ok() {
            d.to_string()
        } else {
            format!("'{}'", d.replace('\\', "\\\\").replace('\'', "''"))
        }
    };
    let lower = expr.to_ascii_lowercase();
    if lower == "current_timestamp()" || lower == "current_timestamp" {
        return Some("CURRENT_TIMESTAMP".into());
    }
    Some(expr)
}

/// Removes backticks around identifiers that need no quoting, so that
/// "`score` >= 0" reads as it was written: `score >= 0`.
fn unquote_identifiers(dialect: &dyn Dialect, sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let mut in_string: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if let Some(q) = in_string {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            if c == '\\' {
                if let Some(e) = rest.chars().next() {
                    out.push(e);
                    rest = &rest[e.len_utf8()..];
                }
            } else if c == q {
                in_string = None;
            }
            continue;
        }
        if c == '\'' || c == '"' {
            in_string = Some(c);
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if c == '`' {
            if let Some(end) = rest[1..].find('`') {
                let ident = &rest[1..1 + end];
                let plain = ident
                    .chars()
                    .next()
                    .is_some_and(|f| f.is_ascii_lowercase() || f == '_')
                    && ident
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
                    && !dialect.is_reserved_word(ident);
                if plain {
                    out.push_str(ident);
                } else {
                    out.push_str(&rest[..end + 2]);
                }
                rest = &rest[end + 2..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_labels() {
        assert_eq!(enum_values("'happy','sad'"), vec!["happy", "sad"]);
        assert_eq!(enum_values("'it''s','a,b'"), vec!["it's", "a,b"]);
    }

    #[test]
    fn defaults() {
        let int = SqlType::Integer;
        let s = SqlType::String(Some(5));
        assert_eq!(normalize_default("NULL", true, false, &s), None);
        assert_eq!(
            normalize_default("'anon'", true, false, &s).as_deref(),
            Some("'anon'")
        );
        assert_eq!(
            normalize_default("current_timestamp()", true, false, &s).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            normalize_default("anon", false, false, &s).as_deref(),
            Some("'anon'")
        );
        assert_eq!(
            normalize_default("0", false, false, &int).as_deref(),
            Some("0")
        );
        assert_eq!(
            normalize_default("CURRENT_TIMESTAMP", false, true, &s).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
    }

    #[test]
    fn check_clauses_lose_needless_backticks() {
        let d = aludel_core::dialect_by_name("mysql").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unquote_identifiers(d, "`score` >= 0"), "score >= 0");
        assert_eq!(
            unquote_identifiers(d, "`order` > 0 and `Big` = '`x`'"),
            "`order` > 0 and `Big` = '`x`'"
        );
        assert!(is_json_valid("json_valid(`doc`)", "doc"));
    }
}
