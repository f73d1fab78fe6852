//! Validation of an action's input before the action runs, with the `garde` feature: an input
//! that derives `garde::Validate` is checked, and its errors come back as field errors (422),
//! exactly like those an action returns with [`ActionError::invalid`].
//!
//! The macro cannot know whether an input type implements `Validate`, so it calls
//! `(&Validated(&input)).actum_validate()` and lets method resolution choose: the `garde` impl
//! when the type has one (it takes `&Validated`, found first), else the no-op on
//! `&&Validated` (found one auto-reference later).

use crate::error::ActionError;

/// Wraps an input for the method-resolution choice above. Used by the macro.
#[doc(hidden)]
#[derive(Debug)]
pub struct Validated<'a, T>(pub &'a T);

/// Inputs without validation: nothing to check.
#[doc(hidden)]
pub trait NoValidation {
    /// Accepts the input.
    fn actum_validate(&self) -> Result<(), ActionError> {
        Ok(())
    }
}

impl<T> NoValidation for &Validated<'_, T> {}

/// Inputs deriving `garde::Validate` (with a default context).
#[cfg(feature = "garde")]
#[doc(hidden)]
pub trait ViaGarde {
    /// Runs garde's rules; every failure becomes a field error.
    fn actum_validate(&self) -> Result<(), ActionError>;
}

#[cfg(feature = "garde")]
impl<T> ViaGarde for Validated<'_, T>
where
    T: garde::Validate,
    T::Context: Default,
{
    fn actum_validate(&self) -> Result<(), ActionError> {
        let report = match self.0.validate() {
            Ok(()) => return Ok(()),
            Err(report) => report,
        };
        let mut error = ActionError::new(
            http::StatusCode::UNPROCESSABLE_ENTITY,
            "please correct the highlighted fields",
        );
        for (path, problem) in report.iter() {
            error = error.field(form_name(&path.to_string()), problem.message());
        }
        Err(error)
    }
}

/// garde's path (`nested.a`, `items[2].name`) as a form field name (`nested[a]`, `items[2][name]`).
#[cfg_attr(not(feature = "garde"), allow(dead_code))]
fn form_name(path: &str) -> String {
    let mut segments = path.split('.');
    let mut name = segments.next().unwrap_or_default().to_owned();
    for segment in segments {
        match segment.split_once('[') {
            Some((key, index)) => {
                name.push('[');
                name.push_str(key);
                name.push_str("][");
                name.push_str(index);
            }
            None => {
                name.push('[');
                name.push_str(segment);
                name.push(']');
            }
        }
    }
    name
}

/// Brings both methods into scope for the macro's generated code.
#[doc(hidden)]
pub mod prelude {
    pub use super::NoValidation as _;
    #[cfg(feature = "garde")]
    pub use super::ViaGarde as _;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_form_names() {
        assert_eq!(form_name("title"), "title");
        assert_eq!(form_name("nested.a"), "nested[a]");
        assert_eq!(form_name("items[2].name"), "items[2][name]");
        assert_eq!(form_name("a.b[0]"), "a[b][0]");
    }

    #[test]
    fn inputs_without_validation_pass() {
        use prelude::*;
        struct Plain;
        assert!((&Validated(&Plain)).actum_validate().is_ok());
    }
}
