//! The live feed's hub: one task per instance reads the new `console_events` (woken by this
//! instance's changes, by other instances' through PostgreSQL's NOTIFY, and by a fallback
//! poll) and hands each, rendered once, to the consoles of its agent connected here.
//!
//! Event ids are allocated before commit, so on PostgreSQL a reader can see id 11 committed
//! while id 10 is not yet: ids skipped over are kept and asked for again for a while, so a
//! late commit is still delivered. A console too slow to keep up is cut off; it reconnects
//! and resumes from its last sequence numbers, so nothing is lost that way either.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use app::model::console::{ChatMessage, LiveEvent};
use tokio::sync::{mpsc, Notify};

use super::chat::chat_messages;
use crate::conversation::live_signal::LiveSignal;
use crate::store::events::{self, EventRow};
use crate::store::{agents, console as queries, Backend, Store};
use crate::worker::Workers;

/// Read again this often even when nothing woke the hub.
const FALLBACK_POLL: Duration = Duration::from_millis(500);
/// How long an id skipped over is waited for (a transaction still committing).
const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// Events read per query.
const BATCH: i64 = 500;
/// Events a console may have waiting to be written before it is cut off.
const CONSOLE_BUFFER: usize = 256;
/// Events kept for consoles that reconnect; one away longer reloads.
const RETENTION: chrono::Duration = chrono::Duration::days(2);
/// Note the connected consoles this often (well inside routing's grace period), all of this
/// instance's in one statement.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// The PostgreSQL channel instances wake each other on.
const CHANNEL: &str = "atende_console";

/// A connected console's feed: events as JSON text, in order per conversation.
pub struct Subscription {
    pub events: mpsc::Receiver<Arc<str>>,
    hub: Hub,
    agent: i64,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.agent, self.id);
    }
}

/// The consoles connected here: per agent, each connection's id and feed.
type Consoles = HashMap<i64, Vec<(u64, mpsc::Sender<Arc<str>>)>>;

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    time_zone: chrono_tz::Tz,
    live: LiveSignal,
    consoles: Mutex<Consoles>,
    next_id: AtomicU64,
}

impl Hub {
    pub fn new(store: Store, time_zone: chrono_tz::Tz, live: LiveSignal) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                store,
                time_zone,
                live,
                consoles: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    pub fn subscribe(&self, agent: i64) -> Subscription {
        let (sender, events) = mpsc::channel(CONSOLE_BUFFER);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.consoles().entry(agent).or_default().push((id, sender));
        Subscription {
            events,
            hub: self.clone(),
            agent,
            id,
        }
    }

    /// How many consoles are connected to this instance.
    pub fn connected(&self) -> usize {
        self.consoles().values().map(Vec::len).sum()
    }

    fn unsubscribe(&self, agent: i64, id: u64) {
        let mut consoles = self.consoles();
        if let Some(list) = consoles.get_mut(&agent) {
            list.retain(|(other, _)| *other != id);
            if list.is_empty() {
                consoles.remove(&agent);
            }
        }
    }

    fn consoles(&self) -> std::sync::MutexGuard<'_, Consoles> {
        // A panic while holding this lock cannot leave the map half-changed: keep using it.
        self.inner
            .consoles
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What followed each `(conversation, seq)` the console saw, if the conversation is still
    /// the agent's (or the event that took it away). Too much to replay: one `Reload`.
    pub async fn replay(&self, agent: i64, seen: &[(i64, i64)]) -> anyhow::Result<Vec<Arc<str>>> {
        let pool = self.inner.store.pool();
        let mut rows = Vec::new();
        for (conversation, seq) in seen.iter().take(16) {
            let missed = events::resume(pool, agent, *conversation, *seq, BATCH).await?;
            if missed.len() as i64 == BATCH {
                return Ok(vec![encode(&LiveEvent::Reload)?]);
            }
            rows.extend(missed);
        }
        Ok(self
            .render(rows)
            .await?
            .into_iter()
            .map(|(_, text)| text)
            .collect())
    }

    /// Renders events (a message event carries the message as it is now).
    async fn render(&self, rows: Vec<EventRow>) -> anyhow::Result<Vec<(i64, Arc<str>)>> {
        let message_ids: Vec<i64> = rows.iter().filter_map(|r| r.message_id).collect();
        let pool = self.inner.store.pool();
        let found = queries::messages_with_ids(pool, &message_ids).await?;
        let messages: HashMap<i64, ChatMessage> = chat_messages(pool, self.inner.time_zone, found)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let mut rendered = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(agent) = row.agent_id else { continue };
            let event = match (row.kind.as_str(), row.message_id) {
                ("message", Some(id)) => match messages.get(&id) {
                    Some(message) => LiveEvent::Message {
                        conversation: row.conversation_id,
                        seq: row.seq,
                        message: message.clone(),
                    },
                    None => continue,
                },
                _ => LiveEvent::Conversation {
                    conversation: row.conversation_id,
                    seq: row.seq,
                },
            };
            rendered.push((agent, encode(&event)?));
        }
        Ok(rendered)
    }

    /// Hands events to the consoles connected here; a console that cannot take more is cut
    /// off (it reconnects and resumes).
    async fn dispatch(&self, rows: Vec<EventRow>) -> anyhow::Result<()> {
        let wanted: Vec<EventRow> = {
            let consoles = self.consoles();
            rows.into_iter()
                .filter(|r| r.agent_id.is_some_and(|a| consoles.contains_key(&a)))
                .collect()
        };
        if wanted.is_empty() {
            return Ok(());
        }
        let rendered = self.render(wanted).await?;
        let mut consoles = self.consoles();
        for (agent, text) in rendered {
            if let Some(list) = consoles.get_mut(&agent) {
                list.retain(|(_, sender)| sender.try_send(text.clone()).is_ok());
            }
        }
        consoles.retain(|_, list| !list.is_empty());
        Ok(())
    }

    /// Starts the hub's task (and, on PostgreSQL, its listener for other instances).
    pub fn spawn(&self, workers: &Workers) {
        let remote = Arc::new(Notify::new());
        if self.inner.store.backend() == Backend::Postgres {
            spawn_listener(workers, self.inner.store.url().to_owned(), remote.clone());
        }
        let hub = self.clone();
        workers.spawn_loop(
            "console heartbeat",
            HEARTBEAT,
            Arc::new(Notify::new()),
            move || {
                let hub = hub.clone();
                async move {
                    let agents: Vec<i64> = hub.consoles().keys().copied().collect();
                    let pool = hub.inner.store.pool();
                    if let Err(error) = agents::touch(pool, &agents, chrono::Utc::now()).await {
                        tracing::warn!(error = ?error, "Failed to note the connected consoles");
                    }
                    Ok(())
                }
            },
        );
        let hub = self.clone();
        workers.supervise("console feed", move || {
            let hub = hub.clone();
            let remote = remote.clone();
            async move {
                // A panic starts the feed again from the newest event, as a restart would.
                let mut feed = Feed::default();
                while !crate::worker::stopping() {
                    match hub.follow(&mut feed, &remote).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(error = ?error, "Console feed failed; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            }
        });
    }

    async fn follow(&self, feed: &mut Feed, remote: &Notify) -> anyhow::Result<()> {
        let pool = self.inner.store.pool();
        if feed.cursor.is_none() {
            feed.cursor = Some(events::newest_id(pool).await?);
        }
        let mut signal = self.inner.live.subscribe();
        let mut last_prune = Instant::now();
        while !crate::worker::stopping() {
            crate::worker::progress();
            let local = tokio::select! {
                changed = signal.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    true
                }
                _ = remote.notified() => false,
                _ = tokio::time::sleep(FALLBACK_POLL) => false,
            };
            let found = self.read_new(feed).await?;
            if local && found && self.inner.store.backend() == Backend::Postgres {
                events::notify_instances(pool, CHANNEL).await?;
            }
            if last_prune.elapsed() > Duration::from_secs(3600) {
                last_prune = Instant::now();
                events::prune(pool, chrono::Utc::now() - RETENTION).await?;
            }
        }
        Ok(())
    }

    /// Reads and dispatches what is new (and what was skipped and has now committed).
    async fn read_new(&self, feed: &mut Feed) -> anyhow::Result<bool> {
        let pool = self.inner.store.pool();
        let mut found = false;
        loop {
            let cursor = feed.cursor.unwrap_or(0);
            let rows = events::after(pool, cursor, BATCH).await?;
            let full = rows.len() as i64 == BATCH;
            found |= !rows.is_empty();
            feed.note_gaps(&rows);
            self.dispatch(rows).await?;
            if !full {
                break;
            }
        }
        if !feed.missing.is_empty() {
            let ids: Vec<i64> = feed.missing.keys().copied().take(500).collect();
            let late = events::with_ids(pool, &ids).await?;
            for row in &late {
                feed.missing.remove(&row.id);
            }
            feed.missing
                .retain(|_, noticed| noticed.elapsed() < GAP_PATIENCE);
            self.dispatch(late).await?;
        }
        Ok(found)
    }
}

/// Where the hub is in the event log.
#[derive(Default)]
struct Feed {
    cursor: Option<i64>,
    /// Ids skipped over (not committed when read), with when that was noticed.
    missing: BTreeMap<i64, Instant>,
}

impl Feed {
    fn note_gaps(&mut self, rows: &[EventRow]) {
        for row in rows {
            let cursor = self.cursor.unwrap_or(0);
            // A huge gap is a restored or pruned database, not transactions in flight.
            if row.id > cursor + 1 && row.id - cursor < 10_000 {
                let now = Instant::now();
                for id in cursor + 1..row.id {
                    self.missing.insert(id, now);
                }
            }
            self.cursor = Some(cursor.max(row.id));
        }
    }
}

fn encode(event: &LiveEvent) -> anyhow::Result<Arc<str>> {
    Ok(serde_json::to_string(event)
        .context("Failed to encode a live event")?
        .into())
}

/// Wakes the hub when another instance recorded events (PostgreSQL LISTEN). Missed
/// notifications (a dropped connection) are covered by the fallback poll.
fn spawn_listener(workers: &Workers, url: String, remote: Arc<Notify>) {
    workers.supervise("console listener", move || {
        let url = url.clone();
        let remote = remote.clone();
        async move {
            if let Err(error) = listen(&url, &remote).await {
                tracing::warn!(error = ?error, "Console listener lost; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
}

async fn listen(url: &str, remote: &Notify) -> anyhow::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url)
        .await
        .context("Failed to connect the console listener")?;
    listener.listen(CHANNEL).await.context("Failed to LISTEN")?;
    while !crate::worker::stopping() {
        crate::worker::progress();
        // Woken at least every few seconds, to note progress and see a shutdown.
        match tokio::time::timeout(Duration::from_secs(5), listener.recv()).await {
            Ok(received) => {
                received.context("Console listener failed")?;
                remote.notify_one();
            }
            Err(_quiet) => {}
        }
    }
    Ok(())
}
