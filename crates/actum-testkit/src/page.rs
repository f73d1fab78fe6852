//! Reads a rendered page the way a browser without JavaScript would use it: forms by `id`, their
//! `action` and inputs, the text and attributes of elements by `id`.
//!
//! The pages are made by maud, which writes every attribute as `name="value"` with `&`, `<`, `>`
//! and `"` escaped; that is all this reader relies on.

/// The HTML of one page.
#[derive(Debug, Clone)]
pub struct Page {
    html: String,
}

impl Page {
    /// Wraps a page's HTML.
    pub fn new(html: impl Into<String>) -> Page {
        Page { html: html.into() }
    }

    /// Whether an element has this `id`.
    pub fn has(&self, id: &str) -> bool {
        self.element_start(id).is_some()
    }

    /// The `action` of the form with this `id` (unescaped), failing the test when it is missing.
    pub fn form_action(&self, form_id: &str) -> String {
        let start = self
            .element_start(form_id)
            .unwrap_or_else(|| panic!("no form #{form_id} on the page"));
        attribute(self.tag_at(start), "action")
            .unwrap_or_else(|| panic!("form #{form_id} has no action"))
    }

    /// The text inside the element with this `id` (tags inside it dropped, entities decoded).
    pub fn text(&self, id: &str) -> Option<String> {
        let start = self.element_start(id)?;
        let tag = self.tag_at(start);
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let content_start = start + tag.len();
        let content_end = content_start + self.html[content_start..].find(&format!("</{name}>"))?;
        Some(unescape(&strip_tags(
            &self.html[content_start..content_end],
        )))
    }

    /// An attribute of the element with this `id`.
    pub fn attribute_of(&self, id: &str, name: &str) -> Option<String> {
        attribute(self.tag_at(self.element_start(id)?), name)
    }

    /// An attribute of the first `<tag …>` of the page (say `body`).
    pub fn tag_attribute(&self, tag: &str, name: &str) -> Option<String> {
        let start = self.html.find(&format!("<{tag} "))?;
        attribute(self.tag_at(start), name)
    }

    /// The whole opening tag of the input named `name` inside the form with this `id`.
    pub fn input_tag(&self, form_id: &str, name: &str) -> Option<&str> {
        let start = self.element_start(form_id)?;
        let form = &self.html[start..start + self.html[start..].find("</form>")?];
        let wanted = format!(" name=\"{name}\"");
        form.match_indices("<input ")
            .map(|(at, _)| tag_text(&form[at..]))
            .find(|tag| tag.contains(&wanted))
    }

    /// The `value` of the input named `name` inside the form with this `id`.
    pub fn input_value(&self, form_id: &str, name: &str) -> Option<String> {
        attribute(self.input_tag(form_id, name)?, "value")
    }

    /// Where the element with this `id` starts (its `<`).
    fn element_start(&self, id: &str) -> Option<usize> {
        let needle = format!(" id=\"{id}\"");
        self.html
            .match_indices(&needle)
            .map(|(at, _)| self.html[..at].rfind('<').unwrap_or(0))
            // The attribute must be inside the tag, not in text after it.
            .find(|&start| {
                !self.html[start..].starts_with("</") && self.tag_at(start).contains(&needle)
            })
    }

    /// The opening tag that starts at `start`.
    fn tag_at(&self, start: usize) -> &str {
        tag_text(&self.html[start..])
    }
}

/// The `action` of the form with this `id` in `html`, unescaped (`&amp;` becomes `&`) as the
/// browser posts to it; fails the test when the form or its action is missing.
pub fn form_action(html: &str, form_id: &str) -> String {
    Page::new(html).form_action(form_id)
}

/// The tag at the start of `html`, up to and including its `>`.
fn tag_text(html: &str) -> &str {
    html.find('>').map_or(html, |end| &html[..=end])
}

/// The unescaped value of `name="…"` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// Drops the tags from a piece of HTML, keeping the text.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Decodes the entities maud writes (and the numeric quote some escapers use).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: &str = r#"<html><body data-theme="dark &amp; light"><p>id="ghost"</p>
<form class="inline" id="sign-in" method="post" action="/_actum/a?b=1&amp;c=2">
<input type="text" name="name" value="&lt;ann&gt;"><input name="other" value="x">
<span class="error" id="name-error">too <b>short</b> &amp; &quot;bad&quot;</span>
</form>
<form id="no-action" method="post"></form>
<output id="total">3</output>
</body></html>"#;

    #[test]
    fn has_finds_ids_in_tags_only() {
        let page = Page::new(HTML);
        assert!(page.has("sign-in"));
        assert!(page.has("total"));
        assert!(!page.has("ghost"), "text that looks like an id is not one");
        assert!(!page.has("missing"));
    }

    #[test]
    fn form_action_is_unescaped() {
        assert_eq!(Page::new(HTML).form_action("sign-in"), "/_actum/a?b=1&c=2");
        assert_eq!(form_action(HTML, "sign-in"), "/_actum/a?b=1&c=2");
    }

    #[test]
    #[should_panic(expected = "no form #missing on the page")]
    fn a_missing_form_fails() {
        form_action(HTML, "missing");
    }

    #[test]
    #[should_panic(expected = "form #no-action has no action")]
    fn a_form_without_action_fails() {
        form_action(HTML, "no-action");
    }

    #[test]
    fn text_drops_tags_and_decodes_entities() {
        let page = Page::new(HTML);
        assert_eq!(
            page.text("name-error").as_deref(),
            Some("too short & \"bad\"")
        );
        assert_eq!(page.text("total").as_deref(), Some("3"));
        assert_eq!(page.text("missing"), None);
    }

    #[test]
    fn attributes_are_read_by_id_or_by_tag() {
        let page = Page::new(HTML);
        assert_eq!(
            page.attribute_of("sign-in", "method").as_deref(),
            Some("post")
        );
        assert_eq!(page.attribute_of("sign-in", "target"), None);
        assert_eq!(
            page.tag_attribute("body", "data-theme").as_deref(),
            Some("dark & light")
        );
        assert_eq!(page.tag_attribute("main", "id"), None);
    }

    #[test]
    fn inputs_are_found_by_form_and_name() {
        let page = Page::new(HTML);
        assert_eq!(
            page.input_tag("sign-in", "other"),
            Some(r#"<input name="other" value="x">"#)
        );
        assert_eq!(
            page.input_value("sign-in", "name").as_deref(),
            Some("<ann>")
        );
        assert_eq!(page.input_value("sign-in", "missing"), None);
        assert_eq!(page.input_value("no-action", "name"), None);
    }

    #[test]
    fn unescape_decodes_ampersand_last() {
        assert_eq!(unescape("&amp;lt; &#39;&#x27;"), "&lt; ''");
    }
}
