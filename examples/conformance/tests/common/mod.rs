//! Helpers of the black-box tests: the fixture binary as a child process, a raw HTTP/1.1 client
//! and a reader of the fixture's page.

pub(crate) mod http;
pub(crate) mod page;
pub(crate) mod server;
