//! `cargo run -p actum-example-react -- --port 3001`, after `npm ci && npm run build` in
//! `examples/react/web`; then open <http://127.0.0.1:3001>.
//!
//! The seeds' React client components, built by Vite, calling Rust actions through the module
//! actum writes. Options:
//!
//! - `--port N`: the port on 127.0.0.1 (default 3001; 0 picks a free one).
//! - `--dist DIR`: the Vite build (default `examples/react/web/dist` of this source tree).
//! - `--write-typescript FILE`: write the actions' TypeScript module to `FILE` and exit
//!   (`web/src/actions.ts`, see `docs/typescript.md`).

use std::error::Error;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use tokio::net::TcpListener;

/// The port without `--port`.
const DEFAULT_PORT: u16 = 3001;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Serve { port: u16, dist: PathBuf },
    WriteTypeScript(PathBuf),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    match parse(std::env::args().skip(1))? {
        Command::WriteTypeScript(path) => {
            std::fs::write(&path, actum_example_react::typescript_module()?)?;
            println!("wrote {}", path.display());
        }
        Command::Serve { port, dist } => {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
            println!("listening on http://{}", listener.local_addr()?);
            actum::Server::new(listener)
                .serve_until(actum_example_react::app(dist), ctrl_c())
                .await?;
        }
    }
    Ok(())
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut port = DEFAULT_PORT;
    let mut dist = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dist"));
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => {
                let text = value()?;
                port = text
                    .parse()
                    .map_err(|err| format!("--port must be a port number, not {text:?}: {err}"))?;
            }
            "--dist" => dist = PathBuf::from(value()?),
            "--write-typescript" => return Ok(Command::WriteTypeScript(PathBuf::from(value()?))),
            other => {
                return Err(format!(
                    "unknown argument {other:?}: see the top of main.rs"
                ));
            }
        }
    }
    Ok(Command::Serve { port, dist })
}

/// Resolves on Ctrl-C, so that requests in flight finish before the server stops.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn the_port_is_read() {
        let Ok(Command::Serve { port, .. }) = parse(args(&["--port", "0"])) else {
            panic!("not a serve command");
        };
        assert_eq!(port, 0);
        assert!(parse(args(&["--port", "web"])).is_err());
        assert!(parse(args(&["--port"])).is_err());
    }

    #[test]
    fn the_module_is_written_on_request() {
        assert_eq!(
            parse(args(&["--write-typescript", "a.ts"])),
            Ok(Command::WriteTypeScript(PathBuf::from("a.ts")))
        );
        assert!(parse(args(&["--verbose"])).is_err());
    }
}
