//! Group commit for webhook deliveries: concurrent requests hand their verified bodies to one
//! writer task, which stores everything waiting in a single transaction and then answers each
//! request. Every 200 still follows a durable write of its own body; the commit cost is shared.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use crate::store::webhook_deliveries::{self, Channel, DeliveryState};
use crate::store::Store;
use crate::worker::Workers;

/// At most this many bodies per transaction.
const MAX_GROUP: usize = 128;

struct Job {
    channel: Channel,
    body: axum::body::Bytes,
    state: DeliveryState,
    stored: oneshot::Sender<Result<i64, String>>,
}

#[derive(Clone)]
pub struct DeliveryWriter {
    jobs: mpsc::Sender<Job>,
    /// Deliveries handed over and not yet answered: background writers yield while any wait.
    waiting: Backlog,
}

/// How many webhook deliveries wait for their durable write. Meta waits for our 200, so
/// the ingest worker (whose work can wait) lets these go first on the database connection.
#[derive(Clone, Default)]
pub struct Backlog(Arc<AtomicUsize>);

impl Backlog {
    pub fn is_empty(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }

    /// Waits (at most `limit`) until no delivery waits for its write.
    pub async fn until_empty(&self, limit: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_micros(500)).await;
        }
    }
}

impl DeliveryWriter {
    pub fn spawn(store: Store, workers: &Workers) -> DeliveryWriter {
        let (jobs, queue) = mpsc::channel(4 * MAX_GROUP);
        // Kept outside the task, so that a panic loses only the group in hand (its webhooks
        // get errors, and Meta sends them again), never the queue.
        let queue = Arc::new(tokio::sync::Mutex::new(queue));
        workers.supervise("webhook writer", move || {
            let store = store.clone();
            let queue = queue.clone();
            async move { write_groups(store, &mut *queue.lock().await).await }
        });
        DeliveryWriter {
            jobs,
            waiting: Backlog::default(),
        }
    }

    pub fn backlog(&self) -> Backlog {
        self.waiting.clone()
    }

    /// Stores a body durably; returns its id once committed.
    pub async fn store(
        &self,
        channel: Channel,
        body: axum::body::Bytes,
        state: DeliveryState,
    ) -> anyhow::Result<i64> {
        let (stored, answer) = oneshot::channel();
        // Counted down on drop too: a request whose client goes away mid-write drops this
        // future, and a count left up would make ingest wait before every delivery for good.
        let _waiting = Waiting::count(&self.waiting);
        let sent = self
            .jobs
            .send(Job {
                channel,
                body,
                state,
                stored,
            })
            .await;
        let id = match sent {
            Ok(()) => answer
                .await
                .context("the delivery writer dropped a delivery"),
            Err(_) => Err(anyhow::anyhow!("the delivery writer has stopped")),
        };
        id?.map_err(anyhow::Error::msg)
    }
}

/// One delivery waiting for its write, counted in the backlog while it lives.
struct Waiting<'a>(&'a Backlog);

impl<'a> Waiting<'a> {
    fn count(backlog: &'a Backlog) -> Waiting<'a> {
        backlog.0.fetch_add(1, Ordering::AcqRel);
        Waiting(backlog)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0 .0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Writes groups until the queue closes or shutdown begins.
async fn write_groups(store: Store, queue: &mut mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    let idle = std::time::Duration::from_secs(1);
    loop {
        // `recv_many` is cancel-safe: waking up idle loses nothing.
        let received = tokio::select! {
            received = queue.recv_many(&mut group, MAX_GROUP) => received,
            () = tokio::time::sleep(idle) => {
                crate::worker::progress();
                if crate::worker::stopping() {
                    return;
                }
                continue;
            }
        };
        if received == 0 {
            // Every sender is gone: nothing more can come (the supervisor checks shutdown).
            tokio::time::sleep(idle).await;
            return;
        }
        crate::worker::progress();
        match insert_group(&store, &group).await {
            Ok(ids) => {
                for (job, id) in group.drain(..).zip(ids) {
                    // The request may have gone (client timeout): the body is stored anyway.
                    let _ = job.stored.send(Ok(id));
                }
            }
            Err(error) => {
                tracing::error!(error = ?error, size = group.len(), "Failed to store webhook deliveries");
                for job in group.drain(..) {
                    let _ = job.stored.send(Err("not stored".to_owned()));
                }
            }
        }
    }
}

async fn insert_group(store: &Store, group: &[Job]) -> anyhow::Result<Vec<i64>> {
    let now = Utc::now();
    let mut tx = store
        .pool()
        .begin()
        .await
        .context("Failed to start storing deliveries")?;
    let mut ids = Vec::with_capacity(group.len());
    for job in group {
        ids.push(
            webhook_deliveries::insert(&mut *tx, job.channel, &job.body, job.state, now).await?,
        );
    }
    tx.commit().await.context("Failed to commit deliveries")?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_dropped_mid_write_leaves_no_backlog() {
        // Nobody reads the queue: the write never answers, as when the client goes first.
        let (jobs, _queue) = mpsc::channel(4);
        let writer = DeliveryWriter {
            jobs,
            waiting: Backlog::default(),
        };
        let write = writer.store(
            Channel::Messenger,
            axum::body::Bytes::from_static(b"{}"),
            DeliveryState::Pending,
        );
        let cut = tokio::time::timeout(std::time::Duration::from_millis(20), write).await;
        assert!(cut.is_err(), "the write was still waiting when dropped");
        assert!(writer.backlog().is_empty(), "the backlog counts it no more");
    }
}
