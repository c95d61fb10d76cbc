//! Queueing outbound messages, for any channel: a message and its outbox row are written in
//! one transaction, so a message is either queued for sending or not stored at all. The
//! channel's sender worker takes it from there.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::domain::survey::QuickReply;
use crate::store::{conversations, events, media, messages, outbox, Store};

/// An outbound attachment as stored in `messages.attachments`: a local upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundAttachment {
    pub kind: String,
    pub media_id: i64,
}

/// Stores an agent's text message and queues it; returns the message id.
pub async fn queue_agent_text(
    store: &Store,
    conversation_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    queue(store, conversation_id, Some(text), "[]", None, now).await
}

/// Stores an agent's attachment (an upload, see `media::http`) and queues it.
pub async fn queue_agent_media(
    store: &Store,
    conversation_id: i64,
    attachment: &OutboundAttachment,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let attachments = serde_json::to_string(&[attachment])?;
    let upload = Some(attachment.media_id);
    queue(store, conversation_id, None, &attachments, upload, now).await
}

async fn queue(
    store: &Store,
    conversation_id: i64,
    text: Option<&str>,
    attachments: &str,
    upload: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let mut tx = store
        .pool()
        .begin()
        .await
        .context("Failed to start a send")?;
    let message_id = queue_in(
        &mut tx,
        conversation_id,
        "agent",
        text,
        attachments,
        now,
        &[],
    )
    .await?;
    if let Some(media_id) = upload {
        // Sent, the upload is the conversation's: whoever may see it sees the file.
        media::attach_upload(&mut tx, media_id, message_id).await?;
    }
    super::policies::timeouts::on_agent_message(&mut tx, conversation_id, now).await?;
    tx.commit().await.context("Failed to commit a send")?;
    Ok(message_id)
}

/// A message the service sends on its own (out of hours, closing…): automated, so Meta's
/// 24-hour window applies (no HUMAN_AGENT tag). In the caller's transaction.
pub async fn queue_system_text(
    conn: &mut AnyConnection,
    conversation_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    queue_in(conn, conversation_id, "system", Some(text), "[]", now, &[]).await
}

/// An automated question with quick-reply buttons (the survey), in the caller's transaction.
pub async fn queue_system_question(
    conn: &mut AnyConnection,
    conversation_id: i64,
    text: &str,
    quick_replies: &[QuickReply],
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    queue_in(
        conn,
        conversation_id,
        "system",
        Some(text),
        "[]",
        now,
        quick_replies,
    )
    .await
}

/// Stores an outbound message and its outbox row, in the caller's transaction.
async fn queue_in(
    conn: &mut AnyConnection,
    conversation_id: i64,
    author: &'static str,
    text: Option<&str>,
    attachments: &str,
    now: DateTime<Utc>,
    quick_replies: &[QuickReply],
) -> anyhow::Result<i64> {
    let quick_replies = serde_json::to_string(quick_replies)?;
    let message = messages::NewMessage {
        conversation_id,
        direction: "out",
        author,
        mid: None,
        text,
        attachments,
        quick_replies: &quick_replies,
        reply_to_mid: None,
        status: "sending",
        sent_at: now,
    };
    let message_id = messages::insert(conn, &message, now).await?;
    outbox::enqueue(conn, message_id, conversation_id, now).await?;
    conversations::touch(conn, conversation_id, now, false).await?;
    events::message_changed(conn, message_id, now).await?;
    Ok(message_id)
}
