#[derive(serde::Deserialize)]
struct Input {}

#[actum::action]
fn not_async(_input: Input) {}

fn main() {}
