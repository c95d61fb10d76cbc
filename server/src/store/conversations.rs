//! Queries on `contacts` and `conversations`, run inside the ingest transaction.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::to_millis;

/// The contact with this page-scoped ID in this service, created on first sight.
#[tracing::instrument(skip(conn))]
pub async fn upsert_contact(
    conn: &mut AnyConnection,
    service_id: i64,
    external_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO contacts (service_id, external_id, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (service_id, external_id) DO UPDATE SET updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(service_id)
    .bind(external_id)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to store a contact")
}

#[tracing::instrument(skip(conn))]
pub async fn find_contact(
    conn: &mut AnyConnection,
    service_id: i64,
    external_id: &str,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM contacts WHERE service_id = $1 AND external_id = $2")
        .bind(service_id)
        .bind(external_id)
        .fetch_optional(conn)
        .await
        .context("Failed to look up a contact")
}

/// The contact's conversation that is not closed, if any.
#[tracing::instrument(skip(conn))]
pub async fn find_open(conn: &mut AnyConnection, contact_id: i64) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM conversations WHERE contact_id = $1 AND status <> 'closed' ORDER BY id DESC LIMIT 1",
    )
    .bind(contact_id)
    .fetch_optional(conn)
    .await
    .context("Failed to look up an open conversation")
}

/// Opens a conversation, queued for routing.
#[tracing::instrument(skip(conn))]
pub async fn open(
    conn: &mut AnyConnection,
    service_id: i64,
    contact_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO conversations (service_id, contact_id, status, opened_at, last_message_at)
         VALUES ($1, $2, 'queued', $3, $3) RETURNING id",
    )
    .bind(service_id)
    .bind(contact_id)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to open a conversation")
}

/// Records that a message was added; a customer's message also restarts Meta's window.
#[tracing::instrument(skip(conn))]
pub async fn touch(
    conn: &mut AnyConnection,
    conversation_id: i64,
    at: DateTime<Utc>,
    from_customer: bool,
) -> anyhow::Result<()> {
    let sql = if from_customer {
        "UPDATE conversations SET last_message_at = $1,
             last_customer_message_at = CASE WHEN last_customer_message_at IS NULL
                 OR last_customer_message_at < $1 THEN $1 ELSE last_customer_message_at END
         WHERE id = $2"
    } else {
        "UPDATE conversations SET last_message_at = $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(to_millis(at))
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to update a conversation")?;
    Ok(())
}
