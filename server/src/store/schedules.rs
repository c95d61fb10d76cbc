//! Queries on `schedules`: each schedule's weekly intervals and exceptions are one JSON
//! document (`definition`), written whole by the admin's save, with a version check.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::user_admin::pattern;
use super::{to_millis, NameOf, Page};

#[derive(Debug, Clone, FromRow)]
pub struct ScheduleRow {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub definition: String,
    pub active: i64,
    pub version: i64,
}

const COLUMNS: &str = "id, name, time_zone, definition, active, version";

/// One page of schedules whose name contains `search`, by name; and how many match.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    pool: &AnyPool,
    search: &str,
    offset: i64,
    limit: i64,
) -> anyhow::Result<Page<ScheduleRow>> {
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE LOWER(name) LIKE $1 ESCAPE '\\'
         ORDER BY LOWER(name), id LIMIT $2 OFFSET $3"
    ))
    .bind(pattern(search))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
    .context("Failed to list schedules")?;
    let total =
        sqlx::query_scalar("SELECT COUNT(*) FROM schedules WHERE LOWER(name) LIKE $1 ESCAPE '\\'")
            .bind(pattern(search))
            .fetch_one(pool)
            .await
            .context("Failed to count schedules")?;
    Ok(Page { rows, total })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn one(pool: &AnyPool, id: i64) -> anyhow::Result<Option<ScheduleRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM schedules WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("Failed to read a schedule")
}

/// (schedule, service name): the services using these schedules, as their own or a group's,
/// once each, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn users(pool: &AnyPool, schedules: &[i64]) -> anyhow::Result<Vec<NameOf>> {
    let mut users: Vec<NameOf> = super::fetch_with_ids(
        pool,
        "SELECT schedule_id AS owner_id, name FROM services WHERE schedule_id IN ({ids})",
        schedules,
    )
    .await
    .context("Failed to list the schedules' services")?;
    let by_groups: Vec<NameOf> = super::fetch_with_ids(
        pool,
        "SELECT l.schedule_id AS owner_id, s.name FROM service_groups l
         JOIN services s ON s.id = l.service_id
         WHERE l.schedule_id IN ({ids})",
        schedules,
    )
    .await
    .context("Failed to list the schedules' group services")?;
    users.extend(by_groups);
    users.sort_by(|a, b| a.name.cmp(&b.name).then(a.owner_id.cmp(&b.owner_id)));
    users.dedup();
    Ok(users)
}

/// Whether another schedule has this name (whatever the case).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn name_taken(pool: &AnyPool, name: &str, except: Option<i64>) -> anyhow::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM schedules WHERE LOWER(name) = LOWER($1) AND id <> $2")
            .bind(name)
            .bind(except.unwrap_or(0))
            .fetch_optional(pool)
            .await
            .context("Failed to check a schedule name")?;
    Ok(found.is_some())
}

/// A schedule's id and the version a save must name.
#[derive(Debug, Clone, Copy, FromRow)]
pub struct ScheduleVersion {
    pub id: i64,
    pub version: i64,
}

/// Finds a schedule by exact name (provisioning matches by name).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn id_by_name(pool: &AnyPool, name: &str) -> anyhow::Result<Option<ScheduleVersion>> {
    sqlx::query_as("SELECT id, version FROM schedules WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .context("Failed to find a schedule")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    name: &str,
    time_zone: &str,
    definition: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO schedules (name, time_zone, definition, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(name)
    .bind(time_zone)
    .bind(definition)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to create a schedule")
}

/// Rewrites the schedule if it is still at `version`; false otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    name: &str,
    time_zone: &str,
    definition: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE schedules SET name = $1, time_zone = $2, definition = $3, version = version + 1
         WHERE id = $4 AND version = $5",
    )
    .bind(name)
    .bind(time_zone)
    .bind(definition)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to update a schedule")?;
    Ok(done.rows_affected() == 1)
}

/// The ids of every schedule, active or not.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn ids(pool: &AnyPool) -> anyhow::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM schedules")
        .fetch_all(pool)
        .await
        .context("Failed to list schedules")
}
