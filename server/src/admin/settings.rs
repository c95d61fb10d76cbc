//! The admin's general settings (implements the app's `GeneralSettingsAdmin` port): the
//! external and internal links, the webhook URLs and verify token for Meta's dashboard, the
//! write-only app secret, the attachment limit and the sandbox switch. Stored in
//! `general_settings` and read on use (`live_settings`), so a save applies at once.

use app::error::{AppError, Field};
use app::model::settings::{
    GeneralSettings, GeneralSettingsForm, ATTACHMENT_MAX_MB, RETENTION_MAX_DAYS,
};
use app::model::CurrentUser;
use app::server::GeneralSettingsAdmin;
use async_trait::async_trait;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};
use url::Url;

use crate::channels::meta::credentials::{MetaCredentials, APP_SECRET_KEY, VERIFY_TOKEN_KEY};
use crate::channels::meta::graph::{HostPolicy, GRAPH_HOSTS_KEY};
use crate::config::Settings;
use crate::domain::graph_hosts::{self, META_GRAPH_HOSTS};
use crate::error::internal;
use crate::live_settings::{
    ATTACHMENT_MAX_MB as MAX_MB_KEY, DELIVERY_RETENTION_DAYS, EXTERNAL_URL, INTERNAL_URL,
    MEDIA_RETENTION_DAYS, SANDBOX_ENABLED, VERSION,
};
use crate::store::audit;
use crate::store::general_settings;
use crate::store::Store;

pub struct GeneralSettingsService {
    store: Store,
    meta: MetaCredentials,
    /// Where Graph calls may go: told when the admin's list changes.
    hosts: HostPolicy,
    /// The configured defaults (external URL, attachment folder, sandbox availability).
    configured: Settings,
}

/// An http(s) URL without query or fragment, as given (trailing slash removed); "" allowed
/// where `optional`.
fn web_url(raw: &str, field: Field, optional: bool) -> Result<String, AppError> {
    let raw = raw.trim().trim_end_matches('/');
    if raw.is_empty() {
        return if optional {
            Ok(String::new())
        } else {
            Err(AppError::Required { field })
        };
    }
    let url = Url::parse(raw).map_err(|_| AppError::Invalid { field })?;
    let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
    if !web || url.query().is_some() || url.fragment().is_some() {
        return Err(AppError::Invalid { field });
    }
    Ok(raw.to_owned())
}

impl GeneralSettingsService {
    pub fn new(
        store: Store,
        meta: MetaCredentials,
        hosts: HostPolicy,
        configured: Settings,
    ) -> Self {
        GeneralSettingsService {
            store,
            meta,
            hosts,
            configured,
        }
    }

    async fn read(&self, key: &str) -> Result<Option<String>, AppError> {
        general_settings::get(self.store.pool(), key)
            .await
            .map_err(internal)
    }

    /// Bumps the settings' version if it is still `version` (409 otherwise).
    async fn claim(&self, version: i64) -> Result<(), AppError> {
        let current = self.version().await?;
        if current != version {
            return Err(AppError::Conflict);
        }
        let claimed =
            general_settings::claim_version(self.store.pool(), VERSION, version, Utc::now())
                .await
                .map_err(internal)?;
        if claimed {
            Ok(())
        } else {
            Err(AppError::Conflict)
        }
    }

    /// What is allowed whatever the admin's list says, as shown on the page.
    fn fixed_hosts(&self) -> Vec<String> {
        let fixed = self.hosts.fixed_hosts();
        META_GRAPH_HOSTS
            .iter()
            .map(|host| format!("https://{host}"))
            .chain(fixed.sandbox.iter().cloned())
            .chain(fixed.extra.iter().map(ToString::to_string))
            .collect()
    }

    async fn version(&self) -> Result<i64, AppError> {
        Ok(self
            .read(VERSION)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

#[async_trait]
impl GeneralSettingsAdmin for GeneralSettingsService {
    async fn get(&self) -> Result<GeneralSettings, AppError> {
        let configured = self.configured.external_url.as_str().trim_end_matches('/');
        let external_url = self
            .read(EXTERNAL_URL)
            .await?
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| configured.to_owned());
        let credentials = self.meta.current().await.map_err(internal)?;
        let sandbox_enabled = crate::live_settings::sandbox_enabled(self.store.pool())
            .await
            .map_err(internal)?;
        let retention = crate::live_settings::retention(self.store.pool())
            .await
            .map_err(internal)?;
        Ok(GeneralSettings {
            messenger_webhook_url: format!("{external_url}/hook/messageFacebook"),
            instagram_webhook_url: format!("{external_url}/hook/messageInstagram"),
            external_url,
            internal_url: self.read(INTERNAL_URL).await?.unwrap_or_default(),
            verify_token: credentials
                .verify_token
                .map(|token| token.expose_secret().to_owned()),
            verify_token_fixed: self.meta.overridden(VERIFY_TOKEN_KEY),
            app_secret_set: credentials.app_secret.is_some(),
            app_secret_fixed: self.meta.overridden(APP_SECRET_KEY),
            attachments_dir: self.configured.attachments_dir.display().to_string(),
            attachment_max_mb: self
                .read(MAX_MB_KEY)
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(ATTACHMENT_MAX_MB),
            sandbox_available: self.configured.sandbox,
            sandbox_enabled: self.configured.sandbox && sandbox_enabled,
            graph_hosts: self.read(GRAPH_HOSTS_KEY).await?.unwrap_or_default(),
            graph_hosts_fixed: self.fixed_hosts(),
            delivery_retention_days: retention.delivery_days,
            media_retention_days: retention.media_days,
            version: self.version().await?,
        })
    }

    async fn save(&self, actor: &CurrentUser, form: GeneralSettingsForm) -> Result<(), AppError> {
        let external_url = web_url(&form.external_url, Field::ExternalUrl, false)?;
        let internal_url = web_url(&form.internal_url, Field::InternalUrl, true)?;
        if !(1..=ATTACHMENT_MAX_MB).contains(&form.attachment_max_mb) {
            return Err(AppError::Invalid {
                field: Field::AttachmentLimit,
            });
        }
        let app_secret = form
            .app_secret
            .map(|secret| secret.trim().to_owned())
            .filter(|secret| !secret.is_empty());
        if let Some(secret) = &app_secret {
            let printable = secret.chars().all(|c| c.is_ascii_graphic());
            if self.meta.overridden(APP_SECRET_KEY) || !printable || secret.len() > 256 {
                return Err(AppError::Invalid {
                    field: Field::AppSecret,
                });
            }
        }
        let graph_hosts = graph_hosts::parse_list(&form.graph_hosts)
            .map_err(|_| AppError::Invalid {
                field: Field::GraphHosts,
            })?
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        if !(1..=RETENTION_MAX_DAYS).contains(&form.delivery_retention_days)
            || form.media_retention_days > RETENTION_MAX_DAYS
        {
            return Err(AppError::Invalid {
                field: Field::Retention,
            });
        }
        let before = self.get().await?;
        self.claim(form.version).await?;
        let now = Utc::now();
        let pool = self.store.pool();
        let values = [
            (EXTERNAL_URL, external_url.clone()),
            (INTERNAL_URL, internal_url.clone()),
            (MAX_MB_KEY, form.attachment_max_mb.to_string()),
            (
                SANDBOX_ENABLED,
                if form.sandbox_enabled { "1" } else { "0" }.to_owned(),
            ),
            (GRAPH_HOSTS_KEY, graph_hosts.clone()),
            (
                DELIVERY_RETENTION_DAYS,
                form.delivery_retention_days.to_string(),
            ),
            (MEDIA_RETENTION_DAYS, form.media_retention_days.to_string()),
        ];
        for (key, value) in &values {
            general_settings::set(pool, key, value, now)
                .await
                .map_err(internal)?;
        }
        if let Some(secret) = &app_secret {
            self.meta
                .set(APP_SECRET_KEY, &SecretString::from(secret.clone()))
                .await
                .map_err(internal)?;
        }
        let mut changes = Map::new();
        for (field, was, now) in [
            (
                "external_url",
                json!(before.external_url),
                json!(external_url),
            ),
            (
                "internal_url",
                json!(before.internal_url),
                json!(internal_url),
            ),
            (
                "attachment_max_mb",
                json!(before.attachment_max_mb),
                json!(form.attachment_max_mb),
            ),
            (
                "sandbox_enabled",
                json!(before.sandbox_enabled),
                json!(form.sandbox_enabled),
            ),
            ("graph_hosts", json!(before.graph_hosts), json!(graph_hosts)),
            (
                "delivery_retention_days",
                json!(before.delivery_retention_days),
                json!(form.delivery_retention_days),
            ),
            (
                "media_retention_days",
                json!(before.media_retention_days),
                json!(form.media_retention_days),
            ),
        ] {
            if was != now {
                changes.insert(field.to_owned(), json!([was, now]));
            }
        }
        if app_secret.is_some() {
            changes.insert("app_secret".to_owned(), json!([Value::Null, "replaced"]));
        }
        let mut conn = pool.acquire().await.map_err(internal)?;
        audit::write(
            &mut conn,
            actor.id,
            "settings",
            0,
            "update",
            &Value::Object(changes),
            now,
        )
        .await
        .map_err(internal)?;
        self.hosts.forget();
        tracing::info!(actor = actor.id, "General settings saved");
        Ok(())
    }

    async fn regenerate_verify_token(&self, actor: &CurrentUser) -> Result<(), AppError> {
        if self.meta.overridden(VERIFY_TOKEN_KEY) {
            return Err(AppError::Forbidden);
        }
        let token = hex::encode(rand::random::<[u8; 24]>());
        self.meta
            .set(VERIFY_TOKEN_KEY, &SecretString::from(token))
            .await
            .map_err(internal)?;
        let changes = json!({ "verify_token": [Value::Null, "regenerated"] });
        let mut conn = self.store.pool().acquire().await.map_err(internal)?;
        audit::write(
            &mut conn,
            actor.id,
            "settings",
            0,
            "update",
            &changes,
            Utc::now(),
        )
        .await
        .map_err(internal)?;
        tracing::info!(actor = actor.id, "Verify token regenerated");
        Ok(())
    }
}
