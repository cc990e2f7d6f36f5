//! Identity keys: the primary-key values that name one row of one table.

use aludel_core::{IntoValue, Value};
use std::fmt;
use std::hash::{Hash, Hasher};

/// The primary-key values of one row, as the identity map keys objects.
///
/// Integers of every width compare and hash alike, so `session.get::<User>(1)`
/// finds the user whose `i64` key is 1.
#[derive(Clone)]
pub struct Key(Repr);

#[derive(Clone)]
enum Repr {
    One(Value),
    Many(Box<[Value]>),
}

impl Key {
    /// A key of one column.
    pub fn one(v: Value) -> Key {
        Key(Repr::One(v))
    }

    /// A key of several columns, in primary-key order.
    pub fn many(values: Vec<Value>) -> Key {
        if values.len() == 1 {
            let mut values = values;
            return Key::one(values.pop().unwrap_or(Value::Null));
        }
        Key(Repr::Many(values.into_boxed_slice()))
    }

    /// The key's values, in primary-key order.
    pub fn values(&self) -> &[Value] {
        match &self.0 {
            Repr::One(v) => std::slice::from_ref(v),
            Repr::Many(v) => v,
        }
    }

    /// The key's one integer value (of any width, widened), if it is a
    /// key of one integer column: such keys are equal exactly when these
    /// are.
    #[inline]
    pub(crate) fn as_int(&self) -> Option<i64> {
        match &self.0 {
            Repr::One(v) => int_of(v),
            Repr::Many(_) => None,
        }
    }

    /// Whether a part of the key is NULL (a key the database has not
    /// generated yet).
    pub fn has_null(&self) -> bool {
        self.values().iter().any(Value::is_null)
    }
}

/// An object's identity key as its bookkeeping stores it: a key of one
/// integer (nearly every key) inline in 16 bytes, any other boxed.
#[derive(Clone, Default)]
pub(crate) enum StoredKey {
    /// No key (an object without a row yet).
    #[default]
    None,
    I16(i16),
    I32(i32),
    I64(i64),
    Other(Box<Key>),
}

impl StoredKey {
    /// Stores `key`.
    #[inline]
    pub(crate) fn new(key: Option<Key>) -> StoredKey {
        // By value: a key of one integer is taken apart, with nothing
        // left to drop.
        match key {
            None => StoredKey::None,
            Some(Key(Repr::One(Value::I16(i)))) => StoredKey::I16(i),
            Some(Key(Repr::One(Value::I32(i)))) => StoredKey::I32(i),
            Some(Key(Repr::One(Value::I64(i)))) => StoredKey::I64(i),
            Some(key) => StoredKey::Other(Box::new(key)),
        }
    }

    /// A key of one integer, widened, and stored: one look at the key's
    /// value for both. `Err` gives back any other key.
    #[inline]
    pub(crate) fn int(key: Key) -> Result<(i64, StoredKey), Key> {
        let int = match &key.0 {
            Repr::One(Value::I64(i)) => (*i, StoredKey::I64(*i)),
            Repr::One(Value::I32(i)) => (i64::from(*i), StoredKey::I32(*i)),
            Repr::One(Value::I16(i)) => (i64::from(*i), StoredKey::I16(*i)),
            _ => return Err(key),
        };
        // A key of one integer owns nothing: skipping its drop glue saves
        // a call per loaded object.
        std::mem::forget(key);
        Ok(int)
    }

    /// The key.
    pub(crate) fn get(&self) -> Option<Key> {
        Some(match self {
            StoredKey::None => return None,
            StoredKey::I16(i) => Key::one(Value::I16(*i)),
            StoredKey::I32(i) => Key::one(Value::I32(*i)),
            StoredKey::I64(i) => Key::one(Value::I64(*i)),
            StoredKey::Other(k) => (**k).clone(),
        })
    }

    /// Takes the key, leaving none.
    pub(crate) fn take(&mut self) -> Option<Key> {
        std::mem::take(self).get()
    }

    /// Stores `key`, replacing the one stored.
    pub(crate) fn set(&mut self, key: Option<Key>) {
        *self = StoredKey::new(key);
    }
}

/// The join columns' values that group a related row under its parent:
/// a plain integer for a key of one integer column (nearly every one, and
/// cheap to make, look up and drop), else a [`Key`].
pub(crate) enum GroupKey {
    Int(i64),
    Key(Key),
}

impl GroupKey {
    /// The group of one column's value.
    #[inline]
    pub(crate) fn of_value(v: Value) -> GroupKey {
        match int_of(&v) {
            Some(i) => {
                // An integer owns nothing: no drop glue to call.
                std::mem::forget(v);
                GroupKey::Int(i)
            }
            None => GroupKey::Key(Key::one(v)),
        }
    }

    /// The group of a key.
    #[inline]
    pub(crate) fn of_key(k: Key) -> GroupKey {
        match k.as_int() {
            Some(i) => GroupKey::Int(i),
            None => GroupKey::Key(k),
        }
    }
}

/// An integer value of any width, widened.
#[inline]
pub(crate) fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::I16(i) => Some(i64::from(*i)),
        Value::I32(i) => Some(i64::from(*i)),
        Value::I64(i) => Some(*i),
        _ => None,
    }
}

#[inline]
fn value_eq(a: &Value, b: &Value) -> bool {
    match (int_of(a), int_of(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Integers (the usual keys) inline; other values out of line.
#[inline]
fn hash_value<H: Hasher>(v: &Value, h: &mut H) {
    if let Some(i) = int_of(v) {
        0u8.hash(h);
        i.hash(h);
        return;
    }
    hash_other(v, h);
}

#[inline(never)]
fn hash_other<H: Hasher>(v: &Value, h: &mut H) {
    match v {
        Value::Null => 1u8.hash(h),
        Value::Bool(b) => b.hash(h),
        Value::F32(f) => f64::from(*f).to_bits().hash(h),
        Value::F64(f) => f.to_bits().hash(h),
        Value::Decimal(d) => d.normalize().hash(h),
        Value::String(s) => s.hash(h),
        Value::Bytes(b) => b.hash(h),
        Value::Date(d) => d.hash(h),
        Value::Time(t) => t.hash(h),
        Value::DateTime(t) => t.hash(h),
        Value::DateTimeTz(t) => t.hash(h),
        Value::Uuid(u) => u.hash(h),
        Value::Json(j) => j.to_string().hash(h),
        Value::Array(a) => {
            a.len().hash(h);
            for v in a {
                hash_value(v, h);
            }
        }
        _ => v.kind().hash(h),
    }
}

impl PartialEq for Key {
    #[inline]
    fn eq(&self, other: &Key) -> bool {
        if let (Repr::One(a), Repr::One(b)) = (&self.0, &other.0) {
            return value_eq(a, b);
        }
        let (a, b) = (self.values(), other.values());
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| value_eq(x, y))
    }
}

impl Eq for Key {}

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        match &self.0 {
            Repr::One(v) => hash_value(v, h),
            Repr::Many(vs) => {
                for v in vs.iter() {
                    hash_value(v, h);
                }
            }
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `(1)`, `(1, 'en')`: the values as a reader would write them.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, v) in self.values().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match v {
                Value::Null => f.write_str("NULL")?,
                Value::Bool(b) => write!(f, "{b}")?,
                Value::String(s) => write!(f, "{s:?}")?,
                other => match int_of(other) {
                    Some(i) => write!(f, "{i}")?,
                    None => write!(f, "{other:?}")?,
                },
            }
        }
        f.write_str(")")
    }
}

/// A value that names a primary key: one value for a one-column key, a
/// tuple for a composite key, or a [`Key`].
pub trait IntoKey {
    /// The key.
    fn into_key(self) -> Key;
}

impl IntoKey for Key {
    fn into_key(self) -> Key {
        self
    }
}

impl IntoKey for &Key {
    fn into_key(self) -> Key {
        self.clone()
    }
}

impl IntoKey for Value {
    fn into_key(self) -> Key {
        Key::one(self)
    }
}

impl IntoKey for Vec<Value> {
    fn into_key(self) -> Key {
        Key::many(self)
    }
}

macro_rules! scalar_keys {
    ($($t:ty),*) => {$(
        impl IntoKey for $t {
            fn into_key(self) -> Key {
                Key::one(self.into_value())
            }
        }
    )*};
}

scalar_keys!(
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    bool,
    String,
    &str,
    &String,
    Vec<u8>,
    rust_decimal::Decimal,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    uuid::Uuid
);

macro_rules! tuple_keys {
    ($($t:ident . $i:tt),+) => {
        impl<$($t: IntoValue),+> IntoKey for ($($t,)+) {
            fn into_key(self) -> Key {
                Key::many(vec![$(self.$i.into_value()),+])
            }
        }
    };
}

tuple_keys!(A.0, B.1);
tuple_keys!(A.0, B.1, C.2);
tuple_keys!(A.0, B.1, C.2, D.3);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn integers_of_every_width_are_one_key() {
        let mut set = HashSet::new();
        set.insert(1i64.into_key());
        assert!(set.contains(&1i32.into_key()));
        assert!(set.contains(&Key::one(Value::I16(1))));
        assert!(!set.contains(&2i64.into_key()));
        assert!(!set.contains(&"1".into_key()));
    }

    #[test]
    fn stored_keys_give_back_the_same_key() {
        for k in [
            Key::one(Value::I16(3)),
            Key::one(Value::I32(-4)),
            7i64.into_key(),
            "x".into_key(),
            (1, "en").into_key(),
        ] {
            let back = StoredKey::new(Some(k.clone())).get().expect("a key");
            assert_eq!(back.values(), k.values());
        }
        assert!(StoredKey::new(None).get().is_none());
        assert_eq!(std::mem::size_of::<StoredKey>(), 16);
    }

    #[test]
    fn composite_keys_compare_by_every_part() {
        assert_eq!((1, "en").into_key(), (1i64, "en".to_string()).into_key());
        assert_ne!((1, "en").into_key(), (1, "fr").into_key());
        assert_eq!((7, "en").into_key().to_string(), "(7, \"en\")");
        assert!(Key::one(Value::Null).has_null());
    }
}
