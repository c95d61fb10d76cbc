//! Queries on `login_failures`: the evidence the login throttle decides on.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::AnyPool;

use super::{from_millis, to_millis};

/// Failures since `since` for one key, and when the oldest of them happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub count: u32,
    pub oldest: Option<DateTime<Utc>>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_for_username(
    pool: &AnyPool,
    username: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<FailureCount> {
    count(pool, "username", username, since).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_for_ip(
    pool: &AnyPool,
    ip: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<FailureCount> {
    count(pool, "ip", ip, since).await
}

async fn count(
    pool: &AnyPool,
    column: &'static str,
    key: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<FailureCount> {
    let sql =
        format!("SELECT COUNT(*), MIN(at) FROM login_failures WHERE {column} = $1 AND at >= $2");
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(&sql)
        .bind(key)
        .bind(to_millis(since))
        .fetch_one(pool)
        .await
        .context("Failed to count login failures")?;
    Ok(FailureCount {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest: oldest.map(from_millis),
    })
}

/// The id of one recorded attempt, so that an attempt refused by the lock can be taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureId(i64);

#[tracing::instrument(level = "debug", skip_all)]
pub async fn record(
    pool: &AnyPool,
    username: &str,
    ip: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<FailureId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(username)
    .bind(ip)
    .bind(to_millis(at))
    .fetch_one(pool)
    .await
    .context("Failed to record a login failure")?;
    Ok(FailureId(id))
}

/// Takes back an attempt that the lock refused: it never reached the password check, so it
/// must not extend the lock (or anyone who knows a name could keep it locked for ever).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forget(pool: &AnyPool, id: FailureId) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await
        .context("Failed to forget a refused login attempt")?;
    Ok(())
}

/// After a successful login the account's failures are forgotten (and no longer count
/// against the IP they came from).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn clear_for_username(pool: &AnyPool, username: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username)
        .execute(pool)
        .await
        .context("Failed to clear login failures")?;
    Ok(())
}

/// Old rows are useless to the throttle; dropped periodically.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn prune(pool: &AnyPool, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(to_millis(before))
        .execute(pool)
        .await
        .context("Failed to prune login failures")?;
    Ok(done.rows_affected())
}
