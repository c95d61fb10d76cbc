//! How a Meta delivery's events become contacts, conversations and messages: each event is
//! handed to the conversation core in channel-neutral terms.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::AnyConnection;

use super::events::{Attachment, AttachmentPayload, EventKind, InboundEvent, MessageBody};
use super::ingest::OUR_METADATA_PREFIX;
use crate::conversation::inbound::{self, Author, InboundAttachment, InboundMessage, Received};
use crate::domain::attachment::UNSUPPORTED;
use crate::store::services;
use crate::store::webhook_deliveries::{Channel, DeliveryState};

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Stored,
    Duplicate,
    UnknownPage,
    Ignored,
}

/// The active service of each page a batch has met (one lookup per page, not per event).
#[derive(Default)]
pub(super) struct ActivePages(HashMap<(Channel, String), Option<i64>>);

impl ActivePages {
    async fn service_of(
        &mut self,
        conn: &mut AnyConnection,
        channel: Channel,
        page: &str,
    ) -> anyhow::Result<Option<i64>> {
        if let Some(known) = self.0.get(&(channel, page.to_owned())) {
            return Ok(*known);
        }
        let service = services::find_active_by_cifra(conn, channel, page)
            .await?
            .map(|service| service.id);
        self.0.insert((channel, page.to_owned()), service);
        Ok(service)
    }
}

/// What a delivery's events came to, gathered over its chunks.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    unknown_pages: Vec<String>,
    unsupported: Vec<String>,
    known: usize,
}

impl Outcome {
    /// The delivery's state and its note for the admin's delivery page.
    pub(super) fn settle(mut self) -> (DeliveryState, Option<String>) {
        self.unknown_pages.dedup();
        let mut notes = Vec::new();
        if !self.unknown_pages.is_empty() {
            notes.push(format!(
                "no active service for page {}",
                self.unknown_pages.join(", ")
            ));
        }
        if !self.unsupported.is_empty() {
            notes.push(format!("not supported: {}", self.unsupported.join("; ")));
        }
        let note = (!notes.is_empty()).then(|| notes.join(" · "));
        let state =
            if self.known == 0 && self.unsupported.is_empty() && !self.unknown_pages.is_empty() {
                DeliveryState::UnknownPage
            } else {
                DeliveryState::Processed
            };
        (state, note)
    }
}

/// Applies `events` of one delivery, adding what became of them to `outcome`. Applying an
/// event twice changes nothing (messages are stored once per `mid`, receipts are
/// watermarks), so a delivery cut into chunks can start again from its first event.
pub(super) async fn apply_events(
    conn: &mut AnyConnection,
    pages: &mut ActivePages,
    channel: Channel,
    events: &[InboundEvent],
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    for event in events {
        if let EventKind::Unsupported { what } = &event.kind {
            // Kept in the delivery's note (the admin's delivery page lists it), never dropped.
            outcome.unsupported.push(what.clone());
            outcome.known += 1;
            continue;
        }
        match apply(conn, pages, channel, event, zone, now).await? {
            Applied::UnknownPage => outcome.unknown_pages.push(event.page_id.clone()),
            Applied::Stored | Applied::Duplicate | Applied::Ignored => outcome.known += 1,
        }
    }
    Ok(())
}

/// When the event happened; an event Meta did not stamp happened now (not in 1970).
fn event_time(event: &InboundEvent, now: DateTime<Utc>) -> DateTime<Utc> {
    if event.timestamp <= 0 {
        return now;
    }
    Utc.timestamp_millis_opt(event.timestamp)
        .single()
        .unwrap_or(now)
}

async fn apply(
    conn: &mut AnyConnection,
    pages: &mut ActivePages,
    channel: Channel,
    event: &InboundEvent,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Applied> {
    let Some(service_id) = pages.service_of(conn, channel, &event.page_id).await? else {
        return Ok(Applied::UnknownPage);
    };
    let at = event_time(event, now);
    // What the customer sent, as a message: text and files, a tapped button, or content
    // Atende cannot read (the agent sees that it came, and what it was).
    let from_customer = match &event.kind {
        EventKind::Message(body) => Some(Cow::Borrowed(body)),
        EventKind::Postback {
            mid,
            title,
            payload,
        } => Some(Cow::Owned(postback_body(event, mid, title, payload))),
        EventKind::UnsupportedMessage { mid, what } => {
            Some(Cow::Owned(unsupported_body(mid, what)))
        }
        _ => None,
    };
    if let Some(body) = from_customer {
        return store_message(
            conn,
            (service_id, zone),
            event,
            &body,
            Author::Customer,
            at,
            now,
        )
        .await;
    }
    match &event.kind {
        EventKind::Echo { body, metadata, .. } => {
            if let Some(ours) = metadata
                .as_deref()
                .and_then(|m| m.strip_prefix(OUR_METADATA_PREFIX))
            {
                // Our own send. Usually already recorded; but if our HTTP call timed out (or we
                // crashed before recording the answer), the echo is the proof Meta has it.
                if let Some(outbox_id) = ours
                    .strip_prefix("outbox:")
                    .and_then(|id| id.parse::<i64>().ok())
                {
                    inbound::echoed(conn, outbox_id, &body.mid, at).await?;
                }
                return Ok(Applied::Duplicate);
            }
            let service = (service_id, zone);
            store_message(conn, service, event, body, Author::PageInbox, at, now).await
        }
        EventKind::Delivery { mids, watermark } => {
            let watermark = Utc.timestamp_millis_opt(*watermark).single().unwrap_or(at);
            inbound::delivered(conn, service_id, &event.customer_id, watermark, mids, now).await?;
            Ok(Applied::Stored)
        }
        EventKind::Read { watermark, mid } => {
            // Instagram names the last message read instead of giving a watermark.
            let by_mid = match mid {
                Some(mid) if *watermark == 0 => inbound::sent_at_of(conn, mid).await?,
                _ => None,
            };
            let watermark = by_mid
                .or_else(|| Utc.timestamp_millis_opt(*watermark).single())
                .unwrap_or(at);
            inbound::read(conn, service_id, &event.customer_id, watermark, now).await?;
            Ok(Applied::Stored)
        }
        // Reactions (not shown yet) and, stored above, the customer's own messages.
        _ => Ok(Applied::Ignored),
    }
}

/// A tapped button or quick reply, as the customer's message (Meta gives quick replies no mid
/// of their own in postbacks: one is made from the customer and the time).
fn postback_body(
    event: &InboundEvent,
    mid: &Option<String>,
    title: &Option<String>,
    payload: &Option<String>,
) -> MessageBody {
    MessageBody {
        mid: mid
            .clone()
            .unwrap_or_else(|| format!("postback:{}:{}", event.customer_id, event.timestamp)),
        text: title.clone().or_else(|| payload.clone()),
        attachments: Vec::new(),
        reply_to: None,
        quick_reply: payload.clone(),
    }
}

/// Content Atende could not read, as a message with one `unsupported` attachment naming it.
fn unsupported_body(mid: &str, what: &str) -> MessageBody {
    MessageBody {
        mid: mid.to_owned(),
        text: None,
        attachments: vec![Attachment {
            kind: UNSUPPORTED.to_owned(),
            payload: AttachmentPayload {
                title: Some(what.to_owned()),
                ..AttachmentPayload::default()
            },
        }],
        reply_to: None,
        quick_reply: None,
    }
}

/// A Meta message handed to the conversation core.
async fn store_message(
    conn: &mut AnyConnection,
    (service_id, zone): (i64, chrono_tz::Tz),
    event: &InboundEvent,
    body: &MessageBody,
    author: Author,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Applied> {
    let attachments: Vec<InboundAttachment> = body
        .attachments
        .iter()
        .map(|a| InboundAttachment {
            kind: &a.kind,
            sticker_id: a.payload.sticker_id,
            title: a.payload.title.as_deref(),
            url: a.payload.url.as_deref(),
        })
        .collect();
    let message = InboundMessage {
        service_id,
        customer_id: &event.customer_id,
        mid: &body.mid,
        text: body.text.as_deref(),
        attachments: &attachments,
        reply_to: body.reply_to.as_deref(),
        quick_reply: body.quick_reply.as_deref(),
        author,
        at,
    };
    Ok(match inbound::message(conn, &message, zone, now).await? {
        Received::Stored => Applied::Stored,
        Received::Duplicate => Applied::Duplicate,
    })
}
