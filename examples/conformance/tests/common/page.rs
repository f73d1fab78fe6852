//! What the fixture's page (`GET /`) shows beyond forms: the counter and the last result.

use actum_testkit::Page;

/// The fixture's own elements, read from its page.
pub(crate) trait FixturePage {
    /// The counter (`<output id="total">`).
    fn total(&self) -> i64;

    /// The last result, parsed (`<output id="result">`), when the page shows one.
    fn result(&self) -> Option<serde_json::Value>;
}

impl FixturePage for Page {
    fn total(&self) -> i64 {
        let text = self.text("total").expect("the page shows the total");
        text.parse()
            .unwrap_or_else(|_| panic!("the total is not a number: {text:?}"))
    }

    fn result(&self) -> Option<serde_json::Value> {
        let text = self.text("result")?;
        Some(
            serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("the result is not JSON ({err}): {text}")),
        )
    }
}
