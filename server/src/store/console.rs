//! Queries of the agent console.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyPool, FromRow};

use super::to_millis;

#[derive(Debug, Clone, FromRow)]
pub struct AgentStateRow {
    pub presence: String,
    pub pause_reason: Option<String>,
    pub positions: i64,
}

pub async fn agent_state(pool: &AnyPool, agent_id: i64) -> anyhow::Result<Option<AgentStateRow>> {
    sqlx::query_as("SELECT presence, pause_reason, positions FROM agent_states WHERE user_id = $1")
        .bind(agent_id)
        .fetch_optional(pool)
        .await
        .context("Failed to read an agent's state")
}

pub async fn open_count(pool: &AnyPool, agent_id: i64) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE agent_id = $1 AND status = 'assigned'",
    )
    .bind(agent_id)
    .fetch_one(pool)
    .await
    .context("Failed to count an agent's conversations")
}

pub async fn pause_reasons(pool: &AnyPool) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM pause_reasons WHERE active = 1 ORDER BY id")
        .fetch_all(pool)
        .await
        .context("Failed to list pause reasons")
}

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
}

/// The agent's open conversations, oldest assignment first (stable tile order).
pub async fn tiles(pool: &AnyPool, agent_id: i64) -> anyhow::Result<Vec<TileRow>> {
    sqlx::query_as(
        "SELECT c.id, k.first_name, k.last_name, k.external_id, k.picture_media_id,
                p.status AS picture_status, s.name AS service_name, s.channel,
                c.assigned_at, c.last_customer_message_at,
                (SELECT COUNT(*) FROM messages m
                 WHERE m.conversation_id = c.id AND m.direction = 'in'
                   AND m.id > c.agent_seen_message_id) AS unread,
                COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id), 0)
                  AS last_message_id
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

/// The conversation's contact and its agent, if it exists.
pub async fn owner(
    pool: &AnyPool,
    conversation_id: i64,
) -> anyhow::Result<Option<(i64, Option<i64>, String)>> {
    sqlx::query_as("SELECT contact_id, agent_id, status FROM conversations WHERE id = $1")
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

/// Media rows (id, message, status, content type) of these messages.
pub async fn media_of(
    pool: &AnyPool,
    first_message: i64,
    contact_id: i64,
) -> anyhow::Result<Vec<(i64, Option<i64>, String, Option<String>)>> {
    sqlx::query_as(
        "SELECT d.id, d.message_id, d.status, d.content_type FROM media d
         JOIN messages m ON m.id = d.message_id
         JOIN conversations c ON c.id = m.conversation_id
         WHERE c.contact_id = $1 AND m.id >= $2 ORDER BY d.id",
    )
    .bind(contact_id)
    .bind(first_message)
    .fetch_all(pool)
    .await
    .context("Failed to read messages' media")
}

/// Returns whether anything was newly seen.
pub async fn mark_seen(pool: &AnyPool, conversation_id: i64, up_to: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET agent_seen_message_id = $1
         WHERE id = $2 AND agent_seen_message_id < $1",
    )
    .bind(up_to)
    .bind(conversation_id)
    .execute(pool)
    .await
    .context("Failed to mark a conversation seen")?;
    Ok(done.rows_affected() == 1)
}

/// Closes the agent's conversation; false if it was not theirs and open.
pub async fn close(
    pool: &AnyPool,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'closed', closed_at = $1
         WHERE id = $2 AND agent_id = $3 AND status = 'assigned'",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .bind(agent_id)
    .execute(pool)
    .await
    .context("Failed to close a conversation")?;
    Ok(done.rows_affected() == 1)
}

/// A cheap fingerprint of everything the agent's console shows: it changes when a message
/// arrives, a status moves, a conversation comes or goes, or a customer's name or picture
/// arrives.
pub async fn fingerprint(pool: &AnyPool, agent_id: i64) -> anyhow::Result<(i64, i64, i64, i64)> {
    let (conversations, newest, statuses): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT c.id), COALESCE(MAX(m.id), 0),
                COALESCE(SUM(CASE m.status WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
                     WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE 0 END), 0)
         FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
         WHERE c.agent_id = $1 AND c.status = 'assigned'",
    )
    .bind(agent_id)
    .fetch_one(pool)
    .await
    .context("Failed to read a console fingerprint")?;
    let profiles: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(k.updated_at % 1000003
                                  + CASE WHEN p.status = 'stored' THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM conversations c JOIN contacts k ON k.id = c.contact_id
         LEFT JOIN media p ON p.id = k.picture_media_id
         WHERE c.agent_id = $1 AND c.status = 'assigned'",
    )
    .bind(agent_id)
    .fetch_one(pool)
    .await
    .context("Failed to read a console fingerprint")?;
    Ok((conversations, newest, statuses, profiles))
}

/// (name, presence, pause reason, open, positions) of every active agent.
pub async fn agent_loads(
    pool: &AnyPool,
) -> anyhow::Result<Vec<(String, Option<String>, Option<String>, i64, Option<i64>)>> {
    sqlx::query_as(
        "SELECT u.display_name, a.presence, a.pause_reason,
                (SELECT COUNT(*) FROM conversations c
                 WHERE c.agent_id = u.id AND c.status = 'assigned'),
                a.positions
         FROM users u LEFT JOIN agent_states a ON a.user_id = u.id
         WHERE u.role = 'agent' AND u.active = 1 ORDER BY u.display_name",
    )
    .fetch_all(pool)
    .await
    .context("Failed to read the agents' loads")
}

/// (service, waiting, oldest queued_at) of every active service.
pub async fn queue_loads(pool: &AnyPool) -> anyhow::Result<Vec<(String, i64, Option<i64>)>> {
    sqlx::query_as(
        "SELECT s.name, COUNT(c.id), MIN(c.queued_at)
         FROM services s LEFT JOIN conversations c ON c.service_id = s.id AND c.status = 'queued'
         WHERE s.active = 1 GROUP BY s.id, s.name ORDER BY s.name",
    )
    .fetch_all(pool)
    .await
    .context("Failed to read the queues")
}
