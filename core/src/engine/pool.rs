//! The connection pool (SQLAlchemy's QueuePool): `pool_size` connections
//! kept, `max_overflow` more opened under load and closed when returned,
//! checkouts that wait at most `pool_timeout`.

use super::driver::{ConnectOptions, DriverConnection};
use super::url::DatabaseUrl;
use super::EngineOptions;
use crate::compile::LocalCache;
use crate::dialect::Dialect;
use crate::error::{DbErrorKind, Error, Result};
use parking_lot::Mutex;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

struct Idle {
    conn: Box<dyn DriverConnection>,
    created: Instant,
    /// The engine's schema generation its statement cache matches.
    schema_seen: u64,
    /// Its front of the engine's statement cache.
    local: LocalCache,
}

pub(crate) struct Pool {
    dialect: &'static dyn Dialect,
    url: DatabaseUrl,
    connect: ConnectOptions,
    setup: Vec<String>,
    idle: Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
    pool_size: usize,
    max: usize,
    timeout: Duration,
    pre_ping: bool,
    recycle: Option<Duration>,
    open: AtomicUsize,
    /// Bumped by every statement that changes the schema.
    schema_generation: AtomicU64,
}

impl Pool {
    /// A pool; `setup` is SQL run on every new connection.
    pub(crate) fn new(
        dialect: &'static dyn Dialect,
        url: DatabaseUrl,
        o: &EngineOptions,
        setup: Vec<String>,
    ) -> Arc<Pool> {
        let pool_size = o.pool_size.max(1);
        let max = pool_size.saturating_add(o.max_overflow);
        Arc::new(Pool {
            dialect,
            url,
            connect: o.connect.clone(),
            setup,
            idle: Mutex::new(Vec::with_capacity(pool_size)),
            permits: Arc::new(Semaphore::new(max)),
            pool_size,
            max,
            timeout: o.pool_timeout,
            pre_ping: o.pre_ping,
            recycle: o.recycle,
            open: AtomicUsize::new(0),
            schema_generation: AtomicU64::new(0),
        })
    }

    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    fn schema_generation(&self) -> u64 {
        self.schema_generation.load(Ordering::Acquire)
    }

    pub(crate) fn idle(&self) -> usize {
        self.idle.lock().len()
    }

    pub(crate) fn dispose(&self) {
        let closed = std::mem::take(&mut *self.idle.lock());
        self.open.fetch_sub(closed.len(), Ordering::SeqCst);
    }

    fn discard(&self, conn: Box<dyn DriverConnection>) {
        drop(conn);
        self.open.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) async fn checkout(self: &Arc<Self>) -> Result<PooledConn> {
        let closed = || Error::database(DbErrorKind::Connection, "the pool is closed");
        // A free slot is taken at once: no clock is read and no timer set
        // (so a runtime without timers can run statements); only waiting
        // for a connection that another task holds needs the timeout.
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(tokio::sync::TryAcquireError::Closed) => return Err(closed()),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                match tokio::time::timeout(self.timeout, self.permits.clone().acquire_owned()).await
                {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) => return Err(closed()),
                    Err(_) => {
                        return Err(Error::PoolTimeout {
                            timeout: self.timeout,
                            max: self.max,
                        })
                    }
                }
            }
        };
        loop {
            let candidate = self.idle.lock().pop();
            let Some(mut idle) = candidate else { break };
            if idle.conn.is_broken() {
                self.discard(idle.conn);
                continue;
            }
            if self
                .recycle
                .is_some_and(|age| idle.created.elapsed() >= age)
            {
                self.discard(idle.conn);
                continue;
            }
            if self.pre_ping && idle.conn.ping().await.is_err() {
                self.discard(idle.conn);
                continue;
            }
            return Ok(PooledConn {
                conn: Some(idle.conn),
                schema_seen: idle.schema_seen,
                created: idle.created,
                local: idle.local,
                pool: self.clone(),
                permit: Some(permit),
                broken: false,
            });
        }
        let mut conn = self.dialect.connect(&self.url, &self.connect).await?;
        for sql in &self.setup {
            conn.execute_script(sql)
                .await
                .map_err(|e| e.with_sql(sql))?;
        }
        self.open.fetch_add(1, Ordering::SeqCst);
        Ok(PooledConn {
            conn: Some(conn),
            schema_seen: self.schema_generation(),
            created: Instant::now(),
            local: LocalCache::default(),
            pool: self.clone(),
            permit: Some(permit),
            broken: false,
        })
    }
}

/// A driver connection on loan from the pool.
pub(crate) struct PooledConn {
    conn: Option<Box<dyn DriverConnection>>,
    /// The pool's schema generation this connection's statement cache
    /// matches; see [`PooledConn::sync_schema`].
    schema_seen: u64,
    created: Instant,
    /// The connection's front of the engine's statement cache, kept with
    /// it in the pool.
    pub(crate) local: LocalCache,
    pool: Arc<Pool>,
    /// Held until the connection is back in the pool (or closed), so that
    /// no more than `max` connections are ever out or being cleaned.
    permit: Option<OwnedSemaphorePermit>,
    broken: bool,
}

impl PooledConn {
    /// The driver connection, to read.
    pub(crate) fn driver_ref(&self) -> &dyn DriverConnection {
        match &self.conn {
            Some(c) => c.as_ref(),
            None => unreachable!("a pooled connection is used after release"),
        }
    }

    pub(crate) fn driver(&mut self) -> &mut dyn DriverConnection {
        match &mut self.conn {
            Some(c) => c.as_mut(),
            // Only `release` takes the connection, and it runs in Drop.
            None => unreachable!("a pooled connection is used after release"),
        }
    }

    /// Before a statement runs: if a statement that changed the schema has
    /// run on any connection of the pool since this connection's prepared
    /// statements were cached, forget them (they are prepared again).
    #[inline]
    pub(crate) fn sync_schema(&mut self) {
        let g = self.pool.schema_generation();
        if g != self.schema_seen {
            self.schema_seen = g;
            if let Some(c) = &mut self.conn {
                c.clear_statement_cache();
            }
        }
    }

    /// After `sql` ran: a statement that changes the schema makes every
    /// connection's prepared statements suspect.
    #[inline]
    pub(crate) fn note_schema_change(&mut self, sql: &str) {
        if changes_schema(sql) {
            self.pool.schema_generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Notes a failure that makes the connection unusable.
    pub(crate) fn note_result<T>(&mut self, r: &Result<T>) {
        if let Err(e) = r {
            self.note_error(e);
        }
        if let Some(c) = &self.conn {
            if c.is_broken() {
                self.broken = true;
            }
        }
    }

    /// [`PooledConn::note_result`] for an error, out of line.
    #[cold]
    #[inline(never)]
    fn note_error(&mut self, e: &Error) {
        if e.db_kind() == Some(DbErrorKind::Connection) {
            self.broken = true;
        }
    }

    /// Returns the connection to the pool, or closes it if it is broken or
    /// beyond the pool size.
    ///
    /// A connection returned with a transaction open (`dirty`) is rolled
    /// back at once, so that its locks are released now rather than at its
    /// next checkout: in place when the driver answers without waiting
    /// (SQLite), otherwise by a task on the current tokio runtime; it stays
    /// counted against the pool's limit until the rollback has finished.
    /// Outside a runtime, a rollback that would have to wait is abandoned
    /// and the connection closed (the server then ends the transaction).
    pub(crate) fn release(&mut self, dirty: bool) {
        let Some(conn) = self.conn.take() else { return };
        if self.broken || conn.is_broken() {
            self.pool.discard(conn);
            return;
        }
        if dirty {
            let mut back = Returning {
                conn: Some(conn),
                schema_seen: self.schema_seen,
                created: self.created,
                local: std::mem::take(&mut self.local),
                pool: self.pool.clone(),
                _permit: self.permit.take(),
            };
            let mut rollback = Box::pin(async move {
                let rolled_back = match back.conn.as_mut() {
                    Some(c) => c.execute_script("ROLLBACK").await.is_ok(),
                    None => false,
                };
                if rolled_back {
                    if let Some(conn) = back.conn.take() {
                        back.pool.put_back(Idle {
                            conn,
                            created: back.created,
                            schema_seen: back.schema_seen,
                            local: std::mem::take(&mut back.local),
                        });
                    }
                }
                // Otherwise `back` closes the connection when dropped.
            });
            // A driver that works in-process (SQLite) is done at once; one
            // that waits on a server goes on in a task of the runtime. With
            // no runtime, the connection is closed, which ends its
            // transaction on the server.
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            if rollback.as_mut().poll(&mut cx).is_pending() {
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(rollback);
                }
            }
            return;
        }
        self.pool.put_back(Idle {
            conn,
            created: self.created,
            schema_seen: self.schema_seen,
            local: std::mem::take(&mut self.local),
        });
    }
}

/// A connection on its way back to the pool through its rollback. If the
/// rollback ends without returning it (the rollback failed, or the runtime shut
/// down and dropped the task), the connection is closed and uncounted.
struct Returning {
    conn: Option<Box<dyn DriverConnection>>,
    schema_seen: u64,
    created: Instant,
    local: LocalCache,
    pool: Arc<Pool>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Returning {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.discard(conn);
        }
    }
}

impl Pool {
    /// Keeps `conn` as an idle connection, or closes it when the pool
    /// already holds `pool_size` idle ones.
    fn put_back(&self, conn: Idle) {
        let mut idle = self.idle.lock();
        if idle.len() >= self.pool_size {
            drop(idle);
            self.discard(conn.conn);
        } else {
            idle.push(conn);
        }
    }
}

/// Whether `sql` starts with a keyword of a statement that changes the
/// schema: CREATE, ALTER, DROP, TRUNCATE, RENAME (MySQL).
fn changes_schema(sql: &str) -> bool {
    // Most statements are told apart by their first byte.
    if !matches!(
        sql.as_bytes().first().map(u8::to_ascii_uppercase),
        Some(b'C' | b'A' | b'D' | b'T' | b'R' | b' ' | b'\t' | b'\n' | b'\r')
    ) {
        return false;
    }
    let word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::changes_schema;

    #[test]
    fn schema_changing_statements_are_recognised_by_their_first_word() {
        for sql in [
            "CREATE TABLE t (id INTEGER)",
            "  alter table t add column x int",
            "DROP INDEX ix",
            "TRUNCATE t",
            "RENAME TABLE a TO b",
        ] {
            assert!(changes_schema(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "INSERT INTO created VALUES (1)",
            "UPDATE t SET x = 1",
            "",
        ] {
            assert!(!changes_schema(sql), "{sql}");
        }
    }
}
