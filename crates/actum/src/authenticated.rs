//! [`Authenticated`]: the marker an app puts on its user extractor, so that the attack-surface
//! listing ([`surface_report`](crate::surface_report)) says which actions require a signed-in
//! caller.
//!
//! The macro cannot know whether an extractor type implements the trait, so it calls
//! `(&AuthProbe::<T>::new()).actum_is_authenticated()` and lets method resolution choose, as
//! `validate` does for garde: the impl for `AuthProbe<T: Authenticated>` is found first (it takes
//! `&AuthProbe`), the `false` on `&AuthProbe<T>` one auto-reference later.

use std::marker::PhantomData;

/// Marks an extractor that only succeeds for an authenticated caller (it refuses the request
/// otherwise, with a 401 or a redirect to a sign-in page). An action that takes one is listed as
/// `auth: yes` by [`surface_report`](crate::surface_report) and
/// [`MountedAction::authenticated`](crate::MountedAction::authenticated).
///
/// Implementing it changes nothing at run time: the extractor still does the checking. It is a
/// statement for reviews and CI (for example: "every action but these two is authenticated").
///
/// ```
/// use axum::extract::FromRequestParts;
/// use http::{StatusCode, request::Parts};
///
/// struct SignedIn { user_id: u64 }
///
/// impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
///     type Rejection = (StatusCode, &'static str);
///     async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
///         match parts.headers.get("x-user") {
///             Some(_) => Ok(SignedIn { user_id: 1 }),
///             None => Err((StatusCode::UNAUTHORIZED, "sign in first")),
///         }
///     }
/// }
///
/// impl actum::Authenticated for SignedIn {}
///
/// #[actum::action]
/// async fn delete_account(user: SignedIn, _: ()) -> u64 { user.user_id }
///
/// # use actum::Action as _;
/// # use actum::RouterExt as _;
/// let _app: axum::Router = axum::Router::new().action(delete_account);
/// let listed = actum::mounted_actions();
/// let entry = listed.iter().find(|a| a.info().name() == "delete_account").unwrap();
/// assert!(entry.authenticated());
/// ```
pub trait Authenticated {}

/// Carries an extractor type for the method-resolution choice above. Used by the macro.
#[doc(hidden)]
#[derive(Debug)]
pub struct AuthProbe<T>(PhantomData<fn() -> T>);

impl<T> AuthProbe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

/// Extractors without the marker.
#[doc(hidden)]
pub trait NotAuthenticated {
    /// False.
    fn actum_is_authenticated(&self) -> bool {
        false
    }
}

impl<T> NotAuthenticated for &AuthProbe<T> {}

/// Extractors with the marker.
#[doc(hidden)]
pub trait ViaAuthenticated {
    /// True.
    fn actum_is_authenticated(&self) -> bool {
        true
    }
}

impl<T: Authenticated> ViaAuthenticated for AuthProbe<T> {}

/// Brings both methods into scope for the macro's generated code.
#[doc(hidden)]
pub mod prelude {
    pub use super::NotAuthenticated as _;
    pub use super::ViaAuthenticated as _;
}

#[cfg(test)]
mod tests {
    use super::prelude::*;
    use super::*;

    struct User;
    impl Authenticated for User {}
    struct Anything;

    #[test]
    #[allow(clippy::needless_borrow)] // the borrow is the macro's: it is what picks the impl
    fn the_marker_is_found() {
        assert!((&AuthProbe::<User>::new()).actum_is_authenticated());
        assert!(!(&AuthProbe::<Anything>::new()).actum_is_authenticated());
    }
}
