//! The budgets that bound what one request body may make the server decode.

/// Budgets for decoding an action's input from a form or JSON body.
///
/// Every budget protects the server from a body that is small enough to pass the body limit but
/// expensive to decode: thousands of tiny fields, deeply nested names, a JSON array of a million
/// zeros. Passing a size budget answers **413**; nesting too deep is a malformed body (**400**).
///
/// Setters are named after the budget; getters carry a `get_` prefix because the bare name is
/// taken by the setter.
///
/// ```
/// use actum::FormLimits;
///
/// let limits = FormLimits::new().max_fields(64).max_file_bytes(5 * 1024 * 1024);
/// assert_eq!(limits.get_max_fields(), 64);
/// assert_eq!(limits.get_max_file_bytes(), 5 * 1024 * 1024);
/// assert_eq!(limits.get_max_files(), 16);
/// ```
#[must_use]
#[derive(Clone, Debug)]
pub struct FormLimits {
    max_fields: usize,
    max_field_bytes: usize,
    max_files: usize,
    max_file_bytes: usize,
    max_name_depth: usize,
    json_max_depth: usize,
    json_max_elements: usize,
}

impl Default for FormLimits {
    fn default() -> Self {
        Self {
            max_fields: 256,
            max_field_bytes: 128 * 1024,
            max_files: 16,
            max_file_bytes: usize::MAX,
            max_name_depth: 8,
            json_max_depth: 32,
            json_max_elements: 10_000,
        }
    }
}

impl FormLimits {
    /// The default budgets, as documented on each setter.
    ///
    /// ```
    /// let limits = actum::FormLimits::new();
    /// assert_eq!(limits.get_max_name_depth(), 8);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Most fields a form may carry: urlencoded pairs or multipart parts. Default: 256.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().max_fields(32);
    /// assert_eq!(limits.get_max_fields(), 32);
    /// ```
    pub fn max_fields(mut self, count: usize) -> Self {
        self.max_fields = count;
        self
    }

    /// Most bytes in one text value (and in one field name). Default: 128 KiB.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().max_field_bytes(4096);
    /// assert_eq!(limits.get_max_field_bytes(), 4096);
    /// ```
    pub fn max_field_bytes(mut self, bytes: usize) -> Self {
        self.max_field_bytes = bytes;
        self
    }

    /// Most files one multipart form may carry. Default: 16.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().max_files(1);
    /// assert_eq!(limits.get_max_files(), 1);
    /// ```
    pub fn max_files(mut self, count: usize) -> Self {
        self.max_files = count;
        self
    }

    /// Most bytes in one uploaded file. Default: no limit beyond the body limit (`usize::MAX`).
    ///
    /// ```
    /// let limits = actum::FormLimits::new().max_file_bytes(10 * 1024 * 1024);
    /// assert_eq!(limits.get_max_file_bytes(), 10 * 1024 * 1024);
    /// ```
    pub fn max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// Most bracket pairs in one field name: `a[b][c]` has two. Default: 8.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().max_name_depth(2);
    /// assert_eq!(limits.get_max_name_depth(), 2);
    /// ```
    pub fn max_name_depth(mut self, depth: usize) -> Self {
        self.max_name_depth = depth;
        self
    }

    /// Deepest nesting of JSON arrays and objects. Default: 32.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().json_max_depth(8);
    /// assert_eq!(limits.get_json_max_depth(), 8);
    /// ```
    pub fn json_max_depth(mut self, depth: usize) -> Self {
        self.json_max_depth = depth;
        self
    }

    /// Most array elements plus object members in a whole JSON document. Default: 10 000.
    ///
    /// ```
    /// let limits = actum::FormLimits::new().json_max_elements(500);
    /// assert_eq!(limits.get_json_max_elements(), 500);
    /// ```
    pub fn json_max_elements(mut self, count: usize) -> Self {
        self.json_max_elements = count;
        self
    }

    /// The budget set by [`max_fields`](Self::max_fields).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_max_fields(), 256);
    /// ```
    #[must_use]
    pub fn get_max_fields(&self) -> usize {
        self.max_fields
    }

    /// The budget set by [`max_field_bytes`](Self::max_field_bytes).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_max_field_bytes(), 128 * 1024);
    /// ```
    #[must_use]
    pub fn get_max_field_bytes(&self) -> usize {
        self.max_field_bytes
    }

    /// The budget set by [`max_files`](Self::max_files).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_max_files(), 16);
    /// ```
    #[must_use]
    pub fn get_max_files(&self) -> usize {
        self.max_files
    }

    /// The budget set by [`max_file_bytes`](Self::max_file_bytes).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_max_file_bytes(), usize::MAX);
    /// ```
    #[must_use]
    pub fn get_max_file_bytes(&self) -> usize {
        self.max_file_bytes
    }

    /// The budget set by [`max_name_depth`](Self::max_name_depth).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_max_name_depth(), 8);
    /// ```
    #[must_use]
    pub fn get_max_name_depth(&self) -> usize {
        self.max_name_depth
    }

    /// The budget set by [`json_max_depth`](Self::json_max_depth).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_json_max_depth(), 32);
    /// ```
    #[must_use]
    pub fn get_json_max_depth(&self) -> usize {
        self.json_max_depth
    }

    /// The budget set by [`json_max_elements`](Self::json_max_elements).
    ///
    /// ```
    /// assert_eq!(actum::FormLimits::new().get_json_max_elements(), 10_000);
    /// ```
    #[must_use]
    pub fn get_json_max_elements(&self) -> usize {
        self.json_max_elements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let limits = FormLimits::default();
        assert_eq!(limits.get_max_fields(), 256);
        assert_eq!(limits.get_max_field_bytes(), 128 * 1024);
        assert_eq!(limits.get_max_files(), 16);
        assert_eq!(limits.get_max_file_bytes(), usize::MAX);
        assert_eq!(limits.get_max_name_depth(), 8);
        assert_eq!(limits.get_json_max_depth(), 32);
        assert_eq!(limits.get_json_max_elements(), 10_000);
    }

    #[test]
    fn setters_change_only_their_budget() {
        let limits = FormLimits::new()
            .max_fields(1)
            .max_field_bytes(2)
            .max_files(3)
            .max_file_bytes(4)
            .max_name_depth(5)
            .json_max_depth(6)
            .json_max_elements(7);
        assert_eq!(limits.get_max_fields(), 1);
        assert_eq!(limits.get_max_field_bytes(), 2);
        assert_eq!(limits.get_max_files(), 3);
        assert_eq!(limits.get_max_file_bytes(), 4);
        assert_eq!(limits.get_max_name_depth(), 5);
        assert_eq!(limits.get_json_max_depth(), 6);
        assert_eq!(limits.get_json_max_elements(), 7);
    }
}
