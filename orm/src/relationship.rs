//! Relationships between models: [`One`] (many-to-one, or one-to-one) and
//! [`Many`] (one-to-many, or many-to-many through an association table)
//! fields, their typed handles ([`Rel`]), and what the derive declares
//! about them ([`RelInfo`]).
//!
//! A relationship field holds what the session loaded for it, or nothing
//! yet: reading an unloaded relationship is an error ([`Error::NotLoaded`]),
//! never a silent empty list and never hidden I/O. It is loaded by an
//! explicit [`Session::load`](crate::Session::load), or eagerly by a
//! query's options ([`selectin`], [`joined`]).

use crate::error::{Error, Result};
use crate::model::{registered_models, Model};
use crate::object::{downcast_cell, ErasedObj, Obj};
use aludel_core::Table;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::AtomicUsize;
use std::sync::OnceLock;

/// How a relationship loads when a query names no option for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    /// Not loaded by queries; [`Session::load`](crate::Session::load)
    /// loads it (one query, none the second time; a many-to-one target
    /// already in the identity map costs no query).
    Select,
    /// Loaded with its parents by a LEFT OUTER JOIN.
    Joined,
    /// Loaded after its parents by one more query with `IN` over their keys.
    Selectin,
    /// Never loaded lazily: `Session::load` is an error, so a test catches
    /// code that would load it one parent at a time (N+1).
    Raise,
}

/// Which operations on a parent reach the objects of a relationship
/// (SQLAlchemy's `cascade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cascade {
    /// Adding the parent adds new related objects (default on).
    pub save_update: bool,
    /// Deleting the parent deletes the related objects.
    pub delete: bool,
    /// A related object removed from the collection is deleted.
    pub delete_orphan: bool,
}

impl Cascade {
    /// SQLAlchemy's default, `"save-update, merge"`.
    pub const DEFAULT: Cascade = Cascade {
        save_update: true,
        delete: false,
        delete_orphan: false,
    };

    /// Parses `"all, delete-orphan"`, `"save-update, delete"`, ... (the
    /// derive does this at compile time).
    pub const fn parse_flags(save_update: bool, delete: bool, delete_orphan: bool) -> Cascade {
        Cascade {
            save_update,
            delete,
            delete_orphan,
        }
    }
}

/// Where the foreign key of a relationship lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The owner's table refers to the target's (`post.owner`).
    ManyToOne,
    /// The target's table refers to the owner's (`user.posts`).
    OneToMany,
    /// An association table refers to both.
    ManyToMany,
}

/// The columns that join the two sides, by position in their tables.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Resolved {
    pub(crate) direction: Direction,
    /// Owner columns and target columns whose values are equal, pairwise
    /// (for many-to-many: the owner's and the target's key columns).
    pub(crate) owner_cols: Vec<usize>,
    pub(crate) target_cols: Vec<usize>,
    pub(crate) secondary: Option<Secondary>,
}

/// The association table of a many-to-many relationship.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Secondary {
    pub(crate) table: &'static Table,
    /// Association columns referring to the owner's `owner_cols`.
    pub(crate) to_owner: Vec<usize>,
    /// Association columns referring to the target's `target_cols`.
    pub(crate) to_target: Vec<usize>,
}

/// A relationship as the derive declares it.
pub struct RelInfo {
    /// The field's name.
    pub name: &'static str,
    /// The owner model's name.
    pub owner_name: &'static str,
    /// The owner's table.
    pub owner: fn() -> &'static Table,
    /// The target's table.
    pub target: fn() -> &'static Table,
    /// A [`Many`] field (a collection) rather than a [`One`].
    pub many: bool,
    /// The association table's name, for many-to-many.
    pub secondary: Option<&'static str>,
    /// The relationship on the target that mirrors this one.
    pub back_populates: Option<&'static str>,
    /// The target column that orders a collection, with `" desc"` for
    /// descending.
    pub order_by: Option<&'static str>,
    /// What cascades along it.
    pub cascade: Cascade,
    /// How it loads by default.
    pub lazy: Lazy,
    /// Rely on the database's ON DELETE CASCADE instead of loading and
    /// deleting the related objects.
    pub passive_deletes: bool,
    /// The foreign-key column to use when several could join the tables.
    pub foreign_key: Option<&'static str>,
    /// Decodes a target row into the session, or untracked (the target
    /// model's loader).
    #[doc(hidden)]
    pub absorb: crate::session::AbsorbFn,
    /// Decodes a target row of a plain selectin load straight into its
    /// parent's list (the target model's, as `absorb`).
    #[doc(hidden)]
    pub absorb_into: crate::session::AbsorbIntoFn,
    /// The target model's relationships.
    #[doc(hidden)]
    pub target_relationships: fn() -> &'static [RelInfo],
    #[doc(hidden)]
    pub resolved: OnceLock<std::result::Result<Resolved, String>>,
    /// Related rows per key at the last eager load (0: none yet), to size
    /// the identity map before the next one.
    #[doc(hidden)]
    pub rows_per_key: AtomicUsize,
    /// Related objects, in all, at the last joined load (0: none yet), to
    /// size the identity map before the next one.
    #[doc(hidden)]
    pub joined_rows: AtomicUsize,
}

impl fmt::Debug for RelInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.owner_name, self.name)
    }
}

/// Columns of one table and the columns of another they refer to.
type ColumnPairs = (Vec<usize>, Vec<usize>);

fn col_index(t: &Table, name: &str) -> Option<usize> {
    t.columns.iter().position(|c| c.name.as_str() == name)
}

fn table_by_name(name: &str) -> Option<&'static Table> {
    registered_models().find(|t| t.name.as_str() == name || t.qualified_name() == name)
}

impl RelInfo {
    /// The relationship's description, for messages: `User.posts`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.owner_name, self.name)
    }

    /// How the two tables join, worked out from their foreign keys on
    /// first use. An error names the relationship and what is ambiguous
    /// or missing.
    pub(crate) fn resolved(&self) -> Result<&Resolved> {
        self.resolved
            .get_or_init(|| self.resolve())
            .as_ref()
            .map_err(|m| Error::Relationship {
                path: self.path(),
                message: m.clone(),
            })
    }

    fn pairs(
        &self,
        from: &'static Table,
        to: &'static Table,
    ) -> std::result::Result<Option<ColumnPairs>, String> {
        let fks: Vec<_> = from
            .foreign_keys_to(to)
            .filter(|fk| match self.foreign_key {
                Some(c) => fk.columns.iter().any(|n| n.as_str() == c),
                None => true,
            })
            .collect();
        match fks.len() {
            0 => Ok(None),
            1 => {
                let fk = fks[0];
                let f: Option<Vec<usize>> = fk
                    .columns
                    .iter()
                    .map(|c| col_index(from, c.as_str()))
                    .collect();
                let t: Option<Vec<usize>> = fk
                    .ref_columns
                    .iter()
                    .map(|c| col_index(to, c.as_str()))
                    .collect();
                match (f, t) {
                    (Some(f), Some(t)) => Ok(Some((f, t))),
                    _ => Err(format!(
                        "the foreign key from {} to {} names unknown columns",
                        from.qualified_name(),
                        to.qualified_name()
                    )),
                }
            }
            n => Err(format!(
                "{n} foreign keys join {} to {}; name one with foreign_key = \"column\"",
                from.qualified_name(),
                to.qualified_name()
            )),
        }
    }

    fn resolve(&self) -> std::result::Result<Resolved, String> {
        let owner = (self.owner)();
        let target = (self.target)();
        if let Some(name) = self.secondary {
            let sec = table_by_name(name).ok_or_else(|| {
                format!("the association table {name} is not a registered model's table")
            })?;
            let (to_owner, owner_cols) = self.pairs(sec, owner)?.ok_or_else(|| {
                format!("{name} has no foreign key to {}", owner.qualified_name())
            })?;
            let (to_target, target_cols) = if std::ptr::eq(owner, target) {
                // Self-referential many-to-many: the other foreign key.
                let other: Vec<_> = sec
                    .foreign_keys_to(target)
                    .filter(|fk| {
                        !fk.columns
                            .iter()
                            .any(|c| to_owner.iter().any(|&i| sec.columns[i].name == *c))
                    })
                    .collect();
                let fk = other.first().ok_or_else(|| {
                    format!(
                        "{name} needs a second foreign key to {}",
                        target.qualified_name()
                    )
                })?;
                let f: Vec<usize> = fk
                    .columns
                    .iter()
                    .filter_map(|c| col_index(sec, c.as_str()))
                    .collect();
                let t: Vec<usize> = fk
                    .ref_columns
                    .iter()
                    .filter_map(|c| col_index(target, c.as_str()))
                    .collect();
                (f, t)
            } else {
                self.pairs(sec, target)?.ok_or_else(|| {
                    format!("{name} has no foreign key to {}", target.qualified_name())
                })?
            };
            return Ok(Resolved {
                direction: Direction::ManyToMany,
                owner_cols,
                target_cols,
                secondary: Some(Secondary {
                    table: sec,
                    to_owner,
                    to_target,
                }),
            });
        }
        // A One field prefers the owner's foreign key (many-to-one); a
        // Many field the target's (one-to-many). For a self-referential
        // table both exist, and the field's kind decides.
        let local = self.pairs(owner, target)?;
        let remote = self.pairs(target, owner)?;
        let (direction, owner_cols, target_cols) = match (self.many, local, remote) {
            (false, Some((f, t)), _) => (Direction::ManyToOne, f, t),
            (_, _, Some((f, t))) => (Direction::OneToMany, t, f),
            (true, Some(_), None) => {
                return Err(format!(
                    "{} refers to {}, so this side holds one object: declare it One<_>",
                    owner.qualified_name(),
                    target.qualified_name()
                ))
            }
            (_, None, None) => {
                return Err(format!(
                    "no foreign key joins {} and {}",
                    owner.qualified_name(),
                    target.qualified_name()
                ))
            }
        };
        Ok(Resolved {
            direction,
            owner_cols,
            target_cols,
            secondary: None,
        })
    }

    /// The relationship on the target named by `back_populates`.
    pub(crate) fn back(
        &self,
        target_rels: &'static [RelInfo],
    ) -> Option<(usize, &'static RelInfo)> {
        let name = self.back_populates?;
        target_rels.iter().enumerate().find(|(_, r)| r.name == name)
    }
}

/// A typed handle to model `M`'s relationship field of type `R`
/// (`One<T>` or `Many<T>`): `User::posts`, `Post::owner`. Queries take it
/// in their loader options; objects in `Obj::set` / `Obj::append`.
pub struct Rel<M, R> {
    index: usize,
    get: fn(&M) -> &R,
    get_mut: fn(&mut M) -> &mut R,
    _m: PhantomData<fn() -> (M, R)>,
}

impl<M, R> Clone for Rel<M, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, R> Copy for Rel<M, R> {}

impl<M: Model, R> fmt::Debug for Rel<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.info(), f)
    }
}

impl<M, R> Rel<M, R> {
    /// Used by the derive: the field's position among the model's
    /// relationships and its accessors.
    #[doc(hidden)]
    pub const fn new(index: usize, get: fn(&M) -> &R, get_mut: fn(&mut M) -> &mut R) -> Self {
        Rel {
            index,
            get,
            get_mut,
            _m: PhantomData,
        }
    }

    /// The field's value in `m`.
    pub fn of<'a>(&self, m: &'a M) -> &'a R {
        (self.get)(m)
    }

    /// The field's value in `m`, to change.
    pub fn of_mut<'a>(&self, m: &'a mut M) -> &'a mut R {
        (self.get_mut)(m)
    }
}

impl<M: Model, R> Rel<M, R> {
    /// What the derive declared about the relationship.
    pub fn info(&self) -> &'static RelInfo {
        &M::relationships()[self.index]
    }
}

enum Slot<V> {
    NotLoaded,
    Loaded(V),
}

impl<V: Clone> Clone for Slot<V> {
    fn clone(&self) -> Self {
        match self {
            Slot::NotLoaded => Slot::NotLoaded,
            Slot::Loaded(v) => Slot::Loaded(v.clone()),
        }
    }
}

/// A relationship field that holds at most one object: many-to-one
/// (`post.owner`) or one-to-one. Unloaded until the session loads it.
pub struct One<T: Model> {
    slot: Slot<Option<Obj<T>>>,
    /// Set through `Obj::set`: the foreign key follows at the next flush.
    pub(crate) changed: bool,
}

/// A relationship field that holds a collection: one-to-many
/// (`user.posts`) or many-to-many. Unloaded until the session loads it.
pub struct Many<T: Model> {
    slot: Slot<Vec<Obj<T>>>,
    /// Appends and removals not flushed yet; boxed, since most
    /// collections (all loaded ones) have none.
    changes: Option<Box<ManyChanges<T>>>,
}

/// What was appended to and removed from a collection since the last flush.
struct ManyChanges<T: Model> {
    added: Vec<Obj<T>>,
    removed: Vec<Obj<T>>,
}

impl<T: Model> Clone for ManyChanges<T> {
    fn clone(&self) -> Self {
        ManyChanges {
            added: self.added.clone(),
            removed: self.removed.clone(),
        }
    }
}

impl<T: Model> Default for One<T> {
    fn default() -> Self {
        One {
            slot: Slot::NotLoaded,
            changed: false,
        }
    }
}

impl<T: Model> Drop for Many<T> {
    fn drop(&mut self) {
        if let Slot::Loaded(objs) = std::mem::replace(&mut self.slot, Slot::NotLoaded) {
            for o in objs {
                crate::object::recycle(o);
            }
        }
    }
}

impl<T: Model> Default for Many<T> {
    fn default() -> Self {
        Many {
            slot: Slot::NotLoaded,
            changes: None,
        }
    }
}

impl<T: Model> Clone for One<T> {
    fn clone(&self) -> Self {
        One {
            slot: self.slot.clone(),
            changed: self.changed,
        }
    }
}

impl<T: Model> Clone for Many<T> {
    fn clone(&self) -> Self {
        Many {
            slot: self.slot.clone(),
            changes: self.changes.clone(),
        }
    }
}

/// Relationship fields compare equal when they hold the same objects (or
/// are both unloaded): a model's `PartialEq` compares its columns.
impl<T: Model> PartialEq for One<T> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.slot, &other.slot) {
            (Slot::Loaded(a), Slot::Loaded(b)) => a == b,
            (Slot::NotLoaded, Slot::NotLoaded) => true,
            _ => false,
        }
    }
}

impl<T: Model> PartialEq for Many<T> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.slot, &other.slot) {
            (Slot::Loaded(a), Slot::Loaded(b)) => a == b,
            (Slot::NotLoaded, Slot::NotLoaded) => true,
            _ => false,
        }
    }
}

impl<T: Model> fmt::Debug for One<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.slot {
            Slot::NotLoaded => f.write_str("One(<not loaded>)"),
            Slot::Loaded(None) => f.write_str("One(None)"),
            Slot::Loaded(Some(o)) => write!(f, "One({:?})", o.key()),
        }
    }
}

impl<T: Model> fmt::Debug for Many<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.slot {
            Slot::NotLoaded => f.write_str("Many(<not loaded>)"),
            Slot::Loaded(v) => {
                let keys: Vec<_> = v.iter().map(Obj::key).collect();
                write!(f, "Many({keys:?})")
            }
        }
    }
}

fn erase<T: Model>(o: &Obj<T>) -> ErasedObj {
    ErasedObj(o.erased())
}

fn not_loaded(what: &'static str) -> Error {
    Error::NotLoaded {
        relationship: what.to_string(),
    }
}

impl<T: Model> One<T> {
    /// The related object (`None`: there is none). [`Error::NotLoaded`]
    /// if the session has not loaded the relationship.
    pub fn get(&self) -> Result<Option<&Obj<T>>> {
        match &self.slot {
            Slot::Loaded(v) => Ok(v.as_ref()),
            Slot::NotLoaded => Err(not_loaded(T::NAME)),
        }
    }

    /// Whether the relationship is loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self.slot, Slot::Loaded(_))
    }

    pub(crate) fn set_value(&mut self, v: Option<Obj<T>>) {
        self.slot = Slot::Loaded(v);
    }
}

impl<T: Model> Many<T> {
    /// The related objects. [`Error::NotLoaded`] if the session has not
    /// loaded the relationship.
    pub fn loaded(&self) -> Result<&[Obj<T>]> {
        match &self.slot {
            Slot::Loaded(v) => Ok(v),
            Slot::NotLoaded => Err(not_loaded(T::NAME)),
        }
    }

    /// Whether the collection is loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self.slot, Slot::Loaded(_))
    }

    pub(crate) fn push_value(&mut self, v: Obj<T>) {
        if let Slot::Loaded(list) = &mut self.slot {
            if !list.contains(&v) {
                list.push(v);
            }
        }
    }

    fn changes_mut(&mut self) -> &mut ManyChanges<T> {
        self.changes.get_or_insert_with(|| {
            Box::new(ManyChanges {
                added: Vec::new(),
                removed: Vec::new(),
            })
        })
    }

    pub(crate) fn remove_value(&mut self, v: &Obj<T>) {
        if let Slot::Loaded(list) = &mut self.slot {
            list.retain(|o| o != v);
        }
    }
}

/// What the unit of work takes from a relationship field at flush.
#[doc(hidden)]
#[derive(Default)]
pub struct RelChanges {
    /// A `One` set to this target (or to none).
    pub(crate) set: Option<Option<ErasedObj>>,
    /// Objects appended to a `Many`.
    pub(crate) added: Vec<ErasedObj>,
    /// Objects removed from a `Many`.
    pub(crate) removed: Vec<ErasedObj>,
}

/// The type-erased view of a relationship field.
pub trait ErasedRel: Send + Sync {
    /// The loaded objects (`None`: not loaded).
    #[doc(hidden)]
    fn loaded_erased(&self) -> Option<Vec<ErasedObj>>;
    /// Whether the relationship is loaded.
    #[doc(hidden)]
    fn is_loaded_erased(&self) -> bool {
        self.loaded_erased().is_some()
    }
    /// Stores loaded objects (each of the target model).
    #[doc(hidden)]
    fn set_loaded_erased(&mut self, objs: Vec<ErasedObj>);
    /// Takes the changes made since the last flush.
    #[doc(hidden)]
    fn take_changes(&mut self) -> RelChanges;
    /// Forgets what was loaded.
    #[doc(hidden)]
    fn unload(&mut self);
}

fn downcast<T: Model>(o: ErasedObj) -> Option<Obj<T>> {
    downcast_cell::<T>(o.0).map(|cell| Obj { cell })
}

impl<T: Model> ErasedRel for One<T> {
    fn loaded_erased(&self) -> Option<Vec<ErasedObj>> {
        match &self.slot {
            Slot::Loaded(v) => Some(v.iter().map(erase).collect()),
            Slot::NotLoaded => None,
        }
    }

    fn is_loaded_erased(&self) -> bool {
        self.is_loaded()
    }

    fn set_loaded_erased(&mut self, objs: Vec<ErasedObj>) {
        let v = objs.into_iter().next().and_then(downcast::<T>);
        self.slot = Slot::Loaded(v);
    }

    fn take_changes(&mut self) -> RelChanges {
        let mut c = RelChanges::default();
        if std::mem::take(&mut self.changed) {
            if let Slot::Loaded(v) = &self.slot {
                c.set = Some(v.as_ref().map(erase));
            }
        }
        c
    }

    fn unload(&mut self) {
        if !self.changed {
            self.slot = Slot::NotLoaded;
        }
    }
}

impl<T: Model> ErasedRel for Many<T> {
    fn loaded_erased(&self) -> Option<Vec<ErasedObj>> {
        match &self.slot {
            Slot::Loaded(v) => Some(v.iter().map(erase).collect()),
            Slot::NotLoaded => None,
        }
    }

    fn is_loaded_erased(&self) -> bool {
        self.is_loaded()
    }

    fn set_loaded_erased(&mut self, objs: Vec<ErasedObj>) {
        let mut v: Vec<Obj<T>> = objs.into_iter().filter_map(downcast::<T>).collect();
        if let Some(c) = &self.changes {
            // Objects appended but not flushed stay in the collection.
            for a in &c.added {
                if !v.contains(a) {
                    v.push(a.clone());
                }
            }
            v.retain(|o| !c.removed.contains(o));
        }
        self.slot = Slot::Loaded(v);
    }

    fn take_changes(&mut self) -> RelChanges {
        match self.changes.take() {
            Some(c) => RelChanges {
                set: None,
                added: c.added.iter().map(erase).collect(),
                removed: c.removed.iter().map(erase).collect(),
            },
            None => RelChanges::default(),
        }
    }

    fn unload(&mut self) {
        if self.changes.is_none() {
            self.slot = Slot::NotLoaded;
        }
    }
}

impl<T: Model> Obj<T> {
    /// Sets a many-to-one (or one-to-one) relationship: `post.set(Post::owner,
    /// Some(&alice))`. The foreign key follows at the next flush, even if
    /// `alice` has no key yet (she is INSERTed first); with
    /// `back_populates`, a loaded collection on the other side is updated
    /// now.
    pub fn set<U: Model>(&self, rel: Rel<T, One<U>>, target: Option<&Obj<U>>) -> Result<()> {
        let old = {
            let mut me = self.write()?;
            let field = rel.of_mut(&mut me);
            let old = match &field.slot {
                Slot::Loaded(Some(o)) => Some(o.clone()),
                _ => None,
            };
            field.slot = Slot::Loaded(target.cloned());
            field.changed = true;
            old
        };
        let info = rel.info();
        if let Some((idx, back)) = info.back(U::relationships()) {
            if back.many {
                if let Some(old) = old.filter(|o| Some(o) != target) {
                    with_back::<U, Many<T>>(&old, idx, |m| m.remove_value(self))?;
                }
                if let Some(t) = target {
                    with_back::<U, Many<T>>(t, idx, |m| m.push_value(self.clone()))?;
                }
            } else if let Some(t) = target {
                with_back::<U, One<T>>(t, idx, |o| o.set_value(Some(self.clone())))?;
            }
        }
        Ok(())
    }

    /// Appends to a one-to-many or many-to-many collection:
    /// `alice.append(User::posts, &post)`. The child's foreign key (or the
    /// association row) follows at the next flush; with `back_populates`,
    /// the child's side is set now.
    pub fn append<U: Model>(&self, rel: Rel<T, Many<U>>, child: &Obj<U>) -> Result<()> {
        {
            let mut me = self.write()?;
            let field = rel.of_mut(&mut me);
            let changes = field.changes_mut();
            changes.removed.retain(|o| o != child);
            if !changes.added.contains(child) {
                changes.added.push(child.clone());
            }
            field.push_value(child.clone());
        }
        let info = rel.info();
        if let Some((idx, back)) = info.back(U::relationships()) {
            if back.many {
                with_back::<U, Many<T>>(child, idx, |m| m.push_value(self.clone()))?;
            } else {
                with_back::<U, One<T>>(child, idx, |o| o.set_value(Some(self.clone())))?;
            }
        }
        Ok(())
    }

    /// Removes from a collection: the child's foreign key becomes NULL at
    /// the next flush, or the child is deleted if the relationship
    /// cascades `delete-orphan` (an association row is deleted).
    pub fn remove<U: Model>(&self, rel: Rel<T, Many<U>>, child: &Obj<U>) -> Result<()> {
        {
            let mut me = self.write()?;
            let field = rel.of_mut(&mut me);
            let changes = field.changes_mut();
            changes.added.retain(|o| o != child);
            if !changes.removed.contains(child) {
                changes.removed.push(child.clone());
            }
            field.remove_value(child);
        }
        let info = rel.info();
        if let Some((idx, back)) = info.back(U::relationships()) {
            if back.many {
                with_back::<U, Many<T>>(child, idx, |m| m.remove_value(self))?;
            } else {
                with_back::<U, One<T>>(child, idx, |o| {
                    if matches!(&o.slot, Slot::Loaded(Some(p)) if p == self) {
                        o.slot = Slot::Loaded(None);
                    }
                })?;
            }
        }
        Ok(())
    }
}

/// Runs `f` on the back-populating field `idx` of `obj` (a `Many<T>` or a
/// `One<T>` of model `U`), without marking `obj` modified.
fn with_back<U: Model, F: 'static>(obj: &Obj<U>, idx: usize, f: impl FnOnce(&mut F)) -> Result<()> {
    let mut v = obj.cell.try_write().ok_or(Error::Borrowed {
        model: U::NAME,
        operation: "updating its side of a relationship",
    })?;
    if let Some(field) = v
        .relationship_mut(idx)
        .and_then(|r| r.as_any_mut().downcast_mut::<F>())
    {
        f(field);
    }
    Ok(())
}

/// A relationship field seen as `Any`, to reach the typed field from the
/// erased one.
pub trait RelField: ErasedRel {
    /// `self` as `Any`.
    #[doc(hidden)]
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
    /// `self` as the erased relationship.
    #[doc(hidden)]
    fn as_erased_mut(&mut self) -> &mut dyn ErasedRel;
    /// `self` as the erased relationship.
    #[doc(hidden)]
    fn as_erased(&self) -> &dyn ErasedRel;
}

impl<T: Model> RelField for One<T> {
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn as_erased_mut(&mut self) -> &mut dyn ErasedRel {
        self
    }
    fn as_erased(&self) -> &dyn ErasedRel {
        self
    }
}

impl<T: Model> RelField for Many<T> {
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn as_erased_mut(&mut self) -> &mut dyn ErasedRel {
        self
    }
    fn as_erased(&self) -> &dyn ErasedRel {
        self
    }
}

/// A loader option: which relationship to load eagerly, how, and what to
/// load beneath it. Build with [`selectin`] or [`joined`], nest with the
/// methods of the same names.
#[derive(Debug, Clone)]
pub struct Load {
    pub(crate) rel: &'static RelInfo,
    pub(crate) strategy: Lazy,
    pub(crate) nested: Vec<Load>,
}

fn load<M: Model, R>(rel: Rel<M, R>, strategy: Lazy) -> Load {
    Load {
        rel: rel.info(),
        strategy,
        nested: Vec::new(),
    }
}

/// Load the relationship with one more query per level, `IN` over the
/// parents' keys (SQLAlchemy's `selectinload`).
pub fn selectin<M: Model, R>(rel: Rel<M, R>) -> Load {
    load(rel, Lazy::Selectin)
}

/// Load the relationship in the parents' query, by LEFT OUTER JOIN
/// (SQLAlchemy's `joinedload`); a many-to-many relationship joins its
/// association table and then its target.
pub fn joined<M: Model, R>(rel: Rel<M, R>) -> Load {
    load(rel, Lazy::Joined)
}

impl Load {
    /// Loads `rel` of the objects this option loads, with selectin.
    pub fn selectin<M: Model, R>(mut self, rel: Rel<M, R>) -> Load {
        self.nested.push(selectin(rel));
        self
    }

    /// Loads `rel` of the objects this option loads, joined to the query
    /// that loads them when that is a selectin query. Beneath a joined
    /// option (whose objects come from their parents' query) it runs as a
    /// query of its own, `IN` over their keys as selectin does: nested
    /// joined options are not folded into one query with three tables.
    pub fn joined<M: Model, R>(mut self, rel: Rel<M, R>) -> Load {
        self.nested.push(joined(rel));
        self
    }

    /// Adds a nested option built separately (for deeper trees).
    pub fn with(mut self, nested: Load) -> Load {
        self.nested.push(nested);
        self
    }
}
