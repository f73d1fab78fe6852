//! Test support for actum's HTTP test suites: one raw HTTP/1.1 client that sees what a browser
//! sees, shared by the runtime crate's tests and the example crates' tests.
//!
//! - [`Req`] builds a request byte for byte (lying `Content-Length`s, chunked bodies, no body at
//!   all) and sends it over a fresh TCP connection; redirects are never followed, so a `303`, a
//!   `Set-Cookie` and a `Location` are seen as a browser sees them. It sends from async tests
//!   ([`Req::send`]) and from plain `#[test]`s ([`Req::send_blocking`]).
//! - [`Resp`] is the answer: status, headers (names lowercased), the de-chunked body, cookies.
//! - [`Browser`] keeps cookies between requests like a browser with JavaScript off.
//! - [`Page`] and [`form_action`] read forms, inputs and element text out of a rendered page.
//! - [`RedisServer`] runs a real `redis-server` on a free port for the cache's tests.
//!
//! This crate is test support, not a library: a request or an answer that is not what a test
//! expects panics with a message that says what failed, since a panic is how a test fails. For
//! the same reason its items carry no examples in their docs; the test suites are the examples.

mod browser;
mod io;
mod page;
mod redis;
mod request;
mod response;

pub use browser::Browser;
pub use page::{Page, form_action};
pub use redis::RedisServer;
pub use request::{Part, Req, encode};
pub use response::{Resp, assert_hardened};
