//! The consoles' live feed (`console_events`): recorded inside the transaction that makes the
//! change, numbered per conversation. Bumping `conversations.event_seq` locks the
//! conversation's row until commit, so one conversation's events commit in the order of their
//! numbers (and of their ids), on both backends and across instances.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;

/// One recorded event, as the hub and a resuming console read it.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub agent_id: Option<i64>,
    pub kind: String,
    pub message_id: Option<i64>,
}

const COLUMNS: &str = "id, conversation_id, seq, agent_id, kind, message_id";

/// A message was added or changed (status, media): its conversation's console shows it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn message_changed(
    conn: &mut AnyConnection,
    message_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (conversation, seq, agent): (i64, i64, Option<i64>) = sqlx::query_as(
        "UPDATE conversations SET event_seq = event_seq + 1
         WHERE id = (SELECT conversation_id FROM messages WHERE id = $1)
         RETURNING id, event_seq, agent_id",
    )
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await
    .context("Failed to number a message event")?;
    insert(
        conn,
        conversation,
        seq,
        agent,
        "message",
        Some(message_id),
        now,
    )
    .await
}

/// The conversation came to a console, left it or changed how it shows (tiles reload).
/// `console` is the agent to tell; `None` tells the conversation's agent now.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn conversation_changed(
    conn: &mut AnyConnection,
    conversation_id: i64,
    console: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (seq, agent): (i64, Option<i64>) = sqlx::query_as(
        "UPDATE conversations SET event_seq = event_seq + 1 WHERE id = $1
         RETURNING event_seq, agent_id",
    )
    .bind(conversation_id)
    .fetch_one(&mut *conn)
    .await
    .context("Failed to number a conversation event")?;
    let agent = console.or(agent);
    insert(conn, conversation_id, seq, agent, "conversation", None, now).await
}

/// A customer's name or picture arrived: the consoles showing them redraw their tiles.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn contact_changed(
    conn: &mut AnyConnection,
    contact_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let shown: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations
         WHERE contact_id = $1 AND status = 'assigned' AND agent_id IS NOT NULL",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await
    .context("Failed to find a contact's consoles")?;
    for conversation in shown {
        conversation_changed(conn, conversation, None, now).await?;
    }
    Ok(())
}

async fn insert(
    conn: &mut AnyConnection,
    conversation_id: i64,
    seq: i64,
    agent: Option<i64>,
    kind: &str,
    message_id: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO console_events (conversation_id, seq, agent_id, kind, message_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(conversation_id)
    .bind(seq)
    .bind(agent)
    .bind(kind)
    .bind(message_id)
    .bind(to_millis(now))
    .execute(conn)
    .await
    .context("Failed to record a console event")?;
    Ok(())
}

/// The newest event id (where a starting hub begins).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn newest_id(pool: &AnyPool) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM console_events")
        .fetch_one(pool)
        .await
        .context("Failed to read the newest console event")
}

/// Events after `after`, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn after(pool: &AnyPool, after: i64, limit: i64) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM console_events WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read console events")
}

/// The events with these ids that are committed now (ids skipped by an earlier read).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn with_ids(pool: &AnyPool, ids: &[i64]) -> anyhow::Result<Vec<EventRow>> {
    let sql = format!("SELECT {COLUMNS} FROM console_events WHERE id IN ({{ids}}) ORDER BY id");
    super::fetch_with_ids(pool, &sql, ids)
        .await
        .context("Failed to read console events by id")
}

/// A conversation's events after `seq` (a console resuming), if it is still `agent`'s.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn resume(
    pool: &AnyPool,
    agent: i64,
    conversation_id: i64,
    seq: i64,
    limit: i64,
) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM console_events
         WHERE conversation_id = $1 AND seq > $2 AND agent_id = $3 ORDER BY seq LIMIT $4"
    ))
    .bind(conversation_id)
    .bind(seq)
    .bind(agent)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read a conversation's events")
}

/// Forgets events older than `before` (a console away that long reloads instead).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(pool: &AnyPool, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM console_events WHERE created_at < $1")
        .bind(to_millis(before))
        .execute(pool)
        .await
        .context("Failed to prune console events")?;
    Ok(done.rows_affected())
}

/// Wakes the hubs of the other instances (PostgreSQL's NOTIFY on `channel`; they LISTEN).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn notify_instances(pool: &AnyPool, channel: &str) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(channel)
        .execute(pool)
        .await
        .context("Failed to wake the other instances")?;
    Ok(())
}
