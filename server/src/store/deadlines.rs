//! Queries on `deadlines`: a conversation's pending timeouts. Arming writes the due time
//! (again pending if it had fired); firing is a claim, `fired_at` set only where it is still
//! null, so of several instances exactly one does each deadline's work, in the claim's
//! transaction.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool};

use super::{from_millis, to_millis};
use crate::domain::timeouts::Deadline;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn arm(
    conn: &mut AnyConnection,
    conversation_id: i64,
    kind: Deadline,
    due_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO deadlines (conversation_id, kind, due_at) VALUES ($1, $2, $3)
         ON CONFLICT (conversation_id, kind)
         DO UPDATE SET due_at = excluded.due_at, fired_at = NULL",
    )
    .bind(conversation_id)
    .bind(kind.as_str())
    .bind(to_millis(due_at))
    .execute(conn)
    .await
    .context("Failed to arm a deadline")?;
    Ok(())
}

/// Ends pending deadlines of these kinds (what they waited for happened).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn disarm(
    conn: &mut AnyConnection,
    conversation_id: i64,
    kinds: &[Deadline],
) -> anyhow::Result<()> {
    for kind in kinds {
        sqlx::query(
            "DELETE FROM deadlines WHERE conversation_id = $1 AND kind = $2 AND fired_at IS NULL",
        )
        .bind(conversation_id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await
        .context("Failed to end a deadline")?;
    }
    Ok(())
}

/// The conversation closed: only its survey (if any) still waits.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn closed(conn: &mut AnyConnection, conversation_id: i64) -> anyhow::Result<()> {
    let over = [
        Deadline::QueueWait,
        Deadline::FirstResponse,
        Deadline::InactivityWarning,
        Deadline::InactivityClose,
    ];
    disarm(conn, conversation_id, &over).await
}

/// A deadline come due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub conversation_id: i64,
    pub kind: Deadline,
    pub due_at: DateTime<Utc>,
}

/// Pending deadlines due at `now`, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn due(pool: &AnyPool, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<Due>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT conversation_id, kind, due_at FROM deadlines
         WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2",
    )
    .bind(to_millis(now))
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read due deadlines")?;
    Ok(rows
        .into_iter()
        .filter_map(|(conversation_id, kind, due_at)| {
            Some(Due {
                conversation_id,
                kind: Deadline::parse(&kind)?,
                due_at: from_millis(due_at),
            })
        })
        .collect())
}

/// Takes a due deadline for this transaction: false if another instance did, or it was
/// moved or ended meanwhile.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(
    conn: &mut AnyConnection,
    due: &Due,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "UPDATE deadlines SET fired_at = $1
         WHERE conversation_id = $2 AND kind = $3 AND due_at = $4 AND fired_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(due.conversation_id)
    .bind(due.kind.as_str())
    .bind(to_millis(due.due_at))
    .execute(conn)
    .await
    .context("Failed to claim a deadline")?;
    Ok(claimed.rows_affected() == 1)
}

/// Retries a deadline whose work failed a little later, so it does not hold up the others.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn postpone(pool: &AnyPool, due: &Due, until: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE deadlines SET due_at = $1
         WHERE conversation_id = $2 AND kind = $3 AND due_at = $4 AND fired_at IS NULL",
    )
    .bind(to_millis(until))
    .bind(due.conversation_id)
    .bind(due.kind.as_str())
    .bind(to_millis(due.due_at))
    .execute(pool)
    .await
    .context("Failed to postpone a deadline")?;
    Ok(())
}
