//! The socket work: one request per connection, read until the server closes it.
//!
//! Plain `std` sockets serve both async and blocking tests with one code path: they give
//! per-operation timeouts, and a scoped thread can write while the answer is read.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

/// How long a test waits for the server to send or take bytes before it fails.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`exchange_head_only`] waits for an answer the server must give without the body.
const HEAD_ONLY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`send_and_hang_up`] keeps the connection open, so the server sees the request before
/// it sees the hang-up.
const HANG_UP_DELAY: Duration = Duration::from_millis(50);

/// Runs blocking socket work on tokio's blocking pool; a panic in it fails the calling test with
/// the same message.
pub(crate) async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(err) => match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => panic!("the client task was cancelled: {err}"),
        },
    }
}

/// Sends `request` while reading the answer: a server may answer (413) and close before it has
/// read a large body, and the answer must still be seen.
pub(crate) fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let stream = connect(addr, IO_TIMEOUT);
    let mut writer = stream
        .try_clone()
        .unwrap_or_else(|err| panic!("cloning the connection to {addr} failed: {err}"));
    thread::scope(|scope| {
        scope.spawn(move || {
            // A write error means the server closed early; its answer is what the test checks.
            let _ = writer.write_all(request);
        });
        read_answer(stream)
            .unwrap_or_else(|err| panic!("reading the answer from {addr} failed: {err}"))
    })
}

/// Sends `head` (the head and part of the body at most) and reads the answer, which must come
/// although the rest of the body never does.
pub(crate) fn exchange_head_only(addr: SocketAddr, head: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr, HEAD_ONLY_TIMEOUT);
    stream
        .write_all(head)
        .unwrap_or_else(|err| panic!("writing the head to {addr} failed: {err}"));
    read_answer(stream).unwrap_or_else(|err| {
        panic!("the server did not answer before the body was sent (within {HEAD_ONLY_TIMEOUT:?}): {err}")
    })
}

/// Sends `request` and closes the connection without reading the answer.
pub(crate) fn send_and_hang_up(addr: SocketAddr, request: &[u8]) {
    let mut stream = connect(addr, IO_TIMEOUT);
    stream
        .write_all(request)
        .and_then(|()| stream.flush())
        .unwrap_or_else(|err| panic!("writing the request to {addr} failed: {err}"));
    thread::sleep(HANG_UP_DELAY);
}

/// A connection whose reads and writes fail after `timeout` instead of hanging the test.
fn connect(addr: SocketAddr, timeout: Duration) -> TcpStream {
    let stream =
        TcpStream::connect(addr).unwrap_or_else(|err| panic!("connecting to {addr} failed: {err}"));
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .unwrap_or_else(|err| panic!("setting the timeouts of the connection failed: {err}"));
    stream
}

/// Reads until the server closes the connection. A reset after some bytes ends the answer too
/// (the server closed with part of a large body unread).
fn read_answer(mut stream: TcpStream) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(raw),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset && !raw.is_empty() => {
                return Ok(raw);
            }
            Err(err) => {
                let read = String::from_utf8_lossy(&raw);
                return Err(std::io::Error::new(
                    err.kind(),
                    format!("{err} after {} bytes: {read:?}", raw.len()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that reads the request head, writes `answer`, then closes.
    fn one_shot_server(answer: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local addr");
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).expect("read") == 1 {
                head.push(byte[0]);
            }
            stream.write_all(answer).expect("write");
        });
        addr
    }

    #[test]
    fn exchange_reads_until_the_server_closes() {
        let addr = one_shot_server(b"HTTP/1.1 200 OK\r\n\r\nhello");
        let raw = exchange(addr, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(raw, b"HTTP/1.1 200 OK\r\n\r\nhello");
    }

    #[test]
    fn head_only_reads_the_answer_without_sending_the_body() {
        let addr = one_shot_server(b"HTTP/1.1 413 Payload Too Large\r\n\r\n");
        let raw = exchange_head_only(addr, b"POST / HTTP/1.1\r\ncontent-length: 9\r\n\r\nn=");
        assert_eq!(raw, b"HTTP/1.1 413 Payload Too Large\r\n\r\n");
    }

    #[test]
    fn off_thread_passes_the_panic_on() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let caught = std::panic::catch_unwind(|| {
            runtime.block_on(off_thread(|| -> () { panic!("the work failed") }))
        });
        let payload = caught.expect_err("the panic reaches the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"the work failed"));
    }
}
