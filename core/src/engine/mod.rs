//! The engine: URLs, a connection pool, connections, transactions and results.
//!
//! [`create_engine`] picks the dialect registered for the URL's scheme and
//! returns an [`Engine`]: a cheap handle to a pool of connections and a
//! compiled-statement cache. Connecting happens on first checkout.
//!
//! ```no_run
//! # async fn demo() -> aludel_core::Result<()> {
//! use aludel_core::{create_engine, text};
//! let engine = create_engine("sqlite:///app.db")?;
//! let mut conn = engine.connect().await?;
//! let mut tx = conn.begin().await?;
//! tx.conn().execute(text("CREATE TABLE t (x INTEGER)")).await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```

mod driver;
mod pool;
mod result;
mod url;

pub use driver::{
    BoxFuture, ConnectOptions, DriverConnection, DriverFuture, ExecResult, IsolationLevel,
    RowAccess, RowSink, StatementLru,
};
pub use result::{get, get_at, get_named, ColumnIndex, FromRow, QueryResult, Row, RowExt};
pub use url::{redact, DatabaseUrl};

use crate::compile::{Compiled, StatementCache};
use crate::dialect::{dialect_for_url, Dialect};
use crate::error::{Error, Result};
use crate::statement::Statement;
use crate::value::Value;
use pool::{Pool, PooledConn};
use result::{Decoder, FirstDecoder, ForEach, RowCollector};
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A statement compiled for a connection's dialect, ready to run.
enum Ready {
    /// From the statement cache (or compiled for this run).
    Compiled(Compiled),
    /// A prepared statement, whose SQL is borrowed, and its values.
    Prepared(crate::Prepared, Vec<Value>),
}

impl Ready {
    fn sql(&self) -> &str {
        match self {
            Ready::Compiled(c) => &c.sql,
            Ready::Prepared(p, _) => p.sql(),
        }
    }

    fn params(&self) -> &[Value] {
        match self {
            Ready::Compiled(c) => &c.params,
            Ready::Prepared(_, params) => params,
        }
    }

    /// What a statement leaves for the connection's next one: the SQL of
    /// a statement from the cache, for the connection's front of the
    /// cache (a prepared statement's SQL is its own), and its parameter
    /// list, emptied, or `None` for a list with room for more than 64
    /// values (a connection keeps one small list, never a large one).
    #[inline]
    fn into_spare(self) -> (Option<Arc<str>>, Option<Vec<Value>>) {
        let (sql, mut params) = match self {
            Ready::Compiled(c) => (Some(c.sql), c.params),
            Ready::Prepared(_, params) => (None, params),
        };
        let params = (params.capacity() <= 64).then(|| {
            params.clear();
            params
        });
        (sql, params)
    }
}

/// Polls once a future of a driver that completes in place. One that is
/// still waiting breaks the driver's promise: it is dropped, and the
/// error (a connection error, so that the pool closes the connection)
/// names the dialect.
fn poll_in_place<T>(dialect: &dyn Dialect, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r,
        Poll::Pending => Err(Error::database(
            crate::error::DbErrorKind::Connection,
            format!(
                "the {} driver said it completes statements in place, \
                 but a statement was still waiting when first polled",
                dialect.name()
            ),
        )),
    }
}

fn as_sink(rows: &mut RowCollector) -> &mut dyn RowSink {
    rows
}

/// A statement about to run, as the statement hook sees it.
#[derive(Debug, Clone, Copy)]
pub struct StatementEvent<'a> {
    /// The SQL text.
    pub sql: &'a str,
    /// Its bound values.
    pub params: &'a [Value],
}

/// A callback run before every statement an engine sends (tests use it to
/// count queries).
pub type StatementHook = Arc<dyn Fn(&StatementEvent<'_>) + Send + Sync>;

/// Engine settings, as the keyword arguments of SQLAlchemy's `create_engine`.
#[derive(Clone)]
pub struct EngineOptions {
    /// Log every statement and its parameters as `tracing` events at INFO
    /// level, target `aludel::engine` (SQLAlchemy's `echo=True`).
    pub echo: bool,
    /// Leave parameters out of logs and errors (`hide_parameters=True`).
    pub hide_parameters: bool,
    /// Connections kept open in the pool.
    pub pool_size: usize,
    /// Connections opened beyond `pool_size` under load, closed when returned.
    pub max_overflow: usize,
    /// How long a checkout waits for a free connection before failing.
    /// Waiting uses tokio's timers: an async engine whose pool can run
    /// out needs a runtime with time enabled (`#[tokio::main]` and
    /// `#[tokio::test]` enable it); a checkout that finds a free
    /// connection needs none.
    pub pool_timeout: Duration,
    /// Test a pooled connection with a cheap query before handing it out;
    /// a dead one is replaced.
    pub pre_ping: bool,
    /// Replace connections older than this on checkout.
    pub recycle: Option<Duration>,
    /// The isolation level every new connection is set to.
    pub isolation_level: Option<IsolationLevel>,
    /// Called before every statement.
    pub on_statement: Option<StatementHook>,
    /// Settings passed to the driver when connecting.
    pub connect: ConnectOptions,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            echo: false,
            hide_parameters: false,
            pool_size: 5,
            max_overflow: 10,
            pool_timeout: Duration::from_secs(30),
            pre_ping: false,
            recycle: None,
            isolation_level: None,
            on_statement: None,
            connect: ConnectOptions::default(),
        }
    }
}

impl fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineOptions")
            .field("echo", &self.echo)
            .field("hide_parameters", &self.hide_parameters)
            .field("pool_size", &self.pool_size)
            .field("max_overflow", &self.max_overflow)
            .field("pool_timeout", &self.pool_timeout)
            .field("pre_ping", &self.pre_ping)
            .field("recycle", &self.recycle)
            .field("isolation_level", &self.isolation_level)
            .field("on_statement", &self.on_statement.is_some())
            .finish()
    }
}

impl EngineOptions {
    /// Sets `echo`.
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }
    /// Sets `hide_parameters`.
    pub fn hide_parameters(mut self, on: bool) -> Self {
        self.hide_parameters = on;
        self
    }
    /// Sets the pool size.
    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = n;
        self
    }
    /// Sets the overflow allowance.
    pub fn max_overflow(mut self, n: usize) -> Self {
        self.max_overflow = n;
        self
    }
    /// Sets the checkout timeout.
    pub fn pool_timeout(mut self, t: Duration) -> Self {
        self.pool_timeout = t;
        self
    }
    /// Sets `pre_ping`.
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }
    /// Sets the recycle age.
    pub fn recycle(mut self, age: Duration) -> Self {
        self.recycle = Some(age);
        self
    }
    /// Sets the isolation level of new connections.
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }
    /// Sets the statement hook.
    pub fn on_statement(
        mut self,
        hook: impl Fn(&StatementEvent<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.on_statement = Some(Arc::new(hook));
        self
    }
}

struct EngineInner {
    dialect: &'static dyn Dialect,
    url: DatabaseUrl,
    options: EngineOptions,
    cache: StatementCache,
    pool: Arc<Pool>,
}

/// A source of connections to one database: a pool, a dialect and a
/// compiled-statement cache. Cloning is cheap and shares all three.
#[derive(Clone)]
pub struct Engine(Arc<EngineInner>);

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("url", &self.0.url)
            .field("dialect", &self.0.dialect.name())
            .finish()
    }
}

/// An engine for `url` with default options.
pub fn create_engine(url: &str) -> Result<Engine> {
    create_engine_with(url, EngineOptions::default())
}

/// An engine for `url` with the given options. The URL is parsed and
/// checked by its dialect (unknown options are errors); nothing connects yet.
pub fn create_engine_with(url: &str, options: EngineOptions) -> Result<Engine> {
    let parsed = DatabaseUrl::parse(url)?;
    let dialect = dialect_for_url(parsed.scheme())?;
    dialect.check_url(&parsed)?;
    let mut options = options;
    if let Some(max) = dialect.max_connections(&parsed) {
        options.pool_size = options.pool_size.clamp(1, max);
        options.max_overflow = max.saturating_sub(options.pool_size);
        options.recycle = None;
    }
    let mut setup = Vec::new();
    if let Some(level) = options.isolation_level {
        let sql = dialect.session_isolation_sql(level)?;
        if !sql.is_empty() {
            setup.push(sql);
        }
    }
    let pool = Pool::new(dialect, parsed.clone(), &options, setup);
    Ok(Engine(Arc::new(EngineInner {
        dialect,
        cache: StatementCache::new(dialect),
        url: parsed,
        options,
        pool,
    })))
}

impl Engine {
    /// The engine's dialect.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.0.dialect
    }

    /// The URL (its `Display` hides the password).
    pub fn url(&self) -> &DatabaseUrl {
        &self.0.url
    }

    /// The options the engine runs with.
    pub fn options(&self) -> &EngineOptions {
        &self.0.options
    }

    /// Checks a connection out of the pool, opening one if needed.
    pub async fn connect(&self) -> Result<Connection> {
        let conn = self.0.pool.checkout().await?;
        Ok(Connection {
            engine: self.clone(),
            conn,
            tx_depth: 0,
            pending_rollback: None,
            spare_params: Vec::new(),
        })
    }

    /// Compiles a statement through the engine's cache.
    pub fn compile(&self, stmt: &Statement) -> Result<Compiled> {
        self.0.cache.compile(stmt)
    }

    /// Compiles a statement once for this engine's dialect, with its
    /// [`bindparam`](crate::bindparam)s (and a `text()` clause's `:name`s
    /// without values) as parameters to bind at each execution: see
    /// [`Prepared`](crate::Prepared).
    pub fn prepare(&self, stmt: impl Into<Statement>) -> Result<crate::Prepared> {
        crate::Prepared::new(stmt, self.0.dialect)
    }

    /// Connections currently open (idle plus checked out).
    pub fn open_connections(&self) -> usize {
        self.0.pool.open()
    }

    /// Connections idle in the pool.
    pub fn idle_connections(&self) -> usize {
        self.0.pool.idle()
    }

    /// Closes every idle connection (checked-out ones close when returned).
    pub fn dispose(&self) {
        self.0.pool.dispose();
    }

    /// Echo and the statement hook for `sql`, if either is on.
    #[inline]
    fn emit(&self, sql: &str, params: &[Value]) {
        let o = &self.0.options;
        if o.echo || o.on_statement.is_some() {
            self.emit_to(sql, params);
        }
    }

    /// [`Engine::emit`]'s work, out of line: most engines do neither.
    #[cold]
    #[inline(never)]
    fn emit_to(&self, sql: &str, params: &[Value]) {
        let o = &self.0.options;
        if o.echo {
            if o.hide_parameters {
                tracing::info!(target: "aludel::engine", "{sql} [parameters hidden]");
            } else {
                tracing::info!(target: "aludel::engine", "{sql} {params:?}");
            }
        }
        if let Some(hook) = &o.on_statement {
            hook(&StatementEvent { sql, params });
        }
    }
}

/// A connection checked out of an engine's pool; returned to it when dropped.
///
/// Outside a transaction every statement commits on its own (the database's
/// autocommit). [`Connection::begin`] starts a transaction.
pub struct Connection {
    engine: Engine,
    conn: PooledConn,
    tx_depth: usize,
    /// Set when a transaction was dropped without commit or rollback: the
    /// depth to roll back to before the next statement runs.
    pending_rollback: Option<usize>,
    /// The parameter list of the last statement run, emptied, for the next
    /// one's values.
    spare_params: Vec<Value>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("dialect", &self.engine.0.dialect.name())
            .field("tx_depth", &self.tx_depth)
            .finish()
    }
}

fn savepoint_name(depth: usize) -> String {
    format!("sa_savepoint_{}", depth - 1)
}

/// Whether a statement produces rows to read.
pub(crate) fn returns_rows(stmt: &Statement) -> bool {
    match stmt {
        Statement::Query(_) | Statement::Text(_) => true,
        Statement::Bound(b) => b.returns_rows(),
        Statement::Insert(i) => i.has_returning(),
        Statement::Update(u) => u.has_returning(),
        Statement::Delete(d) => d.has_returning(),
        Statement::Ddl(_) => false,
    }
}

impl Connection {
    /// The engine this connection came from.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.tx_depth > 0 && self.pending_rollback.is_none()
    }

    /// Whether the driver finishes every statement at once, in the
    /// process, with no runtime (see
    /// [`DriverConnection::completes_in_place`]).
    pub fn completes_in_place(&self) -> bool {
        self.conn.driver_ref().completes_in_place()
    }

    /// Runs any rollback left behind by a dropped transaction.
    /// Whether a transaction is open or was dropped without its rollback
    /// having been sent yet: returning the connection now would leave it
    /// to the pool to roll back.
    pub(crate) fn needs_rollback(&self) -> bool {
        self.tx_depth > 0 || self.pending_rollback.is_some()
    }

    /// Rolls back whatever transaction is open, savepoints included, now.
    pub(crate) async fn roll_back_all(&mut self) -> Result<()> {
        if self.needs_rollback() {
            self.pending_rollback = Some(1);
        }
        let r = self.settle().await;
        if r.is_err() {
            // Still to be rolled back: the pool tries again on its return.
            self.pending_rollback = Some(1);
        }
        r
    }

    async fn settle(&mut self) -> Result<()> {
        if let Some(depth) = self.pending_rollback.take() {
            if depth <= 1 {
                self.tx_depth = 0;
                self.script("ROLLBACK").await?;
            } else {
                self.tx_depth = depth - 1;
                let sp = savepoint_name(depth);
                self.script(&format!("ROLLBACK TO SAVEPOINT {sp}")).await?;
                self.script(&format!("RELEASE SAVEPOINT {sp}")).await?;
            }
        }
        Ok(())
    }

    async fn script(&mut self, sql: &str) -> Result<()> {
        self.engine.emit(sql, &[]);
        let r = self.conn.driver().execute_script(sql).await;
        self.conn.note_result(&r);
        r.map_err(|e| e.with_sql(sql))
    }

    /// Keeps the parameter list of a statement that has run for the next
    /// statement's values.
    #[inline]
    fn keep_params(&mut self, ready: Ready) {
        let (sql, list) = ready.into_spare();
        if let Some(sql) = sql {
            self.conn.local.give_back(sql);
        }
        if let Some(list) = list {
            self.spare_params = list;
        }
    }

    /// The SQL and parameters of `stmt` for this connection's dialect.
    #[inline]
    fn ready(&mut self, stmt: Statement) -> Result<Ready> {
        if let Statement::Bound(b) = stmt {
            // The SQL is borrowed from the prepared statement; the values
            // go into the list the last statement left.
            let list = std::mem::take(&mut self.spare_params);
            let (prepared, params) = b.into_parts(self.engine.0.dialect, list)?;
            return Ok(Ready::Prepared(prepared, params));
        }
        self.ready_cached(stmt)
    }

    /// [`Connection::ready`] for a statement of the statement cache.
    #[inline(never)]
    fn ready_cached(&mut self, stmt: Statement) -> Result<Ready> {
        // The statement is not needed again: its values may move into the
        // parameters instead of being copied, into the list the last
        // statement left.
        let list = std::mem::take(&mut self.spare_params);
        Ok(Ready::Compiled(self.engine.0.cache.compile_owned_local(
            stmt,
            list,
            Some(&mut self.conn.local),
        )?))
    }

    /// Before the driver runs `sql`: echo and the statement hook, and the
    /// driver's prepared statements forgotten if another connection
    /// changed the schema.
    fn before(&mut self, sql: &str, params: &[Value]) {
        self.engine.emit(sql, params);
        self.conn.sync_schema();
    }

    /// Hands `sql` to the driver.
    fn start<'a, 's: 'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
        sink: Option<&'a mut (dyn RowSink + 's)>,
    ) -> DriverFuture<'a, Result<ExecResult>> {
        let driver = self.conn.driver();
        match sink {
            Some(sink) => driver.query(sql, params, sink),
            None => driver.execute(sql, params),
        }
    }

    /// After the driver ran `sql`: a connection that failed is marked,
    /// a schema change noted, and an error given its SQL.
    fn after<T>(&mut self, r: Result<T>, sql: &str) -> Result<T> {
        self.conn.note_result(&r);
        if r.is_ok() {
            self.conn.note_schema_change(sql);
        }
        r.map_err(|e| e.with_sql(sql))
    }

    async fn run(&mut self, stmt: Statement, sink: Option<&mut dyn RowSink>) -> Result<ExecResult> {
        self.settle().await?;
        let ready = self.ready(stmt)?;
        self.before(ready.sql(), ready.params());
        let r = self.start(ready.sql(), ready.params(), sink).await;
        let r = self.after(r, ready.sql());
        self.keep_params(ready);
        r
    }

    /// [`Connection::run`] for a driver that completes in place (see
    /// [`Connection::completes_in_place`]): the same steps, with the
    /// driver's result taken when it is handed back instead of through a
    /// chain of futures. The blocking facade runs SQLite's statements
    /// this way: on a one-row statement, the futures' state machines cost
    /// more time than the rest of the engine's work.
    pub(crate) fn run_in_place(
        &mut self,
        stmt: Statement,
        sink: Option<&mut dyn RowSink>,
    ) -> Result<ExecResult> {
        let dialect = self.engine.0.dialect;
        if self.pending_rollback.is_some() {
            self.settle_in_place()?;
        }
        let ready = self.ready(stmt)?;
        self.before(ready.sql(), ready.params());
        let r = poll_in_place(dialect, self.start(ready.sql(), ready.params(), sink));
        let r = self.after(r, ready.sql());
        self.keep_params(ready);
        r
    }

    /// [`Connection::settle`] through [`poll_in_place`], out of line: a
    /// transaction dropped without commit or rollback is rare.
    #[cold]
    #[inline(never)]
    fn settle_in_place(&mut self) -> Result<()> {
        poll_in_place(self.engine.0.dialect, self.settle())
    }

    /// Runs a statement and buffers its rows (if it returns any).
    pub async fn execute(&mut self, stmt: impl Into<Statement>) -> Result<QueryResult> {
        let stmt = stmt.into();
        let mut rows = returns_rows(&stmt).then(RowCollector::default);
        let exec = self.run(stmt, rows.as_mut().map(as_sink)).await?;
        Ok(RowCollector::result(rows, exec))
    }

    /// [`Connection::execute`] through [`Connection::run_in_place`].
    pub(crate) fn execute_in_place(&mut self, stmt: Statement) -> Result<QueryResult> {
        let mut rows = returns_rows(&stmt).then(RowCollector::default);
        let exec = self.run_in_place(stmt, rows.as_mut().map(as_sink))?;
        Ok(RowCollector::result(rows, exec))
    }

    /// Runs one statement once per parameter set: each set replaces the
    /// statement's own bound values, in placeholder order, and must have as
    /// many values. The statement is compiled and prepared once.
    pub async fn execute_many(
        &mut self,
        stmt: impl Into<Statement>,
        sets: &[Vec<Value>],
    ) -> Result<ExecResult> {
        self.settle().await?;
        let stmt = stmt.into();
        let compiled = self.engine.compile(&stmt)?;
        if let Some((i, set)) = sets
            .iter()
            .enumerate()
            .find(|(_, s)| s.len() != compiled.params.len())
        {
            return Err(Error::InvalidStatement(format!(
                "parameter set {i} has {} values; the statement has {} placeholders",
                set.len(),
                compiled.params.len()
            )));
        }
        if let Some(first) = sets.first() {
            self.engine.emit(&compiled.sql, first);
        }
        self.conn.sync_schema();
        let r = self.conn.driver().execute_many(&compiled.sql, sets).await;
        self.conn.note_result(&r);
        r.map_err(|e| e.with_sql(&compiled.sql))
    }

    /// Runs a query and decodes every row into `T`.
    pub async fn fetch_all<T: FromRow + Send>(
        &mut self,
        stmt: impl Into<Statement>,
    ) -> Result<Vec<T>> {
        let mut d = Decoder::new();
        self.run(stmt.into(), Some(&mut d)).await?;
        Ok(d.out)
    }

    /// [`Connection::fetch_all`] through [`Connection::run_in_place`].
    pub(crate) fn fetch_all_in_place<T: FromRow + Send>(
        &mut self,
        stmt: Statement,
    ) -> Result<Vec<T>> {
        let mut d = Decoder::new();
        self.run_in_place(stmt, Some(&mut d))?;
        Ok(d.out)
    }

    /// Runs a query and decodes its only row; [`Error::NoRows`] or
    /// [`Error::MultipleRows`] otherwise.
    pub async fn fetch_one<T: FromRow + Send>(&mut self, stmt: impl Into<Statement>) -> Result<T> {
        self.fetch_optional(stmt).await?.ok_or(Error::NoRows)
    }

    /// Runs a query and decodes its row, if any; [`Error::MultipleRows`] for several.
    pub async fn fetch_optional<T: FromRow + Send>(
        &mut self,
        stmt: impl Into<Statement>,
    ) -> Result<Option<T>> {
        self.first_row(stmt.into(), false).await?.at_most_one()
    }

    /// Runs a query through a [`FirstDecoder`]: the first row decoded, and
    /// the others counted (or, with `only_first`, left unread).
    async fn first_row<T: FromRow + Send>(
        &mut self,
        stmt: Statement,
        only_first: bool,
    ) -> Result<FirstDecoder<T>> {
        let mut d = FirstDecoder::new(only_first);
        self.run(stmt, Some(&mut d)).await?;
        Ok(d)
    }

    /// [`Connection::first_row`] through [`Connection::run_in_place`]
    /// (the blocking `fetch_optional` and `fetch_first`).
    pub(crate) fn first_row_in_place<T: FromRow + Send>(
        &mut self,
        stmt: Statement,
        only_first: bool,
    ) -> Result<FirstDecoder<T>> {
        let mut d = FirstDecoder::new(only_first);
        self.run_in_place(stmt, Some(&mut d))?;
        Ok(d)
    }

    /// Runs a query and decodes its first row, or `None` when it has none;
    /// the rest are discarded unread where the driver can (SQLite steps no
    /// further), as SQLAlchemy's `Result.first()` does. For a query that
    /// must find at most one row, [`Connection::fetch_optional`] checks it.
    pub async fn fetch_first<T: FromRow + Send>(
        &mut self,
        stmt: impl Into<Statement>,
    ) -> Result<Option<T>> {
        Ok(self.first_row(stmt.into(), true).await?.first)
    }

    /// Runs a query and calls `f` with each row as the driver produces it,
    /// keeping none: memory stays flat however many rows there are.
    pub async fn for_each<F>(&mut self, stmt: impl Into<Statement>, f: F) -> Result<ExecResult>
    where
        F: FnMut(&dyn RowAccess) -> Result<()> + Send,
    {
        let mut sink = ForEach(f);
        self.run(stmt.into(), Some(&mut sink)).await
    }

    /// Starts a transaction. Dropping the returned [`Transaction`] without
    /// committing rolls it back.
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        self.begin_with(None).await
    }

    /// Starts a transaction with its own isolation level.
    pub async fn begin_isolated(&mut self, level: IsolationLevel) -> Result<Transaction<'_>> {
        self.begin_with(Some(level)).await
    }

    async fn begin_with(&mut self, level: Option<IsolationLevel>) -> Result<Transaction<'_>> {
        self.settle().await?;
        if self.tx_depth > 0 {
            return Err(Error::Transaction(
                "a transaction is already open on this connection; use begin_nested() for a savepoint".into(),
            ));
        }
        let sql = self.engine.0.dialect.begin_sql(level)?;
        self.script(&sql).await?;
        self.tx_depth = 1;
        Ok(Transaction {
            conn: self,
            depth: 1,
            done: false,
        })
    }

    /// Starts a transaction that stays open until [`Connection::commit`] or
    /// [`Connection::rollback`] ends it, with no guard borrowing the
    /// connection (SQLAlchemy's "commit as you go"). Code that owns a
    /// connection across calls, such as the ORM's session, uses this;
    /// elsewhere prefer [`Connection::begin`], which rolls back on drop.
    /// Returning the connection to its pool with the transaction still open
    /// rolls it back.
    pub async fn start_transaction(&mut self, level: Option<IsolationLevel>) -> Result<()> {
        self.settle().await?;
        if self.tx_depth > 0 {
            return Err(Error::Transaction(
                "a transaction is already open on this connection".into(),
            ));
        }
        let sql = self.engine.0.dialect.begin_sql(level)?;
        self.script(&sql).await?;
        self.tx_depth = 1;
        Ok(())
    }

    /// Commits the transaction opened by [`Connection::start_transaction`]
    /// (an error if none is open). A failed COMMIT leaves the transaction
    /// to be rolled back before the connection's next statement.
    pub async fn commit(&mut self) -> Result<()> {
        self.settle().await?;
        if self.tx_depth != 1 {
            return Err(Error::Transaction(if self.tx_depth == 0 {
                "no transaction is open to commit".into()
            } else {
                "a savepoint is still open; release it before committing".into()
            }));
        }
        let r = self.script("COMMIT").await;
        if r.is_err() {
            self.pending_rollback = Some(1);
        } else {
            self.tx_depth = 0;
        }
        r
    }

    /// Rolls back whatever transaction is open, savepoints included; does
    /// nothing when none is.
    pub async fn rollback(&mut self) -> Result<()> {
        if self.tx_depth > 0 {
            self.pending_rollback = Some(1);
        }
        self.settle().await
    }

    /// Sets the isolation level for this connection's later transactions.
    pub async fn set_isolation_level(&mut self, level: IsolationLevel) -> Result<()> {
        self.settle().await?;
        let sql = self.engine.0.dialect.session_isolation_sql(level)?;
        if !sql.is_empty() {
            self.script(&sql).await?;
        }
        Ok(())
    }

    /// The number of statements the driver holds prepared for this connection.
    pub fn cached_statements(&mut self) -> usize {
        self.conn.driver().cached_statements()
    }
}

/// An open transaction or savepoint on a [`Connection`].
///
/// Run statements through [`Transaction::conn`]. [`Transaction::commit`]
/// commits (or releases the savepoint), [`Transaction::rollback`] rolls
/// back; dropping it without either rolls back before the connection's
/// next statement, or when the connection returns to its pool.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    depth: usize,
    done: bool,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("depth", &self.depth)
            .finish()
    }
}

impl Transaction<'_> {
    /// The connection, to run statements in this transaction.
    pub fn conn(&mut self) -> &mut Connection {
        self.conn
    }

    /// Whether this is a savepoint inside an outer transaction.
    pub fn is_nested(&self) -> bool {
        self.depth > 1
    }

    /// Runs a statement in this transaction (shorthand for `conn().execute`).
    pub async fn execute(&mut self, stmt: impl Into<Statement>) -> Result<QueryResult> {
        self.conn.execute(stmt).await
    }

    /// Starts a savepoint inside this transaction (SQLAlchemy's `begin_nested`).
    pub async fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        if !self.conn.engine.0.dialect.capabilities().savepoints {
            return Err(Error::Unsupported {
                feature: "savepoints",
                dialect: self.conn.engine.0.dialect.name(),
            });
        }
        self.conn.settle().await?;
        if self.conn.tx_depth != self.depth {
            return Err(Error::Transaction(
                "this transaction is no longer the innermost one".into(),
            ));
        }
        let depth = self.depth + 1;
        self.conn
            .script(&format!("SAVEPOINT {}", savepoint_name(depth)))
            .await?;
        self.conn.tx_depth = depth;
        Ok(Transaction {
            conn: self.conn,
            depth,
            done: false,
        })
    }

    /// Commits the transaction, or releases the savepoint.
    pub async fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.settle().await?;
        if self.conn.tx_depth != self.depth {
            return Err(Error::Transaction(
                "this transaction was already rolled back".into(),
            ));
        }
        let r = if self.depth == 1 {
            self.conn.script("COMMIT").await
        } else {
            self.conn
                .script(&format!("RELEASE SAVEPOINT {}", savepoint_name(self.depth)))
                .await
        };
        if r.is_err() && self.depth == 1 {
            // A failed COMMIT leaves the transaction to be rolled back.
            self.conn.pending_rollback = Some(1);
        } else {
            self.conn.tx_depth = self.depth - 1;
        }
        r
    }

    /// Rolls the transaction (or back to the savepoint) back.
    pub async fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.conn.settle().await?;
        if self.conn.tx_depth != self.depth {
            return Ok(());
        }
        self.conn.pending_rollback = Some(self.depth);
        self.conn.settle().await
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done && self.conn.tx_depth >= self.depth {
            let pending = self
                .conn
                .pending_rollback
                .map_or(self.depth, |d| d.min(self.depth));
            self.conn.pending_rollback = Some(pending);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A connection returned with a transaction open is rolled back at
        // once (see `PooledConn::release`).
        let dirty = self.needs_rollback();
        self.conn.release(dirty);
    }
}

#[cfg(test)]
mod tests {
    use super::poll_in_place;
    use crate::error::DbErrorKind;
    use crate::{Dialect, GenericDialect};

    #[test]
    fn a_driver_future_that_waits_when_it_promised_not_to_is_a_connection_error() {
        let toy = &GenericDialect;
        let done = poll_in_place(toy, std::future::ready(Ok(5)));
        assert_eq!(done.unwrap(), 5);
        let waiting = poll_in_place(toy, std::future::pending::<crate::Result<()>>());
        let err = waiting.unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::Connection));
        let expected = format!(
            "the {} driver said it completes statements in place",
            toy.name()
        );
        assert!(err.to_string().contains(&expected), "{err}");
    }
}
