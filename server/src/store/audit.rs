//! The audit log: who changed which admin record, when, and each field before and after.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;

/// Writes an entry, in the transaction of the change it records: `changes` is JSON
/// {field: [before, after]}.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn write(
    conn: &mut AnyConnection,
    actor: i64,
    entity: &str,
    entity_id: i64,
    action: &str,
    changes: &serde_json::Value,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, entity, entity_id, action, changes)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(to_millis(now))
    .bind(actor)
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(changes.to_string())
    .execute(conn)
    .await
    .context("Failed to write the audit log")?;
    Ok(())
}

/// One entry as the log page shows it.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: i64,
    /// Epoch ms.
    pub at: i64,
    /// The actor's display name (None if the user is gone).
    pub actor: Option<String>,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    /// JSON {field: [before, after]}.
    pub changes: String,
}

/// The newest entries before `before` (an entry id), newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(pool: &AnyPool, before: i64, limit: i64) -> anyhow::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT a.id, a.at, u.display_name AS actor, a.entity, a.entity_id, a.action, a.changes
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read the audit log")
}
