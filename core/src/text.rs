//! [`text`]: literal SQL with named bind parameters (`:name`), usable as a
//! whole statement or as an expression.

use crate::expr::{Bind, Expr};
use crate::name::Name;
use crate::value::IntoValue;

/// One piece of a parsed text clause.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TextPart {
    /// SQL copied verbatim.
    Sql(String),
    /// A `:name` parameter.
    Param(Name),
}

/// SQL text with `:name` parameters, as SQLAlchemy's `text()`.
///
/// `::` (a PostgreSQL cast), `\:` (an escaped colon) and colons inside
/// quoted strings or identifiers are not parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextClause {
    pub(crate) parts: Vec<TextPart>,
    pub(crate) binds: Vec<(Name, Bind)>,
}

/// Parses `sql` into a text clause.
pub fn text(sql: &str) -> TextClause {
    TextClause {
        parts: parse(sql),
        binds: Vec::new(),
    }
}

fn parse(sql: &str) -> Vec<TextPart> {
    let mut parts = Vec::new();
    let mut buf = String::with_capacity(sql.len());
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            buf.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                buf.push(c);
                i += 1;
            }
            '\\' if chars.get(i + 1) == Some(&':') => {
                buf.push(':');
                i += 2;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                buf.push_str("::");
                i += 2;
            }
            ':' if chars
                .get(i + 1)
                .is_some_and(|n| n.is_alphabetic() || *n == '_')
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) =>
            {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                    end += 1;
                }
                if !buf.is_empty() {
                    parts.push(TextPart::Sql(std::mem::take(&mut buf)));
                }
                parts.push(TextPart::Param(Name::from(
                    chars[start..end].iter().collect::<String>(),
                )));
                i = end;
            }
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    if !buf.is_empty() {
        parts.push(TextPart::Sql(buf));
    }
    parts
}

impl TextClause {
    /// SQL text taken verbatim, without looking for `:name` parameters
    /// (for SQL a database reported, such as a reflected CHECK condition).
    pub fn verbatim(sql: impl Into<String>) -> TextClause {
        let sql = sql.into();
        TextClause {
            parts: if sql.is_empty() {
                Vec::new()
            } else {
                vec![TextPart::Sql(sql)]
            },
            binds: Vec::new(),
        }
    }

    /// The SQL text when the clause has no parameters, `None` otherwise.
    pub fn plain_sql(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TextPart::Sql(s) => out.push_str(s),
                TextPart::Param(_) => return None,
            }
        }
        Some(out)
    }

    /// Gives parameter `:name` a value (replacing an earlier one).
    pub fn bind(mut self, name: &str, value: impl IntoValue) -> Self {
        let v = Bind(value.into_value());
        match self.binds.iter_mut().find(|(n, _)| n.as_str() == name) {
            Some(slot) => slot.1 = v,
            None => self.binds.push((Name::from(name.to_string()), v)),
        }
        self
    }

    /// Uses the text as an expression (also available through [`IntoExpr`](crate::expr::IntoExpr)).
    pub fn into_expr(self) -> Expr {
        Expr::Text(Box::new(self))
    }

    /// The names of the parameters, in order of first appearance.
    pub fn param_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.parts {
            if let TextPart::Param(n) = p {
                if !out.contains(&n.as_str()) {
                    out.push(n.as_str());
                }
            }
        }
        out
    }
}

impl From<TextClause> for Expr {
    fn from(t: TextClause) -> Expr {
        t.into_expr()
    }
}

/// A text clause can stand wherever an expression can: `.where_(text("x > :n").bind("n", 1))`.
impl crate::expr::IntoExpr for TextClause {
    fn into_expr(self) -> Expr {
        TextClause::into_expr(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_params_but_not_casts_or_quoted_colons() {
        let t = text("SELECT a::text, ':x' FROM t WHERE id = :id AND b = :b_2 AND c = 'it''s :no'");
        assert_eq!(t.param_names(), vec!["id", "b_2"]);
    }

    #[test]
    fn verbatim_text_has_no_params() {
        let t = TextClause::verbatim("a = ':x' OR b = :y");
        assert!(t.param_names().is_empty());
        assert_eq!(t.plain_sql().as_deref(), Some("a = ':x' OR b = :y"));
        assert_eq!(text("x = :y").plain_sql(), None);
    }

    #[test]
    fn escaped_colon_is_literal() {
        let t = text(r"SELECT '10' \:x");
        assert!(t.param_names().is_empty());
    }
}
