//! `cargo fuzz run urlencoded`: see fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| actum::fuzz::urlencoded(data));
