//! Attachments: the `upload_attachment` action (a multipart form with a file, under its own body
//! limit) and the download route.

use actum::{ActionError, UploadedFile, action};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{MaybeUser, SignedIn};
use crate::db::attachments;
use crate::db::posts::{self, Status};
use crate::pages::{self, PageError};

/// The largest file a post takes, shown next to the file input.
pub(crate) const ATTACHMENT_MAX_BYTES: usize = 256 * 1024;
/// The upload's body limit: the largest file plus room for the multipart framing and a file a
/// little too large, which the action then refuses with a field error that says the limit. A
/// body past this is refused (413) before it is read whole, and the action does not run.
pub(crate) const UPLOAD_BODY_LIMIT: usize = 2 * ATTACHMENT_MAX_BYTES;

/// The upload form.
#[derive(Debug, Deserialize)]
pub(crate) struct NewAttachment {
    /// An untouched file input sends no file: `None`, refused with a field error.
    file: Option<UploadedFile>,
}

/// Attaches a file to a post; only its author may.
#[action(body_limit = UPLOAD_BODY_LIMIT)]
pub(crate) async fn upload_attachment(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    #[bound] post_id: i64,
    input: NewAttachment,
) -> Result<(), ActionError> {
    let Some(post) = posts::find(&st.db, post_id).await? else {
        return actum::not_found();
    };
    if post.author_id != user.id {
        tracing::warn!(
            post = post_id,
            user = user.id,
            "upload refused: not the author"
        );
        return actum::forbidden();
    }
    let file = check_file(input.file)?;
    let name = file.file_name().unwrap_or("file");
    let id = attachments::insert(&st.db, post_id, name, file.bytes()).await?;
    tracing::info!(
        post = post_id,
        attachment = id,
        bytes = file.len(),
        "file attached"
    );
    actum::revalidate_path(format!("/posts/{post_id}"));
    Ok(())
}

/// The file, if there is one and it is within the limit; else the field error to show.
fn check_file(file: Option<UploadedFile>) -> Result<UploadedFile, ActionError> {
    let Some(file) = file.filter(|file| !file.is_empty()) else {
        return Err(ActionError::invalid("file", "choose a file to attach"));
    };
    if file.len() > ATTACHMENT_MAX_BYTES {
        let message = format!(
            "this file has {}: attachments may have at most {}",
            size_text(file.len()),
            size_text(ATTACHMENT_MAX_BYTES),
        );
        return Err(ActionError::invalid("file", message));
    }
    Ok(file)
}

/// `GET /attachments/{id}`: the file, as a download. A draft's files are its author's only.
pub(crate) async fn download(
    State(st): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let missing = || pages::error_page(StatusCode::NOT_FOUND, "Not found", "there is no such file");
    let Some(file) = attachments::download(&st.db, id).await? else {
        return Ok(missing());
    };
    let Some(post) = posts::find(&st.db, file.post_id).await? else {
        return Ok(missing());
    };
    let is_author = user.is_some_and(|user| user.id == post.author_id);
    if post.status == Status::Draft && !is_author {
        return Ok(missing());
    }
    // Whatever the uploader claimed, the browser gets bytes to save, never a page to render.
    let headers = [
        (CONTENT_TYPE, "application/octet-stream".to_owned()),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (
            CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                safe_file_name(&file.file_name)
            ),
        ),
    ];
    Ok((headers, file.bytes).into_response())
}

/// A file name safe in a `Content-Disposition` header: letters, digits, `.`, `-`, `_` kept,
/// anything else (quotes, non-ASCII, control characters) becomes `_`.
fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A size for people: bytes, or KiB above 1 KiB.
pub(crate) fn size_text(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_safe_for_the_header() {
        assert_eq!(safe_file_name("notes v2.txt"), "notes_v2.txt");
        assert_eq!(safe_file_name("a\"b\r\nc"), "a_b__c");
        assert_eq!(safe_file_name("été.pdf"), "_t_.pdf");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(12), "12 bytes");
        assert_eq!(size_text(256 * 1024), "256 KiB");
        assert_eq!(size_text(256 * 1024 + 1), "257 KiB");
    }

    #[test]
    fn no_file_is_a_field_error() {
        let error = check_file(None).unwrap_err();
        assert_eq!(error.field_error("file"), Some("choose a file to attach"));
    }
}
