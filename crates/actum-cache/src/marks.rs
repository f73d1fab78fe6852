//! The names under which revalidation is recorded, and the ones an entry is checked against.
//!
//! Revalidating never walks the entries: it records, under a name, the moment it happened (a
//! number from one counter, see `store`). An entry remembers the counter's value when its load
//! began, and is stale when any name it is checked against was marked after that. The names are:
//! - `t:<tag>` for [`revalidate_tag`](actum::revalidate_tag);
//! - `p:<path>` for [`revalidate_path`](actum::revalidate_path), checked by what the page at
//!   that path reads;
//! - `l:<prefix>` for [`revalidate_layout`](actum::revalidate_layout), checked by what every page
//!   at or under the prefix reads;
//! - [`EVERYTHING`], checked by every entry.
//!
//! The path names are the current request's, not the entry's: an entry that `/` and `/posts`
//! both read is reloaded when either page is revalidated and read, as Next.js checks a route's
//! implicit tags when it reads.

/// The name every entry is checked against: marking it drops everything.
pub(crate) const EVERYTHING: &str = "*";

/// The name `revalidate_tag(tag)` marks.
pub(crate) fn tag(tag: &str) -> String {
    format!("t:{tag}")
}

/// The name `revalidate_path(path)` marks.
pub(crate) fn path(path: &str) -> String {
    format!("p:{}", normalize(path))
}

/// The name `revalidate_layout(prefix)` marks.
pub(crate) fn layout(prefix: &str) -> String {
    format!("l:{}", normalize(prefix))
}

/// Every name an entry read for the page at `page` is checked against: its own tags, the page's
/// path, every layout above it (the root included), and [`EVERYTHING`].
pub(crate) fn checked(tags: &[String], page: Option<&str>) -> Vec<String> {
    let mut names = Vec::with_capacity(tags.len() + 5);
    names.push(EVERYTHING.to_owned());
    names.extend(tags.iter().map(|t| tag(t)));
    if let Some(page) = page {
        let page = normalize(page);
        names.push(format!("p:{page}"));
        names.push("l:/".to_owned());
        let mut end = 0;
        for segment in page.split('/').filter(|s| !s.is_empty()) {
            end += 1 + segment.len();
            names.push(format!("l:{}", &page[..end]));
        }
    }
    names
}

/// The path part only, with one leading `/` and no trailing one (`/` stays `/`), so that
/// `/posts/`, `/posts` and `/posts?page=2` name the same page.
pub(crate) fn normalize(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_matches('/');
    let mut normal = String::with_capacity(trimmed.len() + 1);
    normal.push('/');
    normal.push_str(trimmed);
    normal
}

/// The names an action's marks record.
pub(crate) fn marked(marks: &actum::Revalidation) -> Vec<String> {
    let tags = marks.tags().iter().map(|t| tag(t));
    let paths = marks.paths().iter().map(|p| path(p));
    let layouts = marks.layouts().iter().map(|l| layout(l));
    tags.chain(paths).chain(layouts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalize("/posts/"), "/posts");
        assert_eq!(normalize("posts"), "/posts");
        assert_eq!(normalize("/posts?page=2#top"), "/posts");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize(""), "/");
    }

    #[test]
    fn a_page_is_checked_against_its_path_and_every_layout_above_it() {
        let names = checked(&["posts".to_owned()], Some("/posts/7?x=1"));
        assert_eq!(
            names,
            [
                "*",
                "t:posts",
                "p:/posts/7",
                "l:/",
                "l:/posts",
                "l:/posts/7"
            ]
        );
    }

    #[test]
    fn the_root_page_has_one_layout() {
        assert_eq!(checked(&[], Some("/")), ["*", "p:/", "l:/"]);
    }

    #[test]
    fn outside_a_page_only_tags_count() {
        assert_eq!(checked(&["a".to_owned()], None), ["*", "t:a"]);
    }

    #[test]
    fn a_layout_is_not_a_string_prefix() {
        let names = checked(&[], Some("/postscript"));
        assert!(!names.contains(&layout("/posts")));
        assert!(checked(&[], Some("/posts/7/edit")).contains(&layout("/posts/")));
    }
}
