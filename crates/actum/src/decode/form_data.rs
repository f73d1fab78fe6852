//! The decoded fields of a form, in the order the browser sent them.

use super::file::UploadedFile;

/// One field's value: text, or a file from a multipart form.
#[derive(Debug, Clone)]
pub(crate) enum FormValue {
    /// A text value, already percent-decoded and checked to be UTF-8.
    Text(String),
    /// An uploaded file.
    File(UploadedFile),
}

/// The fields of a form body, in order, before they are fitted to the input type.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormData {
    entries: Vec<(String, FormValue)>,
    is_multipart: bool,
}

impl FormData {
    /// An empty form decoded from an `application/x-www-form-urlencoded` body.
    pub(crate) fn urlencoded() -> Self {
        Self::default()
    }

    /// An empty form decoded from a `multipart/form-data` body.
    pub(crate) fn multipart() -> Self {
        Self {
            entries: Vec::new(),
            is_multipart: true,
        }
    }

    /// Appends one field.
    pub(crate) fn push(&mut self, name: String, value: FormValue) {
        self.entries.push((name, value));
    }

    /// How many fields the form holds.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the form came as multipart, where files can be sent (this shapes error messages).
    pub(crate) fn is_multipart(&self) -> bool {
        self.is_multipart
    }

    /// The text fields, in order, to echo the user's typed values back after an error.
    pub(crate) fn text_pairs(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter_map(|(name, value)| match value {
                FormValue::Text(text) => Some((name.clone(), text.clone())),
                FormValue::File(_) => None,
            })
            .collect()
    }

    /// Gives up the fields, in order.
    pub(crate) fn into_entries(self) -> Vec<(String, FormValue)> {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn text_pairs_skip_files_and_keep_order() {
        let mut form = FormData::multipart();
        form.push("b".into(), FormValue::Text("2".into()));
        form.push(
            "file".into(),
            FormValue::File(UploadedFile::new(None, None, Bytes::new())),
        );
        form.push("a".into(), FormValue::Text("1".into()));
        form.push("b".into(), FormValue::Text("3".into()));
        let expected =
            [("b", "2"), ("a", "1"), ("b", "3")].map(|(n, v)| (n.to_owned(), v.to_owned()));
        assert_eq!(form.text_pairs(), expected);
        assert_eq!(form.len(), 4);
        assert!(form.is_multipart());
        assert!(!FormData::urlencoded().is_multipart());
        assert_eq!(form.into_entries().len(), 4);
    }
}
