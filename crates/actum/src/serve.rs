//! [`serve`]: axum's `serve` with the timeouts a public server needs.
//!
//! `axum::serve` gives hyper no timer, and without one hyper cannot time out a client that sends
//! its request head slowly (a slowloris holds a connection and a task forever). This is the same
//! accept loop with hyper's HTTP/1 connection builder given tokio's timer and a header-read
//! timeout, and `ConnectInfo` (for trusted proxies) on every request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower_service::Service;

/// How long a client may take to send a request's head (its line and headers) by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until the process ends, with a header-read timeout of
/// [`DEFAULT_HEADER_READ_TIMEOUT`]: a client that has not sent its whole request head by then is
/// disconnected. Use it in place of `axum::serve`.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let app = axum::Router::new();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// actum::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    Server::new(listener).serve(app).await
}

/// [`serve`] with settings.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use std::time::Duration;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// actum::Server::new(listener)
///     .header_read_timeout(Duration::from_secs(5))
///     .serve(axum::Router::new())
///     .await
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct Server {
    listener: TcpListener,
    header_read_timeout: Duration,
}

impl Server {
    /// A server on `listener` with the default settings.
    pub fn new(listener: TcpListener) -> Self {
        Self {
            listener,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }

    /// How long a client may take to send a request's head.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Serves `app` until the process ends. Accept errors (too many open files, say) are logged
    /// and retried after a pause, as `axum::serve` does.
    pub async fn serve(self, app: Router) -> std::io::Result<()> {
        self.serve_until(app, std::future::pending()).await
    }

    /// Serves `app` until `stop` completes (Ctrl-C, say), then stops accepting connections and
    /// returns; requests already in flight go on in their own tasks.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// let stop = async {
    ///     let _ = tokio::signal::ctrl_c().await;
    /// };
    /// actum::Server::new(listener).serve_until(axum::Router::new(), stop).await
    /// # }
    /// ```
    pub async fn serve_until(
        self,
        app: Router,
        stop: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let mut stop = std::pin::pin!(stop);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut stop => return Ok(()),
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::error!(error = %err, "accept failed; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(WithPeer {
                app: app.clone(),
                peer,
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(error = %err, %peer, "connection ended with an error");
                }
            });
        }
    }
}

/// The app, with the peer's address put on every request as `ConnectInfo`.
#[derive(Clone)]
struct WithPeer {
    app: Router,
    peer: SocketAddr,
}

impl Service<hyper::Request<Incoming>> for WithPeer {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = <Router as Service<axum::extract::Request>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        Service::<axum::extract::Request>::poll_ready(&mut self.app, cx)
    }

    fn call(&mut self, request: hyper::Request<Incoming>) -> Self::Future {
        let mut request = request.map(axum::body::Body::new);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        self.app.call(request)
    }
}
