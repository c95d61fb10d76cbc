//! Turns stored webhook deliveries into contacts, conversations and messages, oldest first.
//! Deliveries are processed in batches, one transaction each with a savepoint per delivery:
//! the batch shares one commit (on SQLite, one fsync instead of one per delivery), and a
//! delivery that fails undoes only its own work. Runs after each stored delivery (woken by
//! the webhook) and on a timer, so deliveries left pending by a crash or restart are
//! processed too. Messages are stored once per `mid`, however often Meta delivers them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::{Acquire, AnyConnection};
use tokio::sync::Notify;

use super::delivery_writer::Backlog;
use super::events::{self, Attachment, AttachmentPayload, EventKind, InboundEvent, MessageBody};
use crate::conversation::inbound::{self, Author, InboundAttachment, InboundMessage, Received};
use crate::conversation::live_signal::LiveSignal;
use crate::domain::attachment::UNSUPPORTED;
use crate::store::webhook_deliveries::{self, Channel, DeliveryState};
use crate::store::{services, Store};

/// After this many failed attempts (about ten minutes of retrying) a delivery that still fails
/// raises an alarm in the log at each further attempt; it is retried all the same.
const ALARM_AFTER_ATTEMPTS: i64 = 12;
/// The longest pause between two attempts at a failing delivery.
const MAX_RETRY_PAUSE_SECONDS: i64 = 300;
/// Deliveries claimed per transaction.
const BATCH: usize = 64;
/// A batch commits early once it has held the database this long, or as soon as a webhook
/// waits for its write: Meta waits for our 200, this work does not.
const BATCH_TIME: Duration = Duration::from_millis(20);

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
    /// Deliveries per transaction (1 is the old one-commit-per-delivery way, for benchmarks).
    batch: usize,
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
            batch: BATCH,
        }
    }

    /// At most `size` deliveries per transaction (at least one).
    pub fn with_batch(mut self, size: usize) -> Ingest {
        self.batch = size.max(1);
        self
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

    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let ingest = self.clone();
        workers.spawn_loop(
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
            if crate::worker::stopping() {
                break;
            }
            let done = self.process_batch().await?;
            if done == 0 {
                break;
            }
            crate::worker::progress();
            processed += done;
        }
        Ok(processed)
    }

    /// Processes one batch of due deliveries; returns how many it processed. The batch runs
    /// first without savepoints (two statements fewer per delivery: on SQLite each statement
    /// is a round trip to its worker thread); if a delivery fails, the whole batch is undone
    /// and runs again with a savepoint each, so that only the failing one waits for a retry.
    async fn process_batch(&self) -> anyhow::Result<usize> {
        match self.try_batch(false).await? {
            Some(done) => Ok(done),
            None => Ok(self.try_batch(true).await?.unwrap_or(0)),
        }
    }

    /// One batch, with a savepoint per delivery or none; `None` when, without savepoints, a
    /// delivery failed and the batch was undone.
    async fn try_batch(&self, savepoints: bool) -> anyhow::Result<Option<usize>> {
        let mut tx = self
            .store
            .pool()
            .begin()
            .await
            .context("Failed to start processing")?;
        let now = Utc::now();
        let claimed = webhook_deliveries::claim_due(&mut tx, now, self.batch).await?;
        if claimed.is_empty() {
            tx.rollback().await.ok();
            return Ok(Some(0));
        }
        let mut pages = ActivePages::default();
        let started = Instant::now();
        let mut failures = Vec::new();
        let mut done = 0;
        // Those the batch leaves (cut short) stay pending: claiming changed nothing in them.
        for delivery in &claimed {
            if done > 0 && (!self.webhook_backlog.is_empty() || started.elapsed() > BATCH_TIME) {
                break;
            }
            if !savepoints {
                if let Err(error) = self.process_one(&mut tx, &mut pages, delivery, now).await {
                    tracing::debug!(delivery = delivery.id, error = %format!("{error:#}"),
                        "A delivery failed in a batch: the batch runs again, a savepoint each");
                    tx.rollback().await.ok();
                    return Ok(None);
                }
                done += 1;
                continue;
            }
            let mut savepoint = tx.begin().await.context("Failed to start a delivery")?;
            match self
                .process_one(&mut savepoint, &mut pages, delivery, now)
                .await
            {
                Ok(()) => savepoint.commit().await?,
                Err(error) => {
                    // A passing failure (the database): undo this delivery's partial work,
                    // count the failure in its own write, retry it later; the others go on.
                    savepoint.rollback().await?;
                    failures.push((delivery, error));
                }
            }
            done += 1;
        }
        tx.commit()
            .await
            .context("Failed to commit processed deliveries")?;
        for (delivery, error) in failures {
            self.retry_later(delivery, &error, now).await?;
        }
        tracing::debug!(deliveries = done, "Webhook deliveries processed");
        self.processed.notify_one();
        self.live.bump();
        Ok(Some(done))
    }

    /// Applies one delivery's events and records its outcome, on `conn` (its savepoint).
    async fn process_one(
        &self,
        conn: &mut AnyConnection,
        pages: &mut ActivePages,
        delivery: &webhook_deliveries::Claimed,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (state, note) = match (
            delivery.channel.parse::<Channel>(),
            events::parse(&delivery.body),
        ) {
            (Ok(by_path), Ok(parsed)) => {
                // Meta's `object` says which product sent it, whichever URL it was sent to
                // (one callback URL may serve both).
                let channel = channel_of_object(parsed.object.as_deref()).unwrap_or(by_path);
                apply_all(conn, pages, channel, &parsed.events, self.time_zone, now).await?
            }
            // Nothing in it can ever be read: set aside for an admin, loudly.
            (Err(error), _) => set_aside(delivery.id, error.to_string()),
            (_, Err(error)) => set_aside(delivery.id, error.to_string()),
        };
        webhook_deliveries::finish(conn, delivery.id, state, note.as_deref(), now).await?;
        tracing::debug!(delivery = delivery.id, ?state, "Webhook delivery processed");
        Ok(())
    }
}

/// A delivery that can never be processed (not a webhook payload at all).
fn set_aside(id: i64, why: String) -> (DeliveryState, Option<String>) {
    tracing::error!(delivery = id, error = %why, "A webhook delivery cannot be read: set aside as failed");
    (DeliveryState::Failed, Some(why))
}

/// The channel Meta's `object` names, if it names one.
fn channel_of_object(object: Option<&str>) -> Option<Channel> {
    match object {
        Some("page") => Some(Channel::Messenger),
        Some("instagram") => Some(Channel::Instagram),
        _ => None,
    }
}

/// Full-jitter exponential backoff: up to 1, 2, 4… seconds, at most five minutes.
fn retry_pause(attempts: i64) -> chrono::Duration {
    let ceiling = 1i64
        .checked_shl(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20))
        .unwrap_or(i64::MAX)
        .min(MAX_RETRY_PAUSE_SECONDS)
        * 1000;
    chrono::Duration::milliseconds(rand::random_range(ceiling / 2..=ceiling))
}

impl Ingest {
    async fn retry_later(
        &self,
        delivery: &webhook_deliveries::Claimed,
        error: &anyhow::Error,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let detail = format!("{error:#}");
        let retry_at = now + retry_pause(delivery.attempts);
        let pool = self.store.pool();
        let attempts =
            webhook_deliveries::record_failure(pool, delivery.id, &detail, retry_at).await?;
        if attempts >= ALARM_AFTER_ATTEMPTS {
            tracing::error!(delivery = delivery.id, attempts, error = %detail,
                "ALARM: an acknowledged webhook delivery keeps failing; still retrying");
        } else {
            tracing::warn!(delivery = delivery.id, attempts, error = %detail,
                "Failed to process a delivery; retrying later");
        }
        Ok(())
    }
}

/// The active service of each page a batch has met (one lookup per page, not per event).
#[derive(Default)]
struct ActivePages(HashMap<(Channel, String), Option<i64>>);

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

async fn apply_all(
    conn: &mut AnyConnection,
    pages: &mut ActivePages,
    channel: Channel,
    events: &[InboundEvent],
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<(DeliveryState, Option<String>)> {
    let mut unknown_pages: Vec<&str> = Vec::new();
    let mut unsupported: Vec<&str> = Vec::new();
    let mut known = 0;
    for event in events {
        if let EventKind::Unsupported { what } = &event.kind {
            // Kept in the delivery's note (the admin's delivery page lists it), never dropped.
            unsupported.push(what);
            known += 1;
            continue;
        }
        match apply(conn, pages, channel, event, zone, now).await? {
            Applied::UnknownPage => unknown_pages.push(&event.page_id),
            Applied::Stored | Applied::Duplicate | Applied::Ignored => known += 1,
        }
    }
    unknown_pages.dedup();
    let mut notes = Vec::new();
    if !unknown_pages.is_empty() {
        notes.push(format!(
            "no active service for page {}",
            unknown_pages.join(", ")
        ));
    }
    if !unsupported.is_empty() {
        notes.push(format!("not supported: {}", unsupported.join("; ")));
    }
    let note = (!notes.is_empty()).then(|| notes.join(" · "));
    let state = if known == 0 && unsupported.is_empty() && !unknown_pages.is_empty() {
        DeliveryState::UnknownPage
    } else {
        DeliveryState::Processed
    };
    Ok((state, note))
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
