//! Field names with brackets (`author[name]`, `tags[]`) turned into a tree of groups and values.

use std::collections::HashMap;

use super::error::{DecodeError, Kind};
use super::form_data::FormValue;

/// One level of the tree: the values sent under a name, or the sub-fields of a group.
#[derive(Debug)]
pub(super) enum Node {
    /// Every value sent under this exact name, in order (at least one).
    Values(Vec<FormValue>),
    /// Sub-fields sent as `name[key]`.
    Group(Group),
}

/// Up to this many sub-fields a group finds a key by a linear search, cheaper than hashing for
/// the few fields most forms have; past it, through an index built then.
const LINEAR_SEARCH_MAX: usize = 8;

/// The sub-fields of a group (or of the whole form), in the order they first appeared.
#[derive(Debug, Default)]
pub(super) struct Group {
    children: Vec<(String, Node)>,
    /// Where each key is in `children`; empty until there are more than [`LINEAR_SEARCH_MAX`].
    positions: HashMap<String, usize>,
}

impl Group {
    /// The keys of the sub-fields, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(|(key, _)| key.as_str())
    }

    /// Gives up the sub-fields, in order.
    pub(super) fn into_children(self) -> Vec<(String, Node)> {
        self.children
    }

    /// Where the child under `key` is in `children`.
    fn position(&self, key: &str) -> Option<usize> {
        if self.positions.is_empty() {
            self.children.iter().position(|(k, _)| k == key)
        } else {
            self.positions.get(key).copied()
        }
    }

    /// The child under `key`, created by `make` if absent.
    fn child_or_insert(&mut self, key: &str, make: impl FnOnce() -> Node) -> &mut Node {
        let position = match self.position(key) {
            Some(position) => position,
            None => self.push_child(key.to_owned(), make()),
        };
        &mut self.children[position].1
    }

    /// Where the child under `key` is, created by `make` if absent with `key` itself (not a copy)
    /// as its key: a field name without brackets is its whole key.
    fn position_or_push(&mut self, key: String, make: impl FnOnce() -> Node) -> usize {
        match self.position(&key) {
            Some(position) => position,
            None => self.push_child(key, make()),
        }
    }

    /// Adds a child (its key is new); returns where it is.
    fn push_child(&mut self, key: String, node: Node) -> usize {
        let position = self.children.len();
        if !self.positions.is_empty() {
            self.positions.insert(key.clone(), position);
        }
        self.children.push((key, node));
        if self.positions.is_empty() && self.children.len() > LINEAR_SEARCH_MAX {
            let keys = self.children.iter().map(|(k, _)| k.clone());
            self.positions = keys.zip(0..).collect();
        }
        position
    }
}

/// The path of the child `key` of the field at `parent`: `key` at the top, else `parent[key]`.
pub(super) fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}[{key}]")
    }
}

/// Builds the tree of a form's fields, checking every name.
pub(super) fn build_tree(
    entries: Vec<(String, FormValue)>,
    max_depth: usize,
) -> Result<Group, DecodeError> {
    let mut root = Group::default();
    for (name, value) in entries {
        // Most names have no brackets: one segment, filed under the name itself (no list of
        // segments, no copy of the name).
        if !name.is_empty() && !name.contains(['[', ']']) {
            let position = root.position_or_push(name, || Node::Values(Vec::new()));
            match &mut root.children[position] {
                (_, Node::Values(values)) => values.push(value),
                (name, Node::Group(_)) => return Err(value_and_group(name)),
            }
            continue;
        }
        let segments = parse_field_name(&name, max_depth)?;
        insert(&mut root, &segments, value)?;
    }
    Ok(root)
}

/// Files `value` under its name's segments, creating groups on the way.
fn insert(root: &mut Group, segments: &[&str], value: FormValue) -> Result<(), DecodeError> {
    let Some((last, parents)) = segments.split_last() else {
        return Err(DecodeError::malformed("a field name is empty"));
    };
    // The path of the first `depth` segments, for an error only (not made for every field).
    let path = |depth: usize| {
        segments[..depth]
            .iter()
            .fold(String::new(), |path, segment| child_path(&path, segment))
    };
    let mut group = root;
    for (depth, segment) in parents.iter().enumerate() {
        group = match group.child_or_insert(segment, || Node::Group(Group::default())) {
            Node::Group(subgroup) => subgroup,
            Node::Values(_) => return Err(value_and_group(&path(depth + 1))),
        };
    }
    match group.child_or_insert(last, || Node::Values(Vec::new())) {
        Node::Values(values) => values.push(value),
        Node::Group(_) => return Err(value_and_group(&path(segments.len()))),
    }
    Ok(())
}

/// The 422 error for a name sent both as `a` and as `a[key]`.
fn value_and_group(path: &str) -> DecodeError {
    DecodeError::new(
        Kind::Mismatch,
        format!("field `{path}` was sent both as a value and with sub-fields like `{path}[...]`"),
    )
    .with_field(path)
}

/// Splits `a[b][c]` into `["a", "b", "c"]`; a final `[]` (`tags[]`) only marks a list.
///
/// A name must start with a non-empty base and continue with bracket pairs only: `a[b`, `a]`,
/// `a[b]c`, `[a]` and `a[b[c]]` are malformed (400), as is more than `max_depth` pairs.
/// Indexed lists of groups (`a[][b]`) are well formed but not supported (422).
fn parse_field_name(name: &str, max_depth: usize) -> Result<Vec<&str>, DecodeError> {
    let malformed =
        || DecodeError::malformed(format!("field name `{name}` is malformed")).with_field(name);
    let base_end = name.find('[').unwrap_or(name.len());
    let (base, mut rest) = name.split_at(base_end);
    if base.is_empty() || base.contains(']') {
        return Err(malformed());
    }
    let mut segments = vec![base];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(malformed)?;
        let close = inner.find(']').ok_or_else(malformed)?;
        let segment = &inner[..close];
        if segment.contains('[') {
            return Err(malformed());
        }
        if segments.len() > max_depth {
            return Err(DecodeError::malformed(format!(
                "field name `{name}` is nested deeper than {max_depth} levels"
            ))
            .with_field(name));
        }
        segments.push(segment);
        rest = &inner[close + 1..];
    }
    if segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.contains(&"") {
        return Err(DecodeError::new(
            Kind::Mismatch,
            format!(
                "field `{name}`: lists of groups are not supported in forms: send JSON instead"
            ),
        )
        .with_field(name));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    #[test]
    fn groups_find_their_keys_below_and_past_the_linear_search() {
        let keys: Vec<String> = (0..3 * LINEAR_SEARCH_MAX)
            .map(|i| format!("k{i}"))
            .collect();
        // Every key twice, interleaved: the second value of each joins the first.
        let entries = keys
            .iter()
            .chain(&keys)
            .map(|k| (k.clone(), FormValue::Text(k.clone())))
            .collect();
        let root = build_tree(entries, 8).unwrap();
        assert_eq!(root.keys().collect::<Vec<_>>(), keys);
        for (key, node) in root.into_children() {
            match node {
                Node::Values(values) => assert_eq!(values.len(), 2, "{key}"),
                Node::Group(_) => panic!("{key} is a group"),
            }
        }
    }

    #[test]
    fn names_split_into_segments() {
        let cases: [(&str, &[&str]); 7] = [
            ("title", &["title"]),
            ("tags[]", &["tags"]),
            ("author[name]", &["author", "name"]),
            ("a[b][c]", &["a", "b", "c"]),
            ("a[b][]", &["a", "b"]),
            ("a.b c", &["a.b c"]),
            ("a[b c][d.e]", &["a", "b c", "d.e"]),
        ];
        for (name, expected) in cases {
            assert_eq!(parse_field_name(name, 8).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn malformed_names_are_400() {
        for name in [
            "", "[a]", "a]", "a[b", "a[b]c", "a[b[c]]", "a[b]]", "a][b]", "[]",
        ] {
            let error = parse_field_name(name, 8).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{name}");
            assert_eq!(error.message(), format!("field name `{name}` is malformed"));
            assert_eq!(error.field(), Some(name));
        }
    }

    #[test]
    fn depth_counts_bracket_pairs() {
        assert!(parse_field_name("a[b][c]", 2).is_ok());
        assert!(parse_field_name("a[b][]", 2).is_ok());
        for name in ["a[b][c][d]", "a[b][c][]"] {
            let error = parse_field_name(name, 2).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST);
            assert_eq!(
                error.message(),
                format!("field name `{name}` is nested deeper than 2 levels")
            );
        }
        assert!(parse_field_name("a", 0).is_ok());
        assert!(parse_field_name("a[]", 0).unwrap_err().is_malformed());
    }

    #[test]
    fn lists_of_groups_are_422() {
        for name in ["a[][b]", "a[b][][c]", "a[][]"] {
            let error = parse_field_name(name, 8).unwrap_err();
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert_eq!(
                error.message(),
                format!(
                    "field `{name}`: lists of groups are not supported in forms: send JSON instead"
                )
            );
        }
    }

    fn text(value: &str) -> FormValue {
        FormValue::Text(value.to_owned())
    }

    #[test]
    fn names_without_brackets_take_the_short_way_to_the_same_tree() {
        for name in ["a", "title", "a.b c", "é", "x-y_z"] {
            assert_eq!(parse_field_name(name, 8).unwrap(), [name]);
            let root = build_tree(vec![(name.to_owned(), text("1"))], 8).unwrap();
            assert_eq!(root.keys().collect::<Vec<_>>(), [name]);
        }
        for name in ["", "a]", "]"] {
            let error = build_tree(vec![(name.to_owned(), text("1"))], 8).unwrap_err();
            assert!(error.is_malformed(), "{name}");
        }
    }

    #[test]
    fn the_tree_groups_values_and_keeps_order() {
        let entries = vec![
            ("b".to_owned(), text("1")),
            ("a[x]".to_owned(), text("2")),
            ("b[]".to_owned(), text("3")),
            ("a[y]".to_owned(), text("4")),
        ];
        let root = build_tree(entries, 8).unwrap();
        assert_eq!(root.keys().collect::<Vec<_>>(), ["b", "a"]);
        let children = root.into_children();
        assert!(matches!(&children[0].1, Node::Values(values) if values.len() == 2));
        let Node::Group(group) = &children[1].1 else {
            panic!("a is a group")
        };
        assert_eq!(group.keys().collect::<Vec<_>>(), ["x", "y"]);
    }

    #[test]
    fn a_name_both_value_and_group_is_422() {
        for (first, second, field) in [
            ("a", "a[b]", "a"),
            ("a[b]", "a", "a"),
            ("a[b]", "a[b][c]", "a[b]"),
        ] {
            let entries = vec![
                (first.to_owned(), text("1")),
                (second.to_owned(), text("2")),
            ];
            let error = build_tree(entries, 8).unwrap_err();
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(error.field(), Some(field));
            assert_eq!(
                error.message(),
                format!(
                    "field `{field}` was sent both as a value and with sub-fields like `{field}[...]`"
                )
            );
        }
    }

    #[test]
    fn child_paths_use_brackets() {
        assert_eq!(child_path("", "a"), "a");
        assert_eq!(child_path("a", "b"), "a[b]");
        assert_eq!(child_path("a[b]", "c"), "a[b][c]");
    }
}
