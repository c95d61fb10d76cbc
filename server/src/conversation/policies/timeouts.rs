//! The service's timeouts at run time. Conversations arm deadlines as they move (queued,
//! assigned, an agent's message, a customer's message, closed); this worker fires the due
//! ones. Each deadline is claimed and its work done in one transaction, so it happens once
//! even with several instances, and a deadline left by a stopped instance fires on the next
//! one's first pass.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::policy::{MessageKind, ServiceTimes};
use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;
use tokio::sync::Notify;

use super::notice::{self, Notice};
use super::{policy_from, ServiceRuntime};
use crate::conversation::live_signal::LiveSignal;
use crate::conversation::routing::Router;
use crate::domain::conversation::ConversationStatus;
use crate::domain::ids::ConversationId;
use crate::domain::timeouts::Deadline;
use crate::store::deadlines::{self, Due};
use crate::store::surveys::{self, Ending};
use crate::store::{conversation_status, events, timeouts as queries, Store};

/// Deadlines read per pass.
const BATCH: i64 = 100;
/// A deadline whose work failed is tried again this much later.
const RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(30);

async fn service_times(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<ServiceTimes> {
    let policy = queries::policy_of(conn, conversation_id).await?;
    Ok(policy_from(&policy).times)
}

/// An agent got the conversation: their first-response time starts. (Called by
/// `conversation::assignment` only, with each way a conversation is given.)
pub(in crate::conversation) async fn on_assigned(
    conn: &mut AnyConnection,
    conversation_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let times = service_times(conn, conversation_id).await?;
    let due = Deadline::FirstResponse.due(&times, now);
    deadlines::arm(conn, conversation_id, Deadline::FirstResponse, due).await?;
    deadlines::disarm(conn, conversation_id, &[Deadline::QueueWait]).await
}

/// An agent wrote: the first response is done, and the customer's inactivity time starts.
pub async fn on_agent_message(
    conn: &mut AnyConnection,
    conversation_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let times = service_times(conn, conversation_id).await?;
    let stale = [Deadline::FirstResponse, Deadline::InactivityClose];
    deadlines::disarm(conn, conversation_id, &stale).await?;
    queries::clear_overdue(conn, conversation_id).await?;
    let due = Deadline::InactivityWarning.due(&times, now);
    deadlines::arm(conn, conversation_id, Deadline::InactivityWarning, due).await
}

/// The customer wrote in an assigned conversation: not inactive.
pub async fn on_customer_message(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<()> {
    let answered = [Deadline::InactivityWarning, Deadline::InactivityClose];
    deadlines::disarm(conn, conversation_id, &answered).await
}

#[derive(Clone)]
pub struct Timeouts {
    store: Store,
    router: Router,
    live: LiveSignal,
    /// The installation's zone (protocol numbers).
    zone: Tz,
    wake: Arc<Notify>,
}

impl Timeouts {
    pub fn new(store: Store, router: Router, live: LiveSignal, zone: Tz) -> Timeouts {
        Timeouts {
            store,
            router,
            live,
            zone,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Checks for due deadlines every second (a timeout is minutes long: a second late is
    /// on time).
    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let timeouts = self.clone();
        workers.spawn_loop(
            "timeouts",
            Duration::from_secs(1),
            self.wake.clone(),
            move || {
                let timeouts = timeouts.clone();
                async move { timeouts.fire_due(Utc::now()).await.map(|_| ()) }
            },
        );
    }

    /// Fires every deadline due at `now`; returns how many this instance fired.
    pub async fn fire_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut fired = 0;
        let mut routing = false;
        loop {
            let due = deadlines::due(self.store.pool(), now, BATCH).await?;
            let full = i64::try_from(due.len()).unwrap_or(BATCH) >= BATCH;
            for deadline in &due {
                match self.fire(deadline, now).await {
                    Ok(Some(reroutes)) => {
                        fired += 1;
                        routing |= reroutes;
                    }
                    Ok(None) => {}
                    Err(error) => {
                        tracing::error!(?deadline, error = ?error, "A timeout failed; retrying later");
                        deadlines::postpone(self.store.pool(), deadline, now + RETRY_AFTER).await?;
                    }
                }
            }
            if !full {
                break;
            }
        }
        if fired > 0 {
            self.live.bump();
        }
        if routing {
            self.router.wake();
        }
        Ok(fired)
    }

    /// Claims and does one deadline's work: None if another instance had it, else whether
    /// routing should look again.
    async fn fire(&self, due: &Due, now: DateTime<Utc>) -> anyhow::Result<Option<bool>> {
        let mut tx = self.store.pool().begin().await?;
        if !deadlines::claim(&mut tx, due, now).await? {
            tx.rollback().await.ok();
            return Ok(None);
        }
        let id = due.conversation_id;
        let reroutes = match due.kind {
            Deadline::QueueWait => self.queue_wait(&mut tx, id, now).await?,
            Deadline::FirstResponse => {
                if let Some(agent) = queries::mark_overdue(&mut tx, id, now).await? {
                    events::conversation_changed(&mut tx, id, Some(agent), now).await?;
                    tracing::warn!(conversation = id, agent, "First response overdue");
                }
                false
            }
            Deadline::InactivityWarning => self.inactivity_warning(&mut tx, id, now).await?,
            Deadline::InactivityClose => self.inactivity_close(&mut tx, id, now).await?,
            Deadline::SurveyAnswer => {
                if surveys::end(&mut tx, id, Ending::Expired, now).await? {
                    tracing::info!(conversation = id, "Survey expired unanswered");
                }
                false
            }
        };
        tx.commit().await.context("Failed to commit a timeout")?;
        Ok(Some(reroutes))
    }

    /// Sends the service's message of `kind` if the conversation is (still) in `status`;
    /// returns the service, or None when the conversation has moved on.
    async fn tell_if(
        &self,
        conn: &mut AnyConnection,
        (id, status): (i64, ConversationStatus),
        kind: MessageKind,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<ServiceRuntime>> {
        let current = queries::state(conn, id).await?;
        if current.status != status {
            return Ok(None);
        }
        let runtime = ServiceRuntime::load(conn, current.service_id).await?;
        notice::send(conn, id, &runtime, Notice::automated(kind), self.zone, now).await?;
        Ok(Some(runtime))
    }

    /// Still waiting: the queue message, and the overflow group if the service has one.
    async fn queue_wait(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let Some(runtime) = self
            .tell_if(
                conn,
                (id, ConversationStatus::Queued),
                MessageKind::Queue,
                now,
            )
            .await?
        else {
            return Ok(false);
        };
        let Some(group) = runtime.policy.overflow_group_id else {
            return Ok(false);
        };
        let moved = queries::overflow(conn, id, group).await?;
        tracing::info!(conversation = id, group, moved, "Queue wait limit reached");
        Ok(moved)
    }

    async fn inactivity_warning(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let warning = MessageKind::InactivityWarning;
        if let Some(runtime) = self
            .tell_if(conn, (id, ConversationStatus::Assigned), warning, now)
            .await?
        {
            let due = Deadline::InactivityClose.due(&runtime.policy.times, now);
            deadlines::arm(conn, id, Deadline::InactivityClose, due).await?;
            tracing::info!(conversation = id, "Customer inactive: warned");
        }
        Ok(false)
    }

    async fn inactivity_close(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let conversation = ConversationId(id);
        let agent = conversation_status::close_inactive(conn, conversation, now).await?;
        let with_bot = agent.is_none()
            && conversation_status::close_left_with_bot(conn, conversation, now).await?;
        let agent = agent.map(|agent| agent.0);
        if agent.is_none() && !with_bot {
            return Ok(false);
        }
        events::conversation_changed(conn, id, agent, now).await?;
        deadlines::closed(conn, id).await?;
        let closing = MessageKind::InactivityClose;
        self.tell_if(conn, (id, ConversationStatus::Closed), closing, now)
            .await?;
        tracing::info!(
            conversation = id,
            with_bot,
            "Customer inactive: conversation closed"
        );
        // An agent's position is free.
        Ok(agent.is_some())
    }
}
