// An action that the app never mounts (nor calls) is dead code: the compiler says so.
#![deny(dead_code)]

#[actum::action]
async fn never_mounted(_: ()) {}

fn main() {}
