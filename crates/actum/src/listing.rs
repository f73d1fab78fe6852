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
    };
    let mut mounted = registry().lock().unwrap_or_else(PoisonError::into_inner);
    mounted.insert(entry.id, entry);
}

/// Keyed by ID. A process-wide list, because axum's `Router` has no place for it; it only ever
/// grows by what the app mounts.
fn registry() -> &'static Mutex<BTreeMap<&'static str, MountedAction>> {
    static MOUNTED: Mutex<BTreeMap<&'static str, MountedAction>> = Mutex::new(BTreeMap::new());
    &MOUNTED
}
