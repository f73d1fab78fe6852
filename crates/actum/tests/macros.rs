#![allow(missing_docs)]
//! The macro's compile errors: one failing case per message, with its `.stderr` committed.
//! Regenerate after an intended change with `TRYBUILD=overwrite cargo test -p actum --test macros`.

#[test]
fn macro_diagnostics() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/macros/pass/*.rs");
    cases.compile_fail("tests/macros/fail/*.rs");
}
