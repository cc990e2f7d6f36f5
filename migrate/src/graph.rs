//! The revision graph: revisions linked to their parents, heads and
//! bases, and the targets a command can name.

use crate::error::{Error, Result};
use crate::revision::Revision;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Every revision of a project, checked to form a graph without cycles or
/// missing parents.
#[derive(Debug, Clone)]
pub struct Graph {
    revs: Vec<Revision>,
    by_id: HashMap<String, usize>,
    children: Vec<Vec<usize>>,
    /// Indices in an order where parents come before their children.
    order: Vec<usize>,
}

impl Graph {
    /// Reads every `*.toml` file of `dir` (an empty or missing directory is
    /// an empty graph).
    pub fn load(dir: &Path) -> Result<Graph> {
        let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(Error::Io {
                    path: dir.to_path_buf(),
                    source,
                })
            }
        };
        files.sort();
        let revs = files
            .iter()
            .map(|f| Revision::read(f))
            .collect::<Result<Vec<_>>>()?;
        Graph::new(revs)
    }

    /// Builds the graph; duplicate ids, missing parents and cycles are errors.
    pub fn new(revs: Vec<Revision>) -> Result<Graph> {
        let mut by_id = HashMap::new();
        for (i, r) in revs.iter().enumerate() {
            if let Some(j) = by_id.insert(r.revision.clone(), i) {
                return Err(Error::Graph(format!(
                    "revision {} is defined twice ({} and {})",
                    r.revision,
                    where_(&revs[j]),
                    where_(r)
                )));
            }
        }
        let mut children = vec![Vec::new(); revs.len()];
        for (i, r) in revs.iter().enumerate() {
            for d in &r.down_revision {
                let Some(&p) = by_id.get(d) else {
                    return Err(Error::Graph(format!(
                        "revision {} ({}) follows {d}, which does not exist",
                        r.revision,
                        where_(r)
                    )));
                };
                children[p].push(i);
            }
        }
        // Kahn's algorithm, taking revisions in creation order.
        let mut waiting: Vec<usize> = revs.iter().map(|r| r.down_revision.len()).collect();
        let key = |i: usize| (revs[i].created.clone(), revs[i].revision.clone(), i);
        let mut ready: BTreeSet<(String, String, usize)> = (0..revs.len())
            .filter(|&i| waiting[i] == 0)
            .map(key)
            .collect();
        let mut order = Vec::with_capacity(revs.len());
        while let Some(k) = ready.pop_first() {
            let i = k.2;
            order.push(i);
            for &c in &children[i] {
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    ready.insert(key(c));
                }
            }
        }
        if order.len() < revs.len() {
            let stuck: Vec<&str> = (0..revs.len())
                .filter(|i| waiting[*i] > 0)
                .map(|i| revs[i].revision.as_str())
                .collect();
            return Err(Error::Graph(format!(
                "the revisions {} form a cycle",
                stuck.join(", ")
            )));
        }
        Ok(Graph {
            revs,
            by_id,
            children,
            order,
        })
    }

    /// Whether there are no revisions.
    pub fn is_empty(&self) -> bool {
        self.revs.is_empty()
    }

    /// The revision with this exact id.
    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.by_id.get(id).map(|&i| &self.revs[i])
    }

    /// Every revision, parents before children.
    pub fn ordered(&self) -> impl Iterator<Item = &Revision> {
        self.order.iter().map(|&i| &self.revs[i])
    }

    /// The revisions nothing follows.
    pub fn heads(&self) -> Vec<&Revision> {
        self.order
            .iter()
            .filter(|&&i| self.children[i].is_empty())
            .map(|&i| &self.revs[i])
            .collect()
    }

    /// The revisions that follow several others, and those that several
    /// follow (branch points).
    pub fn branch_points(&self) -> Vec<&Revision> {
        self.order
            .iter()
            .filter(|&&i| self.children[i].len() > 1)
            .map(|&i| &self.revs[i])
            .collect()
    }

    /// `ids` and everything they follow.
    pub fn ancestors(&self, ids: &[String]) -> HashSet<String> {
        let mut out = HashSet::new();
        let mut stack: Vec<&str> = ids.iter().map(String::as_str).collect();
        while let Some(id) = stack.pop() {
            if !out.insert(id.to_string()) {
                continue;
            }
            if let Some(r) = self.get(id) {
                stack.extend(r.down_revision.iter().map(String::as_str));
            }
        }
        out
    }

    /// The heads of a set of applied revisions: those no other member follows.
    pub fn heads_of(&self, applied: &HashSet<String>) -> Vec<String> {
        self.order
            .iter()
            .map(|&i| &self.revs[i])
            .filter(|r| applied.contains(&r.revision))
            .filter(|r| {
                !self.children[self.by_id[&r.revision]]
                    .iter()
                    .any(|&c| applied.contains(&self.revs[c].revision))
            })
            .map(|r| r.revision.clone())
            .collect()
    }

    /// The revision a full id or a unique prefix names.
    pub fn lookup(&self, id: &str) -> Result<&Revision> {
        if let Some(r) = self.get(id) {
            return Ok(r);
        }
        let matches: Vec<&Revision> = self
            .revs
            .iter()
            .filter(|r| r.revision.starts_with(id))
            .collect();
        match matches.len() {
            1 => Ok(matches[0]),
            0 => Err(Error::Target {
                target: id.into(),
                message: "no revision has this id or prefix".into(),
            }),
            _ => Err(Error::Target {
                target: id.into(),
                message: format!(
                    "ambiguous prefix: {}",
                    matches
                        .iter()
                        .map(|r| r.revision.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// The revisions `upgrade target` applies to a database at `current`,
    /// in order: `head` (the only head), `heads`, a revision id or
    /// prefix, or `+N` (the next N).
    pub fn upgrade_plan(&self, current: &[String], target: &str) -> Result<Vec<&Revision>> {
        let applied = self.ancestors(current);
        let pending = |goal: &HashSet<String>| -> Vec<&Revision> {
            self.order
                .iter()
                .map(|&i| &self.revs[i])
                .filter(|r| goal.contains(&r.revision) && !applied.contains(&r.revision))
                .collect()
        };
        if let Some(n) = target.strip_prefix('+') {
            let n: usize = n.parse().map_err(|_| Error::Target {
                target: target.into(),
                message: "expected +N with N a number".into(),
            })?;
            let all: HashSet<String> = self.revs.iter().map(|r| r.revision.clone()).collect();
            let plan = pending(&all);
            if plan.len() < n {
                return Err(Error::Target {
                    target: target.into(),
                    message: format!("only {} revision(s) are left to apply", plan.len()),
                });
            }
            return Ok(plan.into_iter().take(n).collect());
        }
        let goal_ids: Vec<String> = match target {
            "heads" => self.heads().iter().map(|r| r.revision.clone()).collect(),
            "head" => {
                let heads = self.heads();
                if heads.len() > 1 {
                    return Err(Error::Target {
                        target: target.into(),
                        message: format!(
                            "there are {} heads ({}); name one, use `heads`, or merge them",
                            heads.len(),
                            heads
                                .iter()
                                .map(|r| r.revision.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                heads.iter().map(|r| r.revision.clone()).collect()
            }
            "base" => Vec::new(),
            id => vec![self.lookup(id)?.revision.clone()],
        };
        Ok(pending(&self.ancestors(&goal_ids)))
    }

    /// The revisions `downgrade target` reverts on a database at
    /// `current`, in order: `base` (all), a revision id or prefix (revert
    /// down to it, keeping it), or `-N` (the last N).
    pub fn downgrade_plan(&self, current: &[String], target: &str) -> Result<Vec<&Revision>> {
        let applied = self.ancestors(current);
        let mut applied_order: Vec<&Revision> = self
            .order
            .iter()
            .map(|&i| &self.revs[i])
            .filter(|r| applied.contains(&r.revision))
            .collect();
        applied_order.reverse();
        if let Some(n) = target.strip_prefix('-') {
            let n: usize = n.parse().map_err(|_| Error::Target {
                target: target.into(),
                message: "expected -N with N a number".into(),
            })?;
            if applied_order.len() < n {
                return Err(Error::Target {
                    target: target.into(),
                    message: format!(
                        "cannot go down {n}: only {} revision(s) are applied (a downgrade past base)",
                        applied_order.len()
                    ),
                });
            }
            return Ok(applied_order.into_iter().take(n).collect());
        }
        let keep: HashSet<String> = match target {
            "base" => HashSet::new(),
            id => {
                let r = self.lookup(id)?;
                if !applied.contains(&r.revision) {
                    return Err(Error::Target {
                        target: target.into(),
                        message: "this revision is not applied; downgrade goes only backwards"
                            .into(),
                    });
                }
                self.ancestors(std::slice::from_ref(&r.revision))
            }
        };
        Ok(applied_order
            .into_iter()
            .filter(|r| !keep.contains(&r.revision))
            .collect())
    }
}

fn where_(r: &Revision) -> String {
    r.path
        .as_ref()
        .map_or_else(|| "(not from a file)".into(), |p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, down: &[&str], created: &str) -> Revision {
        Revision {
            revision: id.into(),
            down_revision: down.iter().map(|s| s.to_string()).collect(),
            message: id.into(),
            created: created.into(),
            upgrade: Vec::new(),
            downgrade: Vec::new(),
            path: None,
        }
    }

    fn ids(v: &[&Revision]) -> Vec<String> {
        v.iter().map(|r| r.revision.clone()).collect()
    }

    #[test]
    fn linear_chain_targets() {
        let g = Graph::new(vec![
            rev("c3", &["b2"], "3"),
            rev("a1", &[], "1"),
            rev("b2", &["a1"], "2"),
        ])
        .unwrap();
        assert_eq!(ids(&g.heads()), ["c3"]);
        assert_eq!(
            ids(&g.upgrade_plan(&[], "head").unwrap()),
            ["a1", "b2", "c3"]
        );
        assert_eq!(ids(&g.upgrade_plan(&["a1".into()], "+1").unwrap()), ["b2"]);
        assert_eq!(ids(&g.upgrade_plan(&[], "b").unwrap()), ["a1", "b2"]);
        assert_eq!(
            ids(&g.downgrade_plan(&["c3".into()], "-1").unwrap()),
            ["c3"]
        );
        assert_eq!(
            ids(&g.downgrade_plan(&["c3".into()], "a1").unwrap()),
            ["c3", "b2"]
        );
        assert_eq!(
            ids(&g.downgrade_plan(&["c3".into()], "base").unwrap()),
            ["c3", "b2", "a1"]
        );
        let e = g.downgrade_plan(&["a1".into()], "-2").unwrap_err();
        assert!(e.to_string().contains("past base"), "{e}");
        let e = g.upgrade_plan(&[], "zz").unwrap_err();
        assert!(e.to_string().contains("no revision"), "{e}");
    }

    #[test]
    fn branches_and_merges() {
        let g = Graph::new(vec![
            rev("aaa1", &[], "1"),
            rev("bbb2", &["aaa1"], "2"),
            rev("bcc3", &["aaa1"], "3"),
        ])
        .unwrap();
        assert_eq!(ids(&g.heads()), ["bbb2", "bcc3"]);
        let e = g.upgrade_plan(&[], "head").unwrap_err();
        assert!(e.to_string().contains("2 heads"), "{e}");
        assert_eq!(
            ids(&g.upgrade_plan(&[], "heads").unwrap()),
            ["aaa1", "bbb2", "bcc3"]
        );
        let e = g.lookup("b").unwrap_err();
        assert!(e.to_string().contains("ambiguous"), "{e}");
        let applied = g.ancestors(&["bbb2".into(), "bcc3".into()]);
        assert_eq!(g.heads_of(&applied), ["bbb2", "bcc3"]);

        let g = Graph::new(vec![
            rev("aaa1", &[], "1"),
            rev("bbb2", &["aaa1"], "2"),
            rev("bcc3", &["aaa1"], "3"),
            rev("ddd4", &["bbb2", "bcc3"], "4"),
        ])
        .unwrap();
        assert_eq!(ids(&g.heads()), ["ddd4"]);
        assert_eq!(
            ids(&g.upgrade_plan(&["bbb2".into()], "head").unwrap()),
            ["bcc3", "ddd4"]
        );
    }

    #[test]
    fn broken_graphs_are_reported() {
        let e = Graph::new(vec![rev("a", &["zz"], "1")]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = Graph::new(vec![rev("a", &["b"], "1"), rev("b", &["a"], "2")]).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
        let e = Graph::new(vec![rev("a", &[], "1"), rev("a", &[], "2")]).unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
