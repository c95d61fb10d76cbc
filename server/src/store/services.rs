//! Queries on `services`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;
use crate::domain::service::{Cifra, IntegrationUrl, ServiceName};
use crate::store::webhook_deliveries::Channel;

#[derive(Debug, Clone, FromRow)]
pub struct ServiceRecord {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub cifra: String,
    pub integration_url: String,
}

/// The active service a webhook event addresses (by channel and page / account ID).
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn find_active_by_cifra(
    conn: &mut AnyConnection,
    channel: Channel,
    cifra: &str,
) -> anyhow::Result<Option<ServiceRecord>> {
    sqlx::query_as(
        "SELECT id, name, channel, cifra, integration_url FROM services
         WHERE channel = $1 AND cifra = $2 AND active = 1",
    )
    .bind(channel.as_str())
    .bind(cifra)
    .fetch_optional(conn)
    .await
    .context("Failed to look up a service by cifra")
}

pub struct ServiceSpec<'a> {
    pub name: &'a ServiceName,
    pub channel: Channel,
    pub cifra: &'a Cifra,
    pub integration_url: &'a IntegrationUrl,
    pub active: bool,
}

/// What `upsert` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

/// Creates the service with this channel and cifra, or brings the existing one in line.
#[tracing::instrument(level = "debug", skip(pool, spec), fields(cifra = spec.cifra.as_str()))]
pub async fn upsert(
    pool: &AnyPool,
    spec: &ServiceSpec<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Upserted> {
    let active = i64::from(spec.active);
    let existing: Option<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, name, integration_url, active FROM services WHERE channel = $1 AND cifra = $2",
    )
    .bind(spec.channel.as_str())
    .bind(spec.cifra.as_str())
    .fetch_optional(pool)
    .await
    .context("Failed to look up a service")?;
    let Some((id, name, url, was_active)) = existing else {
        sqlx::query(
            "INSERT INTO services (name, channel, cifra, integration_url, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(spec.name.as_str())
        .bind(spec.channel.as_str())
        .bind(spec.cifra.as_str())
        .bind(spec.integration_url.as_str())
        .bind(active)
        .bind(to_millis(now))
        .execute(pool)
        .await
        .context("Failed to create a service")?;
        return Ok(Upserted::Created);
    };
    if name == spec.name.as_str() && url == spec.integration_url.as_str() && was_active == active {
        return Ok(Upserted::Unchanged);
    }
    sqlx::query("UPDATE services SET name = $1, integration_url = $2, active = $3, updated_at = $4 WHERE id = $5")
        .bind(spec.name.as_str())
        .bind(spec.integration_url.as_str())
        .bind(active)
        .bind(to_millis(now))
        .bind(id)
        .execute(pool)
        .await
        .context("Failed to update a service")?;
    Ok(Upserted::Updated)
}

/// Stores the sealed page access token of a service.
#[tracing::instrument(level = "debug", skip(pool, sealed))]
pub async fn set_access_token(
    pool: &AnyPool,
    service_id: i64,
    sealed: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE services SET access_token_sealed = $1, updated_at = $2 WHERE id = $3")
        .bind(sealed)
        .bind(to_millis(now))
        .bind(service_id)
        .execute(pool)
        .await
        .context("Failed to store a service's access token")?;
    Ok(())
}

/// A service's id with its page token, sealed (None when it has none).
#[derive(Debug, Clone, FromRow)]
pub struct SealedToken {
    pub id: i64,
    pub access_token_sealed: Option<String>,
}

/// The sealed token of the service with this channel and cifra, and the service's id.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn access_token_of(
    pool: &AnyPool,
    channel: Channel,
    cifra: &str,
) -> anyhow::Result<Option<SealedToken>> {
    sqlx::query_as("SELECT id, access_token_sealed FROM services WHERE channel = $1 AND cifra = $2")
        .bind(channel.as_str())
        .bind(cifra)
        .fetch_optional(pool)
        .await
        .context("Failed to read a service's access token")
}

/// An active service with its sealed page token (the Messenger sandbox's registry of pages).
#[derive(Debug, Clone, FromRow)]
pub struct ServiceWithToken {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub cifra: String,
    pub integration_url: String,
    pub access_token_sealed: Option<String>,
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn active_with_tokens(pool: &AnyPool) -> anyhow::Result<Vec<ServiceWithToken>> {
    sqlx::query_as(
        "SELECT id, name, channel, cifra, integration_url, access_token_sealed FROM services
         WHERE active = 1 ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .context("Failed to list the active services")
}

/// Sets the service's default schedule (by name) and policy where the caller gives them;
/// whether anything changed. Provisioning uses it after `upsert`.
#[tracing::instrument(level = "debug", skip(pool, policy))]
pub async fn set_schedule_and_policy(
    pool: &AnyPool,
    channel: Channel,
    cifra: &str,
    schedule: Option<&str>,
    policy: Option<&str>,
) -> anyhow::Result<bool> {
    let (id, schedule_id, stored_policy): (i64, Option<i64>, String) = sqlx::query_as(
        "SELECT id, schedule_id, policy FROM services WHERE channel = $1 AND cifra = $2",
    )
    .bind(channel.as_str())
    .bind(cifra)
    .fetch_one(pool)
    .await
    .context("Failed to read a service's policy")?;
    let wanted_schedule = match schedule {
        None => schedule_id,
        Some(name) => Some(
            super::schedules::id_by_name(pool, name)
                .await?
                .map(|schedule| schedule.id)
                .with_context(|| format!("no schedule named {name:?}"))?,
        ),
    };
    let wanted_policy = policy.unwrap_or(&stored_policy);
    if wanted_schedule == schedule_id && wanted_policy == stored_policy {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE services SET schedule_id = $1, policy = $2, version = version + 1 WHERE id = $3",
    )
    .bind(wanted_schedule)
    .bind(wanted_policy)
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to set a service's policy")?;
    Ok(true)
}

/// A service as a choice in a list: id and name.
#[derive(Debug, Clone, FromRow)]
pub struct ServiceChoiceRow {
    pub id: i64,
    pub name: String,
}

/// Every service, active or not, by name.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn choices_by_name(pool: &AnyPool) -> anyhow::Result<Vec<ServiceChoiceRow>> {
    sqlx::query_as("SELECT id, name FROM services ORDER BY name")
        .fetch_all(pool)
        .await
        .context("Failed to list services")
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn exists(pool: &AnyPool, id: i64) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM services WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("Failed to look up a service")?;
    Ok(found.is_some())
}

/// The service with this page / account ID, on any channel.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn id_by_cifra(pool: &AnyPool, cifra: &str) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM services WHERE cifra = $1")
        .bind(cifra)
        .fetch_optional(pool)
        .await
        .context("Failed to look up a service")
}
