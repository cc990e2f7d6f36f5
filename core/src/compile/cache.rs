//! [`StatementCache`]: compiled SQL reused for statements of the same shape.

use super::key::{self, Key};
use super::shape;
use super::{collect_values, Compiled, Compiler};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::statement::Statement;
use crate::value::Value;
use parking_lot::RwLock;
use rustc_hash::FxHashMap;
use std::sync::Arc;

struct Entry {
    /// The key of the statement the SQL was compiled from.
    key: Box<[u64]>,
    /// Whether equal keys alone mean the same shape (see `key.rs`).
    exact: bool,
    /// That statement, its values moved out: it keeps the tables the key
    /// names by address alive (so no other table can take an address), and
    /// is compared by `==` with a statement of an equal inexact key.
    shape: Statement,
    sql: Arc<str>,
    /// For each placeholder, the index of its value in canonical order;
    /// `None` when the two orders are the same.
    map: Option<Box<[u32]>>,
    /// The number of bound values in canonical order.
    values: usize,
    /// Whether `map` names no canonical position twice, so that the values
    /// of a statement given away can move to their placeholders.
    moves: bool,
    /// Pairs of canonical positions that held the same value (an alias or
    /// CTE object used in several places) where `map` points at the first;
    /// a statement of the same shape may hold separate objects there, and
    /// then the mapping does not apply to it.
    shared: Box<[(u32, u32)]>,
}

impl Entry {
    /// Whether this entry's statement has the shape of `stmt`, whose key
    /// words are `key` (`stmt` compared by `==` when the key is inexact).
    #[inline]
    fn matches(&self, key: &[u64], stmt: &Statement) -> bool {
        *self.key == *key
            && if self.exact {
                debug_assert!(
                    same_shape(&self.shape, stmt),
                    "equal exact keys for statements of different shapes"
                );
                true
            } else {
                same_shape(&self.shape, stmt)
            }
    }

    /// The parameters, in placeholder order, of a statement of this entry's
    /// shape whose canonical values are `values` (taken with `key`); `None`
    /// when the entry does not apply to it (see `Entry::shared`).
    fn params(&self, key: &Key, values: &mut Vec<Value>) -> Option<Vec<Value>> {
        if self.shared.is_empty() {
            return self.params_unshared(values);
        }
        if values.len() != self.values {
            return None;
        }
        let Some(map) = &self.map else {
            return Some(std::mem::take(values));
        };
        // Values held by alias or CTE objects (or a column's default): a
        // statement may hold separate objects where the cached one shared
        // one, and then `map` may point at the wrong one.
        let same = |&(i, j): &(u32, u32)| match (key.copied_at(i), key.copied_at(j)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if !self.shared.iter().all(same) {
            return None;
        }
        Some(map.iter().map(|&i| values[i as usize].clone()).collect())
    }

    /// [`Entry::params`] for an entry whose `shared` is empty.
    #[inline]
    fn params_unshared(&self, values: &mut Vec<Value>) -> Option<Vec<Value>> {
        debug_assert!(self.shared.is_empty());
        if values.len() != self.values {
            return None;
        }
        let Some(map) = &self.map else {
            return Some(std::mem::take(values));
        };
        Some(if self.moves {
            map.iter()
                .map(|&i| std::mem::replace(&mut values[i as usize], Value::Null))
                .collect()
        } else {
            map.iter().map(|&i| values[i as usize].clone()).collect()
        })
    }
}

/// A cache of compiled SQL for one dialect, keyed by statement *shape*:
/// statements that differ only in their bound values share one entry.
///
/// A hit costs one walk of the statement, which writes its shape as a key
/// and moves its values out, a hash and a comparison of the key, and
/// renders no text. DDL is never cached. When the cache holds `capacity`
/// shapes it is emptied and starts over.
pub struct StatementCache {
    dialect: &'static dyn Dialect,
    entries: RwLock<Entries>,
    capacity: usize,
}

#[derive(Default)]
struct Entries {
    by_hash: FxHashMap<u64, Vec<Arc<Entry>>>,
    count: usize,
}

impl Entries {
    fn find(&self, hash: u64, key: &[u64], stmt: &Statement) -> Option<&Arc<Entry>> {
        self.by_hash
            .get(&hash)?
            .iter()
            .find(|e| e.matches(key, stmt))
    }
}

/// The number of entries a [`LocalCache`] holds.
const LOCAL_SLOTS: usize = 32;

/// A connection's own front of a [`StatementCache`]: the entries it hit
/// last, one per slot chosen by the key's hash, looked up before the
/// shared cache and without its lock. A slot also keeps a handle on its
/// SQL that it lends to the statement that hit it and takes back when the
/// statement has run ([`LocalCache::give_back`]), so that a hit here
/// counts no reference, as a hit in the shared cache does (its lock, and
/// the SQL's count).
///
/// An entry stays valid when the shared cache lets it go (the same shape
/// always compiles to the same SQL); it keeps its statement's tables
/// alive until its slot is taken by another shape or the connection
/// closes.
pub(crate) struct LocalCache {
    slots: Box<[Option<LocalSlot>]>,
    /// The slot whose SQL the last statement it answered holds: given
    /// back, the SQL stays in the slot.
    lent: Option<usize>,
    /// For each bucket of a statement's quick hash (see `shape.rs`), the
    /// slot that last answered a statement of that hash (`u8::MAX`:
    /// none): such a statement is compared with the slot's entry node by
    /// node before any key is written.
    quick: [u8; QUICK_BUCKETS],
}

/// The number of buckets of [`LocalCache::quick`].
const QUICK_BUCKETS: usize = 32;

struct LocalSlot {
    hash: u64,
    /// The quick hash of the statements this slot answered (0: none).
    quick: u64,
    entry: Arc<Entry>,
    /// The entry's SQL, while not lent out (`None` until the first
    /// statement that hit the slot gives it back).
    sql: Option<Arc<str>>,
}

impl Default for LocalCache {
    /// An empty front, which allocates its slots when it first keeps an
    /// entry.
    fn default() -> Self {
        LocalCache {
            slots: Box::new([]),
            lent: None,
            quick: [u8::MAX; QUICK_BUCKETS],
        }
    }
}

impl std::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.slots.iter().filter(|s| s.is_some()).count();
        f.debug_struct("LocalCache").field("held", &held).finish()
    }
}

impl LocalCache {
    /// The slot of a key's hash.
    #[inline]
    fn slot(hash: u64) -> usize {
        (hash as usize) % LOCAL_SLOTS
    }

    /// Keeps `entry`, which the shared cache answered for a key of
    /// `hash`, in its slot; the statement it answered gives its SQL back
    /// to the slot.
    fn keep(&mut self, hash: u64, entry: Arc<Entry>) {
        if self.slots.is_empty() {
            self.slots = (0..LOCAL_SLOTS).map(|_| None).collect();
        }
        let i = LocalCache::slot(hash);
        self.lent = Some(i);
        self.slots[i] = Some(LocalSlot {
            hash,
            quick: 0,
            entry,
            sql: None,
        });
    }

    /// The bucket of a quick hash.
    #[inline]
    fn bucket(quick: u64) -> usize {
        (quick.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 59) as usize % QUICK_BUCKETS
    }

    /// Notes that slot `i` answered a statement of quick hash `quick`.
    #[inline]
    fn note_quick(&mut self, i: usize, quick: Option<u64>) {
        if let (Some(q), Some(Some(s))) = (quick, self.slots.get_mut(i)) {
            s.quick = q;
            self.quick[LocalCache::bucket(q)] = i as u8;
        }
    }

    /// The SQL and parameters of `stmt`, of quick hash `quick`, when the
    /// slot of its bucket answered a statement of the same shape (its
    /// values then move to the parameters); `None` with `stmt` untouched
    /// otherwise.
    #[inline]
    fn answer_quick(
        &mut self,
        quick: u64,
        stmt: &mut Statement,
        values: &mut Vec<Value>,
        dialect: &'static dyn Dialect,
    ) -> Option<Compiled> {
        let i = self.quick[LocalCache::bucket(quick)] as usize;
        let s = self.slots.get_mut(i)?.as_mut()?;
        // An entry whose values are shared between positions needs the
        // key's record of them (see `Entry::params`).
        if s.quick != quick || !s.entry.shared.is_empty() {
            return None;
        }
        // In debug builds, every answer is checked against the compiler's.
        let expected = cfg!(debug_assertions).then(|| super::compile(stmt, dialect));
        if !shape::take_if_same(stmt, &s.entry.shape, values) {
            return None;
        }
        let Some(params) = s.entry.params_unshared(values) else {
            // Not for a statement of the entry's shape; left as it was.
            shape::put_back(stmt, values);
            return None;
        };
        if let Some(Ok(c)) = expected {
            debug_assert_eq!(*c.sql, *s.entry.sql, "a quick answer's SQL");
            debug_assert_eq!(c.params, params, "a quick answer's parameters");
        }
        let sql = s.sql.take().unwrap_or_else(|| s.entry.sql.clone());
        self.lent = Some(i);
        Some(Compiled { sql, params })
    }

    /// Takes back the SQL of a statement that has run, if a slot lent it.
    #[inline]
    pub(crate) fn give_back(&mut self, sql: Arc<str>) {
        let Some(i) = self.lent.take() else { return };
        if let Some(Some(s)) = self.slots.get_mut(i) {
            if s.sql.is_none() && Arc::ptr_eq(&s.entry.sql, &sql) {
                s.sql = Some(sql);
            }
        }
    }

    /// The number of entries held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

impl std::fmt::Debug for StatementCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementCache")
            .field("dialect", &self.dialect.name())
            .field("len", &self.len())
            .finish()
    }
}

fn same_shape(a: &Statement, b: &Statement) -> bool {
    match (a, b) {
        (Statement::Query(x), Statement::Query(y)) => x == y,
        (Statement::Insert(x), Statement::Insert(y)) => x == y,
        (Statement::Update(x), Statement::Update(y)) => x == y,
        (Statement::Delete(x), Statement::Delete(y)) => x == y,
        (Statement::Text(x), Statement::Text(y)) => x == y,
        _ => false,
    }
}

impl StatementCache {
    /// An empty cache for `dialect` holding up to 2,048 shapes.
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        Self::with_capacity(dialect, 2048)
    }

    /// An empty cache holding up to `capacity` shapes.
    pub fn with_capacity(dialect: &'static dyn Dialect, capacity: usize) -> Self {
        StatementCache {
            dialect,
            entries: RwLock::new(Entries::default()),
            capacity: capacity.max(1),
        }
    }

    /// The dialect this cache compiles for.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// The number of cached shapes.
    pub fn len(&self) -> usize {
        self.entries.read().count
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Compiles `stmt`, reusing the SQL of an earlier statement of the same
    /// shape (through a copy of the statement: prefer
    /// [`StatementCache::compile_owned`] for a statement not needed again).
    pub fn compile(&self, stmt: &Statement) -> Result<Compiled> {
        match stmt {
            Statement::Ddl(_) | Statement::Bound(_) => super::compile(stmt, self.dialect),
            _ => self.compile_owned(stmt.clone()),
        }
    }

    /// [`StatementCache::compile`] for a statement the caller gives away
    /// (the engine's, which runs a statement once and drops it): its values
    /// move into the parameters rather than being copied (except those it
    /// shares with other statements: the bodies of alias and CTE objects,
    /// columns' client-side defaults).
    pub fn compile_owned(&self, stmt: Statement) -> Result<Compiled> {
        self.compile_owned_local(stmt, Vec::new(), None)
    }

    /// [`StatementCache::compile_owned`] with `list`, an empty list, for
    /// the parameters when it has room enough, and a connection's `local`
    /// front of the cache, looked in first and keeping what the shared
    /// cache answered (the engine's connection keeps both from its last
    /// statement). Give the SQL back to `local` when the statement has run.
    #[inline(always)]
    pub(crate) fn compile_owned_local(
        &self,
        mut stmt: Statement,
        list: Vec<Value>,
        mut local: Option<&mut LocalCache>,
    ) -> Result<Compiled> {
        if let Statement::Bound(b) = stmt {
            return b.into_compiled(self.dialect);
        }
        // One allocation, no regrowth: most statements bind a few values,
        // a VALUES insert about one per cell.
        let hint = key::values_hint(&stmt);
        let mut values = if list.capacity() >= hint {
            list
        } else {
            Vec::with_capacity(hint)
        };
        // Only a connection's front keeps quick hashes.
        let quick = local.as_ref().and_then(|_| shape::quick_hash(&stmt));
        if let (Some(local), Some(q)) = (local.as_deref_mut(), quick) {
            if let Some(c) = local.answer_quick(q, &mut stmt, &mut values, self.dialect) {
                crate::statement::recycle(stmt);
                return Ok(c);
            }
        }
        self.compile_by_key(stmt, values, local, quick)
    }

    /// [`StatementCache::compile_owned_local`] past the front's quick
    /// path: the statement's key written and looked up in the front's
    /// slots, then in the shared map, compiled if neither has it. Kept out
    /// of line so that the quick path's code stays short and together.
    #[inline(never)]
    fn compile_by_key(
        &self,
        mut stmt: Statement,
        mut values: Vec<Value>,
        mut local: Option<&mut LocalCache>,
        quick: Option<u64>,
    ) -> Result<Compiled> {
        let Some(mut key) = key::take(&mut stmt, &mut values) else {
            return super::compile(&stmt, self.dialect);
        };
        // `stmt` now holds NULLs where its values were.
        let hash = key.hash();
        if !key.exact || cfg!(debug_assertions) {
            // Compared by `==` with the cached statement (in debug builds,
            // also where the key is exact: see `Entries::find`).
            key.restore(&mut stmt);
        }
        if let Some(local) = local.as_deref_mut() {
            let i = LocalCache::slot(hash);
            if let Some(Some(s)) = local.slots.get_mut(i) {
                if s.hash == hash && s.entry.matches(&key.words, &stmt) {
                    if let Some(params) = s.entry.params(&key, &mut values) {
                        // Lent (counting no reference), or shared the
                        // first time; given back either way.
                        let sql = s.sql.take().unwrap_or_else(|| s.entry.sql.clone());
                        local.lent = Some(i);
                        local.note_quick(i, quick);
                        key.recycle();
                        crate::statement::recycle(stmt);
                        return Ok(Compiled { sql, params });
                    }
                }
            }
        }
        let stale = {
            let entries = self.entries.read();
            match entries.find(hash, &key.words, &stmt) {
                Some(e) => match e.params(&key, &mut values) {
                    Some(params) => {
                        let sql = e.sql.clone();
                        let kept = local.is_some().then(|| e.clone());
                        drop(entries);
                        if let (Some(local), Some(entry)) = (local, kept) {
                            local.keep(hash, entry);
                            local.note_quick(LocalCache::slot(hash), quick);
                        }
                        key.recycle();
                        crate::statement::recycle(stmt);
                        return Ok(Compiled { sql, params });
                    }
                    None => true,
                },
                None => false,
            }
        };
        key.restore(&mut stmt);
        let compiled = self.compile_and_store(hash, key, &stmt, values, !stale);
        crate::statement::recycle(stmt);
        compiled
    }

    /// Compiles `stmt`, whose canonical values were moved into `values`,
    /// and keeps the result under `key` if `store`.
    fn compile_and_store(
        &self,
        hash: u64,
        key: Key,
        stmt: &Statement,
        mut values: Vec<Value>,
        store: bool,
    ) -> Result<Compiled> {
        let mut c = Compiler::new(self.dialect);
        c.record = Some(Vec::new());
        c.statement(stmt)?;
        let addrs = c.record.take().unwrap_or_default();
        let compiled = c.finish();

        // Where each placeholder's value sits in canonical order: the
        // compiler bound the (NULL) slots the values were moved out of.
        let mut canon = Vec::with_capacity(values.len());
        collect_values(stmt, &mut canon);
        // Where each value object first appears in canonical order, and
        // the later positions of objects that appear more than once.
        let mut first: FxHashMap<*const Value, u32> = FxHashMap::default();
        first.reserve(canon.len());
        let mut repeats: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (j, v) in canon.iter().enumerate() {
            let j = j as u32;
            let i = *first.entry(*v as *const Value).or_insert(j);
            if i != j {
                repeats.entry(i).or_default().push(j);
            }
        }
        let mut map = Vec::with_capacity(addrs.len());
        let mut shared = Vec::new();
        let mut noted = FxHashMap::default();
        let mut cacheable = canon.len() == values.len();
        let mut params = compiled.params;
        for (p, a) in addrs.iter().enumerate() {
            match first.get(a) {
                Some(&i) if cacheable => {
                    map.push(i);
                    if let (Some(slot), Some(v)) = (params.get_mut(p), values.get(i as usize)) {
                        *slot = v.clone();
                    }
                    if noted.insert(i, ()).is_none() {
                        if let Some(later) = repeats.get(&i) {
                            shared.extend(later.iter().map(|&j| (i, j)));
                        }
                    }
                }
                // A value the canonical walk does not reach was not moved:
                // the compiler bound it as it is.
                _ => cacheable = false,
            }
        }
        let compiled = Compiled {
            sql: compiled.sql,
            params,
        };
        if cacheable && store {
            values.clear();
            let identity =
                map.len() == canon.len() && map.iter().enumerate().all(|(i, &m)| i as u32 == m);
            let mut seen = vec![false; canon.len()];
            let moves = map
                .iter()
                .all(|&i| !std::mem::replace(&mut seen[i as usize], true));
            let entry = Arc::new(Entry {
                key: key.words.as_slice().into(),
                exact: key.exact,
                moves,
                shape: stmt.clone(),
                sql: compiled.sql.clone(),
                map: if identity {
                    None
                } else {
                    Some(map.into_boxed_slice())
                },
                values: canon.len(),
                shared: shared.into_boxed_slice(),
            });
            let mut entries = self.entries.write();
            if entries.count >= self.capacity {
                entries.by_hash.clear();
                entries.count = 0;
            }
            // Another thread may have compiled the same shape meanwhile.
            if entries.find(hash, &entry.key, stmt).is_none() {
                entries.by_hash.entry(hash).or_default().push(entry);
                entries.count += 1;
            }
        }
        Ok(compiled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compile, select, text, Column, GenericDialect, MetaData, SqlType, Table};

    const D: &dyn Dialect = &GenericDialect;

    fn users() -> Table {
        let mut md = MetaData::new();
        md.add(
            Table::builder("users")
                .column(Column::new("id", SqlType::Integer).primary_key())
                .column(Column::new("name", SqlType::String(Some(50)))),
        )
        .unwrap()
    }

    /// Compiles `stmt` through `cache` and `local` as a connection does,
    /// checks the result against an uncached compile, and gives the SQL
    /// back as the connection does once the statement has run.
    fn through(cache: &StatementCache, local: &mut LocalCache, stmt: Statement) -> Arc<str> {
        let expected = compile(&stmt, D).unwrap();
        let got = cache
            .compile_owned_local(stmt, Vec::new(), Some(local))
            .unwrap();
        assert_eq!(got, expected);
        let sql = got.sql.clone();
        local.give_back(got.sql);
        sql
    }

    #[test]
    fn a_connection_front_answers_a_shape_again_with_its_new_values() {
        let u = users();
        let by_id = |n: i32| -> Statement { select(&u).where_(u.c("id").unwrap().eq(n)).into() };
        let cache = StatementCache::new(D);
        let mut local = LocalCache::default();
        // Compiled and stored in the shared cache, then kept in the front.
        let first = through(&cache, &mut local, by_id(1));
        assert_eq!(local.len(), 0);
        assert!(Arc::ptr_eq(&through(&cache, &mut local, by_id(2)), &first));
        assert_eq!(local.len(), 1);
        // Answered by the front: the same SQL, lent and given back.
        for n in 3..10 {
            assert!(Arc::ptr_eq(&through(&cache, &mut local, by_id(n)), &first));
        }
        assert_eq!((local.len(), cache.len()), (1, 1));
        let held = local.slots.iter().flatten().next().unwrap();
        assert!(held.sql.as_ref().is_some_and(|s| Arc::ptr_eq(s, &first)));
    }

    #[test]
    fn shapes_sharing_a_slot_each_get_their_own_sql() {
        let u = users();
        let limited = |n: u64| -> Statement { select(&u).limit(n).into() };
        let cache = StatementCache::new(D);
        let mut local = LocalCache::default();
        // More shapes than slots: some share one, and take it in turn.
        for _ in 0..3 {
            for n in 0..(LOCAL_SLOTS as u64 + 8) {
                let sql = through(&cache, &mut local, limited(n));
                assert!(sql.ends_with(&format!("LIMIT {n}")), "{sql}");
            }
        }
        assert!(local.len() <= LOCAL_SLOTS);
        assert_eq!(cache.len(), LOCAL_SLOTS + 8);
    }

    #[test]
    fn an_entry_the_shared_cache_let_go_still_answers_from_the_front() {
        let u = users();
        let by_id = |n: i32| -> Statement { select(&u).where_(u.c("id").unwrap().eq(n)).into() };
        let by_name = |s: &str| -> Statement {
            select(&u)
                .where_(u.c("name").unwrap().eq(s.to_string()))
                .into()
        };
        // A shared cache of one shape: the second shape empties it.
        let cache = StatementCache::with_capacity(D, 1);
        let mut local = LocalCache::default();
        let a = through(&cache, &mut local, by_id(1));
        through(&cache, &mut local, by_id(2));
        let b = through(&cache, &mut local, by_name("ann"));
        assert_ne!(a, b);
        assert_eq!(cache.len(), 1);
        // The front still holds the first shape: no compile, no store
        // (which would empty the shared cache again).
        assert!(Arc::ptr_eq(&through(&cache, &mut local, by_id(3)), &a));
        let mut other = LocalCache::default();
        assert!(Arc::ptr_eq(
            &through(&cache, &mut other, by_name("bob")),
            &b
        ));
    }

    #[test]
    fn text_clauses_are_compared_whole_through_the_front() {
        let cache = StatementCache::new(D);
        let mut local = LocalCache::default();
        for _ in 0..3 {
            for (sql, n) in [("SELECT :n", 1), ("SELECT :n + 1", 2), ("SELECT :n", 3)] {
                let stmt: Statement = text(sql).bind("n", n).into();
                let got = through(&cache, &mut local, stmt);
                assert_eq!(&*got, sql.replace(":n", "?").as_str());
            }
        }
    }

    #[test]
    fn sql_from_elsewhere_is_not_kept() {
        let mut local = LocalCache::default();
        local.give_back(Arc::from("SELECT 1"));
        assert_eq!(local.len(), 0);
        assert!(local.lent.is_none());
    }
}
