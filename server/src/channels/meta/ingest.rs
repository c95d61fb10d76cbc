//! Turns stored webhook deliveries into contacts, conversations and messages, oldest first.
//! Deliveries are processed in batches, one transaction each: the batch shares one commit (on
//! SQLite, one fsync instead of one per delivery), and a delivery that fails undoes only its
//! own work. A delivery too large for a batch goes alone, in chunks. Runs after each stored
//! delivery (woken by the webhook) and on a timer, so deliveries left pending by a crash or
//! restart are processed too. Messages are stored once per `mid`, however often Meta
//! delivers them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};
use tokio::sync::Notify;

use super::apply::{apply_events, ActivePages, Outcome};
use super::delivery_writer::Backlog;
use super::events::{self, InboundEvent};
use crate::conversation::live_signal::LiveSignal;
use crate::store::webhook_deliveries::{self, Channel, DeliveryState};
use crate::store::Store;

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
/// A delivery with more events than this is processed alone, this many events per
/// transaction, so that one huge delivery never holds the database for seconds.
const CHUNK_EVENTS: usize = 500;
/// A delivery whose body is larger than this is read and processed alone, in chunks.
const LARGE_BODY_BYTES: usize = 256 * 1024;

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
    /// Events per transaction in a delivery processed in chunks.
    chunk: usize,
}

/// A claimed delivery, read.
enum Read {
    Events(Channel, Vec<InboundEvent>),
    /// Nothing in it can ever be read: why.
    Unreadable(String),
}

impl Read {
    fn has_more_events_than(&self, limit: usize) -> bool {
        matches!(self, Read::Events(_, events) if events.len() > limit)
    }
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
            chunk: CHUNK_EVENTS,
        }
    }

    /// Deliveries with more than `events` events go in chunks of that many (at least one).
    pub fn with_chunks_of(mut self, events: usize) -> Ingest {
        self.chunk = events.max(1);
        self
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
            // A large body is not even read here: parsing it takes the CPU for a while.
            let small = delivery.body.len() <= LARGE_BODY_BYTES;
            let read = match small.then(|| read(delivery)) {
                Some(read) if !read.has_more_events_than(self.chunk) => read,
                read => {
                    if done > 0 {
                        // It goes alone, first in the next batch.
                        break;
                    }
                    tx.rollback().await.ok();
                    self.process_alone(delivery, read, now).await?;
                    return Ok(Some(1));
                }
            };
            if !savepoints {
                if let Err(error) = self
                    .process_one(&mut tx, &mut pages, delivery, read, now)
                    .await
                {
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
                .process_one(&mut savepoint, &mut pages, delivery, read, now)
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
        read: Read,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (state, note) = match read {
            Read::Events(channel, events) => {
                let mut outcome = Outcome::default();
                apply_events(
                    conn,
                    pages,
                    channel,
                    &events,
                    self.time_zone,
                    now,
                    &mut outcome,
                )
                .await?;
                outcome.settle()
            }
            Read::Unreadable(why) => set_aside(delivery.id, why),
        };
        webhook_deliveries::finish(conn, delivery.id, state, note.as_deref(), now).await?;
        tracing::debug!(delivery = delivery.id, ?state, "Webhook delivery processed");
        Ok(())
    }

    /// A delivery too large for a batch, outside any transaction; `read` unless its body was
    /// too large to read on the async threads.
    async fn process_alone(
        &self,
        delivery: &webhook_deliveries::Claimed,
        read: Option<Read>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let read = match read {
            Some(read) => read,
            None => {
                let owned = delivery.clone();
                tokio::task::spawn_blocking(move || self::read(&owned))
                    .await
                    .context("Failed to read a large delivery")?
            }
        };
        match read {
            Read::Events(channel, events) => {
                self.process_in_chunks(delivery, channel, &events, now)
                    .await
            }
            unreadable => {
                let mut conn = self.store.pool().acquire().await?;
                let mut pages = ActivePages::default();
                self.process_one(&mut conn, &mut pages, delivery, unreadable, now)
                    .await
            }
        }
    }

    /// A delivery too large for a batch, in transactions of at most `chunk` events that end
    /// early, between two events, as soon as a webhook waits for its write (or after
    /// `BATCH_TIME`). It stays pending until its last event: after a failure or a crash it
    /// starts again from its first event, and what was already applied is not applied twice.
    async fn process_in_chunks(
        &self,
        delivery: &webhook_deliveries::Claimed,
        channel: Channel,
        events: &[InboundEvent],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut pages = ActivePages::default();
        let mut outcome = Outcome::default();
        let mut next = 0;
        // At least once: a delivery with no events is finished all the same.
        loop {
            self.webhook_backlog
                .until_empty(Duration::from_millis(20))
                .await;
            let mut tx = self
                .store
                .pool()
                .begin()
                .await
                .context("Failed to start a chunk")?;
            let started = Instant::now();
            let first = next;
            let mut applied = Ok(());
            while next < events.len() && applied.is_ok() {
                let event = std::slice::from_ref(&events[next]);
                let zone = self.time_zone;
                applied =
                    apply_events(&mut tx, &mut pages, channel, event, zone, now, &mut outcome)
                        .await;
                next += 1;
                let full = next - first >= self.chunk || started.elapsed() > BATCH_TIME;
                if full || !self.webhook_backlog.is_empty() {
                    break;
                }
            }
            if applied.is_ok() && next == events.len() {
                let (state, note) = std::mem::take(&mut outcome).settle();
                applied =
                    webhook_deliveries::finish(&mut tx, delivery.id, state, note.as_deref(), now)
                        .await;
            }
            if let Err(error) = applied {
                tx.rollback().await.ok();
                return self.retry_later(delivery, &error, now).await;
            }
            tx.commit().await.context("Failed to commit a chunk")?;
            crate::worker::progress();
            self.processed.notify_one();
            self.live.bump();
            if next >= events.len() {
                break;
            }
        }
        tracing::info!(
            delivery = delivery.id,
            events = events.len(),
            "Large webhook delivery processed in chunks"
        );
        Ok(())
    }
}

/// Reads a claimed delivery: its channel and events.
fn read(delivery: &webhook_deliveries::Claimed) -> Read {
    match (
        delivery.channel.parse::<Channel>(),
        events::parse(&delivery.body),
    ) {
        (Ok(by_path), Ok(parsed)) => {
            // Meta's `object` says which product sent it, whichever URL it was sent to (one
            // callback URL may serve both).
            let channel = channel_of_object(parsed.object.as_deref()).unwrap_or(by_path);
            Read::Events(channel, parsed.events)
        }
        (Err(error), _) => Read::Unreadable(error.to_string()),
        (_, Err(error)) => Read::Unreadable(error.to_string()),
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
