//! The list of mounted actions: what this process serves, for an attack-surface listing or for
//! the TypeScript module (`crate::typescript`).
//!
//! Mounting records the action here ([`RouterExt::action`](crate::RouterExt::action)); nothing
//! else does, so an action the app never mounts is never listed (nor reachable).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::action::{Action, ActionInfo};
use crate::typescript::TsType;

/// One action mounted on a router of this process, as [`mounted_actions`] lists it.
///
/// ```
/// use actum::RouterExt;
///
/// #[actum::action]
/// async fn ping(_: ()) -> &'static str { "pong" }
///
/// let _app: axum::Router = axum::Router::new().action(ping);
/// let listed = actum::mounted_actions();
/// let ping = listed.iter().find(|a| a.info().name() == "ping").unwrap();
/// assert_eq!(ping.path(), format!("/_actum/{}", ping.id()));
/// ```
#[derive(Debug, Clone)]
pub struct MountedAction {
    info: &'static ActionInfo,
    id: &'static str,
    input: TsType,
    output: TsType,
    authenticated: bool,
}

impl MountedAction {
    /// What the macro knows: name, module path, crate, signature, limits, bound arguments.
    pub fn info(&self) -> &'static ActionInfo {
        self.info
    }

    /// The action's ID in this process (readable in debug builds, opaque in release builds).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The path it answers on, `/_actum/<id>` (under the prefix of a nested router, if any).
    pub fn path(&self) -> String {
        format!("{}{}", crate::wire::ACTION_PATH_PREFIX, self.id)
    }

    /// Whether one of its extractors is [`Authenticated`](crate::Authenticated): a caller must
    /// be signed in to reach its body.
    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    /// The TypeScript type of the input, for [`typescript`](crate::typescript).
    pub(crate) fn input_type(&self) -> TsType {
        self.input
    }

    /// The TypeScript type of the output, for [`typescript`](crate::typescript).
    pub(crate) fn output_type(&self) -> TsType {
        self.output
    }
}

/// Every action mounted so far in this process (on any router), once each, sorted by module path
/// then name.
///
/// It is the attack surface of the app: each of these answers a POST from anyone who can reach
/// the server, so each must check its input and its user.
///
/// ```
/// for action in actum::mounted_actions() {
///     let info = action.info();
///     println!("{}::{} at {} ({})", info.module_path(), info.name(), action.path(), info.signature());
/// }
/// ```
pub fn mounted_actions() -> Vec<MountedAction> {
    let mounted = registry().lock().unwrap_or_else(PoisonError::into_inner);
    let mut list: Vec<MountedAction> = mounted.values().cloned().collect();
    list.sort_by_key(|a| (a.info.module_path(), a.info.name(), a.id));
    list
}

/// Records a mounted action. Mounting the same action on several routers records it once.
pub(crate) fn record<M, A: Action<M>>(action: &A) {
    let [input, output] = action.__typescript();
    let entry = MountedAction {
        info: action.info(),
        id: action.id(),
        input,
        output,
        authenticated: action.__authenticated(),
    };
    let mut mounted = registry().lock().unwrap_or_else(PoisonError::into_inner);
    mounted.insert(entry.id, entry);
}

/// Keyed by ID. A process-wide list, because axum's `Router` has no place for it; it only ever
/// grows by what the app mounts.
/// Whether an action with this ID is mounted on some router of this process.
pub(crate) fn is_mounted(id: &str) -> bool {
    registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains_key(id)
}

fn registry() -> &'static Mutex<BTreeMap<&'static str, MountedAction>> {
    static MOUNTED: Mutex<BTreeMap<&'static str, MountedAction>> = Mutex::new(BTreeMap::new());
    &MOUNTED
}

/// The attack surface of this process, for reviews and CI: every mounted action with its ID,
/// path, limits, policies, bound arguments and whether it takes an
/// [`Authenticated`](crate::Authenticated) extractor. It prints as a table (`Display`) and
/// serializes as JSON ([`SurfaceReport::to_json`]).
///
/// Limits and policies are the action's own; `default` means the layer's applies (1 MiB and
/// 30 s unless the app changed them, see [`ActionsLayer`](crate::ActionsLayer)).
///
/// ```
/// use actum::RouterExt;
///
/// #[actum::action(concurrency = "drop", rate_limit = "3/min", time_limit = std::time::Duration::from_secs(5))]
/// async fn send_invite(#[bound] team: u64, email: String) -> bool { team > 0 && !email.is_empty() }
///
/// let _app: axum::Router = axum::Router::new().action(send_invite);
/// let report = actum::surface_report();
/// println!("{report}");
/// let json = report.to_json();
/// let invite = json["actions"].as_array().unwrap().iter()
///     .find(|a| a["name"] == "send_invite").unwrap();
/// assert_eq!(invite["concurrency"], "drop");
/// assert_eq!(invite["rate_limit"], "3/60s");
/// assert_eq!(invite["time_limit_ms"], 5000);
/// assert_eq!(invite["bound"][0]["name"], "team");
/// assert_eq!(invite["authenticated"], false);
/// ```
#[derive(Debug, Clone)]
pub struct SurfaceReport {
    actions: Vec<MountedAction>,
}

/// Every mounted action, as a [`SurfaceReport`].
///
/// ```
/// let report = actum::surface_report();
/// assert!(report.to_string().starts_with("action"));
/// ```
pub fn surface_report() -> SurfaceReport {
    SurfaceReport {
        actions: mounted_actions(),
    }
}

impl SurfaceReport {
    /// The actions listed.
    ///
    /// ```
    /// assert_eq!(actum::surface_report().actions().len(), actum::mounted_actions().len());
    /// ```
    pub fn actions(&self) -> &[MountedAction] {
        &self.actions
    }

    /// The report as JSON: `{"actions": [{"name", "module", "id", "path", "body_limit",
    /// "time_limit_ms", "concurrency", "rate_limit", "exactly_once", "bound", "authenticated",
    /// "signature"}]}`, with `null` for a limit left to the layer.
    ///
    /// ```
    /// let json = actum::surface_report().to_json();
    /// assert!(json["actions"].is_array());
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let actions: Vec<serde_json::Value> = self
            .actions
            .iter()
            .map(|action| {
                let info = action.info();
                let bound: Vec<serde_json::Value> = info
                    .bound_args()
                    .iter()
                    .map(|(name, ty)| serde_json::json!({ "name": name, "type": ty }))
                    .collect();
                serde_json::json!({
                    "name": info.name(),
                    "module": info.module_path(),
                    "id": action.id(),
                    "path": action.path(),
                    "body_limit": info.body_limit(),
                    "time_limit_ms": info.time_limit().map(|t| t.as_millis() as u64),
                    "concurrency": info.concurrency().as_str(),
                    "rate_limit": info.rate_limit().map(|l| l.to_string()),
                    "exactly_once": info.exactly_once(),
                    "bound": bound,
                    "authenticated": action.authenticated(),
                    "signature": info.signature(),
                })
            })
            .collect();
        serde_json::json!({ "actions": actions })
    }
}

impl std::fmt::Display for SurfaceReport {
    /// One row per action, columns aligned: action, path, body, time, concurrency, rate, once,
    /// bound, auth.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header = [
            "action",
            "path",
            "body",
            "time",
            "concurrency",
            "rate",
            "once",
            "bound",
            "auth",
        ]
        .map(str::to_owned);
        let mut rows = vec![header];
        for action in &self.actions {
            let info = action.info();
            let module = info.module_path().split_once("::").map_or("", |(_, m)| m);
            let name = match module {
                "" => info.name().to_owned(),
                module => format!("{module}::{}", info.name()),
            };
            let bound: Vec<String> = info
                .bound_args()
                .iter()
                .map(|(name, ty)| format!("{name}: {ty}"))
                .collect();
            rows.push([
                name,
                action.path(),
                info.body_limit()
                    .map_or_else(|| "default".to_owned(), |b| format!("{b} B")),
                info.time_limit()
                    .map_or_else(|| "default".to_owned(), |t| format!("{} ms", t.as_millis())),
                info.concurrency().to_string(),
                info.rate_limit()
                    .map_or_else(|| "default".to_owned(), |l| l.to_string()),
                yes_no(info.exactly_once()),
                match bound.is_empty() {
                    true => "-".to_owned(),
                    false => bound.join(", "),
                },
                yes_no(action.authenticated()),
            ]);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|col| {
                rows.iter()
                    .map(|row| row[col].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &rows {
            let mut line = String::new();
            for (col, cell) in row.iter().enumerate() {
                if col + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let pad = widths[col] - cell.chars().count() + 2;
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

fn yes_no(value: bool) -> String {
    match value {
        true => "yes",
        false => "no",
    }
    .to_owned()
}
