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
    pub fn spawn(store: Store) -> DeliveryWriter {
        let (jobs, queue) = mpsc::channel(4 * MAX_GROUP);
        tokio::spawn(write_groups(store, queue));
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
        self.waiting.0.fetch_add(1, Ordering::AcqRel);
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
        self.waiting.0.fetch_sub(1, Ordering::AcqRel);
        id?.map_err(anyhow::Error::msg)
    }
}

async fn write_groups(store: Store, mut queue: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
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
