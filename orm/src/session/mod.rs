//! The [`Session`]: identity map, object states and unit of work over one
//! connection and transaction at a time.

mod flush;
mod identity;
mod loading;

pub(crate) use identity::note_write;
pub use identity::Identity;
pub use loading::{absorb_into, RelSink};

use crate::error::{Error, Result};
use crate::key::{GroupKey, IntoKey, Key, StoredKey};
use crate::model::Model;
use crate::object::{downcast_cell, AnyObj, ErasedObj, Meta, Obj, ObjectState};
use crate::query::{Entity, Plain, Query};
use aludel_core::engine::{Connection, Engine, FromRow, QueryResult};
use aludel_core::select::IntoColumns;
use aludel_core::{select, Expr, FromValue, MetaData, Select, Statement, Table, Value};
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Settings of a [`Session`], as SQLAlchemy's `sessionmaker` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    /// Flush pending changes before every query that reads the database
    /// (default on), so a query sees what the session added or changed.
    pub autoflush: bool,
    /// Expire every object at commit (default on): its next read is an
    /// [`Error::Expired`] until it is loaded again, so a committed
    /// session never shows data another transaction may have changed.
    pub expire_on_commit: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            autoflush: true,
            expire_on_commit: true,
        }
    }
}

/// A session factory bound to an engine (SQLAlchemy's `sessionmaker`):
/// build one at startup, then open a [`Session`] per unit of work, such
/// as one per web request.
///
/// ```
/// # use aludel_sqlite as _;
/// use aludel_orm::SessionMaker;
/// # async fn f() -> Result<(), aludel_orm::Error> {
/// let engine = aludel_core::create_engine("sqlite://")?;
/// let sessions = SessionMaker::new(engine).expire_on_commit(false);
/// let mut db = sessions.session();
/// db.commit().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SessionMaker {
    engine: Engine,
    options: SessionOptions,
}

impl SessionMaker {
    /// A factory of sessions over `engine`, with default options.
    pub fn new(engine: Engine) -> SessionMaker {
        SessionMaker {
            engine,
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

    /// The options sessions get.
    pub fn options(&self) -> SessionOptions {
        self.options
    }

    /// The engine sessions use.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A new session. It takes a connection from the pool at its first
    /// statement and gives it back at commit, rollback or close.
    pub fn session(&self) -> Session {
        Session::with_options(self.engine.clone(), self.options)
    }
}

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// What absorbing one row gave: the object, whether the row made it, and
/// the decoded row's values at the columns asked for.
#[doc(hidden)]
pub struct Absorbed {
    pub(crate) obj: ErasedObj,
    /// The object is new to the identity map (made from this row), so no
    /// list built before holds it.
    pub(crate) fresh: bool,
    /// The row's values at the `group` columns, as the model decodes them
    /// (`None` when no columns were asked for).
    pub(crate) key: Option<GroupKey>,
}

/// Decodes a row of one model into the identity map, or untracked without
/// one (the derive puts one per relationship target into its
/// [`RelInfo`](crate::RelInfo)); the row holds the model's columns in the
/// table's order. It also gives the decoded values of columns `group`
/// (none asked: no key).
#[doc(hidden)]
pub type AbsorbFn = fn(
    Option<&mut Identity>,
    u64,
    &dyn aludel_core::engine::RowAccess,
    group: &[usize],
) -> aludel_core::Result<Absorbed>;

/// Decodes a row of one model into the list of the parents it belongs to
/// (the derive puts one per relationship target into its
/// [`RelInfo`](crate::RelInfo)): the hot path of eager loads.
#[doc(hidden)]
pub type AbsorbIntoFn =
    fn(&mut RelSink<'_>, &dyn aludel_core::engine::RowAccess) -> aludel_core::Result<()>;

/// The [`AbsorbFn`] of model `T`.
#[doc(hidden)]
pub fn absorb_erased<T: Model>(
    identity: Option<&mut Identity>,
    session: u64,
    row: &dyn aludel_core::engine::RowAccess,
    group: &[usize],
) -> aludel_core::Result<Absorbed> {
    // Relationship loading SELECTs the target's table (or an alias of
    // it) itself: its columns are in the table's order.
    let v = T::from_row_at(row)?;
    let key = match group {
        [] => None,
        [i] => Some(GroupKey::of_value(v.column_value(*i))),
        _ => Some(GroupKey::Key(crate::model::key_at(&v, group))),
    };
    let Some(identity) = identity else {
        return Ok(Absorbed {
            obj: ErasedObj(Obj::untracked(v).cell),
            fresh: true,
            key,
        });
    };
    let (obj, fresh) = absorb_fresh(identity, session, v);
    Ok(Absorbed {
        obj: ErasedObj(obj.cell),
        fresh,
        key,
    })
}

/// The values of columns `cols` of a row, as a key.
pub(crate) fn row_key(
    row: &dyn aludel_core::engine::RowAccess,
    cols: &[usize],
) -> aludel_core::Result<Key> {
    Ok(match cols {
        [i] => Key::one(row.value(*i)?),
        _ => Key::many(
            cols.iter()
                .map(|&i| row.value(i))
                .collect::<aludel_core::Result<_>>()?,
        ),
    })
}

pub(crate) fn table_id(t: &'static Table) -> usize {
    std::ptr::from_ref(t) as usize
}

/// What a flush did, kept until the transaction ends so that a rollback
/// can put every object back where it was.
pub(crate) enum Done {
    /// An INSERT: the values its generated columns had before.
    Inserted {
        obj: Arc<dyn AnyObj>,
        before: Vec<(&'static str, Value)>,
    },
    /// An UPDATE: the database's values before it, and the version before.
    Updated {
        obj: Arc<dyn AnyObj>,
        committed: Vec<Value>,
        old_key: Key,
    },
    /// A DELETE.
    Deleted { obj: Arc<dyn AnyObj>, key: Key },
}

/// A unit of work against the database, with an identity map
/// (SQLAlchemy's `Session`).
///
/// Objects enter with [`Session::add`] (pending: INSERTed at the next
/// flush) or by being loaded ([`Session::get`], [`Session::query`]); within
/// one session one row is one object, and every load of it returns a
/// handle to the same [`Obj`]. Changes made through [`Obj::write`] and
/// deletions marked with [`Session::delete`] are written by
/// [`Session::flush`], which runs before each query (autoflush) and at
/// [`Session::commit`].
///
/// The session opens a transaction at its first statement (autobegin)
/// and holds one pooled connection until commit, rollback or close.
///
/// ```
/// # use aludel_sqlite as _;
/// use aludel_orm::{Model, Session};
///
/// #[derive(Model, Debug, Default)]
/// #[aludel(table = "users")]
/// pub struct User {
///     #[aludel(primary_key)]
///     pub id: i64,
///     pub name: String,
/// }
///
/// # async fn f() -> Result<(), aludel_orm::Error> {
/// let engine = aludel_core::create_engine("sqlite://")?;
/// let mut db = Session::new(engine);
/// db.create_all(&aludel_orm::models_metadata()?).await?;
/// let alice = db.add(User { name: "Alice".into(), ..Default::default() });
/// db.flush().await?; // INSERT ... RETURNING id
/// let id = alice.read()?.id;
/// let again = db.get::<User>(id).await?.expect("present");
/// assert!(again == alice); // the identity map answered, without SQL
/// db.commit().await?;
/// # Ok(()) }
/// ```
pub struct Session {
    pub(crate) engine: Engine,
    pub(crate) options: SessionOptions,
    pub(crate) id: u64,
    pub(crate) conn: Option<Connection>,
    pub(crate) identity: Identity,
    pub(crate) new: Vec<Arc<dyn AnyObj>>,
    pub(crate) deleted: Vec<Arc<dyn AnyObj>>,
    pub(crate) journal: Vec<Done>,
    /// The last add's place in the order of pending objects.
    pub(crate) seq: u32,
    pub(crate) links: Vec<flush::Link>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("dialect", &self.engine.dialect().name())
            .field("objects", &self.identity.len())
            .field("pending", &self.new.len())
            .field("marked_for_deletion", &self.deleted.len())
            .field("in_transaction", &self.in_transaction())
            .finish()
    }
}

/// Takes a connection from the pool if the session has none, and begins
/// a transaction if none is open.
pub(crate) async fn ensure_conn<'a>(
    engine: &Engine,
    slot: &'a mut Option<Connection>,
) -> Result<&'a mut Connection> {
    let conn = match slot {
        Some(c) => c,
        None => slot.insert(engine.connect().await?),
    };
    if !conn.in_transaction() {
        conn.start_transaction(None).await?;
    }
    Ok(conn)
}

/// Puts a loaded value into the identity map, or finds the object that is
/// already there. An object already present keeps its state (a query
/// never overwrites changes that are not flushed) unless it was expired,
/// in which case the fresh row replaces it.
pub(crate) fn absorb<T: Model>(identity: &mut Identity, session: u64, value: T) -> Obj<T> {
    absorb_fresh(identity, session, value).0
}

/// [`absorb`], and whether the object is new to the identity map.
#[inline]
pub(crate) fn absorb_fresh<T: Model>(
    identity: &mut Identity,
    session: u64,
    value: T,
) -> (Obj<T>, bool) {
    let key = value.identity();
    // One hash lookup, whether the row is new to the map or not.
    let fresh = |value: T, key: StoredKey| {
        let mut meta = Meta::new(ObjectState::Persistent);
        meta.session = session;
        meta.key = key;
        Obj::with_meta(value, meta)
    };
    let table = table_id(T::table());
    match StoredKey::int(key) {
        Ok((i, stored)) => place(identity.slot_int(table, i), value, || stored, fresh),
        Err(key) => {
            let entry = identity.slot_other(table, key.clone());
            place(entry, value, move || StoredKey::new(Some(key)), fresh)
        }
    }
}

/// [`absorb_fresh`] at the identity map's entry for the value's key.
#[inline]
fn place<K, T: Model>(
    entry: Entry<'_, K, Arc<dyn AnyObj>>,
    value: T,
    key: impl FnOnce() -> StoredKey,
    fresh: impl FnOnce(T, StoredKey) -> Obj<T>,
) -> (Obj<T>, bool) {
    match entry {
        Entry::Occupied(mut e) => {
            if let Some(cell) = downcast_cell::<T>(e.get().clone()) {
                if let Some(mut v) = cell.try_write() {
                    let mut meta = cell.bookkeeping();
                    if meta.expired {
                        *v = value;
                        meta.expired = false;
                        meta.modified = false;
                        meta.committed = None;
                    }
                }
                return (Obj { cell }, false);
            }
            // Another model under the same table and key: the new object
            // takes its place.
            let obj = fresh(value, key());
            e.insert(obj.erased());
            (obj, true)
        }
        Entry::Vacant(e) => {
            let obj = fresh(value, key());
            e.insert(obj.erased());
            (obj, true)
        }
    }
}

/// The object of `T` the session holds for a row whose primary key is in
/// columns `pk` of `row`, if it is there and not expired: a row met again
/// (a parent repeated by a join) then needs no decoding, since
/// [`absorb`] would keep the held object as it is.
pub(crate) fn held<T: Model>(
    identity: &Identity,
    pk: &[usize],
    row: &dyn aludel_core::engine::RowAccess,
) -> aludel_core::Result<Option<Obj<T>>> {
    let table = table_id(T::table());
    // A key of one integer is looked up as that integer, without a `Key`.
    let found = match (pk, pk.first().and_then(|&i| row.get_i64(i))) {
        ([_], Some(Some(i))) => identity.get_int(table, i),
        _ => identity.get(table, &row_key(row, pk)?),
    };
    let Some(o) = found else {
        return Ok(None);
    };
    if o.meta().expired {
        return Ok(None);
    }
    Ok(downcast_cell::<T>(o.clone()).map(|cell| Obj { cell }))
}

/// A model decoded as a Core row type.
pub(crate) struct Loaded<T>(pub(crate) T);

impl<T: Model> FromRow for Loaded<T> {
    fn from_row(row: &dyn aludel_core::engine::RowAccess) -> aludel_core::Result<Self> {
        T::from_row(row).map(Loaded)
    }
}

/// `WHERE pk1 = ? AND pk2 = ?` for a key of `table`.
pub(crate) fn key_condition(table: &Table, key: &Key) -> Result<Expr> {
    let cols = &table.primary_key.columns;
    if cols.len() != key.values().len() {
        return Err(Error::Core(aludel_core::Error::InvalidStatement(format!(
            "table {} has a primary key of {} column(s); the key {key} has {}",
            table.qualified_name(),
            cols.len(),
            key.values().len()
        ))));
    }
    let mut cond: Option<Expr> = None;
    for (c, v) in cols.iter().zip(key.values()) {
        let term = table.c(c.as_str())?.eq(aludel_core::value(v.clone()));
        cond = Some(match cond {
            None => term,
            Some(prev) => prev.and(term),
        });
    }
    cond.ok_or_else(|| {
        Error::Core(aludel_core::Error::InvalidStatement(format!(
            "table {} has no primary key",
            table.qualified_name()
        )))
    })
}

impl Session {
    /// A session over `engine` with default options.
    pub fn new(engine: Engine) -> Session {
        Session::with_options(engine, SessionOptions::default())
    }

    /// A session over `engine` with `options`.
    pub fn with_options(engine: Engine, options: SessionOptions) -> Session {
        let id = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
        Session {
            engine,
            options,
            id,
            conn: None,
            identity: Identity::new(id),
            new: Vec::new(),
            deleted: Vec::new(),
            journal: Vec::new(),
            seq: 0,
            links: Vec::new(),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The session's options.
    pub fn options(&self) -> SessionOptions {
        self.options
    }

    /// Turns autoflush on or off for this session.
    pub fn set_autoflush(&mut self, on: bool) {
        self.options.autoflush = on;
    }

    /// Whether the session has a transaction open.
    pub fn in_transaction(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::in_transaction)
    }

    /// The session's connection, inside its transaction (begun if none
    /// is open): to run Core statements in the same transaction as the
    /// session's own. Pending changes are not flushed first.
    pub async fn connection(&mut self) -> Result<&mut Connection> {
        ensure_conn(&self.engine, &mut self.conn).await
    }

    /// Creates the tables of `metadata` (every model's, with
    /// [`models_metadata`](crate::models_metadata)) that the database does
    /// not have yet, in dependency order, in the session's transaction:
    /// SQLAlchemy's `metadata.create_all()`, which checks first. Tables
    /// that exist are left as they are, so this can run at every start.
    pub async fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        aludel_core::create_all_missing(conn, metadata).await?;
        Ok(())
    }

    /// Drops the tables of `metadata` that exist, dependents first.
    pub async fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        let plan = aludel_core::drop_all(metadata, self.engine.dialect(), true)?;
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        for ddl in plan {
            conn.execute(ddl).await?;
        }
        Ok(())
    }

    /// Adds a new object: it is pending, and INSERTed at the next flush.
    /// Returns the handle the session tracks it by.
    pub fn add<T: Model>(&mut self, value: T) -> Obj<T> {
        let obj = Obj::new(value);
        self.attach_pending(obj.erased());
        obj
    }

    /// Adds several new objects (see [`Session::add`]).
    pub fn add_all<T: Model>(&mut self, values: impl IntoIterator<Item = T>) -> Vec<Obj<T>> {
        values.into_iter().map(|v| self.add(v)).collect()
    }

    /// Adds an existing handle: a transient object becomes pending, a
    /// detached one is attached again (persistent); an object already in
    /// this session is left as it is. An object of another session is an
    /// error (expunge it there first).
    pub fn add_obj<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        let (state, session, key) = {
            let m = obj.cell.bookkeeping();
            (m.state, m.session, m.key.get())
        };
        if session == self.id {
            return Ok(());
        }
        match state {
            ObjectState::Transient => {
                self.attach_pending(obj.erased());
                Ok(())
            }
            ObjectState::Detached => {
                let key = match key {
                    Some(k) => k,
                    None => obj.erased().current_key()?,
                };
                let table = table_id(T::table());
                if self.identity.contains(table, &key) {
                    return Err(Error::InvalidState {
                        operation: "attach (this session already holds its row as another object)",
                        model: T::NAME,
                        state,
                    });
                }
                {
                    let mut m = obj.cell.bookkeeping();
                    m.state = ObjectState::Persistent;
                    m.session = self.id;
                    m.key.set(Some(key.clone()));
                    // Changes made while detached are flushed here.
                    if m.modified {
                        self.identity.dirty.raise();
                    }
                }
                self.identity.insert(table, key, obj.erased());
                Ok(())
            }
            _ => Err(Error::InvalidState {
                operation: "add (it belongs to another session)",
                model: T::NAME,
                state,
            }),
        }
    }

    /// The place of the next pending object in the order of adds. The
    /// counter is 32 bits (it fits in the objects' bookkeeping without
    /// growing it): when it runs out, the pending objects are numbered
    /// again from 1, in their order.
    pub(crate) fn next_seq(&mut self) -> u32 {
        if self.seq == u32::MAX {
            self.new.sort_by_key(|o| o.meta().seq);
            let mut n = 0u32;
            for o in &self.new {
                n += 1;
                o.meta().seq = n;
            }
            self.seq = n;
        }
        self.seq += 1;
        self.seq
    }

    fn attach_pending(&mut self, obj: Arc<dyn AnyObj>) {
        let seq = self.next_seq();
        {
            let mut m = obj.meta();
            m.state = ObjectState::Pending;
            m.session = self.id;
            m.seq = seq;
            m.expired = false;
        }
        self.new.push(obj);
    }

    /// Marks a persistent object for deletion: its DELETE runs at the next
    /// flush, and `get` no longer finds it. A pending object is simply
    /// taken out of the session (it was never INSERTed).
    pub fn delete<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        let (state, session) = {
            let m = obj.cell.bookkeeping();
            (m.state, m.session)
        };
        if session != self.id {
            return Err(Error::InvalidState {
                operation: "delete (it is not in this session)",
                model: T::NAME,
                state,
            });
        }
        match state {
            ObjectState::Pending => {
                self.expunge(obj);
                Ok(())
            }
            ObjectState::Persistent => {
                let mut m = obj.cell.bookkeeping();
                if !m.marked_for_deletion {
                    m.marked_for_deletion = true;
                    drop(m);
                    self.deleted.push(obj.erased());
                }
                Ok(())
            }
            _ => Err(Error::InvalidState {
                operation: "delete",
                model: T::NAME,
                state,
            }),
        }
    }

    /// Whether the object is in this session (pending or persistent).
    pub fn contains<T: Model>(&self, obj: &Obj<T>) -> bool {
        let m = obj.cell.bookkeeping();
        m.session == self.id && matches!(m.state, ObjectState::Pending | ObjectState::Persistent)
    }

    /// The number of objects in the identity map.
    pub fn len(&self) -> usize {
        self.identity.len()
    }

    /// Whether the identity map is empty and nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty() && self.new.is_empty()
    }

    /// Whether a flush has work to do: pending objects, deletions, or
    /// objects written through [`Obj::write`].
    pub fn has_changes(&self) -> bool {
        !self.new.is_empty()
            || !self.deleted.is_empty()
            || !self.links.is_empty()
            || (self.identity.dirty.get() && self.identity.values().any(|o| o.meta().modified))
    }

    /// Loads the object with primary key `key`: from the identity map when
    /// it holds it (no SQL), else with one SELECT. `None` if there is no
    /// such row, or if the object is marked for deletion.
    pub async fn get<T: Model>(&mut self, key: impl IntoKey) -> Result<Option<Obj<T>>> {
        let key = key.into_key();
        let table = table_id(T::table());
        if let Some(existing) = self.identity.get(table, &key) {
            let m = existing.meta();
            if m.marked_for_deletion || m.state != ObjectState::Persistent {
                return Ok(None);
            }
            if !m.expired {
                drop(m);
                if let Some(cell) = downcast_cell::<T>(existing.clone()) {
                    return Ok(Some(Obj { cell }));
                }
            }
        }
        self.autoflush().await?;
        let stmt = select(T::table()).where_(key_condition(T::table(), &key)?);
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        let row = conn.fetch_optional::<Loaded<T>>(stmt).await?.map(|l| l.0);
        Ok(row.map(|v| absorb(&mut self.identity, self.id, v)))
    }

    /// Loads the object's row again, replacing its value and clearing any
    /// expiry; its unflushed changes are discarded, and nothing else is
    /// flushed first. [`Error::ObjectDeleted`] if the row is gone.
    pub async fn refresh<T: Model>(&mut self, obj: &Obj<T>) -> Result<()> {
        let (state, session, key) = {
            let m = obj.cell.bookkeeping();
            (m.state, m.session, m.key.get())
        };
        let key = match key {
            Some(k) if session == self.id && state == ObjectState::Persistent => k,
            _ => {
                return Err(Error::InvalidState {
                    operation: "refresh (it is not persistent in this session)",
                    model: T::NAME,
                    state,
                })
            }
        };
        // The object's own unflushed changes are discarded, not flushed
        // (as SQLAlchemy's refresh expires the object first).
        {
            let mut m = obj.cell.bookkeeping();
            m.modified = false;
            m.committed = None;
        }
        let stmt = select(T::table()).where_(key_condition(T::table(), &key)?);
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        let row = conn.fetch_optional::<Loaded<T>>(stmt).await?.map(|l| l.0);
        let Some(fresh) = row else {
            return Err(Error::ObjectDeleted {
                model: T::NAME,
                key: key.to_string(),
            });
        };
        let mut v = obj.cell.try_write().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "refreshing it",
        })?;
        *v = fresh;
        let mut m = obj.cell.bookkeeping();
        m.expired = false;
        m.modified = false;
        m.committed = None;
        Ok(())
    }

    /// Expires one object: its next read is an error until it is loaded
    /// again; unflushed changes to it are discarded.
    pub fn expire<T: Model>(&mut self, obj: &Obj<T>) {
        let mut m = obj.cell.bookkeeping();
        if m.session == self.id && m.state == ObjectState::Persistent {
            m.expired = true;
            m.modified = false;
            m.committed = None;
        }
    }

    /// Expires every persistent object of the session.
    pub fn expire_all(&mut self) {
        for o in self.identity.values() {
            {
                let mut m = o.meta();
                m.expired = true;
                m.modified = false;
                m.committed = None;
            }
            o.rel_unload_all();
        }
    }

    /// Takes one object out of the session: a pending object becomes
    /// transient, a persistent one detached. Its unflushed changes stay
    /// unwritten.
    pub fn expunge<T: Model>(&mut self, obj: &Obj<T>) {
        let erased = obj.erased();
        let mut m = obj.cell.bookkeeping();
        if m.session != self.id {
            return;
        }
        m.session = 0;
        m.marked_for_deletion = false;
        m.state = match m.state {
            ObjectState::Pending | ObjectState::Transient => ObjectState::Transient,
            _ => ObjectState::Detached,
        };
        if let Some(k) = m.key.get() {
            self.identity.remove(table_id(T::table()), &k);
        }
        drop(m);
        self.new.retain(|o| !Arc::ptr_eq(o, &erased));
        self.deleted.retain(|o| !Arc::ptr_eq(o, &erased));
    }

    /// Takes every object out of the session (see [`Session::expunge`]).
    pub fn expunge_all(&mut self) {
        for o in self.new.drain(..) {
            let mut m = o.meta();
            m.session = 0;
            m.state = ObjectState::Transient;
        }
        // One store per object, not a lock: its next lock detaches it.
        self.identity.drain_each(|o| o.detach_later());
        self.deleted.clear();
    }

    /// Copies `value` onto the session's object with the same primary key
    /// (loading it if the session does not hold it) and returns that
    /// object; the copy is written at the next flush. A value whose key is
    /// not in the database is added as a new object.
    pub async fn merge<T: Model>(&mut self, value: T) -> Result<Obj<T>> {
        let key = value.identity();
        if !key.has_null() {
            if let Some(obj) = self.get::<T>(key).await? {
                *obj.write()? = value;
                return Ok(obj);
            }
        }
        Ok(self.add(value))
    }

    /// Undoes an INSERT the transaction lost: the object leaves the
    /// identity map, gets back the values its generated columns had, and
    /// becomes `state` (pending again, or transient and out of the session).
    pub(crate) fn uninsert(
        &mut self,
        obj: &Arc<dyn AnyObj>,
        before: &[(&'static str, Value)],
        state: ObjectState,
    ) {
        let key = {
            let mut m = obj.meta();
            m.state = state;
            if state == ObjectState::Transient {
                m.session = 0;
            }
            m.modified = false;
            m.committed = None;
            m.key.take()
        };
        if let Some(k) = key {
            self.identity.remove(table_id(obj.table()), &k);
        }
        // A value still borrowed keeps its key; nothing else.
        let _ = obj.set_columns(before);
    }

    pub(crate) async fn autoflush(&mut self) -> Result<()> {
        if self.options.autoflush {
            self.flush().await?;
        }
        Ok(())
    }

    /// Flushes, then commits the transaction and gives the connection
    /// back to the pool. With `expire_on_commit` every object is expired.
    pub async fn commit(&mut self) -> Result<()> {
        self.flush().await?;
        if let Some(conn) = self.conn.as_mut() {
            if conn.in_transaction() {
                conn.commit().await?;
            }
        }
        self.conn = None;
        for done in self.journal.drain(..) {
            if let Done::Deleted { obj, .. } = done {
                let mut m = obj.meta();
                m.state = ObjectState::Detached;
                m.session = 0;
            }
        }
        if self.options.expire_on_commit {
            self.expire_all();
        }
        Ok(())
    }

    /// Rolls the transaction back and gives the connection back to the
    /// pool. As in SQLAlchemy: objects INSERTed or added in the
    /// transaction leave the session (transient again, their generated
    /// keys cleared), objects deleted in it are persistent again, and
    /// every persistent object is expired, its unflushed changes dropped.
    pub async fn rollback(&mut self) -> Result<()> {
        let r = match self.conn.as_mut() {
            Some(conn) => conn.rollback().await,
            None => Ok(()),
        };
        self.conn = None;
        for done in std::mem::take(&mut self.journal).into_iter().rev() {
            match done {
                Done::Inserted { obj, before } => {
                    self.uninsert(&obj, &before, ObjectState::Transient);
                }
                Done::Updated { .. } => {}
                Done::Deleted { obj, key } => {
                    {
                        let mut m = obj.meta();
                        m.state = ObjectState::Persistent;
                        m.session = self.id;
                        m.key.set(Some(key.clone()));
                    }
                    self.identity.insert(table_id(obj.table()), key, obj);
                }
            }
        }
        for o in self.new.drain(..) {
            let mut m = o.meta();
            m.state = ObjectState::Transient;
            m.session = 0;
        }
        for o in self.deleted.drain(..) {
            o.meta().marked_for_deletion = false;
        }
        self.expire_all();
        r.map_err(Error::from)
    }

    /// Ends the session: rolls back any open transaction, gives the
    /// connection back, and detaches every object (pending ones become
    /// transient). The session can be used again afterwards.
    pub async fn close(&mut self) -> Result<()> {
        let r = match self.conn.as_mut() {
            Some(conn) => conn.rollback().await,
            None => Ok(()),
        };
        self.conn = None;
        for done in std::mem::take(&mut self.journal) {
            if let Done::Inserted { obj, before } = done {
                self.uninsert(&obj, &before, ObjectState::Transient);
            }
        }
        self.expunge_all();
        r.map_err(Error::from)
    }

    /// A query for objects of `T` in SQLAlchemy's legacy style:
    /// `db.query::<User>().filter(..).order_by(..).all().await`.
    pub fn query<T: Model>(&mut self) -> Query<'_, Session, Entity<T>> {
        Query::new(self, select(T::table()))
    }

    /// A query for rows of columns or expressions, decoded into `R` (a
    /// tuple, or a `#[derive(FromRow)]` struct), untracked:
    /// `db.query_as::<(String, i64)>((User::name, func::count(Post::id)))`.
    pub fn query_as<R: FromRow + Send>(
        &mut self,
        columns: impl IntoColumns,
    ) -> Query<'_, Session, Plain<R>> {
        Query::new(self, select(columns))
    }

    /// Objects of `T` together with more columns:
    /// `db.query_with::<Post, (Option<String>,)>(User::name).join_rel(Post::owner)`
    /// gives `(Obj<Post>, (name,))` rows (SQLAlchemy's `query(Post, User.name)`).
    pub fn query_with<T: Model, R: FromRow + Send>(
        &mut self,
        columns: impl IntoColumns,
    ) -> Query<'_, Session, crate::query::EntityWith<T, R>> {
        Query::new(self, select(T::table()).column(columns))
    }

    /// Runs a SELECT whose first columns are `T`'s and decodes each row
    /// into a tracked object and `R` from the remaining columns.
    pub(crate) async fn scalars_with<T: Model, R: FromRow + Send>(
        &mut self,
        stmt: Select,
    ) -> Result<Vec<(Obj<T>, R)>> {
        let names = stmt.output_names();
        let n = T::table().columns.len();
        self.autoflush().await?;
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        let identity = &mut self.identity;
        let id = self.id;
        let mut out = Vec::new();
        conn.for_each(stmt, |row| {
            let head = loading::Slice {
                row,
                offset: 0,
                names: &names[..n.min(names.len())],
            };
            let tail = loading::Slice {
                row,
                offset: n,
                names: names.get(n..).unwrap_or(&[]),
            };
            let v = T::from_row(&head)?;
            let r = R::from_row(&tail)?;
            out.push((absorb(identity, id, v), r));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Runs any Core statement in the session's transaction, after an
    /// autoflush (SQLAlchemy 2.0's `session.execute`).
    pub async fn execute(&mut self, stmt: impl Into<Statement>) -> Result<QueryResult> {
        let stmt = stmt.into();
        self.autoflush().await?;
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        Ok(conn.execute(stmt).await?)
    }

    /// Runs a SELECT of `T`'s columns (such as `select(User::table())` with
    /// filters) and returns tracked objects through the identity map
    /// (SQLAlchemy 2.0's `session.scalars(select(User))`).
    pub async fn scalars<T: Model>(&mut self, stmt: impl Into<Statement>) -> Result<Vec<Obj<T>>> {
        let stmt = stmt.into();
        self.autoflush().await?;
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        let identity = &mut self.identity;
        let id = self.id;
        let mut out = Vec::new();
        conn.for_each(stmt, |row| {
            let v = T::from_row(row)?;
            out.push(absorb(identity, id, v));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Runs a query and decodes every row into `R`, untracked: the fast
    /// path for large reads (plain structs, no identity map).
    pub async fn fetch_all<R: FromRow + Send>(
        &mut self,
        stmt: impl Into<Statement>,
    ) -> Result<Vec<R>> {
        let stmt = stmt.into();
        self.autoflush().await?;
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        Ok(conn.fetch_all(stmt).await?)
    }

    /// The first column of the first row of a query (`None` without
    /// rows), after an autoflush: `db.scalar::<i64>(select(func::count_star()).from(..))`.
    pub async fn scalar<V: FromValue>(&mut self, stmt: impl Into<Statement>) -> Result<Option<V>> {
        Ok(self.execute(stmt).await?.scalar()?)
    }

    /// A SELECT of `T`'s table, to filter and run through
    /// [`Session::scalars`] (2.0 style).
    pub fn select<T: Model>() -> Select {
        select(T::table())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // The connection goes back to its pool (rolled back there); the
        // objects outlive the session, detached.
        for o in self.new.drain(..) {
            let mut m = o.meta();
            m.state = ObjectState::Transient;
            m.session = 0;
        }
        self.identity.drain_each(|o| {
            let mut m = o.meta();
            m.state = ObjectState::Detached;
            m.session = 0;
        });
    }
}
