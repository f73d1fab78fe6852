#[actum::action(concurrency = "sometimes")]
async fn save(_: ()) {}

fn main() {}
