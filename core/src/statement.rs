//! [`Statement`]: anything that compiles to one SQL statement.

use crate::ddl::Ddl;
use crate::dml::{Delete, Insert, Update};
use crate::select::{Compound, Query, Select};
use crate::text::TextClause;
use std::fmt;

/// One SQL statement, ready to compile for a dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Statement {
    /// SELECT or a compound SELECT.
    Query(Query),
    /// INSERT.
    Insert(Insert),
    /// UPDATE.
    Update(Box<Update>),
    /// DELETE.
    Delete(Box<Delete>),
    /// Literal SQL with named binds.
    Text(Box<TextClause>),
    /// Schema definition (CREATE / DROP / ALTER).
    Ddl(Box<Ddl>),
    /// A prepared statement with values for its parameters
    /// ([`Prepared::bind`](crate::Prepared::bind)).
    Bound(crate::prepared::Bound),
}

/// Drops a statement the statement cache is done with, keeping the
/// allocation of a plain SELECT, or of an INSERT into a table that lives as
/// long as the program (with an upsert's assignment list), emptied, as the
/// thread's spare for its next one: a statement built, run and dropped in
/// a loop then costs no allocation for itself (and an INSERT none for its
/// first row's values either).
pub(crate) fn recycle(stmt: Statement) {
    match stmt {
        Statement::Query(Query::Select(s)) => crate::select::recycle_select(s),
        Statement::Insert(i) => crate::dml::recycle_insert(i),
        _ => {}
    }
}

/// Empties a list of a statement kept for reuse ([`recycle`]): one that
/// outgrew its inline room gives its memory back, so that a thread keeps
/// one small allocation, never a large one.
#[inline]
pub(crate) fn empty<A: smallvec::Array>(v: &mut smallvec::SmallVec<A>) {
    if v.spilled() {
        *v = smallvec::SmallVec::new();
    } else {
        v.clear();
    }
}

impl From<Query> for Statement {
    fn from(q: Query) -> Self {
        Statement::Query(q)
    }
}
impl From<Select> for Statement {
    fn from(s: Select) -> Self {
        Statement::Query(s.into())
    }
}
impl From<Compound> for Statement {
    fn from(c: Compound) -> Self {
        Statement::Query(c.into())
    }
}
impl From<Insert> for Statement {
    fn from(s: Insert) -> Self {
        Statement::Insert(s)
    }
}
impl From<Update> for Statement {
    fn from(s: Update) -> Self {
        Statement::Update(Box::new(s))
    }
}
impl From<Delete> for Statement {
    fn from(s: Delete) -> Self {
        Statement::Delete(Box::new(s))
    }
}
impl From<TextClause> for Statement {
    fn from(s: TextClause) -> Self {
        Statement::Text(Box::new(s))
    }
}
impl From<Ddl> for Statement {
    fn from(s: Ddl) -> Self {
        Statement::Ddl(Box::new(s))
    }
}

/// Renders the statement for debugging in a generic dialect (`?`
/// placeholders, standard quoting); a statement that does not compile
/// renders as the error.
impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Statement::Bound(b) = self {
            // Compiled already, for its own dialect.
            return f.write_str(b.prepared().sql());
        }
        match crate::compile::compile(self, &crate::generic::GenericDialect) {
            Ok(c) => f.write_str(&c.sql),
            Err(e) => write!(f, "<statement does not compile: {e}>"),
        }
    }
}

macro_rules! display_via_statement {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&Statement::from(self.clone()), f)
            }
        }
    )*};
}
display_via_statement!(Select, Compound, Insert, Update, Delete, TextClause);
