//! The general settings other parts read at run time, each on use: an admin's change applies
//! at once on every instance. Keys of `general_settings` (see admin::settings).

use anyhow::Context;
use sqlx::AnyPool;

use crate::store::general_settings;

pub const EXTERNAL_URL: &str = "external_url";
pub const INTERNAL_URL: &str = "internal_url";
pub const ATTACHMENT_MAX_MB: &str = "attachment_max_mb";
pub const SANDBOX_ENABLED: &str = "sandbox_enabled";
pub const DELIVERY_RETENTION_DAYS: &str = "delivery_retention_days";
pub const MEDIA_RETENTION_DAYS: &str = "media_retention_days";
/// Bumped by each save of the settings page (two admins: the second save is told).
pub const VERSION: &str = "settings_version";

/// The most an agent may upload, in bytes (Meta's 25 MB unless an admin set less).
pub async fn attachment_limit_bytes(pool: &AnyPool) -> anyhow::Result<usize> {
    let mb = general_settings::get(pool, ATTACHMENT_MAX_MB)
        .await?
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or(app::model::settings::ATTACHMENT_MAX_MB as usize);
    Ok(mb * 1024 * 1024)
}

/// Whether the sandbox answers (when the installation has it at all).
pub async fn sandbox_enabled(pool: &AnyPool) -> anyhow::Result<bool> {
    Ok(general_settings::get(pool, SANDBOX_ENABLED)
        .await
        .context("Failed to read the sandbox switch")?
        .is_none_or(|value| value == "1"))
}

/// The external URL an admin set, if any (else the configured one applies).
pub async fn external_url(pool: &AnyPool) -> anyhow::Result<Option<String>> {
    Ok(general_settings::get(pool, EXTERNAL_URL)
        .await?
        .filter(|url| !url.is_empty()))
}

/// How long processed webhook bodies and closed conversations' attachments are kept (days;
/// media 0 = for ever), as the admin set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub delivery_days: u32,
    pub media_days: u32,
}

pub async fn retention(pool: &AnyPool) -> anyhow::Result<Retention> {
    let days = |value: Option<String>| value.and_then(|v| v.parse::<u32>().ok());
    Ok(Retention {
        delivery_days: days(general_settings::get(pool, DELIVERY_RETENTION_DAYS).await?)
            .unwrap_or(app::model::settings::DELIVERY_RETENTION_DAYS)
            .max(1),
        media_days: days(general_settings::get(pool, MEDIA_RETENTION_DAYS).await?).unwrap_or(0),
    })
}
