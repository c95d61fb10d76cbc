//! The Meta app's webhook credentials (app secret, verify token), read live: an admin's change
//! in the general settings applies without a restart, on every instance within `CACHE_FOR`.
//! `ATENDE_META_APP_SECRET` / `ATENDE_META_VERIFY_TOKEN` override the database when set.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use secrecy::SecretString;

use crate::secret_box::SecretBox;
use crate::store::{general_settings, Store};

pub const APP_SECRET_KEY: &str = "meta_app_secret";
pub const VERIFY_TOKEN_KEY: &str = "meta_verify_token";

/// How long one instance may keep using a value another instance has changed. Short, because
/// the webhook reads the secret on every delivery; long enough to spare the database that read.
const CACHE_FOR: Duration = Duration::from_secs(2);

#[derive(Clone, Default)]
pub struct Credentials {
    pub app_secret: Option<SecretString>,
    pub verify_token: Option<SecretString>,
}

#[derive(Clone)]
pub struct MetaCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secrets: SecretBox,
    overrides: Credentials,
    cached: Mutex<Option<(Instant, Credentials)>>,
}

impl MetaCredentials {
    pub fn new(store: Store, secrets: SecretBox, overrides: Credentials) -> MetaCredentials {
        MetaCredentials {
            inner: Arc::new(Inner {
                store,
                secrets,
                overrides,
                cached: Mutex::new(None),
            }),
        }
    }

    /// The credentials in force now.
    pub async fn current(&self) -> anyhow::Result<Credentials> {
        let overrides = &self.inner.overrides;
        if overrides.app_secret.is_some() && overrides.verify_token.is_some() {
            return Ok(overrides.clone());
        }
        if let Some(fresh) = self.cached(|at| at.elapsed() < CACHE_FOR) {
            return Ok(fresh);
        }
        match self.load().await {
            Ok(loaded) => {
                if let Ok(mut cached) = self.inner.cached.lock() {
                    *cached = Some((Instant::now(), loaded.clone()));
                }
                Ok(loaded)
            }
            // A database hiccup should not refuse Meta's deliveries when we know the values.
            Err(error) => self.cached(|_| true).ok_or(error),
        }
    }

    fn cached(&self, usable: impl Fn(Instant) -> bool) -> Option<Credentials> {
        let cached = self.inner.cached.lock().ok()?;
        cached
            .as_ref()
            .filter(|(at, _)| usable(*at))
            .map(|(_, credentials)| credentials.clone())
    }

    async fn load(&self) -> anyhow::Result<Credentials> {
        let overrides = &self.inner.overrides;
        let app_secret = match &overrides.app_secret {
            Some(value) => Some(value.clone()),
            None => self.read_sealed(APP_SECRET_KEY).await?,
        };
        let verify_token = match &overrides.verify_token {
            Some(value) => Some(value.clone()),
            None => self.read_sealed(VERIFY_TOKEN_KEY).await?,
        };
        Ok(Credentials {
            app_secret,
            verify_token,
        })
    }

    async fn read_sealed(&self, key: &str) -> anyhow::Result<Option<SecretString>> {
        let pool = self.inner.store.pool();
        match general_settings::get(pool, key).await? {
            Some(sealed) => Ok(Some(self.inner.secrets.open(&sealed)?)),
            None => Ok(None),
        }
    }

    /// Stores a new value (sealed) and uses it at once on this instance.
    pub async fn set(&self, key: &str, value: &SecretString) -> anyhow::Result<()> {
        anyhow::ensure!(
            key == APP_SECRET_KEY || key == VERIFY_TOKEN_KEY,
            "not a Meta credential: {key}"
        );
        let sealed = self.inner.secrets.seal(value)?;
        general_settings::set(self.inner.store.pool(), key, &sealed, Utc::now()).await?;
        if let Ok(mut cached) = self.inner.cached.lock() {
            *cached = None;
        }
        Ok(())
    }

    /// Whether the environment fixes this credential (the admin UI then shows it read-only).
    pub fn overridden(&self, key: &str) -> bool {
        match key {
            APP_SECRET_KEY => self.inner.overrides.app_secret.is_some(),
            VERIFY_TOKEN_KEY => self.inner.overrides.verify_token.is_some(),
            _ => false,
        }
    }
}
