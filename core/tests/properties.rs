//! Property tests of the compiler, over every shipped dialect:
//!
//! 1. random expression trees in random SELECT / INSERT / UPDATE / DELETE
//!    statements never make the compiler panic, and when they compile, the
//!    placeholders match the bound parameters one to one (and
//!    `compile_literal` output lexes cleanly);
//! 2. hostile strings used as values never reach the SQL text and come back
//!    unchanged as parameters;
//! 3. the same strings used as identifiers are quoted and escaped, and read
//!    back unchanged by a tokenizer;
//! 4. as literals (server defaults, CHECK conditions, comments, enum values,
//!    literal mode) they parse back to the original, and NUL is an error;
//! 5. `StatementCache` gives exactly what `compile` gives (also given the
//!    statement to keep: `compile_owned`), on misses, on hits
//!    with new values, and across different shapes;
//! 6. `text()` has one placeholder per `:name` outside quotes, and a missing
//!    bind is an error.
//!
//! The regression tests at the end pin the minimal cases these properties
//! found.

use aludel_core::select::IntoFrom;
use aludel_core::types::EnumType;
use aludel_core::{
    and, case, case_value, col, compile, compile_literal, create_table, delete, dialect_by_name,
    exists, func, insert, not, null, or, select, text, update, value, Alias, Column, Compiled, Cte,
    Ddl, Dialect, Error, Expr, ForeignKey, FrameBound, FromItem, Index, OnConflict, OrderBy,
    ParamStyle, Select, SqlType, Statement, StatementCache, Table, Value, Window,
};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select as pick;
use rust_decimal::Decimal;
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::OnceLock;

// Linking the dialect crates registers them.
use aludel_mysql as _;
use aludel_postgres as _;
use aludel_sqlite as _;

const DIALECT_NAMES: [&str; 4] = ["sqlite", "postgresql", "mysql", "mariadb"];

fn dialects() -> Vec<&'static dyn Dialect> {
    DIALECT_NAMES
        .iter()
        .map(|n| dialect_by_name(n).unwrap_or_else(|e| panic!("dialect {n}: {e}")))
        .collect()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES raises the count for a longer hunt.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every generated string value contains this marker, and no identifier,
/// keyword or function name does: finding it in SQL text means a value was
/// written into the text instead of being bound.
const MARK: &str = "⟦v4lue⟧";

// ----- a tokenizer for the compiled SQL ----------------------------------------

/// A token of compiled SQL.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A quoted identifier, unescaped.
    Ident(String),
    /// A bare word: keyword, unquoted identifier or number.
    Word(String),
    /// A string literal, unescaped.
    Str(String),
    /// `?` (`None`) or `$n`.
    Param(Option<u64>),
    /// Any other character the compiler writes.
    Punct(char),
}

/// How a dialect's SQL is tokenized, from its quote character, placeholder
/// style and string escaping.
struct Lexer {
    ident_quote: char,
    /// `"` quotes strings (MySQL), not identifiers.
    double_quote_string: bool,
    /// Backslash escapes inside string literals.
    backslash: bool,
    /// `#` starts a comment (MySQL).
    hash_comment: bool,
    dollar: bool,
}

impl Lexer {
    fn of(d: &dyn Dialect) -> Self {
        let q = d.identifier_quote();
        Lexer {
            ident_quote: q,
            double_quote_string: q != '"',
            backslash: d.capabilities().backslash_escapes,
            hash_comment: q == '`',
            dollar: d.param_style() == ParamStyle::Dollar,
        }
    }

    /// Splits `sql` into tokens; anything that would change how a database
    /// reads the text (a comment, a statement separator, an unterminated
    /// quote, a stray quote or placeholder character) is an error.
    fn lex(&self, sql: &str) -> Result<Vec<Tok>, String> {
        let cs: Vec<char> = sql.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            let next = cs.get(i + 1).copied();
            match c {
                ' ' | '\n' | '\t' => i += 1,
                '-' if next == Some('-') => return Err(format!("`--` starts a comment at {i}")),
                '/' if next == Some('*') => return Err(format!("`/*` starts a comment at {i}")),
                '#' if self.hash_comment => return Err(format!("`#` starts a comment at {i}")),
                c if c == self.ident_quote => {
                    let (s, end) = quoted(&cs, i, c, false)?;
                    out.push(Tok::Ident(s));
                    i = end;
                }
                '\'' => {
                    let (s, end) = quoted(&cs, i, c, self.backslash)?;
                    out.push(Tok::Str(s));
                    i = end;
                }
                '"' if self.double_quote_string => {
                    let (s, end) = quoted(&cs, i, c, self.backslash)?;
                    out.push(Tok::Str(s));
                    i = end;
                }
                '?' if !self.dollar => {
                    out.push(Tok::Param(None));
                    i += 1;
                }
                '$' if self.dollar && next.is_some_and(|n| n.is_ascii_digit()) => {
                    let mut j = i + 1;
                    let mut n: u64 = 0;
                    while let Some(d) = cs.get(j).and_then(|c| c.to_digit(10)) {
                        n = n * 10 + u64::from(d);
                        j += 1;
                    }
                    out.push(Tok::Param(Some(n)));
                    i = j;
                }
                c if c.is_ascii_alphanumeric() || c == '_' => {
                    let mut j = i;
                    while j < cs.len() && (cs[j].is_ascii_alphanumeric() || cs[j] == '_') {
                        j += 1;
                    }
                    out.push(Tok::Word(cs[i..j].iter().collect()));
                    i = j;
                }
                '(' | ')' | ',' | '.' | '=' | '<' | '>' | '+' | '-' | '*' | '/' | '%' | '|'
                | ':' | '[' | ']' => {
                    out.push(Tok::Punct(c));
                    i += 1;
                }
                other => return Err(format!("unexpected {other:?} outside quotes at {i}")),
            }
        }
        Ok(out)
    }
}

/// Reads the quoted token starting at `start` (the opening quote `q`);
/// returns its unescaped content and the index after the closing quote.
fn quoted(cs: &[char], start: usize, q: char, backslash: bool) -> Result<(String, usize), String> {
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match cs.get(i) {
            None => return Err(format!("quote {q} opened at {start} is not closed")),
            Some(&c) if c == q => {
                if cs.get(i + 1) == Some(&q) {
                    s.push(q);
                    i += 2;
                } else {
                    return Ok((s, i + 1));
                }
            }
            Some('\\') if backslash => match cs.get(i + 1) {
                Some('\\') => {
                    s.push('\\');
                    i += 2;
                }
                other => return Err(format!("unexpected escape \\{other:?} at {i}")),
            },
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

fn params_of(toks: &[Tok]) -> Vec<Option<u64>> {
    toks.iter()
        .filter_map(|t| match t {
            Tok::Param(p) => Some(*p),
            _ => None,
        })
        .collect()
}

/// The placeholders of `toks` match `n` parameters one to one: `n` times `?`,
/// or exactly `$1..$n` in order.
fn assert_placeholders(d: &dyn Dialect, toks: &[Tok], n: usize, sql: &str) {
    let found = params_of(toks);
    let expected: Vec<Option<u64>> = match d.param_style() {
        ParamStyle::Question => vec![None; n],
        ParamStyle::Dollar => (1..=n as u64).map(Some).collect(),
    };
    assert_eq!(
        found,
        expected,
        "{}: placeholders do not match {n} parameters in {sql}",
        d.name()
    );
}

/// The checks every successfully compiled statement passes: it lexes
/// cleanly, its placeholders match its parameters, and no value is in the text.
fn check_compiled(d: &dyn Dialect, c: &Compiled) -> Vec<Tok> {
    let toks = Lexer::of(d)
        .lex(&c.sql)
        .unwrap_or_else(|e| panic!("{}: {e} in {}", d.name(), c.sql));
    assert_placeholders(d, &toks, c.params.len(), &c.sql);
    assert!(
        !c.sql.contains(MARK),
        "{}: a value is in the SQL text: {}",
        d.name(),
        c.sql
    );
    toks
}

/// Output of `compile_literal`: lexes cleanly and has no placeholders.
fn check_literal(d: &dyn Dialect, sql: &str) -> Vec<Tok> {
    let toks = Lexer::of(d)
        .lex(sql)
        .unwrap_or_else(|e| panic!("{}: {e} in literal SQL {sql}", d.name()));
    assert!(
        params_of(&toks).is_empty(),
        "{}: placeholder in literal SQL {sql}",
        d.name()
    );
    toks
}

/// A result in a form that compares NaN equal to itself.
fn show(r: &Result<Compiled, Error>) -> String {
    format!("{r:?}")
}

// ----- generated strings and values ----------------------------------------------

const FRAGMENTS: &[&str] = &[
    "'",
    "\"",
    "`",
    "\\",
    "\0",
    "%",
    "_",
    ":name",
    ":a",
    "?",
    "$1",
    "$",
    "é",
    "日本",
    "😀",
    "\n",
    "\r\n",
    "\t",
    "; DROP TABLE users; --",
    "--",
    "/*",
    "*/",
    "''",
    "\\'",
    "#",
    "[",
    "]",
    " ",
    "::",
    ".",
    "Robert'); DROP TABLE students;--",
    "\u{202e}",
    "\u{feff}",
];

/// Strings made of quote characters, escapes, placeholders, comment starts,
/// unicode and plain text.
fn hostile() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            4 => pick(FRAGMENTS).prop_map(String::from),
            2 => "[a-zA-Z0-9 ]{1,4}",
            1 => any::<char>().prop_map(String::from),
        ],
        0..7,
    )
    .prop_map(|parts| parts.concat())
}

/// A hostile string that carries the value marker.
fn value_string() -> impl Strategy<Value = String> {
    (hostile(), hostile()).prop_map(|(a, b)| format!("{a}{MARK}{b}"))
}

/// A hostile name without `?` (so that `?` in SQL is only ever a placeholder).
fn name_no_q() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        hostile().prop_map(|s| s.replace('?', "¿")),
    ]
}

fn scalar_value() -> impl Strategy<Value = Value> {
    let date = (0i32..3_000_000)
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN));
    let time = (0u32..86_400, 0u32..1_000_000_000).prop_map(|(s, n)| {
        NaiveTime::from_num_seconds_from_midnight_opt(s, n).unwrap_or(NaiveTime::MIN)
    });
    let f64s = prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::NEG_INFINITY)];
    let tz = (date.clone(), time.clone())
        .prop_map(|(d, t)| Value::DateTimeTz(Utc.from_utc_datetime(&d.and_time(t))));
    let json = value_string()
        .prop_map(|s| Value::Json(Box::new(serde_json::json!({ "k": s, "n": [1, null] }))));
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i16>().prop_map(Value::I16),
        1 => any::<i32>().prop_map(Value::I32),
        2 => any::<i64>().prop_map(Value::I64),
        1 => any::<f32>().prop_map(Value::F32),
        1 => f64s.prop_map(Value::F64),
        1 => (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Value::Decimal(Decimal::new(m, s))),
        6 => value_string().prop_map(Value::from),
        1 => vec(any::<u8>(), 0..6).prop_map(Value::Bytes),
        1 => date.clone().prop_map(Value::Date),
        1 => time.clone().prop_map(Value::Time),
        1 => (date.clone(), time.clone()).prop_map(|(d, t)| Value::DateTime(d.and_time(t))),
        1 => tz,
        1 => any::<u128>().prop_map(|u| Value::Uuid(uuid::Uuid::from_u128(u))),
        1 => json,
    ]
}

/// Values of every kind, arrays included.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => scalar_value(),
        1 => vec(scalar_value(), 0..3).prop_map(Value::Array),
    ]
}

/// The value a statement of the same shape carries instead of `v`.
fn alt_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::from(format!("{s}~alt")),
        Value::I64(n) => Value::I64(n.wrapping_add(1)),
        Value::Null => Value::I32(7),
        _ => Value::from(format!("{MARK}alt")),
    }
}

// ----- fixtures --------------------------------------------------------------------

struct Fixture {
    users: Table,
    posts: Table,
}

fn fixture() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let users = Table::builder("users")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("name", SqlType::String(Some(50))))
            .column(Column::new("email", SqlType::Text))
            .column(Column::new("age", SqlType::Integer))
            .column(Column::new("score", SqlType::Double))
            .column(Column::new("active", SqlType::Boolean))
            .column(Column::new("created", SqlType::DateTime))
            .build()
            .expect("users");
        let posts = Table::builder("posts")
            .column(Column::new("id", SqlType::Integer).primary_key())
            .column(Column::new("user_id", SqlType::Integer).foreign_key("users.id"))
            .column(Column::new("title", SqlType::String(Some(200))))
            .column(Column::new("views", SqlType::BigInt))
            .build()
            .expect("posts");
        Fixture { users, posts }
    })
}

const USERS_COLS: &[&str] = &["id", "name", "email", "age", "score", "active", "created"];
const POSTS_COLS: &[&str] = &["id", "user_id", "title", "views"];
const RECENT_COLS: &[&str] = &["id", "user_id"];
const PS_COLS: &[&str] = &["user_id", "title"];

/// Where a generated column comes from: the two tables, an alias of users,
/// a CTE and a subquery alias (the last two carry a bound value each).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Src {
    Users,
    Posts,
    U2,
    Recent,
    Ps,
}

const ALL_SRCS: &[Src] = &[
    Src::Users,
    Src::Users,
    Src::Posts,
    Src::Posts,
    Src::U2,
    Src::Recent,
    Src::Ps,
];
const USERS_ONLY: &[Src] = &[Src::Users];
const USERS_POSTS: &[Src] = &[Src::Users, Src::Posts];

fn make_recent(v: Value) -> Cte {
    let p = &fixture().posts;
    select(vec![col_of(p, "id"), col_of(p, "user_id")])
        .where_(col_of(p, "views").gt(v))
        .cte("recent")
}

fn make_ps(v: Value) -> Alias {
    let p = &fixture().posts;
    select(vec![col_of(p, "user_id"), col_of(p, "title")])
        .where_(col_of(p, "title").ne(v))
        .subquery("ps")
}

fn col_of(t: &Table, name: &str) -> Expr {
    t.c(name)
        .unwrap_or_else(|e| panic!("fixture column {name}: {e}"))
}

// ----- generated expressions and statements ----------------------------------------

#[derive(Debug, Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
}

const OPS: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::Lt,
    Op::Le,
    Op::Gt,
    Op::Ge,
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Div,
    Op::Mod,
    Op::Concat,
];

#[derive(Debug, Clone, Copy)]
enum Fun {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Coalesce,
    Lower,
    Upper,
    Length,
    Abs,
    CountStar,
    Now,
}

const FUNS: &[Fun] = &[
    Fun::Count,
    Fun::Sum,
    Fun::Avg,
    Fun::Min,
    Fun::Max,
    Fun::Coalesce,
    Fun::Lower,
    Fun::Upper,
    Fun::Length,
    Fun::Abs,
    Fun::CountStar,
    Fun::Now,
];

#[derive(Debug, Clone, Copy)]
enum WinFun {
    RowNumber,
    Rank,
    DenseRank,
    Sum,
    Count,
}

const WIN_FUNS: &[WinFun] = &[
    WinFun::RowNumber,
    WinFun::Rank,
    WinFun::DenseRank,
    WinFun::Sum,
    WinFun::Count,
];

/// Wrappers that do not change what an expression means: a one-term AND or
/// OR, and a label inside an expression.
#[derive(Debug, Clone, Copy)]
enum Wrap {
    And1,
    Or1,
    Label,
}

/// LIKE ESCAPE characters (never `?`, which would count as a placeholder).
const ESCAPES: &[char] = &['/', '!', '~', '\\', '\'', '#', '^', '"', '`'];

/// Text clauses used as expressions, with the names they bind.
const TEXTS: &[&str] = &[
    "lower(:a)",
    "(:a || :b)",
    "coalesce(:a, :b, :a)",
    "':x'' :y' = :a",
    "CAST(:a AS TEXT)",
    ":a::text",
];

fn cast_types() -> Vec<SqlType> {
    vec![
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Boolean,
        SqlType::Float,
        SqlType::Double,
        SqlType::numeric(10, 2),
        SqlType::Numeric {
            precision: None,
            scale: None,
        },
        SqlType::String(Some(20)),
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
        SqlType::Custom("INTEGER".into()),
    ]
}

#[derive(Debug, Clone)]
struct Key {
    e: E,
    desc: bool,
    nulls: u8,
}

#[derive(Debug, Clone)]
struct Sub {
    col: E,
    from: Option<Src>,
    where_: Option<E>,
    limit: Option<u64>,
}

type Frame = (bool, FrameBound, FrameBound);

/// A generated expression; [`Build::e`] turns it into an [`Expr`].
#[derive(Debug, Clone)]
enum E {
    Col(Src, usize),
    Val(Value),
    Null,
    Bool(bool),
    Bin(Box<E>, Op, Box<E>),
    And(Vec<E>),
    Or(Vec<E>),
    Not(Box<E>),
    Neg(Box<E>),
    IsNull(Box<E>, bool),
    DistinctFrom(Box<E>, Box<E>, bool),
    In(Box<E>, Vec<E>, bool),
    InQuery(Box<E>, Box<Sub>, bool),
    Between(Box<E>, Box<E>, Box<E>, bool),
    /// 0 like, 1 not like, 2 ilike, 3 not ilike, 4.. like with an escape.
    Like(Box<E>, Box<E>, u8),
    /// 0 startswith, 1 endswith, 2 contains.
    Affix(Box<E>, u8, String),
    Case(Option<Box<E>>, Vec<(E, E)>, Option<Box<E>>),
    Cast(Box<E>, SqlType),
    Func(Fun, Vec<E>, bool),
    Window(WinFun, Option<Box<E>>, Vec<E>, Vec<Key>, Option<Frame>),
    Scalar(Box<Sub>),
    Exists(Box<Sub>),
    Label(Box<E>, String),
    Wrap(Wrap, Box<E>),
    Text(usize, Value, Value),
    Tuple(Vec<E>),
}

fn frame_bound() -> impl Strategy<Value = FrameBound> {
    prop_oneof![
        Just(FrameBound::UnboundedPreceding),
        (0u64..10).prop_map(FrameBound::Preceding),
        Just(FrameBound::CurrentRow),
        (0u64..10).prop_map(FrameBound::Following),
        Just(FrameBound::UnboundedFollowing),
    ]
}

fn ord_of(e: impl Strategy<Value = E>) -> impl Strategy<Value = Key> {
    (e, any::<bool>(), 0u8..3).prop_map(|(e, desc, nulls)| Key { e, desc, nulls })
}

fn sub_of(e: BoxedStrategy<E>) -> impl Strategy<Value = Sub> {
    (
        e.clone(),
        option::of(pick(ALL_SRCS)),
        option::of(e),
        option::weighted(0.2, 0u64..5),
    )
        .prop_map(|(col, from, where_, limit)| Sub {
            col,
            from,
            where_,
            limit,
        })
}

/// Expression trees whose columns come from `srcs` (subqueries may use any source).
fn expr(srcs: &'static [Src]) -> BoxedStrategy<E> {
    let leaf = prop_oneof![
        4 => (pick(srcs), 0usize..8).prop_map(|(s, i)| E::Col(s, i)),
        4 => any_value().prop_map(E::Val),
        1 => Just(E::Null),
        1 => any::<bool>().prop_map(E::Bool),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let b = || inner.clone().prop_map(Box::new);
        let list = || vec(inner.clone(), 0..4);
        prop_oneof![
            4 => (b(), pick(OPS), b()).prop_map(|(l, o, r)| E::Bin(l, o, r)),
            2 => list().prop_map(E::And),
            2 => list().prop_map(E::Or),
            1 => b().prop_map(E::Not),
            2 => b().prop_map(E::Neg),
            1 => (b(), any::<bool>()).prop_map(|(e, n)| E::IsNull(e, n)),
            1 => (b(), b(), any::<bool>()).prop_map(|(a, b, n)| E::DistinctFrom(a, b, n)),
            2 => (b(), list(), any::<bool>()).prop_map(|(e, l, n)| E::In(e, l, n)),
            1 => (b(), sub_of(inner.clone()).prop_map(Box::new), any::<bool>())
                .prop_map(|(e, q, n)| E::InQuery(e, q, n)),
            1 => (b(), b(), b(), any::<bool>()).prop_map(|(e, l, h, n)| E::Between(e, l, h, n)),
            2 => (b(), b(), 0u8..(4 + ESCAPES.len() as u8)).prop_map(|(e, p, k)| E::Like(e, p, k)),
            1 => (b(), 0u8..3, value_string()).prop_map(|(e, k, s)| E::Affix(e, k, s)),
            1 => (
                option::of(b()),
                vec((inner.clone(), inner.clone()), 1..3),
                option::of(b()),
            )
                .prop_map(|(o, w, e)| E::Case(o, w, e)),
            1 => (b(), pick(cast_types())).prop_map(|(e, t)| E::Cast(e, t)),
            2 => (pick(FUNS), vec(inner.clone(), 0..3), any::<bool>())
                .prop_map(|(f, a, d)| E::Func(f, a, d)),
            1 => (
                pick(WIN_FUNS),
                option::of(b()),
                vec(inner.clone(), 0..2),
                vec(ord_of(inner.clone()), 0..2),
                option::of((any::<bool>(), frame_bound(), frame_bound())),
            )
                .prop_map(|(f, a, p, o, fr)| E::Window(f, a, p, o, fr))
                .boxed(),
            1 => sub_of(inner.clone()).prop_map(|q| E::Scalar(Box::new(q))),
            1 => sub_of(inner.clone()).prop_map(|q| E::Exists(Box::new(q))),
            1 => (b(), name_no_q()).prop_map(|(e, n)| E::Label(e, n)),
            2 => (pick(vec![Wrap::And1, Wrap::Or1, Wrap::Label]), b())
                .prop_map(|(w, e)| E::Wrap(w, e)),
            1 => (0..TEXTS.len(), any_value(), any_value()).prop_map(|(k, a, b)| E::Text(k, a, b)),
            1 => vec(inner.clone(), 1..3).prop_map(E::Tuple),
        ]
    })
    .boxed()
}

type Join = (Src, u8, Option<E>);

/// Two SELECTs, the set operation between them, ORDER BY and LIMIT.
type Compound = (Sel, u8, Sel, Option<Key>, Option<u64>);

/// An upsert: its kind, assignments and WHERE.
type Conflict = (u8, Vec<(usize, E)>, Option<E>);

#[derive(Debug, Clone)]
struct Sel {
    cols: Vec<E>,
    from: Option<(Src, Option<Join>)>,
    where_: Option<E>,
    group_by: Vec<E>,
    having: Option<E>,
    order: Vec<Key>,
    limit: Option<u64>,
    offset: Option<u64>,
    /// 0 none, 1 DISTINCT, 2 DISTINCT ON the first column.
    distinct: u8,
    /// 0 none, 1 FOR UPDATE, 2 FOR SHARE, 3 NOWAIT, 4 SKIP LOCKED.
    lock: u8,
}

#[derive(Debug, Clone)]
enum St {
    Select(Sel),
    Compound(Box<Compound>),
    Insert {
        cols: Vec<usize>,
        rows: Vec<Vec<E>>,
        conflict: Option<Conflict>,
        returning: bool,
    },
    InsertSelect(Sel),
    Update {
        set: Vec<(usize, E)>,
        from_posts: bool,
        where_: Option<E>,
        returning: bool,
    },
    Delete {
        using_posts: bool,
        where_: Option<E>,
        returning: bool,
    },
}

/// A generated statement and the values of its CTE and subquery alias.
#[derive(Debug, Clone)]
struct Case {
    st: St,
    ctx: [Value; 2],
}

fn sel() -> BoxedStrategy<Sel> {
    let e = expr(ALL_SRCS);
    (
        vec(e.clone(), 1..4),
        option::weighted(
            0.3,
            (
                pick(ALL_SRCS),
                option::of((pick(ALL_SRCS), 0u8..5, option::of(e.clone()))),
            ),
        ),
        option::of(e.clone()),
        vec(e.clone(), 0..2),
        option::weighted(0.3, e.clone()),
        vec(ord_of(e), 0..3),
        option::weighted(0.3, 0u64..1000),
        option::weighted(0.2, 0u64..1000),
        (0u8..3, prop_oneof![4 => Just(0u8), 1 => 1u8..5]),
    )
        .prop_map(
            |(cols, from, where_, group_by, having, order, limit, offset, (distinct, lock))| Sel {
                cols,
                from,
                where_,
                group_by,
                having,
                order,
                limit,
                offset,
                distinct,
                lock,
            },
        )
        .boxed()
}

fn statement() -> BoxedStrategy<St> {
    let ue = expr(USERS_ONLY);
    let upe = expr(USERS_POSTS);
    let insert = (1usize..4)
        .prop_flat_map(move |n| {
            let ue = ue.clone();
            (
                vec(0usize..7, n),
                vec(vec(ue.clone(), n), 1..3),
                option::of((
                    0u8..4,
                    vec((0usize..7, ue.clone()), 1..3),
                    option::of(ue.clone()),
                )),
                any::<bool>(),
            )
                .prop_map(|(cols, rows, conflict, returning)| St::Insert {
                    cols,
                    rows,
                    conflict,
                    returning,
                })
        })
        .boxed();
    let upd = (
        vec((0usize..7, upe.clone()), 1..3),
        any::<bool>(),
        option::of(upe.clone()),
        any::<bool>(),
    )
        .prop_map(|(set, from_posts, where_, returning)| St::Update {
            set,
            from_posts,
            where_,
            returning,
        })
        .boxed();
    let del = (any::<bool>(), option::of(upe), any::<bool>())
        .prop_map(|(using_posts, where_, returning)| St::Delete {
            using_posts,
            where_,
            returning,
        })
        .boxed();
    prop_oneof![
        5 => sel().prop_map(St::Select),
        1 => (
            sel(),
            0u8..4,
            sel(),
            option::of(ord_of(expr(ALL_SRCS))),
            option::of(0u64..10),
        )
            .prop_map(|c| St::Compound(Box::new(c))),
        2 => insert,
        1 => sel().prop_map(St::InsertSelect),
        2 => upd,
        2 => del,
    ]
    .boxed()
}

fn case_strategy() -> BoxedStrategy<Case> {
    (statement(), any_value(), any_value())
        .prop_map(|(st, a, b)| Case { st, ctx: [a, b] })
        .boxed()
}

// ----- building -----------------------------------------------------------------------

/// Builds statements from generated trees.
struct Build<'a> {
    ctx: &'a [Value; 2],
    /// Carry the alternative value of every value (same shape, new values).
    alt: bool,
    /// Leave out the identity wrappers.
    strip: bool,
    /// Put an identity wrapper around every expression but keys.
    wrap_all: bool,
    wraps: Cell<u32>,
    /// One alias and CTE object per statement; otherwise a new one, with a
    /// new value, at every reference (same shape, unshared objects).
    shared: bool,
    fresh: Cell<u32>,
    u2: Alias,
    recent: Cte,
    ps: Alias,
}

impl<'a> Build<'a> {
    fn new(ctx: &'a [Value; 2]) -> Self {
        Build {
            ctx,
            alt: false,
            strip: false,
            wrap_all: false,
            wraps: Cell::new(0),
            shared: true,
            fresh: Cell::new(0),
            u2: fixture().users.alias("u2"),
            recent: make_recent(ctx[0].clone()),
            ps: make_ps(ctx[1].clone()),
        }
    }

    fn alt(mut self) -> Self {
        self.alt = true;
        self.recent = make_recent(alt_value(&self.ctx[0]));
        self.ps = make_ps(alt_value(&self.ctx[1]));
        self
    }

    fn strip(mut self) -> Self {
        self.strip = true;
        self
    }

    fn wrap_all(mut self) -> Self {
        self.wrap_all = true;
        self
    }

    fn unshared(mut self) -> Self {
        self.shared = false;
        self
    }

    fn v(&self, v: &Value) -> Value {
        if self.alt {
            alt_value(v)
        } else {
            v.clone()
        }
    }

    fn fresh_value(&self) -> Value {
        let k = self.fresh.get();
        self.fresh.set(k + 1);
        Value::from(format!("{MARK}{k}"))
    }

    fn u2(&self) -> Alias {
        if self.shared {
            self.u2.clone()
        } else {
            fixture().users.alias("u2")
        }
    }

    fn recent(&self) -> Cte {
        if self.shared {
            self.recent.clone()
        } else {
            make_recent(self.fresh_value())
        }
    }

    fn ps(&self) -> Alias {
        if self.shared {
            self.ps.clone()
        } else {
            make_ps(self.fresh_value())
        }
    }

    fn col(&self, s: Src, i: usize) -> Expr {
        let found = match s {
            Src::Users => fixture().users.c(USERS_COLS[i % USERS_COLS.len()]),
            Src::Posts => fixture().posts.c(POSTS_COLS[i % POSTS_COLS.len()]),
            Src::U2 => self.u2().c(USERS_COLS[i % USERS_COLS.len()]),
            Src::Recent => self.recent().c(RECENT_COLS[i % RECENT_COLS.len()]),
            Src::Ps => self.ps().c(PS_COLS[i % PS_COLS.len()]),
        };
        found.unwrap_or_else(|e| panic!("fixture column: {e}"))
    }

    fn source_item(&self, s: Src) -> FromItem {
        match s {
            Src::Users => (&fixture().users).into_from(),
            Src::Posts => (&fixture().posts).into_from(),
            Src::U2 => self.u2().into_from(),
            Src::Recent => self.recent().into_from(),
            Src::Ps => self.ps().into_from(),
        }
    }

    fn es(&self, v: &[E]) -> Vec<Expr> {
        v.iter().map(|x| self.e(x)).collect()
    }

    /// A select-list item, ORDER BY or GROUP BY key: a label there names the
    /// result column, so identity wrappers are left out.
    fn key(&self, e: &E) -> Expr {
        match e {
            E::Wrap(_, inner) => self.key(inner),
            other => self.e_unwrapped(other),
        }
    }

    fn ord(&self, o: &Key) -> OrderBy {
        let e = self.key(&o.e);
        let t = if o.desc { e.desc() } else { e.asc() };
        match o.nulls {
            1 => t.nulls_first(),
            2 => t.nulls_last(),
            _ => t,
        }
    }

    fn sub(&self, q: &Sub) -> Select {
        let mut s = select(vec![self.key(&q.col)]);
        if let Some(f) = q.from {
            s = s.from(self.source_item(f));
        }
        if let Some(w) = &q.where_ {
            s = s.where_(self.e(w));
        }
        if let Some(n) = q.limit {
            s = s.limit(n);
        }
        s
    }

    fn e(&self, e: &E) -> Expr {
        let x = self.e_unwrapped(e);
        if !self.wrap_all {
            return x;
        }
        let k = self.wraps.get();
        self.wraps.set(k + 1);
        match k % 3 {
            0 => and([x]),
            1 => or([x]),
            _ => x.label("w"),
        }
    }

    fn e_unwrapped(&self, e: &E) -> Expr {
        match e {
            E::Col(s, i) => self.col(*s, *i),
            E::Val(v) => value(self.v(v)),
            E::Null => null(),
            E::Bool(b) => Expr::Bool(*b),
            E::Bin(l, op, r) => {
                let (l, r) = (self.e(l), self.e(r));
                match op {
                    Op::Eq => l.eq(r),
                    Op::Ne => l.ne(r),
                    Op::Lt => l.lt(r),
                    Op::Le => l.le(r),
                    Op::Gt => l.gt(r),
                    Op::Ge => l.ge(r),
                    Op::Add => l + r,
                    Op::Sub => l - r,
                    Op::Mul => l * r,
                    Op::Div => l / r,
                    Op::Mod => l % r,
                    Op::Concat => l.concat(r),
                }
            }
            E::And(v) => and(self.es(v)),
            E::Or(v) => or(self.es(v)),
            E::Not(x) => not(self.e(x)),
            E::Neg(x) => -self.e(x),
            E::IsNull(x, true) => self.e(x).is_not_null(),
            E::IsNull(x, false) => self.e(x).is_null(),
            E::DistinctFrom(a, b, true) => self.e(a).is_not_distinct_from(self.e(b)),
            E::DistinctFrom(a, b, false) => self.e(a).is_distinct_from(self.e(b)),
            E::In(x, l, true) => self.e(x).not_in(self.es(l)),
            E::In(x, l, false) => self.e(x).in_(self.es(l)),
            E::InQuery(x, q, true) => self.e(x).not_in_query(self.sub(q)),
            E::InQuery(x, q, false) => self.e(x).in_query(self.sub(q)),
            E::Between(x, l, h, true) => self.e(x).not_between(self.e(l), self.e(h)),
            E::Between(x, l, h, false) => self.e(x).between(self.e(l), self.e(h)),
            E::Like(x, p, k) => {
                let (x, p) = (self.e(x), self.e(p));
                match k {
                    0 => x.like(p),
                    1 => x.not_like(p),
                    2 => x.ilike(p),
                    3 => x.not_ilike(p),
                    k => x.like_escape(p, ESCAPES[usize::from(k - 4) % ESCAPES.len()]),
                }
            }
            E::Affix(x, k, s) => {
                let s = if self.alt {
                    format!("{s}~alt")
                } else {
                    s.clone()
                };
                let x = self.e(x);
                match k {
                    0 => x.startswith(&s),
                    1 => x.endswith(&s),
                    _ => x.contains(&s),
                }
            }
            E::Case(operand, whens, else_) => {
                let whens: Vec<(Expr, Expr)> =
                    whens.iter().map(|(w, t)| (self.e(w), self.e(t))).collect();
                let b = match operand {
                    Some(o) => case_value(self.e(o), whens),
                    None => case(whens),
                };
                match else_ {
                    Some(x) => b.else_(self.e(x)),
                    None => b.end(),
                }
            }
            E::Cast(x, ty) => self.e(x).cast(ty.clone()),
            E::Func(f, args, distinct) => {
                let a = |i: usize| args.get(i).map(|x| self.e(x)).unwrap_or_else(null);
                let r = match f {
                    Fun::Count => func::count(a(0)),
                    Fun::Sum => func::sum(a(0)),
                    Fun::Avg => func::avg(a(0)),
                    Fun::Min => func::min(a(0)),
                    Fun::Max => func::max(a(0)),
                    Fun::Coalesce => func::coalesce(self.es(args)),
                    Fun::Lower => func::lower(a(0)),
                    Fun::Upper => func::upper(a(0)),
                    Fun::Length => func::length(a(0)),
                    Fun::Abs => func::call("abs", self.es(args)),
                    Fun::CountStar => func::count_star(),
                    Fun::Now => func::current_timestamp(),
                };
                if *distinct {
                    r.distinct()
                } else {
                    r
                }
            }
            E::Window(f, arg, partition, order, frame) => {
                let arg = arg.as_ref().map(|x| self.e(x)).unwrap_or_else(null);
                let f = match f {
                    WinFun::RowNumber => func::row_number(),
                    WinFun::Rank => func::rank(),
                    WinFun::DenseRank => func::dense_rank(),
                    WinFun::Sum => func::sum(arg),
                    WinFun::Count => func::count(arg),
                };
                let mut w = Window::new().partition_by(self.es(partition));
                for o in order {
                    w = w.order_by(self.ord(o));
                }
                if let Some((rows, a, b)) = frame {
                    w = if *rows {
                        w.rows(*a, *b)
                    } else {
                        w.range(*a, *b)
                    };
                }
                f.over(w)
            }
            E::Scalar(q) => self.sub(q).scalar_subquery(),
            E::Exists(q) => exists(self.sub(q)),
            E::Label(x, n) => self.e(x).label(n.clone()),
            E::Wrap(w, x) => {
                let inner = self.e(x);
                match (self.strip, w) {
                    (true, _) => inner,
                    (false, Wrap::And1) => and([inner]),
                    (false, Wrap::Or1) => or([inner]),
                    (false, Wrap::Label) => inner.label("wrapped"),
                }
            }
            E::Text(k, a, b) => {
                let t = text(TEXTS[*k]).bind("a", self.v(a));
                let t = if TEXTS[*k].contains(":b") {
                    t.bind("b", self.v(b))
                } else {
                    t
                };
                t.into_expr()
            }
            E::Tuple(v) => Expr::Tuple(self.es(v)),
        }
    }

    fn select(&self, s: &Sel) -> Select {
        let mut q = select(s.cols.iter().map(|c| self.key(c)).collect::<Vec<_>>());
        if let Some((base, join)) = &s.from {
            q = q.from(self.source_item(*base));
            if let Some((right, kind, on)) = join {
                let r = self.source_item(*right);
                let on = on.as_ref().map_or(Expr::Bool(true), |o| self.e(o));
                q = match kind {
                    0 => q.join(r, on),
                    1 => q.outer_join(r, on),
                    2 => q.join_auto(r),
                    3 => q.full_join(r, on),
                    _ => q.cross_join(r),
                };
            }
        }
        q = match (s.distinct, s.cols.first()) {
            (1, _) => q.distinct(),
            (2, Some(c)) => q.distinct_on([self.key(c)]),
            _ => q,
        };
        q = match s.lock {
            1 => q.for_update(),
            2 => q.for_share(),
            3 => q.for_update().nowait(),
            4 => q.for_share().skip_locked(),
            _ => q,
        };
        if let Some(w) = &s.where_ {
            q = q.where_(self.e(w));
        }
        if !s.group_by.is_empty() {
            q = q.group_by(s.group_by.iter().map(|g| self.key(g)).collect::<Vec<_>>());
        }
        if let Some(h) = &s.having {
            q = q.having(self.e(h));
        }
        for o in &s.order {
            q = q.order_by(self.ord(o));
        }
        if let Some(n) = s.limit {
            q = q.limit(n);
        }
        if let Some(n) = s.offset {
            q = q.offset(n);
        }
        q
    }

    fn statement(&self, st: &St) -> Statement {
        let users = &fixture().users;
        let ucol = |i: &usize| USERS_COLS[i % USERS_COLS.len()];
        match st {
            St::Select(s) => self.select(s).into(),
            St::Compound(c) => {
                let (a, op, b, order, limit) = &**c;
                let (a, b) = (self.select(a), self.select(b));
                let mut q = match op {
                    0 => a.union(b),
                    1 => a.union_all(b),
                    2 => a.intersect(b),
                    _ => a.except(b),
                };
                if let Some(o) = order {
                    q = q.order_by(self.ord(o));
                }
                if let Some(n) = limit {
                    q = q.limit(*n);
                }
                q.into()
            }
            St::Insert {
                cols,
                rows,
                conflict,
                returning,
            } => {
                let mut ins = insert(users)
                    .columns(cols.iter().map(ucol).collect::<Vec<_>>())
                    .rows(rows.iter().map(|r| self.es(r)).collect::<Vec<_>>());
                if let Some((kind, set, where_)) = conflict {
                    let oc = match kind {
                        0 => OnConflict::columns(["id"]).do_nothing(),
                        1 => OnConflict::columns(["id"]).update_columns(["name", "email"]),
                        2 => OnConflict::columns(Vec::<&str>::new()).do_nothing(),
                        _ => OnConflict::columns(["id"])
                            .do_update(set.iter().map(|(i, e)| (ucol(i), self.e(e)))),
                    };
                    let oc = match where_ {
                        Some(w) => oc.where_(self.e(w)),
                        None => oc,
                    };
                    ins = ins.on_conflict(oc);
                }
                if *returning {
                    ins = ins.returning(vec![col_of(users, "id")]);
                }
                ins.into()
            }
            St::InsertSelect(s) => {
                let q = self.select(s);
                let n = q.columns().len().min(USERS_COLS.len());
                insert(users)
                    .columns(USERS_COLS[..n].to_vec())
                    .from_query(q)
                    .into()
            }
            St::Update {
                set,
                from_posts,
                where_,
                returning,
            } => {
                let mut u = update(users);
                for (i, e) in set {
                    u = u.set(ucol(i), self.e(e));
                }
                if *from_posts {
                    u = u.from(&fixture().posts);
                }
                if let Some(w) = where_ {
                    u = u.where_(self.e(w));
                }
                if *returning {
                    u = u.returning(users);
                }
                u.into()
            }
            St::Delete {
                using_posts,
                where_,
                returning,
            } => {
                let mut d = delete(users);
                if *using_posts {
                    d = d.using(&fixture().posts);
                }
                if let Some(w) = where_ {
                    d = d.where_(self.e(w));
                }
                if *returning {
                    d = d.returning(vec![col_of(users, "id"), col_of(users, "name")]);
                }
                d.into()
            }
        }
    }
}

// ----- 1. no panics; placeholders match parameters -----------------------------------

fn statements_compile_and_placeholders_match(case: Case) -> Result<(), TestCaseError> {
    let stmt = Build::new(&case.ctx).statement(&case.st);
    for d in dialects() {
        if let Ok(c) = compile(&stmt, d) {
            check_compiled(d, &c);
        }
        if let Ok(sql) = compile_literal(&stmt, d) {
            check_literal(d, &sql);
        }
    }
    Ok(())
}

/// A one-term AND or OR, or a label, inside an expression renders as
/// the expression itself: the SQL is the same with them around every
/// subexpression and without them.
fn wrappers_are_transparent(e: E, ctx: (Value, Value)) -> Result<(), TestCaseError> {
    let ctx = [ctx.0, ctx.1];
    let users = &fixture().users;
    let build = |b: Build| Statement::from(select(vec![col_of(users, "id")]).where_(b.e(&e)));
    let with = build(Build::new(&ctx).wrap_all());
    let without = build(Build::new(&ctx).strip());
    for d in dialects() {
        prop_assert_eq!(
            show(&compile(&with, d)),
            show(&compile(&without, d)),
            "{}",
            d.name()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_statements_compile_without_panics_and_placeholders_match(case in case_strategy()) {
        statements_compile_and_placeholders_match(case)?;
    }

    #[test]
    fn identity_wrappers_do_not_change_the_sql(
        e in expr(ALL_SRCS),
        ctx in (any_value(), any_value()),
    ) {
        wrappers_are_transparent(e, ctx)?;
    }
}

// ----- 2. hostile strings as values ------------------------------------------------

fn values_are_bound(s: Vec<String>) -> Result<(), TestCaseError> {
    let fx = fixture();
    let (u, p) = (&fx.users, &fx.posts);
    let c = |t: &Table, n: &str| col_of(t, n);
    let stmts: Vec<Statement> = vec![
        select(vec![c(u, "id"), value(s[0].as_str()).label("v")])
            .where_(c(u, "name").eq(s[1].as_str()))
            .where_(c(u, "email").in_([s[2].as_str(), s[0].as_str()]))
            .order_by(c(u, "name").concat(s[2].as_str()).desc().nulls_last())
            .into(),
        select(vec![case([(
            c(u, "name").like(s[0].as_str()),
            value(s[1].as_str()),
        )])
        .else_(s[2].as_str())])
        .where_(exists(
            select(vec![c(p, "id")]).where_(c(p, "title").ilike(s[0].as_str())),
        ))
        .into(),
        insert(u)
            .value("name", s[0].as_str())
            .value("email", s[1].as_str())
            .into(),
        insert(u)
            .columns(["name", "email"])
            .row([s[0].as_str(), s[1].as_str()])
            .row([s[2].as_str(), s[0].as_str()])
            .on_conflict(OnConflict::columns(["id"]).do_update([("name", s[2].as_str())]))
            .into(),
        update(u)
            .set("name", s[0].as_str())
            .where_(c(u, "email").not_like(s[1].as_str()))
            .into(),
        delete(u)
            .where_(c(u, "name").is_distinct_from(s[2].as_str()))
            .into(),
        text("SELECT :a, ':a', :b::text WHERE x = :c")
            .bind("a", s[0].as_str())
            .bind("b", s[1].as_str())
            .bind("c", s[2].as_str())
            .into(),
    ];
    for d in dialects() {
        let cache = StatementCache::new(d);
        for stmt in &stmts {
            let r = compile(stmt, d);
            prop_assert_eq!(show(&r), show(&cache.compile(stmt)), "{}: cache", d.name());
            let compiled = match r {
                Ok(c) => c,
                // An upsert with a WHERE, RETURNING, ... are errors on
                // some dialects; no value is involved.
                Err(Error::Unsupported { .. }) => continue,
                Err(e) => panic!("{}: {e}", d.name()),
            };
            check_compiled(d, &compiled);
            for v in &s {
                prop_assert!(!compiled.sql.contains(v.as_str()));
            }
            // Every string bound comes back unchanged, in a parameter of its own.
            let params: Vec<&str> = compiled
                .params
                .iter()
                .map(|p| match p {
                    Value::String(x) => x.as_str(),
                    other => panic!("{}: unexpected parameter {other:?}", d.name()),
                })
                .collect();
            for p in &params {
                prop_assert!(
                    s.iter().any(|v| v == p),
                    "{}: parameter {:?} was altered",
                    d.name(),
                    p
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hostile_values_are_bound_and_returned_unchanged(s in vec(value_string(), 3)) {
        values_are_bound(s)?;
    }
}

// ----- 3. hostile strings as identifiers ----------------------------------------------

/// Tokens of a successful compilation, after the common checks.
fn lex_ok(d: &dyn Dialect, r: Result<Compiled, Error>) -> Option<(Compiled, Vec<Tok>)> {
    let c = r.ok()?;
    let toks = Lexer::of(d)
        .lex(&c.sql)
        .unwrap_or_else(|e| panic!("{}: {e} in {}", d.name(), c.sql));
    assert_placeholders(d, &toks, c.params.len(), &c.sql);
    Some((c, toks))
}

fn identifiers_are_quoted(raw: Vec<String>) -> Result<(), TestCaseError> {
    // `#` and a number make every name distinct and in need of quoting.
    let n: Vec<String> = raw
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{s}#{i}"))
        .collect();
    let name = |i: usize| n[i].clone();
    let check_name: &'static str = Box::leak(name(5).into_boxed_str());
    let mood_type = EnumType {
        name: name(12).into(),
        values: vec!["a".into(), "b".into()],
    };
    let mood = SqlType::Enum(mood_type.clone());
    let t = Table::builder(name(0))
        .schema(name(1))
        .column(Column::new(name(2), SqlType::Integer).primary_key())
        .column(Column::new(name(3), SqlType::Text).server_default("x"))
        .column(Column::new(name(4), SqlType::Integer))
        .column(Column::new(name(13), mood.clone()))
        .foreign_key(
            ForeignKey::new([name(4)], name(0), [name(2)])
                .name(name(8))
                .ref_schema(name(1)),
        )
        .check(Some(check_name), col(name(3)).ne("v"))
        .index(Index::new([name(3)]).name(name(6)))
        .unique_named(name(7), [name(4)])
        .build();
    let t = match t {
        Ok(t) => t,
        Err(e) => panic!("hostile table: {e}"),
    };
    let c = |i: usize| col_of(&t, &n[i]);
    let a = t.alias(name(10));
    let ac = |i: usize| a.c(&n[i]).unwrap_or_else(|e| panic!("{e}"));
    let cte = select(vec![c(2), c(3).label(name(9))])
        .where_(c(4).gt(1))
        .cte(name(11));
    let cc = |s: &str| cte.c(s).unwrap_or_else(|e| panic!("{e}"));
    let label = c(3).concat("x").label(name(9));
    // Each statement with the names it must show, and those it shows
    // only where enums are named types.
    let t2 = Table::builder(name(14))
        .column(Column::new(name(2), SqlType::Array(Box::new(mood.clone()))))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let stmts: Vec<(Statement, Vec<usize>)> = vec![
        (create_table(&t).into(), vec![0, 1, 2, 3, 4, 5, 7, 8, 13]),
        (create_table(&t2).into(), vec![2, 14]),
        (Ddl::CreateEnum(mood_type.clone()).into(), vec![]),
        (
            select(vec![
                c(13).cast(mood.clone()),
                c(2).cast(SqlType::Array(Box::new(mood.clone()))),
            ])
            .into(),
            vec![0, 1, 2, 13],
        ),
        (
            aludel_core::create_index(&t, name(6)).into(),
            vec![0, 1, 3, 6],
        ),
        (aludel_core::drop_table(&t).into(), vec![0, 1]),
        (
            select(vec![c(2), label.clone(), ac(4), cc(&n[9])])
                .where_(c(2).eq(ac(2)).and(cc(&n[2]).is_not_null()))
                .group_by([label.clone()])
                .order_by(label.desc().nulls_first())
                .into(),
            vec![0, 1, 2, 3, 4, 9, 10, 11],
        ),
        (
            select(vec![aludel_core::Expr::Star(Some(
                aludel_core::expr::Source::Alias(a.clone()),
            ))])
            .from(&a)
            .join_auto(&t)
            .into(),
            vec![0, 1, 2, 4, 10],
        ),
        (
            insert(&t)
                .value(name(3), "v")
                .value(name(4), 1)
                .on_conflict(OnConflict::columns([name(2)]).update_columns([name(3)]))
                .returning(vec![c(2)])
                .into(),
            vec![0, 1, 2, 3],
        ),
        (
            update(&t)
                .set(name(3), "v")
                .where_(c(2).eq(1))
                .returning(vec![c(3)])
                .into(),
            vec![0, 1, 2, 3],
        ),
        (delete(&t).where_(c(4).in_([1, 2])).into(), vec![0, 1, 4]),
    ];
    for d in dialects() {
        for (k, (stmt, expected)) in stmts.iter().enumerate() {
            let Some((compiled, toks)) = lex_ok(d, compile(stmt, d)) else {
                continue;
            };
            let idents: HashSet<String> = toks
                .iter()
                .filter_map(|t| match t {
                    Tok::Ident(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            let mut expected = expected.clone();
            // The enum type's name, where enums are named types.
            if k < 4 && d.capabilities().enums == aludel_core::dialect::EnumStyle::NamedType {
                expected.push(12);
            }
            for i in &expected {
                prop_assert!(
                    idents.contains(&n[*i]),
                    "{}: name {:?} not found in {}",
                    d.name(),
                    n[*i],
                    compiled.sql
                );
            }
            for id in &idents {
                prop_assert!(
                    n.contains(id),
                    "{}: identifier {:?} is not one of the names, in {}",
                    d.name(),
                    id,
                    compiled.sql
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hostile_identifiers_are_quoted_and_read_back(raw in vec(hostile(), 15)) {
        // No database accepts NUL in a name, and schema metadata rejects it
        // (`empty_or_nul_names_are_schema_errors`); every other character
        // must survive quoting.
        let raw = raw.into_iter().map(|s| s.replace('\0', "~")).collect();
        identifiers_are_quoted(raw)?;
    }
}

// ----- 4. hostile strings as literals -------------------------------------------------

fn strings_of(toks: &[Tok]) -> Vec<&str> {
    toks.iter()
        .filter_map(|t| match t {
            Tok::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

fn literals_parse_back(s: String) -> Result<(), TestCaseError> {
    let t = Table::builder("lit")
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(
            Column::new("c", SqlType::Text)
                .server_default(s.as_str())
                .comment(s.as_str()),
        )
        .column(Column::new(
            "e",
            SqlType::Enum(EnumType {
                name: "feeling".into(),
                values: vec![s.clone().into()],
            }),
        ))
        .check(Some("ck"), col("c").ne(s.as_str()))
        .comment(s.as_str())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let users = &fixture().users;
    let enum_type = EnumType {
        name: "feeling".into(),
        values: vec![s.clone().into()],
    };
    let stmts: Vec<Statement> = vec![
        create_table(&t).into(),
        Ddl::CreateEnum(enum_type).into(),
        Ddl::CommentOnTable(t.clone()).into(),
        Ddl::CommentOnColumn {
            table: t.clone(),
            column: "c".into(),
        }
        .into(),
    ];
    let literal: Statement = select(vec![col_of(users, "id")])
        .where_(
            col_of(users, "name")
                .eq(s.as_str())
                .or(col_of(users, "email").in_([s.as_str()])),
        )
        .into();
    for d in dialects() {
        for stmt in &stmts {
            let r = compile(stmt, d);
            if s.contains('\0') {
                prop_assert!(r.is_err(), "{}: NUL rendered as SQL: {:?}", d.name(), r);
                continue;
            }
            let compiled = match r {
                Ok(c) => c,
                Err(Error::Unsupported { .. }) => continue,
                Err(e) => panic!("{}: {e}", d.name()),
            };
            prop_assert!(compiled.params.is_empty());
            let toks = check_literal(d, &compiled.sql);
            let strings = strings_of(&toks);
            prop_assert!(
                !strings.is_empty(),
                "{}: no literal in {}",
                d.name(),
                compiled.sql
            );
            for lit in strings {
                prop_assert_eq!(lit, s.as_str(), "{}: in {}", d.name(), compiled.sql);
            }
        }
        match compile_literal(&literal, d) {
            Ok(sql) => {
                prop_assert!(
                    !s.contains('\0'),
                    "{}: NUL rendered as SQL: {}",
                    d.name(),
                    sql
                );
                let toks = check_literal(d, &sql);
                prop_assert_eq!(
                    strings_of(&toks),
                    vec![s.as_str(), s.as_str()],
                    "{}: in {}",
                    d.name(),
                    sql
                );
            }
            Err(e) => prop_assert!(s.contains('\0'), "{}: {}", d.name(), e),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hostile_literals_parse_back_and_nul_is_an_error(s in hostile()) {
        literals_parse_back(s)?;
    }
}

// ----- 5. the statement cache ----------------------------------------------------------

fn cache_matches_compile(case: Case, other: Case) -> Result<(), TestCaseError> {
    let a = Build::new(&case.ctx).statement(&case.st);
    // The same shape with other values, and with unshared aliases and CTEs.
    let b = Build::new(&case.ctx).alt().statement(&case.st);
    let b2 = Build::new(&case.ctx).unshared().statement(&case.st);
    let c = Build::new(&other.ctx).statement(&other.st);
    prop_assert!(a == b && a == b2, "the builder changed the shape");
    for d in dialects() {
        let direct_a = compile(&a, d);
        let direct_b = compile(&b, d);
        if let (Ok(x), Ok(y)) = (&direct_a, &direct_b) {
            prop_assert_eq!(
                &x.sql,
                &y.sql,
                "{}: statements of one shape compile to different SQL",
                d.name()
            );
        }
        let direct = [
            show(&direct_a),
            show(&direct_b),
            show(&compile(&b2, d)),
            show(&compile(&c, d)),
        ];
        let steps = [
            ("miss", 0),
            ("hit", 1),
            ("hit, unshared", 2),
            ("other shape", 3),
            ("again", 0),
            ("other again", 3),
            ("hit again", 1),
        ];
        let stmts = [&a, &b, &b2, &c];
        // A cache that starts over at every new shape, too.
        for cache in [StatementCache::new(d), StatementCache::with_capacity(d, 1)] {
            for (what, i) in steps {
                prop_assert_eq!(
                    &show(&cache.compile(stmts[i])),
                    &direct[i],
                    "{}: {}",
                    d.name(),
                    what
                );
                prop_assert_eq!(
                    &show(&cache.compile_owned(stmts[i].clone())),
                    &direct[i],
                    "{}: {}, given away",
                    d.name(),
                    what
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cache_gives_what_compile_gives(case in case_strategy(), other in case_strategy()) {
        cache_matches_compile(case, other)?;
    }
}

// ----- 6. text() -------------------------------------------------------------------------

/// A piece of generated SQL text.
#[derive(Debug, Clone)]
enum Piece {
    Word(String),
    Bind(usize),
    /// `:name::type`
    BindCast(usize, String),
    /// `x::type`
    Cast(String),
    /// `'...'` with `:name`, `::` and doubled quotes inside.
    Single(String),
    /// `"..."`
    Double(String),
    /// `\:word`
    EscapedColon(String),
    Punct(&'static str),
}

fn quoted_content(q: char) -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            Just(":name".to_string()),
            Just(":a".to_string()),
            Just("::".to_string()),
            Just(format!("{q}{q}")),
            "[a-zA-Z0-9 _.,;()é]{1,5}",
        ],
        0..4,
    )
    .prop_map(|v| v.concat())
}

/// Bind names: ASCII identifiers and a few non-ASCII ones.
const BIND_NAMES: &[&str] = &["a", "id", "_x", "user_id", "b2", "名前", "été", "A_B"];

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        3 => "[A-Za-z_][A-Za-z0-9_]{0,5}".prop_map(Piece::Word),
        3 => (0..BIND_NAMES.len()).prop_map(Piece::Bind),
        1 => (0..BIND_NAMES.len(), "[a-z]{2,5}").prop_map(|(i, t)| Piece::BindCast(i, t)),
        1 => "[a-z]{1,4}".prop_map(Piece::Cast),
        2 => quoted_content('\'').prop_map(Piece::Single),
        1 => quoted_content('"').prop_map(Piece::Double),
        1 => "[a-z]{1,4}".prop_map(Piece::EscapedColon),
        2 => pick(vec!["(", ")", ",", "=", "+", "||", "<>", "*"]).prop_map(Piece::Punct),
    ]
}

/// The text of `pieces` and the bind names in order of appearance.
fn render_text(pieces: &[Piece]) -> (String, Vec<&'static str>) {
    let mut sql = Vec::new();
    let mut binds = Vec::new();
    for p in pieces {
        sql.push(match p {
            Piece::Word(w) => w.clone(),
            Piece::Bind(i) => {
                binds.push(BIND_NAMES[*i]);
                format!(":{}", BIND_NAMES[*i])
            }
            Piece::BindCast(i, t) => {
                binds.push(BIND_NAMES[*i]);
                format!(":{}::{t}", BIND_NAMES[*i])
            }
            Piece::Cast(t) => format!("x::{t}"),
            Piece::Single(s) => format!("'{s}'"),
            Piece::Double(s) => format!("\"{s}\""),
            Piece::EscapedColon(w) => format!("\\:{w}"),
            Piece::Punct(p) => p.to_string(),
        });
    }
    (sql.join(" "), binds)
}

/// The placeholders in `sql` (which holds no `?` or `$` of its own).
fn placeholder_count(d: &dyn Dialect, sql: &str) -> usize {
    match d.param_style() {
        ParamStyle::Question => sql.matches('?').count(),
        ParamStyle::Dollar => {
            let mut expected = 1;
            let mut rest = sql;
            while let Some(i) = rest.find('$') {
                let digits: String = rest[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                assert_eq!(
                    digits,
                    expected.to_string(),
                    "placeholders out of order in {sql}"
                );
                expected += 1;
                rest = &rest[i + 1..];
            }
            expected - 1
        }
    }
}

fn text_placeholders_match_binds(
    pieces: Vec<Piece>,
    values: Vec<Value>,
    drop: prop::sample::Index,
) -> Result<(), TestCaseError> {
    let (sql, binds) = render_text(&pieces);
    let t = text(&sql);
    let bound = BIND_NAMES
        .iter()
        .zip(&values)
        .fold(t.clone(), |t, (n, v)| t.bind(n, v.clone()));
    let users = &fixture().users;
    for d in dialects() {
        let cache = StatementCache::new(d);
        let stmt: Statement = bound.clone().into();
        let compiled = compile(&stmt, d).unwrap_or_else(|e| panic!("{}: {e} for {sql}", d.name()));
        prop_assert_eq!(show(&cache.compile(&stmt)), show(&Ok(compiled.clone())));
        prop_assert_eq!(
            placeholder_count(d, &compiled.sql),
            binds.len(),
            "{}: {}",
            d.name(),
            compiled.sql
        );
        let expected: Vec<String> = binds
            .iter()
            .map(|b| {
                format!(
                    "{:?}",
                    values[BIND_NAMES.iter().position(|n| n == b).unwrap_or(0)]
                )
            })
            .collect();
        let found: Vec<String> = compiled.params.iter().map(|p| format!("{p:?}")).collect();
        prop_assert_eq!(found, expected);

        // As an expression.
        let q: Statement = select(vec![col_of(users, "id")])
            .where_(bound.clone().into_expr())
            .into();
        let compiled = compile(&q, d).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
        prop_assert_eq!(compiled.params.len(), binds.len());

        // Leaving one used name unbound is an error, never a panic.
        if !binds.is_empty() {
            let missing = binds[drop.index(binds.len())];
            let partial = BIND_NAMES
                .iter()
                .zip(&values)
                .filter(|(n, _)| **n != missing)
                .fold(t.clone(), |t, (n, v)| t.bind(n, v.clone()));
            let stmt: Statement = partial.into();
            match compile(&stmt, d) {
                Err(Error::MissingBind { name }) => prop_assert_eq!(name, missing),
                other => panic!("{}: expected a missing bind, got {other:?}", d.name()),
            }
            let cached_missing = matches!(cache.compile(&stmt), Err(Error::MissingBind { .. }));
            prop_assert!(
                cached_missing,
                "{}: the cache did not report the missing bind",
                d.name()
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn text_has_one_placeholder_per_bind_and_missing_binds_are_errors(
        pieces in vec(piece(), 0..12),
        values in vec(any_value(), BIND_NAMES.len()),
        drop in any::<prop::sample::Index>(),
    ) {
        text_placeholders_match_binds(pieces, values, drop)?;
    }
}

// ----- regressions and the tokenizer itself ---------------------------------------------

/// `-x` of a negative literal was `--5`, which comments out the rest of the line.
#[test]
fn minus_before_a_negative_literal_is_not_a_comment() {
    let users = &fixture().users;
    let stmt: Statement = select(vec![col_of(users, "id")])
        .where_(col_of(users, "age").eq(-value(-5)))
        .where_(col_of(users, "score").gt(-value(-2.5f64)))
        .into();
    for d in dialects() {
        let sql = compile_literal(&stmt, d).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
        assert_eq!(
            sql,
            "SELECT users.id FROM users WHERE users.age = - -5 AND users.score > - -2.5",
            "{}",
            d.name()
        );
        check_literal(d, &sql);
    }
}

/// A statement that used one alias object in two places filled the cache;
/// a statement of the same shape with two separate objects (and values)
/// then got the values of the wrong one.
#[test]
fn cache_does_not_apply_a_shared_alias_mapping_to_separate_aliases() {
    let s = |v: &str| Value::from(v);
    let one = make_ps(s("one"));
    let shared: Statement = select(vec![one.c("title").unwrap_or_else(|e| panic!("{e}"))])
        .from(&one)
        .into();
    let (in_column, in_from) = (make_ps(s("column")), make_ps(s("from")));
    let separate: Statement = select(vec![in_column.c("title").unwrap_or_else(|e| panic!("{e}"))])
        .from(&in_from)
        .into();
    assert_eq!(shared, separate, "one shape");
    for d in dialects() {
        let cache = StatementCache::new(d);
        assert_eq!(cache.compile(&shared), compile(&shared, d));
        let direct = compile(&separate, d).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
        assert_eq!(direct.params, vec![s("from")], "{}", d.name());
        assert_eq!(cache.compile(&separate), Ok(direct), "{}", d.name());
        // The shape stays cached for statements that share the object.
        let again = make_ps(s("again"));
        let shared_again: Statement =
            select(vec![again.c("title").unwrap_or_else(|e| panic!("{e}"))])
                .from(&again)
                .into();
        assert_eq!(cache.compile(&shared_again), compile(&shared_again, d));
        // One object named twice and two objects are two keys (the cache
        // key refers back to an object it has written already).
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.compile(&separate), compile(&separate, d));
        assert_eq!(cache.len(), 2);
    }
}

/// A named enum type was written verbatim in CAST and as an array's element
/// type, while CREATE TYPE and a plain enum column quote it.
#[test]
fn named_enum_types_are_identifiers_in_cast_and_array_columns() {
    let mood = SqlType::Enum(EnumType {
        name: "Mood".into(),
        values: vec!["happy".into()],
    });
    let t = Table::builder("diary")
        .column(Column::new("id", SqlType::Integer).primary_key())
        .column(Column::new("m", mood.clone()))
        .column(Column::new("ms", SqlType::Array(Box::new(mood.clone()))))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let pg = dialect_by_name("postgresql").unwrap_or_else(|e| panic!("{e}"));
    let q: Statement = select(vec![
        col_of(&t, "id").cast(mood.clone()),
        col_of(&t, "id").cast(SqlType::Array(Box::new(mood))),
    ])
    .into();
    let sql = compile(&q, pg).unwrap_or_else(|e| panic!("{e}")).sql;
    assert_eq!(
        &*sql,
        r#"SELECT CAST(diary.id AS "Mood"), CAST(diary.id AS "Mood"[]) FROM diary"#
    );
    let ddl = compile(&create_table(&t).into(), pg)
        .unwrap_or_else(|e| panic!("{e}"))
        .sql;
    assert!(ddl.contains("\tm \"Mood\",\n"), "{ddl}");
    assert!(ddl.contains("\tms \"Mood\"[],\n"), "{ddl}");
}

#[test]
fn lexer_reads_quoted_tokens_and_rejects_what_would_change_the_statement() {
    let d = |n: &str| dialect_by_name(n).unwrap_or_else(|e| panic!("{e}"));
    let pg = Lexer::of(d("postgresql"));
    assert_eq!(
        pg.lex(r#"SELECT "a""b", 'it''s' FROM t WHERE x = $12"#),
        Ok(vec![
            Tok::Word("SELECT".into()),
            Tok::Ident("a\"b".into()),
            Tok::Punct(','),
            Tok::Str("it's".into()),
            Tok::Word("FROM".into()),
            Tok::Word("t".into()),
            Tok::Word("WHERE".into()),
            Tok::Word("x".into()),
            Tok::Punct('='),
            Tok::Param(Some(12)),
        ])
    );
    for bad in [
        "SELECT 1 -- x",
        "SELECT 1 /* x */",
        "SELECT 1; DROP TABLE t",
        "SELECT 'open",
        "SELECT \"open",
        "SELECT ?",
        "SELECT `a`",
    ] {
        assert!(pg.lex(bad).is_err(), "{bad}");
    }
    let my = Lexer::of(d("mysql"));
    assert_eq!(
        my.lex(r#"SELECT `a``b`, 'a\\b''c', "d", ?"#),
        Ok(vec![
            Tok::Word("SELECT".into()),
            Tok::Ident("a`b".into()),
            Tok::Punct(','),
            Tok::Str("a\\b'c".into()),
            Tok::Punct(','),
            Tok::Str("d".into()),
            Tok::Punct(','),
            Tok::Param(None),
        ])
    );
    for bad in ["SELECT 1 # x", r"SELECT 'a\'", "SELECT $1"] {
        assert!(my.lex(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_wrapped_concatenation_chain_keeps_its_flat_form() {
    use aludel_sqlite as _;
    let users = Table::builder("users")
        .column(Column::new("id", SqlType::Integer))
        .build()
        .unwrap();
    let id = || users.c("id").unwrap();
    let d = aludel_core::dialect_by_name("sqlite").unwrap();
    let plain = select(id()).where_(id().concat(id()).concat(id()));
    let wrapped = select(id()).where_(aludel_core::and([id().concat(id())]).concat(id()));
    let a = compile(&plain.into(), d).unwrap();
    let b = compile(&wrapped.into(), d).unwrap();
    assert_eq!(a.sql, b.sql);
    assert_eq!(
        &*a.sql,
        "SELECT users.id FROM users WHERE users.id || users.id || users.id"
    );
}
