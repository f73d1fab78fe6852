//! Request bodies into an action's input: urlencoded and multipart forms, and JSON.
//!
//! An action's input is any `serde::de::DeserializeOwned` type. The layer picks the decoder by
//! `Content-Type`, after the origin check and the body limit:
//!
//! 1. `application/x-www-form-urlencoded`: [`read_body`] then [`parse_urlencoded`];
//! 2. `multipart/form-data`: [`multipart_boundary`] then [`read_multipart`], which streams the
//!    body and counts every budget as the parts arrive;
//! 3. either form then goes through [`from_form`], whose module documents the rules that map
//!    field names and values onto the input type;
//! 4. `application/json`: [`read_body`] then [`from_json`].
//!
//! Every failure is a [`DecodeError`] that answers 400 (malformed body), 413 (a budget of
//! [`FormLimits`] or the body limit passed) or 422 (a well-formed body that does not fit the
//! type), names the field when there is one, and never lets the action run.

mod body;
mod error;
mod file;
mod form_data;
mod form_de;
mod form_error;
mod form_tree;
mod form_values;
mod json;
mod json_scan;
mod limits;
mod multipart;
mod urlencoded;

pub use error::DecodeError;
pub use file::UploadedFile;
pub use limits::FormLimits;

pub(crate) use body::{read_body, read_body_before};
pub(crate) use form_de::from_form;
pub(crate) use json::from_json;
pub(crate) use multipart::{multipart_boundary, read_multipart};
pub(crate) use urlencoded::parse_urlencoded;
