//! Object handles: [`Obj`], the states an object goes through, and the
//! type-erased view the session's unit of work uses.

use crate::error::{Error, Result};
use crate::key::{Key, StoredKey};
use crate::model::Model;
use crate::relationship::{RelChanges, RelInfo};
use aludel_core::{Table, Value};
use parking_lot::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, Mutex, MutexGuard, RwLock, RwLockReadGuard,
    RwLockWriteGuard,
};
use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where an object stands with respect to a session and the database
/// (SQLAlchemy's object states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectState {
    /// Not in any session and never saved ([`Obj::new`], or expunged
    /// before its INSERT).
    Transient,
    /// Added to a session; its INSERT runs at the next flush.
    Pending,
    /// In a session's identity map, with a row in the database.
    Persistent,
    /// Its DELETE was flushed; the transaction has not committed yet.
    Deleted,
    /// Has (or had) a row, but belongs to no session: expunged, its
    /// session closed, deleted and committed, or loaded untracked (the
    /// related objects of a `plain()` query).
    Detached,
}

impl fmt::Display for ObjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectState::Transient => "transient",
            ObjectState::Pending => "pending",
            ObjectState::Persistent => "persistent",
            ObjectState::Deleted => "deleted",
            ObjectState::Detached => "detached",
        })
    }
}

/// What [`Obj::inspect`] tells about an object (SQLAlchemy's `inspect(obj)`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// Its state.
    pub state: ObjectState,
    /// Its identity key, once it has a row.
    pub key: Option<Key>,
    /// Whether it was changed through [`Obj::write`] since it was loaded
    /// or flushed.
    pub modified: bool,
    /// Whether its loaded state was expired.
    pub expired: bool,
    /// Whether `session.delete` marked it and the DELETE is not flushed yet.
    pub marked_for_deletion: bool,
}

/// The bookkeeping a session keeps beside each object's value, kept small
/// (40 bytes): every loaded object has one.
pub(crate) struct Meta {
    pub(crate) state: ObjectState,
    pub(crate) expired: bool,
    pub(crate) modified: bool,
    pub(crate) marked_for_deletion: bool,
    /// The order in which pending objects were added (see
    /// `Session::next_seq`).
    pub(crate) seq: u32,
    /// The session holding the object (0: none).
    pub(crate) session: u64,
    /// The identity key while the object has a row (an untracked object,
    /// detached from the start, keeps none: its values give it).
    pub(crate) key: StoredKey,
    /// The column values as the database holds them, taken when the
    /// object is first written after a load or flush; compared with the
    /// current values at flush to find what changed. Boxed: 8 bytes here
    /// rather than a `Vec`'s 24, for a snapshot few objects ever take.
    #[allow(clippy::box_collection)]
    pub(crate) committed: Option<Box<Vec<Value>>>,
}

impl Meta {
    /// Out of its session: what `close()` and `expunge_all()` do to every
    /// persistent object.
    pub(crate) fn detach(&mut self) {
        self.session = 0;
        self.marked_for_deletion = false;
        self.state = ObjectState::Detached;
    }

    pub(crate) fn new(state: ObjectState) -> Meta {
        Meta {
            state,
            expired: false,
            modified: false,
            marked_for_deletion: false,
            seq: 0,
            session: 0,
            key: StoredKey::None,
            committed: None,
        }
    }
}

/// An object: its value, and apart from it (so that the session's
/// bookkeeping never waits for a guard the user holds) its [`Meta`]. Where
/// both are locked, the value is locked first.
///
/// The flag and the bookkeeping come first, next to the shared pointer's
/// counts: `close()` and the last handle's drop read and write only the
/// start of the allocation, mostly one cache line.
#[repr(C)]
pub(crate) struct Cell<T> {
    /// Raised by the session's `close()` instead of locking `meta`: the
    /// object is detached, which the next lock of `meta` records.
    detached: AtomicBool,
    /// Read and changed through [`Cell::bookkeeping`] only.
    meta: Mutex<Meta>,
    /// The value; `None` only in a cell kept for reuse (see [`Spare`]),
    /// which no handle reaches.
    value: RwLock<Option<T>>,
}

/// The value of a cell that a handle reaches.
fn held<T>(v: &Option<T>) -> &T {
    match v {
        Some(v) => v,
        None => unreachable!("a cell that a handle reaches holds its value"),
    }
}

/// [`held`], mutably.
fn held_mut<T>(v: &mut Option<T>) -> &mut T {
    match v {
        Some(v) => v,
        None => unreachable!("a cell that a handle reaches holds its value"),
    }
}

impl<T> Cell<T> {
    /// Locks the bookkeeping, first recording a detachment that
    /// `close()` left pending.
    #[inline]
    pub(crate) fn bookkeeping(&self) -> MutexGuard<'_, Meta> {
        let mut meta = self.meta.lock();
        if self.detached.load(Ordering::Acquire) {
            self.detached.store(false, Ordering::Relaxed);
            meta.detach();
        }
        meta
    }

    /// A read guard on the value, unless it is write-locked.
    #[inline]
    pub(crate) fn try_read(&self) -> Option<MappedRwLockReadGuard<'_, T>> {
        self.value.try_read().map(|g| RwLockReadGuard::map(g, held))
    }

    /// A write guard on the value, unless it is locked.
    #[inline]
    pub(crate) fn try_write(&self) -> Option<MappedRwLockWriteGuard<'_, T>> {
        self.value
            .try_write()
            .map(|g| RwLockWriteGuard::map(g, held_mut))
    }
}

/// Emptied cells of one model that a thread keeps for its next objects
/// of that model (`docs/adr/0025-cells-kept-per-thread.md`): when a
/// collection drops the last handle of an object, the object's value is
/// dropped and its allocation kept here rather than freed, up to
/// 128 KiB per model. A load reuses them before allocating, so that a
/// thousand objects loaded after a thousand dropped do not each go
/// through the allocator's bins, which in a long-running program's
/// fragmented heap cost more than the rest of the load.
#[doc(hidden)]
pub struct Spare<T: Model>(std::cell::RefCell<Vec<Arc<Cell<T>>>>);

/// How much memory of emptied cells a thread keeps per model.
const SPARE_BYTES: usize = 128 * 1024;

impl<T: Model> Spare<T> {
    /// None kept yet (the derive declares one per model and thread).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Spare<T> {
        Spare(std::cell::RefCell::new(Vec::new()))
    }

    /// How many cells the thread keeps at most: [`SPARE_BYTES`] of them,
    /// counting the shared pointer's two counts.
    fn room() -> usize {
        SPARE_BYTES / (std::mem::size_of::<Cell<T>>() + 16)
    }
}

/// A kept cell of model `T`, if the thread has one.
#[inline]
fn take_spare<T: Model>() -> Option<Arc<Cell<T>>> {
    T::spare()?
        .try_with(|s| s.0.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
}

/// The number of cells of model `T` the thread keeps (for tests).
#[doc(hidden)]
pub fn spare_cells<T: Model>() -> usize {
    T::spare()
        .and_then(|k| k.try_with(|s| s.0.borrow().len()).ok())
        .unwrap_or(0)
}

/// Drops `obj`; if it was the object's last handle, the object's value
/// is dropped and its cell kept by the thread for its next object of the
/// model (while there is room).
#[inline]
pub(crate) fn recycle<T: Model>(obj: Obj<T>) {
    let mut cell = obj.cell;
    // An object still held elsewhere (an open session's identity map, a
    // caller's clone) is the common case: a plain load rules it out
    // before `Arc::get_mut`'s atomic exchange.
    if Arc::strong_count(&cell) != 1 {
        return;
    }
    let Some(spare) = T::spare() else {
        return;
    };
    // Unique: no other handle, and none can be made from elsewhere.
    let Some(c) = Arc::get_mut(&mut cell) else {
        return;
    };
    // The value goes first: dropping it may give back cells of other
    // models, or of this one (a self-referential collection).
    drop(c.value.get_mut().take());
    let _ = spare.try_with(|s| {
        if let Ok(mut s) = s.0.try_borrow_mut() {
            if s.len() < Spare::<T>::room() {
                s.push(cell);
            }
        }
    });
}

/// A handle to a mapped object, shared with the session that tracks it.
///
/// Cloning a handle is cheap and gives the same object: within one session
/// one row is one object, so every load of that row returns a handle to
/// it (`==` on handles is identity). Read the value through
/// [`Obj::read`] and change it through [`Obj::write`]; the session sees
/// the change and writes the changed columns at the next flush.
///
/// A guard behaves like `RefCell`'s borrows: while a write guard lives,
/// other reads and writes of the object, and a flush that needs it, fail
/// with [`Error::Borrowed`] instead of blocking. Keep guards short.
pub struct Obj<T: Model> {
    pub(crate) cell: Arc<Cell<T>>,
}

impl<T: Model> Clone for Obj<T> {
    fn clone(&self) -> Self {
        Obj {
            cell: self.cell.clone(),
        }
    }
}

impl<T: Model> PartialEq for Obj<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }
}

impl<T: Model> Eq for Obj<T> {}

impl<T: Model + fmt::Debug> fmt::Debug for Obj<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (state, expired) = {
            let m = self.cell.bookkeeping();
            (m.state, m.expired)
        };
        let mut d = f.debug_struct("Obj");
        d.field("state", &state).field("expired", &expired);
        match self.cell.try_read() {
            Some(v) => d.field("value", &*v).finish(),
            None => d.field("value", &"<borrowed>").finish(),
        }
    }
}

/// A read guard on an object's value.
pub type ObjRef<'a, T> = MappedRwLockReadGuard<'a, T>;

/// A write guard on an object's value; taking it marks the object modified.
pub type ObjMut<'a, T> = MappedRwLockWriteGuard<'a, T>;

impl<T: Model> Obj<T> {
    /// A transient object: not in a session yet; `session.add_obj` saves it.
    pub fn new(value: T) -> Obj<T> {
        let obj = Obj::with_meta(value, Meta::new(ObjectState::Transient));
        obj.cell.rel_init_new();
        obj
    }

    /// An untracked object loaded from a row: detached from the start.
    /// It keeps no key ([`Obj::key`] gives its values' key).
    pub(crate) fn untracked(value: T) -> Obj<T> {
        Obj::with_meta(value, Meta::new(ObjectState::Detached))
    }

    pub(crate) fn with_meta(value: T, meta: Meta) -> Obj<T> {
        if let Some(mut cell) = take_spare::<T>() {
            // A kept cell has no other handle: nothing can see it refilled.
            if let Some(c) = Arc::get_mut(&mut cell) {
                *c.value.get_mut() = Some(value);
                *c.meta.get_mut() = meta;
                *c.detached.get_mut() = false;
                return Obj { cell };
            }
        }
        Obj {
            cell: Arc::new(Cell {
                value: RwLock::new(Some(value)),
                meta: Mutex::new(meta),
                detached: AtomicBool::new(false),
            }),
        }
    }

    /// Reads the object's value. [`Error::Expired`] if its loaded state
    /// was expired (load it again first); [`Error::Borrowed`] while a
    /// write guard lives.
    pub fn read(&self) -> Result<ObjRef<'_, T>> {
        let value = self.cell.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "reading it",
        })?;
        let meta = self.cell.bookkeeping();
        if meta.expired {
            return Err(expired::<T>(&meta));
        }
        Ok(value)
    }

    /// Changes the object's value; the session writes the columns that
    /// differ from the database's at the next flush. The same errors as
    /// [`Obj::read`].
    pub fn write(&self) -> Result<ObjMut<'_, T>> {
        let value = self.cell.try_write().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "writing it",
        })?;
        let mut meta = self.cell.bookkeeping();
        if meta.expired {
            return Err(expired::<T>(&meta));
        }
        if !meta.modified {
            meta.modified = true;
            if meta.committed.is_none() && meta.state == ObjectState::Persistent {
                meta.committed = Some(Box::new(value.to_values()));
            }
        }
        // The session learns that something was written, so that a
        // flush with nothing to do costs nothing.
        if meta.session != 0 {
            crate::session::note_write(meta.session);
        }
        Ok(value)
    }

    /// The object's state.
    pub fn state(&self) -> ObjectState {
        self.cell.bookkeeping().state
    }

    /// Whether its loaded state is expired.
    pub fn is_expired(&self) -> bool {
        self.cell.bookkeeping().expired
    }

    /// Its identity key, once it has a row.
    pub fn key(&self) -> Option<Key> {
        let (state, key) = {
            let m = self.cell.bookkeeping();
            (m.state, m.key.get())
        };
        key.or_else(|| self.untracked_key(state))
    }

    /// The key of an untracked object, which keeps none: its values'.
    fn untracked_key(&self, state: ObjectState) -> Option<Key> {
        (state == ObjectState::Detached)
            .then(|| self.cell.try_read().map(|v| v.identity()))
            .flatten()
    }

    /// Everything the session knows about the object.
    pub fn inspect(&self) -> ObjectInfo {
        let mut info = {
            let meta = self.cell.bookkeeping();
            ObjectInfo {
                state: meta.state,
                key: meta.key.get(),
                modified: meta.modified,
                expired: meta.expired,
                marked_for_deletion: meta.marked_for_deletion,
            }
        };
        if info.key.is_none() {
            info.key = self.untracked_key(info.state);
        }
        info
    }

    /// Whether two handles are the same object (as `==`).
    pub fn ptr_eq(a: &Obj<T>, b: &Obj<T>) -> bool {
        Arc::ptr_eq(&a.cell, &b.cell)
    }

    pub(crate) fn erased(&self) -> Arc<dyn AnyObj> {
        self.cell.clone()
    }
}

impl<T: Model + Clone> Obj<T> {
    /// A copy of the value (the same errors as [`Obj::read`]).
    pub fn get(&self) -> Result<T> {
        Ok(self.read()?.clone())
    }
}

fn expired<T: Model>(meta: &Meta) -> Error {
    Error::Expired {
        model: T::NAME,
        key: meta
            .key
            .get()
            .map_or_else(|| "(no key)".to_string(), |k| k.to_string()),
    }
}

/// An object of any model, as relationship loading and the unit of work
/// pass it around.
#[doc(hidden)]
#[derive(Clone)]
pub struct ErasedObj(pub(crate) Arc<dyn AnyObj>);

/// The typed cell behind an erased handle, if it is of model `T` (upcast
/// to `Any`, a switch of vtables, and one check of the type).
#[inline]
pub(crate) fn downcast_cell<T: Model>(o: Arc<dyn AnyObj>) -> Option<Arc<Cell<T>>> {
    let any: Arc<dyn Any + Send + Sync> = o;
    any.downcast::<Cell<T>>().ok()
}

/// The type-erased view of an object that the unit of work and the
/// identity map use.
pub(crate) trait AnyObj: Any + Send + Sync {
    fn table(&self) -> &'static Table;
    fn model_name(&self) -> &'static str;
    fn version_column(&self) -> Option<usize>;
    /// The bookkeeping.
    fn meta(&self) -> MutexGuard<'_, Meta>;
    /// Detaches the object from its session without locking its
    /// bookkeeping (the next lock records it): how `close()` lets go of
    /// every object it holds, with one store each.
    fn detach_later(&self);
    /// The current values, in column order (fails while borrowed).
    fn values(&self) -> Result<Vec<Value>>;
    /// The identity key computed from the current values.
    fn current_key(&self) -> Result<Key>;
    /// The current values of columns `cols`, as a key (fails while
    /// borrowed, as [`AnyObj::values`] does).
    fn key_at(&self, cols: &[usize]) -> Result<Key>;
    /// Stores database values into fields, by column name.
    fn set_columns(&self, values: &[(&str, Value)]) -> Result<()>;
    /// The model's relationships.
    fn relationships(&self) -> &'static [RelInfo];
    /// Whether relationship `idx` is loaded.
    fn rel_is_loaded(&self, idx: usize) -> Result<bool>;
    /// For loading relationship `idx`: `None` if it is loaded (its objects
    /// appended to `loaded` when given), else the current values of
    /// columns `cols`, as a key.
    fn rel_pending_key(
        &self,
        idx: usize,
        cols: &[usize],
        loaded: Option<&mut Vec<ErasedObj>>,
    ) -> Result<Option<Key>>;
    /// Stores the loaded objects of relationship `idx`.
    fn rel_set_loaded(&self, idx: usize, objs: Vec<ErasedObj>) -> Result<()>;
    /// Takes the changes made to relationship `idx` since the last flush.
    fn rel_take_changes(&self, idx: usize) -> Result<RelChanges>;
    /// Forgets every loaded relationship (at expiry).
    fn rel_unload_all(&self);
    /// Marks the collections of a new object loaded and empty (it has no
    /// rows that could refer to it yet).
    fn rel_init_new(&self);
}

impl<T: Model> AnyObj for Cell<T> {
    fn table(&self) -> &'static Table {
        T::table()
    }

    fn model_name(&self) -> &'static str {
        T::NAME
    }

    fn version_column(&self) -> Option<usize> {
        T::VERSION_COLUMN
    }

    fn meta(&self) -> MutexGuard<'_, Meta> {
        self.bookkeeping()
    }

    fn detach_later(&self) {
        self.detached.store(true, Ordering::Release);
    }

    fn values(&self) -> Result<Vec<Value>> {
        let value = self.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "flushing",
        })?;
        Ok(value.to_values())
    }

    fn current_key(&self) -> Result<Key> {
        let value = self.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "flushing",
        })?;
        Ok(value.identity())
    }

    fn key_at(&self, cols: &[usize]) -> Result<Key> {
        let value = self.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "flushing",
        })?;
        Ok(crate::model::key_at(&*value, cols))
    }

    fn set_columns(&self, values: &[(&str, Value)]) -> Result<()> {
        let mut value = self.try_write().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "flushing",
        })?;
        for (column, v) in values {
            value.set_column(column, v.clone())?;
        }
        Ok(())
    }

    fn relationships(&self) -> &'static [RelInfo] {
        T::relationships()
    }

    fn rel_is_loaded(&self, idx: usize) -> Result<bool> {
        let value = self.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "loading its relationships",
        })?;
        Ok(value
            .relationship(idx)
            .is_some_and(|r| r.as_erased().is_loaded_erased()))
    }

    fn rel_pending_key(
        &self,
        idx: usize,
        cols: &[usize],
        loaded: Option<&mut Vec<ErasedObj>>,
    ) -> Result<Option<Key>> {
        let value = self.try_read().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "loading its relationships",
        })?;
        if let Some(r) = value.relationship(idx) {
            let r = r.as_erased();
            if r.is_loaded_erased() {
                if let Some(out) = loaded {
                    out.extend(r.loaded_erased().unwrap_or_default());
                }
                return Ok(None);
            }
        }
        Ok(Some(crate::model::key_at(&*value, cols)))
    }

    fn rel_set_loaded(&self, idx: usize, objs: Vec<ErasedObj>) -> Result<()> {
        let mut value = self.try_write().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "loading its relationships",
        })?;
        if let Some(r) = value.relationship_mut(idx) {
            r.as_erased_mut().set_loaded_erased(objs);
        }
        Ok(())
    }

    fn rel_take_changes(&self, idx: usize) -> Result<RelChanges> {
        let mut value = self.try_write().ok_or(Error::Borrowed {
            model: T::NAME,
            operation: "flushing",
        })?;
        Ok(value
            .relationship_mut(idx)
            .map(|r| r.as_erased_mut().take_changes())
            .unwrap_or_default())
    }

    fn rel_init_new(&self) {
        if T::relationships().is_empty() {
            return;
        }
        if let Some(mut value) = self.try_write() {
            for (i, info) in T::relationships().iter().enumerate() {
                if !info.many {
                    continue;
                }
                if let Some(r) = value.relationship_mut(i) {
                    if !r.as_erased().is_loaded_erased() {
                        r.as_erased_mut().set_loaded_erased(Vec::new());
                    }
                }
            }
        }
    }

    fn rel_unload_all(&self) {
        if let Some(mut value) = self.try_write() {
            for i in 0..T::relationships().len() {
                if let Some(r) = value.relationship_mut(i) {
                    r.as_erased_mut().unload();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every loaded object carries its bookkeeping: it stays small.
    #[test]
    fn the_bookkeeping_is_40_bytes() {
        assert_eq!(std::mem::size_of::<super::Meta>(), 40);
    }
}
