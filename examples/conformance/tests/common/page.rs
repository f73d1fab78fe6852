//! Reads the fixture's page (`GET /`) the way a browser without JavaScript would use it: forms by
//! `id`, their `action` and inputs, and the text of elements by `id`.
//!
//! The page is made by maud, which writes every attribute as `name="value"` with `&`, `<`, `>`
//! and `"` escaped; that is all this reader relies on.

/// The HTML of one page.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    html: String,
}

impl Page {
    /// Wraps a page's HTML.
    pub(crate) fn new(html: String) -> Page {
        Page { html }
    }

    /// Whether an element has this `id`.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.element_start(id).is_some()
    }

    /// The `action` of the form with this `id` (unescaped), failing the test when it is missing.
    pub(crate) fn form_action(&self, form_id: &str) -> String {
        let start = self
            .element_start(form_id)
            .unwrap_or_else(|| panic!("no form #{form_id} on the page"));
        attribute(self.tag_at(start), "action")
            .unwrap_or_else(|| panic!("form #{form_id} has no action"))
    }

    /// The text inside the element with this `id` (tags inside it dropped, entities decoded).
    pub(crate) fn text(&self, id: &str) -> Option<String> {
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
    pub(crate) fn attribute_of(&self, id: &str, name: &str) -> Option<String> {
        attribute(self.tag_at(self.element_start(id)?), name)
    }

    /// An attribute of the first `<tag …>` of the page (say `body`).
    pub(crate) fn tag_attribute(&self, tag: &str, name: &str) -> Option<String> {
        let start = self.html.find(&format!("<{tag} "))?;
        attribute(self.tag_at(start), name)
    }

    /// The whole opening tag of the input named `name` inside the form with this `id`.
    pub(crate) fn input_tag(&self, form_id: &str, name: &str) -> Option<&str> {
        let start = self.element_start(form_id)?;
        let form = &self.html[start..start + self.html[start..].find("</form>")?];
        let wanted = format!(" name=\"{name}\"");
        form.match_indices("<input ")
            .map(|(at, _)| tag_text(&form[at..]))
            .find(|tag| tag.contains(&wanted))
    }

    /// The `value` of the input named `name` inside the form with this `id`.
    pub(crate) fn input_value(&self, form_id: &str, name: &str) -> Option<String> {
        attribute(self.input_tag(form_id, name)?, "value")
    }

    /// The counter (`<output id="total">`).
    pub(crate) fn total(&self) -> i64 {
        let text = self.text("total").expect("the page shows the total");
        text.parse()
            .unwrap_or_else(|_| panic!("the total is not a number: {text:?}"))
    }

    /// The last result, parsed (`<output id="result">`), when the page shows one.
    pub(crate) fn result(&self) -> Option<serde_json::Value> {
        let text = self.text("result")?;
        Some(
            serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("the result is not JSON ({err}): {text}")),
        )
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
