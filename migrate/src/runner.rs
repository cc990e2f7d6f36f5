//! The runner: applies and reverts revisions against a database, keeping
//! the applied heads in the `aludel_version` table, or prints their SQL
//! without connecting (offline mode).

use crate::batch;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::ops::Step;
use crate::revision::Revision;
use aludel_core::dialect::TableRebuild;
use aludel_core::engine::{Connection, Engine};
use aludel_core::{
    compile_literal, delete, insert, select, Column, Dialect, SqlType, Statement, Table,
};
use std::collections::HashSet;

/// The table that records the applied revisions (Alembic's
/// `alembic_version`).
pub const VERSION_TABLE: &str = "aludel_version";

fn version_table() -> Result<Table> {
    Ok(Table::builder(VERSION_TABLE)
        .column(Column::new("version_num", SqlType::String(Some(32))).primary_key())
        .build()?)
}

/// Runs revisions of a [`Graph`] against one database.
#[derive(Debug, Clone)]
pub struct Migrator {
    graph: Graph,
    engine: Engine,
}

/// Whether a plan applies or reverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

impl Migrator {
    /// A runner for `graph` on `engine`.
    pub fn new(graph: Graph, engine: Engine) -> Migrator {
        Migrator { graph, engine }
    }

    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    async fn ensure_version_table(conn: &mut Connection) -> Result<()> {
        let t = version_table()?;
        conn.execute(aludel_core::ddl::Ddl::CreateTable {
            table: t,
            if_not_exists: true,
        })
        .await?;
        Ok(())
    }

    async fn read_current(conn: &mut Connection) -> Result<Vec<String>> {
        let t = version_table()?;
        let mut v: Vec<String> = conn
            .execute(select(t.c("version_num")?).from(&t))
            .await?
            .scalars()?;
        v.sort();
        Ok(v)
    }

    /// The revisions the database is at (its applied heads); empty at base
    /// or when the version table does not exist yet.
    pub async fn current(&self) -> Result<Vec<String>> {
        let mut conn = self.engine.connect().await?;
        Self::ensure_version_table(&mut conn).await?;
        Self::read_current(&mut conn).await
    }

    /// Applies the revisions up to `target` (see [`Graph::upgrade_plan`])
    /// and returns their ids.
    pub async fn upgrade(&self, target: &str) -> Result<Vec<String>> {
        self.run(target, Direction::Up).await
    }

    /// Reverts revisions down to `target` (see [`Graph::downgrade_plan`])
    /// and returns their ids.
    pub async fn downgrade(&self, target: &str) -> Result<Vec<String>> {
        self.run(target, Direction::Down).await
    }

    /// Records `target` as the current revision(s) without running
    /// anything (`base` clears the table).
    pub async fn stamp(&self, target: &str) -> Result<()> {
        let heads: Vec<String> = match target {
            "base" => Vec::new(),
            "heads" => self
                .graph
                .heads()
                .iter()
                .map(|r| r.revision.clone())
                .collect(),
            "head" => self
                .graph
                .upgrade_plan(&[], "head")?
                .last()
                .map(|r| vec![r.revision.clone()])
                .unwrap_or_default(),
            id => vec![self.graph.lookup(id)?.revision.clone()],
        };
        let mut conn = self.engine.connect().await?;
        Self::ensure_version_table(&mut conn).await?;
        Self::write_current(&mut conn, &heads).await
    }

    async fn write_current(conn: &mut Connection, heads: &[String]) -> Result<()> {
        let t = version_table()?;
        conn.execute(delete(&t)).await?;
        for h in heads {
            conn.execute(insert(&t).value("version_num", h.as_str()))
                .await?;
        }
        Ok(())
    }

    async fn run(&self, target: &str, dir: Direction) -> Result<Vec<String>> {
        let mut conn = self.engine.connect().await?;
        Self::ensure_version_table(&mut conn).await?;
        let dialect = self.engine.dialect();
        let lock = dialect.migration_lock_sql();
        if let Some((lock_sql, _)) = &lock {
            conn.execute(aludel_core::text(lock_sql)).await?;
        }
        let r = self.run_locked(&mut conn, target, dir).await;
        if let Some((_, unlock_sql)) = &lock {
            // Closing the connection releases the lock too; an error here
            // must not hide the run's own result.
            let _ = conn.execute(aludel_core::text(unlock_sql)).await;
        }
        r
    }

    async fn run_locked(
        &self,
        conn: &mut Connection,
        target: &str,
        dir: Direction,
    ) -> Result<Vec<String>> {
        let dialect = self.engine.dialect();
        let current = Self::read_current(conn).await?;
        let plan: Vec<Revision> = match dir {
            Direction::Up => self.graph.upgrade_plan(&current, target)?,
            Direction::Down => self.graph.downgrade_plan(&current, target)?,
        }
        .into_iter()
        .cloned()
        .collect();
        let mut done = Vec::new();
        for rev in plan {
            let ops = match dir {
                Direction::Up => &rev.upgrade,
                Direction::Down => &rev.downgrade,
            };
            let caps = dialect.capabilities();
            let rebuild = caps
                .table_rebuild
                .filter(|_| ops.iter().any(|op| batch::needs_rebuild(op, caps)));
            // A revision that rebuilds tables runs with foreign keys off
            // (dropping a referenced table would delete or refuse child
            // rows), switched before its transaction begins, since inside
            // one the switch does nothing; they are checked before the
            // commit and switched back on afterwards, whatever happened.
            let mut switched = None;
            if let Some(how) = &rebuild {
                if batch::foreign_keys_enforced(conn, how).await? {
                    batch::switch_foreign_keys(conn, how, false).await?;
                    switched = Some(how);
                }
            }
            let r = self.apply(conn, &rev, ops, dir, switched).await;
            if let Some(how) = switched {
                let back = batch::switch_foreign_keys(conn, how, true).await;
                if r.is_ok() {
                    back?;
                }
            }
            if r? {
                done.push(rev.revision.clone());
            }
        }
        Ok(done)
    }

    /// Applies or reverts one revision (in a transaction where DDL is
    /// transactional); `false` when another runner already did. With
    /// `check_fks`, the foreign keys are checked before the commit.
    async fn apply(
        &self,
        conn: &mut Connection,
        rev: &Revision,
        ops: &[crate::ops::Op],
        dir: Direction,
        check_fks: Option<&TableRebuild>,
    ) -> Result<bool> {
        let dialect = self.engine.dialect();
        let transactional = dialect.capabilities().transactional_ddl;
        if transactional {
            conn.start_transaction(None).await?;
        }
        // Read again inside the transaction (and the lock): another
        // runner may have applied it meanwhile.
        let now = Self::read_current(conn).await?;
        let applied = self.graph.ancestors(&now);
        let skip = match dir {
            Direction::Up => applied.contains(&rev.revision),
            Direction::Down => !applied.contains(&rev.revision),
        };
        if skip {
            if transactional {
                conn.rollback().await?;
            }
            return Ok(false);
        }
        let at_heads = |applied: &HashSet<String>| -> String {
            let heads = self.graph.heads_of(applied);
            if heads.is_empty() {
                "base".into()
            } else {
                heads.join(", ")
            }
        };
        let mut plans: Vec<Result<Option<batch::Batch>>> =
            ops.iter().map(|op| batch::plan(op, dialect)).collect();
        let mut i = 0;
        while i < ops.len() {
            // Consecutive rebuilds of one table make one copy; only the
            // last of them may have statements to run after it.
            let mut end = i + 1;
            if let Ok(Some(first)) = &plans[i] {
                while end < ops.len() {
                    let open = matches!(&plans[end - 1], Ok(Some(b)) if b.then.is_empty());
                    match &plans[end] {
                        Ok(Some(b)) if open && b.table == first.table => end += 1,
                        _ => break,
                    }
                }
            }
            let group: Vec<_> = plans[i..end]
                .iter_mut()
                .map(|p| std::mem::replace(p, Ok(None)))
                .collect();
            let r = self.run_ops(conn, &ops[i..end], group).await;
            if let Err((at, e)) = r {
                if transactional {
                    let _ = conn.rollback().await;
                }
                // The operation at fault, or all of those rebuilt together.
                let (k, op) = match at {
                    Some(p) => (i + p, ops[i + p].describe()),
                    None => (
                        i,
                        ops[i..end]
                            .iter()
                            .map(|o| o.describe())
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                };
                let op = if end - i > 1 {
                    format!(
                        "{op}; one rebuild of the table for operations {} to {end}",
                        i + 1
                    )
                } else {
                    op
                };
                return Err(Error::Operation {
                    revision: rev.revision.clone(),
                    message: rev.message.clone(),
                    index: k + 1,
                    op,
                    at: at_heads(&applied),
                    source: Box::new(e),
                });
            }
            i = end;
        }
        if let Some(how) = check_fks {
            let broken = batch::broken_foreign_keys(conn, how).await;
            if !matches!(broken, Ok(None)) && transactional {
                let _ = conn.rollback().await;
            }
            if let Some(detail) = broken? {
                return Err(Error::ForeignKeyCheck {
                    revision: rev.revision.clone(),
                    message: rev.message.clone(),
                    detail,
                    at: at_heads(&applied),
                });
            }
        }
        let mut next = applied.clone();
        match dir {
            Direction::Up => {
                next.insert(rev.revision.clone());
            }
            Direction::Down => {
                next.remove(&rev.revision);
            }
        }
        let heads = self.graph.heads_of(&next);
        Self::write_current(conn, &heads).await?;
        if transactional {
            conn.commit().await?;
        }
        Ok(true)
    }

    /// Runs `ops`, whose plans are `plans`: one operation as its
    /// statements, or operations that rebuild one table, in one copy. An
    /// error comes with the position of the operation at fault, when it is
    /// known.
    async fn run_ops(
        &self,
        conn: &mut Connection,
        ops: &[crate::ops::Op],
        plans: Vec<Result<Option<batch::Batch>>>,
    ) -> std::result::Result<(), (Option<usize>, Error)> {
        let dialect = self.engine.dialect();
        let mut changes = Vec::new();
        let mut table = None;
        let mut steps = Vec::new();
        for (k, (op, plan)) in ops.iter().zip(plans).enumerate() {
            match plan.map_err(|e| (Some(k), e))? {
                Some(b) => {
                    changes.push(b.change);
                    table = Some(b.table);
                    steps = b.then;
                }
                None => steps = op.steps(dialect).map_err(|e| (Some(k), e))?,
            }
        }
        if let Some(table) = table {
            let caps = dialect.capabilities();
            match &caps.table_rebuild {
                Some(how) if caps.transactional_ddl => {
                    batch::rebuild(conn, how, &table, &changes).await?
                }
                _ => {
                    return Err((
                        None,
                        Error::Invalid(format!(
                            "rebuilding table {table} needs DDL that rolls back, which the {} dialect lacks",
                            dialect.name()
                        )),
                    ))
                }
            }
        }
        let last = ops.len().checked_sub(1);
        for step in steps {
            let r = match step {
                Step::Statement(s) => conn.execute(s).await,
                Step::Sql(sql) => conn.execute(aludel_core::text(&sql)).await,
            };
            r.map_err(|e| (last, Error::from(e)))?;
        }
        Ok(())
    }
}

/// The SQL of an upgrade (`dir` up) or downgrade from `from` to `target`,
/// without connecting: each revision's statements and the version-table
/// updates, as `--sql` prints them.
pub fn offline_sql(
    graph: &Graph,
    dialect: &dyn Dialect,
    from: &[String],
    target: &str,
    up: bool,
) -> Result<String> {
    let plan = if up {
        graph.upgrade_plan(from, target)?
    } else {
        graph.downgrade_plan(from, target)?
    };
    let t = version_table()?;
    let mut out = String::new();
    let lit =
        |s: Statement| -> Result<String> { Ok(format!("{};\n", compile_literal(&s, dialect)?)) };
    if from.is_empty() && up {
        out.push_str(&lit(aludel_core::ddl::Ddl::CreateTable {
            table: t.clone(),
            if_not_exists: true,
        }
        .into())?);
        out.push('\n');
    }
    let transactional = dialect.capabilities().transactional_ddl;
    let mut applied = graph.ancestors(from);
    for rev in plan {
        out.push_str(&format!(
            "-- {} {}: {}\n",
            if up {
                "Running upgrade"
            } else {
                "Running downgrade"
            },
            rev.revision,
            rev.message
        ));
        if transactional {
            out.push_str(&format!("{};\n", dialect.begin_sql(None)?));
        }
        let ops = if up { &rev.upgrade } else { &rev.downgrade };
        for op in ops {
            for s in op.sql(dialect)? {
                out.push_str(&s);
                out.push('\n');
            }
        }
        if up {
            applied.insert(rev.revision.clone());
        } else {
            applied.remove(&rev.revision);
        }
        out.push_str(&lit(delete(&t).into())?);
        for h in graph.heads_of(&applied) {
            out.push_str(&lit(insert(&t).value("version_num", h.as_str()).into())?);
        }
        if transactional {
            out.push_str("COMMIT;\n");
        }
        out.push('\n');
    }
    Ok(out)
}
