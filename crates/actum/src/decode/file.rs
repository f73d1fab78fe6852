//! Uploaded files, and the private channel that hands them to serde.
//!
//! A serde `Deserializer` can only hand a visitor the value kinds of the serde data model, and
//! none of them is "a file with a name and a content type". So `UploadedFile` asks for a newtype
//! struct with a name only the form deserializer recognises; that deserializer puts the file in a
//! thread-local slot and calls `visit_unit`, and the visitor takes the file out of the slot.
//! Deserialization is synchronous, so the slot is filled and emptied within one call on one
//! thread. Any other deserializer (JSON, a text value) reaches `visit_newtype_struct` instead,
//! which refuses with a message that says to send the form as multipart.

use std::cell::RefCell;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The newtype-struct name that marks a request for a file.
pub(super) const FILE_MARKER: &str = "$actum::private::UploadedFile";

/// What a file field says when it is given anything but a file.
pub(super) const EXPECTS_FILE: &str = "expects a file: send the form as multipart/form-data";

thread_local! {
    /// The file being handed from the form deserializer to `UploadedFile`'s visitor.
    static HANDOVER: RefCell<Option<UploadedFile>> = const { RefCell::new(None) };
}

/// A file uploaded with a `multipart/form-data` form, ready to be a field of an action's input.
///
/// Use it as `UploadedFile`, `Option<UploadedFile>` (an untouched file input sends no file) or
/// `Vec<UploadedFile>` (an `<input type="file" multiple>`). The whole file is in memory, bounded
/// by the body limit and [`FormLimits::max_file_bytes`](crate::FormLimits::max_file_bytes).
///
/// The file name is the browser's, reduced to its last path component with control characters
/// removed; it is still chosen by the client, so never use it as a path on the server.
///
/// ```
/// use actum::UploadedFile;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct NewAvatar {
///     caption: String,
///     picture: UploadedFile,
///     #[serde(default)]
///     extra: Vec<UploadedFile>,
/// }
///
/// fn summary(input: &NewAvatar) -> String {
///     format!(
///         "{}: {} ({} bytes, {}), plus {} more",
///         input.caption,
///         input.picture.file_name().unwrap_or("unnamed"),
///         input.picture.len(),
///         input.picture.content_type().unwrap_or("unknown type"),
///         input.extra.len(),
///     )
/// }
/// # let _ = summary;
/// ```
#[derive(Clone)]
pub struct UploadedFile {
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

impl UploadedFile {
    /// A file with its (already sanitized) name, content type and content.
    pub(crate) fn new(
        file_name: Option<String>,
        content_type: Option<String>,
        bytes: Bytes,
    ) -> Self {
        Self {
            file_name,
            content_type,
            bytes,
        }
    }

    /// The file's name as the browser sent it, reduced to its last path component; `None` when
    /// nothing usable was left.
    ///
    /// ```
    /// fn label(file: &actum::UploadedFile) -> &str {
    ///     file.file_name().unwrap_or("upload")
    /// }
    /// # let _ = label;
    /// ```
    #[must_use]
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The part's `Content-Type`, as claimed by the client (check the bytes before trusting it).
    ///
    /// ```
    /// fn claims_png(file: &actum::UploadedFile) -> bool {
    ///     file.content_type() == Some("image/png")
    /// }
    /// # let _ = claims_png;
    /// ```
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The file's content.
    ///
    /// ```
    /// fn starts_like_png(file: &actum::UploadedFile) -> bool {
    ///     file.bytes().starts_with(b"\x89PNG")
    /// }
    /// # let _ = starts_like_png;
    /// ```
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The file's content, without copying it.
    ///
    /// ```
    /// fn content(file: actum::UploadedFile) -> bytes::Bytes {
    ///     file.into_bytes()
    /// }
    /// # let _ = content;
    /// ```
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The file's size in bytes.
    ///
    /// ```
    /// fn kib(file: &actum::UploadedFile) -> usize {
    ///     file.len() / 1024
    /// }
    /// # let _ = kib;
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty (a file input with a chosen but empty file).
    ///
    /// ```
    /// fn is_blank(file: &actum::UploadedFile) -> bool {
    ///     file.is_empty()
    /// }
    /// # let _ = is_blank;
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Leaves the content out: a file can be megabytes long.
impl fmt::Debug for UploadedFile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("UploadedFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl<'de> Deserialize<'de> for UploadedFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(FILE_MARKER, FileVisitor)
    }
}

/// Receives a file through [`HANDOVER`], and refuses everything else.
struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = UploadedFile;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a file")
    }

    fn visit_unit<E: de::Error>(self) -> Result<UploadedFile, E> {
        HANDOVER
            .with(|slot| slot.borrow_mut().take())
            .ok_or_else(|| E::custom(EXPECTS_FILE))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<UploadedFile, D::Error> {
        Err(de::Error::custom(EXPECTS_FILE))
    }
}

/// Gives `file` to `visitor`, which takes it if it is `UploadedFile`'s visitor.
pub(super) fn hand_over<'de, V, E>(file: UploadedFile, visitor: V) -> Result<V::Value, E>
where
    V: Visitor<'de>,
    E: de::Error,
{
    HANDOVER.with(|slot| *slot.borrow_mut() = Some(file));
    let result = visitor.visit_unit();
    // Another visitor would leave the file behind; it must not reach a later, unrelated call.
    HANDOVER.with(|slot| slot.borrow_mut().take());
    result
}

/// Reduces a client-sent file name to its last path component, without control characters.
///
/// Browsers send only the base name, but other clients may send `../../etc/passwd` or
/// `C:\Users\me\photo.jpg`; nothing of the path survives. `None` when nothing usable is left.
pub(crate) fn sanitize_file_name(raw: &str) -> Option<String> {
    let last_component = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let without_drive = strip_drive_letter(last_component);
    let cleaned: String = without_drive.chars().filter(|c| !c.is_control()).collect();
    let is_usable = !cleaned.trim().is_empty() && cleaned != "." && cleaned != "..";
    is_usable.then_some(cleaned)
}

/// Drops a Windows drive prefix such as `C:` from a name like `C:photo.jpg`.
fn strip_drive_letter(name: &str) -> &str {
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        &name[2..]
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, bytes: &'static [u8]) -> UploadedFile {
        UploadedFile::new(
            Some(name.to_owned()),
            Some("text/plain".to_owned()),
            Bytes::from_static(bytes),
        )
    }

    #[test]
    fn accessors_expose_the_parts() {
        let upload = file("a.txt", b"hello");
        assert_eq!(upload.file_name(), Some("a.txt"));
        assert_eq!(upload.content_type(), Some("text/plain"));
        assert_eq!(upload.bytes().as_ref(), b"hello");
        assert_eq!(upload.len(), 5);
        assert!(!upload.is_empty());
        assert_eq!(upload.into_bytes(), Bytes::from_static(b"hello"));
        assert!(UploadedFile::new(None, None, Bytes::new()).is_empty());
    }

    #[test]
    fn debug_leaves_the_content_out() {
        let debug = format!("{:?}", file("a.txt", b"secret content"));
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("len: 14"), "{debug}");
    }

    #[test]
    fn handover_reaches_the_file_visitor_and_is_emptied() {
        let received: Result<UploadedFile, de::value::Error> =
            hand_over(file("a.txt", b"x"), FileVisitor);
        assert_eq!(received.unwrap().file_name(), Some("a.txt"));
        let unrelated: Result<(), de::value::Error> =
            hand_over(file("b.txt", b"y"), de::IgnoredAny).map(|_| ());
        assert!(unrelated.is_ok());
        // The unrelated visitor left the file behind; it must be gone now.
        let nothing: Result<UploadedFile, de::value::Error> = FileVisitor.visit_unit();
        assert_eq!(nothing.unwrap_err().to_string(), EXPECTS_FILE);
    }

    #[test]
    fn other_deserializers_get_the_multipart_hint() {
        let error = serde_json::from_str::<UploadedFile>("\"photo.jpg\"").unwrap_err();
        assert!(error.to_string().starts_with(EXPECTS_FILE), "{error}");
        let none: Option<UploadedFile> = serde_json::from_str("null").unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn file_names_keep_only_the_last_component() {
        let cases = [
            ("photo.jpg", Some("photo.jpg")),
            ("../../etc/passwd", Some("passwd")),
            ("..\\..\\windows\\system.ini", Some("system.ini")),
            ("C:\\Users\\me\\photo.jpg", Some("photo.jpg")),
            ("C:photo.jpg", Some("photo.jpg")),
            ("/absolute/path/report.pdf", Some("report.pdf")),
            ("dir/", None),
            ("..", None),
            (".", None),
            ("a/..", None),
            ("", None),
            ("   ", None),
            ("C:", None),
            ("bad\u{0}name\r\n.txt", Some("badname.txt")),
            ("\u{7f}\u{1b}", None),
            ("résumé 2024.pdf", Some("résumé 2024.pdf")),
            ("notes:v2.txt", Some("notes:v2.txt")),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitize_file_name(raw).as_deref(), expected, "{raw:?}");
        }
    }
}
