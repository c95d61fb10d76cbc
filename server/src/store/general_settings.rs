//! Queries on `general_settings` (key → value).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::AnyPool;

use super::to_millis;

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn get(pool: &AnyPool, key: &str) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM general_settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await
        .context("Failed to read a general setting")
}

/// Sets `key` (values may be sealed secrets: they are never logged).
#[tracing::instrument(level = "debug", skip(pool, value))]
pub async fn set(pool: &AnyPool, key: &str, value: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO general_settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to store a general setting")?;
    Ok(())
}

/// One sealed secret from the database, if any is stored (a page token, or a Meta credential
/// set in the admin): the start-up check that the secret key still opens what it sealed.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn any_sealed_secret(pool: &AnyPool) -> anyhow::Result<Option<String>> {
    let token: Option<String> = sqlx::query_scalar(
        "SELECT access_token_sealed FROM services WHERE access_token_sealed IS NOT NULL LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .context("Failed to read a sealed page token")?;
    if token.is_some() {
        return Ok(token);
    }
    sqlx::query_scalar(
        "SELECT value FROM general_settings WHERE key IN ('meta_app_secret', 'meta_verify_token')
         LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .context("Failed to read a sealed credential")
}

/// Bumps the counter stored under `key` from `version` to the next, a compare-and-set so two
/// saves racing cannot both pass; version 0 means "never saved" (no row yet). Whether it did.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn claim_version(
    pool: &AnyPool,
    key: &str,
    version: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE general_settings SET value = $1, updated_at = $2 WHERE key = $3 AND value = $4",
    )
    .bind((version + 1).to_string())
    .bind(to_millis(now))
    .bind(key)
    .bind(version.to_string())
    .execute(pool)
    .await
    .context("Failed to claim the settings' version")?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    if version != 0 {
        return Ok(false);
    }
    let created = sqlx::query(
        "INSERT INTO general_settings (key, value, updated_at) VALUES ($1, '1', $2)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to claim the settings' first version")?;
    Ok(created.rows_affected() == 1)
}
