//! Queries on `contacts` and `conversations`, run inside the ingest transaction.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};

use super::to_millis;
use crate::domain::conversation::ConversationStatus;

/// The contact with this page-scoped ID in this service, created on first sight.
#[tracing::instrument(level = "debug", skip(conn))]
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

#[tracing::instrument(level = "debug", skip(conn))]
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

/// A contact's conversation that is not closed.
#[derive(Debug, Clone, FromRow)]
pub struct OpenConversation {
    pub id: i64,
    pub status: ConversationStatus,
    /// 1 while the service's bot is talking with the customer.
    pub with_bot: i64,
}

/// The contact's conversation that is not closed, if any.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn find_open(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> anyhow::Result<Option<OpenConversation>> {
    sqlx::query_as(
        "SELECT id, status, CASE WHEN bot_state IS NULL THEN 0 ELSE 1 END AS with_bot
         FROM conversations WHERE contact_id = $1 AND status <> 'closed' ORDER BY id DESC LIMIT 1",
    )
    .bind(contact_id)
    .fetch_optional(conn)
    .await
    .context("Failed to look up an open conversation")
}

/// Records that a message was added; a customer's message also restarts Meta's window.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn touch(
    conn: &mut AnyConnection,
    conversation_id: i64,
    at: DateTime<Utc>,
    from_customer: bool,
) -> anyhow::Result<()> {
    let sql = if from_customer {
        "UPDATE conversations SET
             last_message_at = CASE WHEN last_message_at < $1 THEN $1 ELSE last_message_at END,
             last_customer_message_at = CASE WHEN last_customer_message_at IS NULL
                 OR last_customer_message_at < $1 THEN $1 ELSE last_customer_message_at END
         WHERE id = $2"
    } else {
        "UPDATE conversations SET last_message_at = CASE WHEN last_message_at < $1 THEN $1
             ELSE last_message_at END WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(to_millis(at))
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to update a conversation")?;
    Ok(())
}

/// What an automated message needs to know of its conversation.
#[derive(Debug, Clone)]
pub struct NoticeFacts {
    /// Epoch ms.
    pub opened_at: i64,
    pub last_customer_message_at: Option<DateTime<Utc>>,
    /// The customer's language as Meta gave it ("en_US"), if it did.
    pub locale: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn notice_facts(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<NoticeFacts> {
    let (opened_at, last, locale): (i64, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT c.opened_at, c.last_customer_message_at, k.locale
         FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1",
    )
    .bind(conversation_id)
    .fetch_one(conn)
    .await
    .context("Failed to read a conversation for a notice")?;
    Ok(NoticeFacts {
        opened_at,
        last_customer_message_at: last.map(super::from_millis),
        locale,
    })
}

/// The customer's language as Meta gave it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_locale(
    pool: &sqlx::AnyPool,
    contact_id: i64,
    locale: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(contact_id)
        .execute(pool)
        .await
        .context("Failed to keep a customer's language")?;
    Ok(())
}

/// A contact whose name is still to be fetched.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingProfile {
    pub contact_id: i64,
    pub external_id: String,
    pub attempts: i64,
    pub integration_url: String,
    pub access_token_sealed: Option<String>,
    pub channel: String,
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn pending_profiles(
    pool: &sqlx::AnyPool,
    now: DateTime<Utc>,
    limit: i64,
) -> anyhow::Result<Vec<PendingProfile>> {
    sqlx::query_as(
        "SELECT k.id AS contact_id, k.external_id, k.profile_attempts AS attempts, s.integration_url,
                s.access_token_sealed, s.channel
         FROM contacts k JOIN services s ON s.id = k.service_id
         WHERE k.profile_status = 'pending' AND k.next_profile_attempt_at <= $1
         ORDER BY k.id LIMIT $2",
    )
    .bind(to_millis(now))
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to list contacts without a profile")
}

/// The profile Meta gave; `picture_media` is the local copy of the picture (being downloaded).
#[tracing::instrument(level = "debug", skip(pool, first_name, last_name, picture))]
pub async fn save_profile(
    pool: &sqlx::AnyPool,
    contact_id: i64,
    first_name: Option<&str>,
    last_name: Option<&str>,
    picture: Option<&str>,
    picture_media: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE contacts SET first_name = $1, last_name = $2, profile_pic_url = $3, profile_status = 'fetched',
                             picture_media_id = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(first_name)
    .bind(last_name)
    .bind(picture)
    .bind(picture_media)
    .bind(to_millis(now))
    .bind(contact_id)
    .execute(&mut *tx)
    .await
    .context("Failed to save a contact's profile")?;
    super::events::contact_changed(&mut tx, contact_id, now).await?;
    tx.commit().await.context("Failed to commit a profile")
}

/// Meta will not give this profile: the console keeps the fallback name.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn profile_unavailable(
    pool: &sqlx::AnyPool,
    contact_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE contacts SET profile_status = 'unavailable', updated_at = $1 WHERE id = $2",
    )
    .bind(to_millis(now))
    .bind(contact_id)
    .execute(pool)
    .await
    .context("Failed to mark a profile unavailable")?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip(pool))]
/// Tries the profile again at `at`; `counted` attempts bring the give-up closer (a missing
/// token is not the profile's fault and does not count).
pub async fn retry_profile_at(
    pool: &sqlx::AnyPool,
    contact_id: i64,
    at: DateTime<Utc>,
    counted: bool,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET profile_attempts = profile_attempts + $1, next_profile_attempt_at = $2 WHERE id = $3")
        .bind(i64::from(counted))
        .bind(to_millis(at))
        .bind(contact_id)
        .execute(pool)
        .await
        .context("Failed to schedule a profile retry")?;
    Ok(())
}

/// Remembers that `agent_id` had the conversation (assigned, offered or resumed), in the
/// transaction of that assignment: attachments stay visible to its agents past and present.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn note_agent(
    conn: &mut sqlx::AnyConnection,
    conversation_id: i64,
    agent_id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO conversation_agents (conversation_id, agent_id) VALUES ($1, $2)
         ON CONFLICT (conversation_id, agent_id) DO NOTHING",
    )
    .bind(conversation_id)
    .bind(agent_id)
    .execute(conn)
    .await
    .context("Failed to note a conversation's agent")?;
    Ok(())
}

/// The service a conversation belongs to.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn service_of(conn: &mut AnyConnection, conversation_id: i64) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT service_id FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(conn)
        .await
        .context("Failed to read a conversation's service")
}
