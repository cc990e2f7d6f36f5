//! Revision files: one TOML file per revision in `migrations/versions/`,
//! readable and editable by hand.
//!
//! ```toml
//! revision = "3f2a9c1b7d4e"
//! down_revision = ["a1b2c3d4e5f6"]   # [] for the first; two ids for a merge
//! message = "add users"
//! created = "2026-11-25T12:40:00Z"
//!
//! [[upgrade]]
//! op = "create_table"
//! table = "users"
//! columns = [
//!     { name = "id", type = "Integer", primary_key = true },
//!     { name = "email", type = "String(255)", nullable = false },
//! ]
//!
//! [[downgrade]]
//! op = "drop_table"
//! table = "users"
//! ```

use crate::error::{Error, Result};
use crate::ops::Op;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One revision: its id, its parents, and the operations that apply and
/// revert it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// The revision id (hexadecimal).
    pub revision: String,
    /// The revisions it follows: none for a first revision, two or more
    /// for a merge.
    #[serde(default)]
    pub down_revision: Vec<String>,
    /// What it does, in a few words.
    pub message: String,
    /// When it was written (RFC 3339).
    #[serde(default)]
    pub created: String,
    /// Run by `upgrade`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upgrade: Vec<Op>,
    /// Run by `downgrade`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub downgrade: Vec<Op>,
    /// The file it was read from.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Revision {
    /// Parses a revision file's text; errors name `file`, the line and the
    /// field.
    pub fn parse(text: &str, file: &Path) -> Result<Revision> {
        let mut r: Revision = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            let message = e.message().to_string();
            let field = message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field"))
                .map_or_else(|| "file".to_string(), str::to_string);
            Error::Malformed {
                file: file.to_path_buf(),
                line,
                field,
                message,
            }
        })?;
        let bad = |field: &str, message: String| {
            let needle = format!("{field} ");
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start().starts_with(&needle)
                        || l.trim_start().starts_with(&format!("{field}="))
                })
                .map_or(0, |i| i + 1);
            Error::Malformed {
                file: file.to_path_buf(),
                line,
                field: field.to_string(),
                message,
            }
        };
        if r.revision.is_empty()
            || !r
                .revision
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad(
                "revision",
                format!(
                    "{:?} is not a revision id (letters, digits and _)",
                    r.revision
                ),
            ));
        }
        if r.down_revision.contains(&r.revision) {
            return Err(bad(
                "down_revision",
                "a revision cannot follow itself".into(),
            ));
        }
        for (list, ops) in [("upgrade", &r.upgrade), ("downgrade", &r.downgrade)] {
            for (i, op) in ops.iter().enumerate() {
                op.validate()
                    .map_err(|m| bad(list, format!("operation {}: {m}", i + 1)))?;
            }
        }
        r.path = Some(file.to_path_buf());
        Ok(r)
    }

    /// Reads a revision file.
    pub fn read(path: &Path) -> Result<Revision> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Revision::parse(&text, path)
    }

    /// The file's text.
    pub fn to_toml(&self) -> Result<String> {
        let body = toml::to_string(self)
            .map_err(|e| Error::Invalid(format!("cannot write revision: {e}")))?;
        let mut out = format!(
            "# Aludel revision {}: {}\n# Edit freely; `aludel upgrade --sql` shows the SQL it runs.\n\n{body}",
            self.revision, self.message
        );
        if self.upgrade.is_empty() && self.downgrade.is_empty() {
            out.push_str(
                "\n# Operations go below, for example:\n#\n# [[upgrade]]\n# op = \"add_column\"\n\
                 # table = \"users\"\n# column = { name = \"age\", type = \"Integer\" }\n#\n\
                 # [[downgrade]]\n# op = \"drop_column\"\n# table = \"users\"\n# column = \"age\"\n",
            );
        }
        Ok(out)
    }

    /// The file name: `<id>_<message as a slug>.toml`.
    pub fn file_name(&self) -> String {
        let slug: String = self
            .message
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let slug: Vec<&str> = slug.split('_').filter(|s| !s.is_empty()).collect();
        let slug = slug.join("_");
        let slug: String = slug.chars().take(40).collect();
        if slug.is_empty() {
            format!("{}.toml", self.revision)
        } else {
            format!("{}_{slug}.toml", self.revision)
        }
    }
}

/// A fresh revision id: 12 hexadecimal digits from the clock and a counter.
pub fn new_revision_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = nanos
        ^ (N.fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15))
        ^ u64::from(std::process::id());
    // A round of mixing so that ids made close together differ everywhere.
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    format!("{:012x}", x & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
revision = "a1b2c3d4e5f6"
down_revision = []
message = "create users"
created = "2026-11-25T12:00:00Z"

[[upgrade]]
op = "create_table"
table = "users"
columns = [
    { name = "id", type = "Integer", primary_key = true },
    { name = "name", type = "String(50)" },
]

[[downgrade]]
op = "drop_table"
table = "users"
"#;

    #[test]
    fn a_revision_reads_and_writes_back() {
        let r = Revision::parse(GOOD, Path::new("v/a.toml")).unwrap();
        assert_eq!(r.revision, "a1b2c3d4e5f6");
        assert_eq!(r.upgrade.len(), 1);
        let again = Revision::parse(&r.to_toml().unwrap(), Path::new("v/a.toml")).unwrap();
        assert_eq!(again, r);
        assert_eq!(r.file_name(), "a1b2c3d4e5f6_create_users.toml");
    }

    #[test]
    fn malformed_files_name_the_file_line_and_field() {
        let text = GOOD.replace("type = \"String(50)\"", "type = \"Strin(50)\"");
        let e = Revision::parse(&text, Path::new("v/bad.toml")).unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with("v/bad.toml:"), "{m}");
        assert!(m.contains("unknown type"), "{m}");

        let text = GOOD.replace("message = \"create users\"", "mesage = \"create users\"");
        let e = Revision::parse(&text, Path::new("v/bad.toml")).unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with("v/bad.toml:4: mesage:"), "{m}");
        assert!(m.contains("mesage"), "{m}");

        let text = GOOD.replace("op = \"drop_table\"", "op = \"drop_tabel\"");
        let e = Revision::parse(&text, Path::new("v/bad.toml")).unwrap_err();
        assert!(e.to_string().contains("drop_tabel"), "{e}");
    }

    #[test]
    fn ids_differ() {
        let a = new_revision_id();
        let b = new_revision_id();
        assert_eq!(a.len(), 12);
        assert_ne!(a, b);
    }
}
