//! The interface between the engine and a database driver.
//!
//! A dialect crate implements [`DriverConnection`] over its driver and
//! returns it from [`Dialect::connect`](crate::Dialect::connect). The engine
//! owns pooling, transactions, statement compilation and logging; a driver
//! only runs SQL text with bound values and hands rows to a [`RowSink`].

use crate::error::Result;
use crate::value::{Value, ValueRef};
use rustc_hash::FxHashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A boxed, sendable future: what driver methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a driver's statement methods ([`DriverConnection::execute`],
/// [`DriverConnection::query`], [`DriverConnection::execute_many`])
/// return: either the result itself, for a driver that ran the statement
/// in place (SQLite, on the caller's thread), or a boxed future, for one
/// that waits on the network. The first costs no allocation, which counts
/// when the whole statement takes a microsecond.
pub struct DriverFuture<'a, T>(Inner<'a, T>);

enum Inner<'a, T> {
    Ready(Option<T>),
    Waiting(BoxFuture<'a, T>),
}

impl<'a, T> DriverFuture<'a, T> {
    /// A future that is done already, with `value`.
    #[inline]
    pub fn ready(value: T) -> Self {
        DriverFuture(Inner::Ready(Some(value)))
    }

    /// A future that runs `fut`.
    #[inline]
    pub fn boxed(fut: impl Future<Output = T> + Send + 'a) -> Self {
        DriverFuture(Inner::Waiting(Box::pin(fut)))
    }
}

// The value is moved out, never pinned in place.
impl<T> Unpin for DriverFuture<'_, T> {}

impl<T> Future for DriverFuture<'_, T> {
    type Output = T;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.get_mut().0 {
            Inner::Ready(v) => match v.take() {
                Some(v) => Poll::Ready(v),
                None => panic!("a DriverFuture was polled after it completed"),
            },
            Inner::Waiting(f) => f.as_mut().poll(cx),
        }
    }
}

/// The prepared statements a driver connection keeps, by SQL text: at most
/// `capacity` of them, the least recently used given back first when a new
/// one would exceed it, and none with a capacity of 0. `V` is the driver's
/// statement (and whatever it keeps beside it).
///
/// A driver that can tell what a statement weighs (the memory it holds)
/// may also bound the total ([`StatementLru::with_max_weight`]): keeping a
/// statement then gives back the least recently used ones until the new
/// one fits, and one heavier than the whole bound is not kept at all.
///
/// The text is hashed with FxHash: it is chosen by the program, never by
/// its users' values (those are bound), and the map holds at most its
/// capacity, so colliding texts cost a longer probe, never unbounded work.
#[derive(Debug)]
pub struct StatementLru<V> {
    capacity: usize,
    /// The most the kept statements may weigh together.
    max_weight: usize,
    /// What the kept statements weigh together.
    weight: usize,
    /// Counts lookups and insertions, to find the least recently used.
    tick: u64,
    by_sql: FxHashMap<Box<str>, Kept<V>>,
}

/// A kept statement: when it was last used, what it weighs, and itself.
#[derive(Debug)]
struct Kept<V> {
    used: u64,
    weight: usize,
    v: V,
}

impl<V> StatementLru<V> {
    /// An empty set that keeps at most `capacity` statements.
    pub fn new(capacity: usize) -> Self {
        StatementLru {
            capacity,
            max_weight: usize::MAX,
            weight: 0,
            tick: 0,
            by_sql: FxHashMap::default(),
        }
    }

    /// The same set, keeping statements that weigh at most `max` together
    /// (see [`StatementLru::insert_with_weight`]).
    pub fn with_max_weight(mut self, max: usize) -> Self {
        self.max_weight = max;
        self
    }

    /// The statement kept for `sql`, marked as just used.
    #[inline]
    pub fn get_mut(&mut self, sql: &str) -> Option<&mut V> {
        self.tick += 1;
        let tick = self.tick;
        self.by_sql.get_mut(sql).map(|k| {
            k.used = tick;
            &mut k.v
        })
    }

    /// Keeps `v` for `sql` (which holds none yet); gives back what is no
    /// longer kept: the least recently used statement when the set was
    /// full, or `v` itself with a capacity of 0. The driver finalizes or
    /// closes it.
    pub fn insert(&mut self, sql: &str, v: V) -> Option<V> {
        self.insert_with_weight(sql, v, 0).pop()
    }

    /// [`StatementLru::insert`] for a statement that weighs `weight` (in
    /// the unit of [`StatementLru::with_max_weight`], bytes say): gives back
    /// every statement no longer kept, the least recently used first, or
    /// `v` itself if it alone weighs more than the bound.
    pub fn insert_with_weight(&mut self, sql: &str, v: V, weight: usize) -> Vec<V> {
        let mut out = Vec::new();
        if self.capacity == 0 || weight > self.max_weight {
            out.push(v);
            return out;
        }
        while !self.by_sql.is_empty()
            && (self.by_sql.len() >= self.capacity
                || self.weight.saturating_add(weight) > self.max_weight)
        {
            out.extend(self.remove_oldest());
        }
        self.tick += 1;
        self.weight += weight;
        let kept = Kept {
            used: self.tick,
            weight,
            v,
        };
        if let Some(old) = self.by_sql.insert(sql.into(), kept) {
            self.weight -= old.weight;
            out.push(old.v);
        }
        out
    }

    #[cold]
    fn remove_oldest(&mut self) -> Option<V> {
        let oldest = self
            .by_sql
            .iter()
            .min_by_key(|(_, k)| k.used)
            .map(|(sql, _)| sql.clone())?;
        let k = self.by_sql.remove(&oldest)?;
        self.weight -= k.weight;
        Some(k.v)
    }

    /// How many statements are kept.
    pub fn len(&self) -> usize {
        self.by_sql.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.by_sql.is_empty()
    }

    /// What the kept statements weigh together.
    pub fn weight(&self) -> usize {
        self.weight
    }

    /// Gives up every statement.
    pub fn clear(&mut self) {
        self.by_sql.clear();
        self.weight = 0;
    }
}

/// One result row as the driver holds it. Values are decoded on request,
/// straight from the driver's own row.
pub trait RowAccess {
    /// The number of columns.
    fn len(&self) -> usize;

    /// Whether the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `idx` (`""` if out of range).
    fn column_name(&self, idx: usize) -> &str;

    /// The value of column `idx`; an error if out of range.
    fn value(&self, idx: usize) -> Result<Value>;

    /// The value of column `idx`, borrowed from the row where the driver
    /// can: what [`FromRow`](crate::engine::FromRow) decoding reads. It
    /// must stand for the same value as [`RowAccess::value`]
    /// ([`ValueRef::into_owned`] gives it back); the default wraps it.
    #[inline]
    fn value_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        self.value(idx).map(ValueRef::Owned)
    }

    /// Column `idx` if the driver can read it cheaply as an integer:
    /// `Some(Some(v))` where [`RowAccess::value_ref`] would give an integer
    /// of value `v` (of any width), `Some(None)` where it would give NULL,
    /// and `None` for anything else or when the driver does not say (the
    /// default): decoding then falls back to `value_ref`.
    #[inline]
    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        let _ = idx;
        None
    }

    /// Column `idx` if the driver can lend it cheaply as text:
    /// `Some(Some(s))` where [`RowAccess::value_ref`] would give
    /// [`ValueRef::Str`]`(s)`, `Some(None)` where it would give NULL, and
    /// `None` for anything else or when the driver does not say (the default).
    #[inline]
    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        let _ = idx;
        None
    }

    /// The index of the first column called `name`.
    fn index_of(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.column_name(i) == name)
    }
}

/// Receives the rows of a query one at a time; returning an error stops the query.
pub trait RowSink: Send {
    /// Called with each row, in order.
    fn row(&mut self, row: &dyn RowAccess) -> Result<()>;

    /// The most rows the sink wants, asked once before the first row. A
    /// driver may stop reading a query's result after that many (SQLite
    /// steps its statement no further) or hand over every row, so a sink
    /// must accept more than it asked for. A driver never stops early on a
    /// statement that writes (`INSERT ... RETURNING`). `None`, the default:
    /// every row.
    fn max_rows(&self) -> Option<usize> {
        None
    }
}

/// What a statement did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows inserted, updated or deleted (as the database reports it).
    pub rows_affected: u64,
    /// The key generated by the last INSERT, where the database reports one
    /// (SQLite's rowid, MySQL's LAST_INSERT_ID()).
    pub last_insert_id: Option<i64>,
}

/// Transaction isolation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// READ UNCOMMITTED.
    ReadUncommitted,
    /// READ COMMITTED.
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE.
    Serializable,
}

impl IsolationLevel {
    /// The SQL spelling: `READ COMMITTED`, ...
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// Settings a driver receives when opening a connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// How long to wait for the server (or, on SQLite, for a lock).
    pub connect_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(30),
        }
    }
}

/// An open connection of a driver.
///
/// Drivers classify their errors into [`Error::Database`](crate::Error::Database)
/// with a [`DbErrorKind`](crate::error::DbErrorKind) taken from SQLSTATE or
/// the engine's own codes (unique, foreign key, not null and check
/// violations are integrity errors carrying the constraint or column the
/// database names), and lost connections into
/// [`DbErrorKind::Connection`](crate::error::DbErrorKind::Connection), after
/// which [`DriverConnection::is_broken`] must answer `true`.
pub trait DriverConnection: Send {
    /// Runs a statement that returns no rows.
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
    ) -> DriverFuture<'a, Result<ExecResult>>;

    /// Runs a statement and passes its rows to `sink` one at a time.
    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
        sink: &'a mut dyn RowSink,
    ) -> DriverFuture<'a, Result<ExecResult>>;

    /// Runs one statement once per parameter set. The default prepares
    /// through the driver's statement cache and loops.
    fn execute_many<'a>(
        &'a mut self,
        sql: &'a str,
        sets: &'a [Vec<Value>],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(async move {
            let mut total = ExecResult::default();
            for params in sets {
                let r = self.execute(sql, params).await?;
                total.rows_affected += r.rows_affected;
                total.last_insert_id = r.last_insert_id.or(total.last_insert_id);
            }
            Ok(total)
        })
    }

    /// Runs SQL text that may hold several statements and takes no
    /// parameters (transaction control, session settings).
    fn execute_script<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.execute(sql, &[]).await.map(|_| ()) })
    }

    /// Checks that the connection still works.
    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move { self.execute_script("SELECT 1").await })
    }

    /// Whether the connection failed in a way that makes it unusable.
    fn is_broken(&self) -> bool {
        false
    }

    /// Whether every future this connection's methods return is ready at
    /// its first poll and needs no tokio runtime context: true for a
    /// database that runs in the process (SQLite), false (the default) for
    /// one reached over a socket.
    ///
    /// The blocking facade then runs statements without the engine's
    /// futures and without entering its runtime (ADR 0014), which saves
    /// both on every statement. A driver that answers `true` must not
    /// create tokio timers, spawn tasks or register I/O in these methods.
    fn completes_in_place(&self) -> bool {
        false
    }

    /// The number of prepared statements the driver holds cached.
    fn cached_statements(&self) -> usize {
        0
    }

    /// Forgets every cached prepared statement. The engine calls it after
    /// a statement that changes the schema (CREATE, ALTER, DROP, ...) has
    /// run on any connection of its pool, since a statement prepared before
    /// may no longer match the tables (PostgreSQL refuses to run one whose
    /// result columns changed type). The default does nothing, for drivers
    /// whose database re-prepares by itself.
    fn clear_statement_cache(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::StatementLru;

    #[test]
    fn statement_lru_gives_back_the_least_recently_used() {
        let mut lru = StatementLru::new(2);
        assert_eq!(lru.insert("a", 1), None);
        assert_eq!(lru.insert("b", 2), None);
        // "a" used after "b": "b" is the one given back.
        assert_eq!(lru.get_mut("a"), Some(&mut 1));
        assert_eq!(lru.insert("c", 3), Some(2));
        assert_eq!(lru.len(), 2);
        assert_eq!(lru.get_mut("b"), None);
        assert_eq!(lru.insert("d", 4), Some(1));
        assert_eq!(lru.get_mut("c"), Some(&mut 3));
        lru.clear();
        assert!(lru.is_empty());

        let mut none = StatementLru::new(0);
        assert_eq!(none.insert("a", 1), Some(1));
        assert!(none.is_empty());
    }

    #[test]
    fn statement_lru_bounds_what_its_statements_weigh() {
        let mut lru = StatementLru::new(10).with_max_weight(100);
        assert!(lru.insert_with_weight("a", 1, 40).is_empty());
        assert!(lru.insert_with_weight("b", 2, 40).is_empty());
        assert_eq!(lru.weight(), 80);
        // "c" fits once the least recently used ("a") is given back.
        assert_eq!(lru.get_mut("b"), Some(&mut 2));
        assert_eq!(lru.insert_with_weight("c", 3, 50), vec![1]);
        assert_eq!(lru.weight(), 90);
        // "d" needs both others' room.
        assert_eq!(lru.insert_with_weight("d", 4, 90), vec![2, 3]);
        assert_eq!(lru.weight(), 90);
        // One heavier than the whole bound is given back, and nothing else.
        assert_eq!(lru.insert_with_weight("e", 5, 101), vec![5]);
        assert_eq!((lru.len(), lru.weight()), (1, 90));
        // Unweighed statements count against the capacity only.
        assert!(lru.insert("f", 6).is_none());
        assert_eq!(lru.len(), 2);
        lru.clear();
        assert_eq!((lru.len(), lru.weight()), (0, 0));
    }
}
