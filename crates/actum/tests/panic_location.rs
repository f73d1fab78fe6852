#![allow(missing_docs)]
//! Mounting one action twice panics at startup, with a message naming the action and a location
//! pointing at the caller's line (not inside actum).

use std::sync::{Arc, Mutex};

use actum::RouterExt;

#[actum::action]
async fn twice(_: ()) {}

#[test]
fn a_duplicate_action_panics_at_the_callers_line() {
    let seen: Arc<Mutex<Vec<(String, u32, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| (l.file().to_owned(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                info.payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
            })
            .unwrap_or_default();
        record
            .lock()
            .unwrap()
            .push((location.0, location.1, message));
    }));
    let expected_line = line!() + 1;
    let mount_twice = || axum::Router::<()>::new().action(twice).action(twice);
    let result = std::panic::catch_unwind(mount_twice);
    let _ = std::panic::take_hook();
    assert!(result.is_err(), "mounting twice must panic");
    let seen = seen.lock().unwrap();
    let (file, line, message) = seen.last().expect("a panic was recorded");
    assert!(
        file.ends_with("panic_location.rs"),
        "points at the caller: {file}:{line}"
    );
    assert_eq!(*line, expected_line);
    assert!(
        message.contains("twice") && message.contains("already mounted"),
        "{message}"
    );
}
