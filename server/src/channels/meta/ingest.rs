//! Turns stored webhook deliveries into contacts, conversations and messages, oldest first,
//! one delivery per transaction. Runs after each stored delivery (woken by the webhook) and on
//! a timer, so deliveries left pending by a crash or restart are processed too. Messages are
//! stored once per `mid`, however often Meta delivers them.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::AnyConnection;
use tokio::sync::Notify;

use super::delivery_writer::Backlog;
use super::events::{self, EventKind, InboundEvent, MessageBody};
use crate::console::live::LiveSignal;
use crate::domain::survey::Step;
use crate::policies::survey::Asking;
use crate::store::events as live_events;
use crate::store::webhook_deliveries::{self, Channel, DeliveryState};
use crate::store::{conversations, media, messages, outbox, services, Store};

/// Processing attempts before a failing delivery is set aside as `failed`.
const MAX_ATTEMPTS: i64 = 5;

/// Echoes of messages Atende sent carry this prefix in their metadata.
pub const OUR_METADATA_PREFIX: &str = "atende:";

#[derive(Clone)]
pub struct Ingest {
    store: Store,
    wake: Arc<Notify>,
    /// Notified after each processed delivery (routing listens: new conversations wait).
    processed: Arc<Notify>,
    live: LiveSignal,
    /// Webhook deliveries waiting for their write go first (see `Backlog`).
    webhook_backlog: Backlog,
    /// The installation's zone: protocol numbers carry the local opening date.
    time_zone: chrono_tz::Tz,
}

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applied {
    Stored,
    Duplicate,
    UnknownPage,
    Ignored,
}

impl Ingest {
    pub fn new(store: Store) -> Ingest {
        Ingest {
            store,
            wake: Arc::new(Notify::new()),
            processed: Arc::new(Notify::new()),
            live: LiveSignal::default(),
            webhook_backlog: Backlog::default(),
            time_zone: chrono_tz::America::Sao_Paulo,
        }
    }

    /// The installation's zone (`time_zone` setting), for protocol numbers.
    pub fn with_time_zone(mut self, time_zone: chrono_tz::Tz) -> Ingest {
        self.time_zone = time_zone;
        self
    }

    /// Yields the database to webhook writes waiting in `backlog` before each delivery.
    pub fn yielding_to(mut self, backlog: Backlog) -> Ingest {
        self.webhook_backlog = backlog;
        self
    }

    /// Consoles hear about each processed delivery through `live`.
    pub fn with_live(mut self, live: LiveSignal) -> Ingest {
        self.live = live;
        self
    }

    /// Notified each time a delivery has been processed.
    pub fn processed(&self) -> Arc<Notify> {
        self.processed.clone()
    }

    /// A delivery was stored: process it now rather than at the next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self) {
        let ingest = self.clone();
        crate::worker::spawn_loop(
            "ingest",
            Duration::from_secs(2),
            self.wake.clone(),
            move || {
                let ingest = ingest.clone();
                async move { ingest.process_pending().await.map(|_| ()) }
            },
        );
    }

    /// Processes pending deliveries until none is left; returns how many it processed.
    pub async fn process_pending(&self) -> anyhow::Result<usize> {
        let mut processed = 0;
        loop {
            // Meta waits for our 200s; this work can wait a few milliseconds.
            self.webhook_backlog
                .until_empty(Duration::from_millis(20))
                .await;
            if !self.process_next().await? {
                break;
            }
            processed += 1;
        }
        Ok(processed)
    }

    async fn process_next(&self) -> anyhow::Result<bool> {
        let mut tx = self
            .store
            .pool()
            .begin()
            .await
            .context("Failed to start processing")?;
        let Some(delivery) = webhook_deliveries::claim_next(&mut tx).await? else {
            tx.rollback().await.ok();
            return Ok(false);
        };
        let now = Utc::now();
        let parsed = (
            delivery.channel.parse::<Channel>(),
            events::parse(&delivery.body),
        );
        let outcome = match parsed {
            (Ok(channel), Ok(events)) => {
                apply_all(&mut tx, channel, &events, self.time_zone, now).await
            }
            (Err(error), _) => Ok((DeliveryState::Failed, Some(error.to_string()))),
            (_, Err(error)) => Ok((DeliveryState::Failed, Some(error.to_string()))),
        };
        let (state, note) = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                // Undo this delivery's partial work, count the failure in its own write, and
                // let the caller retry later; a delivery that keeps failing is set aside.
                tx.rollback().await.ok();
                let detail = format!("{error:#}");
                let pool = self.store.pool();
                let set_aside = webhook_deliveries::record_failure(
                    pool,
                    delivery.id,
                    &detail,
                    MAX_ATTEMPTS,
                    now,
                )
                .await?;
                tracing::error!(delivery = delivery.id, set_aside, error = %detail, "Failed to process a delivery");
                return Err(error);
            }
        };
        webhook_deliveries::finish(&mut tx, delivery.id, state, note.as_deref(), now).await?;
        tx.commit()
            .await
            .context("Failed to commit a processed delivery")?;
        tracing::info!(delivery = delivery.id, ?state, "Webhook delivery processed");
        self.processed.notify_one();
        self.live.bump();
        Ok(true)
    }
}

async fn apply_all(
    conn: &mut AnyConnection,
    channel: Channel,
    events: &[InboundEvent],
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<(DeliveryState, Option<String>)> {
    let mut unknown_pages: Vec<&str> = Vec::new();
    let mut known = 0;
    for event in events {
        match apply(conn, channel, event, zone, now).await? {
            Applied::UnknownPage => unknown_pages.push(&event.page_id),
            Applied::Stored | Applied::Duplicate | Applied::Ignored => known += 1,
        }
    }
    unknown_pages.dedup();
    let note = (!unknown_pages.is_empty())
        .then(|| format!("no active service for page {}", unknown_pages.join(", ")));
    let state = if known == 0 && !unknown_pages.is_empty() {
        DeliveryState::UnknownPage
    } else {
        DeliveryState::Processed
    };
    Ok((state, note))
}

fn event_time(event: &InboundEvent, now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(event.timestamp)
        .single()
        .unwrap_or(now)
}

async fn apply(
    conn: &mut AnyConnection,
    channel: Channel,
    event: &InboundEvent,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Applied> {
    let Some(service) = services::find_active_by_cifra(conn, channel, &event.page_id).await? else {
        return Ok(Applied::UnknownPage);
    };
    let at = event_time(event, now);
    match &event.kind {
        EventKind::Message(body) => {
            store_message(
                conn,
                (service.id, zone),
                event,
                body,
                Author::Customer,
                at,
                now,
            )
            .await
        }
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
                    outbox::confirm_by_echo(conn, outbox_id, &body.mid, at).await?;
                }
                return Ok(Applied::Duplicate);
            }
            store_message(
                conn,
                (service.id, zone),
                event,
                body,
                Author::PageInbox,
                at,
                now,
            )
            .await
        }
        EventKind::Postback {
            mid,
            title,
            payload,
        } => {
            let body = MessageBody {
                mid: mid.clone().unwrap_or_else(|| {
                    format!("postback:{}:{}", event.customer_id, event.timestamp)
                }),
                text: title.clone().or_else(|| payload.clone()),
                attachments: Vec::new(),
                reply_to: None,
                quick_reply: payload.clone(),
            };
            store_message(
                conn,
                (service.id, zone),
                event,
                &body,
                Author::Customer,
                at,
                now,
            )
            .await
        }
        EventKind::Delivery { mids, watermark } => {
            if let Some(contact) =
                conversations::find_contact(conn, service.id, &event.customer_id).await?
            {
                let watermark = Utc.timestamp_millis_opt(*watermark).single().unwrap_or(at);
                messages::mark_delivered(conn, contact, watermark, mids, now).await?;
            }
            Ok(Applied::Stored)
        }
        EventKind::Read { watermark, mid } => {
            if let Some(contact) =
                conversations::find_contact(conn, service.id, &event.customer_id).await?
            {
                // Instagram names the last message read instead of giving a watermark.
                let by_mid = match mid {
                    Some(mid) if *watermark == 0 => messages::sent_at_of(conn, mid).await?,
                    _ => None,
                };
                let watermark = by_mid
                    .or_else(|| Utc.timestamp_millis_opt(*watermark).single())
                    .unwrap_or(at);
                messages::mark_read(conn, contact, watermark, now).await?;
            }
            Ok(Applied::Stored)
        }
        EventKind::Reaction { .. } | EventKind::Unsupported => Ok(Applied::Ignored),
    }
}

#[derive(Debug, Clone, Copy)]
enum Author {
    Customer,
    PageInbox,
}

async fn store_message(
    conn: &mut AnyConnection,
    (service_id, zone): (i64, chrono_tz::Tz),
    event: &InboundEvent,
    body: &MessageBody,
    author: Author,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Applied> {
    if messages::mid_exists(conn, &body.mid).await? {
        return Ok(Applied::Duplicate);
    }
    let contact = conversations::upsert_contact(conn, service_id, &event.customer_id, now).await?;
    let by_customer = matches!(author, Author::Customer);
    let open = conversations::find_open(conn, contact).await?;
    // With no conversation open, a customer's message may answer the survey of the last one.
    let survey = match (&open, by_customer) {
        (None, true) => survey_step(conn, contact, body, zone, now).await?,
        _ => None,
    };
    let (conversation, opened, conversation_status, with_bot) = match (open, &survey) {
        (Some((open, status, bot)), _) => (open, false, status, bot == 1),
        (None, Some((asking, _))) => (asking.conversation_id, false, "closed".to_owned(), false),
        (None, None) => (
            conversations::open(conn, service_id, contact, now).await?,
            true,
            "queued".to_owned(),
            false,
        ),
    };
    let attachments =
        serde_json::to_string(&body.attachments_json()).context("Failed to encode attachments")?;
    let (direction, author_name, status) = match author {
        Author::Customer => ("in", "customer", "received"),
        Author::PageInbox => ("out", "page_inbox", "sent"),
    };
    // PostgreSQL text cannot hold NUL; nobody types one.
    let text = body.text.as_deref().map(|t| t.replace('\0', ""));
    let message = messages::NewMessage {
        conversation_id: conversation,
        direction,
        author: author_name,
        mid: Some(&body.mid),
        text: text.as_deref(),
        attachments: &attachments,
        quick_replies: "[]",
        reply_to_mid: body.reply_to.as_deref(),
        status,
        sent_at: at,
    };
    let message_id = messages::insert(conn, &message, now).await?;
    // Meta's CDN URLs expire: every attachment with a URL is downloaded (media fetcher).
    for url in body
        .attachments
        .iter()
        .filter_map(|a| a.payload.url.as_deref())
    {
        media::enqueue_download(conn, media::Origin::Inbound, Some(message_id), url, now).await?;
    }
    conversations::touch(conn, conversation, at, by_customer).await?;
    live_events::message_changed(conn, message_id, now).await?;
    if let Some((asking, step)) = survey {
        asking.apply(conn, step, zone, now).await?;
        return Ok(Applied::Stored);
    }
    if by_customer && with_bot {
        let said = (body.text.as_deref(), body.quick_reply.as_deref());
        crate::policies::bot::reply(conn, (conversation, service_id), said, now).await?;
        return Ok(Applied::Stored);
    }
    if by_customer && conversation_status == "assigned" {
        crate::policies::timeouts::on_customer_message(conn, conversation).await?;
    }
    // Business hours (policies::hours) only concern a new or an out-of-hours conversation:
    // the usual message, in one already queued or assigned, costs no further reads.
    if by_customer && (opened || conversation_status == "out_of_hours") {
        let hours = crate::policies::hours::CustomerMessage {
            service_id,
            conversation_id: conversation,
            opened,
            zone,
        };
        hours.apply(conn, now).await?;
    }
    Ok(Applied::Stored)
}

/// The contact's survey under way and what this message is to it; a second non-answer ends
/// the survey here, and the message then opens a new conversation.
async fn survey_step(
    conn: &mut AnyConnection,
    contact: i64,
    body: &MessageBody,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(Asking, Step)>> {
    let Some(asking) = Asking::of_contact(conn, contact).await? else {
        return Ok(None);
    };
    let step = asking.step(body.text.as_deref(), body.quick_reply.as_deref());
    if step == Step::GiveUp {
        asking.apply(conn, step, zone, now).await?;
        return Ok(None);
    }
    Ok(Some((asking, step)))
}
