//! The PostgreSQL connection, on tokio-postgres.
//!
//! A connection is a tokio-postgres `Client` whose socket is driven by a
//! task spawned on the runtime that opened it. Statements are prepared once
//! per connection and kept in a bounded cache keyed by their SQL text; bound
//! values are converted to the parameter types the server settled on when
//! it prepared them; rows are handed to the engine one at a time as they
//! arrive.

use crate::tls;
use crate::types::{type_name, BindError, DecodeError, Decoded, DecodedRef, Param};
use aludel_core::engine::{
    BoxFuture, ConnectOptions, DatabaseUrl, DriverConnection, DriverFuture, ExecResult, RowAccess,
    RowSink,
};
use aludel_core::error::{DatabaseError, DbErrorKind};
use aludel_core::{Error, Result, Value, ValueRef};
use futures_util::{pin_mut, TryStreamExt};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::RuntimeFlavor;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::{Client, Config, NoTls, Socket, Statement};

/// URL options the PostgreSQL dialect accepts.
pub const OPTIONS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "application_name",
    "connect_timeout",
    "options",
    "search_path",
    "host",
    "statement_cache_size",
];

/// Prepared statements kept per connection unless `statement_cache_size` says otherwise.
pub const DEFAULT_STATEMENT_CACHE_SIZE: usize = 512;

/// Validates the URL's options and their values.
pub fn check_url(url: &DatabaseUrl) -> Result<()> {
    url.check_options(OPTIONS)?;
    // Builds the TLS setup once, so that a bad sslmode or sslrootcert is
    // reported by create_engine rather than by the first connection.
    tls::plan(url)?;
    if let Some(t) = url.option("connect_timeout") {
        if !t.parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0) {
            return Err(url.bad_option("connect_timeout", "a number of seconds (0: no limit)"));
        }
    }
    if let Some(path) = url.option("search_path") {
        if search_path(path).is_none() {
            return Err(url.bad_option(
                "search_path",
                "schema names of letters, digits, _ and $, separated by commas",
            ));
        }
    }
    if let Some(n) = url.option("statement_cache_size") {
        if n.parse::<usize>().is_err() {
            return Err(url.bad_option("statement_cache_size", "a whole number"));
        }
    }
    if url.option("application_name").is_some_and(str::is_empty) {
        return Err(url.bad_option("application_name", "a name"));
    }
    if url.option("host").is_some_and(str::is_empty) {
        return Err(url.bad_option("host", "a host name or the directory of a Unix socket"));
    }
    Ok(())
}

/// The schema list of a `search_path` option, normalised (`a, b` → `a,b`),
/// or `None` if a name is not a plain identifier.
fn search_path(s: &str) -> Option<String> {
    let names: Vec<&str> = s.split(',').map(str::trim).collect();
    let plain = |n: &&str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            && !n.starts_with(|c: char| c.is_ascii_digit() || c == '$')
            || *n == "$user"
    };
    names.iter().all(plain).then(|| names.join(","))
}

/// The tokio-postgres configuration for a URL (TLS aside: see [`tls::plan`]).
fn config(url: &DatabaseUrl, options: &ConnectOptions) -> Config {
    let mut c = Config::new();
    let user = url
        .username()
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "postgres".to_owned());
    c.user(&user);
    if let Some(p) = url.password() {
        c.password(p);
    }
    match url.option("host").or(url.host()) {
        Some(h) => c.host(h),
        None => c.host("localhost"),
    };
    c.port(url.port().unwrap_or(5432));
    if let Some(db) = url.database() {
        c.dbname(db);
    }
    let mut server_options = url.option("options").unwrap_or_default().to_owned();
    if let Some(path) = url.option("search_path").and_then(search_path) {
        if !server_options.is_empty() {
            server_options.push(' ');
        }
        server_options.push_str("-c search_path=");
        server_options.push_str(&path);
    }
    if !server_options.is_empty() {
        c.options(&server_options);
    }
    if let Some(name) = url.option("application_name") {
        c.application_name(name);
    }
    if let Some(t) = connect_timeout(url, options) {
        c.connect_timeout(t);
    }
    c
}

fn connect_timeout(url: &DatabaseUrl, options: &ConnectOptions) -> Option<Duration> {
    match url
        .option("connect_timeout")
        .and_then(|t| t.parse::<f64>().ok())
    {
        Some(0.0) => None,
        Some(secs) => Some(Duration::from_secs_f64(secs)),
        None => Some(options.connect_timeout),
    }
}

/// Where a connection goes, for messages: the URL without its password.
fn target(url: &DatabaseUrl) -> String {
    let mut u = url.to_string();
    if let Some(q) = u.find('?') {
        u.truncate(q);
    }
    u
}

/// The portable kind of a SQLSTATE.
pub fn kind_of_sqlstate(code: &str) -> DbErrorKind {
    match code {
        "23505" | "23P01" => DbErrorKind::UniqueViolation,
        "23503" | "23001" => DbErrorKind::ForeignKeyViolation,
        "23502" => DbErrorKind::NotNullViolation,
        "23514" => DbErrorKind::CheckViolation,
        "57014" | "55P03" => DbErrorKind::Timeout,
        "40001" | "40P01" => DbErrorKind::Serialization,
        "28P01" | "28000" | "3D000" | "53300" | "57P01" | "57P02" | "57P03" | "25P03" => {
            DbErrorKind::Connection
        }
        c if c.starts_with("08") => DbErrorKind::Connection,
        c if c.starts_with("42") => DbErrorKind::Syntax,
        c if c.starts_with("22") => DbErrorKind::Data,
        _ => DbErrorKind::Other,
    }
}

/// Maps a tokio-postgres error to the core's kinds: SQLSTATE for errors the
/// server reports (with the constraint, or for NOT NULL the `table.column`,
/// it names), `Connection` for a closed or failed connection, `Data` for a
/// value that does not fit its parameter or has no Aludel form.
pub fn map_error(e: &tokio_postgres::Error) -> Error {
    use std::error::Error as _;
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let kind = kind_of_sqlstate(code);
        let mut message = db.message().to_owned();
        if let Some(d) = db.detail() {
            message.push_str(". DETAIL: ");
            message.push_str(d);
        }
        if let Some(h) = db.hint() {
            message.push_str(". HINT: ");
            message.push_str(h);
        }
        let constraint = match kind {
            DbErrorKind::NotNullViolation => db.column().map(|c| match db.table() {
                Some(t) => format!("{t}.{c}"),
                None => c.to_owned(),
            }),
            k if k.is_integrity() => db.constraint().map(str::to_owned),
            _ => None,
        };
        return Error::Database(Box::new(DatabaseError {
            kind,
            message,
            code: Some(code.to_owned()),
            constraint,
            sql: None,
        }));
    }
    if e.is_closed() {
        return Error::database(
            DbErrorKind::Connection,
            "the connection to the server is closed",
        );
    }
    let source = e.source();
    if let Some(b) = source.and_then(|s| s.downcast_ref::<BindError>()) {
        return Error::database(DbErrorKind::Data, b.0.clone());
    }
    if let Some(d) = source.and_then(|s| s.downcast_ref::<DecodeError>()) {
        return Error::database(DbErrorKind::Data, d.0.clone());
    }
    let top = e.to_string();
    let message = match source {
        Some(s) => format!("{top}: {s}"),
        None => top.clone(),
    };
    let kind = if source.is_some_and(|s| s.is::<std::io::Error>())
        || [
            "error communicating with the server",
            "error connecting to server",
            "error performing TLS handshake",
            "authentication error",
            "unexpected message from server",
            "error parsing response from server",
            "timeout waiting for server",
            "invalid configuration",
        ]
        .iter()
        .any(|p| top.starts_with(p))
    {
        DbErrorKind::Connection
    } else if top.starts_with("error serializing parameter")
        || top.starts_with("error deserializing column")
    {
        DbErrorKind::Data
    } else if top.starts_with("expected ") && top.contains(" parameters but got ") {
        DbErrorKind::Syntax
    } else {
        DbErrorKind::Other
    };
    Error::database(kind, message)
}

/// The type a value declares for its placeholder when a statement is
/// prepared (0: none, the server infers it from the context). Only 16- and
/// 32-bit integers and booleans declare theirs, as the literals `2` and
/// `true` would: a bare placeholder (`SELECT :x`, both sides of a
/// recursive CTE's `depth + 1`) then has a type, while the server infers
/// every other value's type from where it stands (a column, an operator,
/// a function's argument), which serves strings, enums, 64-bit integers
/// bound to narrower columns and function arguments best.
fn declared_type(v: &Value) -> u32 {
    match v {
        Value::I16(_) => Type::INT2.oid(),
        Value::I32(_) => Type::INT4.oid(),
        Value::Bool(_) => Type::BOOL.oid(),
        _ => 0,
    }
}

/// One prepared form of a statement: the parameter types it declared.
struct Cached {
    declared: Box<[u32]>,
    stmt: Statement,
    used: u64,
}

/// Prepared statements by SQL text (and the types their values declared),
/// the least recently used dropped first (dropping a tokio-postgres
/// statement closes it on the server).
struct StatementCache {
    /// Keyed by SQL text with FxHash, which costs a fraction of SipHash
    /// over a statement's text; the map holds at most `capacity`
    /// statements, so even colliding keys keep lookups short.
    map: FxHashMap<Box<str>, Vec<Cached>>,
    len: usize,
    tick: u64,
    capacity: usize,
}

impl StatementCache {
    fn get(&mut self, sql: &str, params: &[Value]) -> Option<Statement> {
        self.tick += 1;
        let tick = self.tick;
        let forms = self.map.get_mut(sql)?;
        let c = forms.iter_mut().find(|c| {
            c.declared.len() == params.len()
                && c.declared
                    .iter()
                    .zip(params)
                    .all(|(t, v)| *t == declared_type(v))
        })?;
        c.used = tick;
        Some(c.stmt.clone())
    }

    fn insert(&mut self, sql: &str, declared: Box<[u32]>, stmt: Statement) {
        if self.capacity == 0 {
            return;
        }
        if self.len >= self.capacity {
            let oldest = self
                .map
                .iter()
                .flat_map(|(k, forms)| forms.iter().enumerate().map(move |(i, c)| (c.used, k, i)))
                .min_by_key(|(used, _, _)| *used)
                .map(|(_, k, i)| (k.clone(), i));
            if let Some((k, i)) = oldest {
                if let Some(forms) = self.map.get_mut(&k) {
                    forms.swap_remove(i);
                    self.len -= 1;
                    if forms.is_empty() {
                        self.map.remove(&k);
                    }
                }
            }
        }
        let used = self.tick;
        self.map.entry(sql.into()).or_default().push(Cached {
            declared,
            stmt,
            used,
        });
        self.len += 1;
    }

    fn clear(&mut self) {
        self.map.clear();
        self.len = 0;
    }

    fn remove(&mut self, sql: &str) {
        if let Some(forms) = self.map.remove(sql) {
            self.len -= forms.len();
        }
    }
}

/// One row as tokio-postgres received it; columns are decoded on request.
struct PgRow<'r>(&'r tokio_postgres::Row);

impl RowAccess for PgRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.0.columns().get(idx).map_or("", |c| c.name())
    }

    fn value(&self, idx: usize) -> Result<Value> {
        match self.0.try_get::<_, Decoded>(idx) {
            Ok(d) => Ok(d.0),
            Err(e) => Err(self.unreadable(idx, &e)),
        }
    }

    #[inline]
    fn value_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        match self.0.try_get::<_, DecodedRef<'_>>(idx) {
            Ok(d) => Ok(d.0),
            Err(e) => Err(self.unreadable(idx, &e)),
        }
    }

    #[inline]
    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        match *self.0.columns().get(idx)?.type_() {
            Type::INT8 => self.0.try_get::<_, Option<i64>>(idx).ok(),
            Type::INT4 => self
                .0
                .try_get::<_, Option<i32>>(idx)
                .ok()
                .map(|v| v.map(i64::from)),
            Type::INT2 => self
                .0
                .try_get::<_, Option<i16>>(idx)
                .ok()
                .map(|v| v.map(i64::from)),
            _ => None,
        }
    }

    #[inline]
    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        match *self.0.columns().get(idx)?.type_() {
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                self.0.try_get::<_, Option<&str>>(idx).ok()
            }
            _ => None,
        }
    }
}

impl PgRow<'_> {
    /// Why column `idx` could not be read (out of line: the per-column
    /// path stays small).
    #[cold]
    #[inline(never)]
    fn unreadable(&self, idx: usize, e: &tokio_postgres::Error) -> Error {
        let Some(column) = self.0.columns().get(idx) else {
            return Error::UnknownColumn {
                source_name: format!("a row of {} columns", self.0.len()),
                column: format!("#{idx}"),
            };
        };
        use std::error::Error as _;
        let why = e.source().map_or_else(|| e.to_string(), |s| s.to_string());
        Error::database(
            DbErrorKind::Data,
            format!(
                "cannot read column {:?} of type {}: {why}",
                column.name(),
                type_name(column.type_())
            ),
        )
    }
}

/// An open connection to a PostgreSQL server.
pub struct PgConnection {
    client: Client,
    statements: StatementCache,
    /// Set when the task driving the socket has ended or a query found the
    /// connection closed.
    broken: Arc<AtomicBool>,
    /// The runtime the socket task was spawned on.
    origin: (tokio::runtime::Id, RuntimeFlavor),
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("cached_statements", &self.statements.len)
            .field("broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}

/// Opens a connection with a TLS connector (or `NoTls`) and spawns the
/// task that drives its socket on the current runtime; the flag is set
/// when that task ends.
async fn open<T>(
    url: &DatabaseUrl,
    options: &ConnectOptions,
    config: &Config,
    tls: T,
) -> Result<(Client, Arc<AtomicBool>)>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let connecting = config.connect(tls);
    let result = match connect_timeout(url, options) {
        // The whole handshake, not only the TCP connect, is bounded.
        Some(t) => match tokio::time::timeout(t, connecting).await {
            Ok(r) => r,
            Err(_) => {
                return Err(Error::database(
                    DbErrorKind::Connection,
                    format!(
                        "cannot connect to {}: no answer within {:?}",
                        target(url),
                        t
                    ),
                ))
            }
        },
        None => connecting.await,
    };
    let (client, connection) = result.map_err(|e| {
        let mut err = map_error(&e);
        if let Error::Database(d) = &mut err {
            d.kind = DbErrorKind::Connection;
            let why = tls::handshake_failure(url, &e).unwrap_or_else(|| d.message.clone());
            d.message = format!("cannot connect to {}: {why}", target(url));
        }
        err
    })?;
    let broken = Arc::new(AtomicBool::new(false));
    let flag = broken.clone();
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(target: "aludel::postgres", "connection ended: {e}");
        }
        flag.store(true, Ordering::Release);
    });
    Ok((client, broken))
}

impl PgConnection {
    /// Connects to the server a URL names. The task that drives the socket
    /// is spawned on the current tokio runtime; it ends (and the connection
    /// is then broken) when the server closes the connection, when the
    /// connection is dropped, or when that runtime shuts down.
    pub async fn connect(url: &DatabaseUrl, options: &ConnectOptions) -> Result<PgConnection> {
        let mut config = config(url, options);
        let tls = tls::plan(url)?;
        config.ssl_mode(tls.mode);
        let (client, broken) = match tls.connector {
            None => open(url, options, &config, NoTls).await?,
            #[cfg(feature = "tls")]
            Some(connector) => open(url, options, &config, connector).await?,
            #[cfg(not(feature = "tls"))]
            Some(never) => match never {},
        };
        let runtime = tokio::runtime::Handle::current();
        let origin = (runtime.id(), runtime.runtime_flavor());
        let capacity = url
            .option("statement_cache_size")
            .and_then(|n| n.parse().ok())
            .unwrap_or(DEFAULT_STATEMENT_CACHE_SIZE);
        Ok(PgConnection {
            client,
            statements: StatementCache {
                map: FxHashMap::default(),
                len: 0,
                tick: 0,
                capacity,
            },
            broken,
            origin,
        })
    }

    /// The tokio-postgres client underneath, for what Aludel does not cover.
    pub fn raw(&self) -> &Client {
        &self.client
    }

    fn fail(&self, e: &tokio_postgres::Error) -> Error {
        let err = map_error(e);
        if err.db_kind() == Some(DbErrorKind::Connection) || self.client.is_closed() {
            self.broken.store(true, Ordering::Release);
        }
        err
    }

    async fn statement(&mut self, sql: &str, params: &[Value]) -> Result<Statement> {
        let stmt = match self.statements.get(sql, params) {
            Some(s) => s,
            None => {
                let declared: Box<[u32]> = params.iter().map(declared_type).collect();
                let prepared = if declared.iter().all(|t| *t == 0) {
                    self.client.prepare(sql).await
                } else {
                    let types: Vec<Type> = declared
                        .iter()
                        .map(|&oid| {
                            Type::from_oid(oid).unwrap_or_else(|| {
                                // OID 0 leaves the type to the server.
                                Type::new(
                                    "unspecified".to_owned(),
                                    0,
                                    Kind::Pseudo,
                                    "pg_catalog".to_owned(),
                                )
                            })
                        })
                        .collect();
                    self.client.prepare_typed(sql, &types).await
                };
                let s = prepared.map_err(|e| self.fail(&e))?;
                self.statements.insert(sql, declared, s.clone());
                s
            }
        };
        let expected = stmt.params().len();
        if expected != params.len() {
            return Err(Error::database(
                DbErrorKind::Syntax,
                format!(
                    "the statement has {expected} placeholders but {} values were given",
                    params.len()
                ),
            ));
        }
        Ok(stmt)
    }

    /// Forgets a statement after an error: the server may have changed
    /// under it (a table dropped, a type altered), and the next use
    /// prepares it afresh.
    /// After `sql` failed with `e`: its prepared statement is dropped, and
    /// all of them when the server says a cached plan no longer fits the
    /// tables (SQLSTATE 0A000, "cached plan must not change result type",
    /// after another client altered them): the other statements on those
    /// tables would fail the same way.
    fn forget(&mut self, sql: &str, e: &tokio_postgres::Error) {
        if e.code() == Some(&tokio_postgres::error::SqlState::FEATURE_NOT_SUPPORTED) {
            self.statements.clear();
        } else {
            self.statements.remove(sql);
        }
    }

    async fn execute_inner(&mut self, sql: &str, params: &[Value]) -> Result<ExecResult> {
        let stmt = self.statement(sql, params).await?;
        let args = params
            .iter()
            .enumerate()
            .map(|(index, value)| Param { value, index });
        match self.client.execute_raw(&stmt, args).await {
            Ok(n) => Ok(ExecResult {
                rows_affected: n,
                last_insert_id: None,
            }),
            Err(e) => {
                self.forget(sql, &e);
                Err(self.fail(&e))
            }
        }
    }

    async fn query_inner(
        &mut self,
        sql: &str,
        params: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<ExecResult> {
        let stmt = self.statement(sql, params).await?;
        let args = params
            .iter()
            .enumerate()
            .map(|(index, value)| Param { value, index });
        let stream = match self.client.query_raw(&stmt, args).await {
            Ok(s) => s,
            Err(e) => {
                self.forget(sql, &e);
                return Err(self.fail(&e));
            }
        };
        pin_mut!(stream);
        loop {
            match stream.try_next().await {
                Ok(Some(row)) => sink.row(&PgRow(&row))?,
                Ok(None) => break,
                Err(e) => {
                    self.forget(sql, &e);
                    return Err(self.fail(&e));
                }
            }
        }
        Ok(ExecResult {
            rows_affected: stream.rows_affected().unwrap_or(0),
            last_insert_id: None,
        })
    }
}

impl DriverConnection for PgConnection {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(self.execute_inner(sql, params))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [Value],
        sink: &'a mut dyn RowSink,
    ) -> DriverFuture<'a, Result<ExecResult>> {
        DriverFuture::boxed(self.query_inner(sql, params, sink))
    }

    fn execute_script<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.client
                .batch_execute(sql)
                .await
                .map_err(|e| self.fail(&e))
        })
    }

    fn ping(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if self.is_broken() {
                return Err(Error::database(
                    DbErrorKind::Connection,
                    "the connection to the server is closed",
                ));
            }
            // A current-thread runtime runs the socket task only while it
            // is driven: from another runtime the connection could wait
            // forever, so the pool is told to open one here instead.
            let (id, flavor) = &self.origin;
            if *flavor == RuntimeFlavor::CurrentThread
                && tokio::runtime::Handle::try_current().is_ok_and(|h| h.id() != *id)
            {
                return Err(Error::database(
                    DbErrorKind::Connection,
                    "the connection was opened on another current-thread runtime",
                ));
            }
            self.client
                .batch_execute("SELECT 1")
                .await
                .map_err(|e| self.fail(&e))
        })
    }

    fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire) || self.client.is_closed()
    }

    fn cached_statements(&self) -> usize {
        self.statements.len
    }

    fn clear_statement_cache(&mut self) {
        self.statements.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_to_portable_kinds() {
        for (code, kind) in [
            ("23505", DbErrorKind::UniqueViolation),
            ("23503", DbErrorKind::ForeignKeyViolation),
            ("23502", DbErrorKind::NotNullViolation),
            ("23514", DbErrorKind::CheckViolation),
            ("08006", DbErrorKind::Connection),
            ("57P01", DbErrorKind::Connection),
            ("57014", DbErrorKind::Timeout),
            ("40001", DbErrorKind::Serialization),
            ("40P01", DbErrorKind::Serialization),
            ("42601", DbErrorKind::Syntax),
            ("42P01", DbErrorKind::Syntax),
            ("22003", DbErrorKind::Data),
            ("22P02", DbErrorKind::Data),
            ("28P01", DbErrorKind::Connection),
            ("28000", DbErrorKind::Connection),
            ("3D000", DbErrorKind::Connection),
            ("XX000", DbErrorKind::Other),
        ] {
            assert_eq!(kind_of_sqlstate(code), kind, "{code}");
        }
    }

    #[test]
    fn search_paths_are_plain_schema_lists() {
        assert_eq!(search_path("app, public").as_deref(), Some("app,public"));
        assert_eq!(search_path("$user,public").as_deref(), Some("$user,public"));
        assert_eq!(search_path("$x").as_deref(), None);
        assert_eq!(search_path("a b").as_deref(), None);
        assert_eq!(search_path("a;drop").as_deref(), None);
        assert_eq!(search_path("").as_deref(), None);
    }
}
