//! Queries routing needs: snapshots of agents and the queue, assignments, presence.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;
use crate::domain::routing::{AgentSnapshot, Assignment, Presence, Route, WaitingConversation};

#[derive(FromRow)]
struct AgentRow {
    user_id: i64,
    positions: i64,
    free_since: i64,
    open: i64,
}

#[derive(FromRow)]
struct WaitingRow {
    id: i64,
    service_id: i64,
    queued_at: Option<i64>,
    opened_at: i64,
    queue_front: i64,
    route_group_id: Option<i64>,
    route_agent_id: Option<i64>,
}

/// The Operating agents (with their load and groups) and the waiting conversations.
#[tracing::instrument(skip(conn))]
pub async fn snapshot(
    conn: &mut AnyConnection,
) -> anyhow::Result<(Vec<AgentSnapshot>, Vec<WaitingConversation>)> {
    let agents: Vec<AgentRow> = sqlx::query_as(
        "SELECT a.user_id, a.positions, a.free_since,
                (SELECT COUNT(*) FROM conversations c
                 WHERE c.agent_id = a.user_id AND c.status = 'assigned') AS open
         FROM agent_states a JOIN users u ON u.id = a.user_id
         WHERE a.presence = 'operating' AND u.active = 1",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the operating agents")?;
    // Nobody Operating with a free position: the queue need not be read at all.
    if agents.iter().all(|a| a.open >= a.positions) {
        return Ok((Vec::new(), Vec::new()));
    }
    let memberships: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.user_id, m.group_id FROM group_members m
         JOIN agent_groups g ON g.id = m.group_id WHERE g.active = 1",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read group members")?;
    let waiting: Vec<WaitingRow> = sqlx::query_as(
        "SELECT id, service_id, queued_at, opened_at, queue_front, route_group_id, route_agent_id
         FROM conversations WHERE status = 'queued'",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the queue")?;
    let service_groups: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT s.service_id, s.group_id FROM service_groups s
         JOIN agent_groups g ON g.id = s.group_id WHERE g.active = 1",
    )
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read the services' groups")?;

    let mut groups_of_agent: HashMap<i64, Vec<i64>> = HashMap::new();
    for (user, group) in memberships {
        groups_of_agent.entry(user).or_default().push(group);
    }
    let mut groups_of_service: HashMap<i64, Vec<i64>> = HashMap::new();
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
            declined_by: Vec::new(),
        })
        .collect();
    Ok((agents, waiting))
}

/// Writes a plan made from a snapshot read in this same transaction.
#[tracing::instrument(skip(conn, plan))]
pub async fn assign(
    conn: &mut AnyConnection,
    plan: &[Assignment],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for assignment in plan {
        let done = sqlx::query(
            "UPDATE conversations SET status = 'assigned', agent_id = $1, assigned_at = $2,
                                      queue_front = 0
             WHERE id = $3 AND status = 'queued'",
        )
        .bind(assignment.agent)
        .bind(to_millis(now))
        .bind(assignment.conversation)
        .execute(&mut *conn)
        .await
        .context("Failed to assign a conversation")?;
        anyhow::ensure!(
            done.rows_affected() == 1,
            "conversation {} left the queue during routing",
            assignment.conversation
        );
        sqlx::query("UPDATE agent_states SET free_since = $1 WHERE user_id = $2")
            .bind(to_millis(now))
            .bind(assignment.agent)
            .execute(&mut *conn)
            .await
            .context("Failed to note an agent's assignment")?;
    }
    Ok(())
}

/// Sets an agent's presence (creating their routing state with the defaults if needed).
#[tracing::instrument(skip(pool))]
pub async fn set_presence(
    pool: &AnyPool,
    user_id: i64,
    presence: Presence,
    pause_reason: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let presence = match presence {
        Presence::Offline => "offline",
        Presence::Operating => "operating",
        Presence::Paused => "paused",
    };
    sqlx::query(
        "INSERT INTO agent_states (user_id, presence, pause_reason, free_since, last_seen_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (user_id) DO UPDATE SET presence = excluded.presence,
             pause_reason = excluded.pause_reason, last_seen_at = excluded.last_seen_at",
    )
    .bind(user_id)
    .bind(presence)
    .bind(pause_reason)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to set an agent's presence")?;
    Ok(())
}

/// An agent left (logged out, or their console stayed away past the grace period): their
/// open conversations go back to the front of the queue. Returns how many.
#[tracing::instrument(skip(conn))]
pub async fn take_back(
    conn: &mut AnyConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL,
                                  queue_front = 1, queued_at = $1
         WHERE agent_id = $2 AND status = 'assigned'",
    )
    .bind(to_millis(now))
    .bind(user_id)
    .execute(conn)
    .await
    .context("Failed to take conversations back")?;
    Ok(done.rows_affected())
}

/// Agents who are not Offline, with when their console was last heard from.
pub async fn present_agents(conn: &mut AnyConnection) -> anyhow::Result<Vec<(i64, String, i64)>> {
    sqlx::query_as(
        "SELECT user_id, presence, last_seen_at FROM agent_states WHERE presence <> 'offline'",
    )
    .fetch_all(conn)
    .await
    .context("Failed to list present agents")
}

/// The agent's console is connected now.
pub async fn touch(pool: &AnyPool, user_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query("UPDATE agent_states SET last_seen_at = $1 WHERE user_id = $2")
        .bind(to_millis(now))
        .bind(user_id)
        .execute(pool)
        .await
        .context("Failed to note an agent's console")?;
    Ok(())
}

/// Marks the agent Offline (inside a routing pass).
pub async fn mark_offline(conn: &mut AnyConnection, user_id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE agent_states SET presence = 'offline', pause_reason = NULL WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(conn)
    .await
    .context("Failed to mark an agent offline")?;
    Ok(())
}
