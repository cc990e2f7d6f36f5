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

/// A range of revisions as `history -r` takes it: `START:END`, in
/// Alembic's syntax, parsed but not yet resolved against a [`Graph`] (see
/// [`Graph::range`]).
///
/// Each end is a revision id or unique prefix, `base`, `head` (the only
/// head), `heads`, or `current` (the revisions the database is at); either
/// may carry a relative step, `ID+N` or `ID-N`, as `upgrade +N` and
/// `downgrade -N` would move from it. The start may also be a bare `-N`
/// (N revisions below the end) and the end a bare `+N` (N revisions above
/// the start). An empty start is `base`, an empty end `heads`; both ends
/// are included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevRange {
    /// The older end, as written (empty for `base`).
    pub start: String,
    /// The newer end, as written (empty for `heads`).
    pub end: String,
}

impl RevRange {
    /// Parses `START:END`; a range without exactly one colon is an error.
    pub fn parse(spec: &str) -> Result<RevRange> {
        let spec = spec.trim();
        match spec.split_once(':') {
            Some((start, end)) if !end.contains(':') => Ok(RevRange {
                start: start.trim().to_string(),
                end: end.trim().to_string(),
            }),
            _ => Err(Error::Target {
                target: spec.into(),
                message: "a range is START:END, START: or :END (for example base:head, \
                          -3:current, ae10:+2)"
                    .into(),
            }),
        }
    }

    /// Whether either end names `current`, which only the database knows.
    pub fn uses_current(&self) -> bool {
        [&self.start, &self.end].into_iter().any(|s| {
            s.strip_prefix("current")
                .is_some_and(|rest| rest.is_empty() || split_step(s).is_some())
        })
    }
}

impl std::str::FromStr for RevRange {
    type Err = Error;
    fn from_str(s: &str) -> Result<RevRange> {
        RevRange::parse(s)
    }
}

impl std::fmt::Display for RevRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.start, self.end)
    }
}

/// `X+N` or `X-N` split into `X` and the signed step (`X` may be empty).
fn split_step(s: &str) -> Option<(&str, i64)> {
    let at = s.rfind(['+', '-'])?;
    let digits = &s[at + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some((&s[..at], if s.as_bytes()[at] == b'-' { -n } else { n }))
}

impl Graph {
    /// The revisions a database at `ids` is at after `upgrade +n` (`n`
    /// positive) or `downgrade -n` (negative), stopping at the heads or at
    /// base rather than failing.
    fn step(&self, ids: &[String], n: i64) -> Vec<String> {
        let mut applied = self.ancestors(ids);
        let steps = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
        let mut moved: Vec<String> = self
            .order
            .iter()
            .map(|&i| self.revs[i].revision.clone())
            .filter(|id| applied.contains(id) != (n > 0))
            .collect();
        if n < 0 {
            moved.reverse();
        }
        for id in moved.into_iter().take(steps) {
            if n > 0 {
                applied.insert(id);
            } else {
                applied.remove(&id);
            }
        }
        self.heads_of(&applied)
    }

    /// One end of a range: the revisions it names (empty for base).
    fn range_end(&self, s: &str, current: &[String], target: &str) -> Result<Vec<String>> {
        let err = |message: String| Error::Target {
            target: target.into(),
            message,
        };
        if self.get(s).is_some() {
            return Ok(vec![s.to_string()]);
        }
        let (anchor, step) = match split_step(s) {
            Some((a, n)) if !a.is_empty() => (a, n),
            _ => (s, 0),
        };
        let ids = match anchor {
            "base" => Vec::new(),
            "heads" => self.heads().iter().map(|r| r.revision.clone()).collect(),
            "head" => match self.heads().as_slice() {
                [] => Vec::new(),
                [one] => vec![one.revision.clone()],
                several => {
                    return Err(err(format!(
                        "there are {} heads ({}); name one or use `heads`",
                        several.len(),
                        several
                            .iter()
                            .map(|r| r.revision.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
            },
            "current" => {
                if let Some(unknown) = current.iter().find(|c| self.get(c).is_none()) {
                    return Err(err(format!(
                        "the database is at {unknown}, which no revision file defines"
                    )));
                }
                current.to_vec()
            }
            id => vec![self
                .lookup(id)
                .map_err(|e| match e {
                    Error::Target { message, .. } => err(format!("{id:?}: {message}")),
                    other => other,
                })?
                .revision
                .clone()],
        };
        Ok(if step == 0 {
            ids
        } else {
            self.step(&ids, step)
        })
    }

    /// The revisions of a `history -r` range, parents before children:
    /// everything an upgrade from the start to the end would apply, and
    /// the start itself. `current` is what the database is at (used only
    /// when the range names `current`).
    ///
    /// A relative step past base or the heads stops there, as Alembic's
    /// history does. An unknown revision is an error, and so is a start
    /// that is not an ancestor of the end (a range runs from older to
    /// newer); a range from base to base, or to `current` on a database at
    /// base, is empty.
    pub fn range(&self, range: &RevRange, current: &[String]) -> Result<Vec<&Revision>> {
        let target = range.to_string();
        let err = |message: &str| Error::Target {
            target: target.clone(),
            message: message.into(),
        };
        let bare = |s: &str| split_step(s).filter(|(a, _)| a.is_empty()).map(|(_, n)| n);
        let (start_rel, end_rel) = (bare(&range.start), bare(&range.end));
        if start_rel.is_some_and(|n| n > 0) {
            return Err(err(
                "a relative start counts down from the end: write -N, or ID+N",
            ));
        }
        if end_rel.is_some_and(|n| n < 0) {
            return Err(err(
                "a relative end counts up from the start: write +N, or ID-N",
            ));
        }
        let resolve = |s: &str, default: &str| {
            self.range_end(if s.is_empty() { default } else { s }, current, &target)
        };
        let (lower, upper) =
            match (start_rel, end_rel) {
                (Some(_), Some(_)) => return Err(err(
                    "both ends are relative; name a revision, base, heads or current on one side",
                )),
                (Some(n), None) => {
                    let upper = resolve(&range.end, "heads")?;
                    (self.step(&upper, n), upper)
                }
                (None, Some(n)) => {
                    let lower = resolve(&range.start, "base")?;
                    (lower.clone(), self.step(&lower, n))
                }
                (None, None) => (
                    resolve(&range.start, "base")?,
                    resolve(&range.end, "heads")?,
                ),
            };
        let within = self.ancestors(&upper);
        if let Some(l) = lower.iter().find(|l| !within.contains(*l)) {
            let end = if upper.is_empty() {
                "base".to_string()
            } else {
                upper.join(", ")
            };
            return Err(err(&format!(
                "{l} is not an ancestor of {end}: a range runs from older to newer revisions"
            )));
        }
        let below: HashSet<String> = self
            .ancestors(&lower)
            .into_iter()
            .filter(|id| !lower.contains(id))
            .collect();
        Ok(self
            .ordered()
            .filter(|r| within.contains(&r.revision) && !below.contains(&r.revision))
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

    fn range(g: &Graph, spec: &str, current: &[&str]) -> Result<Vec<String>> {
        let current: Vec<String> = current.iter().map(|s| s.to_string()).collect();
        g.range(&RevRange::parse(spec)?, &current).map(|v| ids(&v))
    }

    #[test]
    fn ranges_on_a_chain() {
        let g = Graph::new(vec![
            rev("a1", &[], "1"),
            rev("b2", &["a1"], "2"),
            rev("c3", &["b2"], "3"),
            rev("d4", &["c3"], "4"),
        ])
        .unwrap();
        let all = ["a1", "b2", "c3", "d4"];
        assert_eq!(range(&g, ":", &[]).unwrap(), all);
        assert_eq!(range(&g, "base:heads", &[]).unwrap(), all);
        assert_eq!(range(&g, "base:head", &[]).unwrap(), all);
        assert_eq!(range(&g, "b2:c3", &[]).unwrap(), ["b2", "c3"]);
        assert_eq!(range(&g, "b:c", &[]).unwrap(), ["b2", "c3"], "prefixes");
        assert_eq!(range(&g, "c3:", &[]).unwrap(), ["c3", "d4"]);
        assert_eq!(range(&g, ":b2", &[]).unwrap(), ["a1", "b2"]);
        assert_eq!(range(&g, "c3:c3", &[]).unwrap(), ["c3"]);
        // Relative ends, as upgrade +N and downgrade -N move.
        assert_eq!(range(&g, "a1:+2", &[]).unwrap(), ["a1", "b2", "c3"]);
        assert_eq!(range(&g, "-1:", &[]).unwrap(), ["c3", "d4"]);
        assert_eq!(range(&g, "-2:c3", &[]).unwrap(), ["a1", "b2", "c3"]);
        assert_eq!(range(&g, "b2-1:b2+1", &[]).unwrap(), ["a1", "b2", "c3"]);
        assert_eq!(range(&g, "head-1:", &[]).unwrap(), ["c3", "d4"]);
        // Past base or the heads, a step stops there.
        assert_eq!(range(&g, "-9:b2", &[]).unwrap(), ["a1", "b2"]);
        assert_eq!(range(&g, "c3:+9", &[]).unwrap(), ["c3", "d4"]);
        // current, from the database.
        let r = RevRange::parse("current:").unwrap();
        assert!(r.uses_current());
        assert!(RevRange::parse("-1:current").unwrap().uses_current());
        assert!(RevRange::parse("current-1:").unwrap().uses_current());
        assert!(!RevRange::parse("b2:head").unwrap().uses_current());
        assert_eq!(range(&g, "current:", &["b2"]).unwrap(), ["b2", "c3", "d4"]);
        assert_eq!(range(&g, ":current", &["b2"]).unwrap(), ["a1", "b2"]);
        assert_eq!(range(&g, "-1:current", &["c3"]).unwrap(), ["b2", "c3"]);
        assert_eq!(range(&g, "current:+1", &["a1"]).unwrap(), ["a1", "b2"]);
        // At base, current: is everything.
        assert_eq!(range(&g, "current:", &[]).unwrap(), all);
    }

    #[test]
    fn empty_ranges_and_bad_ranges() {
        let g = Graph::new(vec![
            rev("a1", &[], "1"),
            rev("b2", &["a1"], "2"),
            rev("c3", &["b2"], "3"),
        ])
        .unwrap();
        // Empty, but not wrong.
        assert_eq!(range(&g, "base:base", &[]).unwrap(), Vec::<String>::new());
        assert_eq!(range(&g, ":current", &[]).unwrap(), Vec::<String>::new());
        assert_eq!(
            range(&Graph::new(Vec::new()).unwrap(), ":", &[]).unwrap(),
            Vec::<String>::new()
        );
        // Backwards.
        let e = range(&g, "c3:a1", &[]).unwrap_err().to_string();
        assert!(e.contains("c3 is not an ancestor of a1"), "{e}");
        let e = range(&g, "b2:base", &[]).unwrap_err().to_string();
        assert!(e.contains("not an ancestor of base"), "{e}");
        // Unknown revisions, on either side.
        let e = range(&g, "zz:", &[]).unwrap_err().to_string();
        assert!(e.contains("\"zz\"") && e.contains("no revision"), "{e}");
        let e = range(&g, "a1:zz+1", &[]).unwrap_err().to_string();
        assert!(e.contains("\"zz\""), "{e}");
        let e = range(&g, "current:", &["gone"]).unwrap_err().to_string();
        assert!(e.contains("gone, which no revision file defines"), "{e}");
        // Malformed.
        for bad in ["a1", "a1:b2:c3", ""] {
            let e = RevRange::parse(bad).unwrap_err().to_string();
            assert!(e.contains("START:END"), "{bad}: {e}");
        }
        let e = range(&g, "+1:", &[]).unwrap_err().to_string();
        assert!(e.contains("relative start"), "{e}");
        let e = range(&g, ":-1", &[]).unwrap_err().to_string();
        assert!(e.contains("relative end"), "{e}");
        let e = range(&g, "-1:+1", &[]).unwrap_err().to_string();
        assert!(e.contains("both ends are relative"), "{e}");
    }

    #[test]
    fn ranges_across_branches_and_merges() {
        //        ┌─ b2 ─┐
        //  a1 ───┤      ├── m5 ── e6
        //        └─ c3 ─┘
        //           └── d4 (a second head)
        let g = Graph::new(vec![
            rev("a1", &[], "1"),
            rev("b2", &["a1"], "2"),
            rev("c3", &["a1"], "3"),
            rev("d4", &["c3"], "4"),
            rev("m5", &["b2", "c3"], "5"),
            rev("e6", &["m5"], "6"),
        ])
        .unwrap();
        assert_eq!(ids(&g.heads()), ["d4", "e6"]);
        assert_eq!(
            range(&g, ":", &[]).unwrap(),
            ["a1", "b2", "c3", "d4", "m5", "e6"]
        );
        let e = range(&g, ":head", &[]).unwrap_err().to_string();
        assert!(e.contains("2 heads"), "{e}");
        // Up to the merge: both of its branches.
        assert_eq!(range(&g, ":m5", &[]).unwrap(), ["a1", "b2", "c3", "m5"]);
        // From one branch to the merge: the other branch comes in too, as
        // an upgrade from b2 to m5 would apply it.
        assert_eq!(range(&g, "b2:m5", &[]).unwrap(), ["b2", "c3", "m5"]);
        assert_eq!(range(&g, "c3:d4", &[]).unwrap(), ["c3", "d4"]);
        // Siblings are not a range.
        let e = range(&g, "b2:c3", &[]).unwrap_err().to_string();
        assert!(e.contains("b2 is not an ancestor of c3"), "{e}");
        let e = range(&g, "d4:e6", &[]).unwrap_err().to_string();
        assert!(e.contains("d4 is not an ancestor of e6"), "{e}");
        // A database at two heads.
        assert_eq!(
            range(&g, "current:heads", &["b2", "c3"]).unwrap(),
            ["b2", "c3", "d4", "m5", "e6"]
        );
        assert_eq!(
            range(&g, ":current", &["b2", "c3"]).unwrap(),
            ["a1", "b2", "c3"]
        );
        // One step below the merge's child reverts e6, then m5.
        assert_eq!(range(&g, "-2:e6", &[]).unwrap(), ["b2", "c3", "m5", "e6"]);
        assert_eq!(range(&g, "m5:+1", &[]).unwrap(), ["d4", "m5"]);
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
