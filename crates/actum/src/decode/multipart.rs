//! `multipart/form-data` bodies: forms with `enctype="multipart/form-data"`, the only way a
//! browser sends files.
//!
//! The body is streamed through `multer`; every budget is counted here as the parts arrive, so a
//! form with too many parts or a file too large is refused as soon as the budget is passed, not
//! after the whole body has been read.

use axum::body::Body;
use bytes::{Bytes, BytesMut};

use super::body::read_failure;
use super::error::DecodeError;
use super::file::{UploadedFile, sanitize_file_name};
use super::form_data::{FormData, FormValue};
use super::limits::FormLimits;
use super::urlencoded::{field_too_large, too_many_fields};

/// The longest boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// The most bytes a part's headers may take. A browser sends one or two short lines (a few
/// hundred bytes, even with a long file name); more is a flood.
const MAX_PART_HEAD_BYTES: usize = 8 * 1024;

/// The smallest piece of body handed to multer (the last one aside); see [`Coalesced`].
const MIN_PIECE_BYTES: usize = 16 * 1024;

/// Extracts the boundary from a `multipart/form-data` content type (400 when it is missing,
/// empty, longer than 70 characters or uses characters RFC 2046 does not allow).
pub(crate) fn multipart_boundary(content_type: &str) -> Result<String, DecodeError> {
    let boundary = multer::parse_boundary(content_type).map_err(|error| {
        let message = match error {
            multer::Error::NoBoundary => "multipart content type has no boundary",
            multer::Error::NoMultipart => "content type is not multipart/form-data",
            _ => "malformed multipart content type",
        };
        DecodeError::malformed(message).with_source(error)
    })?;
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY_LEN {
        return Err(DecodeError::malformed(format!(
            "multipart boundary must be 1 to {MAX_BOUNDARY_LEN} characters long"
        )));
    }
    if !boundary.bytes().all(is_boundary_char) || boundary.ends_with(' ') {
        return Err(DecodeError::malformed(
            "multipart boundary has characters rfc 2046 does not allow",
        ));
    }
    Ok(boundary)
}

/// RFC 2046 `bchars`: the characters a boundary may use.
fn is_boundary_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&byte)
}

/// Streams a multipart body into its fields, enforcing every budget as the bytes arrive.
///
/// Text parts (no `filename`) must be UTF-8 and fit `max_field_bytes`; parts with a `filename`
/// become files bounded by `max_file_bytes` and counted against `max_files`; an untouched file
/// input (empty file name, empty content) is dropped. Every part counts against `max_fields`.
/// A part without a name, a broken or truncated body, or malformed part headers answer 400.
pub(crate) async fn read_multipart(
    body: Body,
    boundary: &str,
    body_limit: usize,
    limits: &FormLimits,
) -> Result<FormData, DecodeError> {
    let mut multipart = multer::Multipart::with_constraints(
        Coalesced::new(body.into_data_stream()),
        boundary,
        constraints(body_limit, limits),
    );
    let mut reader = PartReader::new(body_limit, limits);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| reader.stream_error(error))?
    {
        reader.read_part(field).await?;
    }
    Ok(reader.form)
}

/// multer's own limits: the body limit, and the largest part any budget allows, as a backstop
/// for the counting done in [`PartReader`].
fn constraints(body_limit: usize, limits: &FormLimits) -> multer::Constraints {
    let largest_part = limits
        .get_max_field_bytes()
        .max(limits.get_max_file_bytes());
    multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(as_u64(body_limit))
            .per_field(as_u64(largest_part)),
    )
}

/// Widens a byte count for multer, saturating on the (theoretical) platforms where it does not fit.
fn as_u64(count: usize) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// Whether a part holds text or a file, and so which budget its bytes count against.
#[derive(Clone, Copy)]
enum PartKind {
    Text,
    File,
}

/// The state of one multipart read: the form so far and the budgets used.
struct PartReader<'l> {
    limits: &'l FormLimits,
    body_limit: usize,
    form: FormData,
    /// Parts seen, dropped ones included, so that empty parts cannot evade `max_fields`.
    parts: usize,
    files: usize,
}

impl<'l> PartReader<'l> {
    fn new(body_limit: usize, limits: &'l FormLimits) -> Self {
        Self {
            limits,
            body_limit,
            form: FormData::multipart(),
            parts: 0,
            files: 0,
        }
    }

    /// Reads one part into the form: a file when it has a `filename`, else text.
    async fn read_part(&mut self, mut field: multer::Field<'_>) -> Result<(), DecodeError> {
        self.parts += 1;
        if self.parts > self.limits.get_max_fields() {
            return Err(too_many_fields(self.limits.get_max_fields()));
        }
        check_head_size(&field)?;
        let name = self.part_name(&field)?;
        match field.file_name().map(str::to_owned) {
            None => self.read_text_part(&mut field, name).await,
            Some(raw_file_name) => self.read_file_part(&mut field, name, &raw_file_name).await,
        }
    }

    /// Reads a text part, which must be UTF-8 (never repaired).
    async fn read_text_part(
        &mut self,
        field: &mut multer::Field<'_>,
        name: String,
    ) -> Result<(), DecodeError> {
        let bytes = self
            .read_content(field, &name, PartKind::Text, false)
            .await?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|cause| {
            DecodeError::malformed(format!("field `{name}` is not valid utf-8"))
                .with_field(&name)
                .with_source(cause)
        })?;
        self.form.push(name, FormValue::Text(text));
        Ok(())
    }

    /// Reads a file part; an untouched file input (no file name, no content) is dropped.
    async fn read_file_part(
        &mut self,
        field: &mut multer::Field<'_>,
        name: String,
        raw_file_name: &str,
    ) -> Result<(), DecodeError> {
        let content_type = field.content_type().map(ToString::to_string);
        // A named file is kept even when empty, so it counts at once; an unnamed one counts
        // only when its first byte shows it is not an untouched file input.
        let is_unnamed = raw_file_name.is_empty();
        if !is_unnamed {
            self.count_file()?;
        }
        let bytes = self
            .read_content(field, &name, PartKind::File, is_unnamed)
            .await?;
        if is_unnamed && bytes.is_empty() {
            return Ok(());
        }
        let file = UploadedFile::new(sanitize_file_name(raw_file_name), content_type, bytes);
        self.form.push(name, FormValue::File(file));
        Ok(())
    }

    /// The part's field name: required, and bounded like a urlencoded name.
    fn part_name(&self, field: &multer::Field<'_>) -> Result<String, DecodeError> {
        let name = field
            .name()
            .ok_or_else(|| DecodeError::malformed("a multipart part has no name"))?;
        let max = self.limits.get_max_field_bytes();
        if name.len() > max {
            return Err(DecodeError::too_large(format!(
                "a field name is longer than {max} bytes"
            )));
        }
        Ok(name.to_owned())
    }

    /// Counts one more file against `max_files`.
    fn count_file(&mut self) -> Result<(), DecodeError> {
        self.files += 1;
        if self.files > self.limits.get_max_files() {
            return Err(DecodeError::too_large(format!(
                "form has more than {} files",
                self.limits.get_max_files()
            )));
        }
        Ok(())
    }

    /// Reads a part's content chunk by chunk, refusing as soon as its budget is passed.
    ///
    /// With `count_file_on_first_byte`, the part counts against `max_files` once its first byte
    /// arrives (a file input left untouched sends no bytes and is not counted).
    async fn read_content(
        &mut self,
        field: &mut multer::Field<'_>,
        name: &str,
        kind: PartKind,
        count_file_on_first_byte: bool,
    ) -> Result<Bytes, DecodeError> {
        let mut content = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(|error| match error {
            multer::Error::FieldSizeExceeded { .. } => self.part_too_large(name, kind),
            other => self.stream_error(other),
        })? {
            if content.len().saturating_add(chunk.len()) > self.budget(kind) {
                return Err(self.part_too_large(name, kind));
            }
            if count_file_on_first_byte && content.is_empty() && !chunk.is_empty() {
                self.count_file()?;
            }
            content.extend_from_slice(&chunk);
        }
        Ok(content.freeze())
    }

    /// The byte budget of one part of `kind`.
    fn budget(&self, kind: PartKind) -> usize {
        match kind {
            PartKind::Text => self.limits.get_max_field_bytes(),
            PartKind::File => self.limits.get_max_file_bytes(),
        }
    }

    /// The 413 error for a part over its budget.
    fn part_too_large(&self, name: &str, kind: PartKind) -> DecodeError {
        let max = self.budget(kind);
        match kind {
            PartKind::Text => field_too_large(name, max),
            PartKind::File => {
                DecodeError::too_large(format!("file `{name}` is larger than {max} bytes"))
                    .with_field(name)
            }
        }
    }

    /// Maps a multer failure that is not a part's own budget.
    fn stream_error(&self, error: multer::Error) -> DecodeError {
        match error {
            multer::Error::StreamSizeExceeded { .. } => {
                DecodeError::body_too_large(self.body_limit)
            }
            multer::Error::StreamReadFailed(_) => read_failure(error, self.body_limit),
            multer::Error::ReadHeaderFailed(_)
            | multer::Error::DecodeHeaderName { .. }
            | multer::Error::DecodeHeaderValue { .. } => {
                DecodeError::malformed("a multipart part has malformed headers").with_source(error)
            }
            _ => DecodeError::malformed(
                "multipart body is malformed or ends before its closing boundary",
            )
            .with_source(error),
        }
    }
}

/// Refuses a part whose headers take more than [`MAX_PART_HEAD_BYTES`] (413).
fn check_head_size(field: &multer::Field<'_>) -> Result<(), DecodeError> {
    let size: usize = field
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > MAX_PART_HEAD_BYTES {
        return Err(DecodeError::too_large(format!(
            "a multipart part's headers are larger than {MAX_PART_HEAD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// The body's data frames joined into pieces of at least [`MIN_PIECE_BYTES`] (the last one
/// aside), for multer.
///
/// multer searches for the end of a part's headers from the start of its buffer again every
/// time new bytes arrive. A client that trickles a large part head in tiny chunks would make that
/// search quadratic; with pieces of at least 16 KiB it runs at most `body limit / 16 KiB` times.
struct Coalesced<S> {
    inner: S,
    pending: BytesMut,
    ended: bool,
}

impl<S> Coalesced<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            pending: BytesMut::new(),
            ended: false,
        }
    }
}

impl<S, E> futures_util::Stream for Coalesced<S>
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = &mut *self;
        while !this.ended {
            match std::pin::Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(data))) => {
                    if this.pending.is_empty() && data.len() >= MIN_PIECE_BYTES {
                        return Poll::Ready(Some(Ok(data)));
                    }
                    this.pending.extend_from_slice(&data);
                    if this.pending.len() >= MIN_PIECE_BYTES {
                        return Poll::Ready(Some(Ok(this.pending.split().freeze())));
                    }
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => this.ended = true,
                Poll::Pending => return Poll::Pending,
            }
        }
        match this.pending.is_empty() {
            true => Poll::Ready(None),
            false => Poll::Ready(Some(Ok(this.pending.split().freeze()))),
        }
    }
}

#[cfg(test)]
mod tests;
