//! The blocking facade: the same engine, connections and transactions for
//! scripts, CLIs and tests that do not run an async runtime, in the manner
//! of `reqwest::blocking`. Each call drives the async implementation to
//! completion on a small runtime the engine owns; no logic is written twice.
//!
//! Do not call these from inside an async runtime (use the async API there):
//! a call that has to wait (a server's round trip) cannot block a thread
//! that a runtime is driving, as with `reqwest::blocking`. Dropping the
//! last handle of a blocking engine there is safe: its runtime is shut
//! down without waiting.
//!
//! ```
//! use aludel_core::blocking::create_engine;
//! # use aludel_sqlite as _;
//! let engine = create_engine("sqlite://")?;
//! let mut conn = engine.connect()?;
//! let n: Option<i64> = conn.execute(aludel_core::text("SELECT 1 + 1"))?.scalar()?;
//! assert_eq!(n, Some(2));
//! # Ok::<(), aludel_core::Error>(())
//! ```

use crate::engine::{
    self, EngineOptions, ExecResult, FromRow, IsolationLevel, QueryResult, RowAccess,
};
use crate::error::{DbErrorKind, Error, Result};
use crate::statement::Statement;
use crate::value::Value;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio::runtime::Runtime;

/// The runtime a blocking engine owns, shut down without blocking when its
/// last handle drops inside an async context (where tokio refuses to wait
/// for a runtime's shutdown).
struct OwnedRuntime(Option<Runtime>);

impl std::ops::Deref for OwnedRuntime {
    type Target = Runtime;
    #[inline]
    fn deref(&self) -> &Runtime {
        // Always `Some` until dropped.
        self.0.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            }
        }
    }
}

/// Drives `fut` to completion. Work that needs no waiting (SQLite's, which
/// runs in-process) completes on the first poll, without entering the
/// runtime's scheduler; anything that waits goes to `block_on`.
fn drive<F: Future>(rt: &Runtime, fut: F) -> F::Output {
    drive_statement(rt, false, fut)
}

/// [`drive`] for a connection's future. On a connection whose driver
/// finishes statements in place (`in_place`, SQLite) the first poll runs
/// without entering the runtime either (so the statement hook runs outside
/// its context too). The statement methods go further on such a
/// connection: they call the engine's in-place path
/// (`engine::Connection::run_in_place`), with no future at all.
#[inline]
fn drive_statement<F: Future>(rt: &Runtime, in_place: bool, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    {
        let _context = (!in_place).then(|| rt.enter());
        if let Poll::Ready(v) = fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
    }
    rt.block_on(fut)
}

/// A blocking engine: an [`engine::Engine`] and the runtime that drives it.
#[derive(Clone)]
pub struct Engine {
    inner: engine::Engine,
    rt: Arc<OwnedRuntime>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// A blocking engine for `url` with default options.
pub fn create_engine(url: &str) -> Result<Engine> {
    create_engine_with(url, EngineOptions::default())
}

/// A blocking engine for `url` with the given options.
pub fn create_engine_with(url: &str, options: EngineOptions) -> Result<Engine> {
    let inner = engine::create_engine_with(url, options)?;
    Engine::from_async(inner)
}

impl Engine {
    /// Runs a future of the async API to completion on this engine's
    /// runtime: how blocking facades built on the async implementation
    /// (such as the ORM's blocking session) drive it.
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        drive(&self.rt, fut)
    }

    /// Wraps an async engine (its pool and cache are shared).
    pub fn from_async(inner: engine::Engine) -> Result<Engine> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::database(DbErrorKind::Other, format!("cannot start the runtime: {e}"))
            })?;
        Ok(Engine {
            inner,
            rt: Arc::new(OwnedRuntime(Some(rt))),
        })
    }

    /// The async engine underneath.
    pub fn as_async(&self) -> &engine::Engine {
        &self.inner
    }

    /// Compiles a statement once, with named parameters bound at each
    /// execution; see [`engine::Engine::prepare`].
    pub fn prepare(&self, stmt: impl Into<Statement>) -> Result<crate::Prepared> {
        self.inner.prepare(stmt)
    }

    /// Checks a connection out of the pool.
    pub fn connect(&self) -> Result<Connection> {
        let inner = drive(&self.rt, self.inner.connect())?;
        Ok(Connection {
            in_place: inner.completes_in_place(),
            inner,
            rt: self.rt.clone(),
        })
    }

    /// Connections currently open.
    pub fn open_connections(&self) -> usize {
        self.inner.open_connections()
    }

    /// Closes every idle connection.
    pub fn dispose(&self) {
        self.inner.dispose()
    }
}

/// A blocking connection; see [`engine::Connection`].
pub struct Connection {
    inner: engine::Connection,
    rt: Arc<OwnedRuntime>,
    /// The driver finishes statements in place (see [`drive_statement`]).
    in_place: bool,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl Drop for Connection {
    /// A transaction left open is rolled back here, before the connection
    /// goes back to the pool, so that its locks are released at once. (The
    /// async connection does the same from a task on its runtime.)
    fn drop(&mut self) {
        // Blocking on a runtime from inside another one would panic: there,
        // the async connection's own drop takes care of it.
        if self.inner.needs_rollback() && tokio::runtime::Handle::try_current().is_err() {
            let _ = drive(&self.rt, self.inner.roll_back_all());
        }
    }
}

/// A blocking transaction or savepoint; see [`engine::Transaction`].
pub struct Transaction<'c> {
    inner: engine::Transaction<'c>,
    rt: &'c Runtime,
    in_place: bool,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

macro_rules! statement_methods {
    ($conn:ident) => {
        /// Runs a statement and buffers its rows.
        pub fn execute(&mut self, stmt: impl Into<Statement>) -> Result<QueryResult> {
            let stmt = stmt.into();
            if self.in_place {
                return $conn!(self).execute_in_place(stmt);
            }
            drive(&self.rt, $conn!(self).execute(stmt))
        }

        /// Runs one statement once per parameter set.
        pub fn execute_many(
            &mut self,
            stmt: impl Into<Statement>,
            sets: &[Vec<Value>],
        ) -> Result<ExecResult> {
            let stmt = stmt.into();
            drive_statement(
                &self.rt,
                self.in_place,
                $conn!(self).execute_many(stmt, sets),
            )
        }

        /// Runs a query and decodes every row into `T`.
        pub fn fetch_all<T: FromRow + Send>(
            &mut self,
            stmt: impl Into<Statement>,
        ) -> Result<Vec<T>> {
            let stmt = stmt.into();
            if self.in_place {
                return $conn!(self).fetch_all_in_place(stmt);
            }
            drive(&self.rt, $conn!(self).fetch_all(stmt))
        }

        /// Runs a query and decodes its only row.
        pub fn fetch_one<T: FromRow + Send>(&mut self, stmt: impl Into<Statement>) -> Result<T> {
            self.fetch_optional(stmt)?.ok_or(Error::NoRows)
        }

        /// Runs a query and decodes its row, if any.
        pub fn fetch_optional<T: FromRow + Send>(
            &mut self,
            stmt: impl Into<Statement>,
        ) -> Result<Option<T>> {
            let stmt = stmt.into();
            if self.in_place {
                return $conn!(self).first_row_in_place(stmt, false)?.at_most_one();
            }
            drive(&self.rt, $conn!(self).fetch_optional(stmt))
        }

        /// Runs a query and decodes its first row, if any; the rest are
        /// discarded (SQLAlchemy's `Result.first()`).
        pub fn fetch_first<T: FromRow + Send>(
            &mut self,
            stmt: impl Into<Statement>,
        ) -> Result<Option<T>> {
            let stmt = stmt.into();
            if self.in_place {
                return Ok($conn!(self).first_row_in_place(stmt, true)?.first);
            }
            drive(&self.rt, $conn!(self).fetch_first(stmt))
        }

        /// Runs a query and calls `f` with each row, buffering none.
        pub fn for_each<F>(&mut self, stmt: impl Into<Statement>, f: F) -> Result<ExecResult>
        where
            F: FnMut(&dyn RowAccess) -> Result<()> + Send,
        {
            let stmt = stmt.into();
            drive(&self.rt, $conn!(self).for_each(stmt, f))
        }
    };
}

macro_rules! conn_inner {
    ($s:ident) => {
        $s.inner
    };
}
macro_rules! tx_inner {
    ($s:ident) => {
        $s.inner.conn()
    };
}

impl Connection {
    statement_methods!(conn_inner);

    /// Starts a transaction; dropping it without commit rolls it back.
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        let (rt, in_place) = (&*self.rt, self.in_place);
        let inner = drive_statement(rt, in_place, self.inner.begin())?;
        Ok(Transaction {
            inner,
            rt,
            in_place,
        })
    }

    /// Starts a transaction with its own isolation level.
    pub fn begin_isolated(&mut self, level: IsolationLevel) -> Result<Transaction<'_>> {
        let (rt, in_place) = (&*self.rt, self.in_place);
        let inner = drive_statement(rt, in_place, self.inner.begin_isolated(level))?;
        Ok(Transaction {
            inner,
            rt,
            in_place,
        })
    }

    /// Sets the isolation level of later transactions.
    pub fn set_isolation_level(&mut self, level: IsolationLevel) -> Result<()> {
        drive(&self.rt, self.inner.set_isolation_level(level))
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    /// The async connection underneath.
    pub fn as_async(&mut self) -> &mut engine::Connection {
        &mut self.inner
    }
}

impl Transaction<'_> {
    statement_methods!(tx_inner);

    /// Starts a savepoint inside this transaction.
    pub fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        let (rt, in_place) = (self.rt, self.in_place);
        let inner = drive_statement(rt, in_place, self.inner.begin_nested())?;
        Ok(Transaction {
            inner,
            rt,
            in_place,
        })
    }

    /// Commits (or releases the savepoint).
    pub fn commit(self) -> Result<()> {
        drive_statement(self.rt, self.in_place, self.inner.commit())
    }

    /// Rolls back (to the savepoint).
    pub fn rollback(self) -> Result<()> {
        drive_statement(self.rt, self.in_place, self.inner.rollback())
    }
}
