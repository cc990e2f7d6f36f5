//! Relationship loading: explicit lazy loads, selectin and joined eager
//! loads, and the options tree that nests them.

use super::{ensure_conn, row_key, table_id, AbsorbFn, Absorbed, Loaded, Session};
use crate::error::{Error, Result};
use crate::key::{GroupKey, Key};
use crate::model::Model;
use crate::object::{AnyObj, ErasedObj, Obj, ObjectState};
use crate::relationship::{Direction, Lazy, Load, Rel, RelField, RelInfo, Resolved};
use aludel_core::engine::RowAccess;
use aludel_core::expr::OrderBy;
use aludel_core::{and, or, select, Expr, Name, Select, SqlType, Table, Value, ValueRef};
use rustc_hash::FxHashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A window onto some columns of a row, under the names of a table's
/// columns: how a joined query's row decodes into several models.
pub(crate) struct Slice<'a> {
    pub(crate) row: &'a dyn RowAccess,
    pub(crate) offset: usize,
    pub(crate) names: &'a [Name],
}

impl Slice<'_> {
    /// Whether the outer join found no row here: the primary key, whose
    /// columns are at `key` ([`layout_keys`]), is NULL.
    fn is_missing(&self, key: &[Option<usize>]) -> bool {
        key.iter().all(|i| i.is_none_or(|i| self.is_null(i)))
    }

    /// Whether column `idx` is NULL, asked of the driver's plain integer
    /// first (a key is nearly always one), without an owned value.
    fn is_null(&self, idx: usize) -> bool {
        match self.get_i64(idx) {
            Some(v) => v.is_none(),
            None => matches!(self.value_ref(idx), Ok(ValueRef::Null)),
        }
    }
}

impl RowAccess for Slice<'_> {
    fn len(&self) -> usize {
        self.names.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.names.get(idx).map_or("", Name::as_str)
    }

    fn value(&self, idx: usize) -> aludel_core::Result<Value> {
        self.row.value(self.offset + idx)
    }

    // The driver's cheap accessors, so that a model decodes from a slice
    // as fast as from the whole row.
    fn value_ref(&self, idx: usize) -> aludel_core::Result<ValueRef<'_>> {
        self.row.value_ref(self.offset + idx)
    }

    fn get_i64(&self, idx: usize) -> Option<Option<i64>> {
        self.row.get_i64(self.offset + idx)
    }

    fn get_str(&self, idx: usize) -> Option<Option<&str>> {
        self.row.get_str(self.offset + idx)
    }
}

/// The most room an eager load reserves ahead of its rows, in the identity
/// map and in the related objects' lists, whatever the last load of the
/// relationship found.
const MAX_RESERVE: usize = 1 << 16;

/// The parent's column `name`, from its table or from the subquery that wraps it.
type ColumnOf = Box<dyn Fn(&str) -> aludel_core::Result<Expr>>;

/// The slot of each distinct parent key. Keys of one integer (nearly
/// all of them) are looked up by that integer, without hashing a [`Key`].
#[derive(Default)]
struct Slots {
    ints: FxHashMap<i64, usize>,
    others: FxHashMap<Key, usize>,
}

impl Slots {
    /// Room for `n` keys of one integer.
    fn with_capacity(n: usize) -> Slots {
        Slots {
            ints: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            others: FxHashMap::default(),
        }
    }

    #[inline]
    fn get_group(&self, k: &GroupKey) -> Option<usize> {
        match k {
            GroupKey::Int(i) => self.ints.get(i).copied(),
            GroupKey::Key(k) => self.get(k),
        }
    }

    fn get(&self, k: &Key) -> Option<usize> {
        match k.as_int() {
            Some(i) => self.ints.get(&i).copied(),
            None => self.others.get(k).copied(),
        }
    }

    fn insert(&mut self, k: Key, slot: usize) {
        match k.as_int() {
            Some(i) => self.ints.insert(i, slot),
            None => self.others.insert(k, slot),
        };
    }
}

/// Where the rows of a plain eager load go, one at a time, through the
/// target model's [`AbsorbIntoFn`](super::AbsorbIntoFn): a one-to-many
/// or many-to-one load with no joins folded in, grouped by one column.
#[doc(hidden)]
pub struct RelSink<'a> {
    /// The session's identity map; `None` for an untracked load.
    identity: Option<&'a mut super::Identity>,
    session: u64,
    /// The join column, in the target's column order.
    group: usize,
    slots: &'a Slots,
    /// The related objects found for each slot.
    found: &'a mut [Vec<ErasedObj>],
    /// The room a list starts with.
    room: usize,
    /// How many rows found a parent.
    rows: usize,
    /// An error of the ORM's met while decoding, which stops the rows.
    failed: Option<Error>,
}

/// The [`AbsorbIntoFn`](super::AbsorbIntoFn) of model `T`: decodes a row
/// holding `T`'s columns in the table's order, puts the object into the
/// identity map (or makes it untracked), and adds it to the list of the
/// parents whose key its join column holds.
#[doc(hidden)]
pub fn absorb_into<T: Model>(
    sink: &mut RelSink<'_>,
    row: &dyn RowAccess,
) -> aludel_core::Result<()> {
    let v = T::from_row_at(row)?;
    let group = GroupKey::of_value(v.column_value(sink.group));
    let (obj, fresh) = match sink.identity.as_deref_mut() {
        Some(identity) => super::absorb_fresh(identity, sink.session, v),
        None => (Obj::untracked(v), true),
    };
    let group = if !fresh && obj.cell.bookkeeping().modified {
        // An object the session already held, changed and not flushed: it
        // belongs where its current values say.
        match obj.cell.key_at(&[sink.group]) {
            Ok(k) => GroupKey::of_key(k),
            Err(e) => {
                let stop = aludel_core::Error::InvalidStatement(e.to_string());
                sink.failed = Some(e);
                return Err(stop);
            }
        }
    } else {
        group
    };
    // A row whose key no parent has (a changed object that moved away)
    // belongs to none of them.
    let Some(s) = sink.slots.get_group(&group) else {
        return Ok(());
    };
    sink.rows += 1;
    let child = ErasedObj(obj.cell);
    let list = &mut sink.found[s];
    // An object new to the session is in no list yet.
    if fresh || !list.iter().any(|c| Arc::ptr_eq(&c.0, &child.0)) {
        if list.capacity() == 0 {
            list.reserve_exact(sink.room);
        }
        list.push(child);
    }
    Ok(())
}

fn rel_index(
    rels: &'static [RelInfo],
    table: &'static Table,
    info: &'static RelInfo,
) -> Result<usize> {
    rels.iter()
        .position(|r| std::ptr::eq(r, info))
        .ok_or_else(|| Error::Relationship {
            path: info.path(),
            message: format!(
                "the option does not apply to {} objects",
                table.qualified_name()
            ),
        })
}

/// Whether a load puts the objects it makes into the session's identity
/// map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// Through the identity map: persistent objects of the session.
    Tracked,
    /// Untracked objects: detached from the start, in no identity map,
    /// never flushed (`query::<T>().plain()` with loader options).
    Untracked,
}

/// The objects whose relationship a load fills, all of one model: handles
/// (tracked or not), or the plain values of an untracked query.
pub(crate) trait Parents: Send {
    /// How many there are.
    fn len(&self) -> usize;
    /// Their model's relationships and table (there is at least one parent).
    fn model(&self) -> (&'static [RelInfo], &'static Table);
    /// Parent `i`'s key at columns `cols` if its relationship `idx` is not
    /// loaded; `None` if it is, with its objects appended to `loaded` when
    /// asked.
    fn pending_key(
        &self,
        i: usize,
        idx: usize,
        cols: &[usize],
        loaded: Option<&mut Vec<ErasedObj>>,
    ) -> Result<Option<Key>>;
    /// Stores the loaded objects of parent `i`'s relationship `idx`.
    fn set_loaded(&mut self, i: usize, idx: usize, objs: Vec<ErasedObj>) -> Result<()>;
}

/// Parents that are object handles.
pub(crate) struct Handles<'a>(pub(crate) &'a [ErasedObj]);

impl Parents for Handles<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn model(&self) -> (&'static [RelInfo], &'static Table) {
        let first = &self.0[0].0;
        (first.relationships(), first.table())
    }

    fn pending_key(
        &self,
        i: usize,
        idx: usize,
        cols: &[usize],
        loaded: Option<&mut Vec<ErasedObj>>,
    ) -> Result<Option<Key>> {
        self.0[i].0.rel_pending_key(idx, cols, loaded)
    }

    fn set_loaded(&mut self, i: usize, idx: usize, objs: Vec<ErasedObj>) -> Result<()> {
        self.0[i].0.rel_set_loaded(idx, objs)
    }
}

/// Parents that are the plain values of an untracked query.
pub(crate) struct Values<'a, T>(pub(crate) &'a mut [T]);

impl<T: Model> Parents for Values<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn model(&self) -> (&'static [RelInfo], &'static Table) {
        (T::relationships(), T::table())
    }

    fn pending_key(
        &self,
        i: usize,
        idx: usize,
        cols: &[usize],
        loaded: Option<&mut Vec<ErasedObj>>,
    ) -> Result<Option<Key>> {
        let v = &self.0[i];
        if let Some(r) = v.relationship(idx) {
            if r.as_erased().is_loaded_erased() {
                if let Some(out) = loaded {
                    out.extend(r.as_erased().loaded_erased().unwrap_or_default());
                }
                return Ok(None);
            }
        }
        Ok(Some(crate::model::key_at(v, cols)))
    }

    fn set_loaded(&mut self, i: usize, idx: usize, objs: Vec<ErasedObj>) -> Result<()> {
        if let Some(r) = self.0[i].relationship_mut(idx) {
            r.as_erased_mut().set_loaded_erased(objs);
        }
        Ok(())
    }
}

/// The untracked objects of one table that one load made, by primary key:
/// a row met again (repeated by a join, or shared by several parents)
/// gives the object made from its first appearance.
struct Seen {
    /// Where the primary key is among the table's columns.
    pk: Vec<usize>,
    objs: FxHashMap<Key, ErasedObj>,
}

impl Seen {
    /// `None` for a table whose primary key is not among its columns.
    fn new(table: &Table) -> Option<Seen> {
        let pk = pk_positions(table)?;
        Some(Seen {
            pk,
            objs: FxHashMap::default(),
        })
    }

    /// The object of a row holding the table's columns in its order, and
    /// the row's values at columns `group` (none asked: no key).
    fn absorb(
        &mut self,
        absorb: AbsorbFn,
        row: &dyn RowAccess,
        group: &[usize],
    ) -> aludel_core::Result<Absorbed> {
        let k = row_key(row, &self.pk)?;
        if let Some(o) = self.objs.get(&k) {
            let key = if group.is_empty() {
                None
            } else {
                Some(GroupKey::of_key(row_key(row, group)?))
            };
            return Ok(Absorbed {
                obj: o.clone(),
                fresh: false,
                key,
            });
        }
        let a = absorb(None, 0, row, group)?;
        self.objs.insert(k, a.obj.clone());
        Ok(a)
    }
}

/// Where a table's primary-key columns are among its columns.
fn pk_positions(table: &Table) -> Option<Vec<usize>> {
    let pk: Vec<usize> = table
        .primary_key
        .columns
        .iter()
        .filter_map(|n| table.columns.iter().position(|c| c.name == *n))
        .collect();
    (!pk.is_empty() && pk.len() == table.primary_key.columns.len()).then_some(pk)
}

/// Decodes a related row: into the identity map, or untracked (through
/// `seen` when the load may meet the row again).
#[inline]
fn absorb_row(
    absorb: AbsorbFn,
    identity: Option<&mut super::Identity>,
    session: u64,
    seen: Option<&mut Seen>,
    row: &dyn RowAccess,
    group: &[usize],
) -> aludel_core::Result<Absorbed> {
    match (identity, seen) {
        (Some(identity), _) => absorb(Some(identity), session, row, group),
        (None, Some(seen)) => seen.absorb(absorb, row, group),
        (None, None) => absorb(None, 0, row, group),
    }
}

/// A folded join's table, where its columns start in the row, and their
/// names.
type JoinLayout = Vec<(&'static Table, usize, Vec<Name>)>;

/// The related objects of one row of a joined load: each part of the row
/// that holds a related row is absorbed (`absorb`, given the joined load's
/// index) and added to the parent's list for that load once; `all` gathers
/// them too, every one added to a list, or with `fresh_only` only those
/// made from this row.
fn add_joined(
    row: &dyn RowAccess,
    layout: &JoinLayout,
    keys: &[Vec<Option<usize>>],
    lists: &mut [Vec<ErasedObj>],
    all: &mut [Vec<ErasedObj>],
    fresh_only: bool,
    mut absorb: impl FnMut(usize, &dyn RowAccess) -> aludel_core::Result<Absorbed>,
) -> aludel_core::Result<()> {
    for (k, (_, off, names)) in layout.iter().enumerate() {
        let slice = Slice {
            row,
            offset: *off,
            names,
        };
        if slice.is_missing(&keys[k]) {
            continue;
        }
        let absorbed = absorb(k, &slice)?;
        let child = absorbed.obj;
        // An object made from this row is in no list yet.
        if absorbed.fresh || !lists[k].iter().any(|c| Arc::ptr_eq(&c.0, &child.0)) {
            lists[k].push(child.clone());
            if absorbed.fresh || !fresh_only {
                all[k].push(child);
            }
        }
    }
    Ok(())
}

/// Where each folded join's primary-key columns are among its columns
/// (`None` for one it does not select, which counts as NULL), worked out
/// once for every row of a joined load (for [`Slice::is_missing`]).
fn layout_keys(layout: &JoinLayout) -> Vec<Vec<Option<usize>>> {
    layout
        .iter()
        .map(|(target, _, names)| {
            target
                .primary_key
                .columns
                .iter()
                .map(|n| names.iter().position(|x| x == n))
                .collect()
        })
        .collect()
}

/// The parent of the last row of a joined load, by its integer primary
/// key: the join repeats a parent in consecutive rows, found again
/// without a lookup.
#[derive(Default)]
struct LastParent(Option<(i64, usize)>);

impl LastParent {
    /// The index of the parent of `row` (whose primary key is in columns
    /// `pk`): the last one's when the row repeats it, else what `find`
    /// gives, remembered for the next row.
    fn index(
        &mut self,
        pk: Option<&[usize]>,
        row: &dyn RowAccess,
        find: impl FnOnce() -> aludel_core::Result<usize>,
    ) -> aludel_core::Result<usize> {
        let int = match pk {
            Some(&[i]) => row.get_i64(i).flatten(),
            _ => None,
        };
        if let (Some(k), Some((last, at))) = (int, self.0) {
            if k == last {
                return Ok(at);
            }
        }
        let at = find()?;
        self.0 = int.map(|k| (k, at));
        Ok(at)
    }
}

/// `cols IN (keys)`, for one column or several. With `arrays` (a dialect
/// that binds arrays, such as PostgreSQL), one column is matched as
/// `col = ANY($1)` with the keys in one array value: the statement's text
/// is the same for any number of keys, so the server plans it once
/// instead of planning a long `IN` list at every run.
fn in_keys(cols: &[Expr], keys: &[Key], arrays: bool) -> Expr {
    if cols.len() == 1 && arrays {
        let array = Value::Array(keys.iter().map(|k| k.values()[0].clone()).collect());
        return cols[0]
            .clone()
            .eq(aludel_core::func::call("ANY", [aludel_core::value(array)]));
    }
    if cols.len() == 1 {
        return cols[0].clone().in_(
            keys.iter()
                .map(|k| aludel_core::value(k.values()[0].clone())),
        );
    }
    or(keys.iter().map(|k| {
        and(cols
            .iter()
            .zip(k.values())
            .map(|(c, v)| c.clone().eq(aludel_core::value(v.clone()))))
    }))
}

fn order_term(target: &Table, order_by: Option<&'static str>) -> Result<Option<OrderBy>> {
    let Some(spec) = order_by else {
        return Ok(None);
    };
    let mut parts = spec.split_whitespace();
    let col = parts.next().unwrap_or("");
    let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
    let e = target.c(col)?;
    Ok(Some(if desc { e.desc() } else { e.asc() }))
}

/// Adds to `stmt` the LEFT OUTER JOIN(s) that bring in the targets of
/// `rel` under the alias `name` (and, for many-to-many, the association
/// table under `name` + `_s`), and the target's columns to the select
/// list. `left` gives the owner's columns as the statement sees them.
/// Returns the statement and the target's alias.
fn join_target(
    stmt: Select,
    left: &dyn Fn(&str) -> aludel_core::Result<Expr>,
    rel: &'static RelInfo,
    res: &Resolved,
    name: String,
) -> Result<(Select, aludel_core::select::Alias)> {
    let owner = (rel.owner)();
    let target = (rel.target)();
    let tcol = |i: usize| target.columns[i].name.as_str();
    let ocol = |i: usize| owner.columns[i].name.as_str();
    let alias = target.alias(name.clone());
    let stmt = match &res.secondary {
        None => {
            let on = and(res
                .owner_cols
                .iter()
                .zip(&res.target_cols)
                .map(|(&a, &b)| Ok(left(ocol(a))?.eq(alias.c(tcol(b))?)))
                .collect::<aludel_core::Result<Vec<Expr>>>()?);
            stmt.column(&alias).outer_join(&alias, on)
        }
        Some(sec) => {
            let st = sec.table;
            let scol = |i: usize| st.columns[i].name.as_str();
            let link = st.alias(format!("{name}_s"));
            let to_link = and(res
                .owner_cols
                .iter()
                .zip(&sec.to_owner)
                .map(|(&a, &b)| Ok(left(ocol(a))?.eq(link.c(scol(b))?)))
                .collect::<aludel_core::Result<Vec<Expr>>>()?);
            let to_target = and(sec
                .to_target
                .iter()
                .zip(&res.target_cols)
                .map(|(&a, &b)| Ok(link.c(scol(a))?.eq(alias.c(tcol(b))?)))
                .collect::<aludel_core::Result<Vec<Expr>>>()?);
            stmt.column(&alias)
                .outer_join(&link, to_link)
                .outer_join(&alias, to_target)
        }
    };
    Ok((stmt, alias))
}

/// Whether `table`'s primary key is one integer column (the identity map
/// holds its objects by that integer).
fn int_key(table: &Table) -> bool {
    match table.primary_key.columns.as_slice() {
        [name] => table.columns.iter().any(|c| {
            c.name == *name
                && matches!(c.ty, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
        }),
        _ => false,
    }
}

fn is_pk(table: &Table, cols: &[usize]) -> bool {
    let pk = &table.primary_key.columns;
    pk.len() == cols.len()
        && pk
            .iter()
            .zip(cols)
            .all(|(n, &i)| table.columns[i].name == *n)
}

/// Folds LEFT OUTER JOINs for the relationships `joined` into `stmt`, a
/// query of `parent` (or of a subquery wrapping it, whose columns
/// `parent_col` names), after its `first` columns: the statement and where
/// each joined table's columns are in its rows.
fn fold_joins(
    mut stmt: Select,
    parent_col: &dyn Fn(&str) -> aludel_core::Result<Expr>,
    first: usize,
    joined: &[&'static RelInfo],
    alias_name: impl Fn(&Table, usize) -> String,
) -> Result<(Select, JoinLayout)> {
    let mut layout: JoinLayout = Vec::new();
    let mut offset = first;
    for (k, j) in joined.iter().enumerate() {
        let jr = j.resolved()?;
        let jt = (j.target)();
        let (joined_stmt, alias) = join_target(stmt, parent_col, j, jr, alias_name(jt, k + 1))?;
        stmt = joined_stmt;
        if let Some(mut o) = order_term(jt, j.order_by)? {
            if let Expr::Column(c) = &o.expr {
                o.expr = alias.c(c.name.as_str())?;
            }
            stmt = stmt.order_by(o);
        }
        layout.push((
            jt,
            offset,
            jt.columns.iter().map(|c| c.name.clone()).collect(),
        ));
        offset += jt.columns.len();
    }
    Ok((stmt, layout))
}

/// An entity query with its joined options folded in: the parent query
/// wrapped in a subquery when it has LIMIT or OFFSET (so that they count
/// parents, not joined rows), then a LEFT OUTER JOIN per option.
fn joined_entity_query(
    parent_table: &'static Table,
    base: Select,
    joined: &[&Load],
) -> Result<(Select, JoinLayout)> {
    let (stmt, parent_col): (Select, ColumnOf) = if base.is_limited() {
        let order: Vec<OrderBy> = base.order_terms().to_vec();
        let sub = base.subquery("anon_1");
        let mut outer = select(&sub);
        for o in order {
            if let Expr::Column(c) = &o.expr {
                let mut t = o.clone();
                t.expr = sub.c(c.name.as_str())?;
                outer = outer.order_by(t);
            }
        }
        let sub2 = sub.clone();
        (outer, Box::new(move |n: &str| sub2.c(n)))
    } else {
        (base, Box::new(move |n: &str| parent_table.c(n)))
    };
    let rels: Vec<&'static RelInfo> = joined.iter().map(|l| l.rel).collect();
    fold_joins(
        stmt,
        &*parent_col,
        parent_table.columns.len(),
        &rels,
        |t, k| format!("{}_{k}", t.name.as_str()),
    )
}

impl Session {
    /// Loads relationship `rel` of `obj` (SQLAlchemy's lazy load, made
    /// explicit): one query the first time, none once it is loaded, and
    /// none for a many-to-one whose target is already in the identity map.
    /// Then read it through the object: `user.read()?.posts.loaded()?`.
    /// A relationship declared `lazy = "raise"` is an error here.
    pub async fn load<T: Model, R: RelField>(
        &mut self,
        obj: &Obj<T>,
        rel: Rel<T, R>,
    ) -> Result<()> {
        let info = rel.info();
        {
            let m = obj.cell.bookkeeping();
            if m.session != self.id || m.state != ObjectState::Persistent {
                return Err(Error::InvalidState {
                    operation: "load a relationship of (it is not persistent in this session)",
                    model: T::NAME,
                    state: m.state,
                });
            }
        }
        if rel.of(&*obj.read()?).as_erased().is_loaded_erased() {
            return Ok(());
        }
        if info.lazy == Lazy::Raise {
            return Err(Error::RaiseLoad { path: info.path() });
        }
        let parent = [ErasedObj(obj.erased())];
        self.load_rel_with(info, &mut Handles(&parent), &[], Tracking::Tracked, false)
            .await?;
        Ok(())
    }

    /// The options a query of `T` applies: the explicit ones, then the
    /// model's relationships declared `selectin` or `joined` that no
    /// explicit option names.
    pub(crate) fn effective_loads(rels: &'static [RelInfo], explicit: &[Load]) -> Vec<Load> {
        let mut out = explicit.to_vec();
        for r in rels {
            if matches!(r.lazy, Lazy::Selectin | Lazy::Joined)
                && !explicit.iter().any(|l| std::ptr::eq(l.rel, r))
            {
                out.push(Load {
                    rel: r,
                    strategy: r.lazy,
                    nested: Vec::new(),
                });
            }
        }
        out
    }

    /// Applies loader options to objects already loaded.
    pub(crate) async fn apply_loads(
        &mut self,
        parents: &mut (dyn Parents + Send),
        loads: &[Load],
        tracking: Tracking,
    ) -> Result<()> {
        if parents.len() == 0 {
            return Ok(());
        }
        for l in loads {
            if !matches!(l.strategy, Lazy::Selectin | Lazy::Joined) {
                continue;
            }
            // Joined options beneath this one fold into its query.
            let target_table = (l.rel.target)();
            let folded: Vec<&'static RelInfo> = l
                .nested
                .iter()
                .filter(|n| {
                    n.strategy == Lazy::Joined && std::ptr::eq((n.rel.owner)(), target_table)
                })
                .map(|n| n.rel)
                .collect();
            // What to load beneath: the option's own, then the related
            // model's eager defaults. Without any, the related objects
            // need not be gathered.
            let nested = Self::effective_loads((l.rel.target_relationships)(), &l.nested);
            let children = self
                .load_rel_with(l.rel, parents, &folded, tracking, !nested.is_empty())
                .await?;
            if !nested.is_empty() && !children.is_empty() {
                Box::pin(self.apply_loads(&mut Handles(&children), &nested, tracking)).await?;
            }
        }
        Ok(())
    }

    /// Loads one relationship for every parent that has it unloaded, with
    /// one query per chunk of keys (`IN`), and returns every related
    /// object (each once).
    pub(crate) async fn load_rel(
        &mut self,
        info: &'static RelInfo,
        parents: &[ErasedObj],
    ) -> Result<Vec<ErasedObj>> {
        self.load_rel_with(info, &mut Handles(parents), &[], Tracking::Tracked, true)
            .await
    }

    /// [`Session::load_rel`], with the relationships `joined` of the
    /// related objects loaded in the same query by LEFT OUTER JOIN, and
    /// the related objects tracked or not. Without `collect`, the related
    /// objects are not returned.
    pub(crate) async fn load_rel_with(
        &mut self,
        info: &'static RelInfo,
        parents: &mut (dyn Parents + Send),
        joined: &[&'static RelInfo],
        tracking: Tracking,
        collect: bool,
    ) -> Result<Vec<ErasedObj>> {
        if parents.len() == 0 {
            return Ok(Vec::new());
        }
        let tracked = tracking == Tracking::Tracked;
        let res: Resolved = info.resolved()?.clone();
        let target: &'static Table = (info.target)();
        let (rels, owner_table) = parents.model();
        let idx = rel_index(rels, owner_table, info)?;
        let n = parents.len();
        // Per parent to load: the parent's position and the slot of its key.
        let mut todo: Vec<(usize, usize)> = Vec::with_capacity(n);
        let mut all_children: Vec<ErasedObj> = Vec::new();
        // Whether some parents had the relationship loaded already.
        let mut some_loaded = false;
        // The distinct keys to look up; each distinct parent key's slot,
        // and how many parents have it.
        let mut keys: Vec<Key> = Vec::with_capacity(n);
        let mut slots = Slots::with_capacity(n);
        let mut uses: Vec<usize> = Vec::with_capacity(n);
        // The related objects are gathered for the caller, or to hand them
        // what a folded join found.
        let gather = collect || !joined.is_empty();
        for i in 0..n {
            let loaded = gather.then_some(&mut all_children);
            let Some(k) = parents.pending_key(i, idx, &res.owner_cols, loaded)? else {
                some_loaded = true;
                continue;
            };
            let slot = match slots.get(&k) {
                Some(s) => s,
                None => {
                    if !k.has_null() {
                        keys.push(k.clone());
                    }
                    uses.push(0);
                    slots.insert(k, uses.len() - 1);
                    uses.len() - 1
                }
            };
            uses[slot] += 1;
            todo.push((i, slot));
        }
        if todo.is_empty() {
            return Ok(dedupe(all_children));
        }
        // One-to-many from parents with distinct keys, none loaded before:
        // each child is under one key, so the lists hold it once between them.
        let distinct =
            res.direction == Direction::OneToMany && !some_loaded && keys.len() == todo.len();
        // Room in the identity map for as many objects per key as the last
        // load of this relationship found (at first one per key: a lower
        // bound for a one-to-many, an upper one for a many-to-one), within
        // reason: each growth of the map hashes every key it holds again.
        let per_key = info.rows_per_key.load(Ordering::Relaxed).max(1);
        let expected = keys.len().saturating_mul(per_key);
        if tracked && int_key(target) {
            self.identity
                .reserve(table_id(target), expected.min(MAX_RESERVE).max(keys.len()));
        }
        // The related objects found for each slot.
        let mut found: Vec<Vec<ErasedObj>> = vec![Vec::new(); uses.len()];
        // A many-to-one target already in the identity map needs no query.
        if tracked && res.direction == Direction::ManyToOne && is_pk(target, &res.target_cols) {
            keys.retain(|k| {
                let hit = self.identity.get(table_id(target), k).filter(|o| {
                    let m = o.meta();
                    !m.expired && !m.marked_for_deletion
                });
                match hit {
                    Some(o) => {
                        if let Some(s) = slots.get(k) {
                            found[s] = vec![ErasedObj(o.clone())];
                        }
                        false
                    }
                    None => true,
                }
            });
        }
        let caps = self.engine.dialect().capabilities();
        // Keys bound one per placeholder go 500 to a query (SQLAlchemy's
        // chunk), under the dialect's bind limit; one key column on a
        // dialect with arrays is one array value (`= ANY($1)`), which has
        // no such limit: one query for every key.
        let per_query = if caps.arrays && res.owner_cols.len() == 1 {
            keys.len().max(1)
        } else {
            (caps.max_bind_params / res.owner_cols.len().max(1)).clamp(1, 500)
        };
        // How many related rows found a parent. Each list starts with room
        // for as many objects per key as the last load found, unless that
        // would reserve more than `MAX_RESERVE` objects in all (a load of
        // many parents after one of a few large ones): then the lists grow
        // as they fill.
        let mut rows = 0usize;
        let room = if expected <= MAX_RESERVE { per_key } else { 0 };
        // Per related object and folded relationship: what the join found.
        let mut grand: FxHashMap<(usize, usize), Vec<ErasedObj>> = FxHashMap::default();
        let order = order_term(target, info.order_by)?;
        // Untracked, a related row met again within this load gives the
        // same object: the target's rows repeat under a folded join, and a
        // many-to-many target is met once per owner. So do a folded join's.
        let mut seen_target = (!tracked
            && (!joined.is_empty() || res.direction == Direction::ManyToMany))
            .then(|| Seen::new(target))
            .flatten();
        let mut seen_joined: Vec<Option<Seen>> = joined
            .iter()
            .map(|j| (!tracked).then(|| Seen::new((j.target)())).flatten())
            .collect();
        for chunk in keys.chunks(per_query) {
            let (stmt, extra) = match &res.secondary {
                None => {
                    let cols: Vec<Expr> = res
                        .target_cols
                        .iter()
                        .map(|&i| target.c(target.columns[i].name.as_str()))
                        .collect::<aludel_core::Result<_>>()?;
                    (select(target).where_(in_keys(&cols, chunk, caps.arrays)), 0)
                }
                Some(sec) => {
                    let st = sec.table;
                    let mut s = select(target);
                    for (n, &i) in sec.to_owner.iter().enumerate() {
                        s = s.column(
                            st.c(st.columns[i].name.as_str())?
                                .label(format!("aludel_owner_{n}")),
                        );
                    }
                    let on = and(sec
                        .to_target
                        .iter()
                        .zip(&res.target_cols)
                        .map(|(&a, &b)| {
                            Ok(st
                                .c(st.columns[a].name.as_str())?
                                .eq(target.c(target.columns[b].name.as_str())?))
                        })
                        .collect::<aludel_core::Result<Vec<Expr>>>()?);
                    let owner_side: Vec<Expr> = sec
                        .to_owner
                        .iter()
                        .map(|&i| st.c(st.columns[i].name.as_str()))
                        .collect::<aludel_core::Result<_>>()?;
                    (
                        s.join(st, on)
                            .where_(in_keys(&owner_side, chunk, caps.arrays)),
                        sec.to_owner.len(),
                    )
                }
            };
            let stmt = match &order {
                Some(o) => stmt.order_by(o.clone()),
                None => stmt,
            };
            // Each folded relationship: its table under an alias, joined.
            let (stmt, layout) = fold_joins(
                stmt,
                &|n: &str| target.c(n),
                target.columns.len() + extra,
                joined,
                |t, k| format!("{}_j{k}", t.name.as_str()),
            )?;
            let n_target = target.columns.len();
            let session = self.id;
            let mut identity = tracked.then_some(&mut self.identity);
            let (rows, found, grand, slots) = (&mut rows, &mut found, &mut grand, &slots);
            let (seen_target, seen_joined) = (&mut seen_target, &mut seen_joined);
            let target_cols = &res.target_cols;
            // The join columns of a related row, as its model decodes them
            // (none for an association table's rows).
            let group: &[usize] = if extra > 0 { &[] } else { target_cols };
            // An error of the ORM's met while decoding, which stops the rows.
            let mut failed: Option<Error> = None;
            let conn = ensure_conn(&self.engine, &mut self.conn).await?;
            // Rows are decoded as the driver hands them over, never copied
            // into owned rows first.
            // A plain one-to-many or many-to-one load (no folded joins, no
            // association table, no row met twice): each row goes
            // straight into its parent's list through the target model's
            // own code.
            let keys = layout_keys(&layout);
            let plain = extra == 0 && layout.is_empty() && seen_target.is_none();
            let done = if let (true, [g]) = (plain, group) {
                let mut sink = RelSink {
                    identity: identity.as_deref_mut(),
                    session,
                    group: *g,
                    slots,
                    found: &mut found[..],
                    room,
                    rows: 0,
                    failed: None,
                };
                let absorb_into = info.absorb_into;
                let done = conn.for_each(stmt, |row| absorb_into(&mut sink, row)).await;
                *rows += sink.rows;
                failed = sink.failed;
                done
            } else {
                conn.for_each(stmt, |row| {
                    // The row starts with the target's columns in the
                    // table's order, under their own names: the model
                    // decodes from the driver's row directly.
                    let absorbed = absorb_row(
                        info.absorb,
                        identity.as_deref_mut(),
                        session,
                        seen_target.as_mut(),
                        row,
                        group,
                    )?;
                    let child = absorbed.obj;
                    for (k, (_, off, names)) in layout.iter().enumerate() {
                        let slice = Slice {
                            row,
                            offset: *off,
                            names,
                        };
                        let entry = grand.entry((ptr(&child), k)).or_default();
                        if slice.is_missing(&keys[k]) {
                            continue;
                        }
                        let g = absorb_row(
                            joined[k].absorb,
                            identity.as_deref_mut(),
                            session,
                            seen_joined[k].as_mut(),
                            &slice,
                            &[],
                        )?;
                        // An object new to the session is in no list yet.
                        if g.fresh || !entry.iter().any(|x| Arc::ptr_eq(&x.0, &g.obj.0)) {
                            entry.push(g.obj);
                        }
                    }
                    let k = if extra > 0 {
                        GroupKey::of_key(Key::many(
                            (0..extra)
                                .map(|i| row.value(n_target + i))
                                .collect::<aludel_core::Result<_>>()?,
                        ))
                    } else if tracked && !absorbed.fresh && child.0.meta().modified {
                        // An object the session already held, changed and not
                        // flushed: it belongs where its current values say.
                        match child.0.key_at(target_cols) {
                            Ok(k) => GroupKey::of_key(k),
                            Err(e) => {
                                let stop = aludel_core::Error::InvalidStatement(e.to_string());
                                failed = Some(e);
                                return Err(stop);
                            }
                        }
                    } else {
                        // The row's own join columns, decoded with the object.
                        absorbed
                            .key
                            .unwrap_or_else(|| GroupKey::Key(Key::many(Vec::new())))
                    };
                    // A row whose key no parent has (a changed object that
                    // moved away) belongs to none of them.
                    if let Some(s) = slots.get_group(&k) {
                        *rows += 1;
                        let list = &mut found[s];
                        // An object new to the session is in no list yet.
                        if absorbed.fresh || !list.iter().any(|c| Arc::ptr_eq(&c.0, &child.0)) {
                            if list.capacity() == 0 {
                                list.reserve_exact(room);
                            }
                            list.push(child);
                        }
                    }
                    Ok(())
                })
                .await
            };
            if let Some(e) = failed {
                return Err(e);
            }
            done?;
        }
        if !keys.is_empty() {
            info.rows_per_key
                .store(rows.div_ceil(keys.len()), Ordering::Relaxed);
        }
        if gather {
            all_children.reserve(rows);
        }
        for (i, slot) in todo {
            // The last parent with a key takes its list; the others copy it.
            uses[slot] -= 1;
            let children = if uses[slot] == 0 {
                std::mem::take(&mut found[slot])
            } else {
                found[slot].clone()
            };
            if gather {
                all_children.extend(children.iter().cloned());
            }
            parents.set_loaded(i, idx, children)?;
        }
        let all_children = if distinct {
            all_children
        } else {
            dedupe(all_children)
        };
        if !joined.is_empty() {
            for c in &all_children {
                for (k, j) in joined.iter().enumerate() {
                    if let Some(list) = grand.remove(&(ptr(c), k)) {
                        let idx = rel_index(c.0.relationships(), c.0.table(), j)?;
                        if !c.0.rel_is_loaded(idx)? {
                            c.0.rel_set_loaded(idx, list)?;
                        }
                    }
                }
            }
        }
        Ok(if collect { all_children } else { Vec::new() })
    }

    /// Runs a query of `T` with joined loads folded in: one statement with
    /// a LEFT OUTER JOIN per joined relationship (the parent query wrapped
    /// in a subquery when it has LIMIT or OFFSET), parents de-duplicated in
    /// the order they first appear. Returns the parents and, per joined
    /// option, the related objects it loaded.
    pub(crate) async fn run_joined<T: Model>(
        &mut self,
        base: Select,
        joined: &[&Load],
    ) -> Result<(Vec<Obj<T>>, Vec<Vec<ErasedObj>>)> {
        let parent_table = T::table();
        let (stmt, layout) = joined_entity_query(parent_table, base, joined)?;
        let mut parents: Vec<Obj<T>> = Vec::new();
        let mut index: FxHashMap<usize, usize> = FxHashMap::default();
        let mut per: Vec<Vec<Vec<ErasedObj>>> = Vec::new();
        let mut all: Vec<Vec<ErasedObj>> = vec![Vec::new(); joined.len()];
        let head_names: Vec<Name> = parent_table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        // Where the parent's primary key is in each row.
        let pk = pk_positions(parent_table);
        let keys = layout_keys(&layout);
        let mut last = LastParent::default();
        // Room in the identity map for as many related objects as the last
        // joined load of each relationship found: one growth instead of
        // one per doubling, each of which hashes every key again.
        for l in joined {
            let target = (l.rel.target)();
            let expected = l.rel.joined_rows.load(Ordering::Relaxed);
            if expected > 0 && int_key(target) {
                self.identity
                    .reserve(table_id(target), expected.min(MAX_RESERVE));
            }
        }
        let (identity, session) = (&mut self.identity, self.id);
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        conn.for_each(stmt, |row| {
            let pi = last.index(pk.as_deref(), row, || {
                let head = Slice {
                    row,
                    offset: 0,
                    names: &head_names,
                };
                // A parent repeated by the join is the object already
                // held: no need to decode it again.
                let held = match &pk {
                    Some(pk) => super::held::<T>(identity, pk, &head)?,
                    None => None,
                };
                let p = match held {
                    Some(p) => p,
                    None => super::absorb(identity, session, T::from_row(&head)?),
                };
                Ok(*index.entry(obj_ptr(&p)).or_insert_with(|| {
                    parents.push(p);
                    per.push(vec![Vec::new(); joined.len()]);
                    parents.len() - 1
                }))
            })?;
            // Every related object met, for the caller (deduplicated below).
            add_joined(
                row,
                &layout,
                &keys,
                &mut per[pi],
                &mut all,
                false,
                |k, slice| (joined[k].rel.absorb)(Some(&mut *identity), session, slice, &[]),
            )
        })
        .await?;
        for (p, lists) in parents.iter().zip(per) {
            let erased = ErasedObj(p.erased());
            for (k, list) in lists.into_iter().enumerate() {
                let idx = rel_index(T::relationships(), parent_table, joined[k].rel)?;
                if !erased.0.rel_is_loaded(idx)? {
                    erased.0.rel_set_loaded(idx, list)?;
                }
            }
        }
        let all: Vec<Vec<ErasedObj>> = all.into_iter().map(dedupe).collect();
        for (l, found) in joined.iter().zip(&all) {
            l.rel.joined_rows.store(found.len(), Ordering::Relaxed);
        }
        Ok((parents, all))
    }

    /// [`Session::run_joined`] untracked: the parents as plain values,
    /// one per primary key in the order they first appear, and the related
    /// objects untracked (a related row met again, for the same parent or
    /// another one, gives the same object).
    async fn run_joined_plain<T: Model>(
        &mut self,
        base: Select,
        joined: &[&Load],
    ) -> Result<(Vec<T>, Vec<Vec<ErasedObj>>)> {
        let parent_table = T::table();
        let (stmt, layout) = joined_entity_query(parent_table, base, joined)?;
        let mut parents: Vec<T> = Vec::new();
        let mut index: FxHashMap<Key, usize> = FxHashMap::default();
        let mut per: Vec<Vec<Vec<ErasedObj>>> = Vec::new();
        let mut all: Vec<Vec<ErasedObj>> = vec![Vec::new(); joined.len()];
        let mut seen: Vec<Option<Seen>> = layout.iter().map(|(t, _, _)| Seen::new(t)).collect();
        let head_names: Vec<Name> = parent_table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let pk = pk_positions(parent_table);
        let keys = layout_keys(&layout);
        let mut last = LastParent::default();
        let conn = ensure_conn(&self.engine, &mut self.conn).await?;
        conn.for_each(stmt, |row| {
            let pi = last.index(pk.as_deref(), row, || {
                let head = Slice {
                    row,
                    offset: 0,
                    names: &head_names,
                };
                // A parent repeated by the join is decoded once.
                let key = pk.as_ref().map(|pk| row_key(&head, pk)).transpose()?;
                Ok(match key.as_ref().and_then(|k| index.get(k)) {
                    Some(&i) => i,
                    None => {
                        parents.push(T::from_row(&head)?);
                        per.push(vec![Vec::new(); joined.len()]);
                        if let Some(k) = key {
                            index.insert(k, parents.len() - 1);
                        }
                        parents.len() - 1
                    }
                })
            })?;
            // Untracked, an object met again is the one `seen` made: each
            // goes to the caller once, when made.
            add_joined(
                row,
                &layout,
                &keys,
                &mut per[pi],
                &mut all,
                true,
                |k, slice| absorb_row(joined[k].rel.absorb, None, 0, seen[k].as_mut(), slice, &[]),
            )
        })
        .await?;
        let mut values = Values(&mut parents);
        for (i, lists) in per.into_iter().enumerate() {
            for (k, list) in lists.into_iter().enumerate() {
                let idx = rel_index(T::relationships(), parent_table, joined[k].rel)?;
                values.set_loaded(i, idx, list)?;
            }
        }
        Ok((parents, all))
    }

    /// Runs an entity query with its loader options.
    pub(crate) async fn query_with_loads<T: Model>(
        &mut self,
        select: Select,
        explicit: &[Load],
    ) -> Result<Vec<Obj<T>>> {
        let loads = Self::effective_loads(T::relationships(), explicit);
        if loads.is_empty() {
            return self.scalars::<T>(select).await;
        }
        self.autoflush().await?;
        // Joined loads fold into the query (LEFT OUTER JOINs, through the
        // association table for many-to-many); the rest run after it.
        let (joined, rest): (Vec<&Load>, Vec<&Load>) =
            loads.iter().partition(|l| l.strategy == Lazy::Joined);
        let parents = if joined.is_empty() {
            self.scalars::<T>(select).await?
        } else {
            let (parents, children) = self.run_joined::<T>(select, &joined).await?;
            self.load_beneath_joined(&joined, &children, Tracking::Tracked)
                .await?;
            parents
        };
        let erased: Vec<ErasedObj> = parents.iter().map(|p| ErasedObj(p.erased())).collect();
        let rest: Vec<Load> = rest.into_iter().cloned().collect();
        self.apply_loads(&mut Handles(&erased), &rest, Tracking::Tracked)
            .await?;
        Ok(parents)
    }

    /// Runs an entity query untracked, with its loader options: plain
    /// values of `T` whose relationships hold untracked objects.
    pub(crate) async fn query_plain_with_loads<T: Model>(
        &mut self,
        select: Select,
        explicit: &[Load],
    ) -> Result<Vec<T>> {
        let loads = Self::effective_loads(T::relationships(), explicit);
        let fetch = |v: Vec<Loaded<T>>| v.into_iter().map(|l| l.0).collect::<Vec<T>>();
        if loads.is_empty() {
            return Ok(fetch(self.fetch_all::<Loaded<T>>(select).await?));
        }
        self.autoflush().await?;
        let (joined, rest): (Vec<&Load>, Vec<&Load>) =
            loads.iter().partition(|l| l.strategy == Lazy::Joined);
        let mut parents = if joined.is_empty() {
            let conn = ensure_conn(&self.engine, &mut self.conn).await?;
            fetch(conn.fetch_all::<Loaded<T>>(select).await?)
        } else {
            let (parents, children) = self.run_joined_plain::<T>(select, &joined).await?;
            self.load_beneath_joined(&joined, &children, Tracking::Untracked)
                .await?;
            parents
        };
        let rest: Vec<Load> = rest.into_iter().cloned().collect();
        self.apply_loads(&mut Values(&mut parents), &rest, Tracking::Untracked)
            .await?;
        Ok(parents)
    }

    /// The options beneath joined ones, applied to what each joined
    /// option loaded.
    async fn load_beneath_joined(
        &mut self,
        joined: &[&Load],
        children: &[Vec<ErasedObj>],
        tracking: Tracking,
    ) -> Result<()> {
        for (l, kids) in joined.iter().zip(children) {
            let nested = Self::effective_loads((l.rel.target_relationships)(), &l.nested);
            if !nested.is_empty() {
                self.apply_loads(&mut Handles(kids), &nested, tracking)
                    .await?;
            }
        }
        Ok(())
    }
}

fn ptr(o: &ErasedObj) -> usize {
    Arc::as_ptr(&o.0).cast::<()>() as usize
}

/// [`ptr`] of a typed handle, without erasing it (no reference count
/// taken and given back).
fn obj_ptr<T: Model>(o: &Obj<T>) -> usize {
    Arc::as_ptr(&o.cell).cast::<()>() as usize
}

fn dedupe(v: Vec<ErasedObj>) -> Vec<ErasedObj> {
    let mut seen = rustc_hash::FxHashSet::with_capacity_and_hasher(v.len(), Default::default());
    v.into_iter().filter(|o| seen.insert(ptr(o))).collect()
}
