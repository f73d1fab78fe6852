//! A server for benchmarks (see `scripts/bench` and BENCHMARKS.md):
//!
//! ```text
//! cargo run --release -p actum-bench -- 4100
//! ```
//!
//! It serves the same work twice on 127.0.0.1: as actum actions (`/_actum/<id>`, their URLs
//! printed at start) and as plain axum handlers (`POST /plain/json`, `POST /plain/form`,
//! `POST /plain/page`), so a load generator can compare them in one run.

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4100);
    let app = actum_bench::app();
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("actum-bench: cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    println!("action {}", actum_bench::action_url());
    println!("page-action {}", actum_bench::page_action_url());
    println!("listening on http://127.0.0.1:{port}");
    if let Err(err) = actum::serve(listener, app).await {
        eprintln!("actum-bench: {err}");
        std::process::exit(1);
    }
}
