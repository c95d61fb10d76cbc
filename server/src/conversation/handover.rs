//! An agent takes, ends or hands over a conversation: resuming one that waited out of hours,
//! closing on the service's terms (then the closing message and the survey) and transferring
//! to a group or another agent. Each state change is one transaction with its live event; the
//! caller wakes routing and the live feed. Offers (accept, pass, expire) are in
//! `assignment.rs`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::assignment;
use super::policies::{closing, ServiceRuntime};
use super::routing::Router;
use crate::domain::closing::{self as terms, ClassificationError};
use crate::domain::messaging_window::{send_mode, Writer};
use crate::store::console as queries;
use crate::store::conversation_status::{Closing, TransferTarget};
use crate::store::{
    agents, conversations, from_millis, groups, out_of_hours, routing, to_millis, Store,
};

/// Why a close or a transfer did not happen.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error(transparent)]
    Classification(#[from] ClassificationError),
    /// Not the agent's accepted conversation (any more).
    #[error("the conversation is not the agent's")]
    NotTheirs,
    /// The agent or group to transfer to is unknown, inactive, or the agent themself.
    #[error("no such transfer target")]
    UnknownTarget,
    /// The conversation does not (or no longer) wait out of hours.
    #[error("the conversation is not waiting out of hours")]
    NotWaiting,
    /// The agent is in none of the active groups that serve the conversation's service.
    #[error("the agent does not serve this service")]
    NotServed,
    /// Meta's window for a human answer (7 days) has closed.
    #[error("the window to answer has closed")]
    WindowClosed,
    /// Every position of the agent's is taken.
    #[error("the agent has no free position")]
    NoFreePosition,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<sqlx::Error> for HandoverError {
    fn from(error: sqlx::Error) -> Self {
        HandoverError::Failed(error.into())
    }
}

/// The agent closes their conversation with this classification (if any). The closing
/// message and survey follow; their failure is logged and does not undo the close.
pub async fn close(
    store: &Store,
    (conversation_id, agent_id): (i64, i64),
    classification: Option<&str>,
    installation: Tz,
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    let runtime = {
        let mut conn = store.pool().acquire().await?;
        let service_id = conversations::service_of(&mut conn, conversation_id).await?;
        ServiceRuntime::load(&mut conn, service_id).await?
    };
    let policy = &runtime.policy;
    let agreed = terms::terms(
        &policy.classification,
        policy.times.wrap_up_seconds,
        classification,
        now,
    )?;
    let closing = Closing {
        classification: agreed.classification.as_deref(),
        wrap_up_until: agreed.wrap_up_until.map(to_millis),
    };
    if !queries::close(store.pool(), conversation_id, agent_id, now, &closing).await? {
        return Err(HandoverError::NotTheirs);
    }
    tracing::info!(
        agent = agent_id,
        conversation = conversation_id,
        "Conversation closed"
    );
    let told = closing::send(
        store,
        conversation_id,
        agent_id,
        &runtime,
        installation,
        now,
    );
    if let Err(error) = told.await {
        tracing::error!(error = ?error, conversation = conversation_id, "No closing message");
    }
    Ok(())
}

/// The agent hands their conversation to a group or another agent: it goes to the front of
/// the queue, routed to them.
pub async fn transfer(
    store: &Store,
    (conversation_id, agent_id): (i64, i64),
    target: TransferTarget,
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    let pool = store.pool();
    let known = match target {
        TransferTarget::Agent(to) => to != agent_id && agents::is_active_agent(pool, to).await?,
        TransferTarget::Group(group) => groups::is_active(pool, group).await?,
    };
    if !known {
        return Err(HandoverError::UnknownTarget);
    }
    let mut tx = pool.begin().await?;
    if !routing::transfer(&mut tx, conversation_id, agent_id, target, now).await? {
        return Err(HandoverError::NotTheirs);
    }
    tx.commit().await?;
    tracing::info!(
        agent = agent_id,
        conversation = conversation_id,
        ?target,
        "Conversation transferred"
    );
    Ok(())
}

/// The agent resumes a conversation that waited out of hours: one their groups serve, that
/// Meta still lets a human answer, within their free positions. Under the routing lock, so it
/// cannot take a position routing is giving away at the same moment.
pub async fn resume(
    router: &Router,
    (conversation_id, agent_id): (i64, i64),
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    let mut tx = router.begin_exclusive().await?;
    let waiting = out_of_hours::resumable(&mut tx, agent_id, conversation_id)
        .await?
        .ok_or(HandoverError::NotWaiting)?;
    if waiting.serving_groups == 0 {
        return Err(HandoverError::NotServed);
    }
    let last_customer = waiting.last_customer_message_at.map(from_millis);
    if send_mode(last_customer, now, Writer::Human).is_err() {
        return Err(HandoverError::WindowClosed);
    }
    let positions = out_of_hours::positions_taken(&mut tx, agent_id, now).await?;
    if positions.taken >= positions.positions {
        return Err(HandoverError::NoFreePosition);
    }
    if !assignment::resume_out_of_hours(&mut tx, conversation_id, agent_id, now).await? {
        return Err(HandoverError::NotWaiting);
    }
    tx.commit().await?;
    tracing::info!(
        agent = agent_id,
        conversation = conversation_id,
        "Out-of-hours conversation resumed"
    );
    Ok(())
}
