//! `cargo fuzz run json`: see fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| actum::fuzz::json(data));
