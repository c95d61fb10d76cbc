//! Queries on `pause_reasons`: the reasons an agent may give for pausing, versioned.

use anyhow::Context;
use sqlx::{AnyConnection, AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PauseReasonRow {
    pub id: i64,
    pub name: String,
    pub active: i64,
    pub version: i64,
}

/// Every pause reason, active or not, in the order they were made.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn all(pool: &AnyPool) -> anyhow::Result<Vec<PauseReasonRow>> {
    sqlx::query_as("SELECT id, name, active, version FROM pause_reasons ORDER BY id")
        .fetch_all(pool)
        .await
        .context("Failed to list pause reasons")
}

/// The reason with this name, whatever the case.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn find_by_name(pool: &AnyPool, name: &str) -> anyhow::Result<Option<PauseReasonRow>> {
    sqlx::query_as(
        "SELECT id, name, active, version FROM pause_reasons WHERE LOWER(name) = LOWER($1)",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .context("Failed to look up a pause reason")
}

#[tracing::instrument(level = "debug", skip(conn))]
pub async fn insert(conn: &mut AnyConnection, name: &str) -> anyhow::Result<i64> {
    sqlx::query_scalar("INSERT INTO pause_reasons (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(conn)
        .await
        .context("Failed to add a pause reason")
}

/// Renames the reason if it is still at `version`; false when it is not (or is gone).
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn rename(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    version: i64,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE pause_reasons SET name = $1, version = version + 1
         WHERE id = $2 AND version = $3",
    )
    .bind(name)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to rename a pause reason")?;
    Ok(done.rows_affected() == 1)
}

/// Switches an inactive reason back on, whatever its version (provisioning's "this must exist").
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn reactivate(pool: &AnyPool, id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE pause_reasons SET active = 1, version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .context("Failed to reactivate a pause reason")?;
    Ok(())
}

/// The names of the active reasons, as the console offers them.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_names(pool: &AnyPool) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM pause_reasons WHERE active = 1 ORDER BY id")
        .fetch_all(pool)
        .await
        .context("Failed to list pause reasons")
}
