//! Messages as the chat pane shows them, for both the pane's load and the live feed, so the
//! two can never disagree about a message.

use app::model::console::{ChatMedia, ChatMessage};
use sqlx::AnyPool;

use crate::channels::meta::outbound::OutboundAttachment;
use crate::store::console::{self as queries, MessageRow};
use crate::store::from_millis;

/// Turns stored messages (with their media) into what the console shows, in `time_zone`.
pub async fn chat_messages(
    pool: &AnyPool,
    time_zone: chrono_tz::Tz,
    rows: Vec<MessageRow>,
) -> anyhow::Result<Vec<ChatMessage>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let media = queries::media_of(pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut files: Vec<ChatMedia> = media
                .iter()
                .filter(|(_, message, _, _)| *message == Some(row.id))
                .map(|(id, _, status, content_type)| ChatMedia {
                    id: *id,
                    kind: crate::media::attachment_type(content_type.as_deref().unwrap_or(""))
                        .to_owned(),
                    ready: status == "stored",
                })
                .collect();
            // An agent's upload is referenced from the message itself.
            if row.direction == "out" {
                let uploads: Vec<OutboundAttachment> =
                    serde_json::from_str(&row.attachments).unwrap_or_default();
                files.extend(uploads.into_iter().map(|upload| ChatMedia {
                    id: upload.media_id,
                    kind: upload.kind,
                    ready: true,
                }));
            }
            ChatMessage {
                id: row.id,
                conversation_id: row.conversation_id,
                direction: row.direction,
                author: row.author,
                text: row.text,
                media: files,
                status: row.status,
                failure_reason: row.failure_reason,
                sent_at: from_millis(row.sent_at)
                    .with_timezone(&time_zone)
                    .fixed_offset(),
            }
        })
        .collect())
}
