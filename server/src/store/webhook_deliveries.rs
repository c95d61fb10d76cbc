//! Queries on `webhook_deliveries`: verified webhook bodies, stored before they are answered.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{from_millis, to_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Messenger,
    Instagram,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Channel> {
        match s {
            "messenger" => Ok(Channel::Messenger),
            "instagram" => Ok(Channel::Instagram),
            other => anyhow::bail!("unknown channel {other:?}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Verified and well-formed JSON, waiting to be processed.
    Pending,
    /// Verified but not JSON: answered 400 and kept for inspection.
    Malformed,
    /// Its events were stored (events for unknown pages are noted in `error`).
    Processed,
    /// Every event in it was for a page no active service has: kept for inspection.
    UnknownPage,
    /// JSON, but not a webhook payload.
    Failed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Malformed => "malformed",
            DeliveryState::Processed => "processed",
            DeliveryState::UnknownPage => "unknown_page",
            DeliveryState::Failed => "failed",
        }
    }
}

/// A pending delivery claimed by the transaction that will process it.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub channel: String,
    pub body: Vec<u8>,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// Claims the `limit` oldest pending deliveries that are due (one waiting to be retried lets
/// those behind it pass), oldest first. The first statement of the transaction is a write, so
/// SQLite takes its write lock at once (no stale-snapshot upgrade failures) and PostgreSQL
/// locks the rows: a second instance re-checks `state` after the first commits and skips them.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn claim_due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: usize,
) -> anyhow::Result<Vec<Claimed>> {
    let mut claimed: Vec<Claimed> = sqlx::query_as(
        "UPDATE webhook_deliveries SET state = 'pending'
         WHERE state = 'pending'
           AND id IN (SELECT id FROM webhook_deliveries
                      WHERE state = 'pending' AND next_attempt_at <= $1
                      ORDER BY id LIMIT $2)
         RETURNING id, channel, body, attempts",
    )
    .bind(to_millis(now))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await
    .context("Failed to claim webhook deliveries")?;
    // RETURNING promises no order.
    claimed.sort_by_key(|delivery| delivery.id);
    Ok(claimed)
}

/// Processing failed for a passing reason: count it and try again at `retry_at`. A delivery
/// Meta was told is stored is never given up on; returns the attempts so far.
#[tracing::instrument(level = "debug", skip(pool, error))]
pub async fn record_failure(
    pool: &AnyPool,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, error = $1, next_attempt_at = $2
         WHERE id = $3 RETURNING attempts",
    )
    .bind(error)
    .bind(to_millis(retry_at))
    .bind(id)
    .fetch_one(pool)
    .await
    .context("Failed to record a processing failure")
}

/// An admin asks for a delivery set aside as `failed` to be processed again; false if it is
/// not (or no longer) failed.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn retry_failed(pool: &AnyPool, id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0
         WHERE id = $1 AND state = 'failed'",
    )
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to queue a delivery again")?;
    Ok(done.rows_affected() == 1)
}

/// Deletes processed deliveries older than `before` (their events live on as messages); those
/// an admin may still act on (failed, not yet processed) are kept. Returns how many went.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn prune_processed(pool: &AnyPool, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM webhook_deliveries
         WHERE state IN ('processed', 'unknown_page', 'malformed')
           AND COALESCE(processed_at, received_at) < $1",
    )
    .bind(to_millis(before))
    .execute(pool)
    .await
    .context("Failed to prune old webhook deliveries")?;
    Ok(done.rows_affected())
}

#[tracing::instrument(level = "debug", skip(conn))]
pub async fn finish(
    conn: &mut AnyConnection,
    id: i64,
    state: DeliveryState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = $1, error = $2, processed_at = $3 WHERE id = $4",
    )
    .bind(state.as_str())
    .bind(error)
    .bind(to_millis(now))
    .bind(id)
    .execute(conn)
    .await
    .context("Failed to record the outcome of a webhook delivery")?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
struct DeliveryRow {
    id: i64,
    channel: String,
    received_at: i64,
    body: Vec<u8>,
    state: String,
    error: Option<String>,
}

/// A stored delivery, as an admin inspecting it sees it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub body: Vec<u8>,
    pub state: String,
    pub error: Option<String>,
}

/// Stores a verified body; returns its id once the write is durable.
#[tracing::instrument(level = "debug", skip(conn, body), fields(bytes = body.len()))]
pub async fn insert(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    channel: Channel,
    body: &[u8],
    state: DeliveryState,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (channel, received_at, body, state) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(channel.as_str())
    .bind(to_millis(now))
    .bind(body)
    .bind(state.as_str())
    .fetch_one(conn)
    .await
    .context("Failed to store a webhook delivery")
}

/// The most recent deliveries, newest first (for inspection).
#[tracing::instrument(level = "debug", skip(pool))]
/// Whether this exact malformed body is already kept (Meta retries what got a 400: keep one).
#[tracing::instrument(level = "debug", skip(pool, body))]
pub async fn malformed_already_kept(pool: &AnyPool, body: &[u8]) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_deliveries WHERE state = 'malformed' AND body = $1 LIMIT 1",
    )
    .bind(body)
    .fetch_optional(pool)
    .await
    .context("Failed to look for a kept malformed delivery")?;
    Ok(found.is_some())
}

/// The newest deliveries, all of them or (`problems_only`) those an admin should look at: not
/// JSON, not a webhook payload, for unknown pages, or processed with a note.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn recent(
    pool: &AnyPool,
    limit: i64,
    problems_only: bool,
) -> anyhow::Result<Vec<Delivery>> {
    let filter = if problems_only {
        "WHERE state IN ('malformed', 'unknown_page', 'failed') OR error IS NOT NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, channel, received_at, body, state, error FROM webhook_deliveries {filter}
         ORDER BY id DESC LIMIT $1"
    );
    let rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("Failed to list webhook deliveries")?;
    Ok(rows
        .into_iter()
        .map(|row| Delivery {
            id: row.id,
            channel: row.channel,
            received_at: from_millis(row.received_at),
            body: row.body,
            state: row.state,
            error: row.error,
        })
        .collect())
}
