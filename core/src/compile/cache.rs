//! [`StatementCache`]: compiled SQL reused for statements of the same shape.

use super::key::{self, Key};
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
    /// The parameters, in placeholder order, of a statement of this entry's
    /// shape whose canonical values are `values` (taken with `key`); `None`
    /// when the entry does not apply to it (see `Entry::shared`).
    fn params(&self, key: &Key, values: &mut Vec<Value>) -> Option<Vec<Value>> {
        if values.len() != self.values {
            return None;
        }
        let Some(map) = &self.map else {
            return Some(std::mem::take(values));
        };
        if self.moves && self.shared.is_empty() {
            return Some(
                map.iter()
                    .map(|&i| std::mem::replace(&mut values[i as usize], Value::Null))
                    .collect(),
            );
        }
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
    by_hash: FxHashMap<u64, Vec<Entry>>,
    count: usize,
}

impl Entries {
    fn find(&self, hash: u64, key: &[u64], stmt: &Statement) -> Option<&Entry> {
        self.by_hash.get(&hash)?.iter().find(|e| {
            *e.key == *key
                && if e.exact {
                    debug_assert!(
                        same_shape(&e.shape, stmt),
                        "equal exact keys for statements of different shapes"
                    );
                    true
                } else {
                    same_shape(&e.shape, stmt)
                }
        })
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
        self.compile_owned_into(stmt, Vec::new())
    }

    /// [`StatementCache::compile_owned`] with `list`, an empty list, for
    /// the parameters when it has room enough (the engine's connection
    /// keeps the list of its last statement for its next one).
    #[inline(always)]
    pub(crate) fn compile_owned_into(
        &self,
        mut stmt: Statement,
        list: Vec<Value>,
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
        let stale = {
            let entries = self.entries.read();
            match entries.find(hash, &key.words, &stmt) {
                Some(e) => match e.params(&key, &mut values) {
                    Some(params) => {
                        let sql = e.sql.clone();
                        drop(entries);
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
            let entry = Entry {
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
            };
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
