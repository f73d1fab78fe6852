//! The `actum-conformance` binary, started on a free port and killed when its guard drops.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use actum_testkit::{Page, Req, Resp, assert_hardened};

/// How long the binary may take to print its `listening on` line (a cold machine, other builds).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// What the binary prints once it accepts connections.
const LISTENING_PREFIX: &str = "listening on http://";

/// Paths of actions: every answer on them must be private and typed (see [`assert_hardened`]).
const ACTION_PATH: &str = "/_actum/";

/// How one fixture process is started.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Pass `--allow-non-browser`.
    pub(crate) allow_non_browser: bool,
    /// The value of `ACTUM_SECRET_KEY`; unset (a random key per process) when `None`.
    pub(crate) secret_key: Option<String>,
    /// Pass `--deploy N`: which deploy of the app (the note form's action changes in deploy 2).
    pub(crate) deploy: Option<u8>,
}

/// A running fixture with `--test-endpoints`; dropping it kills the process.
pub(crate) struct Server {
    child: Child,
    addr: SocketAddr,
    /// Everything the server wrote to stderr (its log), shown when a test fails.
    log: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Starts the fixture with the default options.
    pub(crate) fn start() -> Server {
        Server::start_with(&Options::default())
    }

    /// Starts the fixture and waits until it accepts connections.
    pub(crate) fn start_with(options: &Options) -> Server {
        let mut child = command(options)
            .spawn()
            .expect("start the actum-conformance binary");
        let stdout = child.stdout.take().expect("the child's stdout is piped");
        let stderr = child.stderr.take().expect("the child's stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        collect_log(stderr, Arc::clone(&log));
        // The guard exists before the wait, so a server that never says it listens is killed too.
        let placeholder = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut server = Server {
            child,
            addr: placeholder,
            log,
        };
        server.addr = server.wait_until_listening(&stdout_lines(stdout));
        server
    }

    /// The address the server listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET /`, which must answer 200 with the page.
    pub(crate) fn home(&self) -> Page {
        self.home_with_cookies("")
    }

    /// `GET /` with a `Cookie` header (none when `cookies` is empty).
    pub(crate) fn home_with_cookies(&self, cookies: &str) -> Page {
        let response = Req::get("/").cookies(cookies).send_to(self);
        assert_eq!(response.status, 200, "GET / failed: {}", response.text());
        Page::new(response.text())
    }

    /// The `action` URL of the form with this `id` on the home page.
    pub(crate) fn action_url(&self, form_id: &str) -> String {
        self.home().form_action(form_id)
    }

    /// `GET /__log`: how many times each action's body ran.
    pub(crate) fn runs(&self) -> BTreeMap<String, u64> {
        let response = Req::get("/__log").send_to(self);
        assert_eq!(
            response.status,
            200,
            "GET /__log failed: {}",
            response.text()
        );
        serde_json::from_value(response.json()).expect("/__log is a map of counts")
    }

    /// How many times the body of `action` ran.
    pub(crate) fn runs_of(&self, action: &str) -> u64 {
        self.runs().get(action).copied().unwrap_or(0)
    }

    /// Reads the child's stdout until its `listening on` line; the address it names.
    fn wait_until_listening(&mut self, lines: &Receiver<String>) -> SocketAddr {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(addr) = line.trim().strip_prefix(LISTENING_PREFIX) {
                        return addr.parse().expect("the listening line names an address");
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "the server did not print `{LISTENING_PREFIX}…` within {STARTUP_TIMEOUT:?}"
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                    panic!(
                        "the server exited before listening ({status}):\n{}",
                        self.log_text()
                    )
                }
            }
        }
    }

    /// The server's log so far.
    fn log_text(&self) -> String {
        let log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&log).into_owned()
    }
}

/// Sending a request to a running fixture.
pub(crate) trait SendTo {
    /// Sends the request to `server` and reads the whole answer. Answers on action paths are
    /// checked with [`assert_hardened`], since every one of them must pass it.
    fn send_to(&self, server: &Server) -> Resp;
}

impl SendTo for Req {
    fn send_to(&self, server: &Server) -> Resp {
        let response = self.send_blocking(server.addr());
        if self.path().contains(ACTION_PATH) {
            assert_hardened(&response);
        }
        response
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Errors mean the process is already gone, which is what we want.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "--- log of the server on {} ---\n{}",
                self.addr,
                self.log_text()
            );
        }
    }
}

/// The command line of one fixture process, with an environment that does not depend on the
/// caller's (no inherited keys).
fn command(options: &Options) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_actum-conformance"));
    command.args(["--port", "0", "--test-endpoints"]);
    if options.allow_non_browser {
        command.arg("--allow-non-browser");
    }
    if let Some(deploy) = options.deploy {
        command.args(["--deploy", &deploy.to_string()]);
    }
    command
        .env_remove("ACTUM_SECRET_KEY")
        .env_remove("ACTUM_ID_KEY");
    // The log is read by people when a test fails: plain text, no terminal colours.
    command.env("NO_COLOR", "1");
    if let Some(key) = &options.secret_key {
        command.env("ACTUM_SECRET_KEY", key);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The child's stdout, line by line; read to its end so the child never blocks on a full pipe.
fn stdout_lines(stdout: ChildStdout) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // The test may have stopped listening; the rest of the output is not needed.
            let _ = sender.send(line);
        }
    });
    receiver
}

/// Copies the child's stderr into `log` until it closes.
fn collect_log(mut stderr: impl Read + Send + 'static, log: Arc<Mutex<Vec<u8>>>) {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stderr.read(&mut buf) {
            log.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(&buf[..n]);
        }
    });
}
