//! Queries on `outbox` and on what a send needs to know.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{from_millis, to_millis};

#[tracing::instrument(level = "debug", skip(conn))]
pub async fn enqueue(
    conn: &mut AnyConnection,
    message_id: i64,
    conversation_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO outbox (message_id, conversation_id, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(message_id)
    .bind(conversation_id)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to queue a message for sending")
}

/// Everything the sender needs for one queued message.
#[derive(Debug, Clone, FromRow)]
pub struct DueSend {
    pub outbox_id: i64,
    pub attempts: i64,
    pub message_id: i64,
    pub text: Option<String>,
    /// JSON array of `OutboundAttachment`.
    pub attachments: String,
    /// JSON array of `QuickReply`.
    pub quick_replies: String,
    /// The page (or Instagram account) it leaves from: the service's cifra.
    pub page_id: String,
    pub recipient: String,
    pub integration_url: String,
    pub access_token_sealed: Option<String>,
    /// `agent` (a person: HUMAN_AGENT may apply) or `system` (automated: 24 hours only).
    pub author: String,
    last_customer_message_at: Option<i64>,
}

impl DueSend {
    pub fn last_customer_message_at(&self) -> Option<DateTime<Utc>> {
        self.last_customer_message_at.map(from_millis)
    }
}

/// A send whose echo came back: Meta has it, whatever happened to our HTTP call (a timeout,
/// or a crash before we recorded the answer). Returns whether it was still pending.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn confirm_by_echo(
    conn: &mut AnyConnection,
    outbox_id: i64,
    mid: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE outbox SET state = 'done' WHERE id = $1 AND state = 'pending'")
        .bind(outbox_id)
        .execute(&mut *conn)
        .await
        .context("Failed to confirm a send by its echo")?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let message_id: Option<i64> = sqlx::query_scalar(
        "UPDATE messages SET status = 'sent', mid = $1, sent_at = $2
         WHERE id = (SELECT message_id FROM outbox WHERE id = $3) AND status = 'sending'
         RETURNING id",
    )
    .bind(mid)
    .bind(to_millis(at))
    .bind(outbox_id)
    .fetch_optional(&mut *conn)
    .await
    .context("Failed to mark an echoed message sent")?;
    if let Some(message_id) = message_id {
        // The agent's console still shows it sending.
        super::events::message_changed(conn, message_id, Utc::now()).await?;
    }
    Ok(true)
}

/// Sends that are due, oldest first, at most one per conversation: the oldest pending one, so
/// a message never overtakes an earlier one that is waiting to be retried.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn due(pool: &AnyPool, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<DueSend>> {
    sqlx::query_as(
        "SELECT o.id AS outbox_id, o.attempts, m.id AS message_id, m.text, m.attachments, m.quick_replies, m.author,
                s.cifra AS page_id, k.external_id AS recipient,
                s.integration_url, s.access_token_sealed, c.last_customer_message_at
         FROM outbox o
         JOIN messages m ON m.id = o.message_id
         JOIN conversations c ON c.id = o.conversation_id
         JOIN contacts k ON k.id = c.contact_id
         JOIN services s ON s.id = c.service_id
         WHERE o.state = 'pending' AND o.next_attempt_at <= $1
           AND o.id = (SELECT MIN(e.id) FROM outbox e
                       WHERE e.conversation_id = o.conversation_id AND e.state = 'pending')
         ORDER BY o.id
         LIMIT $2",
    )
    .bind(to_millis(now))
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to list due sends")
}

/// Takes a due row for this sender by pushing its next attempt to `lease_until`, so no other
/// instance picks it while this one sends; a crash mid-send makes it due again when the lease
/// ends. Returns false when another sender took it first.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn claim(
    pool: &AnyPool,
    outbox_id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND state = 'pending' AND next_attempt_at <= $3",
    )
    .bind(to_millis(lease_until))
    .bind(outbox_id)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to claim a send")?;
    Ok(done.rows_affected() == 1)
}

/// The Send API accepted the message, sent from `started_at` (before Meta's delivery and read
/// watermarks, which are compared with it). Meta's echo, and even the delivery after it, may
/// have been processed before this answer was: then the message keeps its later state.
#[tracing::instrument(level = "debug", skip(pool, send), fields(outbox = send.outbox_id))]
pub async fn mark_sent(
    pool: &AnyPool,
    send: &DueSend,
    mid: &str,
    messaging_type: &str,
    started_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE messages
         SET status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END,
             sent_at = CASE WHEN status = 'sending' THEN $3 ELSE sent_at END,
             mid = COALESCE(mid, $1), messaging_type = $2
         WHERE id = $4 AND status <> 'failed'",
    )
    .bind(mid)
    .bind(messaging_type)
    .bind(to_millis(started_at))
    .bind(send.message_id)
    .execute(&mut *tx)
    .await
    .context("Failed to mark a message sent")?;
    super::events::message_changed(&mut tx, send.message_id, Utc::now()).await?;
    finish(&mut tx, send.outbox_id, None).await?;
    tx.commit().await.context("Failed to commit a sent message")
}

/// The message cannot be sent: it fails with a reason the agent sees.
#[tracing::instrument(level = "debug", skip(pool, send), fields(outbox = send.outbox_id))]
pub async fn mark_failed(
    pool: &AnyPool,
    send: &DueSend,
    reason: &str,
    detail: Option<&str>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE messages SET status = 'failed', failure_reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(send.message_id)
        .execute(&mut *tx)
        .await
        .context("Failed to mark a message failed")?;
    super::events::message_changed(&mut tx, send.message_id, Utc::now()).await?;
    finish(&mut tx, send.outbox_id, detail).await?;
    tx.commit()
        .await
        .context("Failed to commit a failed message")
}

/// A transient failure: try again at `next_attempt_at` (unless Meta's echo confirmed the
/// send meanwhile).
#[tracing::instrument(level = "debug", skip(pool, send), fields(outbox = send.outbox_id))]
pub async fn retry_later(
    pool: &AnyPool,
    send: &DueSend,
    next_attempt_at: DateTime<Utc>,
    detail: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2
         WHERE id = $3 AND state = 'pending'",
    )
    .bind(to_millis(next_attempt_at))
    .bind(detail)
    .bind(send.outbox_id)
    .execute(pool)
    .await
    .context("Failed to schedule a retry")?;
    Ok(())
}

async fn finish(
    conn: &mut AnyConnection,
    outbox_id: i64,
    detail: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE outbox SET state = 'done', last_error = $1 WHERE id = $2")
        .bind(detail)
        .bind(outbox_id)
        .execute(conn)
        .await
        .context("Failed to close an outbox row")?;
    Ok(())
}

/// Where a conversation's messages go: the customer, the Send API URL and the page token.
#[derive(Debug, Clone, FromRow)]
pub struct Target {
    pub recipient: String,
    pub integration_url: String,
    pub access_token_sealed: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn target(pool: &AnyPool, conversation_id: i64) -> anyhow::Result<Option<Target>> {
    sqlx::query_as(
        "SELECT k.external_id AS recipient, s.integration_url, s.access_token_sealed
         FROM conversations c
         JOIN contacts k ON k.id = c.contact_id
         JOIN services s ON s.id = c.service_id
         WHERE c.id = $1",
    )
    .bind(conversation_id)
    .fetch_optional(pool)
    .await
    .context("Failed to read a conversation's send target")
}
