//! The blocking session: the same [`crate::Session`] driven to completion
//! on the blocking engine's runtime, for scripts, CLIs and tests without
//! an async runtime (as `aludel_core::blocking` does for connections).
//! Every method matches the async session's, without `.await`.
//!
//! ```
//! # use aludel_sqlite as _;
//! use aludel_orm::blocking::Session;
//! use aludel_orm::Model;
//!
//! #[derive(Model, Debug, Default)]
//! #[aludel(table = "notes")]
//! pub struct Note {
//!     #[aludel(primary_key)]
//!     pub id: i64,
//!     pub body: String,
//! }
//!
//! let engine = aludel_core::blocking::create_engine("sqlite://")?;
//! let mut db = Session::new(&engine);
//! db.create_all(&aludel_orm::models_metadata()?)?;
//! let note = db.add(Note { body: "hello".into(), ..Default::default() });
//! db.commit()?;
//! db.refresh(&note)?;
//! assert_eq!(note.read()?.id, 1);
//! let found = db.query::<Note>().filter(Note::body.eq("hello")).one()?;
//! assert!(found == note);
//! # Ok::<(), aludel_orm::Error>(())
//! ```

use crate::error::Result;
use crate::key::IntoKey;
use crate::model::Model;
use crate::object::Obj;
use crate::query::{Entity, Plain, PlainEntity, Query};
use crate::session::{self, SessionOptions};
use aludel_core::blocking::Engine;
use aludel_core::engine::{FromRow, QueryResult};
use aludel_core::select::IntoColumns;
use aludel_core::{select, FromValue, MetaData, Statement};
use std::fmt;

/// A blocking session factory (see [`crate::SessionMaker`]).
#[derive(Debug, Clone)]
pub struct SessionMaker {
    engine: Engine,
    options: SessionOptions,
}

impl SessionMaker {
    /// A factory of blocking sessions over `engine`.
    pub fn new(engine: &Engine) -> SessionMaker {
        SessionMaker {
            engine: engine.clone(),
            options: SessionOptions::default(),
        }
    }

    /// Sets [`SessionOptions::autoflush`].
    pub fn autoflush(mut self, on: bool) -> Self {
        self.options.autoflush = on;
        self
    }

    /// Sets [`SessionOptions::expire_on_commit`].
    pub fn expire_on_commit(mut self, on: bool) -> Self {
        self.options.expire_on_commit = on;
        self
    }

    /// A new session.
    pub fn session(&self) -> Session {
        Session::with_options(&self.engine, self.options)
    }
}

/// A blocking [`crate::Session`].
pub struct Session {
    inner: session::Session,
    engine: Engine,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl Session {
    /// A session over `engine` with default options.
    pub fn new(engine: &Engine) -> Session {
        Session::with_options(engine, SessionOptions::default())
    }

    /// A session over `engine` with `options`.
    pub fn with_options(engine: &Engine, options: SessionOptions) -> Session {
        Session {
            inner: session::Session::with_options(engine.as_async().clone(), options),
            engine: engine.clone(),
        }
    }

    /// The async session underneath.
    pub fn as_async(&mut self) -> &mut session::Session {
        &mut self.inner
    }

    /// The blocking engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// See [`crate::Session::create_all`].
    pub fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.engine.block_on(self.inner.create_all(metadata))
    }

    /// See [`crate::Session::drop_all`].
    pub fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.engine.block_on(self.inner.drop_all(metadata))
    }

    /// See [`crate::Session::add`].
    pub fn add<T: Model>(&mut self, value: T) -> Obj<T> {
        self.inner.add(value)
    }

    /// See [`crate::Session::add_all`].
    pub fn add_all<T: Model>(&mut self, values: impl IntoIterator<Item = T>) -> Vec<Obj<T>> {
        self.inner.add_all(values)
    }

    /// See [`crate::Session::add_obj`].
    pub fn add_obj<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        self.inner.add_obj(obj)
    }

    /// See [`crate::Session::delete`].
    pub fn delete<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        self.inner.delete(obj)
    }

    /// See [`crate::Session::contains`].
    pub fn contains<T: Model>(&self, obj: &Obj<T>) -> bool {
        self.inner.contains(obj)
    }

    /// See [`crate::Session::len`].
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// See [`crate::Session::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// See [`crate::Session::has_changes`].
    pub fn has_changes(&self) -> bool {
        self.inner.has_changes()
    }

    /// See [`crate::Session::in_transaction`].
    pub fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    /// See [`crate::Session::set_autoflush`].
    pub fn set_autoflush(&mut self, on: bool) {
        self.inner.set_autoflush(on);
    }

    /// See [`crate::Session::expire`].
    pub fn expire<T: Model>(&mut self, obj: &Obj<T>) {
        self.inner.expire(obj);
    }

    /// See [`crate::Session::expire_all`].
    pub fn expire_all(&mut self) {
        self.inner.expire_all();
    }

    /// See [`crate::Session::expunge`].
    pub fn expunge<T: Model>(&mut self, obj: &Obj<T>) {
        self.inner.expunge(obj);
    }

    /// See [`crate::Session::expunge_all`].
    pub fn expunge_all(&mut self) {
        self.inner.expunge_all();
    }

    /// See [`crate::Session::get`].
    pub fn get<T: Model>(&mut self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        self.engine.block_on(self.inner.get::<T>(key))
    }

    /// See [`crate::Session::load`].
    pub fn load<T: Model, R: crate::RelField>(
        &mut self,
        obj: &Obj<T>,
        rel: crate::Rel<T, R>,
    ) -> Result<()> {
        self.engine.block_on(self.inner.load(obj, rel))
    }

    /// See [`crate::Session::refresh`].
    pub fn refresh<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        self.engine.block_on(self.inner.refresh(obj))
    }

    /// See [`crate::Session::merge`].
    pub fn merge<T: Model>(&mut self, value: T) -> Result<Obj<T>> {
        self.engine.block_on(self.inner.merge(value))
    }

    /// See [`crate::Session::flush`].
    pub fn flush(&mut self) -> Result<()> {
        self.engine.block_on(self.inner.flush())
    }

    /// See [`crate::Session::commit`].
    pub fn commit(&mut self) -> Result<()> {
        self.engine.block_on(self.inner.commit())
    }

    /// See [`crate::Session::rollback`].
    pub fn rollback(&mut self) -> Result<()> {
        self.engine.block_on(self.inner.rollback())
    }

    /// See [`crate::Session::close`].
    pub fn close(&mut self) -> Result<()> {
        self.engine.block_on(self.inner.close())
    }

    /// See [`crate::Session::execute`].
    pub fn execute(&mut self, stmt: impl Into<Statement>) -> Result<QueryResult> {
        self.engine.block_on(self.inner.execute(stmt))
    }

    /// See [`crate::Session::scalars`].
    pub fn scalars<T: Model>(&mut self, stmt: impl Into<Statement>) -> Result<Vec<Obj<T>>> {
        self.engine.block_on(self.inner.scalars::<T>(stmt))
    }

    /// See [`crate::Session::fetch_all`].
    pub fn fetch_all<R: FromRow + Send>(&mut self, stmt: impl Into<Statement>) -> Result<Vec<R>> {
        self.engine.block_on(self.inner.fetch_all::<R>(stmt))
    }

    /// See [`crate::Session::scalar`].
    pub fn scalar<V: FromValue>(&mut self, stmt: impl Into<Statement>) -> Result<Option<V>> {
        self.engine.block_on(self.inner.scalar::<V>(stmt))
    }

    /// See [`crate::Session::query`].
    pub fn query<T: Model>(&mut self) -> Query<'_, Session, Entity<T>> {
        Query::new(self, select(T::table()))
    }

    /// See [`crate::Session::query_as`].
    pub fn query_as<R: FromRow + Send>(
        &mut self,
        columns: impl IntoColumns,
    ) -> Query<'_, Session, Plain<R>> {
        Query::new(self, select(columns))
    }
}

impl<'s, T: Model> Query<'s, Session, Entity<T>> {
    fn into_async(self) -> (Engine, Query<'s, session::Session, Entity<T>>) {
        let s = self.session;
        (
            s.engine.clone(),
            Query::new(&mut s.inner, self.select)
                .with_loads(self.loads)
                .with_error(self.error),
        )
    }

    /// See [`Query::plain`](crate::Query::plain): untracked values, with
    /// the relationships the loader options name filled with untracked
    /// objects.
    pub fn plain(self) -> Query<'s, Session, PlainEntity<T>> {
        Query::new(self.session, self.select)
            .with_loads(self.loads)
            .with_error(self.error)
    }

    /// Every object the query finds.
    pub fn all(self) -> Result<Vec<Obj<T>>> {
        let (e, q) = self.into_async();
        e.block_on(q.all())
    }

    /// The first object, if any.
    pub fn first(self) -> Result<Option<Obj<T>>> {
        let (e, q) = self.into_async();
        e.block_on(q.first())
    }

    /// The only object; an error for none or several.
    pub fn one(self) -> Result<Obj<T>> {
        let (e, q) = self.into_async();
        e.block_on(q.one())
    }

    /// The only object or `None`; an error for several.
    pub fn one_or_none(self) -> Result<Option<Obj<T>>> {
        let (e, q) = self.into_async();
        e.block_on(q.one_or_none())
    }

    /// The number of rows the query finds.
    pub fn count(self) -> Result<i64> {
        let (e, q) = self.into_async();
        e.block_on(q.count())
    }
}

impl<'s, T: Model> Query<'s, Session, PlainEntity<T>> {
    fn into_async(self) -> (Engine, Query<'s, session::Session, PlainEntity<T>>) {
        let s = self.session;
        (
            s.engine.clone(),
            Query::new(&mut s.inner, self.select)
                .with_loads(self.loads)
                .with_error(self.error),
        )
    }

    /// Every row, as untracked values with their relationships loaded.
    pub fn all(self) -> Result<Vec<T>> {
        let (e, q) = self.into_async();
        e.block_on(q.all())
    }

    /// The first value, if any.
    pub fn first(self) -> Result<Option<T>> {
        let (e, q) = self.into_async();
        e.block_on(q.first())
    }

    /// The only value; an error for none or several.
    pub fn one(self) -> Result<T> {
        let (e, q) = self.into_async();
        e.block_on(q.one())
    }

    /// The only value or `None`; an error for several.
    pub fn one_or_none(self) -> Result<Option<T>> {
        let (e, q) = self.into_async();
        e.block_on(q.one_or_none())
    }

    /// The number of rows the query finds.
    pub fn count(self) -> Result<i64> {
        let (e, q) = self.into_async();
        e.block_on(q.count())
    }
}

impl<'s, R: FromRow + Send> Query<'s, Session, Plain<R>> {
    fn into_async(self) -> (Engine, Query<'s, session::Session, Plain<R>>) {
        let s = self.session;
        (
            s.engine.clone(),
            Query::new(&mut s.inner, self.select).with_error(self.error),
        )
    }

    /// Every row, decoded.
    pub fn all(self) -> Result<Vec<R>> {
        let (e, q) = self.into_async();
        e.block_on(q.all())
    }

    /// The first row, if any.
    pub fn first(self) -> Result<Option<R>> {
        let (e, q) = self.into_async();
        e.block_on(q.first())
    }

    /// The only row; an error for none or several.
    pub fn one(self) -> Result<R> {
        let (e, q) = self.into_async();
        e.block_on(q.one())
    }

    /// The only row or `None`; an error for several.
    pub fn one_or_none(self) -> Result<Option<R>> {
        let (e, q) = self.into_async();
        e.block_on(q.one_or_none())
    }

    /// The number of rows the query finds.
    pub fn count(self) -> Result<i64> {
        let (e, q) = self.into_async();
        e.block_on(q.count())
    }

    /// The first column of the first row.
    pub fn scalar<V: FromValue>(self) -> Result<Option<V>> {
        let (e, q) = self.into_async();
        e.block_on(q.scalar::<V>())
    }
}
