//! The values sent under one field name: parsed as a scalar, or read as a sequence.

use std::num::{IntErrorKind, ParseIntError};
use std::str::FromStr;
use std::vec;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};

use super::file::{FILE_MARKER, hand_over};
use super::form_data::FormValue;
use super::form_error::{FormError, Problem};

/// The values sent under one name: a scalar when there is one, a sequence when asked.
pub(super) struct ValuesDeserializer {
    pub(super) values: Vec<FormValue>,
    pub(super) path: String,
}

impl ValuesDeserializer {
    /// The single value, or a duplicate-field error.
    fn single(self) -> Result<(FormValue, String), FormError> {
        let Self { mut values, path } = self;
        if values.len() > 1 {
            return Err(FormError::new(Problem::Duplicate).at(&path));
        }
        match values.pop() {
            Some(value) => Ok((value, path)),
            None => Err(FormError::new(Problem::Custom("no value was sent".to_owned())).at(&path)),
        }
    }

    /// The single value, which must be text.
    fn text(self) -> Result<(String, String), FormError> {
        match self.single()? {
            (FormValue::Text(text), path) => Ok((text, path)),
            (FormValue::File(_), path) => Err(FormError::new(Problem::ExpectedText).at(&path)),
        }
    }

    /// Whether the field was sent once, empty: `None` for an `Option`, `()` for a unit.
    fn is_single_empty_text(&self) -> bool {
        matches!(self.values.as_slice(), [FormValue::Text(text)] if text.is_empty())
    }

    /// Parses the text as an integer, telling overflow apart from garbage.
    fn parse_integer<T>(self, expected: &'static str) -> Result<T, FormError>
    where
        T: FromStr<Err = ParseIntError>,
    {
        let (text, path) = self.text()?;
        text.parse().map_err(|error: ParseIntError| {
            let problem = match error.kind() {
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => Problem::OutOfRange {
                    expected,
                    found: text,
                },
                _ => Problem::Invalid {
                    expected,
                    found: text,
                },
            };
            FormError::new(problem).at(&path)
        })
    }

    /// Parses the text as a finite float.
    fn parse_float<T: FromStr>(
        self,
        expected: &'static str,
        is_finite: fn(&T) -> bool,
    ) -> Result<T, FormError> {
        let (text, path) = self.text()?;
        match text.parse::<T>() {
            Ok(number) if is_finite(&number) => Ok(number),
            _ => Err(FormError::new(Problem::Invalid {
                expected,
                found: text,
            })
            .at(&path)),
        }
    }

    /// Parses the text as a checkbox-friendly boolean.
    fn parse_bool(self) -> Result<bool, FormError> {
        let (text, path) = self.text()?;
        let is = |words: &[&str]| words.iter().any(|word| text.eq_ignore_ascii_case(word));
        if is(&["true", "on", "1", "yes"]) {
            Ok(true)
        } else if is(&["false", "off", "0", "no"]) {
            Ok(false)
        } else {
            let expected = "a boolean (true/false, on/off, 1/0, yes/no)";
            Err(FormError::new(Problem::Invalid {
                expected,
                found: text,
            })
            .at(&path))
        }
    }

    /// Hands each value to the visitor as one element of a sequence.
    fn visit_values<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let count = self.values.len();
        let mut elements = ValueSequence {
            values: self.values.into_iter(),
            path: self.path,
        };
        let value = visitor.visit_seq(&mut elements)?;
        if !elements.values.as_slice().is_empty() {
            return Err(de::Error::invalid_length(count, &"fewer values"));
        }
        Ok(value)
    }
}

/// Implements integer and float methods by parsing the text.
macro_rules! parse_numbers {
    ($($method:ident, $visit:ident, $parse:ident($ty:ty $(, $check:expr)?);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
                visitor.$visit(self.$parse::<$ty>(stringify!($ty) $(, $check)?)?)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for ValuesDeserializer {
    type Error = FormError;

    parse_numbers! {
        deserialize_i8, visit_i8, parse_integer(i8);
        deserialize_i16, visit_i16, parse_integer(i16);
        deserialize_i32, visit_i32, parse_integer(i32);
        deserialize_i64, visit_i64, parse_integer(i64);
        deserialize_i128, visit_i128, parse_integer(i128);
        deserialize_u8, visit_u8, parse_integer(u8);
        deserialize_u16, visit_u16, parse_integer(u16);
        deserialize_u32, visit_u32, parse_integer(u32);
        deserialize_u64, visit_u64, parse_integer(u64);
        deserialize_u128, visit_u128, parse_integer(u128);
        deserialize_f32, visit_f32, parse_float(f32, |n: &f32| n.is_finite());
        deserialize_f64, visit_f64, parse_float(f64, |n: &f64| n.is_finite());
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        if self.values.len() > 1 {
            return self.visit_values(visitor);
        }
        let (text, path) = self.text()?;
        visitor
            .visit_string(text)
            .map_err(|error: FormError| error.at(&path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_bool(self.parse_bool()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let (text, path) = self.text()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(only), None) => visitor.visit_char(only),
            _ => Err(FormError::new(Problem::Invalid {
                expected: "a single character",
                found: text,
            })
            .at(&path)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let (text, path) = self.text()?;
        visitor
            .visit_string(text)
            .map_err(|error: FormError| error.at(&path))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let (text, path) = self.text()?;
        visitor
            .visit_byte_buf(text.into_bytes())
            .map_err(|error: FormError| error.at(&path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        if self.is_single_empty_text() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        if self.is_single_empty_text() {
            return visitor.visit_unit();
        }
        let (text, path) = self.text()?;
        Err(FormError::new(Problem::Invalid {
            expected: "an empty value",
            found: text,
        })
        .at(&path))
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
        if name != FILE_MARKER {
            return visitor.visit_newtype_struct(self);
        }
        match self.single()? {
            (FormValue::File(file), path) => {
                hand_over(file, visitor).map_err(|error: FormError| error.at(&path))
            }
            (FormValue::Text(_), path) => Err(FormError::new(Problem::ExpectedFile).at(&path)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.visit_values(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.visit_values(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.visit_values(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, FormError> {
        Err(FormError::new(Problem::ExpectedGroup).at(&self.path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, FormError> {
        Err(FormError::new(Problem::ExpectedGroup).at(&self.path))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        let (variant, path) = self.text()?;
        visitor
            .visit_enum(UnitVariant { variant })
            .map_err(|error: FormError| error.at(&path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_unit()
    }
}

/// The values of a repeated field, one sequence element each.
struct ValueSequence {
    values: vec::IntoIter<FormValue>,
    path: String,
}

impl<'de> de::SeqAccess<'de> for ValueSequence {
    type Error = FormError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, FormError> {
        let Some(value) = self.values.next() else {
            return Ok(None);
        };
        let element = ValuesDeserializer {
            values: vec![value],
            path: self.path.clone(),
        };
        seed.deserialize(element).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

/// An enum given by the name of one of its unit variants.
struct UnitVariant {
    variant: String,
}

impl<'de> de::EnumAccess<'de> for UnitVariant {
    type Error = FormError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), FormError> {
        let variant = seed.deserialize(self.variant.clone().into_deserializer())?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant {
    type Error = FormError;

    fn unit_variant(self) -> Result<(), FormError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _: S) -> Result<S::Value, FormError> {
        Err(only_unit_variants())
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, FormError> {
        Err(only_unit_variants())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, FormError> {
        Err(only_unit_variants())
    }
}

/// The error for an enum variant that carries data, which one form value cannot hold.
fn only_unit_variants() -> FormError {
    FormError::new(Problem::Custom(
        "only enum variants without data can be sent as a form value".to_owned(),
    ))
}
