//! "A customer wrote", for any channel: the contact, the conversation it opens or joins, the
//! message (once per channel message id), its files queued for download, then what the
//! conversation's state asks for — the survey's next step, the bot, the first-response timer,
//! business hours. Also the channel's receipts: delivered, read, and the echo of our own send.
//! The channel adapter turns its payloads into these calls; everything here runs in the
//! caller's transaction.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AnyConnection;

use super::policies::survey::Asking;
use super::policies::{bot, hours, timeouts};
use crate::domain::attachment::SHARED_LINK;
use crate::domain::conversation::ConversationStatus;
use crate::domain::survey::Step;
use crate::store::{conversation_status, conversations, events, media, messages, outbox};

/// Who wrote an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The customer.
    Customer,
    /// Someone answering from the channel's own inbox (Meta's Page inbox), not from Atende.
    PageInbox,
}

/// A file, sticker or link as stored in `messages.attachments`. (Fields in alphabetical
/// order: the stored JSON stays what it has always been.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InboundAttachment<'a> {
    /// image, video, audio, file, `fallback` (a shared link), `unsupported`, sticker…
    pub kind: &'a str,
    pub sticker_id: Option<i64>,
    pub title: Option<&'a str>,
    pub url: Option<&'a str>,
}

impl InboundAttachment<'_> {
    /// A shared link is a web page, not a file: shown as its title and URL, never downloaded.
    fn is_link(&self) -> bool {
        self.kind == SHARED_LINK
    }
}

/// An inbound message, channel-neutral.
#[derive(Debug, Clone, Copy)]
pub struct InboundMessage<'a> {
    pub service_id: i64,
    /// The channel's id of the customer (Meta's page-scoped id).
    pub customer_id: &'a str,
    /// The channel's id of the message: a message is stored once however often it comes.
    pub mid: &'a str,
    pub text: Option<&'a str>,
    pub attachments: &'a [InboundAttachment<'a>],
    /// The message this one answers.
    pub reply_to: Option<&'a str>,
    /// The payload of the quick reply or button the customer tapped.
    pub quick_reply: Option<&'a str>,
    pub author: Author,
    /// When it was written (the channel's stamp).
    pub at: DateTime<Utc>,
}

/// Whether a message was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    Stored,
    Duplicate,
}

/// Stores an inbound message and applies what the conversation's state asks for. `zone` is
/// the installation's, for protocol numbers and the survey's dates.
pub async fn message(
    conn: &mut AnyConnection,
    message: &InboundMessage<'_>,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Received> {
    if messages::mid_exists(conn, message.mid).await? {
        return Ok(Received::Duplicate);
    }
    let service_id = message.service_id;
    let contact = conversations::upsert_contact(conn, service_id, message.customer_id, now).await?;
    let by_customer = message.author == Author::Customer;
    let open = conversations::find_open(conn, contact).await?;
    // With no conversation open, a customer's message may answer the survey of the last one.
    let survey = match (&open, by_customer) {
        (None, true) => survey_step(conn, contact, message, zone, now).await?,
        _ => None,
    };
    let (conversation, opened, conversation_status, with_bot) = match (open, &survey) {
        (Some(open), _) => (open.id, false, open.status, open.with_bot == 1),
        (None, Some((asking, _))) => (
            asking.conversation_id,
            false,
            ConversationStatus::Closed,
            false,
        ),
        (None, None) => (
            conversation_status::open(conn, service_id, contact, now)
                .await?
                .0,
            true,
            ConversationStatus::Queued,
            false,
        ),
    };
    let message_id = store(conn, conversation, message, now).await?;
    conversations::touch(conn, conversation, message.at, by_customer).await?;
    events::message_changed(conn, message_id, now).await?;
    if let Some((asking, step)) = survey {
        asking.apply(conn, step, zone, now).await?;
        return Ok(Received::Stored);
    }
    if by_customer && with_bot {
        let said = (message.text, message.quick_reply);
        bot::reply(conn, (conversation, service_id), said, now).await?;
        return Ok(Received::Stored);
    }
    if by_customer && conversation_status == ConversationStatus::Assigned {
        timeouts::on_customer_message(conn, conversation).await?;
    }
    // Business hours only concern a new or an out-of-hours conversation: the usual message,
    // in one already queued or assigned, costs no further reads.
    if by_customer && (opened || conversation_status == ConversationStatus::OutOfHours) {
        let hours = hours::CustomerMessage {
            service_id,
            conversation_id: conversation,
            opened,
            zone,
        };
        hours.apply(conn, now).await?;
    }
    Ok(Received::Stored)
}

/// The message row, and a download queued for each of its files (the channel's file URLs
/// expire).
async fn store(
    conn: &mut AnyConnection,
    conversation: i64,
    message: &InboundMessage<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let attachments =
        serde_json::to_string(message.attachments).context("Failed to encode attachments")?;
    let (direction, author_name, status) = match message.author {
        Author::Customer => ("in", "customer", "received"),
        Author::PageInbox => ("out", "page_inbox", "sent"),
    };
    // PostgreSQL text cannot hold NUL; nobody types one.
    let text = message.text.map(|t| t.replace('\0', ""));
    let row = messages::NewMessage {
        conversation_id: conversation,
        direction,
        author: author_name,
        mid: Some(message.mid),
        text: text.as_deref(),
        attachments: &attachments,
        quick_replies: "[]",
        reply_to_mid: message.reply_to,
        status,
        sent_at: message.at,
    };
    let message_id = messages::insert(conn, &row, now).await?;
    for url in message
        .attachments
        .iter()
        .filter(|a| !a.is_link())
        .filter_map(|a| a.url)
    {
        media::enqueue_download(conn, media::Origin::Inbound, Some(message_id), url, now).await?;
    }
    Ok(message_id)
}

/// The contact's survey under way and what this message is to it; a second non-answer ends
/// the survey here, and the message then opens a new conversation.
async fn survey_step(
    conn: &mut AnyConnection,
    contact: i64,
    message: &InboundMessage<'_>,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(Asking, Step)>> {
    let Some(asking) = Asking::of_contact(conn, contact).await? else {
        return Ok(None);
    };
    let step = asking.step(message.text, message.quick_reply);
    if step == Step::GiveUp {
        asking.apply(conn, step, zone, now).await?;
        return Ok(None);
    }
    Ok(Some((asking, step)))
}

/// Our messages to the customer up to `watermark` (and those listed) reached their device.
pub async fn delivered(
    conn: &mut AnyConnection,
    service_id: i64,
    customer_id: &str,
    watermark: DateTime<Utc>,
    mids: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(contact) = conversations::find_contact(conn, service_id, customer_id).await? {
        messages::mark_delivered(conn, contact, watermark, mids, now).await?;
    }
    Ok(())
}

/// The customer read what we sent up to `watermark`.
pub async fn read(
    conn: &mut AnyConnection,
    service_id: i64,
    customer_id: &str,
    watermark: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(contact) = conversations::find_contact(conn, service_id, customer_id).await? {
        messages::mark_read(conn, contact, watermark, now).await?;
    }
    Ok(())
}

/// When the message `mid` was sent (a channel that names the last message read instead of a
/// time: Instagram).
pub async fn sent_at_of(
    conn: &mut AnyConnection,
    mid: &str,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    messages::sent_at_of(conn, mid).await
}

/// The channel echoed a message we sent from the outbox: proof it has it, even when our call's
/// answer was lost.
pub async fn echoed(
    conn: &mut AnyConnection,
    outbox_id: i64,
    mid: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    outbox::confirm_by_echo(conn, outbox_id, mid, at).await?;
    Ok(())
}
