//! Every change of a conversation's status, in one place: each is a conditional UPDATE from
//! the status it expects, so a change that lost a race changes nothing and says so. What goes
//! with a change (events, deadlines, the agent's free-since) is the caller's, in the same
//! transaction.
//!
//! ```text
//!            open                assign / accept            close (agent, inactivity)
//!   (new) ────────► queued ───────────────────────► assigned ─────────────────────► closed
//!                   │  ▲  ◄──────────────────────────  │
//!   closed hours    │  │   taken back, offer passed,   │
//!                   ▼  │   transfer                    │
//!               out_of_hours ────── resumed by an agent ┘
//!   queued with the bot ───────── customer left ──────────────────────────────────► closed
//! ```

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::to_millis;
use crate::domain::ids::{AgentId, ConversationId};

/// Opens a conversation, queued for routing.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn open(
    conn: &mut AnyConnection,
    service_id: i64,
    contact_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<ConversationId> {
    sqlx::query_scalar(
        "INSERT INTO conversations (service_id, contact_id, status, opened_at, queued_at, last_message_at)
         VALUES ($1, $2, 'queued', $3, $3, $3) RETURNING id",
    )
    .bind(service_id)
    .bind(contact_id)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to open a conversation")
}

/// Routing gives a queued conversation to an agent, offered until `offered_until` (epoch ms)
/// when the agent answers in manual mode. False if it left the queue meanwhile.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn assign_queued(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    agent_id: AgentId,
    offered_until: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'assigned', agent_id = $1, assigned_at = $2,
                                  queue_front = 0, offered_until = $3
         WHERE id = $4 AND status = 'queued'",
    )
    .bind(agent_id)
    .bind(to_millis(now))
    .bind(offered_until)
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to assign a conversation")?;
    Ok(done.rows_affected() == 1)
}

/// An agent resumes a conversation that waited out of hours. False if it no longer waits.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn assign_out_of_hours(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    agent_id: AgentId,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'assigned', agent_id = $1, assigned_at = $2,
                                  queued_at = NULL, offered_until = NULL
         WHERE id = $3 AND status = 'out_of_hours'",
    )
    .bind(agent_id)
    .bind(to_millis(now))
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to resume a conversation")?;
    Ok(done.rows_affected() == 1)
}

/// The agent left: every conversation of theirs (offers too) goes to the queue's front.
/// Returns the conversations taken back.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn requeue_agents(
    conn: &mut AnyConnection,
    agent_id: AgentId,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<ConversationId>> {
    sqlx::query_scalar(
        "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL,
                                  queue_front = 1, queued_at = $1, offered_until = NULL
         WHERE agent_id = $2 AND status = 'assigned' RETURNING id",
    )
    .bind(to_millis(now))
    .bind(agent_id)
    .fetch_all(conn)
    .await
    .context("Failed to take conversations back")
}

/// An offer the agent let pass goes back to the queue's front. False if it was not (still)
/// offered to them.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn requeue_offer(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    agent_id: AgentId,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL,
                                  offered_until = NULL, queue_front = 1
         WHERE id = $1 AND agent_id = $2 AND status = 'assigned' AND offered_until IS NOT NULL",
    )
    .bind(conversation_id)
    .bind(agent_id)
    .execute(conn)
    .await
    .context("Failed to return an offer")?;
    Ok(done.rows_affected() == 1)
}

/// Where a transfer sends a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferTarget {
    Group(i64),
    Agent(i64),
}

/// The agent hands their (accepted) conversation over: to the queue's front, routed to the
/// group or the agent named. False if it was not theirs.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn requeue_transfer(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    from_agent: AgentId,
    target: TransferTarget,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let (group, agent) = match target {
        TransferTarget::Group(group) => (Some(group), None),
        TransferTarget::Agent(agent) => (None, Some(agent)),
    };
    let done = sqlx::query(
        "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL,
                                  queued_at = $1, queue_front = 1, route_group_id = $2,
                                  route_agent_id = $3
         WHERE id = $4 AND agent_id = $5 AND status = 'assigned' AND offered_until IS NULL",
    )
    .bind(to_millis(now))
    .bind(group)
    .bind(agent)
    .bind(conversation_id)
    .bind(from_agent)
    .execute(conn)
    .await
    .context("Failed to transfer a conversation")?;
    Ok(done.rows_affected() == 1)
}

/// The service is closed: the conversation waits out of the queue, nobody's.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn set_out_of_hours(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET status = 'out_of_hours', queued_at = NULL WHERE id = $1")
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to set a conversation out of hours")?;
    Ok(())
}

/// Back in business hours: the conversation joins the queue now.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn requeue_out_of_hours(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE conversations SET status = 'queued', queued_at = $1
         WHERE id = $2 AND status = 'out_of_hours'",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to queue a conversation")?;
    Ok(())
}

/// What an agent's close records besides the time.
#[derive(Debug)]
pub struct Closing<'a> {
    pub classification: Option<&'a str>,
    /// Until then the agent's position takes no new chat (epoch ms).
    pub wrap_up_until: Option<i64>,
}

/// The agent closes their (accepted) conversation. False if it was not theirs and open.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn close_by_agent(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    agent_id: AgentId,
    closing: &Closing<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'closed', closed_at = $1, classification = $4,
                                  wrap_up_until = $5, first_response_overdue_at = NULL
         WHERE id = $2 AND agent_id = $3 AND status = 'assigned' AND offered_until IS NULL",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .bind(agent_id)
    .bind(closing.classification)
    .bind(closing.wrap_up_until)
    .execute(conn)
    .await
    .context("Failed to close a conversation")?;
    Ok(done.rows_affected() == 1)
}

/// Closes a conversation the bot still has, whose customer stopped answering; whether it did.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn close_left_with_bot(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let closed = sqlx::query(
        "UPDATE conversations SET status = 'closed', closed_at = $1, closed_by_timeout = 1,
                                  bot_state = NULL
         WHERE id = $2 AND status = 'queued' AND bot_state IS NOT NULL",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to close a conversation left with the bot")?;
    Ok(closed.rows_affected() == 1)
}

/// Closes an assigned conversation whose customer stopped answering; returns its agent.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn close_inactive(
    conn: &mut AnyConnection,
    conversation_id: ConversationId,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<AgentId>> {
    sqlx::query_scalar(
        "UPDATE conversations SET status = 'closed', closed_at = $1, closed_by_timeout = 1,
                                  first_response_overdue_at = NULL
         WHERE id = $2 AND status = 'assigned' RETURNING agent_id",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .fetch_optional(conn)
    .await
    .context("Failed to close an inactive conversation")
}
