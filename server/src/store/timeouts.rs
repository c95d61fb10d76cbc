//! What the timeouts do to conversations, each a conditional UPDATE: it only happens if the
//! conversation is still where the deadline expected it.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};

use super::to_millis;
use crate::domain::conversation::ConversationStatus;

/// A conversation's status and service.
#[derive(Debug, Clone, FromRow)]
pub struct ConversationState {
    pub status: ConversationStatus,
    pub service_id: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn state(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<ConversationState> {
    sqlx::query_as("SELECT status, service_id FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(conn)
        .await
        .context("Failed to read a conversation's state")
}

/// The service policy document of the conversation's service.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn policy_of(conn: &mut AnyConnection, conversation_id: i64) -> anyhow::Result<String> {
    sqlx::query_scalar(
        "SELECT s.policy FROM conversations c JOIN services s ON s.id = c.service_id
         WHERE c.id = $1",
    )
    .bind(conversation_id)
    .fetch_one(conn)
    .await
    .context("Failed to read a conversation's service policy")
}

/// Still queued for the service's groups: now for the overflow group's agents. False if it
/// was assigned meanwhile, or routed to someone in particular (a transfer).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn overflow(
    conn: &mut AnyConnection,
    conversation_id: i64,
    group_id: i64,
) -> anyhow::Result<bool> {
    let moved = sqlx::query(
        "UPDATE conversations SET route_group_id = $1
         WHERE id = $2 AND status = 'queued' AND route_agent_id IS NULL",
    )
    .bind(group_id)
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to overflow a conversation")?;
    Ok(moved.rows_affected() == 1)
}

/// Marks the agent late with a first answer, unless they have written since the assignment;
/// returns the agent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_overdue(
    conn: &mut AnyConnection,
    conversation_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE conversations SET first_response_overdue_at = $1
         WHERE id = $2 AND status = 'assigned' AND offered_until IS NULL
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
                           AND m.author = 'agent' AND m.created_at >= conversations.assigned_at)
         RETURNING agent_id",
    )
    .bind(to_millis(now))
    .bind(conversation_id)
    .fetch_optional(conn)
    .await
    .context("Failed to mark a late first response")
}

/// The agent answered: no longer late.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn clear_overdue(conn: &mut AnyConnection, conversation_id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE conversations SET first_response_overdue_at = NULL
         WHERE id = $1 AND first_response_overdue_at IS NOT NULL",
    )
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to clear a late first response")?;
    Ok(())
}
