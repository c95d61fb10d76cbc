//! The agents' out-of-hours folder: conversations that came in while their service was
//! closed, for the services the agent serves, and resuming one (assigning it to the agent).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{events, to_millis};
use crate::domain::ids::{AgentId, ConversationId};

#[derive(Debug, Clone, FromRow)]
pub struct OutOfHoursRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub external_id: String,
    pub service_id: i64,
    pub service_name: String,
    pub channel: String,
    pub opened_at: i64,
    pub last_customer_message_at: Option<i64>,
    pub last_text: Option<String>,
}

/// Out-of-hours conversations of the services the agent's active groups serve, newest first;
/// optionally one service's, opened within [from, to).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    pool: &AnyPool,
    agent_id: i64,
    service_id: Option<i64>,
    opened: Option<(DateTime<Utc>, DateTime<Utc>)>,
    limit: i64,
) -> anyhow::Result<Vec<OutOfHoursRow>> {
    let (from, to) = opened.map_or((0, i64::MAX), |(from, to)| (to_millis(from), to_millis(to)));
    sqlx::query_as(
        "SELECT c.id, k.first_name, k.last_name, k.external_id, c.service_id,
                s.name AS service_name, s.channel, c.opened_at, c.last_customer_message_at,
                (SELECT m.text FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
                 ORDER BY m.id DESC LIMIT 1) AS last_text
         FROM conversations c
         JOIN contacts k ON k.id = c.contact_id
         JOIN services s ON s.id = c.service_id
         WHERE c.status = 'out_of_hours' AND c.opened_at >= $1 AND c.opened_at < $2
           AND ($3 = 0 OR c.service_id = $3)
           AND c.service_id IN (SELECT l.service_id FROM service_groups l
                                JOIN group_members g ON g.group_id = l.group_id
                                JOIN agent_groups a ON a.id = l.group_id AND a.active = 1
                                WHERE g.user_id = $4)
         ORDER BY c.opened_at DESC, c.id DESC LIMIT $5",
    )
    .bind(from)
    .bind(to)
    .bind(service_id.unwrap_or(0))
    .bind(agent_id)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to list out-of-hours conversations")
}

/// An out-of-hours conversation as an agent who would resume it sees it.
#[derive(Debug, Clone, FromRow)]
pub struct Resumable {
    /// How many of the agent's active groups serve the conversation's service.
    pub serving_groups: i64,
    /// Epoch ms.
    pub last_customer_message_at: Option<i64>,
}

/// The conversation if it waits out of hours, with whether the agent serves its service.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn resumable(
    conn: &mut AnyConnection,
    agent_id: i64,
    conversation_id: i64,
) -> anyhow::Result<Option<Resumable>> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM service_groups l
                 JOIN group_members g ON g.group_id = l.group_id
                 JOIN agent_groups a ON a.id = l.group_id AND a.active = 1
                 WHERE l.service_id = c.service_id AND g.user_id = $1) AS serving_groups,
                c.last_customer_message_at
         FROM conversations c WHERE c.id = $2 AND c.status = 'out_of_hours'",
    )
    .bind(agent_id)
    .bind(conversation_id)
    .fetch_optional(conn)
    .await
    .context("Failed to check an out-of-hours conversation")
}

/// An agent's positions: how many are taken (chats and wrap-ups) and how many they have.
#[derive(Debug, Clone, FromRow)]
pub struct PositionsTaken {
    pub taken: i64,
    /// 8 if the agent has no routing state yet.
    pub positions: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn positions_taken(
    conn: &mut AnyConnection,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<PositionsTaken> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM conversations WHERE agent_id = $1
                 AND (status = 'assigned' OR (status = 'closed' AND wrap_up_until > $2)))
                AS taken,
                COALESCE((SELECT positions FROM agent_states WHERE user_id = $1), 8) AS positions",
    )
    .bind(agent_id)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to read an agent's load")
}

/// Assigns the out-of-hours conversation to the agent; false if it is no longer out of hours.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn assign(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !super::conversation_status::assign_out_of_hours(
        conn,
        ConversationId(conversation_id),
        AgentId(agent_id),
        now,
    )
    .await?
    {
        return Ok(false);
    }
    super::conversations::note_agent(conn, conversation_id, agent_id).await?;
    events::conversation_changed(conn, conversation_id, None, now).await?;
    Ok(true)
}
