//! Agents as routing and the console see them (`agent_states` beside `users`): presence and
//! its heartbeat, positions and answer mode, and the load of each.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;
use crate::domain::routing::{AnswerMode, Presence};

#[derive(Debug, Clone, FromRow)]
pub struct AgentStateRow {
    pub presence: Presence,
    pub pause_reason: Option<String>,
    pub positions: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn agent_state(pool: &AnyPool, agent_id: i64) -> anyhow::Result<Option<AgentStateRow>> {
    sqlx::query_as("SELECT presence, pause_reason, positions FROM agent_states WHERE user_id = $1")
        .bind(agent_id)
        .fetch_optional(pool)
        .await
        .context("Failed to read an agent's state")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn open_count(pool: &AnyPool, agent_id: i64) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE agent_id = $1 AND status = 'assigned'",
    )
    .bind(agent_id)
    .fetch_one(pool)
    .await
    .context("Failed to count an agent's conversations")
}

/// An agent's positions held by wrap-up time now.
#[derive(Debug, Clone, FromRow)]
pub struct WrapUps {
    pub positions: i64,
    /// When the last of them frees (epoch ms).
    pub last_until: Option<i64>,
}

/// Positions held by wrap-up time now, and when the last of them frees.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn wrap_ups(
    pool: &AnyPool,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<WrapUps> {
    sqlx::query_as(
        "SELECT COUNT(*) AS positions, MAX(wrap_up_until) AS last_until FROM conversations
         WHERE agent_id = $1 AND status = 'closed' AND wrap_up_until > $2",
    )
    .bind(agent_id)
    .bind(to_millis(now))
    .fetch_one(pool)
    .await
    .context("Failed to read an agent's wrap-ups")
}

/// One active agent's state and load.
#[derive(Debug, Clone, FromRow)]
pub struct AgentLoadRow {
    pub id: i64,
    pub display_name: String,
    pub presence: Option<Presence>,
    pub pause_reason: Option<String>,
    pub open: i64,
    pub overdue: i64,
    pub positions: Option<i64>,
}

/// Every active agent's state and load, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn agent_loads(pool: &AnyPool) -> anyhow::Result<Vec<AgentLoadRow>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name, a.presence, a.pause_reason,
                (SELECT COUNT(*) FROM conversations c
                 WHERE c.agent_id = u.id AND c.status = 'assigned') AS open,
                (SELECT COUNT(*) FROM conversations c
                 WHERE c.agent_id = u.id AND c.status = 'assigned'
                   AND c.first_response_overdue_at IS NOT NULL) AS overdue,
                a.positions
         FROM users u LEFT JOIN agent_states a ON a.user_id = u.id
         WHERE u.role = 'agent' AND u.active = 1 ORDER BY u.display_name",
    )
    .fetch_all(pool)
    .await
    .context("Failed to read the agents' loads")
}

/// Whether this is an active agent's id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn is_active_agent(pool: &AnyPool, user_id: i64) -> anyhow::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND role = 'agent' AND active = 1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .context("Failed to look up an agent")?;
    Ok(found.is_some())
}

/// Sets an agent's presence (creating their routing state with the defaults if needed).
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn set_presence(
    pool: &AnyPool,
    user_id: i64,
    presence: Presence,
    pause_reason: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
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

/// An agent who is not Offline, with when their console was last heard from.
#[derive(Debug, Clone, FromRow)]
pub struct PresentAgent {
    pub user_id: i64,
    pub presence: Presence,
    pub last_seen_at: i64,
}

/// Agents who are not Offline.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn present_agents(conn: &mut AnyConnection) -> anyhow::Result<Vec<PresentAgent>> {
    sqlx::query_as(
        "SELECT user_id, presence, last_seen_at FROM agent_states WHERE presence <> 'offline'",
    )
    .fetch_all(conn)
    .await
    .context("Failed to list present agents")
}

/// These agents' consoles are connected now (one statement for all of an instance's).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn touch(pool: &AnyPool, user_ids: &[i64], now: DateTime<Utc>) -> anyhow::Result<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let list = (2..user_ids.len() + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("UPDATE agent_states SET last_seen_at = $1 WHERE user_id IN ({list})");
    let mut query = sqlx::query(&sql).bind(to_millis(now));
    for id in user_ids {
        query = query.bind(*id);
    }
    query
        .execute(pool)
        .await
        .context("Failed to note agents' consoles")?;
    Ok(())
}

/// Marks the agent Offline (inside a routing pass).
#[tracing::instrument(level = "debug", skip_all)]
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

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_agent_settings(
    conn: &mut AnyConnection,
    id: i64,
    positions: u8,
    answer_mode: AnswerMode,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO agent_states (user_id, positions, answer_mode) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET positions = excluded.positions,
                                             answer_mode = excluded.answer_mode",
    )
    .bind(id)
    .bind(i64::from(positions))
    .bind(answer_mode)
    .execute(conn)
    .await
    .context("Failed to set an agent's settings")?;
    Ok(())
}

/// An agent's routing settings as stored.
#[derive(Debug, Clone, FromRow)]
pub struct AgentSettingsRow {
    pub positions: i64,
    pub answer_mode: AnswerMode,
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn agent_settings(
    pool: &AnyPool,
    user_id: i64,
) -> anyhow::Result<Option<AgentSettingsRow>> {
    sqlx::query_as("SELECT positions, answer_mode FROM agent_states WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
        .context("Failed to read an agent's settings")
}
