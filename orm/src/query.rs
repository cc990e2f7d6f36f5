//! Queries in SQLAlchemy's legacy style: `session.query::<User>()` and
//! `session.query_as::<(String, String)>(columns)`, refined with the
//! builder methods and run with `all`, `first`, `one`, `one_or_none`,
//! `count` or `scalar`.

use crate::column::{AsSql, Col, ColumnValue};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::object::Obj;
use crate::relationship::{Load, Rel, RelInfo};
use crate::session::Session;
use aludel_core::engine::FromRow;
use aludel_core::expr::{IntoExpr, OrderBy};
use aludel_core::select::IntoFrom;
use aludel_core::{func, select, Alias, Expr, FromValue, Name, Select};
use std::fmt;
use std::marker::PhantomData;

/// The loader of a query that returns tracked objects of `T`.
pub struct Entity<T>(PhantomData<fn() -> T>);

/// The loader of a query that returns tracked objects of `T`, each with
/// more columns decoded into `R`.
pub struct EntityWith<T, R>(PhantomData<fn() -> (T, R)>);

/// The loader of a query that returns untracked rows decoded into `R`.
pub struct Plain<R>(PhantomData<fn() -> R>);

/// The loader of a query that returns untracked values of model `T`
/// ([`Query::plain`]), their relationships filled by the query's loader
/// options with untracked objects.
pub struct PlainEntity<T>(PhantomData<fn() -> T>);

/// A query bound to a session `S` (the async [`Session`] or the blocking
/// one), loading with `L` ([`Entity`], [`EntityWith`], [`PlainEntity`] or
/// [`Plain`]). The builder methods
/// refine the SELECT; the terminal methods run it, after an autoflush.
pub struct Query<'s, S, L> {
    pub(crate) session: &'s mut S,
    pub(crate) select: Select,
    pub(crate) loads: Vec<Load>,
    /// A mistake found while building (such as a join along a
    /// relationship that cannot be resolved), reported when the query runs.
    pub(crate) error: Option<String>,
    _loader: PhantomData<L>,
}

impl<S, L> fmt::Debug for Query<'_, S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("select", &self.select)
            .finish()
    }
}

impl<'s, S, L> Query<'s, S, L> {
    pub(crate) fn new(session: &'s mut S, select: Select) -> Self {
        Query {
            session,
            select,
            loads: Vec::new(),
            error: None,
            _loader: PhantomData,
        }
    }

    pub(crate) fn with_loads(mut self, loads: Vec<Load>) -> Self {
        self.loads = loads;
        self
    }

    pub(crate) fn with_error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }

    fn map(self, f: impl FnOnce(Select) -> Select) -> Self {
        Query {
            session: self.session,
            select: f(self.select),
            loads: self.loads,
            error: self.error,
            _loader: PhantomData,
        }
    }

    /// Joins the target of a relationship along its foreign key (through
    /// the association table for many-to-many): the seed's
    /// `.join(User.posts)`, as `.join_rel(User::posts)`.
    pub fn join_rel<M: Model, R>(self, rel: Rel<M, R>) -> Self {
        self.join_rel_kind(rel.info(), false)
    }

    /// [`Query::join_rel`] as a LEFT OUTER JOIN.
    pub fn outer_join_rel<M: Model, R>(self, rel: Rel<M, R>) -> Self {
        self.join_rel_kind(rel.info(), true)
    }

    fn join_rel_kind(mut self, info: &'static RelInfo, outer: bool) -> Self {
        let owner = (info.owner)();
        let target = (info.target)();
        let on = |a: &'static aludel_core::Table,
                  ac: &[usize],
                  b: &'static aludel_core::Table,
                  bc: &[usize]|
         -> aludel_core::Result<Expr> {
            let terms = ac
                .iter()
                .zip(bc)
                .map(|(&x, &y)| {
                    Ok(a.c(a.columns[x].name.as_str())?
                        .eq(b.c(b.columns[y].name.as_str())?))
                })
                .collect::<aludel_core::Result<Vec<Expr>>>()?;
            Ok(aludel_core::and(terms))
        };
        let built = info.resolved().map_err(|e| e.to_string()).and_then(|res| {
            let mut steps: Vec<(&'static aludel_core::Table, Expr)> = Vec::new();
            match &res.secondary {
                Some(sec) => {
                    steps.push((
                        sec.table,
                        on(owner, &res.owner_cols, sec.table, &sec.to_owner)
                            .map_err(|e| e.to_string())?,
                    ));
                    steps.push((
                        target,
                        on(sec.table, &sec.to_target, target, &res.target_cols)
                            .map_err(|e| e.to_string())?,
                    ));
                }
                None => steps.push((
                    target,
                    on(owner, &res.owner_cols, target, &res.target_cols)
                        .map_err(|e| e.to_string())?,
                )),
            }
            Ok(steps)
        });
        match built {
            Ok(steps) => {
                for (t, cond) in steps {
                    self.select = if outer {
                        self.select.outer_join(t, cond)
                    } else {
                        self.select.join(t, cond)
                    };
                }
            }
            Err(e) => self.error = Some(e),
        }
        self
    }

    fn check(&self) -> Result<()> {
        match &self.error {
            Some(m) => Err(Error::Core(aludel_core::Error::InvalidStatement(m.clone()))),
            None => Ok(()),
        }
    }

    /// Adds a loader option for the objects this query loads:
    /// `.options(selectin(User::posts))`, `.options(joined(Post::owner))`,
    /// nested as `selectin(User::posts).selectin(Post::comments)`.
    pub fn options(mut self, load: Load) -> Self {
        self.loads.push(load);
        self
    }

    /// Adds a WHERE condition (ANDed with earlier ones).
    pub fn filter(self, cond: impl IntoExpr) -> Self {
        self.map(|s| s.where_(cond))
    }

    /// Adds an equality condition on a column: `.filter_by(User::name, "Alice")`.
    pub fn filter_by<M: Model, T: ColumnValue>(
        self,
        column: Col<M, T>,
        value: impl AsSql<T::Base>,
    ) -> Self {
        self.filter(column.eq(value))
    }

    /// Adds an inner join on an explicit condition.
    pub fn join(self, right: impl IntoFrom, on: impl IntoExpr) -> Self {
        self.map(|s| s.join(right, on))
    }

    /// Adds a left outer join on an explicit condition.
    pub fn outer_join(self, right: impl IntoFrom, on: impl IntoExpr) -> Self {
        self.map(|s| s.outer_join(right, on))
    }

    /// Adds an ORDER BY term.
    pub fn order_by(self, term: impl Into<OrderBy>) -> Self {
        self.map(|s| s.order_by(term))
    }

    /// Adds GROUP BY expressions.
    pub fn group_by<I, E>(self, exprs: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: IntoExpr,
    {
        self.map(|s| s.group_by(exprs))
    }

    /// Adds a HAVING condition.
    pub fn having(self, cond: impl IntoExpr) -> Self {
        self.map(|s| s.having(cond))
    }

    /// LIMIT.
    pub fn limit(self, n: u64) -> Self {
        self.map(|s| s.limit(n))
    }

    /// OFFSET.
    pub fn offset(self, n: u64) -> Self {
        self.map(|s| s.offset(n))
    }

    /// SELECT DISTINCT.
    pub fn distinct(self) -> Self {
        self.map(Select::distinct)
    }

    /// The SELECT as built so far.
    pub fn statement(&self) -> &Select {
        &self.select
    }

    /// The SELECT, leaving the session.
    pub fn into_statement(self) -> Select {
        self.select
    }

    /// The query as a named subquery, to join in another query (the seed's
    /// 9.4: `.subquery("post_counts")`, then `subq.c("post_count")`).
    pub fn subquery(self, name: impl Into<Name>) -> Alias {
        self.select.subquery(name)
    }

    /// `EXISTS (the query)`, as a condition for another query.
    pub fn exists(self) -> Expr {
        aludel_core::exists(self.select)
    }

    fn counting(select: Select) -> Select {
        aludel_core::select(func::count_star()).from(select.subquery("anon_count"))
    }
}

fn one_of<T>(mut v: Vec<T>) -> Result<T> {
    match v.len() {
        1 => Ok(v.remove(0)),
        0 => Err(Error::Core(aludel_core::Error::NoRows)),
        n => Err(Error::Core(aludel_core::Error::MultipleRows { count: n })),
    }
}

fn one_or_none_of<T>(mut v: Vec<T>) -> Result<Option<T>> {
    match v.len() {
        0 => Ok(None),
        1 => Ok(Some(v.remove(0))),
        n => Err(Error::Core(aludel_core::Error::MultipleRows { count: n })),
    }
}

impl<'s, T: Model> Query<'s, Session, Entity<T>> {
    /// The same query, loading untracked plain values of `T` instead of
    /// tracked objects: the fast path for reads, and the like of what
    /// diesel or sea-orm return.
    ///
    /// The values are in no identity map and the session never flushes
    /// them. Loader options (given before or after `plain()`) and the
    /// model's eager defaults still load relationships, with the same
    /// queries as for tracked objects, and fill them with untracked
    /// objects: handles read as usual ([`Obj::read`]), in state
    /// [`Detached`](crate::ObjectState::Detached), that no identity map
    /// holds and no flush writes. Without an identity map, a row is one
    /// object only within one relationship's load: a post's owner that is
    /// also loaded as a parent is a second, separate value.
    ///
    /// ```
    /// # use aludel_sqlite as _;
    /// use aludel_orm::{selectin, Many, Model, Session};
    ///
    /// #[derive(Model, Debug, Default)]
    /// #[aludel(table = "doc_users")]
    /// pub struct User {
    ///     #[aludel(primary_key)]
    ///     pub id: i64,
    ///     pub name: String,
    ///     pub posts: Many<Post>,
    /// }
    ///
    /// #[derive(Model, Debug, Default)]
    /// #[aludel(table = "doc_posts")]
    /// pub struct Post {
    ///     #[aludel(primary_key)]
    ///     pub id: i64,
    ///     #[aludel(foreign_key = "doc_users.id")]
    ///     pub user_id: i64,
    ///     pub title: String,
    /// }
    ///
    /// # async fn f() -> Result<(), aludel_orm::Error> {
    /// let engine = aludel_core::create_engine("sqlite://")?;
    /// let mut db = Session::new(engine);
    /// # db.create_all(&aludel_orm::models_metadata()?).await?;
    /// let users: Vec<User> = db
    ///     .query::<User>()
    ///     .options(selectin(User::posts))
    ///     .plain()
    ///     .all()
    ///     .await?;
    /// for user in &users {
    ///     for post in user.posts.loaded()? {
    ///         println!("{}: {}", user.name, post.read()?.title);
    ///     }
    /// }
    /// assert_eq!(db.len(), 0); // nothing in the identity map
    /// # Ok(()) }
    /// ```
    pub fn plain(self) -> Query<'s, Session, PlainEntity<T>> {
        Query::new(self.session, self.select)
            .with_loads(self.loads)
            .with_error(self.error)
    }

    /// The query's loader options.
    pub fn load_options(&self) -> &[Load] {
        &self.loads
    }

    /// Every object the query finds, through the identity map, with the
    /// relationships its options (and the model's eager defaults) name
    /// loaded.
    pub async fn all(self) -> Result<Vec<Obj<T>>> {
        self.check()?;
        self.session
            .query_with_loads::<T>(self.select, &self.loads)
            .await
    }

    /// The first object (the query with LIMIT 1), if any.
    pub async fn first(self) -> Result<Option<Obj<T>>> {
        self.check()?;
        Ok(self
            .session
            .query_with_loads::<T>(self.select.limit(1), &self.loads)
            .await?
            .into_iter()
            .next())
    }

    /// The only object; an error for none or several.
    pub async fn one(self) -> Result<Obj<T>> {
        one_of(self.all().await?)
    }

    /// The only object or `None`; an error for several.
    pub async fn one_or_none(self) -> Result<Option<Obj<T>>> {
        one_or_none_of(self.all().await?)
    }

    /// The number of rows the query finds (`SELECT count(*) FROM (query)`).
    pub async fn count(self) -> Result<i64> {
        self.check()?;
        let q = Self::counting(self.select);
        Ok(self.session.scalar::<i64>(q).await?.unwrap_or(0))
    }
}

impl<T: Model> Query<'_, Session, PlainEntity<T>> {
    /// The query's loader options.
    pub fn load_options(&self) -> &[Load] {
        &self.loads
    }

    /// Every row the query finds, as untracked values, with the
    /// relationships its options (and the model's eager defaults) name
    /// loaded with untracked objects.
    pub async fn all(self) -> Result<Vec<T>> {
        self.check()?;
        self.session
            .query_plain_with_loads::<T>(self.select, &self.loads)
            .await
    }

    /// The first value (the query with LIMIT 1), if any.
    pub async fn first(self) -> Result<Option<T>> {
        self.check()?;
        Ok(self
            .session
            .query_plain_with_loads::<T>(self.select.limit(1), &self.loads)
            .await?
            .into_iter()
            .next())
    }

    /// The only value; an error for none or several.
    pub async fn one(self) -> Result<T> {
        one_of(self.all().await?)
    }

    /// The only value or `None`; an error for several.
    pub async fn one_or_none(self) -> Result<Option<T>> {
        one_or_none_of(self.all().await?)
    }

    /// The number of rows the query finds.
    pub async fn count(self) -> Result<i64> {
        self.check()?;
        let q = Self::counting(self.select);
        Ok(self.session.scalar::<i64>(q).await?.unwrap_or(0))
    }
}

impl<T: Model, R: FromRow + Send> Query<'_, Session, EntityWith<T, R>> {
    /// Every row: the object (through the identity map) and the other
    /// columns.
    pub async fn all(self) -> Result<Vec<(Obj<T>, R)>> {
        self.check()?;
        self.session.scalars_with::<T, R>(self.select).await
    }

    /// The first row (the query with LIMIT 1), if any.
    pub async fn first(self) -> Result<Option<(Obj<T>, R)>> {
        self.check()?;
        Ok(self
            .session
            .scalars_with::<T, R>(self.select.limit(1))
            .await?
            .into_iter()
            .next())
    }
}

impl<R: FromRow + Send> Query<'_, Session, Plain<R>> {
    /// Every row, decoded.
    pub async fn all(self) -> Result<Vec<R>> {
        self.check()?;
        self.session.fetch_all::<R>(self.select).await
    }

    /// The first row (the query with LIMIT 1), if any.
    pub async fn first(self) -> Result<Option<R>> {
        self.check()?;
        Ok(self
            .session
            .fetch_all::<R>(self.select.limit(1))
            .await?
            .into_iter()
            .next())
    }

    /// The only row; an error for none or several.
    pub async fn one(self) -> Result<R> {
        one_of(self.all().await?)
    }

    /// The only row or `None`; an error for several.
    pub async fn one_or_none(self) -> Result<Option<R>> {
        one_or_none_of(self.all().await?)
    }

    /// The number of rows the query finds.
    pub async fn count(self) -> Result<i64> {
        self.check()?;
        let q = Self::counting(self.select);
        Ok(self.session.scalar::<i64>(q).await?.unwrap_or(0))
    }

    /// The first column of the first row (`None` without rows):
    /// `db.query_as::<(i64,)>(func::count(Post::id)).scalar::<i64>()`.
    pub async fn scalar<V: FromValue>(self) -> Result<Option<V>> {
        self.check()?;
        self.session.scalar::<V>(self.select).await
    }
}

/// A SELECT of `T`'s columns, to filter and run with
/// [`Session::scalars`] (SQLAlchemy 2.0's `select(User)`).
pub fn select_model<T: Model>() -> Select {
    select(T::table())
}
