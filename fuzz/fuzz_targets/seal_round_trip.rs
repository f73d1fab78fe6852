//! `cargo fuzz run seal_round_trip`: see fuzz/README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| actum::fuzz::seal_round_trip(data));
