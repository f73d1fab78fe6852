//! Marking what an action made stale: [`revalidate_path`], [`revalidate_layout`],
//! [`revalidate_tag`] and [`refresh`], and the [`Revalidate`] hook through which a cache hears of
//! them before the action's answer is sent.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::context::expect_current;

/// What the code serving a request marked stale. The action's answer carries it (the
/// `revalidated` member of the JSON envelope), and a [`Revalidate`] hook set with
/// [`ActionsLayer::cache`](crate::ActionsLayer::cache) receives it once the action has run.
///
/// ```
/// let marks = actum::Revalidation::default();
/// assert!(marks.is_empty());
/// assert!(marks.tags().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Revalidation {
    pub(crate) paths: Vec<String>,
    pub(crate) layouts: Vec<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) refresh: bool,
}

impl Revalidation {
    /// The pages marked with [`revalidate_path`], as given.
    ///
    /// ```
    /// assert!(actum::Revalidation::default().paths().is_empty());
    /// ```
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The path prefixes marked with [`revalidate_layout`], as given.
    ///
    /// ```
    /// assert!(actum::Revalidation::default().layouts().is_empty());
    /// ```
    pub fn layouts(&self) -> &[String] {
        &self.layouts
    }

    /// The tags marked with [`revalidate_tag`].
    ///
    /// ```
    /// assert!(actum::Revalidation::default().tags().is_empty());
    /// ```
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Whether [`refresh`] was called.
    ///
    /// ```
    /// assert!(!actum::Revalidation::default().refresh());
    /// ```
    pub fn refresh(&self) -> bool {
        self.refresh
    }

    /// Whether nothing was marked (and no refresh asked for).
    ///
    /// ```
    /// assert!(actum::Revalidation::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.layouts.is_empty() && self.tags.is_empty() && !self.refresh
    }

    /// Whether a cache has anything to drop: paths, layouts or tags (a refresh drops nothing).
    pub(crate) fn drops_anything(&self) -> bool {
        !(self.paths.is_empty() && self.layouts.is_empty() && self.tags.is_empty())
    }
}

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// A cache that drops what actions mark stale, set with
/// [`ActionsLayer::cache`](crate::ActionsLayer::cache).
///
/// The layer awaits [`Revalidate::revalidate`] after the action has run and before its answer
/// is sent, so the page re-rendered in that answer, and every request that follows it, reads
/// fresh data. It runs even when the client has hung up. An implementation bounds its own time
/// and never fails the action: a cache that cannot be reached is the cache's problem to log.
///
/// `actum-cache` implements it; a hand-written one looks like this:
///
/// ```
/// use std::{future::Future, pin::Pin};
/// use actum::{Revalidate, Revalidation};
///
/// struct LogOnly;
///
/// impl Revalidate for LogOnly {
///     fn revalidate<'a>(
///         &'a self,
///         marks: &'a Revalidation,
///     ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
///         Box::pin(async move { println!("stale: {:?}", marks.tags()) })
///     }
/// }
///
/// let layer = actum::ActionsLayer::new().cache(LogOnly);
/// ```
pub trait Revalidate: Send + Sync + 'static {
    /// Drops what `marks` names. Called only when it names a path, a layout or a tag.
    fn revalidate<'a>(
        &'a self,
        marks: &'a Revalidation,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// Marks one page as stale: cached data it read and its cached response are dropped, and the
/// answer to a script says so (carrying the page re-rendered when it is the current one).
///
/// The path is matched exactly, without its query (`/posts/7`); to mark a page and every page
/// under it, use [`revalidate_layout`].
///
/// # Panics
/// Outside a request served under [`ActionsLayer`](crate::ActionsLayer) or an action.
///
/// ```
/// #[actum::action]
/// async fn publish(_: ()) {
///     actum::revalidate_path("/posts");
/// }
/// ```
#[track_caller]
pub fn revalidate_path(path: impl Into<String>) {
    let ctx = expect_current("revalidate_path");
    push_once(&mut ctx.effects().revalidation.paths, path.into());
}

/// Marks a page and every page under it as stale: `revalidate_layout("/posts")` reaches `/posts`,
/// `/posts/7` and `/posts/7/edit` (not `/postscript`); `revalidate_layout("/")` reaches every
/// page. This is what Next.js calls `revalidatePath(path, "layout")`.
///
/// # Panics
/// Outside a request served under [`ActionsLayer`](crate::ActionsLayer) or an action.
///
/// ```
/// #[actum::action]
/// async fn rename_section(_: ()) {
///     actum::revalidate_layout("/docs");
/// }
/// ```
#[track_caller]
pub fn revalidate_layout(path: impl Into<String>) {
    let ctx = expect_current("revalidate_layout");
    push_once(&mut ctx.effects().revalidation.layouts, path.into());
}

/// Marks a cache tag as stale: every cached entry and page tagged with it is dropped.
///
/// # Panics
/// Outside a request served under [`ActionsLayer`](crate::ActionsLayer) or an action.
///
/// ```
/// #[actum::action]
/// async fn publish(_: ()) {
///     actum::revalidate_tag("posts");
/// }
/// ```
#[track_caller]
pub fn revalidate_tag(tag: impl Into<String>) {
    let ctx = expect_current("revalidate_tag");
    push_once(&mut ctx.effects().revalidation.tags, tag.into());
}

/// Asks for the current page to be re-rendered in the answer, without touching any cache.
///
/// # Panics
/// Outside a request served under [`ActionsLayer`](crate::ActionsLayer) or an action.
///
/// ```
/// #[actum::action]
/// async fn bump(_: ()) {
///     actum::refresh();
/// }
/// ```
#[track_caller]
pub fn refresh() {
    expect_current("refresh").effects().revalidation.refresh = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_kept_once_each() {
        let mut marks = Revalidation::default();
        push_once(&mut marks.tags, "posts".into());
        push_once(&mut marks.tags, "posts".into());
        assert_eq!(marks.tags(), ["posts"]);
        assert!(marks.drops_anything());
    }

    #[test]
    fn a_refresh_alone_drops_nothing() {
        let marks = Revalidation {
            refresh: true,
            ..Revalidation::default()
        };
        assert!(!marks.is_empty());
        assert!(!marks.drops_anything());
    }

    #[test]
    fn the_wire_shape() {
        let marks = Revalidation {
            paths: vec!["/a".into()],
            layouts: vec!["/b".into()],
            tags: vec!["c".into()],
            refresh: true,
        };
        let json = serde_json::to_string(&marks).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"paths":["/a"],"layouts":["/b"],"tags":["c"],"refresh":true}"#
        );
    }
}
