//! `cargo fuzz run open_seal`: see fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| actum::fuzz::open_seal(data));
