//! Queueing outbound messages: an agent's message and its outbox row are written in one
//! transaction, so a message is either queued for sending or not stored at all. The sender
//! worker (`sender.rs`) takes it from there. Also the Send API request bodies.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::ingest::OUR_METADATA_PREFIX;
use crate::domain::messaging_window::SendMode;
pub use crate::domain::survey::QuickReply;
use sqlx::AnyConnection;

use crate::store::{conversations, events, messages, outbox, Store};

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
    queue(store, conversation_id, Some(text), "[]", now).await
}

/// Stores an agent's attachment (an upload, see `media::http`) and queues it.
pub async fn queue_agent_media(
    store: &Store,
    conversation_id: i64,
    attachment: &OutboundAttachment,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let attachments = serde_json::to_string(&[attachment])?;
    queue(store, conversation_id, None, &attachments, now).await
}

async fn queue(
    store: &Store,
    conversation_id: i64,
    text: Option<&str>,
    attachments: &str,
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
    crate::policies::timeouts::on_agent_message(&mut tx, conversation_id, now).await?;
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

/// What a Send API request carries.
pub enum Content<'a> {
    /// A text, with the quick replies offered under it (Meta allows 13).
    Text(&'a str, &'a [QuickReply]),
    /// `attachment.type` and the public URL Meta downloads it from.
    Attachment { kind: &'a str, url: &'a str },
}

/// The Send API body: our outbox id in `metadata` (so the echo is recognised as ours) and the
/// messaging type the window allows.
pub fn request_body(outbox_id: i64, recipient: &str, content: &Content, mode: SendMode) -> Value {
    let metadata = format!("{OUR_METADATA_PREFIX}outbox:{outbox_id}");
    let message = match content {
        Content::Text(text, []) => json!({ "text": text, "metadata": metadata }),
        Content::Text(text, replies) => json!({
            "text": text,
            "metadata": metadata,
            "quick_replies": replies.iter().map(|r| json!({
                "content_type": "text", "title": r.title, "payload": r.payload,
            })).collect::<Vec<_>>(),
        }),
        Content::Attachment { kind, url } => json!({
            "attachment": { "type": kind, "payload": { "url": url, "is_reusable": false } },
            "metadata": metadata,
        }),
    };
    let mut body = json!({
        "recipient": { "id": recipient },
        "messaging_type": "RESPONSE",
        "message": message,
    });
    if mode == SendMode::HumanAgentTag {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_carry_our_metadata_and_the_windows_messaging_type() {
        let body = request_body(7, "123", &Content::Text("oi", &[]), SendMode::Response);
        assert_eq!(body["messaging_type"], "RESPONSE");
        assert_eq!(body["message"]["metadata"], "atende:outbox:7");
        assert!(body.get("tag").is_none());
        assert!(body["message"].get("quick_replies").is_none());
        let buttons = [QuickReply {
            title: "Sim".into(),
            payload: "SURVEY_YES".into(),
        }];
        let body = request_body(
            9,
            "123",
            &Content::Text("Ok?", &buttons),
            SendMode::Response,
        );
        assert_eq!(
            body["message"]["quick_replies"],
            json!([{ "content_type": "text", "title": "Sim", "payload": "SURVEY_YES" }])
        );
        let url = "https://atende.example/media/public/abc";
        let content = Content::Attachment { kind: "image", url };
        let body = request_body(8, "123", &content, SendMode::HumanAgentTag);
        assert_eq!(
            (&body["messaging_type"], &body["tag"]),
            (&json!("MESSAGE_TAG"), &json!("HUMAN_AGENT"))
        );
        assert_eq!(body["message"]["attachment"]["payload"]["url"], url);
    }
}
