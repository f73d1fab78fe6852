#[actum::action]
async fn borrows(_input: &str) {}

fn main() {}
