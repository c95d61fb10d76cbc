//! Queries of the agent console.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyPool, FromRow};

use super::conversation_status::{self, Closing};
use crate::domain::conversation::ConversationStatus;
use crate::domain::ids::{AgentId, ConversationId};

#[derive(Debug, Clone, FromRow)]
pub struct TileRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: String,
    pub picture_media_id: Option<i64>,
    pub picture_status: Option<String>,
    pub service_name: String,
    pub channel: String,
    pub assigned_at: Option<i64>,
    pub last_customer_message_at: Option<i64>,
    pub unread: i64,
    pub last_message_id: i64,
    pub offered_until: Option<i64>,
    pub event_seq: i64,
    pub opened_at: i64,
    /// The service's policy document (classification codes).
    pub policy: String,
    pub first_response_overdue_at: Option<i64>,
    /// The customer's answer to the script's question.
    pub bot_answer: Option<String>,
}

/// The agent's open conversations, oldest assignment first (stable tile order).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn tiles(pool: &AnyPool, agent_id: i64) -> anyhow::Result<Vec<TileRow>> {
    sqlx::query_as(
        "SELECT c.id, k.first_name, k.last_name, k.external_id, k.picture_media_id,
                p.status AS picture_status, s.name AS service_name, s.channel,
                c.assigned_at, c.last_customer_message_at, c.opened_at, s.policy,
                c.first_response_overdue_at, c.bot_answer,
                (SELECT COUNT(*) FROM messages m
                 WHERE m.conversation_id = c.id AND m.direction = 'in'
                   AND m.id > c.agent_seen_message_id) AS unread,
                COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id), 0)
                  AS last_message_id, c.offered_until, c.event_seq
         FROM conversations c
         JOIN contacts k ON k.id = c.contact_id
         JOIN services s ON s.id = c.service_id
         LEFT JOIN media p ON p.id = k.picture_media_id
         WHERE c.agent_id = $1 AND c.status = 'assigned'
         ORDER BY c.assigned_at, c.id",
    )
    .bind(agent_id)
    .fetch_all(pool)
    .await
    .context("Failed to list an agent's conversations")
}

/// Whose a conversation is, as the console's checks need it.
#[derive(Debug, Clone, FromRow)]
pub struct Ownership {
    pub contact_id: i64,
    pub agent_id: Option<i64>,
    pub status: ConversationStatus,
    /// Set while it is only offered to the agent.
    pub offered_until: Option<i64>,
    pub event_seq: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn owner(pool: &AnyPool, conversation_id: i64) -> anyhow::Result<Option<Ownership>> {
    sqlx::query_as(
        "SELECT contact_id, agent_id, status, offered_until, event_seq
         FROM conversations WHERE id = $1",
    )
    .bind(conversation_id)
    .fetch_optional(pool)
    .await
    .context("Failed to read a conversation's owner")
}

#[derive(Debug, Clone, FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: String,
    pub author: String,
    pub text: Option<String>,
    pub attachments: String,
    pub status: String,
    pub failure_reason: Option<String>,
    pub sent_at: i64,
}

/// The contact's last `limit` messages across their conversations, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn history(
    pool: &AnyPool,
    contact_id: i64,
    limit: i64,
) -> anyhow::Result<Vec<MessageRow>> {
    let mut rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT m.id, m.conversation_id, m.direction, m.author, m.text, m.attachments, m.status,
                m.failure_reason, m.sent_at
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.contact_id = $1 ORDER BY m.id DESC LIMIT $2",
    )
    .bind(contact_id)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read a contact's messages")?;
    rows.reverse();
    Ok(rows)
}

/// These messages (the live feed's), by id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn messages_with_ids(pool: &AnyPool, ids: &[i64]) -> anyhow::Result<Vec<MessageRow>> {
    super::fetch_with_ids(
        pool,
        "SELECT id, conversation_id, direction, author, text, attachments, status,
                failure_reason, sent_at
         FROM messages WHERE id IN ({ids}) ORDER BY id",
        ids,
    )
    .await
    .context("Failed to read messages by id")
}

/// A file of a message, as the chat shows it.
#[derive(Debug, Clone, FromRow)]
pub struct MessageMediaRow {
    pub id: i64,
    pub message_id: Option<i64>,
    pub status: String,
    pub content_type: Option<String>,
}

/// The files of these messages.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn media_of(pool: &AnyPool, message_ids: &[i64]) -> anyhow::Result<Vec<MessageMediaRow>> {
    super::fetch_with_ids(
        pool,
        "SELECT id, message_id, status, content_type FROM media
         WHERE message_id IN ({ids}) ORDER BY id",
        message_ids,
    )
    .await
    .context("Failed to read messages' media")
}

/// Returns whether anything was newly seen.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_seen(pool: &AnyPool, conversation_id: i64, up_to: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET agent_seen_message_id = $1
         WHERE id = $2 AND agent_seen_message_id < $1
           AND $1 <= (SELECT MAX(id) FROM messages WHERE conversation_id = $2)",
    )
    .bind(up_to)
    .bind(conversation_id)
    .execute(pool)
    .await
    .context("Failed to mark a conversation seen")?;
    Ok(done.rows_affected() == 1)
}

/// Closes the agent's conversation; false if it was not theirs and open.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn close(
    pool: &AnyPool,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
    closing: &Closing<'_>,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    if !conversation_status::close_by_agent(
        &mut tx,
        ConversationId(conversation_id),
        AgentId(agent_id),
        closing,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    super::events::conversation_changed(&mut tx, conversation_id, Some(agent_id), now).await?;
    super::deadlines::closed(&mut tx, conversation_id).await?;
    tx.commit().await.context("Failed to commit a close")?;
    Ok(true)
}

/// One active service's queue: how many wait for a human, and since when the oldest.
#[derive(Debug, Clone, FromRow)]
pub struct QueueLoadRow {
    pub service_name: String,
    pub waiting: i64,
    /// Epoch ms.
    pub oldest_since: Option<i64>,
}

/// Every active service's queue, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn queue_loads(pool: &AnyPool) -> anyhow::Result<Vec<QueueLoadRow>> {
    sqlx::query_as(
        "SELECT s.name AS service_name, COUNT(c.id) AS waiting, MIN(c.queued_at) AS oldest_since
         FROM services s LEFT JOIN conversations c ON c.service_id = s.id AND c.status = 'queued'
                                                     AND c.bot_state IS NULL
         WHERE s.active = 1 GROUP BY s.id, s.name ORDER BY s.name",
    )
    .fetch_all(pool)
    .await
    .context("Failed to read the queues")
}
