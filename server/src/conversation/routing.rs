//! Routing as a service: in one transaction, read the Operating agents and the queue, plan with
//! the domain's rules, and write the assignments. On PostgreSQL a transaction-scoped advisory
//! lock makes routing one-at-a-time across all instances, so the capacity read and the
//! assignment written can never interleave with another instance's; SQLite has one writer.
//! Runs when woken (a conversation arrived, an agent freed a position or went Operating) and
//! on a short tick.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::Notify;

use crate::conversation::live_signal::LiveSignal;
use crate::domain::routing::{has_left, plan, AgentSnapshot, Assignment};
use crate::store::{agents, routing, Backend, Store};

/// How much of the queue a routing pass reads first: the plan for a queue's head is the plan
/// for the whole queue whenever it fills every free position (planning is greedy, in queue
/// order), so a long queue is read further only when its head leaves positions free.
const QUEUE_HEAD: usize = 64;

/// The console's default grace period to reconnect.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(60);

/// How long a conversation is offered to an agent in manual answer mode, by default.
pub const DEFAULT_OFFER_TIME: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Router {
    store: Store,
    wake: Arc<Notify>,
    live: LiveSignal,
    /// How long a console may stay away before its agent's chats go back to the queue.
    grace: Duration,
    /// How long an offer (manual answer mode) stands.
    offer_time: Duration,
    /// How often to look for consoles gone past the grace period, and when it was last done
    /// (epoch ms).
    departed_every: Duration,
    departed_checked: Arc<AtomicI64>,
}

impl Router {
    pub fn new(store: Store, wake: Arc<Notify>) -> Router {
        Router {
            store,
            wake,
            live: LiveSignal::default(),
            grace: DEFAULT_GRACE,
            offer_time: DEFAULT_OFFER_TIME,
            departed_every: Duration::from_secs(1),
            departed_checked: Arc::new(AtomicI64::new(0)),
        }
    }

    pub fn with_grace(mut self, grace: Duration) -> Router {
        self.grace = grace;
        self
    }

    /// Once a second by default: plenty for a grace period of a minute, and it keeps the
    /// many passes a busy ingest wakes cheap.
    pub fn with_departure_checks_every(mut self, every: Duration) -> Router {
        self.departed_every = every;
        self
    }

    pub fn with_offer_time(mut self, offer_time: Duration) -> Router {
        self.offer_time = offer_time;
        self
    }

    /// Consoles hear about each assignment through `live`.
    pub fn with_live(mut self, live: LiveSignal) -> Router {
        self.live = live;
        self
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let router = self.clone();
        workers.spawn_loop(
            "routing",
            Duration::from_secs(1),
            self.wake.clone(),
            move || {
                let router = router.clone();
                async move { router.route_now().await.map(|_| ()) }
            },
        );
    }

    /// Agents whose console stayed away longer than the grace period go Offline and their
    /// chats back to the front of the queue (before this pass routes them to others).
    async fn release_departed(
        &self,
        conn: &mut sqlx::AnyConnection,
        now: chrono::DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let now_ms = now.timestamp_millis();
        let every = i64::try_from(self.departed_every.as_millis()).unwrap_or(i64::MAX);
        if now_ms - self.departed_checked.load(Ordering::Relaxed) < every {
            return Ok(0);
        }
        self.departed_checked.store(now_ms, Ordering::Relaxed);
        let grace_ms = i64::try_from(self.grace.as_millis()).unwrap_or(i64::MAX);
        let mut left = 0;
        for present in agents::present_agents(conn).await? {
            let agent = present.user_id;
            let (presence, last_seen) = (present.presence, present.last_seen_at);
            if has_left(presence, last_seen, now.timestamp_millis(), grace_ms) {
                agents::mark_offline(conn, agent).await?;
                let returned = routing::take_back(conn, agent, now).await?;
                tracing::warn!(
                    agent,
                    returned,
                    "Agent's console gone past the grace period: chats back to the queue"
                );
                left += 1;
            }
        }
        Ok(left)
    }

    /// Assigns what can be assigned now; returns the assignments made.
    /// A transaction holding routing's lock: what it reads of agents' loads stays true until
    /// it commits (SQLite has one writer anyway). Anything that fills a position uses it.
    pub async fn begin_exclusive(&self) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self
            .store
            .pool()
            .begin()
            .await
            .context("Failed to start routing")?;
        if self.store.backend() == Backend::Postgres {
            routing::lock_for_routing(&mut tx).await?;
        }
        Ok(tx)
    }

    pub async fn route_now(&self) -> anyhow::Result<Vec<Assignment>> {
        let mut tx = self.begin_exclusive().await?;
        let now = Utc::now();
        let left = self.release_departed(&mut tx, now).await?;
        let expired = routing::expire_offers(&mut tx, now).await?;
        let assignments = plan_from_queue_head(&mut tx, now).await?;
        if assignments.is_empty() && left == 0 && expired == 0 {
            tx.rollback().await.ok();
            return Ok(assignments);
        }
        let offer_for =
            chrono::Duration::from_std(self.offer_time).unwrap_or(chrono::Duration::seconds(30));
        super::assignment::apply_plan(&mut tx, &assignments, now, offer_for).await?;
        tx.commit().await.context("Failed to commit routing")?;
        self.live.bump();
        for a in &assignments {
            tracing::info!(
                conversation = a.conversation.0,
                agent = a.agent.0,
                offer = a.offer,
                "Conversation assigned"
            );
        }
        Ok(assignments)
    }
}

/// The pass's plan from the head of the queue, or from the whole queue when the head leaves
/// positions free and more conversations wait.
async fn plan_from_queue_head(
    conn: &mut sqlx::AnyConnection,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Vec<Assignment>> {
    let head = routing::snapshot(conn, now, QUEUE_HEAD).await?;
    let assignments = plan(&head.agents, &head.waiting, now.timestamp_millis());
    if !head.queue_cut || assignments.len() >= free_positions(&head.agents) {
        return Ok(assignments);
    }
    let whole = routing::snapshot(conn, now, usize::MAX).await?;
    Ok(plan(&whole.agents, &whole.waiting, now.timestamp_millis()))
}

/// Positions the agents have free, before this pass.
fn free_positions(agents: &[AgentSnapshot]) -> usize {
    agents.iter().map(AgentSnapshot::room).sum()
}
