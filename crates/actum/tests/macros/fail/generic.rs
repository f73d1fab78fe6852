#[actum::action]
async fn generic<T: serde::de::DeserializeOwned + Send + 'static>(_input: T) {}

fn main() {}
