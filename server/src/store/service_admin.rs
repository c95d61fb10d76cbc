//! Queries of the admin's service pages: a filtered page of services, one service with its
//! groups, and the versioned writes a save makes (in the caller's transaction).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::user_admin::pattern;
use super::{to_millis, IdName, NameOf, Page};

#[derive(Debug, Clone, FromRow)]
pub struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub channel: String,
    pub cifra: String,
    pub integration_url: String,
    pub active: i64,
    pub token_set: i64,
    pub schedule_id: Option<i64>,
    pub schedule: Option<String>,
    pub policy: String,
    pub version: i64,
}

const COLUMNS: &str = "s.id, s.name, s.channel, s.cifra, s.integration_url, s.active,
     CASE WHEN s.access_token_sealed IS NULL THEN 0 ELSE 1 END AS token_set,
     s.schedule_id, h.name AS schedule, s.policy, s.version";

/// The list's filters, as the queries take them ("" / -1: any).
pub struct Filter<'a> {
    pub search: &'a str,
    pub channel: &'a str,
    pub active: i64,
}

/// One page of services whose name or cifra contains the search, by name; and how many match.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    pool: &AnyPool,
    filter: &Filter<'_>,
    offset: i64,
    limit: i64,
) -> anyhow::Result<Page<ServiceRow>> {
    let condition = "(LOWER(s.name) LIKE $1 ESCAPE '\\' OR s.cifra LIKE $1 ESCAPE '\\')
         AND ($2 = '' OR s.channel = $2) AND ($3 = -1 OR s.active = $3)";
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM services s LEFT JOIN schedules h ON h.id = s.schedule_id
         WHERE {condition} ORDER BY LOWER(s.name), s.id LIMIT $4 OFFSET $5"
    ))
    .bind(pattern(filter.search))
    .bind(filter.channel)
    .bind(filter.active)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
    .context("Failed to list services")?;
    let total = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM services s WHERE {condition}"
    ))
    .bind(pattern(filter.search))
    .bind(filter.channel)
    .bind(filter.active)
    .fetch_one(pool)
    .await
    .context("Failed to count services")?;
    Ok(Page { rows, total })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn one(pool: &AnyPool, id: i64) -> anyhow::Result<Option<ServiceRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM services s LEFT JOIN schedules h ON h.id = s.schedule_id
         WHERE s.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .context("Failed to read a service")
}

/// (service, group name) of these services, by group name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn group_names(pool: &AnyPool, ids: &[i64]) -> anyhow::Result<Vec<NameOf>> {
    super::fetch_with_ids(
        pool,
        "SELECT l.service_id AS owner_id, g.name FROM service_groups l
         JOIN agent_groups g ON g.id = l.group_id
         WHERE l.service_id IN ({ids}) ORDER BY LOWER(g.name)",
        ids,
    )
    .await
    .context("Failed to list the services' groups")
}

/// One of a service's groups, with the schedule it has for that service (if its own).
#[derive(Debug, Clone, FromRow)]
pub struct ServiceGroupRow {
    pub group_id: i64,
    pub schedule_id: Option<i64>,
}

/// A service's groups, by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn groups_of(pool: &AnyPool, id: i64) -> anyhow::Result<Vec<ServiceGroupRow>> {
    sqlx::query_as(
        "SELECT group_id, schedule_id FROM service_groups WHERE service_id = $1 ORDER BY group_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .context("Failed to read a service's groups")
}

/// Whether the service ever had a customer (then it is kept, and only deactivated).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn has_conversations(pool: &AnyPool, id: i64) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE service_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("Failed to look for a service's contacts")?;
    Ok(found.is_some())
}

/// Whether another service has this channel and cifra.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn cifra_taken(
    pool: &AnyPool,
    channel: &str,
    cifra: &str,
    except: Option<i64>,
) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM services WHERE channel = $1 AND cifra = $2 AND id <> $3",
    )
    .bind(channel)
    .bind(cifra)
    .bind(except.unwrap_or(0))
    .fetch_optional(pool)
    .await
    .context("Failed to check a cifra")?;
    Ok(found.is_some())
}

/// The registration and policy columns a save writes.
pub struct ServiceValues<'a> {
    pub name: &'a str,
    pub channel: &'a str,
    pub cifra: &'a str,
    pub integration_url: &'a str,
    pub active: bool,
    pub schedule_id: Option<i64>,
    pub policy: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    values: &ServiceValues<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO services (name, channel, cifra, integration_url, active, schedule_id, policy,
                               created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(values.name)
    .bind(values.channel)
    .bind(values.cifra)
    .bind(values.integration_url)
    .bind(i64::from(values.active))
    .bind(values.schedule_id)
    .bind(values.policy)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to create a service")
}

/// Updates the service if it is still at `version`; false otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    values: &ServiceValues<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE services SET name = $1, channel = $2, cifra = $3, integration_url = $4,
                active = $5, schedule_id = $6, policy = $7, updated_at = $8,
                version = version + 1
         WHERE id = $9 AND version = $10",
    )
    .bind(values.name)
    .bind(values.channel)
    .bind(values.cifra)
    .bind(values.integration_url)
    .bind(i64::from(values.active))
    .bind(values.schedule_id)
    .bind(values.policy)
    .bind(to_millis(now))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to update a service")?;
    Ok(done.rows_affected() == 1)
}

/// The service's sealed page token, if it has one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sealed_token(pool: &AnyPool, id: i64) -> anyhow::Result<Option<String>> {
    let sealed: Option<Option<String>> =
        sqlx::query_scalar("SELECT access_token_sealed FROM services WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .context("Failed to read a service's token")?;
    Ok(sealed.flatten())
}

/// Stores a new sealed page token.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_token(conn: &mut AnyConnection, id: i64, sealed: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE services SET access_token_sealed = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await
        .context("Failed to store a service's token")?;
    Ok(())
}

/// Makes the service served by exactly these groups, each with its schedule.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_groups(
    conn: &mut AnyConnection,
    id: i64,
    groups: &[(i64, Option<i64>)],
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM service_groups WHERE service_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("Failed to clear a service's groups")?;
    for (group, schedule) in groups {
        sqlx::query(
            "INSERT INTO service_groups (service_id, group_id, schedule_id) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(group)
        .bind(schedule)
        .execute(&mut *conn)
        .await
        .context("Failed to link a service to a group")?;
    }
    Ok(())
}

/// Deletes the service (and its group links) if it is still at `version`; false otherwise.
/// The caller has checked that it has no conversations.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(conn: &mut AnyConnection, id: i64, version: i64) -> anyhow::Result<bool> {
    sqlx::query("DELETE FROM service_groups WHERE service_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("Failed to unlink a service's groups")?;
    let done = sqlx::query("DELETE FROM services WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .execute(conn)
        .await
        .context("Failed to delete a service")?;
    Ok(done.rows_affected() == 1)
}

/// What a service's tabs pick from: the groups and the active schedules, each by name.
#[derive(Debug, Clone)]
pub struct ServiceChoices {
    pub groups: Vec<IdName>,
    pub schedules: Vec<IdName>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn choices(pool: &AnyPool) -> anyhow::Result<ServiceChoices> {
    let groups = sqlx::query_as("SELECT id, name FROM agent_groups ORDER BY LOWER(name)")
        .fetch_all(pool)
        .await
        .context("Failed to list groups")?;
    let schedules =
        sqlx::query_as("SELECT id, name FROM schedules WHERE active = 1 ORDER BY LOWER(name)")
            .fetch_all(pool)
            .await
            .context("Failed to list schedules")?;
    Ok(ServiceChoices { groups, schedules })
}
