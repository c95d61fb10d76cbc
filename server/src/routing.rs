//! Routing as a service: in one transaction, read the Operating agents and the queue, plan with
//! the domain's rules, and write the assignments. On PostgreSQL a transaction-scoped advisory
//! lock makes routing one-at-a-time across all instances, so the capacity read and the
//! assignment written can never interleave with another instance's; SQLite has one writer.
//! Runs when woken (a conversation arrived, an agent freed a position or went Operating) and
//! on a short tick.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::Notify;

use crate::console::live::LiveSignal;
use crate::domain::routing::{plan, Assignment};
use crate::store::{routing, Backend, Store};

/// The advisory lock key of routing ("ATND").
const ROUTING_LOCK: i64 = 0x4154_4e44;

#[derive(Clone)]
pub struct Router {
    store: Store,
    wake: Arc<Notify>,
    live: LiveSignal,
}

impl Router {
    pub fn new(store: Store, wake: Arc<Notify>) -> Router {
        Router {
            store,
            wake,
            live: LiveSignal::default(),
        }
    }

    /// Consoles hear about each assignment through `live`.
    pub fn with_live(mut self, live: LiveSignal) -> Router {
        self.live = live;
        self
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self) {
        let router = self.clone();
        crate::worker::spawn_loop(
            "routing",
            Duration::from_secs(1),
            self.wake.clone(),
            move || {
                let router = router.clone();
                async move { router.route_now().await.map(|_| ()) }
            },
        );
    }

    /// Assigns what can be assigned now; returns the assignments made.
    pub async fn route_now(&self) -> anyhow::Result<Vec<Assignment>> {
        let mut tx = self
            .store
            .pool()
            .begin()
            .await
            .context("Failed to start routing")?;
        if self.store.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ROUTING_LOCK)
                .execute(&mut *tx)
                .await
                .context("Failed to take the routing lock")?;
        }
        let (agents, waiting) = routing::snapshot(&mut tx).await?;
        let now = Utc::now();
        let assignments = plan(&agents, &waiting, now.timestamp_millis());
        if assignments.is_empty() {
            tx.rollback().await.ok();
            return Ok(assignments);
        }
        routing::assign(&mut tx, &assignments, now).await?;
        tx.commit().await.context("Failed to commit routing")?;
        self.live.bump();
        for a in &assignments {
            tracing::info!(
                conversation = a.conversation,
                agent = a.agent,
                "Conversation assigned"
            );
        }
        Ok(assignments)
    }
}
