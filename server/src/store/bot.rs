//! Queries on a conversation's bot columns (`bot_state`, `bot_answer`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::to_millis;

/// The bot's state of the conversation (JSON), if the bot still has it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn state(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT bot_state FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(conn)
        .await
        .context("Failed to read the bot's state")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_state(
    conn: &mut AnyConnection,
    conversation_id: i64,
    state_json: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET bot_state = $1 WHERE id = $2")
        .bind(state_json)
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to keep the bot's state")?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_answer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    answer: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET bot_answer = $1 WHERE id = $2")
        .bind(answer)
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to keep the customer's answer")?;
    Ok(())
}

/// The bot lets go: the conversation joins the queue now, for `group_id` if named.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn hand_over(
    conn: &mut AnyConnection,
    conversation_id: i64,
    group_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE conversations SET bot_state = NULL, queued_at = $1,
                                  route_group_id = COALESCE($2, route_group_id)
         WHERE id = $3",
    )
    .bind(to_millis(now))
    .bind(group_id)
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to hand a conversation over")?;
    Ok(())
}
