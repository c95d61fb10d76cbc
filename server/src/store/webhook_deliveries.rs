//! Queries on `webhook_deliveries`: verified webhook bodies, stored before they are answered.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyPool, FromRow};

use super::{from_millis, to_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Verified and well-formed JSON, waiting to be processed.
    Pending,
    /// Verified but not JSON: answered 400 and kept for inspection.
    Malformed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Malformed => "malformed",
        }
    }
}

#[derive(Debug, Clone, FromRow)]
struct DeliveryRow {
    id: i64,
    channel: String,
    received_at: i64,
    body: Vec<u8>,
    state: String,
}

/// A stored delivery, as an admin inspecting it sees it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub body: Vec<u8>,
    pub state: String,
}

/// Stores a verified body; returns its id once the write is durable.
#[tracing::instrument(skip(pool, body), fields(bytes = body.len()))]
pub async fn insert(
    pool: &AnyPool,
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
    .fetch_one(pool)
    .await
    .context("Failed to store a webhook delivery")
}

/// The most recent deliveries, newest first (for inspection).
#[tracing::instrument(skip(pool))]
pub async fn recent(pool: &AnyPool, limit: i64) -> anyhow::Result<Vec<Delivery>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT id, channel, received_at, body, state FROM webhook_deliveries ORDER BY id DESC LIMIT $1",
    )
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
        })
        .collect())
}
