//! Queries on `media`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Inbound,
    Outbound,
    Profile,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Inbound => "inbound",
            Origin::Outbound => "outbound",
            Origin::Profile => "profile",
        }
    }
}

/// A file to download from `source_url`; returns the media id.
#[tracing::instrument(level = "debug", skip(conn, source_url))]
pub async fn enqueue_download(
    conn: &mut AnyConnection,
    origin: Origin,
    message_id: Option<i64>,
    source_url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO media (origin, message_id, source_url, status, created_at)
         VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
    )
    .bind(origin.as_str())
    .bind(message_id)
    .bind(source_url)
    .bind(to_millis(now))
    .fetch_one(conn)
    .await
    .context("Failed to queue a media download")
}

/// An agent's upload, already in the storage; returns the media id.
pub struct StoredFile<'a> {
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub storage_key: &'a str,
}

#[tracing::instrument(level = "debug", skip(pool, file, public_token))]
pub async fn insert_upload(
    pool: &AnyPool,
    file: &StoredFile<'_>,
    public_token: &str,
    uploaded_by: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO media (origin, status, content_type, size_bytes, storage_key, public_token,
                            uploaded_by, created_at)
         VALUES ('outbound', 'stored', $1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(file.content_type)
    .bind(file.size_bytes)
    .bind(file.storage_key)
    .bind(public_token)
    .bind(uploaded_by)
    .bind(to_millis(now))
    .fetch_one(pool)
    .await
    .context("Failed to record an upload")
}

#[derive(Debug, Clone, FromRow)]
pub struct DueDownload {
    pub id: i64,
    pub source_url: String,
    pub attempts: i64,
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn due_downloads(
    pool: &AnyPool,
    now: DateTime<Utc>,
    limit: i64,
) -> anyhow::Result<Vec<DueDownload>> {
    sqlx::query_as(
        "SELECT id, source_url, attempts FROM media
         WHERE status = 'pending' AND source_url IS NOT NULL AND next_attempt_at <= $1
         ORDER BY id LIMIT $2",
    )
    .bind(to_millis(now))
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to list due downloads")
}

/// Takes a download for this instance until `lease_until`; false if another took it.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn claim(
    pool: &AnyPool,
    id: i64,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE media SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
    )
    .bind(to_millis(lease_until))
    .bind(id)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to claim a download")?;
    Ok(done.rows_affected() == 1)
}

/// The file is here: the message (or the contact) it belongs to shows it at once.
#[tracing::instrument(level = "debug", skip(pool, file))]
pub async fn mark_stored(pool: &AnyPool, id: i64, file: &StoredFile<'_>) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let message: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE media SET status = 'stored', content_type = $1, size_bytes = $2, storage_key = $3,
                          failure = NULL WHERE id = $4 RETURNING message_id",
    )
    .bind(file.content_type)
    .bind(file.size_bytes)
    .bind(file.storage_key)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("Failed to record a downloaded file")?;
    let now = chrono::Utc::now();
    match message.flatten() {
        Some(message) => super::events::message_changed(&mut tx, message, now).await?,
        None => {
            let contacts: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM contacts WHERE picture_media_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await
                    .context("Failed to find whose picture a file is")?;
            for contact in contacts {
                super::events::contact_changed(&mut tx, contact, now).await?;
            }
        }
    }
    tx.commit()
        .await
        .context("Failed to commit a downloaded file")
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn retry_later(
    pool: &AnyPool,
    id: i64,
    next: DateTime<Utc>,
    detail: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE media SET attempts = attempts + 1, next_attempt_at = $1, failure = $2 WHERE id = $3",
    )
    .bind(to_millis(next))
    .bind(detail)
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to schedule a download retry")?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn mark_failed(pool: &AnyPool, id: i64, detail: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE media SET status = 'failed', failure = $1 WHERE id = $2")
        .bind(detail)
        .bind(id)
        .execute(pool)
        .await
        .context("Failed to record a failed download")?;
    Ok(())
}

/// A file that can be served.
#[derive(Debug, Clone, FromRow)]
pub struct Served {
    pub status: String,
    pub content_type: Option<String>,
    pub storage_key: Option<String>,
}

/// Whether user `$2` with role `$3` may see conversation `c`.
const MAY_SEE: &str = "(c.agent_id = $2
                    OR EXISTS (SELECT 1 FROM conversation_agents ca
                                WHERE ca.conversation_id = c.id AND ca.agent_id = $2)
                    OR EXISTS (SELECT 1 FROM service_groups sg
                               JOIN group_members gm ON gm.group_id = sg.group_id
                               WHERE sg.service_id = c.service_id AND gm.user_id = $2
                                 AND ($3 = 'supervisor' OR c.status = 'out_of_hours')))";

/// Who asks for an attachment.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub user_id: i64,
    /// `admin`, `supervisor` or `agent`.
    pub role: &'a str,
}

/// The attachment, if `viewer` may see it: admins always; an upload not yet sent, its
/// uploader; a message's attachment, the conversation's agents past and present (and agents
/// of its service while it waits out of hours, which they may resume) and the supervisors of
/// its service; a profile picture, whoever may see one of that contact's conversations.
/// Anyone else gets nothing, exactly as for an attachment that does not exist.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn visible_to(
    pool: &AnyPool,
    id: i64,
    viewer: Viewer<'_>,
) -> anyhow::Result<Option<Served>> {
    let sql = format!(
        "SELECT m.status, m.content_type, m.storage_key FROM media m
         WHERE m.id = $1 AND (
             $3 = 'admin'
             OR (m.message_id IS NULL AND m.origin = 'outbound' AND m.uploaded_by = $2)
             OR EXISTS (SELECT 1 FROM messages msg
                        JOIN conversations c ON c.id = msg.conversation_id
                        WHERE msg.id = m.message_id AND {MAY_SEE})
             OR EXISTS (SELECT 1 FROM contacts ct
                        JOIN conversations c ON c.contact_id = ct.id
                        WHERE ct.picture_media_id = m.id AND {MAY_SEE})
         )"
    );
    sqlx::query_as(&sql)
        .bind(id)
        .bind(viewer.user_id)
        .bind(viewer.role)
        .fetch_optional(pool)
        .await
        .context("Failed to read a media record")
}

/// Only agents' uploads have a public token: nothing a customer sent is public.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn by_public_token(pool: &AnyPool, token: &str) -> anyhow::Result<Option<Served>> {
    sqlx::query_as(
        "SELECT status, content_type, storage_key FROM media
         WHERE public_token = $1 AND origin = 'outbound'",
    )
    .bind(token)
    .fetch_optional(pool)
    .await
    .context("Failed to read a media record")
}

/// What the sender needs to attach an upload to a message.
#[derive(Debug, Clone, FromRow)]
pub struct Outgoing {
    pub content_type: String,
    pub public_token: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn outgoing(pool: &AnyPool, id: i64) -> anyhow::Result<Option<Outgoing>> {
    sqlx::query_as(
        "SELECT content_type, public_token FROM media
         WHERE id = $1 AND origin = 'outbound' AND status = 'stored'",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .context("Failed to read an upload")
}

/// The content type of an upload by `user` (an agent's attachment they may send), if it is one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upload_of(pool: &AnyPool, media_id: i64, user: i64) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT content_type FROM media
         WHERE id = $1 AND origin = 'outbound' AND uploaded_by = $2 AND status = 'stored'",
    )
    .bind(media_id)
    .bind(user)
    .fetch_optional(pool)
    .await
    .context("Failed to look up an upload")
    .map(Option::flatten)
}

/// An agent's upload, now sent in `message_id`: from here on it belongs to that message (and
/// so to its conversation: who may see it, when it is pruned). An upload sent before stays
/// with its first message.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn attach_upload(
    conn: &mut AnyConnection,
    media_id: i64,
    message_id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE media SET message_id = $1
         WHERE id = $2 AND origin = 'outbound' AND message_id IS NULL",
    )
    .bind(message_id)
    .bind(media_id)
    .execute(conn)
    .await
    .context("Failed to attach an upload to its message")?;
    Ok(())
}

/// A stored file past its retention.
#[derive(Debug, Clone, FromRow)]
pub struct Expired {
    pub id: i64,
    pub storage_key: String,
}

/// Stored files of messages whose conversation closed before `before` (profile pictures and
/// uploads not sent are not conversations' and stay).
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn of_conversations_closed_before(
    pool: &AnyPool,
    before: DateTime<Utc>,
    limit: i64,
) -> anyhow::Result<Vec<Expired>> {
    sqlx::query_as(
        "SELECT m.id, m.storage_key FROM media m
         JOIN messages g ON g.id = m.message_id
         JOIN conversations c ON c.id = g.conversation_id
         WHERE m.status = 'stored' AND m.storage_key IS NOT NULL
           AND c.status = 'closed' AND c.closed_at < $1
         ORDER BY m.id LIMIT $2",
    )
    .bind(to_millis(before))
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to list expired attachments")
}

/// The file is gone: the attachment shows as no longer available.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn mark_expired(pool: &AnyPool, id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE media SET status = 'failed', storage_key = NULL, failure = 'expired (retention)'
         WHERE id = $1",
    )
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to mark an attachment expired")?;
    Ok(())
}
