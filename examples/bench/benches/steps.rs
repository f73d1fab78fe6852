//! The cost of each step of an action request, measured alone with criterion (see BENCHMARKS.md):
//!
//! ```text
//! cargo bench -p actum-bench --bench steps
//! ```
//!
//! The origin check (each of its rules), decoding (urlencoded, JSON and multipart, into a small
//! and a larger input), and sealing and opening bound arguments. The decoders and seals are
//! reached through actum's hidden `__fuzz` entry points, which run them as the handler does.
#![allow(missing_docs)]

use std::hint::black_box;

use actum::OriginPolicy;
use actum::fuzz::bench;
use criterion::{Criterion, criterion_group, criterion_main};
use http::request::Parts;
use serde::Deserialize;

/// The benchmark app's input.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Add {
    n: i64,
}

/// A larger form: text, a list, a nested group, an optional flag.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Post {
    title: String,
    content: String,
    tags: Vec<String>,
    author: Author,
    draft: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Author {
    name: String,
    email: String,
}

/// The head of an action request with these headers.
fn head(headers: &[(&str, &str)]) -> Parts {
    let mut request = http::Request::post("/_actum/add").header("host", "127.0.0.1:3000");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(())
        .map(|r| r.into_parts().0)
        .unwrap_or_else(|_| unreachable!())
}

fn origin_check(c: &mut Criterion) {
    let strict = OriginPolicy::new();
    let allow_list = OriginPolicy::new().allowed_origins(["https://*.example.com"]);
    let cases = [
        (
            "sec-fetch-site",
            &strict,
            head(&[("sec-fetch-site", "same-origin")]),
        ),
        (
            "origin vs host",
            &strict,
            head(&[("origin", "http://127.0.0.1:3000")]),
        ),
        (
            "referer vs host",
            &strict,
            head(&[("referer", "http://127.0.0.1:3000/page?x=1")]),
        ),
        (
            "allow-list wildcard",
            &allow_list,
            head(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://shop.example.com"),
            ]),
        ),
        (
            "refused cross-site",
            &strict,
            head(&[("sec-fetch-site", "cross-site")]),
        ),
    ];
    let mut group = c.benchmark_group("origin check");
    for (name, policy, parts) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| policy.check(black_box(parts), None).is_ok())
        });
    }
    group.finish();
}

const POST_FORM: &str = "title=Hello+world&content=Some+text+with+%C3%A9+accents+and+more+words\
    &tags=a&tags=b&tags=c&author%5Bname%5D=Ann&author%5Bemail%5D=ann%40example.com&draft=on";
const POST_JSON: &str = r#"{"title":"Hello world","content":"Some text with é accents and more words","tags":["a","b","c"],"author":{"name":"Ann","email":"ann@example.com"},"draft":true}"#;

/// `fields` as a multipart body, and its content type.
fn multipart(fields: &[(&str, &str)]) -> (String, bytes::Bytes) {
    let boundary = "----benchboundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in fields {
        body += &format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        );
    }
    body += &format!("--{boundary}--\r\n");
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into(),
    )
}

fn decoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("decoding");
    group.bench_function("urlencoded {n}", |b| {
        b.iter(|| bench::urlencoded::<Add>(black_box(b"n=1")).is_some())
    });
    group.bench_function("urlencoded post", |b| {
        b.iter(|| bench::urlencoded::<Post>(black_box(POST_FORM.as_bytes())).is_some())
    });
    group.bench_function("json {n}", |b| {
        b.iter(|| bench::json::<Add>(black_box(br#"{"n":1}"#)).is_some())
    });
    group.bench_function("json post", |b| {
        b.iter(|| bench::json::<Post>(black_box(POST_JSON.as_bytes())).is_some())
    });
    // Multipart streams the body, so it runs on a runtime, as in the handler.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|err| panic!("runtime: {err}"));
    let (small_type, small) = multipart(&[("n", "1")]);
    group.bench_function("multipart {n}", |b| {
        b.iter(|| {
            runtime
                .block_on(bench::multipart::<Add>(&small_type, small.clone()))
                .is_some()
        })
    });
    let post_fields = [
        ("title", "Hello world"),
        ("content", "Some text with é accents and more words"),
        ("tags", "a"),
        ("tags", "b"),
        ("tags", "c"),
        ("author[name]", "Ann"),
        ("author[email]", "ann@example.com"),
        ("draft", "on"),
    ];
    let (post_type, post) = multipart(&post_fields);
    group.bench_function("multipart post", |b| {
        b.iter(|| {
            runtime
                .block_on(bench::multipart::<Post>(&post_type, post.clone()))
                .is_some()
        })
    });
    group.finish();
}

fn sealing(c: &mut Criterion) {
    let id = "bench.add.0123abcd";
    let payload = br#"{"id":42}"#;
    let sealed = bench::seal(id, payload);
    assert_eq!(bench::open(id, &sealed).as_deref(), Some(&payload[..]));
    let mut group = c.benchmark_group("bound arguments");
    group.bench_function("seal", |b| b.iter(|| bench::seal(id, black_box(payload))));
    group.bench_function("open", |b| {
        b.iter(|| bench::open(id, black_box(&sealed)).is_some())
    });
    let mut forged = sealed.clone().into_bytes();
    forged[20] ^= 1;
    let forged = String::from_utf8_lossy(&forged).into_owned();
    group.bench_function("open, forged", |b| {
        b.iter(|| bench::open(id, black_box(&forged)).is_none())
    });
    group.finish();
}

criterion_group!(steps, origin_check, decoding, sealing);
criterion_main!(steps);
