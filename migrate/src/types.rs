//! How revision files spell column types: Aludel's portable names
//! (`Integer`, `String(50)`, `Numeric(10, 2)`, `Enum(mood: happy, sad)`,
//! `Array(Integer)`, `Custom(TSVECTOR)`), the same on every database.

use aludel_core::types::EnumType;
use aludel_core::SqlType;

/// The spelling of `ty` in a revision file.
pub fn type_to_string(ty: &SqlType) -> String {
    match ty {
        SqlType::SmallInt => "SmallInt".into(),
        SqlType::Integer => "Integer".into(),
        SqlType::BigInt => "BigInt".into(),
        SqlType::Boolean => "Boolean".into(),
        SqlType::Float => "Float".into(),
        SqlType::Double => "Double".into(),
        SqlType::Numeric { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => format!("Numeric({p}, {s})"),
            (Some(p), None) => format!("Numeric({p})"),
            _ => "Numeric".into(),
        },
        SqlType::String(Some(n)) => format!("String({n})"),
        SqlType::String(None) => "String".into(),
        SqlType::Text => "Text".into(),
        SqlType::Bytes => "Bytes".into(),
        SqlType::Date => "Date".into(),
        SqlType::Time => "Time".into(),
        SqlType::DateTime => "DateTime".into(),
        SqlType::DateTimeTz => "DateTimeTz".into(),
        SqlType::Uuid => "Uuid".into(),
        SqlType::Json => "Json".into(),
        SqlType::JsonB => "JsonB".into(),
        SqlType::Enum(e) => {
            let values: Vec<&str> = e.values.iter().map(|v| v.as_str()).collect();
            format!("Enum({}: {})", e.name.as_str(), values.join(", "))
        }
        SqlType::Array(inner) => format!("Array({})", type_to_string(inner)),
        SqlType::Custom(n) => format!("Custom({})", n.as_str()),
        _ => format!("Custom({ty:?})"),
    }
}

/// Reads a type spelled as [`type_to_string`] writes it; the error says
/// what was expected.
pub fn parse_type(s: &str) -> Result<SqlType, String> {
    let s = s.trim();
    let (head, args) = match s.find('(') {
        Some(i) if s.ends_with(')') => (s[..i].trim(), Some(&s[i + 1..s.len() - 1])),
        Some(_) => return Err(format!("unbalanced parentheses in type {s:?}")),
        None => (s, None),
    };
    let num = |a: &str| -> Result<u32, String> {
        a.trim()
            .parse::<u32>()
            .map_err(|_| format!("expected a number in type {s:?}, found {a:?}"))
    };
    let ty = match (head, args) {
        ("SmallInt", None) => SqlType::SmallInt,
        ("Integer", None) => SqlType::Integer,
        ("BigInt", None) => SqlType::BigInt,
        ("Boolean", None) => SqlType::Boolean,
        ("Float", None) => SqlType::Float,
        ("Double", None) => SqlType::Double,
        ("Numeric", None) => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        ("Numeric", Some(a)) => {
            let mut parts = a.split(',');
            let p = num(parts.next().unwrap_or(""))?;
            let sc = match parts.next() {
                Some(x) => Some(num(x)?),
                None => None,
            };
            SqlType::Numeric {
                precision: Some(p),
                scale: sc,
            }
        }
        ("String", None) => SqlType::String(None),
        ("String", Some(a)) => SqlType::String(Some(num(a)?)),
        ("Text", None) => SqlType::Text,
        ("Bytes", None) => SqlType::Bytes,
        ("Date", None) => SqlType::Date,
        ("Time", None) => SqlType::Time,
        ("DateTime", None) => SqlType::DateTime,
        ("DateTimeTz", None) => SqlType::DateTimeTz,
        ("Uuid", None) => SqlType::Uuid,
        ("Json", None) => SqlType::Json,
        ("JsonB", None) => SqlType::JsonB,
        ("Enum", Some(a)) => {
            let (name, values) = a
                .split_once(':')
                .ok_or_else(|| format!("Enum needs \"name: value, value\", found {a:?}"))?;
            let values: Vec<&str> = values
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            SqlType::Enum(EnumType {
                name: name.trim().to_string().into(),
                values: values.into_iter().map(|v| v.to_string().into()).collect(),
            })
        }
        ("Array", Some(a)) => SqlType::Array(Box::new(parse_type(a)?)),
        ("Custom", Some(a)) => SqlType::Custom(a.trim().to_string().into()),
        _ => {
            return Err(format!(
                "unknown type {s:?}; expected SmallInt, Integer, BigInt, Boolean, Float, Double, \
                 Numeric(p, s), String(n), Text, Bytes, Date, Time, DateTime, DateTimeTz, Uuid, \
                 Json, JsonB, Enum(name: a, b), Array(T) or Custom(SQL)"
            ))
        }
    };
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_as_written() {
        let types = [
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            SqlType::Boolean,
            SqlType::Float,
            SqlType::Double,
            SqlType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            SqlType::Numeric {
                precision: None,
                scale: None,
            },
            SqlType::String(Some(50)),
            SqlType::String(None),
            SqlType::Text,
            SqlType::Bytes,
            SqlType::Date,
            SqlType::Time,
            SqlType::DateTime,
            SqlType::DateTimeTz,
            SqlType::Uuid,
            SqlType::Json,
            SqlType::JsonB,
            SqlType::Enum(EnumType {
                name: "mood".into(),
                values: vec!["happy".into(), "sad".into()],
            }),
            SqlType::Array(Box::new(SqlType::Integer)),
            SqlType::Custom("TSVECTOR".into()),
        ];
        for t in types {
            let s = type_to_string(&t);
            assert_eq!(parse_type(&s), Ok(t), "{s}");
        }
    }

    #[test]
    fn bad_types_are_explained() {
        assert!(parse_type("Integr").unwrap_err().contains("unknown type"));
        assert!(parse_type("String(x)")
            .unwrap_err()
            .contains("expected a number"));
        assert!(parse_type("String(5").unwrap_err().contains("parentheses"));
    }
}
