//! A browser without JavaScript: raw requests plus a cookie jar.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::request::Req;
use crate::response::Resp;

/// A browser with JavaScript off: it sends its cookies with every request, keeps the ones each
/// answer sets, forgets the ones an answer expires, and never follows redirects.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The server it talks to (change it to follow a restarted server with the same cookies).
    pub addr: SocketAddr,
    /// The cookie jar, name to value.
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            cookies: BTreeMap::new(),
        }
    }

    /// Sends `req` with the jar's cookies, then keeps the cookies of the answer.
    pub async fn send(&mut self, req: Req) -> Resp {
        let resp = req.cookies(&self.cookie_header()).send(self.addr).await;
        self.keep_cookies(&resp);
        resp
    }

    /// A GET of `path`.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Req::get(path)).await
    }

    /// Posts a form from this site (`Sec-Fetch-Site: same-origin`, as a browser sends it).
    pub async fn post(&mut self, action_url: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_from("same-origin", action_url, fields).await
    }

    /// Posts a form from a page whose relation to this site is `site` (the `Sec-Fetch-Site`).
    pub async fn post_from(
        &mut self,
        site: &str,
        action_url: &str,
        fields: &[(&str, &str)],
    ) -> Resp {
        let req = Req::bare_post(action_url)
            .header("sec-fetch-site", site)
            .form(fields);
        self.send(req).await
    }

    /// The `Cookie` header of the jar (empty when the jar is).
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Keeps the cookies an answer sets, and forgets the ones it expires or empties.
    fn keep_cookies(&mut self, resp: &Resp) {
        for cookie in resp.set_cookies() {
            if cookie.expired || cookie.value.is_empty() {
                self.cookies.remove(cookie.name);
            } else {
                self.cookies
                    .insert(cookie.name.to_owned(), cookie.value.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(set_cookies: &[&str]) -> Resp {
        Resp {
            status: 200,
            headers: set_cookies
                .iter()
                .map(|line| ("set-cookie".to_owned(), (*line).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    fn browser() -> Browser {
        Browser::new(SocketAddr::from(([127, 0, 0, 1], 1)))
    }

    #[test]
    fn a_new_browser_sends_no_cookies() {
        assert_eq!(browser().cookie_header(), "");
    }

    #[test]
    fn set_cookies_are_kept_and_sent_back() {
        let mut browser = browser();
        browser.keep_cookies(&answer(&["session=abc; Path=/; HttpOnly", "theme=dark"]));
        assert_eq!(browser.cookie_header(), "session=abc; theme=dark");
        browser.keep_cookies(&answer(&["session=def"]));
        assert_eq!(browser.cookies["session"], "def");
    }

    #[test]
    fn expired_and_emptied_cookies_are_forgotten() {
        let mut browser = browser();
        browser.keep_cookies(&answer(&["session=abc", "theme=dark", "flash=1"]));
        browser.keep_cookies(&answer(&[
            "session=abc; Max-Age=0",
            "theme=; Path=/",
            "junk",
        ]));
        assert_eq!(browser.cookie_header(), "flash=1");
    }
}
