//! [`StatementCache`]: compiled SQL reused for statements of the same shape.

use super::walk::for_each_value;
use super::{collect_values, Compiled, Compiler};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::statement::Statement;
use crate::value::Value;
use parking_lot::RwLock;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
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

fn shape_hash(stmt: &Statement) -> Option<u64> {
    let mut h = FxHasher::default();
    match stmt {
        Statement::Query(q) => q.hash(&mut h),
        Statement::Insert(i) => i.hash(&mut h),
        Statement::Update(u) => u.hash(&mut h),
        Statement::Delete(d) => d.hash(&mut h),
        Statement::Text(t) => t.hash(&mut h),
        Statement::Ddl(_) => return None,
    }
    Some(h.finish())
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
        {
            let entries = self.entries.read();
            if let Some(bucket) = entries.by_hash.get(&hash) {
                if let Some(e) = bucket.iter().find(|e| same_shape(&e.shape, stmt)) {
                    let params: Vec<Value> = match &e.map {
                        None => {
                            let mut params = Vec::with_capacity(e.values);
                            for_each_value(stmt, &mut |v| params.push(v.clone()));
                            params
                        }
                        Some(map) => {
                            let mut values = Vec::with_capacity(e.values);
                            collect_values(stmt, &mut values);
                            let same = |&(i, j): &(u32, u32)| {
                                std::ptr::eq(values[i as usize], values[j as usize])
                            };
                            if !e.shared.iter().all(same) {
                                // Separate objects where the cached statement
                                // shared one: `map` may point at the wrong one.
                                return super::compile(stmt, self.dialect);
                            }
                            map.iter().map(|&i| values[i as usize].clone()).collect()
                        }
                    };
                    return Ok(Compiled {
                        sql: e.sql.clone(),
                        params,
                    });
                }
            }
        }

        let mut c = Compiler::new(self.dialect);
        c.record = Some(Vec::new());
        c.statement(stmt)?;
        let addrs = c.record.take().unwrap_or_default();
        let compiled = c.finish();

        let mut values = Vec::with_capacity(addrs.len());
        collect_values(stmt, &mut values);
        let mut map = Vec::with_capacity(addrs.len());
        let mut shared = Vec::new();
        let mut cacheable = true;
        for a in &addrs {
            match values.iter().position(|v| std::ptr::eq(*v, *a)) {
                Some(i) => {
                    map.push(i as u32);
                    for (j, v) in values.iter().enumerate().skip(i + 1) {
                        if std::ptr::eq(*v, *a) && !shared.contains(&(i as u32, j as u32)) {
                            shared.push((i as u32, j as u32));
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
            let entry = Entry {
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
