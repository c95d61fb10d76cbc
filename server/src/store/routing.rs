//! Queries routing needs: snapshots of agents and the queue, assignments, offers and
//! transfers (the agents themselves are in `agents.rs`).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};

use super::conversation_status::{self, TransferTarget};
use super::events;
use super::to_millis;
use crate::domain::ids::{AgentId, ConversationId, GroupId};
use crate::domain::routing::{
    AgentSnapshot, AnswerMode, Assignment, Presence, Route, WaitingConversation,
};

#[derive(FromRow)]
struct AgentRow {
    user_id: AgentId,
    positions: i64,
    free_since: i64,
    open: i64,
    answer_mode: AnswerMode,
}

#[derive(FromRow)]
struct WaitingRow {
    id: ConversationId,
    service_id: i64,
    queued_at: Option<i64>,
    opened_at: i64,
    queue_front: i64,
    route_group_id: Option<GroupId>,
    route_agent_id: Option<AgentId>,
}

/// The advisory lock key of routing ("ATND").
const ROUTING_LOCK: i64 = 0x4154_4e44;

/// Makes the caller's transaction the only routing one across all instances, until it ends
/// (PostgreSQL's transaction-scoped advisory lock; SQLite has a single writer anyway).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lock_for_routing(conn: &mut AnyConnection) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ROUTING_LOCK)
        .execute(conn)
        .await
        .context("Failed to take the routing lock")?;
    Ok(())
}

/// What a routing pass plans with.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub agents: Vec<AgentSnapshot>,
    /// The head of the queue, in queue order.
    pub waiting: Vec<WaitingConversation>,
    /// Whether more conversations wait behind `waiting`.
    pub queue_cut: bool,
}

/// The Operating agents (with their load and groups) and the first `queue_limit` waiting
/// conversations in queue order (a long queue is not read whole when its head will do).
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn snapshot(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    queue_limit: usize,
) -> anyhow::Result<Snapshot> {
    let agents: Vec<AgentRow> = sqlx::query_as(
        "SELECT a.user_id, a.positions, a.free_since, a.answer_mode,
                (SELECT COUNT(*) FROM conversations c
                 WHERE c.agent_id = a.user_id
                   AND (c.status = 'assigned' OR (c.status = 'closed' AND c.wrap_up_until > $1)))
                AS open
         FROM agent_states a JOIN users u ON u.id = a.user_id
         WHERE a.presence = 'operating' AND u.active = 1",
    )
    .bind(to_millis(now))
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the operating agents")?;
    // Nobody Operating with a free position (the usual case under load): nothing to plan,
    // and the queue, however long, need not be read at all.
    if agents.iter().all(|a| a.open >= a.positions) {
        return Ok(Snapshot::default());
    }
    // The domain's queue order (front first, then oldest, then id), one row more than asked
    // to know whether the queue goes on.
    let mut waiting: Vec<WaitingRow> = sqlx::query_as(
        "SELECT id, service_id, queued_at, opened_at, queue_front, route_group_id, route_agent_id
         FROM conversations WHERE status = 'queued' AND bot_state IS NULL
         ORDER BY queue_front DESC, COALESCE(queued_at, opened_at), id LIMIT $1",
    )
    .bind(i64::try_from(queue_limit.saturating_add(1)).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the queue")?;
    if waiting.is_empty() {
        return Ok(Snapshot::default());
    }
    let queue_cut = waiting.len() > queue_limit;
    waiting.truncate(queue_limit);
    let memberships: Vec<(AgentId, GroupId)> = sqlx::query_as(
        "SELECT m.user_id, m.group_id FROM group_members m
         JOIN agent_groups g ON g.id = m.group_id WHERE g.active = 1",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read group members")?;
    let service_groups: Vec<(i64, GroupId)> = sqlx::query_as(
        "SELECT s.service_id, s.group_id FROM service_groups s
         JOIN agent_groups g ON g.id = s.group_id WHERE g.active = 1",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the services' groups")?;

    let declines: Vec<(ConversationId, AgentId)> =
        sqlx::query_as("SELECT conversation_id, agent_id FROM offer_declines")
            .fetch_all(&mut *conn)
            .await
            .context("Failed to read declined offers")?;
    let mut declined: HashMap<ConversationId, Vec<AgentId>> = HashMap::new();
    for (conversation, agent) in declines {
        declined.entry(conversation).or_default().push(agent);
    }
    let mut groups_of_agent: HashMap<AgentId, Vec<GroupId>> = HashMap::new();
    for (user, group) in memberships {
        groups_of_agent.entry(user).or_default().push(group);
    }
    let mut groups_of_service: HashMap<i64, Vec<GroupId>> = HashMap::new();
    for (service, group) in service_groups {
        groups_of_service.entry(service).or_default().push(group);
    }
    let agents = agents
        .into_iter()
        .map(|row| AgentSnapshot {
            id: row.user_id,
            presence: Presence::Operating,
            positions: u8::try_from(row.positions).unwrap_or(1),
            open: u8::try_from(row.open).unwrap_or(u8::MAX),
            free_since: row.free_since,
            groups: groups_of_agent.remove(&row.user_id).unwrap_or_default(),
            answer_mode: row.answer_mode,
        })
        .collect();
    let waiting = waiting
        .into_iter()
        .map(|row| WaitingConversation {
            id: row.id,
            route: match (row.route_agent_id, row.route_group_id) {
                (Some(agent), _) => Route::Agent(agent),
                (None, Some(group)) => Route::Groups(vec![group]),
                (None, None) => Route::Groups(
                    groups_of_service
                        .get(&row.service_id)
                        .cloned()
                        .unwrap_or_default(),
                ),
            },
            queued_at: row.queued_at.unwrap_or(row.opened_at),
            front: row.queue_front == 1,
            declined_by: declined.remove(&row.id).unwrap_or_default(),
        })
        .collect();
    Ok(Snapshot {
        agents,
        waiting,
        queue_cut,
    })
}

/// Writes a plan made from a snapshot read in this same transaction.
#[tracing::instrument(level = "debug", skip(conn, plan))]
pub async fn assign(
    conn: &mut AnyConnection,
    plan: &[Assignment],
    now: DateTime<Utc>,
    offer_for: chrono::Duration,
) -> anyhow::Result<()> {
    for assignment in plan {
        let offered_until = assignment.offer.then(|| to_millis(now + offer_for));
        let (conversation, agent) = (assignment.conversation, assignment.agent);
        let assigned =
            conversation_status::assign_queued(conn, conversation, agent, offered_until, now)
                .await?;
        let (conversation, agent) = (conversation.0, agent.0);
        anyhow::ensure!(
            assigned,
            "conversation {} left the queue during routing",
            assignment.conversation
        );
        super::conversations::note_agent(conn, conversation, agent).await?;
        sqlx::query("UPDATE agent_states SET free_since = $1 WHERE user_id = $2")
            .bind(to_millis(now))
            .bind(agent)
            .execute(&mut *conn)
            .await
            .context("Failed to note an agent's assignment")?;
        events::conversation_changed(conn, conversation, None, now).await?;
    }
    Ok(())
}

/// An agent left (logged out, or their console stayed away past the grace period): their
/// open conversations go back to the front of the queue. Returns how many.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn take_back(
    conn: &mut AnyConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let taken = conversation_status::requeue_agents(conn, AgentId(user_id), now).await?;
    for conversation in &taken {
        events::conversation_changed(conn, conversation.0, Some(user_id), now).await?;
    }
    Ok(taken.len() as u64)
}

/// Offers not accepted in time go back to the front of the queue, remembering who let them
/// pass. Returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn expire_offers(conn: &mut AnyConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let expired: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, agent_id FROM conversations
         WHERE status = 'assigned' AND offered_until IS NOT NULL AND offered_until <= $1",
    )
    .bind(to_millis(now))
    .fetch_all(&mut *conn)
    .await
    .context("Failed to find expired offers")?;
    for (conversation, agent) in &expired {
        return_offer(conn, *conversation, *agent, now).await?;
    }
    Ok(expired.len())
}

/// The agent let the offer pass (declined, or it expired): it goes back to the queue's front.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn return_offer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !conversation_status::requeue_offer(conn, ConversationId(conversation_id), AgentId(agent_id))
        .await?
    {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO offer_declines (conversation_id, agent_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(conversation_id)
    .bind(agent_id)
    .execute(&mut *conn)
    .await
    .context("Failed to remember a declined offer")?;
    events::conversation_changed(conn, conversation_id, Some(agent_id), now).await?;
    Ok(true)
}

/// The agent accepted the offer: the conversation is theirs like any other.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn accept_offer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE conversations SET offered_until = NULL, assigned_at = $1
         WHERE id = $2 AND agent_id = $3 AND status = 'assigned' AND offered_until IS NOT NULL",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .bind(agent_id)
    .execute(&mut *conn)
    .await
    .context("Failed to accept an offer")?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    forget_declines(conn, conversation_id).await?;
    events::conversation_changed(conn, conversation_id, None, now).await?;
    Ok(true)
}

/// The agent hands the conversation over: it goes to the front of the queue, routed to the
/// group or the agent named (who takes it when they have a free position).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn transfer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    from_agent: i64,
    target: TransferTarget,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !conversation_status::requeue_transfer(
        conn,
        ConversationId(conversation_id),
        AgentId(from_agent),
        target,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    forget_declines(conn, conversation_id).await?;
    events::conversation_changed(conn, conversation_id, Some(from_agent), now).await?;
    Ok(true)
}

/// The conversation found its agent: who let its offers pass no longer matters.
async fn forget_declines(conn: &mut AnyConnection, conversation_id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM offer_declines WHERE conversation_id = $1")
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to forget declined offers")?;
    Ok(())
}
