use axum::extract::State;

#[derive(serde::Deserialize)]
struct Input {}

#[actum::action]
async fn input_first(_input: Input, State(_n): State<u32>) {}

fn main() {}
