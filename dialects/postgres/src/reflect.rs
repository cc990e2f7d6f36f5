//! Schema reflection for PostgreSQL, from `pg_catalog` (`pg_class`,
//! `pg_attribute`, `pg_constraint`, `pg_index`, `pg_enum`), in the
//! connection's `current_schema()`, with the table's name bound as a value.

use aludel_core::engine::{BoxFuture, Connection};
use aludel_core::reflect::{
    bool_value, sql_type_from_name, strip_outer_parens, text_value, Reflect, ReflectedCheck,
    ReflectedColumn, ReflectedTable,
};
use aludel_core::schema::{FkAction, ForeignKey, Index, PrimaryKey, UniqueConstraint};
use aludel_core::{text, Name, Result, Row, SqlType, Value};

/// PostgreSQL's reflection.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgReflect;

fn s(row: &Row, i: usize) -> Option<String> {
    row.values().get(i).and_then(text_value)
}

fn b(row: &Row, i: usize) -> bool {
    row.values().get(i).is_some_and(bool_value)
}

fn strs(row: &Row, i: usize) -> Vec<String> {
    match row.values().get(i) {
        Some(Value::Array(items)) => items.iter().filter_map(text_value).collect(),
        _ => Vec::new(),
    }
}

fn names(v: Vec<String>) -> Vec<Name> {
    v.into_iter().map(Name::from).collect()
}

impl Reflect for PgReflect {
    fn table_names<'a>(&'a self, conn: &'a mut Connection) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(async move {
            let rows = conn
                .execute(text(
                    "SELECT c.relname::text FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
                     AND NOT c.relispartition ORDER BY 1",
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

const COLUMNS: &str = "\
SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
  pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
  pg_catalog.col_description(c.oid, a.attnum), \
  (CASE WHEN t.typcategory = 'A' THEN et.typtype ELSE t.typtype END)::text, \
  (CASE WHEN t.typcategory = 'A' THEN et.typname ELSE t.typname END)::text, \
  ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e \
        WHERE e.enumtypid = (CASE WHEN t.typcategory = 'A' THEN et.oid ELSE t.oid END) \
        ORDER BY e.enumsortorder) \
FROM pg_catalog.pg_attribute a \
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem \
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
WHERE n.nspname = current_schema() AND c.relname::text = :name \
  AND a.attnum > 0 AND NOT a.attisdropped \
ORDER BY a.attnum";

const CONSTRAINTS: &str = "\
SELECT con.conname::text, con.contype::text, \
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
        ORDER BY k.ord), \
  cf.relname::text, nf.nspname::text, nf.nspname = current_schema(), \
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
        ORDER BY k.ord), \
  con.confupdtype::text, con.confdeltype::text, pg_catalog.pg_get_constraintdef(con.oid) \
FROM pg_catalog.pg_constraint con \
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
LEFT JOIN pg_catalog.pg_class cf ON cf.oid = con.confrelid \
LEFT JOIN pg_catalog.pg_namespace nf ON nf.oid = cf.relnamespace \
WHERE n.nspname = current_schema() AND c.relname::text = :name \
  AND con.contype IN ('p', 'u', 'f', 'c') \
ORDER BY con.conname";

const INDEXES: &str = "\
SELECT i.relname::text, ix.indisunique, \
  ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord) \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num \
        WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord), \
  ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL \
FROM pg_catalog.pg_index ix \
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
JOIN pg_catalog.pg_class c ON c.oid = ix.indrelid \
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
WHERE n.nspname = current_schema() AND c.relname::text = :name \
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
                  WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')) \
ORDER BY 1";

async fn reflect_table(conn: &mut Connection, name: &str) -> Result<Option<ReflectedTable>> {
    let found = conn
        .execute(
            text(
                "SELECT pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relname::text = :name \
                 AND c.relkind IN ('r', 'p')",
            )
            .bind("name", name),
        )
        .await?
        .all();
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let mut t = ReflectedTable {
        name: name.to_string(),
        comment: s(first, 0),
        ..Default::default()
    };

    for r in conn.execute(text(COLUMNS).bind("name", name)).await?.all() {
        let formatted = s(&r, 1).unwrap_or_default();
        let ty = column_type(
            &formatted,
            s(&r, 6).as_deref() == Some("e"),
            s(&r, 7).unwrap_or_default(),
            strs(&r, 8),
        );
        let mut default = s(&r, 3);
        let identity = s(&r, 4).is_some_and(|i| i == "a" || i == "d");
        let serial = ty.is_integer()
            && default
                .as_deref()
                .is_some_and(|d| d.trim_start().starts_with("nextval("));
        if serial {
            default = None;
        }
        t.columns.push(ReflectedColumn {
            name: s(&r, 0).unwrap_or_default(),
            ty,
            nullable: !b(&r, 2),
            default: default.map(|d| normalize_default(&d)),
            autoincrement: serial || identity,
            comment: s(&r, 5),
        });
    }

    for r in conn
        .execute(text(CONSTRAINTS).bind("name", name))
        .await?
        .all()
    {
        let cname = s(&r, 0).map(Name::from);
        let columns = names(strs(&r, 2));
        match s(&r, 1).as_deref() {
            Some("p") => {
                t.primary_key = PrimaryKey {
                    name: cname,
                    columns,
                }
            }
            Some("u") => t.uniques.push(UniqueConstraint {
                name: cname,
                columns,
            }),
            Some("f") => {
                let mut fk =
                    ForeignKey::new(columns, s(&r, 3).unwrap_or_default(), names(strs(&r, 6)));
                fk.name = cname;
                if !b(&r, 5) {
                    fk.ref_schema = s(&r, 4).map(Name::from);
                }
                fk.on_update = action(s(&r, 7).as_deref());
                fk.on_delete = action(s(&r, 8).as_deref());
                t.foreign_keys.push(fk);
            }
            Some("c") => {
                let def = s(&r, 9).unwrap_or_default();
                t.checks.push(ReflectedCheck {
                    name: cname.map(|n| n.to_string()),
                    sql: check_condition(&def),
                });
            }
            _ => {}
        }
    }

    for r in conn.execute(text(INDEXES).bind("name", name)).await?.all() {
        // Indexes on expressions and partial indexes are not columns alone.
        let columns = strs(&r, 2);
        if b(&r, 3) || columns.is_empty() {
            continue;
        }
        t.indexes.push(Index {
            name: s(&r, 0).map(Name::from),
            columns: names(columns),
            unique: b(&r, 1),
        });
    }
    Ok(Some(t))
}

fn column_type(formatted: &str, is_enum: bool, type_name: String, labels: Vec<String>) -> SqlType {
    let mut base = formatted.trim();
    let mut dims = 0;
    while let Some(inner) = base.strip_suffix("[]") {
        base = inner.trim_end();
        dims += 1;
    }
    let mut ty = if is_enum {
        SqlType::enumeration(type_name, labels)
    } else {
        sql_type_from_name(base)
    };
    for _ in 0..dims {
        ty = SqlType::array(ty);
    }
    ty
}

fn action(code: Option<&str>) -> Option<FkAction> {
    match code? {
        "c" => Some(FkAction::Cascade),
        "n" => Some(FkAction::SetNull),
        "d" => Some(FkAction::SetDefault),
        "r" => Some(FkAction::Restrict),
        _ => None,
    }
}

/// `CHECK ((a > 0)) NOT VALID` -> `a > 0`.
fn check_condition(def: &str) -> String {
    let d = def.trim();
    let d = d.strip_suffix("NOT VALID").unwrap_or(d).trim();
    let d = match d.get(..5) {
        Some(kw) if kw.eq_ignore_ascii_case("check") => &d[5..],
        _ => d,
    };
    strip_outer_parens(d).to_string()
}

/// Undoes what PostgreSQL adds to a default: the cast on a literal
/// (`'x'::character varying` -> `'x'`, `'-1'::integer` -> `-1`) and lower
/// case booleans (`true` -> `TRUE`, as Aludel writes them).
fn normalize_default(expr: &str) -> String {
    let e = expr.trim();
    if e == "true" || e == "false" {
        return e.to_ascii_uppercase();
    }
    if let Some((lit, ty)) = split_literal_cast(e) {
        let inner = &lit[1..lit.len() - 1];
        let numeric_type = matches!(
            ty,
            "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision"
        );
        if numeric_type && !inner.is_empty() && inner.parse::<f64>().is_ok() {
            return inner.to_string();
        }
        return lit.to_string();
    }
    let inner = strip_outer_parens(e);
    if inner != e && inner.parse::<f64>().is_ok() {
        return inner.to_string();
    }
    e.to_string()
}

/// `'text'::type` -> (`'text'`, `type`) when the whole expression is one
/// quoted literal with a cast to a plain type name.
fn split_literal_cast(e: &str) -> Option<(&str, &str)> {
    if !e.starts_with('\'') {
        return None;
    }
    let bytes = e.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            break;
        }
        i += 1;
    }
    let lit = e.get(..=i)?;
    let ty = e.get(i + 1..)?.strip_prefix("::")?;
    let plain = !ty.is_empty()
        && ty
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '"' | '.' | '[' | ']'));
    plain.then_some((lit, ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_lose_their_casts() {
        assert_eq!(normalize_default("'anon'::character varying"), "'anon'");
        assert_eq!(normalize_default("'it''s'::text"), "'it''s'");
        assert_eq!(normalize_default("'-1'::integer"), "-1");
        assert_eq!(normalize_default("0"), "0");
        assert_eq!(normalize_default("true"), "TRUE");
        assert_eq!(normalize_default("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
        assert_eq!(normalize_default("now()"), "now()");
        assert_eq!(
            normalize_default("('now'::text)::date"),
            "('now'::text)::date"
        );
        assert_eq!(normalize_default("(-5)"), "-5");
    }

    #[test]
    fn checks_lose_their_wrapping() {
        assert_eq!(check_condition("CHECK ((score >= 0))"), "score >= 0");
        assert_eq!(
            check_condition("CHECK (((a > 0) AND (b > 0))) NOT VALID"),
            "(a > 0) AND (b > 0)"
        );
    }

    #[test]
    fn array_and_enum_types() {
        assert_eq!(
            column_type("integer[]", false, "int4".into(), vec![]),
            SqlType::array(SqlType::Integer)
        );
        assert_eq!(
            column_type("mood", true, "mood".into(), vec!["a".into()]),
            SqlType::enumeration("mood", ["a"])
        );
        assert_eq!(
            column_type("character varying(5)[]", false, "varchar".into(), vec![]),
            SqlType::array(SqlType::String(Some(5)))
        );
    }
}
