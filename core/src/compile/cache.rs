//! [`StatementCache`]: compiled SQL reused for statements of the same shape.

use super::shape::shape_hash;
use super::walk::{for_each_value, take_values};
use super::{collect_values, Compiled, Compiler};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::statement::Statement;
use crate::value::Value;
use parking_lot::RwLock;
use rustc_hash::FxHashMap;
use std::sync::Arc;

struct Entry {
    /// The statement the SQL was compiled from; compared by shape on lookup,
    /// so a hash collision can never hand out the wrong SQL.
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

/// A cache of compiled SQL for one dialect, keyed by statement *shape*:
/// statements that differ only in their bound values share one entry.
///
/// A hit costs a hash of the statement, one shape comparison and a walk
/// that collects the values; it renders no text. DDL is never cached.
/// When the cache holds `capacity` shapes it is emptied and starts over.
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

    /// Compiles `stmt`, reusing the SQL of an earlier statement of the same shape.
    pub fn compile(&self, stmt: &Statement) -> Result<Compiled> {
        let Some(hash) = shape_hash(stmt) else {
            return super::compile(stmt, self.dialect);
        };
        match self.lookup(hash, Given::Borrowed(stmt)) {
            Some(Hit::Found(compiled)) => Ok(compiled),
            Some(Hit::Stale) => super::compile(stmt, self.dialect),
            None => self.compile_and_store(hash, stmt),
        }
    }

    /// [`StatementCache::compile`] for a statement the caller gives away
    /// (the engine's, which runs a statement once and drops it): on a hit,
    /// the statement's values move into the parameters rather than being
    /// copied (except those it shares with other statements: the bodies of
    /// alias and CTE objects, columns' client-side defaults).
    pub fn compile_owned(&self, mut stmt: Statement) -> Result<Compiled> {
        if let Statement::Bound(b) = stmt {
            return b.into_compiled(self.dialect);
        }
        let Some(hash) = shape_hash(&stmt) else {
            return super::compile(&stmt, self.dialect);
        };
        match self.lookup(hash, Given::Owned(&mut stmt)) {
            Some(Hit::Found(compiled)) => Ok(compiled),
            Some(Hit::Stale) => super::compile(&stmt, self.dialect),
            None => self.compile_and_store(hash, &stmt),
        }
    }

    /// The SQL and parameters of `stmt` from the cached entry of its shape, if any.
    fn lookup(&self, hash: u64, mut stmt: Given<'_>) -> Option<Hit> {
        let entries = self.entries.read();
        let e = entries
            .by_hash
            .get(&hash)?
            .iter()
            .find(|e| same_shape(&e.shape, stmt.get()))?;
        let sql = e.sql.clone();
        let Some(map) = &e.map else {
            let mut params = Vec::with_capacity(e.values);
            match &mut stmt {
                Given::Borrowed(s) => for_each_value(s, &mut |v| params.push(v.clone())),
                Given::Owned(s) => take_values(s, &mut params),
            }
            return Some(Hit::Found(Compiled { sql, params }));
        };
        let params = match stmt {
            Given::Owned(s) if e.moves && e.shared.is_empty() => {
                let mut values = Vec::with_capacity(e.values);
                take_values(s, &mut values);
                map.iter()
                    .map(|&i| std::mem::replace(&mut values[i as usize], Value::Null))
                    .collect()
            }
            s => {
                // Values held by alias or CTE objects, which are copied
                // anyway, or placed twice: copied, and checked first.
                let mut values = Vec::with_capacity(e.values);
                collect_values(s.get(), &mut values);
                let same =
                    |&(i, j): &(u32, u32)| std::ptr::eq(values[i as usize], values[j as usize]);
                if !e.shared.iter().all(same) {
                    // Separate objects where the cached statement shared one:
                    // `map` may point at the wrong one.
                    return Some(Hit::Stale);
                }
                map.iter().map(|&i| values[i as usize].clone()).collect()
            }
        };
        Some(Hit::Found(Compiled { sql, params }))
    }

    fn compile_and_store(&self, hash: u64, stmt: &Statement) -> Result<Compiled> {
        let mut c = Compiler::new(self.dialect);
        c.record = Some(Vec::new());
        c.statement(stmt)?;
        let addrs = c.record.take().unwrap_or_default();
        let compiled = c.finish();

        let mut values = Vec::with_capacity(addrs.len());
        collect_values(stmt, &mut values);
        // Where each value object first appears in canonical order, and
        // the later positions of objects that appear more than once.
        let mut first: FxHashMap<*const Value, u32> = FxHashMap::default();
        first.reserve(values.len());
        let mut repeats: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (j, v) in values.iter().enumerate() {
            let j = j as u32;
            let i = *first.entry(*v as *const Value).or_insert(j);
            if i != j {
                repeats.entry(i).or_default().push(j);
            }
        }
        let mut map = Vec::with_capacity(addrs.len());
        let mut shared = Vec::new();
        let mut noted = FxHashMap::default();
        let mut cacheable = true;
        for a in &addrs {
            match first.get(a) {
                Some(&i) => {
                    map.push(i);
                    if noted.insert(i, ()).is_none() {
                        if let Some(later) = repeats.get(&i) {
                            shared.extend(later.iter().map(|&j| (i, j)));
                        }
                    }
                }
                None => {
                    cacheable = false;
                    break;
                }
            }
        }
        if cacheable {
            let identity =
                map.len() == values.len() && map.iter().enumerate().all(|(i, &m)| i as u32 == m);
            let mut seen = vec![false; values.len()];
            let moves = map
                .iter()
                .all(|&i| !std::mem::replace(&mut seen[i as usize], true));
            let entry = Entry {
                moves,
                shape: stmt.clone(),
                sql: compiled.sql.clone(),
                map: if identity {
                    None
                } else {
                    Some(map.into_boxed_slice())
                },
                values: values.len(),
                shared: shared.into_boxed_slice(),
            };
            let mut entries = self.entries.write();
            if entries.count >= self.capacity {
                entries.by_hash.clear();
                entries.count = 0;
            }
            let bucket = entries.by_hash.entry(hash).or_default();
            // Another thread may have compiled the same shape meanwhile.
            if !bucket.iter().any(|e| same_shape(&e.shape, stmt)) {
                bucket.push(entry);
                entries.count += 1;
            }
        }
        Ok(compiled)
    }
}

/// What a lookup found.
enum Hit {
    /// The SQL and its values, in placeholder order.
    Found(Compiled),
    /// An entry that does not apply to this statement (see `Entry::shared`).
    Stale,
}

/// The statement to look up: borrowed (its values are copied) or given
/// away (they move).
enum Given<'s> {
    Borrowed(&'s Statement),
    Owned(&'s mut Statement),
}

impl Given<'_> {
    fn get(&self) -> &Statement {
        match self {
            Given::Borrowed(s) => s,
            Given::Owned(s) => s,
        }
    }
}
