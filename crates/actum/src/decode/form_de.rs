//! Form fields into any serde type: the rules.
//!
//! This deserializer is written by hand because no existing crate decodes forms with files,
//! refuses repeated scalar fields and unknown fields, and names the field in every error. It
//! works on the fields of an urlencoded or multipart body, already split and decoded.
//!
//! **Names.**
//! - `title` is a field of the input struct (or a key of the input map).
//! - A name sent more than once (`tag=a&tag=b`), or with a final `[]` (`tag[]=a`), gives a
//!   sequence: `Vec<T>`, `HashSet<T>`, tuples and other serde sequences.
//! - `author[name]` and `a[b][c]` fill nested structs or maps; `a[b][]` is a list inside a
//!   group. Names are nested at most [`max_name_depth`](crate::FormLimits::max_name_depth)
//!   bracket pairs deep (8 by default); deeper is a malformed body (400), as is a name with
//!   unbalanced brackets or text after a bracket (`a[b`, `a]`, `a[b]c`, `[a]`).
//! - Indexed lists (`items[0][name]`) and lists of groups (`items[][name]`) are not supported:
//!   they answer 422 with a message that suggests JSON, which carries lists of objects natively.
//! - A name sent both as a value and with sub-fields (`a=1&a[b]=2`) answers 422.
//!
//! **Strictness** (all 422, each naming the field).
//! - A field that takes one value and is sent more than once: "field `x` was sent more than once".
//! - A field the struct does not have: "unknown field `x`", at every level of nesting. Structs
//!   with a `#[serde(flatten)]` field are read as maps and skip this check.
//! - A required field that is absent: "missing field `x`". `Option` fields are `None` when
//!   absent; a `Vec` field needs `#[serde(default)]` to accept zero items, and so does a `bool`
//!   fed by a checkbox (an unchecked box sends nothing).
//!
//! **Values.** Every value is text, parsed to the type the field asks for, without trimming:
//! - integers of every width, overflow included in the errors; floats (finite only);
//! - `bool` from `true`/`false`, `on`/`off` (a checked checkbox sends `on`), `1`/`0`,
//!   `yes`/`no`, in any case;
//! - `char` from exactly one character; `String`; enums with unit variants, by variant name;
//!   newtype structs, from their inner type;
//! - `Option<T>`: absent or empty (`note=`) is `None`, anything else is `Some`;
//! - `()` and unit structs from an empty form (or an empty value).
//! - Types that ask for "anything" (`serde_json::Value`, untagged or internally tagged enums,
//!   the fields gathered by `#[serde(flatten)]`) see a single value as a string, a repeated
//!   value as a list of strings and sub-fields as a map; so a `HashMap<String, String>` works,
//!   but a number inside a flattened struct must parse itself from the string.
//!
//! **Files.** A multipart part with a `filename` is a file: it fits only a field of type
//! [`UploadedFile`](crate::UploadedFile) (or `Option`/`Vec` of it), which in turn accepts
//! nothing else; text sent to a file field, or a file sent to a text field, answers 422. A
//! form sent urlencoded carries only the file's name, so the error says to send the form as
//! multipart/form-data.
//!
//! **Input.** The whole form is read as a struct or a map; any other input type answers 422.

use std::vec;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, Visitor};

use super::error::DecodeError;
use super::file::FILE_MARKER;
use super::form_data::{FormData, FormValue};
use super::form_error::{FormError, Problem};
use super::form_tree::{Group, Node, build_tree, child_path};
use super::form_values::ValuesDeserializer;
use super::limits::FormLimits;

/// Decodes a form into the input type, following the rules of this module.
pub(crate) fn from_form<T: DeserializeOwned>(
    form: FormData,
    limits: &FormLimits,
) -> Result<T, DecodeError> {
    let is_multipart = form.is_multipart();
    let root = build_tree(form.into_entries(), limits.get_max_name_depth())?;
    let deserializer = GroupDeserializer {
        group: root,
        path: String::new(),
    };
    T::deserialize(deserializer).map_err(|error| error.into_decode_error(is_multipart))
}

/// Deserializes the node at `path` with `seed`.
fn deserialize_node<'de, S: DeserializeSeed<'de>>(
    seed: S,
    node: Node,
    path: String,
) -> Result<S::Value, FormError> {
    match node {
        Node::Values(values) => seed.deserialize(ValuesDeserializer { values, path }),
        Node::Group(group) => seed.deserialize(GroupDeserializer { group, path }),
    }
}

/// The sub-fields of a group (or the whole form): a struct or a map.
struct GroupDeserializer {
    group: Group,
    path: String,
}

impl GroupDeserializer {
    /// Hands the sub-fields to the visitor as map entries.
    fn visit_entries<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let entries = GroupEntries {
            children: self.group.into_children().into_iter(),
            pending: None,
            path: self.path.clone(),
        };
        visitor
            .visit_map(entries)
            .map_err(|error| error.in_group(&self.path))
    }

    /// The error for a group where one value is expected.
    fn not_a_value(&self) -> FormError {
        FormError::new(Problem::ExpectedValue).at(&self.path)
    }
}

/// Implements the methods that a group cannot satisfy.
macro_rules! reject_as_value {
    ($($method:ident $(($($arg:ty),*))?;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($(_: $arg,)*)? _: V) -> Result<V::Value, FormError> {
                Err(self.not_a_value())
            }
        )*
    };
}

impl<'de> Deserializer<'de> for GroupDeserializer {
    type Error = FormError;

    reject_as_value! {
        deserialize_bool; deserialize_char; deserialize_str; deserialize_string;
        deserialize_identifier; deserialize_bytes; deserialize_byte_buf;
        deserialize_i8; deserialize_i16; deserialize_i32; deserialize_i64; deserialize_i128;
        deserialize_u8; deserialize_u16; deserialize_u32; deserialize_u64; deserialize_u128;
        deserialize_f32; deserialize_f64;
        deserialize_enum(&'static str, &'static [&'static str]);
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.visit_entries(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.visit_entries(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        if let Some(unknown) = self
            .group
            .keys()
            .find(|key| !fields.iter().any(|field| field == key))
        {
            return Err(FormError::new(Problem::Unknown).at(&child_path(&self.path, unknown)));
        }
        self.visit_entries(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.group.keys().next() {
            None => visitor.visit_unit(),
            Some(unexpected) => {
                Err(FormError::new(Problem::Unknown).at(&child_path(&self.path, unexpected)))
            }
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        if name == FILE_MARKER {
            return Err(self.not_a_value());
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _: V) -> Result<V::Value, FormError> {
        let is_indexed = self
            .group
            .keys()
            .any(|key| key.bytes().all(|byte| byte.is_ascii_digit()));
        let problem = if is_indexed {
            Problem::IndexedList
        } else {
            Problem::ExpectedList
        };
        Err(FormError::new(problem).at(&self.path))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_unit()
    }
}

/// The sub-fields of a group as map entries: the key as text, then its node.
struct GroupEntries {
    children: vec::IntoIter<(String, Node)>,
    pending: Option<(Node, String)>,
    path: String,
}

impl<'de> de::MapAccess<'de> for GroupEntries {
    type Error = FormError;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, FormError> {
        let Some((key, node)) = self.children.next() else {
            return Ok(None);
        };
        let path = child_path(&self.path, &key);
        // The key's own errors are tied to `path` below (`at` ties an error once): no copy of
        // the path for them.
        let key_deserializer = ValuesDeserializer {
            values: vec![FormValue::Text(key)],
            path: String::new(),
        };
        let key = seed
            .deserialize(key_deserializer)
            .map_err(|error: FormError| error.at(&path))?;
        self.pending = Some((node, path));
        Ok(Some(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, FormError> {
        let Some((node, path)) = self.pending.take() else {
            return Err(de::Error::custom(
                "a form value was requested before its name",
            ));
        };
        match node {
            // A value's errors are tied to `path` here, as a group's cannot be (a missing field
            // is named below its group): no copy of the path for a value.
            Node::Values(values) => {
                let path_for_errors = String::new();
                deserialize_node(seed, Node::Values(values), path_for_errors)
                    .map_err(|error: FormError| error.at(&path))
            }
            group => deserialize_node(seed, group, path.clone())
                .map_err(|error: FormError| error.at(&path)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.children.len())
    }
}

#[cfg(test)]
mod tests;
