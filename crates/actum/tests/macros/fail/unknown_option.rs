#[actum::action(idempotent = true)]
async fn save(_: ()) {}

fn main() {}
