//! Prepared statements: a statement compiled once, with named parameters
//! ([`bindparam`](crate::bindparam), or a [`text`](crate::text()) clause's
//! `:name` left without a value) bound at each execution.
//!
//! Building and compiling a statement costs little, and the engine's
//! statement cache makes a repeated shape cheaper still; a [`Prepared`]
//! statement costs nothing of either at run time, which is what a hot
//! path (a lookup by primary key run thousands of times a second) wants.
//! It is SQLAlchemy's `bindparam()` with the compiled form kept by the
//! caller.
//!
//! ```
//! use aludel_core::blocking::create_engine;
//! use aludel_core::{bindparam, insert, select, Column, MetaData, SqlType, Table};
//! # use aludel_sqlite as _;
//! let mut md = MetaData::new();
//! let users = md.add(
//!     Table::builder("users")
//!         .column(Column::new("id", SqlType::BigInt).primary_key())
//!         .column(Column::new("name", SqlType::Text)),
//! )?;
//! let engine = create_engine("sqlite://")?;
//! let mut conn = engine.connect()?;
//! conn.execute(aludel_core::create_table(&users))?;
//! conn.execute(insert(&users).value("name", "Alice"))?;
//!
//! // Built and compiled once...
//! let by_id = engine.prepare(select([users.c("name")?]).where_(users.c("id")?.eq(bindparam("id"))))?;
//! // ...run with a new value each time.
//! let name: (String,) = conn.fetch_one(by_id.bind(1))?;
//! assert_eq!(name.0, "Alice");
//! # Ok::<(), aludel_core::Error>(())
//! ```

use crate::compile::{Compiled, Compiler};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::name::Name;
use crate::statement::Statement;
use crate::value::{IntoValue, Value};
use std::fmt;
use std::sync::Arc;

/// A statement compiled once for one dialect, whose named parameters get
/// their values at each execution: [`Prepared::bind`] and [`Bound::set`]
/// make a [`Bound`] statement, which runs wherever a statement does.
///
/// Cloning is cheap (the compiled form is shared).
#[derive(Clone)]
pub struct Prepared(Arc<Inner>);

struct Inner {
    dialect: &'static str,
    sql: Arc<str>,
    /// The values in placeholder order: the statement's own bound values,
    /// and `Null` where a named parameter goes.
    params: Vec<Value>,
    /// The distinct parameter names, in the order they first appear in the SQL.
    names: Vec<Name>,
    /// For each placeholder of a named parameter: its position and the
    /// index of its name.
    slots: Vec<(u32, u32)>,
    /// Whether the parameters are exactly the placeholders, in order
    /// (no values of its own, no name used twice): then the bound values
    /// are the parameters as they stand.
    direct: bool,
    returns_rows: bool,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("dialect", &self.0.dialect)
            .field("sql", &self.0.sql)
            .field("names", &self.0.names)
            .finish()
    }
}

impl Prepared {
    /// Compiles `stmt` for `dialect`. Every [`bindparam`](crate::bindparam)
    /// becomes a parameter, as does every `:name` of a `text()` clause that
    /// was given no value; the statement's other values are kept and sent
    /// with each execution. DDL cannot be prepared.
    pub fn new(stmt: impl Into<Statement>, dialect: &dyn Dialect) -> Result<Prepared> {
        let stmt = stmt.into();
        let returns_rows = match &stmt {
            Statement::Ddl(_) => {
                return Err(Error::InvalidStatement(
                    "DDL cannot be prepared; run it directly".into(),
                ))
            }
            Statement::Bound(_) => {
                return Err(Error::InvalidStatement(
                    "the statement is already prepared".into(),
                ))
            }
            s => crate::engine::returns_rows(s),
        };
        let mut c = Compiler::new(dialect);
        c.prepare = Some(Vec::new());
        c.statement(&stmt)?;
        let params_of = c.prepare.take().unwrap_or_default();
        let Compiled { sql, params } = c.finish();
        let mut names: Vec<Name> = Vec::new();
        let mut slots = Vec::with_capacity(params_of.len());
        for (pos, name) in params_of {
            let idx = match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            slots.push((pos, idx as u32));
        }
        let direct = slots.len() == params.len()
            && slots
                .iter()
                .enumerate()
                .all(|(i, &(pos, idx))| pos as usize == i && idx as usize == i);
        Ok(Prepared(Arc::new(Inner {
            dialect: dialect.name(),
            sql,
            params,
            names,
            slots,
            direct,
            returns_rows,
        })))
    }

    /// The SQL text, with the dialect's placeholders.
    pub fn sql(&self) -> &str {
        &self.0.sql
    }

    /// The name of the dialect it was compiled for.
    pub fn dialect(&self) -> &'static str {
        self.0.dialect
    }

    /// The parameters' names, in the order they first appear in the SQL:
    /// the order in which [`Prepared::bind`] and [`Bound::bind`] fill them.
    pub fn param_names(&self) -> &[Name] {
        &self.0.names
    }

    /// Whether running it produces rows (a query, or DML with RETURNING).
    pub fn returns_rows(&self) -> bool {
        self.0.returns_rows
    }

    /// A statement to run, with `v` as the value of the first parameter.
    pub fn bind(&self, v: impl IntoValue) -> Bound {
        self.bound().bind(v)
    }

    /// A statement to run, with `v` as the value of the parameter `name`.
    pub fn set(&self, name: &str, v: impl IntoValue) -> Bound {
        self.bound().set(name, v)
    }

    /// A statement to run with no value bound yet (for a statement without
    /// parameters, the statement itself).
    pub fn bound(&self) -> Bound {
        let data = match SPARE.try_with(|s| s.take()) {
            Ok(Some(mut d)) => {
                d.prepared = Some(self.clone());
                d.values.reserve(self.0.names.len());
                d
            }
            _ => Box::new(BoundData {
                prepared: Some(self.clone()),
                values: Vec::with_capacity(self.0.names.len()),
                next: 0,
                error: None,
            }),
        };
        Bound(data)
    }
}

thread_local! {
    /// The allocation of the thread's last [`Bound`] statement that ran,
    /// emptied, for the thread's next one: a prepared statement bound and
    /// run in a loop costs no allocation for its binding.
    static SPARE: std::cell::Cell<Option<Box<BoundData>>> = const { std::cell::Cell::new(None) };
}

/// A [`Prepared`] statement with values for its parameters: runs wherever
/// a statement does (`conn.fetch_all(prepared.bind(5))`).
///
/// A mistake in binding (a name the statement does not have, more values
/// than parameters, a parameter left without a value) is reported when the
/// statement runs, as compiling a statement reports its mistakes.
///
/// One pointer wide, so that a statement holding it (and so every
/// [`Statement`]) stays two words and moves in registers.
#[derive(Clone)]
pub struct Bound(Box<BoundData>);

#[derive(Clone)]
struct BoundData {
    /// The statement bound; `None` only in a thread's spare allocation.
    prepared: Option<Prepared>,
    /// Values by the index of their name; `None` where none was given yet.
    values: Vec<Option<Value>>,
    /// The next parameter `bind` fills.
    next: usize,
    error: Option<String>,
}

impl fmt::Debug for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bound")
            .field("sql", &self.inner().sql)
            .field("values", &self.0.values)
            .finish()
    }
}

impl PartialEq for Bound {
    /// The same prepared statement (values are not compared, as for any
    /// statement).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.prepared().0, &other.prepared().0)
    }
}

impl Bound {
    /// Gives the next parameter (in the order of [`Prepared::param_names`]) the value `v`.
    pub fn bind(mut self, v: impl IntoValue) -> Bound {
        let i = self.0.next;
        let count = self.inner().names.len();
        if i >= count {
            self.0.error.get_or_insert_with(|| {
                format!(
                    "{} values bound; the prepared statement has {count} parameters",
                    i + 1,
                )
            });
            return self;
        }
        self.put(i, v.into_value());
        self.0.next = i + 1;
        self
    }

    /// Gives the parameter `name` the value `v`.
    pub fn set(mut self, name: &str, v: impl IntoValue) -> Bound {
        let names = &self.inner().names;
        match names.iter().position(|n| n.as_str() == name) {
            Some(i) => self.put(i, v.into_value()),
            None => {
                let names: Vec<String> = names.iter().map(|n| format!(":{n}")).collect();
                self.0.error.get_or_insert_with(|| {
                    format!(
                        "the prepared statement has no parameter :{name} (it has {})",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    )
                });
            }
        }
        self
    }

    #[inline]
    fn put(&mut self, i: usize, v: Value) {
        let values = &mut self.0.values;
        let len = values.len();
        if i < len {
            values[i] = Some(v);
        } else {
            // Values bound in order push, without a NULL written first.
            if i > len {
                values.resize(i, None);
            }
            values.push(Some(v));
        }
    }

    /// The prepared statement this binds.
    pub fn prepared(&self) -> &Prepared {
        match &self.0.prepared {
            Some(p) => p,
            None => unreachable!("only a thread's spare binding has no statement"),
        }
    }

    #[inline]
    fn inner(&self) -> &Inner {
        &self.prepared().0
    }

    pub(crate) fn returns_rows(&self) -> bool {
        self.inner().returns_rows
    }

    /// The SQL and its parameters in placeholder order, for `dialect`.
    pub(crate) fn into_compiled(self, dialect: &dyn Dialect) -> Result<Compiled> {
        let (prepared, params) = self.into_parts(dialect, Vec::new())?;
        Ok(Compiled {
            sql: prepared.0.sql.clone(),
            params,
        })
    }

    /// The prepared statement (whose SQL runs) and its parameters in
    /// placeholder order, for `dialect`: what the engine runs, borrowing
    /// the SQL text from the prepared statement. The parameters go into
    /// `list` (emptied first); the binding's allocation, its list of
    /// values included, becomes the thread's spare for its next one, so
    /// that a prepared statement bound and run in a loop allocates
    /// nothing for its values.
    pub(crate) fn into_parts(
        mut self,
        dialect: &dyn Dialect,
        mut list: Vec<Value>,
    ) -> Result<(Prepared, Vec<Value>)> {
        self.check(dialect)?;
        let Some(prepared) = self.0.prepared.take() else {
            unreachable!("only a thread's spare binding has no statement")
        };
        let p = &*prepared.0;
        list.clear();
        let values = &mut self.0.values;
        if p.direct {
            // Every value is there (`check`), one per placeholder in order.
            list.extend(values.drain(..).map(|v| v.unwrap_or(Value::Null)));
        } else {
            list.extend_from_slice(&p.params);
            for &(pos, idx) in &p.slots {
                if let Some(v) = &values[idx as usize] {
                    list[pos as usize] = v.clone();
                }
            }
            values.clear();
        }
        self.0.next = 0;
        let _ = SPARE.try_with(|s| s.set(Some(self.0)));
        Ok((prepared, list))
    }

    /// Whether the binding can run on `dialect`: prepared for it, and a
    /// value for every parameter.
    fn check(&mut self, dialect: &dyn Dialect) -> Result<()> {
        let prepared_for = self.inner().dialect;
        let name = dialect.name();
        // The same `&'static str` as a rule: compared by address first.
        if !std::ptr::eq(prepared_for, name) && prepared_for != name {
            return Err(Error::InvalidStatement(format!(
                "the statement was prepared for the {prepared_for} dialect and runs on {name}",
            )));
        }
        if let Some(e) = self.0.error.take() {
            return Err(Error::InvalidStatement(e));
        }
        let p = self.inner();
        let missing = |i: usize| Error::UnboundParameter {
            name: p.names[i].to_string(),
        };
        let values = &self.0.values;
        if values.len() < p.names.len() {
            return Err(missing(values.len()));
        }
        if let Some(i) = values.iter().position(Option::is_none) {
            return Err(missing(i));
        }
        Ok(())
    }

    /// The same, borrowing (the values are copied).
    pub(crate) fn to_compiled(&self, dialect: &dyn Dialect) -> Result<Compiled> {
        self.clone().into_compiled(dialect)
    }
}

impl From<Bound> for Statement {
    fn from(b: Bound) -> Self {
        Statement::Bound(b)
    }
}

impl From<&Prepared> for Statement {
    /// A prepared statement without parameters, to run as it is.
    fn from(p: &Prepared) -> Self {
        Statement::Bound(p.bound())
    }
}
