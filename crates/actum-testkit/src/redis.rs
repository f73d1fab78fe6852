//! A real `redis-server` for tests: started on a free port on 127.0.0.1, stopped on drop.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` process for one test binary or test: no persistence, its own free port.
///
/// It fails (panics, naming the binary) when `redis-server` is not installed: `./scripts/test`
/// installs it, and a test that needs Redis must never pass without it.
///
/// ```no_run
/// let redis = actum_testkit::RedisServer::start();
/// let url = redis.url(); // redis://127.0.0.1:<port>/
/// ```
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server and waits until it answers `PING`.
    ///
    /// # Panics
    /// When `redis-server` cannot be started or does not answer within 10 s.
    pub fn start() -> Self {
        let port = free_port();
        let mut server = Self { port, child: None };
        server.spawn();
        server
    }

    /// The URL of the server.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (as a crash would); [`RedisServer::restart`] brings it back, empty.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: it keeps no data).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Freezes the server (SIGSTOP): it keeps its connections and data but answers nothing, as a
    /// Redis stuck on a slow command. [`RedisServer::resume`] thaws it.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// Thaws a server frozen by [`RedisServer::pause`].
    pub fn resume(&self) {
        self.signal("CONT");
    }

    /// Sends one command (inline protocol) and returns the first line of the answer.
    pub fn command(&self, command: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("set a read timeout");
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .expect("send to redis");
        let mut line = String::new();
        BufReader::new(stream)
            .read_line(&mut line)
            .expect("read from redis");
        line.trim_end().to_owned()
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let status = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -{signal} failed");
        }
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "missing: redis-server ({err}); install it (Debian: apt-get install \
                     redis-server) or run ./scripts/test, which does"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.write_all(b"PING\r\n");
                let mut line = String::new();
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("+PONG")
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server did not answer on port {} within 10 s",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // A paused server ignores SIGKILL's siblings but not SIGKILL itself; resume anyway so
        // that nothing lingers stopped.
        self.resume();
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}
