//! The settings an [`ActionsLayer`](crate::ActionsLayer) gives to the actions it serves.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::decode::FormLimits;
use crate::form_state::FormStateStore;
use crate::keys::KeyRing;
use crate::origin::{OriginPattern, OriginPolicy};
use crate::revalidate::Revalidate;

/// The default body limit: 1 MiB, as Next.js' `bodySizeLimit`.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The default time limit of an action.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(30);

/// Everything an action request is checked against.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) origin: OriginPolicy,
    pub(crate) body_limit: usize,
    pub(crate) time_limit: Duration,
    pub(crate) form_limits: FormLimits,
    pub(crate) key_ring: Option<KeyRing>,
    pub(crate) redirect_hosts: Vec<OriginPattern>,
    pub(crate) secure_cookies: Option<bool>,
    pub(crate) form_states: FormStateStore,
    /// Whether the layer wraps the whole router ([`ActionsLayer::wrap`]), so that an action's
    /// answer to a script can carry its page re-rendered.
    ///
    /// [`ActionsLayer::wrap`]: crate::ActionsLayer::wrap
    pub(crate) rerender: bool,
    /// At most this many actions at once (the layer's cap), when set.
    pub(crate) concurrency: Option<Arc<tokio::sync::Semaphore>>,
    /// The cache that hears of what actions revalidate.
    pub(crate) revalidator: Option<Revalidator>,
    /// Policies: sessions, rate limits, the store of exactly-once outcomes and counters.
    pub(crate) session_key: Option<crate::policy::SessionKey>,
    pub(crate) rate_limit: Option<crate::policy::RateLimit>,
    pub(crate) rate_limit_key: crate::policy::RateLimitKey,
    pub(crate) store: Store,
    pub(crate) once_lifetime: Duration,
    pub(crate) gates: Arc<crate::policy::Gates>,
}

/// A shared [`ActionStore`](crate::ActionStore) (a newtype so that `Config` can stay `Debug`).
#[derive(Clone)]
pub(crate) struct Store(pub(crate) Arc<dyn crate::action_store::ActionStore>);

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// A shared [`Revalidate`] hook (a newtype so that `Config` can stay `Debug`).
#[derive(Clone)]
pub(crate) struct Revalidator(pub(crate) Arc<dyn Revalidate>);

impl std::fmt::Debug for Revalidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Revalidator")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            origin: OriginPolicy::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            time_limit: DEFAULT_TIME_LIMIT,
            form_limits: FormLimits::default(),
            key_ring: None,
            redirect_hosts: Vec::new(),
            secure_cookies: None,
            form_states: FormStateStore::default(),
            rerender: false,
            concurrency: None,
            revalidator: None,
            session_key: None,
            rate_limit: None,
            rate_limit_key: crate::policy::RateLimitKey::default(),
            store: Store(Arc::new(crate::action_store::MemoryStore::default())),
            once_lifetime: crate::idempotency::DEFAULT_ONCE_LIFETIME,
            gates: Arc::default(),
        }
    }
}

impl Config {
    /// The configuration of an action served without an `ActionsLayer`: the strict defaults.
    pub(crate) fn global_default() -> Arc<Config> {
        static DEFAULT: OnceLock<Arc<Config>> = OnceLock::new();
        Arc::clone(DEFAULT.get_or_init(|| Arc::new(Config::default())))
    }

    /// The key ring that seals and opens bound arguments: the layer's, else the process's
    /// (`ACTUM_SECRET_KEY`, or a random key with a warning).
    pub(crate) fn key_ring(&self) -> &KeyRing {
        self.key_ring
            .as_ref()
            .unwrap_or_else(|| crate::keys::global())
    }

    /// The store of exactly-once outcomes and rate-limit counters.
    pub(crate) fn store(&self) -> Arc<dyn crate::action_store::ActionStore> {
        Arc::clone(&self.store.0)
    }

    /// The action's rate limit, else the layer's.
    pub(crate) fn rate_limit_for(
        &self,
        info: &crate::action::ActionInfo,
    ) -> Option<crate::policy::RateLimit> {
        info.rate_limit().or(self.rate_limit)
    }
}
