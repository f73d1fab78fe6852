#[actum::action(rate_limit = "10 per minute")]
async fn save(_: ()) {}

fn main() {}
