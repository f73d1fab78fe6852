//! Cross-site request forgery: a browser on another site must not be able to make a user's browser
//! call an action, whatever the content type, the header spelling or the forwarding headers.

use std::net::SocketAddr;

use actum::{ActionsLayer, TrustedProxies};
use actum_testkit::{Part, Req, Resp, assert_hardened};
use serde_json::json;

use crate::app::{self, serve, serve_with};
use crate::{Untouched, url};

/// A post to `add` with `n=1` in each body kind a page can send (text/plain is what a form with
/// `enctype="text/plain"` sends, and what `fetch` sends without a preflight).
fn bodies() -> Vec<(&'static str, Req)> {
    let to = url(app::add);
    vec![
        ("urlencoded", Req::bare_post(&to).form(&[("n", "1")])),
        (
            "multipart",
            Req::bare_post(&to).multipart(&[Part::field("n", b"1")]),
        ),
        ("json", Req::bare_post(&to).json(json!({ "n": 1 }))),
        (
            "text/plain",
            Req::bare_post(&to)
                .header("content-type", "text/plain")
                .body("n=1"),
        ),
    ]
}

async fn refused(addr: SocketAddr, req: Req) -> Resp {
    let resp = req.send(addr).await;
    assert_eq!(resp.status, 403, "{}", resp.text());
    assert_hardened(&resp);
    resp
}

#[tokio::test]
async fn a_cross_site_post_is_refused_for_every_content_type() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for (kind, req) in bodies() {
        let req = req
            .header("sec-fetch-site", "cross-site")
            .header("origin", "https://evil.example");
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 403, "{kind}");
    }
    untouched.check();
}

#[tokio::test]
async fn a_cross_origin_post_without_fetch_metadata_is_refused_for_every_content_type() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for (kind, req) in bodies() {
        let resp = req.header("origin", "http://evil.example").send(addr).await;
        assert_eq!(resp.status, 403, "{kind}");
    }
    untouched.check();
}

#[tokio::test]
async fn content_type_case_variants_do_not_bypass_the_origin_check() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for content_type in [
        "Application/X-WWW-Form-Urlencoded",
        "APPLICATION/JSON",
        "Multipart/Form-Data; boundary=x",
        "TEXT/PLAIN",
        "application/x-www-form-urlencoded ; charset=utf-8",
    ] {
        let req = Req::bare_post(url(app::add))
            .header("sec-fetch-site", "cross-site")
            .header("origin", "https://evil.example")
            .header("content-type", content_type)
            .body("n=1");
        refused(addr, req).await;
    }
    untouched.check();
}

#[tokio::test]
async fn same_site_fetch_metadata_is_refused_without_an_allowed_origin() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // A sibling subdomain (possibly user content) is same-site, not same-origin.
    let req = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "same-site")
        .header("origin", "https://uploads.example.com")
        .form(&[("n", "1")]);
    refused(addr, req).await;
    untouched.check();
}

#[tokio::test]
async fn unknown_fetch_metadata_values_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for site in ["bogus", "SAME-ORIGIN", "same-origin, cross-site", ""] {
        let req = Req::bare_post(url(app::add))
            .header("sec-fetch-site", site)
            .header("origin", &format!("http://{addr}"))
            .form(&[("n", "1")]);
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 403, "sec-fetch-site {site:?}");
    }
    untouched.check();
}

#[tokio::test]
async fn a_repeated_browser_header_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let own = format!("http://{addr}");
    let cases = [
        ("sec-fetch-site", "same-origin", "cross-site"),
        ("sec-fetch-site", "same-origin", "same-origin"),
        ("origin", own.as_str(), "https://evil.example"),
        ("referer", &format!("{own}/"), "https://evil.example/"),
    ];
    for (name, first, second) in cases {
        let req = Req::bare_post(url(app::add))
            .header(name, first)
            .header(name, second)
            .form(&[("n", "1")]);
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 403, "{name}: {first} then {second}");
    }
    untouched.check();
}

#[tokio::test]
async fn a_null_origin_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // What a sandboxed iframe or a `data:` page sends.
    refused(
        addr,
        Req::bare_post(url(app::add))
            .header("origin", "null")
            .form(&[("n", "1")]),
    )
    .await;
    // `same-site` with a null origin cannot match an allow-list entry either.
    let (addr, app) = serve_with(ActionsLayer::new().allowed_origins(["*.example.com"])).await;
    let untouched_allowed = Untouched::from(&app);
    refused(
        addr,
        Req::bare_post(url(app::add))
            .header("sec-fetch-site", "same-site")
            .header("origin", "null")
            .form(&[("n", "1")]),
    )
    .await;
    untouched.check();
    untouched_allowed.check();
}

#[tokio::test]
async fn malformed_origins_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let own = format!("{addr}");
    for origin in [
        String::new(),
        "not a url".to_owned(),
        "javascript:alert(1)".to_owned(),
        "http://".to_owned(),
        format!("http://{own}/path"),
        format!("http://user@{own}"),
        format!("http://{own}:"),
        format!("ftp://{own}"),
        own.clone(),
        format!("http://{own}#"),
    ] {
        let req = Req::bare_post(url(app::add))
            .header("origin", &origin)
            .form(&[("n", "1")]);
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 403, "origin {origin:?}");
    }
    untouched.check();
}

#[tokio::test]
async fn an_origin_with_bytes_outside_ascii_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // Raw UTF-8 in the header, as an attacker can send it (browsers never do).
    let mut request = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: 3\r\norigin: http://",
        url(app::add)
    )
    .into_bytes();
    request.extend_from_slice(format!("{addr}").as_bytes());
    request.extend_from_slice("\u{ff0e}\r\n\r\nn=1".as_bytes());
    let raw = crate::raw_exchange(addr, &request, std::time::Duration::from_secs(5)).await;
    assert_eq!(
        crate::statuses(&raw),
        [403],
        "{}",
        String::from_utf8_lossy(&raw)
    );
    untouched.check();
}

#[tokio::test]
async fn a_foreign_origin_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for origin in [
        "http://evil.example",
        "http://127.0.0.1:1",
        "https://127.0.0.1.evil.example",
    ] {
        refused(
            addr,
            Req::bare_post(url(app::add))
                .header("origin", origin)
                .form(&[("n", "1")]),
        )
        .await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_foreign_referer_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for referer in [
        "http://evil.example/page".to_owned(),
        format!("http://evil.example/{addr}/"),
        format!("http://{addr}.evil.example/"),
        "about:blank".to_owned(),
    ] {
        refused(
            addr,
            Req::bare_post(url(app::add))
                .header("referer", &referer)
                .form(&[("n", "1")]),
        )
        .await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_request_without_browser_headers_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    refused(
        addr,
        Req::bare_post(url(app::add))
            .script()
            .json(json!({ "n": 1 })),
    )
    .await;
    untouched.check();
}

#[tokio::test]
async fn allowing_non_browsers_does_not_let_a_cross_site_browser_through() {
    let (addr, app) = serve_with(ActionsLayer::new().allow_non_browser(true)).await;
    let untouched = Untouched::from(&app);
    refused(
        addr,
        Req::bare_post(url(app::add))
            .header("origin", "https://evil.example")
            .json(json!({ "n": 1 })),
    )
    .await;
    refused(
        addr,
        Req::bare_post(url(app::add))
            .header("sec-fetch-site", "cross-site")
            .form(&[("n", "1")]),
    )
    .await;
    untouched.check();
}

#[tokio::test]
async fn allow_list_near_misses_are_refused() {
    let layer = ActionsLayer::new().allowed_origins(["https://*.example.com"]);
    let (addr, app) = serve_with(layer).await;
    let control = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://shop.example.com")
        .script()
        .json(json!({ "n": 1 }))
        .send(addr)
        .await;
    assert_eq!(control.status, 200, "the allowed origin passes");
    let untouched = Untouched::from(&app);
    for origin in [
        "https://example.com",
        "https://a.b.example.com",
        "https://example.com.evil.io",
        "https://shop.example.com.evil.io",
        "https://shopexample.com",
        "https://shop-example.com",
        "http://shop.example.com",
        "https://shop.example.com:8443",
        "https://shop.example.co",
        "https://shop.example.com.",
        "https://SHOP.EXAMPLE.COM.evil.io",
    ] {
        refused(
            addr,
            Req::bare_post(url(app::add))
                .header("sec-fetch-site", "cross-site")
                .header("origin", origin)
                .script()
                .json(json!({ "n": 1 })),
        )
        .await;
    }
    untouched.check();
}

/// A post from `https://public.example` claiming, through forwarding headers, that the server is
/// `public.example`.
fn spoofed(forwarding: &[(&str, &str)]) -> Req {
    let mut req = Req::bare_post(url(app::add)).header("origin", "https://public.example");
    for (name, value) in forwarding {
        req = req.header(name, value);
    }
    req.script().json(json!({ "n": 1 }))
}

#[tokio::test]
async fn a_spoofed_forwarded_host_from_an_untrusted_peer_is_ignored() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for forwarding in [
        &[
            ("x-forwarded-host", "public.example"),
            ("x-forwarded-proto", "https"),
        ][..],
        &[("forwarded", "host=public.example;proto=https")][..],
        &[("x-forwarded-host", "public.example:443")][..],
    ] {
        refused(addr, spoofed(forwarding)).await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_trusted_proxy_whose_forwarding_headers_disagree_is_refused() {
    let proxies = TrustedProxies::list(["127.0.0.1"]).unwrap();
    let (addr, app) = serve_with(ActionsLayer::new().trusted_proxies(proxies)).await;
    let control = spoofed(&[("x-forwarded-host", "public.example")])
        .send(addr)
        .await;
    assert_eq!(control.status, 200, "the trusted proxy's host counts");
    let untouched = Untouched::from(&app);
    let disagreeing = [
        ("forwarded", "host=other.example"),
        ("x-forwarded-host", "public.example"),
    ];
    refused(addr, spoofed(&disagreeing)).await;
    untouched.check();
}

#[tokio::test]
async fn the_origin_is_checked_before_the_body_is_read() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let req = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "100000");
    let resp = req.send_head_only(addr, b"n=1").await;
    assert_eq!(resp.status, 403);
    untouched.check();
}
