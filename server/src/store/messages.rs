//! Queries on `messages`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{events, to_millis};

pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub direction: &'static str,
    pub author: &'static str,
    pub mid: Option<&'a str>,
    pub text: Option<&'a str>,
    /// JSON array.
    pub attachments: &'a str,
    /// JSON array of `QuickReply` offered with an outbound message.
    pub quick_replies: &'a str,
    pub reply_to_mid: Option<&'a str>,
    pub status: &'static str,
    pub sent_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip(conn))]
pub async fn mid_exists(conn: &mut AnyConnection, mid: &str) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE mid = $1")
        .bind(mid)
        .fetch_optional(conn)
        .await
        .context("Failed to look up a message by mid")?;
    Ok(found.is_some())
}

/// When the message with this `mid` was sent (Instagram's read events name a message).
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn sent_at_of(
    conn: &mut AnyConnection,
    mid: &str,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let sent_at: Option<i64> = sqlx::query_scalar("SELECT sent_at FROM messages WHERE mid = $1")
        .bind(mid)
        .fetch_optional(conn)
        .await
        .context("Failed to look up a message's time")?;
    Ok(sent_at.map(super::from_millis))
}

#[tracing::instrument(level = "debug", skip(conn, message), fields(conversation = message.conversation_id))]
pub async fn insert(
    conn: &mut AnyConnection,
    message: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, direction, author, mid, text, attachments, reply_to_mid,
                               status, sent_at, created_at, quick_replies)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(message.conversation_id)
    .bind(message.direction)
    .bind(message.author)
    .bind(message.mid)
    .bind(message.text)
    .bind(message.attachments)
    .bind(message.reply_to_mid)
    .bind(message.status)
    .bind(to_millis(message.sent_at))
    .bind(to_millis(now))
    .bind(message.quick_replies)
    .fetch_one(conn)
    .await
    .context("Failed to store a message")
}

/// Outbound messages to this contact sent up to `watermark` (or listed) reached the device.
/// Each one that moved is recorded for its console.
#[tracing::instrument(level = "debug", skip(conn, mids))]
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    contact_id: i64,
    watermark: DateTime<Utc>,
    mids: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut moved = advance(
        conn,
        contact_id,
        "delivered",
        "delivered_at",
        watermark,
        now,
    )
    .await?;
    for mid in mids {
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET status = 'delivered', delivered_at = $1
             WHERE mid = $2 AND status = 'sent' RETURNING id",
        )
        .bind(to_millis(now))
        .bind(mid)
        .fetch_optional(&mut *conn)
        .await
        .context("Failed to mark a message delivered")?;
        moved.extend(id);
    }
    for id in &moved {
        events::message_changed(conn, *id, now).await?;
    }
    Ok(moved.len())
}

/// The customer read everything sent to them up to `watermark`.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn mark_read(
    conn: &mut AnyConnection,
    contact_id: i64,
    watermark: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let moved = advance(conn, contact_id, "read", "read_at", watermark, now).await?;
    for id in &moved {
        events::message_changed(conn, *id, now).await?;
    }
    Ok(moved.len())
}

/// Moves the contact's outbound messages up to `watermark` to `status`; returns their ids.
async fn advance(
    conn: &mut AnyConnection,
    contact_id: i64,
    status: &'static str,
    column: &'static str,
    watermark: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    let earlier = if status == "read" {
        "('sent', 'delivered')"
    } else {
        "('sent')"
    };
    let sql = format!(
        "UPDATE messages SET status = '{status}', {column} = $1
         WHERE direction = 'out' AND status IN {earlier} AND sent_at <= $2
           AND conversation_id IN (SELECT id FROM conversations WHERE contact_id = $3)
         RETURNING id"
    );
    sqlx::query_scalar(&sql)
        .bind(to_millis(now))
        .bind(to_millis(watermark))
        .bind(contact_id)
        .fetch_all(&mut *conn)
        .await
        .context("Failed to advance message states")
}

/// A message as tests and (later) the console read it.
#[derive(Debug, Clone, FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub direction: String,
    pub author: String,
    pub mid: Option<String>,
    pub text: Option<String>,
    pub attachments: String,
    pub status: String,
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn list_for_service(pool: &AnyPool, service_id: i64) -> anyhow::Result<Vec<MessageRow>> {
    sqlx::query_as(
        "SELECT m.id, m.conversation_id, m.direction, m.author, m.mid, m.text, m.attachments, m.status
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.service_id = $1 ORDER BY m.id",
    )
    .bind(service_id)
    .fetch_all(pool)
    .await
    .context("Failed to list messages")
}
