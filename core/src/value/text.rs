//! [`Text`]: the string a [`Value::String`](super::Value::String) holds.

use compact_str::CompactString;
use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

/// Text held by a [`Value`](super::Value): a string that keeps up to 24
/// bytes inline, without an allocation, and points at `'static` text
/// without copying it.
///
/// Most text bound to a statement is short (a name, a status, a key), so
/// building a statement's values and dropping them costs no allocation for
/// it. Longer text lives on the heap as a `String` would; converting a
/// long `String` into a `Text`, and back with [`Text::into_string`], keeps
/// its allocation.
///
/// `Text` dereferences to `str`, compares with `str` and `String`, and
/// converts from and into `String`:
///
/// ```
/// use aludel_core::{Text, Value};
///
/// let v = Value::from("Sandy");
/// let Value::String(t) = &v else { unreachable!() };
/// assert_eq!(t, "Sandy");
/// assert_eq!(t.len(), 5);
///
/// let s: String = Text::from_static("a longer text that lives on the heap").into();
/// assert!(s.ends_with("heap"));
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(CompactString);

impl Text {
    /// Whether the text holds no heap memory (inline or static).
    #[inline(always)]
    pub(crate) fn is_inline(&self) -> bool {
        !self.0.is_heap_allocated()
    }

    /// Text from a string literal, neither copied nor allocated.
    #[inline]
    pub const fn from_static(s: &'static str) -> Self {
        Text(CompactString::const_new(s))
    }

    /// A copy of `s` (inline when it is at most 24 bytes long).
    #[inline]
    pub fn new(s: &str) -> Self {
        Text(CompactString::new(s))
    }

    /// The text as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The text as a `String`: without a copy when it is on the heap.
    #[inline]
    pub fn into_string(self) -> String {
        self.0.into_string()
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    #[inline]
    fn as_ref(&self) -> &str {
        self
    }
}

impl AsRef<[u8]> for Text {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for Text {
    #[inline]
    fn borrow(&self) -> &str {
        self
    }
}

/// As a `str`'s: `"text"`, quoted and escaped.
impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl From<&str> for Text {
    #[inline]
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl From<&String> for Text {
    #[inline]
    fn from(s: &String) -> Self {
        Text::new(s)
    }
}

/// Inline when short (the `String`'s buffer is then freed), otherwise the
/// same buffer.
impl From<String> for Text {
    #[inline]
    fn from(s: String) -> Self {
        Text(CompactString::from(s))
    }
}

impl From<Box<str>> for Text {
    #[inline]
    fn from(s: Box<str>) -> Self {
        Text::from(s.into_string())
    }
}

impl From<Cow<'_, str>> for Text {
    #[inline]
    fn from(s: Cow<'_, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Text::new(s),
            Cow::Owned(s) => Text::from(s),
        }
    }
}

impl From<char> for Text {
    #[inline]
    fn from(c: char) -> Self {
        Text::new(c.encode_utf8(&mut [0; 4]))
    }
}

impl From<Text> for String {
    #[inline]
    fn from(t: Text) -> Self {
        t.into_string()
    }
}

impl PartialEq<str> for Text {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_text_read_back_as_written() {
        let long = "x".repeat(100);
        for s in ["", "a", "héllo wörld", "exactly twenty-four byte", &long] {
            let from_str = Text::from(s);
            let from_string = Text::from(s.to_string());
            assert_eq!(from_str, s);
            assert_eq!(from_string, from_str);
            assert_eq!(from_string.len(), s.len());
            assert_eq!(from_string.into_string(), s);
            assert_eq!(format!("{from_str}"), s);
            assert_eq!(format!("{from_str:?}"), format!("{s:?}"));
        }
    }

    #[test]
    fn a_long_string_keeps_its_buffer_both_ways() {
        let s = "a text longer than twenty-four bytes".to_string();
        let ptr = s.as_ptr();
        let t = Text::from(s);
        assert_eq!(t.as_ptr(), ptr);
        let back = t.into_string();
        assert_eq!(back.as_ptr(), ptr);
    }

    #[test]
    fn static_text_is_not_copied() {
        static LONG: &str = "a static text longer than twenty-four bytes";
        let t = Text::from_static(LONG);
        assert_eq!(t.as_ptr(), LONG.as_ptr());
        assert_eq!(t.clone(), LONG);
    }
}
