//! The unit of work: [`Session::flush`] turns pending objects, changed
//! objects and deletions into INSERT, UPDATE and DELETE statements in
//! foreign-key order.

use super::{ensure_conn, key_condition, table_id, Done, Identity, Session};
use crate::error::{Error, Result};
use crate::key::{int_of, Key};
use crate::object::{AnyObj, ObjectState};
use crate::relationship::{Direction, Secondary};
use aludel_core::engine::Connection;
use aludel_core::{delete, insert, update, Capabilities, Expr, Table, Value};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Whether a column value means "let the database generate it": NULL, or
/// zero in an autoincrement column (a model's `id: i64` defaults to 0).
fn unset(v: &Value, autoincrement: bool) -> bool {
    match v {
        Value::Null => true,
        Value::I16(0) | Value::I32(0) | Value::I64(0) => autoincrement,
        _ => false,
    }
}

/// The tables in the order their rows can be inserted: a table after
/// every table its foreign keys refer to. Tables in a cycle keep the order
/// they were first seen in.
fn order_tables(tables: &[&'static Table]) -> Vec<&'static Table> {
    let refers = |child: &Table, parent: &Table| {
        !std::ptr::eq(child, parent) && child.foreign_keys_to(parent).next().is_some()
    };
    let mut done = vec![false; tables.len()];
    let mut out = Vec::with_capacity(tables.len());
    while out.len() < tables.len() {
        let next = (0..tables.len()).find(|&i| {
            !done[i]
                && (0..tables.len()).all(|j| done[j] || j == i || !refers(tables[i], tables[j]))
        });
        // A cycle: take the first remaining table as it is.
        let i = next.unwrap_or_else(|| (0..tables.len()).find(|&i| !done[i]).unwrap_or(0));
        done[i] = true;
        out.push(tables[i]);
    }
    out
}

/// The order of rows of one table such that a row referring to another
/// row of the same batch (a self-referential foreign key) comes after it.
/// Rows in a cycle keep their order.
fn order_rows(table: &Table, rows: &[Vec<Value>]) -> Vec<usize> {
    let col_index = |name: &str| table.columns.iter().position(|c| c.name.as_str() == name);
    let self_fks: Vec<(Vec<usize>, Vec<usize>)> = table
        .foreign_keys_to(table)
        .filter_map(|fk| {
            let from: Option<Vec<usize>> =
                fk.columns.iter().map(|c| col_index(c.as_str())).collect();
            let to: Option<Vec<usize>> = fk
                .ref_columns
                .iter()
                .map(|c| col_index(c.as_str()))
                .collect();
            Some((from?, to?))
        })
        .collect();
    if self_fks.is_empty() || rows.len() < 2 {
        return (0..rows.len()).collect();
    }
    // parents[i]: the rows row i refers to.
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    for (from, to) in &self_fks {
        let mut by_target: FxHashMap<Key, usize> = FxHashMap::default();
        for (i, r) in rows.iter().enumerate() {
            by_target.insert(Key::many(to.iter().map(|&c| r[c].clone()).collect()), i);
        }
        for (i, r) in rows.iter().enumerate() {
            let k = Key::many(from.iter().map(|&c| r[c].clone()).collect());
            if k.has_null() {
                continue;
            }
            if let Some(&p) = by_target.get(&k) {
                if p != i {
                    parents[i].push(p);
                }
            }
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut waiting: Vec<usize> = vec![0; rows.len()];
    for (i, ps) in parents.iter().enumerate() {
        waiting[i] = ps.len();
        for &p in ps {
            children[p].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..rows.len()).filter(|&i| waiting[i] == 0).collect();
    let mut placed = vec![false; rows.len()];
    let mut out = Vec::with_capacity(rows.len());
    while out.len() < rows.len() {
        let i = match ready.pop_first() {
            Some(i) => i,
            None => match (0..rows.len()).find(|&i| !placed[i]) {
                Some(i) => i,
                None => break,
            },
        };
        if placed[i] {
            continue;
        }
        placed[i] = true;
        out.push(i);
        for &c in &children[i] {
            waiting[c] = waiting[c].saturating_sub(1);
            if waiting[c] == 0 && !placed[c] {
                ready.insert(c);
            }
        }
    }
    out
}

fn stale(operation: &'static str, table: &Table, expected: u64, matched: u64) -> Error {
    Error::StaleData {
        operation,
        table: table.qualified_name(),
        expected,
        matched,
    }
}

/// What a relationship change asks of the next flush.
#[derive(Clone)]
pub(crate) enum Link {
    /// Set `child`'s foreign-key columns from `parent`'s columns (NULL
    /// without a parent) before the child's row is written.
    Fk {
        child: Arc<dyn AnyObj>,
        child_cols: Vec<usize>,
        parent: Option<Arc<dyn AnyObj>>,
        parent_cols: Vec<usize>,
    },
    /// Add (or remove) the association row of `owner` and `target`; with
    /// no target, remove every row of `owner`.
    Assoc {
        sec: Secondary,
        owner: Arc<dyn AnyObj>,
        owner_cols: Vec<usize>,
        target: Option<Arc<dyn AnyObj>>,
        target_cols: Vec<usize>,
        insert: bool,
    },
}

/// Everything one flush writes, gathered before the first statement.
struct Work {
    inserts: Vec<Arc<dyn AnyObj>>,
    updates: Vec<Arc<dyn AnyObj>>,
    deletes: Vec<Arc<dyn AnyObj>>,
}

impl Session {
    /// Writes every pending change to the database in the session's
    /// transaction: INSERTs of pending objects, UPDATEs of the changed
    /// columns of modified objects, DELETEs of objects marked for
    /// deletion, ordered by the foreign keys between tables (and between
    /// rows of a self-referential table). Generated keys are read back
    /// into the objects.
    ///
    /// If a statement fails, the transaction is rolled back and the
    /// session is put back as it was before the transaction's first
    /// flush: objects inserted in it are pending again (generated keys
    /// cleared), updated ones modified again, deleted ones marked again.
    /// Fix the cause (say, expunge the object that broke a unique
    /// constraint) and flush again.
    pub async fn flush(&mut self) -> Result<()> {
        // Nothing added, deleted, linked or written since the last flush:
        // nothing to look at.
        let written = self.identity.dirty.take();
        if !written && self.new.is_empty() && self.deleted.is_empty() && self.links.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.collect_links().await {
            self.identity.dirty.raise();
            return Err(e);
        }
        let mut updates = Vec::new();
        for o in self.identity.values() {
            let m = o.meta();
            if m.modified && !m.marked_for_deletion && m.state == ObjectState::Persistent {
                updates.push(o.clone());
            }
        }
        if self.new.is_empty()
            && self.deleted.is_empty()
            && updates.is_empty()
            && self.links.is_empty()
        {
            return Ok(());
        }
        let work = Work {
            inserts: std::mem::take(&mut self.new),
            updates,
            deletes: std::mem::take(&mut self.deleted),
        };
        let caps = self.engine.dialect().capabilities();
        let result = match ensure_conn(&self.engine, &mut self.conn).await {
            Ok(conn) => {
                let mut run = Run {
                    conn,
                    caps,
                    identity: &mut self.identity,
                    journal: &mut self.journal,
                    session: self.id,
                    links: &self.links,
                };
                run.all(&work).await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            // The links stay, to be applied again by the next flush.
            self.undo_flushes(work).await;
            self.identity.dirty.raise();
            return Err(e);
        }
        self.links.clear();
        Ok(())
    }

    /// Takes what changed in relationship fields since the last flush:
    /// foreign keys to set from related objects' keys, association rows to
    /// add or remove; and cascades it: new related objects are added
    /// (save-update), orphans and the children of deleted parents are
    /// deleted (delete-orphan, delete).
    async fn collect_links(&mut self) -> Result<()> {
        // Only models with relationships can have changed ones.
        let mut work: Vec<Arc<dyn AnyObj>> = self
            .new
            .iter()
            .chain(self.identity.values())
            .filter(|o| !o.relationships().is_empty())
            .cloned()
            .collect();
        let mut i = 0;
        while i < work.len() {
            let o = work[i].clone();
            i += 1;
            let rels = o.relationships();
            for (idx, info) in rels.iter().enumerate() {
                let ch = o.rel_take_changes(idx)?;
                if ch.set.is_none() && ch.added.is_empty() && ch.removed.is_empty() {
                    continue;
                }
                let res = info.resolved()?.clone();
                match res.direction {
                    Direction::ManyToOne => {
                        if let Some(set) = ch.set {
                            if let Some(t) = &set {
                                if info.cascade.save_update && self.cascade_add(&t.0)? {
                                    work.push(t.0.clone());
                                }
                            }
                            self.links.push(Link::Fk {
                                child: o.clone(),
                                child_cols: res.owner_cols.clone(),
                                parent: set.map(|t| t.0),
                                parent_cols: res.target_cols.clone(),
                            });
                        }
                    }
                    Direction::OneToMany => {
                        let mut added: Vec<Arc<dyn AnyObj>> =
                            ch.added.into_iter().map(|c| c.0).collect();
                        if let Some(Some(t)) = ch.set {
                            added.push(t.0);
                        }
                        for c in ch.removed {
                            if info.cascade.delete_orphan {
                                self.mark_deleted(&c.0);
                            } else {
                                self.links.push(Link::Fk {
                                    child: c.0,
                                    child_cols: res.target_cols.clone(),
                                    parent: None,
                                    parent_cols: res.owner_cols.clone(),
                                });
                            }
                        }
                        for c in added {
                            if info.cascade.save_update && self.cascade_add(&c)? {
                                work.push(c.clone());
                            }
                            self.links.push(Link::Fk {
                                child: c,
                                child_cols: res.target_cols.clone(),
                                parent: Some(o.clone()),
                                parent_cols: res.owner_cols.clone(),
                            });
                        }
                    }
                    Direction::ManyToMany => {
                        let Some(sec) = res.secondary.clone() else {
                            continue;
                        };
                        for c in ch.removed {
                            self.links.push(Link::Assoc {
                                sec: sec.clone(),
                                owner: o.clone(),
                                owner_cols: res.owner_cols.clone(),
                                target: Some(c.0),
                                target_cols: res.target_cols.clone(),
                                insert: false,
                            });
                        }
                        for c in ch.added {
                            if info.cascade.save_update && self.cascade_add(&c.0)? {
                                work.push(c.0.clone());
                            }
                            self.links.push(Link::Assoc {
                                sec: sec.clone(),
                                owner: o.clone(),
                                owner_cols: res.owner_cols.clone(),
                                target: Some(c.0),
                                target_cols: res.target_cols.clone(),
                                insert: true,
                            });
                        }
                    }
                }
            }
        }
        // Deletes cascade to children (loaded first where needed), and
        // take a deleted object's association rows with it.
        let mut k = 0;
        while k < self.deleted.len() {
            let d = self.deleted[k].clone();
            k += 1;
            for info in d.relationships() {
                let res = info.resolved()?.clone();
                match res.direction {
                    Direction::OneToMany if info.cascade.delete && !info.passive_deletes => {
                        let children = self
                            .load_rel(info, &[crate::object::ErasedObj(d.clone())])
                            .await?;
                        for c in children {
                            self.mark_deleted(&c.0);
                        }
                    }
                    Direction::ManyToMany => {
                        if let Some(sec) = res.secondary.clone() {
                            self.links.push(Link::Assoc {
                                sec,
                                owner: d.clone(),
                                owner_cols: res.owner_cols.clone(),
                                target: None,
                                target_cols: res.target_cols.clone(),
                                insert: false,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Adds a transient related object to the session; whether it was.
    fn cascade_add(&mut self, o: &Arc<dyn AnyObj>) -> Result<bool> {
        let (state, session) = {
            let m = o.meta();
            (m.state, m.session)
        };
        if session == self.id {
            return Ok(false);
        }
        match state {
            ObjectState::Transient => {
                let seq = self.next_seq();
                {
                    let mut m = o.meta();
                    m.state = ObjectState::Pending;
                    m.session = self.id;
                    m.seq = seq;
                }
                self.new.push(o.clone());
                Ok(true)
            }
            _ => Err(Error::InvalidState {
                operation:
                    "cascade into this session (it belongs to another session or is detached)",
                model: o.model_name(),
                state,
            }),
        }
    }

    /// Marks a related object for deletion (a pending one simply leaves).
    fn mark_deleted(&mut self, o: &Arc<dyn AnyObj>) {
        let mut m = o.meta();
        if m.session != self.id {
            return;
        }
        match m.state {
            ObjectState::Pending => {
                m.state = ObjectState::Transient;
                m.session = 0;
                drop(m);
                self.new.retain(|x| !Arc::ptr_eq(x, o));
            }
            ObjectState::Persistent if !m.marked_for_deletion => {
                m.marked_for_deletion = true;
                drop(m);
                self.deleted.push(o.clone());
            }
            _ => {}
        }
    }

    /// After a failed flush: rolls the transaction back and puts every
    /// object the transaction wrote back in its state from before.
    async fn undo_flushes(&mut self, work: Work) {
        if let Some(conn) = self.conn.as_mut() {
            if conn.rollback().await.is_err() {
                // A connection that cannot roll back is not reused.
                self.conn = None;
            }
        }
        let mut new: Vec<Arc<dyn AnyObj>> = Vec::new();
        let mut deleted: Vec<Arc<dyn AnyObj>> = Vec::new();
        for done in std::mem::take(&mut self.journal).into_iter().rev() {
            match done {
                Done::Inserted { obj, before } => {
                    self.uninsert(&obj, &before, ObjectState::Pending);
                    new.push(obj);
                }
                Done::Updated {
                    obj,
                    committed,
                    old_key,
                } => {
                    let moved = {
                        let mut m = obj.meta();
                        let moved = m.key.get().filter(|k| *k != old_key);
                        m.key.set(Some(old_key.clone()));
                        m.modified = true;
                        if let Some(vi) = obj.version_column() {
                            let name = obj.table().columns[vi].name.as_str();
                            drop(m);
                            let _ = obj.set_columns(&[(name, committed[vi].clone())]);
                            m = obj.meta();
                        }
                        m.committed = Some(Box::new(committed));
                        moved
                    };
                    if let Some(k) = moved {
                        let t = table_id(obj.table());
                        self.identity.remove(t, &k);
                        self.identity.insert(t, old_key, obj);
                    }
                }
                Done::Deleted { obj, key } => {
                    {
                        let mut m = obj.meta();
                        m.state = ObjectState::Persistent;
                        m.marked_for_deletion = true;
                        m.key.set(Some(key.clone()));
                    }
                    self.identity
                        .insert(table_id(obj.table()), key, obj.clone());
                    deleted.push(obj);
                }
            }
        }
        let ptr = |o: &Arc<dyn AnyObj>| Arc::as_ptr(o).cast::<()>() as usize;
        let seen: FxHashSet<usize> = new.iter().map(ptr).collect();
        new.extend(work.inserts.into_iter().filter(|o| !seen.contains(&ptr(o))));
        new.sort_by_key(|o| o.meta().seq);
        self.new = new;
        let seen: FxHashSet<usize> = deleted.iter().map(ptr).collect();
        deleted.extend(work.deletes.into_iter().filter(|o| !seen.contains(&ptr(o))));
        self.deleted = deleted;
    }
}

/// One flush in progress.
struct Run<'a> {
    conn: &'a mut Connection,
    caps: &'static Capabilities,
    identity: &'a mut Identity,
    journal: &'a mut Vec<Done>,
    session: u64,
    links: &'a [Link],
}

impl Run<'_> {
    /// Sets the foreign keys of `table`'s objects from their related
    /// objects' keys (which exist by now: their tables come first).
    fn apply_fk_links(
        &mut self,
        table: &'static Table,
        only: Option<&[Arc<dyn AnyObj>]>,
    ) -> Result<()> {
        for l in self.links {
            let Link::Fk {
                child,
                child_cols,
                parent,
                parent_cols,
            } = l
            else {
                continue;
            };
            if !std::ptr::eq(child.table(), table) {
                continue;
            }
            if let Some(only) = only {
                if !only.iter().any(|o| Arc::ptr_eq(o, child)) {
                    continue;
                }
            }
            let values: Vec<Value> = match parent {
                Some(p) => {
                    let pv = p.values()?;
                    parent_cols.iter().map(|&i| pv[i].clone()).collect()
                }
                None => vec![Value::Null; child_cols.len()],
            };
            let current = child.values()?;
            if child_cols
                .iter()
                .zip(&values)
                .all(|(&i, v)| current[i] == *v)
            {
                continue;
            }
            {
                let mut m = child.meta();
                if m.state == ObjectState::Persistent {
                    if m.committed.is_none() {
                        m.committed = Some(Box::new(current.clone()));
                    }
                    m.modified = true;
                }
            }
            let cols = &table.columns;
            let set: Vec<(&str, Value)> = child_cols
                .iter()
                .map(|&i| cols[i].name.as_str())
                .zip(values)
                .collect();
            child.set_columns(&set)?;
        }
        Ok(())
    }

    /// The pending objects of `objs` whose foreign-key links point at
    /// another object of `objs` that is still pending: they wait for it.
    fn waiting(&self, objs: &[Arc<dyn AnyObj>]) -> Vec<bool> {
        objs.iter()
            .map(|o| {
                self.links.iter().any(|l| match l {
                    Link::Fk {
                        child,
                        parent: Some(p),
                        ..
                    } => {
                        Arc::ptr_eq(child, o)
                            && objs.iter().any(|x| Arc::ptr_eq(x, p))
                            && p.meta().state == ObjectState::Pending
                    }
                    _ => false,
                })
            })
            .collect()
    }

    /// Association rows: removals before the objects' DELETEs, additions
    /// after every INSERT.
    async fn run_assoc(&mut self, insert: bool) -> Result<()> {
        let mut inserts: Vec<(&Secondary, Vec<Value>)> = Vec::new();
        for l in self.links {
            let Link::Assoc {
                sec,
                owner,
                owner_cols,
                target,
                target_cols,
                insert: ins,
            } = l
            else {
                continue;
            };
            if *ins != insert {
                continue;
            }
            let st = sec.table;
            let ov = owner.values()?;
            let mut cond: Vec<Expr> = Vec::new();
            let mut row: Vec<Value> = vec![Value::Null; st.columns.len()];
            for (&a, &b) in sec.to_owner.iter().zip(owner_cols) {
                row[a] = ov[b].clone();
                cond.push(
                    st.c(st.columns[a].name.as_str())?
                        .eq(aludel_core::value(ov[b].clone())),
                );
            }
            if let Some(t) = target {
                let tv = t.values()?;
                for (&a, &b) in sec.to_target.iter().zip(target_cols) {
                    row[a] = tv[b].clone();
                    cond.push(
                        st.c(st.columns[a].name.as_str())?
                            .eq(aludel_core::value(tv[b].clone())),
                    );
                }
            }
            if insert {
                inserts.push((sec, row));
            } else {
                self.conn
                    .execute(delete(st).where_(aludel_core::and(cond)))
                    .await?;
            }
        }
        // One multi-row INSERT per association table.
        let mut done = vec![false; inserts.len()];
        for i in 0..inserts.len() {
            if done[i] {
                continue;
            }
            let st = inserts[i].0.table;
            let cols: Vec<usize> = inserts[i]
                .0
                .to_owner
                .iter()
                .chain(&inserts[i].0.to_target)
                .copied()
                .collect();
            let mut stmt =
                aludel_core::insert(st).columns(cols.iter().map(|&c| st.columns[c].name.clone()));
            for j in i..inserts.len() {
                if !done[j] && std::ptr::eq(inserts[j].0.table, st) {
                    done[j] = true;
                    stmt = stmt.row(
                        cols.iter()
                            .map(|&c| aludel_core::value(inserts[j].1[c].clone())),
                    );
                }
            }
            self.conn.execute(stmt).await?;
        }
        Ok(())
    }

    async fn all(&mut self, work: &Work) -> Result<()> {
        let mut tables: Vec<&'static Table> = Vec::new();
        let linked: Vec<Arc<dyn AnyObj>> = self
            .links
            .iter()
            .filter_map(|l| match l {
                Link::Fk { child, .. } => Some(child.clone()),
                _ => None,
            })
            .collect();
        for o in work
            .inserts
            .iter()
            .chain(&work.updates)
            .chain(&work.deletes)
            .chain(&linked)
        {
            let t = o.table();
            if !tables.iter().any(|x| std::ptr::eq(*x, t)) {
                tables.push(t);
            }
        }
        let order = order_tables(&tables);
        let of = |list: &[Arc<dyn AnyObj>], t: &'static Table| -> Vec<Arc<dyn AnyObj>> {
            list.iter()
                .filter(|o| std::ptr::eq(o.table(), t))
                .cloned()
                .collect()
        };
        for &t in &order {
            // Rows of a self-referential table whose parent row is new
            // too go in rounds: parents first, then children with the
            // parents' keys.
            let mut pending = of(&work.inserts, t);
            while !pending.is_empty() {
                let waiting = self.waiting(&pending);
                let (mut ready, mut rest): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
                for (o, w) in pending.into_iter().zip(waiting) {
                    if w {
                        rest.push(o);
                    } else {
                        ready.push(o);
                    }
                }
                if ready.is_empty() {
                    // A cycle of new rows: insert them as they are.
                    ready = std::mem::take(&mut rest);
                }
                self.apply_fk_links(t, Some(&ready))?;
                self.insert(t, ready).await?;
                pending = rest;
            }
            // Persistent objects whose foreign key follows a related object.
            self.apply_fk_links(t, None)?;
            let ups: Vec<Arc<dyn AnyObj>> = self
                .identity
                .values_of(table_id(t))
                .filter(|o| {
                    std::ptr::eq(o.table(), t) && {
                        let m = o.meta();
                        m.modified && !m.marked_for_deletion && m.state == ObjectState::Persistent
                    }
                })
                .cloned()
                .collect();
            if !ups.is_empty() {
                self.update(t, ups).await?;
            }
        }
        self.run_assoc(true).await?;
        self.run_assoc(false).await?;
        for &t in order.iter().rev() {
            let dels = of(&work.deletes, t);
            if !dels.is_empty() {
                self.delete(t, dels).await?;
            }
        }
        Ok(())
    }

    /// Marks an inserted object persistent and journals it.
    fn inserted(&mut self, obj: Arc<dyn AnyObj>, before: Vec<(&'static str, Value)>) -> Result<()> {
        let key = obj.current_key()?;
        {
            let mut m = obj.meta();
            m.state = ObjectState::Persistent;
            m.session = self.session;
            m.key.set(Some(key.clone()));
            m.modified = false;
            m.committed = None;
        }
        self.identity
            .insert(table_id(obj.table()), key, obj.clone());
        self.journal.push(Done::Inserted { obj, before });
        Ok(())
    }

    async fn insert(&mut self, table: &'static Table, objs: Vec<Arc<dyn AnyObj>>) -> Result<()> {
        let cols = &table.columns;
        let version = objs[0].version_column();
        let mut rows = Vec::with_capacity(objs.len());
        for o in &objs {
            let mut values = o.values()?;
            if let Some(vi) = version {
                if unset(&values[vi], true) {
                    values[vi] = Value::I64(1);
                    o.set_columns(&[(cols[vi].name.as_str(), Value::I64(1))])?;
                }
            }
            rows.push(values);
        }
        let order = order_rows(table, &rows);
        let mut batch: Vec<(Arc<dyn AnyObj>, Vec<Value>)> = Vec::new();
        let mut batch_mask: Vec<bool> = Vec::new();
        let mut rows: Vec<Option<Vec<Value>>> = rows.into_iter().map(Some).collect();
        for i in order {
            let values = rows[i].take().unwrap_or_default();
            // Columns left to the database: unset autoincrement keys, and
            // NULLs where a server default applies.
            let mask: Vec<bool> = cols
                .iter()
                .zip(&values)
                .map(|(c, v)| {
                    unset(v, c.autoincrement) && (c.autoincrement || c.server_default.is_some())
                })
                .collect();
            if !batch.is_empty() && mask != batch_mask {
                let b = std::mem::take(&mut batch);
                self.insert_batch(table, &batch_mask, b).await?;
            }
            batch_mask = mask;
            batch.push((objs[i].clone(), values));
        }
        if !batch.is_empty() {
            self.insert_batch(table, &batch_mask, batch).await?;
        }
        Ok(())
    }

    /// INSERTs rows that leave the same columns (`generated`) to the database.
    async fn insert_batch(
        &mut self,
        table: &'static Table,
        generated: &[bool],
        batch: Vec<(Arc<dyn AnyObj>, Vec<Value>)>,
    ) -> Result<()> {
        let cols = &table.columns;
        let names: Vec<&'static str> = cols
            .iter()
            .zip(generated)
            .filter(|(_, g)| !**g)
            .map(|(c, _)| c.name.as_str())
            .collect();
        let gen_cols: Vec<usize> = (0..cols.len()).filter(|&i| generated[i]).collect();
        let before = |values: &[Value]| -> Vec<(&'static str, Value)> {
            gen_cols
                .iter()
                .map(|&i| (cols[i].name.as_str(), values[i].clone()))
                .collect()
        };
        let row_of = |values: &[Value]| -> Vec<Expr> {
            values
                .iter()
                .zip(generated)
                .filter(|(_, g)| !**g)
                .map(|(v, _)| aludel_core::value(v.clone()))
                .collect()
        };
        if names.is_empty() {
            // Nothing to bind: DEFAULT VALUES, one row at a time.
            for (obj, values) in batch {
                let mut stmt = insert(table).default_values();
                self.run_one_insert(table, &gen_cols, &obj, &mut stmt, &values)
                    .await?;
                let b = before(&values);
                self.inserted(obj, b)?;
            }
            return Ok(());
        }
        let per_stmt = if self.caps.multi_row_insert {
            (self.caps.max_bind_params / names.len()).clamp(1, 1000)
        } else {
            1
        };
        let returning = !gen_cols.is_empty() && self.caps.insert_returning;
        if gen_cols.is_empty() || returning {
            let mut batch = batch;
            while !batch.is_empty() {
                let rest = batch.split_off(per_stmt.min(batch.len()));
                let chunk = std::mem::replace(&mut batch, rest);
                let mut stmt = insert(table).columns(names.iter().copied());
                for (_, values) in &chunk {
                    stmt = stmt.row(row_of(values));
                }
                if returning {
                    let ret: Vec<Expr> = gen_cols
                        .iter()
                        .map(|&i| table.c(cols[i].name.as_str()))
                        .collect::<aludel_core::Result<_>>()?;
                    stmt = stmt.returning(ret);
                    let res = self.conn.execute(stmt).await?;
                    let mut got: Vec<Vec<Value>> =
                        res.all().into_iter().map(|r| r.into_values()).collect();
                    if got.len() != chunk.len() {
                        return Err(Error::Core(aludel_core::Error::InvalidStatement(format!(
                            "INSERT INTO {} returned {} rows for {} objects",
                            table.qualified_name(),
                            got.len(),
                            chunk.len()
                        ))));
                    }
                    // The database assigns increasing keys in VALUES order;
                    // RETURNING's own order is not promised, so sort by key.
                    if let Some(k) = gen_cols.iter().position(|&i| cols[i].autoincrement) {
                        got.sort_by_key(|r| int_of(&r[k]).unwrap_or(i64::MAX));
                    }
                    for ((obj, values), row) in chunk.into_iter().zip(got) {
                        let set: Vec<(&str, Value)> = gen_cols
                            .iter()
                            .map(|&i| cols[i].name.as_str())
                            .zip(row)
                            .collect();
                        obj.set_columns(&set)?;
                        let b = before(&values);
                        self.inserted(obj, b)?;
                    }
                } else {
                    self.conn.execute(stmt).await?;
                    for (obj, values) in chunk {
                        let b = before(&values);
                        self.inserted(obj, b)?;
                    }
                }
            }
            return Ok(());
        }
        // Keys to read back without RETURNING: one INSERT per row, each
        // reporting its key.
        for (obj, values) in batch {
            let mut stmt = insert(table)
                .columns(names.iter().copied())
                .row(row_of(&values));
            self.run_one_insert(table, &gen_cols, &obj, &mut stmt, &values)
                .await?;
            let b = before(&values);
            self.inserted(obj, b)?;
        }
        Ok(())
    }

    /// Runs a one-row INSERT and stores what the database generated:
    /// through RETURNING where the dialect has it, else the reported
    /// last insert id. Server defaults that cannot be read back leave the
    /// object expired, to be loaded again before it is read.
    async fn run_one_insert(
        &mut self,
        table: &'static Table,
        gen_cols: &[usize],
        obj: &Arc<dyn AnyObj>,
        stmt: &mut aludel_core::Insert,
        _values: &[Value],
    ) -> Result<()> {
        let cols = &table.columns;
        let stmt = std::mem::replace(stmt, insert(table));
        if gen_cols.is_empty() {
            self.conn.execute(stmt).await?;
            return Ok(());
        }
        if self.caps.insert_returning {
            let ret: Vec<Expr> = gen_cols
                .iter()
                .map(|&i| table.c(cols[i].name.as_str()))
                .collect::<aludel_core::Result<_>>()?;
            let row = self.conn.execute(stmt.returning(ret)).await?.one()?;
            let set: Vec<(&str, Value)> = gen_cols
                .iter()
                .map(|&i| cols[i].name.as_str())
                .zip(row.into_values())
                .collect();
            return obj.set_columns(&set);
        }
        let res = self.conn.execute(stmt).await?;
        let mut unknown = false;
        for &i in gen_cols {
            match (cols[i].autoincrement, res.last_insert_id()) {
                (true, Some(id)) => obj.set_columns(&[(cols[i].name.as_str(), Value::I64(id))])?,
                _ => unknown = true,
            }
        }
        if unknown {
            obj.meta().expired = true;
        }
        Ok(())
    }

    async fn update(&mut self, table: &'static Table, objs: Vec<Arc<dyn AnyObj>>) -> Result<()> {
        let cols = &table.columns;
        let version = objs[0].version_column();
        let pk: Vec<usize> = table
            .primary_key
            .columns
            .iter()
            .filter_map(|n| cols.iter().position(|c| c.name == *n))
            .collect();
        // Objects grouped by the set of columns they change, in first-seen
        // order; each group is one statement run once per object.
        struct Change {
            obj: Arc<dyn AnyObj>,
            committed: Vec<Value>,
            current: Vec<Value>,
            old_key: Key,
        }
        let mut groups: Vec<(Vec<usize>, Vec<Change>)> = Vec::new();
        for obj in objs {
            let current = obj.values()?;
            let (committed, old_key) = {
                let m = obj.meta();
                (m.committed.as_deref().cloned(), m.key.get())
            };
            let committed = committed.unwrap_or_else(|| vec![Value::Null; cols.len()]);
            let old_key = match old_key {
                Some(k) => k,
                None => obj.current_key()?,
            };
            let mut changed: Vec<usize> = (0..cols.len())
                .filter(|&i| Some(i) != version && current[i] != committed[i])
                .collect();
            if changed.is_empty() {
                let mut m = obj.meta();
                m.modified = false;
                m.committed = None;
                continue;
            }
            if let Some(vi) = version {
                changed.push(vi);
            }
            let c = Change {
                obj,
                committed,
                current,
                old_key,
            };
            match groups.iter_mut().find(|(set, _)| *set == changed) {
                Some((_, list)) => list.push(c),
                None => groups.push((changed, vec![c])),
            }
        }
        for (changed, list) in groups {
            let next_version = |c: &Change| -> Option<Value> {
                version.map(|vi| Value::I64(int_of(&c.committed[vi]).unwrap_or(0) + 1))
            };
            let params = |c: &Change| -> Vec<Value> {
                let mut p: Vec<Value> = changed
                    .iter()
                    .map(|&i| {
                        if Some(i) == version {
                            next_version(c).unwrap_or(Value::Null)
                        } else {
                            c.current[i].clone()
                        }
                    })
                    .collect();
                p.extend(c.old_key.values().iter().cloned());
                if let Some(vi) = version {
                    p.push(c.committed[vi].clone());
                }
                p
            };
            let first = &list[0];
            let mut stmt = update(table);
            for (&i, v) in changed.iter().zip(params(first)) {
                stmt = stmt.set(cols[i].name.clone(), aludel_core::value(v));
            }
            let mut cond = key_condition(table, &first.old_key)?;
            if let Some(vi) = version {
                cond = cond.and(
                    table
                        .c(cols[vi].name.as_str())?
                        .eq(aludel_core::value(first.committed[vi].clone())),
                );
            }
            stmt = stmt.where_(cond);
            let matched = if list.len() == 1 {
                self.conn.execute(stmt).await?.rows_affected()
            } else {
                let sets: Vec<Vec<Value>> = list.iter().map(params).collect();
                self.conn.execute_many(stmt, &sets).await?.rows_affected
            };
            if version.is_some() && matched != list.len() as u64 {
                return Err(stale("UPDATE", table, list.len() as u64, matched));
            }
            for c in list {
                if let (Some(vi), Some(v)) = (version, next_version(&c)) {
                    c.obj.set_columns(&[(cols[vi].name.as_str(), v)])?;
                }
                let new_key = if changed.iter().any(|i| pk.contains(i)) {
                    Some(c.obj.current_key()?)
                } else {
                    None
                };
                {
                    let mut m = c.obj.meta();
                    m.modified = false;
                    m.committed = None;
                    if let Some(k) = &new_key {
                        m.key.set(Some(k.clone()));
                    }
                }
                if let Some(k) = new_key {
                    let t = table_id(table);
                    self.identity.remove(t, &c.old_key);
                    self.identity.insert(t, k, c.obj.clone());
                }
                self.journal.push(Done::Updated {
                    obj: c.obj,
                    committed: c.committed,
                    old_key: c.old_key,
                });
            }
        }
        Ok(())
    }

    async fn delete(&mut self, table: &'static Table, objs: Vec<Arc<dyn AnyObj>>) -> Result<()> {
        let cols = &table.columns;
        let version = objs[0].version_column();
        let mut items: Vec<(Arc<dyn AnyObj>, Key, Vec<Value>)> = Vec::with_capacity(objs.len());
        for obj in objs {
            let key = obj.meta().key.get();
            let key = match key {
                Some(k) => k,
                None => obj.current_key()?,
            };
            // The version the database holds: the snapshot if the object
            // was changed since, else its current value.
            let committed = obj.meta().committed.as_deref().cloned();
            let values = match committed {
                Some(c) => c,
                None => obj.values()?,
            };
            items.push((obj, key, values));
        }
        // Children before parents within a self-referential table.
        let rows: Vec<Vec<Value>> = items.iter().map(|(_, _, v)| v.clone()).collect();
        let mut order = order_rows(table, &rows);
        order.reverse();
        let params = |key: &Key, values: &[Value]| -> Vec<Value> {
            let mut p: Vec<Value> = key.values().to_vec();
            if let Some(vi) = version {
                p.push(values[vi].clone());
            }
            p
        };
        let (_, k0, v0) = &items[order[0]];
        let mut cond = key_condition(table, k0)?;
        if let Some(vi) = version {
            cond = cond.and(
                table
                    .c(cols[vi].name.as_str())?
                    .eq(aludel_core::value(v0[vi].clone())),
            );
        }
        let stmt = delete(table).where_(cond);
        let matched = if items.len() == 1 {
            self.conn.execute(stmt).await?.rows_affected()
        } else {
            let sets: Vec<Vec<Value>> = order
                .iter()
                .map(|&i| params(&items[i].1, &items[i].2))
                .collect();
            self.conn.execute_many(stmt, &sets).await?.rows_affected
        };
        if version.is_some() && matched != items.len() as u64 {
            return Err(stale("DELETE", table, items.len() as u64, matched));
        }
        for (obj, key, _) in items {
            {
                let mut m = obj.meta();
                m.state = ObjectState::Deleted;
                m.marked_for_deletion = false;
            }
            self.identity.remove(table_id(table), &key);
            self.journal.push(Done::Deleted { obj, key });
        }
        Ok(())
    }
}
