//! The identity map: one object per table and primary key.

use crate::key::Key;
use crate::object::AnyObj;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How many counters of writes [`WRITES`] holds.
const GROUPS: usize = 64;

/// A counter of writes, alone on its cache line.
#[repr(align(64))]
struct WriteCount(AtomicU64);

/// Writes to objects in sessions, counted per group of sessions (a
/// session's group is its id modulo [`GROUPS`]; ids are handed out in
/// order, so sessions open at the same time rarely share one): how a
/// session learns that one of its objects was written without a
/// reference to it in every object. A write in another session of the
/// group only costs this session a look at its objects at its next flush.
static WRITES: [WriteCount; GROUPS] = [const { WriteCount(AtomicU64::new(0)) }; GROUPS];

fn writes(session: u64) -> &'static AtomicU64 {
    &WRITES[(session % GROUPS as u64) as usize].0
}

/// Records that an object of session `session` was written
/// ([`Obj::write`](crate::Obj::write)).
pub(crate) fn note_write(session: u64) {
    writes(session).fetch_add(1, Ordering::Release);
}

/// Whether objects of a session may have been written since its last
/// flush looked: its group's count of writes then, and a flag the
/// session raises itself.
pub(crate) struct Written {
    session: u64,
    seen: u64,
    raised: bool,
}

impl Written {
    fn new(session: u64) -> Written {
        Written {
            session,
            seen: writes(session).load(Ordering::Acquire),
            raised: false,
        }
    }

    /// Whether something may have been written since the last
    /// [`Written::take`].
    pub(crate) fn get(&self) -> bool {
        self.raised || writes(self.session).load(Ordering::Acquire) != self.seen
    }

    /// [`Written::get`], and starts counting again.
    pub(crate) fn take(&mut self) -> bool {
        let now = writes(self.session).load(Ordering::Acquire);
        let written = self.raised || now != self.seen;
        self.seen = now;
        self.raised = false;
        written
    }

    /// Makes the next flush look at the session's objects.
    pub(crate) fn raise(&mut self) {
        self.raised = true;
    }
}

/// The objects of one table, by primary key: keys of one integer (of any
/// width, as [`Key`] compares them) by that integer, any other by its
/// [`Key`].
#[derive(Default)]
struct TableMap {
    /// The table (`table_id`).
    table: usize,
    ints: FxHashMap<i64, Arc<dyn AnyObj>>,
    others: FxHashMap<Key, Arc<dyn AnyObj>>,
}

impl TableMap {
    fn len(&self) -> usize {
        self.ints.len() + self.others.len()
    }
}

/// The identity map: one object per table and primary key.
///
/// A map per table (a session meets few tables), each keyed by the
/// primary key alone, and by a plain integer for a key of one integer
/// column: an entry is 24 bytes, and no table of the map grows with the
/// rows of the others.
#[doc(hidden)]
pub struct Identity {
    tables: Vec<TableMap>,
    /// Whether an object of the session was written.
    pub(crate) dirty: Written,
}

impl Identity {
    /// The identity map of session `session`.
    pub(crate) fn new(session: u64) -> Identity {
        Identity {
            tables: Vec::new(),
            dirty: Written::new(session),
        }
    }

    fn table(&self, table: usize) -> Option<&TableMap> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// The map of `table`, made if the session has none yet.
    #[inline]
    fn table_mut(&mut self, table: usize) -> &mut TableMap {
        // Loads meet the same table row after row: look at the last one
        // made first.
        let last = self.tables.len().wrapping_sub(1);
        if self.tables.get(last).is_some_and(|t| t.table == table) {
            return &mut self.tables[last];
        }
        self.table_mut_slow(table)
    }

    /// [`Identity::table_mut`] for a table other than the last one made.
    #[cold]
    fn table_mut_slow(&mut self, table: usize) -> &mut TableMap {
        match self.tables.iter().position(|t| t.table == table) {
            Some(i) => &mut self.tables[i],
            None => {
                self.tables.push(TableMap {
                    table,
                    ..TableMap::default()
                });
                self.tables.last_mut().expect("just pushed")
            }
        }
    }

    /// The object of `table` with primary key `key`.
    pub(crate) fn get(&self, table: usize, key: &Key) -> Option<&Arc<dyn AnyObj>> {
        let t = self.table(table)?;
        match key.as_int() {
            Some(i) => t.ints.get(&i),
            None => t.others.get(key),
        }
    }

    /// The object of `table` whose primary key is the one integer `key`.
    pub(crate) fn get_int(&self, table: usize, key: i64) -> Option<&Arc<dyn AnyObj>> {
        self.table(table)?.ints.get(&key)
    }

    /// Whether the map holds an object of `table` with primary key `key`.
    pub(crate) fn contains(&self, table: usize, key: &Key) -> bool {
        self.get(table, key).is_some()
    }

    /// Puts `obj` under `table` and `key`, returning the object it replaces.
    pub(crate) fn insert(
        &mut self,
        table: usize,
        key: Key,
        obj: Arc<dyn AnyObj>,
    ) -> Option<Arc<dyn AnyObj>> {
        let t = self.table_mut(table);
        match key.as_int() {
            Some(i) => t.ints.insert(i, obj),
            None => t.others.insert(key, obj),
        }
    }

    /// Takes out the object of `table` with primary key `key`.
    pub(crate) fn remove(&mut self, table: usize, key: &Key) -> Option<Arc<dyn AnyObj>> {
        let t = self.tables.iter_mut().find(|t| t.table == table)?;
        match key.as_int() {
            Some(i) => t.ints.remove(&i),
            None => t.others.remove(key),
        }
    }

    /// The entry of an integer key in `table`'s map (one hash lookup,
    /// whether the key is there or not).
    #[inline]
    pub(crate) fn slot_int(&mut self, table: usize, key: i64) -> Entry<'_, i64, Arc<dyn AnyObj>> {
        self.table_mut(table).ints.entry(key)
    }

    /// The entry of any other key in `table`'s map.
    pub(crate) fn slot_other(&mut self, table: usize, key: Key) -> Entry<'_, Key, Arc<dyn AnyObj>> {
        self.table_mut(table).others.entry(key)
    }

    /// Room for `n` more objects of `table` (with keys of one integer).
    pub(crate) fn reserve(&mut self, table: usize, n: usize) {
        self.table_mut(table).ints.reserve(n);
    }

    /// The number of objects.
    pub(crate) fn len(&self) -> usize {
        self.tables.iter().map(TableMap::len).sum()
    }

    /// Whether the map holds no object.
    pub(crate) fn is_empty(&self) -> bool {
        self.tables.iter().all(|t| t.len() == 0)
    }

    /// Every object.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Arc<dyn AnyObj>> + '_ {
        self.tables
            .iter()
            .flat_map(|t| t.ints.values().chain(t.others.values()))
    }

    /// Every object of `table`.
    pub(crate) fn values_of(&self, table: usize) -> impl Iterator<Item = &Arc<dyn AnyObj>> + '_ {
        self.table(table)
            .into_iter()
            .flat_map(|t| t.ints.values().chain(t.others.values()))
    }

    /// Takes every object out, handing each to `f` unless the map held
    /// its only handle (an object nothing else can reach needs no
    /// detaching: it is dropped); the maps keep their room for the
    /// session's next objects.
    pub(crate) fn drain_each(&mut self, mut f: impl FnMut(Arc<dyn AnyObj>)) {
        let mut each = |o: Arc<dyn AnyObj>| {
            if Arc::strong_count(&o) > 1 || Arc::weak_count(&o) > 0 {
                f(o);
            }
        };
        for t in &mut self.tables {
            for (_, o) in t.ints.drain() {
                each(o);
            }
            for (_, o) in t.others.drain() {
                each(o);
            }
        }
    }
}
