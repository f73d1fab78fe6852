use actum::RouterExt;

async fn plain_handler() {}

fn main() {
    let _router: axum::Router = axum::Router::new().action(plain_handler);
}
