//! Values to and from PostgreSQL's binary wire format.
//!
//! [`Param`] binds an Aludel [`Value`] to a placeholder by the type the
//! server inferred for that placeholder when the statement was prepared, so
//! that one value kind serves several column types (an `i64` for an
//! `INTEGER` column, a string for an enum). [`Decoded`] reads a column by
//! its type into a [`Value`].

use aludel_core::{Text, Value, ValueRef};
use bytes::{BufMut, BytesMut};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use std::error::Error as StdError;
use std::fmt;
use std::str::FromStr;
use tokio_postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type};
use uuid::Uuid;

type BoxError = Box<dyn StdError + Sync + Send>;

/// A value that does not fit the parameter it is bound to. The driver
/// reports it as [`DbErrorKind::Data`](aludel_core::DbErrorKind::Data).
#[derive(Debug)]
pub(crate) struct BindError(pub(crate) String);

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for BindError {}

/// A column value that has no Aludel [`Value`] form, or is malformed.
#[derive(Debug)]
pub(crate) struct DecodeError(pub(crate) String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for DecodeError {}

/// The type's name as PostgreSQL spells it in messages (`integer[]` style
/// names are not used: `_int4` is shown as `int4[]`).
pub(crate) fn type_name(ty: &Type) -> String {
    match ty.kind() {
        Kind::Array(inner) => format!("{}[]", type_name(inner)),
        _ => ty.name().to_string(),
    }
}

/// Types whose binary form is their text (and that accept any text).
fn is_text_like(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || (matches!(ty.kind(), Kind::Simple) && matches!(ty.name(), "citext"))
}

/// The type itself, or a domain's base type.
fn base(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(inner) => base(inner),
        _ => ty,
    }
}

/// Whether [`Param`] writes the binary form of `ty` itself; other types
/// are sent as text, for the server to parse.
fn binary_type(ty: &Type) -> bool {
    let ty = base(ty);
    matches!(ty.kind(), Kind::Enum(_) | Kind::Array(_))
        || is_text_like(ty)
        || matches!(
            *ty,
            Type::BOOL
                | Type::INT2
                | Type::INT4
                | Type::INT8
                | Type::OID
                | Type::FLOAT4
                | Type::FLOAT8
                | Type::NUMERIC
                | Type::BYTEA
                | Type::DATE
                | Type::TIME
                | Type::TIMESTAMP
                | Type::TIMESTAMPTZ
                | Type::UUID
                | Type::JSON
                | Type::JSONB
                | Type::XML
        )
}

/// One bound parameter: the value and its position (for messages).
pub(crate) struct Param<'a> {
    pub(crate) value: &'a Value,
    pub(crate) index: usize,
}

impl fmt::Debug for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the kind: parameters may be secret (`hide_parameters`).
        write!(f, "${} ({})", self.index + 1, self.value.kind())
    }
}

impl Param<'_> {
    fn mismatch(&self, ty: &Type, hint: &str) -> BoxError {
        Box::new(BindError(format!(
            "cannot bind a {} value to parameter ${}, of type {}{hint}",
            self.value.kind(),
            self.index + 1,
            type_name(ty)
        )))
    }

    fn out_of_range(&self, ty: &Type, shown: impl fmt::Display) -> BoxError {
        Box::new(BindError(format!(
            "parameter ${}: {shown} is out of range for type {}",
            self.index + 1,
            type_name(ty)
        )))
    }

    /// The value's text form, for text-like parameters.
    fn text(&self) -> Option<String> {
        Some(match self.value {
            Value::String(s) => s.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::I16(v) => v.to_string(),
            Value::I32(v) => v.to_string(),
            Value::I64(v) => v.to_string(),
            Value::F32(v) => float_text(f64::from(*v)),
            Value::F64(v) => float_text(*v),
            Value::Decimal(d) => d.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Time(t) => t.format("%H:%M:%S%.f").to_string(),
            Value::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S%.f").to_string(),
            Value::DateTimeTz(t) => t.format("%Y-%m-%d %H:%M:%S%.f+00").to_string(),
            Value::Uuid(u) => u.hyphenated().to_string(),
            Value::Json(j) => j.to_string(),
            _ => return None,
        })
    }

    fn integer(&self) -> Option<i64> {
        match self.value {
            Value::I16(v) => Some(i64::from(*v)),
            Value::I32(v) => Some(i64::from(*v)),
            Value::I64(v) => Some(*v),
            _ => None,
        }
    }

    fn float(&self) -> Option<f64> {
        match self.value {
            Value::F32(v) => Some(f64::from(*v)),
            Value::F64(v) => Some(*v),
            Value::I16(v) => Some(f64::from(*v)),
            Value::I32(v) => Some(f64::from(*v)),
            Value::I64(v) => Some(*v as f64),
            Value::Decimal(d) => f64::from_str(&d.to_string()).ok(),
            _ => None,
        }
    }

    fn decimal(&self, ty: &Type) -> Result<Option<Decimal>, BoxError> {
        Ok(match self.value {
            Value::Decimal(d) => Some(*d),
            Value::I16(v) => Some(Decimal::from(*v)),
            Value::I32(v) => Some(Decimal::from(*v)),
            Value::I64(v) => Some(Decimal::from(*v)),
            Value::F32(_) | Value::F64(_) => {
                let f = self.float().unwrap_or(f64::NAN);
                if !f.is_finite() {
                    return Err(self.out_of_range(ty, f));
                }
                // The shortest text that reads back as the same float.
                Some(Decimal::from_str(&f.to_string()).map_err(|_| self.out_of_range(ty, f))?)
            }
            _ => None,
        })
    }
}

fn float_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        v.to_string()
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if self.value.is_null() {
            return Ok(IsNull::Yes);
        }
        match ty.kind() {
            Kind::Domain(base) => return self.to_sql(base, out),
            Kind::Enum(_) => {
                return match self.value {
                    Value::String(s) => {
                        out.put_slice(s.as_bytes());
                        Ok(IsNull::No)
                    }
                    _ => Err(self.mismatch(ty, "; an enum takes its label as a string")),
                }
            }
            Kind::Array(_) => {
                let Value::Array(items) = self.value else {
                    return Err(self.mismatch(ty, ""));
                };
                let elements: Vec<Param<'_>> = items
                    .iter()
                    .map(|value| Param {
                        value,
                        index: self.index,
                    })
                    .collect();
                return elements.to_sql(ty, out);
            }
            _ => {}
        }
        if let Value::Array(_) = self.value {
            return Err(self.mismatch(
                ty,
                "; cast the placeholder to an array type, e.g. CAST(:p AS INTEGER[])",
            ));
        }
        if is_text_like(ty) {
            let text = self.text().ok_or_else(|| self.mismatch(ty, ""))?;
            out.put_slice(text.as_bytes());
            return Ok(IsNull::No);
        }
        match *ty {
            Type::BOOL => match self.value {
                Value::Bool(b) => b.to_sql(ty, out),
                _ => Err(self.mismatch(ty, "")),
            },
            Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => {
                let v = self.integer().ok_or_else(|| self.mismatch(ty, ""))?;
                match *ty {
                    Type::INT2 => i16::try_from(v)
                        .map_err(|_| self.out_of_range(ty, v))?
                        .to_sql(ty, out),
                    Type::INT4 => i32::try_from(v)
                        .map_err(|_| self.out_of_range(ty, v))?
                        .to_sql(ty, out),
                    Type::OID => u32::try_from(v)
                        .map_err(|_| self.out_of_range(ty, v))?
                        .to_sql(ty, out),
                    _ => v.to_sql(ty, out),
                }
            }
            Type::FLOAT4 => {
                let v = self.float().ok_or_else(|| self.mismatch(ty, ""))?;
                let narrow = v as f32;
                if v.is_finite() && !narrow.is_finite() {
                    return Err(self.out_of_range(ty, v));
                }
                narrow.to_sql(ty, out)
            }
            Type::FLOAT8 => self
                .float()
                .ok_or_else(|| self.mismatch(ty, ""))?
                .to_sql(ty, out),
            Type::NUMERIC => self
                .decimal(ty)?
                .ok_or_else(|| self.mismatch(ty, ""))?
                .to_sql(ty, out),
            Type::BYTEA => match self.value {
                Value::Bytes(b) => {
                    out.put_slice(b);
                    Ok(IsNull::No)
                }
                Value::String(s) => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(self.mismatch(ty, "")),
            },
            Type::DATE => match self.value {
                Value::Date(d) => d.to_sql(ty, out),
                Value::String(s) => parse(self, ty, s, |s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
                })?
                .to_sql(ty, out),
                _ => Err(self.mismatch(ty, "")),
            },
            Type::TIME => match self.value {
                Value::Time(t) => t.to_sql(ty, out),
                Value::String(s) => parse(self, ty, s, |s| {
                    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()
                })?
                .to_sql(ty, out),
                _ => Err(self.mismatch(ty, "")),
            },
            Type::TIMESTAMP => match self.value {
                Value::DateTime(t) => t.to_sql(ty, out),
                Value::DateTimeTz(t) => t.naive_utc().to_sql(ty, out),
                Value::Date(d) => d.and_time(NaiveTime::MIN).to_sql(ty, out),
                Value::String(s) => parse(self, ty, s, parse_datetime)?.to_sql(ty, out),
                _ => Err(self.mismatch(ty, "")),
            },
            Type::TIMESTAMPTZ => match self.value {
                Value::DateTimeTz(t) => t.to_sql(ty, out),
                // A timestamp without zone is taken as UTC.
                Value::DateTime(t) => t.and_utc().to_sql(ty, out),
                Value::Date(d) => d.and_time(NaiveTime::MIN).and_utc().to_sql(ty, out),
                Value::String(s) => parse(self, ty, s, |s| {
                    DateTime::parse_from_rfc3339(s)
                        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                })?
                .to_sql(ty, out),
                _ => Err(self.mismatch(ty, "")),
            },
            Type::UUID => match self.value {
                Value::Uuid(u) => u.to_sql(ty, out),
                Value::String(s) => {
                    parse(self, ty, s, |s| Uuid::parse_str(s).ok())?.to_sql(ty, out)
                }
                _ => Err(self.mismatch(ty, "")),
            },
            Type::JSON | Type::JSONB => {
                if *ty == Type::JSONB {
                    out.put_u8(1);
                }
                match self.value {
                    Value::Json(j) => {
                        serde_json::to_writer(out.writer(), j.as_ref())?;
                    }
                    // A string is taken as JSON text; the server checks it.
                    Value::String(s) => out.put_slice(s.as_bytes()),
                    other => {
                        let j = serde_json::to_value(
                            json_of(other).ok_or_else(|| self.mismatch(ty, ""))?,
                        )?;
                        serde_json::to_writer(out.writer(), &j)?;
                    }
                }
                Ok(IsNull::No)
            }
            Type::XML => match self.value {
                Value::String(s) => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(self.mismatch(ty, "")),
            },
            // Sent as text (see `encode_format`): the server parses it.
            _ => match self.text() {
                Some(text) => {
                    out.put_slice(text.as_bytes());
                    Ok(IsNull::No)
                }
                None => Err(self.mismatch(ty, "")),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if binary_type(ty) || matches!(self.value, Value::Array(_) | Value::Bytes(_)) {
            Format::Binary
        } else {
            Format::Text
        }
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Scalars as JSON values, for a JSON parameter given a plain value.
fn json_of(v: &Value) -> Option<serde_json::Value> {
    Some(match v {
        Value::Bool(b) => (*b).into(),
        Value::I16(i) => (*i).into(),
        Value::I32(i) => (*i).into(),
        Value::I64(i) => (*i).into(),
        Value::F32(f) => serde_json::Number::from_f64(f64::from(*f))?.into(),
        Value::F64(f) => serde_json::Number::from_f64(*f)?.into(),
        _ => return None,
    })
}

fn parse<T>(
    p: &Param<'_>,
    ty: &Type,
    s: &str,
    f: impl FnOnce(&str) -> Option<T>,
) -> Result<T, BoxError> {
    f(s.trim()).ok_or_else(|| {
        Box::new(BindError(format!(
            "parameter ${}: {s:?} is not a valid {}",
            p.index + 1,
            type_name(ty)
        ))) as BoxError
    })
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

/// A column decoded by its type into a [`Value`].
pub(crate) struct Decoded(pub(crate) Value);

fn decode_error(msg: String) -> BoxError {
    Box::new(DecodeError(msg))
}

impl<'a> FromSql<'a> for Decoded {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        // The most common built-in types first, without the checks below
        // (which they pass through to the same result).
        let v = match *ty {
            Type::INT8 => Value::I64(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::I32(i32::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => Value::String(text(raw)?),
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::I16(i16::from_sql(ty, raw)?),
            _ => return Decoded::from_sql_other(ty, raw),
        };
        Ok(Decoded(v))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Decoded(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A column decoded by its type into a [`ValueRef`]: text borrowed from
/// the row, the common scalars by value, anything else as [`Decoded`].
pub(crate) struct DecodedRef<'a>(pub(crate) ValueRef<'a>);

impl<'a> FromSql<'a> for DecodedRef<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let v = match *ty {
            Type::INT8 => ValueRef::I64(i64::from_sql(ty, raw)?),
            Type::INT4 => ValueRef::I32(i32::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => ValueRef::Str(text_ref(raw)?),
            Type::BOOL => ValueRef::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => ValueRef::I16(i16::from_sql(ty, raw)?),
            Type::FLOAT8 => ValueRef::F64(f64::from_sql(ty, raw)?),
            _ => ValueRef::Owned(Decoded::from_sql_other(ty, raw)?.0),
        };
        Ok(DecodedRef(v))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(DecodedRef(ValueRef::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Decoded {
    fn from_sql_other(ty: &Type, raw: &[u8]) -> Result<Self, BoxError> {
        match ty.kind() {
            Kind::Domain(base) => return Decoded::from_sql(base, raw),
            Kind::Enum(_) => return Ok(Decoded(Value::String(text(raw)?))),
            Kind::Array(_) => {
                let items = Vec::<Decoded>::from_sql(ty, raw)?;
                return Ok(Decoded(Value::Array(
                    items.into_iter().map(|d| d.0).collect(),
                )));
            }
            _ => {}
        }
        if is_text_like(ty) || *ty == Type::XML {
            return Ok(Decoded(Value::String(text(raw)?)));
        }
        let v = match *ty {
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Value::I16(i16::from_sql(ty, raw)?),
            Type::INT4 => Value::I32(i32::from_sql(ty, raw)?),
            Type::INT8 => Value::I64(i64::from_sql(ty, raw)?),
            Type::OID => Value::I64(u32::from_sql(ty, raw)?.into()),
            Type::CHAR => Value::String(char::from(i8::from_sql(ty, raw)? as u8).into()),
            Type::FLOAT4 => Value::F32(f32::from_sql(ty, raw)?),
            Type::FLOAT8 => Value::F64(f64::from_sql(ty, raw)?),
            Type::NUMERIC => Value::Decimal(numeric(raw)?),
            Type::BYTEA => Value::Bytes(raw.to_vec()),
            Type::DATE => Value::Date(NaiveDate::from_sql(ty, raw)?),
            Type::TIME => Value::Time(NaiveTime::from_sql(ty, raw)?),
            Type::TIMESTAMP => Value::DateTime(NaiveDateTime::from_sql(ty, raw)?),
            Type::TIMESTAMPTZ => Value::DateTimeTz(DateTime::<Utc>::from_sql(ty, raw)?),
            Type::UUID => Value::Uuid(Uuid::from_sql(ty, raw)?),
            Type::JSON | Type::JSONB => {
                Value::Json(Box::new(serde_json::Value::from_sql(ty, raw)?))
            }
            Type::INTERVAL => Value::from(interval(raw)?),
            Type::INET | Type::CIDR => Value::from(inet(raw)?),
            Type::MACADDR if raw.len() == 6 => Value::from(
                raw.iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":"),
            ),
            Type::VOID => Value::Null,
            _ => {
                return Err(decode_error(format!(
                    "no Aludel value reads type {}; select CAST(column AS TEXT) to read it as text",
                    type_name(ty)
                )))
            }
        };
        Ok(Decoded(v))
    }
}

fn text(raw: &[u8]) -> Result<Text, BoxError> {
    text_ref(raw).map(Text::new)
}

fn text_ref(raw: &[u8]) -> Result<&str, BoxError> {
    std::str::from_utf8(raw).map_err(|e| decode_error(format!("text that is not UTF-8: {e}")))
}

fn be_u16(raw: &[u8], at: usize) -> Result<u16, BoxError> {
    raw.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| decode_error("a truncated NUMERIC value".into()))
}

/// NUMERIC's binary form (base-10000 digits, a weight, a sign and a display
/// scale) to an exact [`Decimal`]; a value with more digits than a Decimal
/// holds is an error rather than a rounded number.
fn numeric(raw: &[u8]) -> Result<Decimal, BoxError> {
    let ndigits = usize::from(be_u16(raw, 0)?);
    let weight = be_u16(raw, 2)? as i16;
    let sign = be_u16(raw, 4)?;
    let dscale = usize::from(be_u16(raw, 6)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Err(decode_error("NUMERIC NaN has no Decimal form".into())),
        _ => return Err(decode_error("NUMERIC infinity has no Decimal form".into())),
    }
    let mut digits = Vec::with_capacity(ndigits);
    for i in 0..ndigits {
        digits.push(be_u16(raw, 8 + 2 * i)?);
    }
    // Integer part: groups 0..=weight; fraction: the groups after.
    let mut s = String::with_capacity(ndigits * 4 + 4);
    if sign == 0x4000 {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    } else {
        for g in 0..=weight as usize {
            let d = digits.get(g).copied().unwrap_or(0);
            if g == 0 {
                s.push_str(&d.to_string());
            } else {
                s.push_str(&format!("{d:04}"));
            }
        }
    }
    if dscale > 0 {
        s.push('.');
        let mut frac = String::with_capacity(dscale + 4);
        let mut g = i32::from(weight) + 1;
        while frac.len() < dscale {
            let d = if g < 0 {
                0
            } else {
                digits.get(g as usize).copied().unwrap_or(0)
            };
            frac.push_str(&format!("{d:04}"));
            g += 1;
        }
        frac.truncate(dscale);
        s.push_str(&frac);
    }
    let mut exact = Decimal::from_str_exact(&s);
    // A scale wider than a Decimal holds may be only trailing zeros
    // (NUMERIC(38, 18) pads every value): the same number with fewer of them.
    let mut shorter = s.as_str();
    while exact.is_err() && shorter.contains('.') && shorter.ends_with('0') {
        shorter = shorter[..shorter.len() - 1].trim_end_matches('.');
        exact = Decimal::from_str_exact(shorter);
    }
    exact.map_err(|_| {
        decode_error(format!(
            "NUMERIC {s} has more digits than a Decimal holds (28 significant digits); \
             select CAST(column AS TEXT) to read it as text"
        ))
    })
}

/// INTERVAL in PostgreSQL's default output style (`IntervalStyle =
/// postgres`): `1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:03:00`.
fn interval(raw: &[u8]) -> Result<String, BoxError> {
    if raw.len() != 16 {
        return Err(decode_error("a malformed INTERVAL value".into()));
    }
    let micros = i64::from_be_bytes(raw[0..8].try_into()?);
    let days = i32::from_be_bytes(raw[8..12].try_into()?);
    let months = i32::from_be_bytes(raw[12..16].try_into()?);
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    for (value, unit) in [
        (i64::from(months / 12), "year"),
        (i64::from(months % 12), "mon"),
        (i64::from(days), "day"),
    ] {
        if value == 0 {
            continue;
        }
        if !is_zero {
            out.push(' ');
        }
        if is_before && value > 0 {
            out.push('+');
        }
        out.push_str(&format!(
            "{value} {unit}{}",
            if value != 1 { "s" } else { "" }
        ));
        // Each nonzero field decides the sign shown on the next one.
        is_before = value < 0;
        is_zero = false;
    }
    if is_zero || micros != 0 {
        let m = micros.unsigned_abs();
        let (secs, frac) = (m / 1_000_000, m % 1_000_000);
        let sign = if micros < 0 {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}{sign}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ));
        if frac != 0 {
            out.push('.');
            out.push_str(format!("{frac:06}").trim_end_matches('0'));
        }
    }
    Ok(out)
}

/// INET and CIDR: `192.168.0.1`, `10.0.0.0/8`, `::1/128` as PostgreSQL prints them.
fn inet(raw: &[u8]) -> Result<String, BoxError> {
    let bad = || decode_error("a malformed INET value".into());
    let (&family, rest) = raw.split_first().ok_or_else(bad)?;
    let (&bits, rest) = rest.split_first().ok_or_else(bad)?;
    let (&is_cidr, rest) = rest.split_first().ok_or_else(bad)?;
    let (&len, addr) = rest.split_first().ok_or_else(bad)?;
    let (ip, full): (std::net::IpAddr, u8) = match (family, len, addr.len()) {
        (2, 4, 4) => (<[u8; 4]>::try_from(addr)?.into(), 32),
        (3, 16, 16) => (<[u8; 16]>::try_from(addr)?.into(), 128),
        _ => return Err(bad()),
    };
    Ok(if bits == full && is_cidr == 0 {
        ip.to_string()
    } else {
        format!("{ip}/{bits}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(ndigits: &[u16], weight: i16, sign: u16, dscale: u16) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(ndigits.len() as u16).to_be_bytes());
        v.extend_from_slice(&weight.to_be_bytes());
        v.extend_from_slice(&sign.to_be_bytes());
        v.extend_from_slice(&dscale.to_be_bytes());
        for d in ndigits {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numeric_binary_decodes_exactly() {
        // 3950.123456: groups 3950 1234 5600, weight 0, dscale 6.
        let d = numeric(&numeric_bytes(&[3950, 1234, 5600], 0, 0, 6)).unwrap();
        assert_eq!(d.to_string(), "3950.123456");
        // -0.00012 = groups 1 2000 at weight -1 (0.0001 2000), dscale 5.
        let d = numeric(&numeric_bytes(&[1, 2000], -1, 0x4000, 5)).unwrap();
        assert_eq!(d.to_string(), "-0.00012");
        // 120000 = group 12 at weight 1, trailing group omitted.
        let d = numeric(&numeric_bytes(&[12], 1, 0, 0)).unwrap();
        assert_eq!(d.to_string(), "120000");
        // Zero with a scale: no groups.
        let d = numeric(&numeric_bytes(&[], 0, 0, 2)).unwrap();
        assert_eq!(d.to_string(), "0.00");
        assert!(numeric(&numeric_bytes(&[], 0, 0xC000, 0)).is_err());
        // i64::MAX in a NUMERIC(38, 18): 37 digits, 18 of them trailing zeros.
        let d = numeric(&numeric_bytes(&[922, 3372, 368, 5477, 5807], 4, 0, 18)).unwrap();
        assert_eq!(d, Decimal::from(i64::MAX));
        // 10^32 does not fit.
        let err = numeric(&numeric_bytes(&[1], 8, 0, 0)).unwrap_err();
        assert!(err.to_string().contains("28 significant digits"), "{err}");
    }

    #[test]
    fn intervals_print_as_postgres_does() {
        let iv = |micros: i64, days: i32, months: i32| {
            let mut v = micros.to_be_bytes().to_vec();
            v.extend_from_slice(&days.to_be_bytes());
            v.extend_from_slice(&months.to_be_bytes());
            interval(&v).unwrap()
        };
        assert_eq!(iv(0, 0, 0), "00:00:00");
        assert_eq!(
            iv(4 * 3_600_000_000 + 5 * 60_000_000 + 6_500_000, 3, 14),
            "1 year 2 mons 3 days 04:05:06.5"
        );
        assert_eq!(iv(-1_000_000, 1, 0), "1 day -00:00:01");
        assert_eq!(
            iv(2 * 3_600_000_000 + 180_000_000, -1, 0),
            "-1 days +02:03:00"
        );
        assert_eq!(iv(0, 0, -14), "-1 years -2 mons");
        assert_eq!(iv(100 * 3_600_000_000, 0, 0), "100:00:00");
    }
}
