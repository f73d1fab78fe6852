//! Helpers of the black-box tests: the fixture binary as a child process, and what the fixture's
//! page shows. The HTTP client and the page reader are `actum-testkit`'s.

pub(crate) mod page;
pub(crate) mod server;
