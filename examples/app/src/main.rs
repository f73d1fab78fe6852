//! `cargo run -p actum-example-app`, then open <http://127.0.0.1:3000>.
//!
//! A small publishing app on actum that shows every example of the seeds: sign in with a name,
//! write posts (publish or save drafts, autosaved), like them, attach files, write in a thread,
//! make invoices, switch the theme. Every form is a plain HTML form posting to an action, so it
//! works with JavaScript off; `README.md` maps each seed example to where it lives.
//!
//! - `ACTUM_EXAMPLE_DB`: the SQLite file (default `actum-example.db` in the current directory),
//!   created if missing; the data survives a restart.
//! - `PORT`: the port on 127.0.0.1 (default 3000).
//! - `RUST_LOG`: the log filter (default `info`).
//! - `ACTUM_SECRET_KEY`: the key that seals bound arguments (a random one per process when unset,
//!   so delete buttons of pages rendered before a restart stop working).
//! - `ACTUM_REDIS_URL`: a Redis (`redis://127.0.0.1:6379/`) to share the cache, exactly-once
//!   outcomes and the form state of native posts with other instances of the app on the same
//!   database; unset, all of it stays in this process's memory. Several instances
//!   also share `ACTUM_SECRET_KEY` and `ACTUM_ID_KEY` (docs/cache.md, "Behind a load balancer").
//!
//! `cargo run -p actum-example-app -- --list-actions` prints the attack surface instead of
//! serving: every mounted action with its ID, path, limits, policies, bound arguments and
//! whether it requires a signed-in user (`--list-actions=json` for CI; docs/policies.md).

use std::error::Error;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// The database file when `ACTUM_EXAMPLE_DB` is unset.
const DEFAULT_DB: &str = "actum-example.db";
/// The port when `PORT` is unset.
const DEFAULT_PORT: u16 = 3000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    if let Some(format) = std::env::args()
        .skip(1)
        .find(|a| a.starts_with("--list-actions"))
    {
        return list_actions(&format).await;
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let db_path = std::env::var_os("ACTUM_EXAMPLE_DB")
        .map_or_else(|| PathBuf::from(DEFAULT_DB), PathBuf::from);
    let port = port_from_env()?;
    let app = match std::env::var("ACTUM_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => {
            tracing::info!(
                url,
                "cache, exactly-once outcomes and form state shared through Redis"
            );
            actum_example_app::app_on_redis(&db_path, url.trim()).await?
        }
        _ => actum_example_app::app(&db_path).await?,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    tracing::info!(db = %db_path.display(), "database ready");
    println!("listening on http://{}", listener.local_addr()?);
    actum::Server::new(listener)
        .serve_until(app, ctrl_c())
        .await?;
    Ok(())
}

/// Prints `actum::surface_report()` of the app (mounted on a throwaway database), as a table or,
/// with `--list-actions=json`, as JSON.
async fn list_actions(flag: &str) -> Result<(), Box<dyn Error>> {
    let json = match flag {
        "--list-actions" => false,
        "--list-actions=json" => true,
        other => return Err(format!("unknown flag {other}: use --list-actions[=json]").into()),
    };
    let dir = std::env::temp_dir().join(format!("actum-example-list-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mounted = actum_example_app::app(dir.join("list.db")).await;
    std::fs::remove_dir_all(&dir)?;
    drop(mounted?);
    let report = actum::surface_report();
    match json {
        true => println!("{:#}", report.to_json()),
        false => print!("{report}"),
    }
    Ok(())
}

/// The port from `PORT`, or the default; a value that is not a port is an error, not ignored.
fn port_from_env() -> Result<u16, String> {
    port_from(std::env::var("PORT"))
}

/// The port a `PORT` variable (as read) names.
fn port_from(var: Result<String, std::env::VarError>) -> Result<u16, String> {
    match var {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|err| format!("PORT must be a port number, not {text:?}: {err}")),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_PORT),
        Err(err) => Err(format!("cannot read PORT: {err}")),
    }
}

/// Resolves on Ctrl-C, so that requests in flight finish before the server stops.
async fn ctrl_c() {
    if let Err(err) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %err, "cannot listen for ctrl-c");
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::env::VarError;

    #[test]
    fn the_port_defaults_to_3000() {
        assert_eq!(port_from(Err(VarError::NotPresent)), Ok(3000));
    }

    #[test]
    fn a_port_is_read() {
        assert_eq!(port_from(Ok("8080".to_owned())), Ok(8080));
    }

    #[test]
    fn a_bad_port_is_an_error() {
        assert!(
            port_from(Ok("http".to_owned()))
                .unwrap_err()
                .contains("PORT must be a port number")
        );
        assert!(port_from(Ok("70000".to_owned())).is_err());
        assert!(port_from(Err(VarError::NotUnicode("\u{fffd}".into()))).is_err());
    }
}
