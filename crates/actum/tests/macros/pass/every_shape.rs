//! Every supported shape of action compiles and mounts.
use actum::prelude::*;
use actum::{ActionError, action};
use axum::extract::State;

#[derive(serde::Deserialize)]
struct Input {
    text: String,
}

#[action]
async fn plain(input: Input) -> usize {
    input.text.len()
}

#[action]
async fn unit_output(_: ()) {}

#[action]
async fn with_result(State(n): State<u32>, input: Input) -> Result<String, ActionError> {
    Ok(format!("{n}{}", input.text))
}

#[action]
async fn bound_only(#[bound] id: u64) -> u64 {
    id
}

#[action(body_limit = 4096, time_limit = std::time::Duration::from_secs(5))]
async fn two_bound(State(_n): State<u32>, #[bound] a: u64, #[bound] b: String, input: Input) -> (u64, String, String) {
    (a, b, input.text)
}

mod my {
    /// A `Result` alias is recognised when it is spelled `Result`.
    pub type Result<T> = std::result::Result<T, actum::ActionError>;
}

#[action]
async fn alias_result(_: ()) -> my::Result<u8> {
    Ok(1)
}

#[actum::actions]
mod grouped {
    use super::*;

    pub async fn one(State(n): State<u32>, _: ()) -> u32 {
        n
    }

    pub async fn two(input: Input) -> String {
        input.text
    }
}

fn main() {
    let _router: axum::Router<u32> = axum::Router::new()
        .action(plain)
        .action(unit_output)
        .action(with_result)
        .action(bound_only)
        .action(two_bound)
        .action(alias_result)
        .actions(grouped::mount);
    let _url = two_bound.bind((1, "x".to_owned()));
    let _url = bound_only.bind(7);
}
