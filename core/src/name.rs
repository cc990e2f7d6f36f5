//! [`Name`]: a cheaply cloned identifier (table, column, alias, label).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// An SQL identifier as written by the user, before quoting.
///
/// Names declared in code are `&'static str` and cost nothing to clone;
/// names built at run time share one allocation.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    /// A name from a string literal.
    pub const fn new_static(s: &'static str) -> Self {
        Name(Repr::Static(s))
    }

    /// The text of a name declared in code, which lives as long as the
    /// program and never changes; `None` for a name made at run time.
    #[inline]
    pub(crate) fn static_str(&self) -> Option<&'static str> {
        match &self.0 {
            Repr::Static(s) => Some(s),
            Repr::Shared(_) => None,
        }
    }

    /// Whether two names are one text (clones of one name, or one
    /// literal): `==` without comparing bytes; `false` says nothing.
    #[inline(always)]
    pub(crate) fn same_text(&self, other: &Name) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        a.as_ptr() == b.as_ptr() && a.len() == b.len()
    }

    /// The name as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        // Clones of one name share their text: compare addresses first.
        (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
    }
}
impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Name {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&'static str> for Name {
    fn from(s: &'static str) -> Self {
        Name(Repr::Static(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name(Repr::Shared(s.into()))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Self {
        Name(Repr::Shared(s.as_str().into()))
    }
}

impl From<Arc<str>> for Name {
    fn from(s: Arc<str>) -> Self {
        Name(Repr::Shared(s))
    }
}

impl From<&Name> for Name {
    fn from(s: &Name) -> Self {
        s.clone()
    }
}
