//! Messages as the chat pane shows them, for both the pane's load and the live feed, so the
//! two can never disagree about a message.

use app::model::console::{ChatLink, ChatMedia, ChatMessage};
use sqlx::AnyPool;

use crate::conversation::outbox::OutboundAttachment;
use crate::domain::attachment::{SHARED_LINK, UNSUPPORTED};
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
                .filter(|file| file.message_id == Some(row.id))
                .map(|file| ChatMedia {
                    id: file.id,
                    kind: crate::domain::attachment::kind_for(
                        file.content_type.as_deref().unwrap_or(""),
                    )
                    .to_owned(),
                    ready: file.status == "stored",
                })
                .collect();
            // An agent's upload is referenced from the message itself (and, sent since the
            // upload belongs to its message, found above too: shown once).
            if row.direction == "out" {
                let uploads: Vec<OutboundAttachment> =
                    serde_json::from_str(&row.attachments).unwrap_or_default();
                let known: Vec<i64> = files.iter().map(|file| file.id).collect();
                let uploads = uploads
                    .into_iter()
                    .filter(|upload| !known.contains(&upload.media_id));
                files.extend(uploads.map(|upload| ChatMedia {
                    id: upload.media_id,
                    kind: upload.kind,
                    ready: true,
                }));
            }
            let (links, unsupported) = if row.direction == "in" {
                shown_beside_media(&row.attachments)
            } else {
                (Vec::new(), None)
            };
            ChatMessage {
                id: row.id,
                conversation_id: row.conversation_id,
                direction: row.direction,
                author: row.author,
                text: row.text,
                media: files,
                links,
                unsupported,
                status: row.status,
                failure_reason: row.failure_reason,
                sent_at: from_millis(row.sent_at)
                    .with_timezone(&time_zone)
                    .fixed_offset(),
            }
        })
        .collect())
}

/// A stored attachment, as the ingest wrote it (`conversation::inbound::InboundAttachment`).
#[derive(serde::Deserialize)]
struct StoredAttachment {
    kind: String,
    url: Option<String>,
    title: Option<String>,
}

/// What a customer's message shows besides its files: shared links (only web links: a
/// `javascript:` URL never becomes a link) and a note for content Atende could not read.
fn shown_beside_media(attachments: &str) -> (Vec<ChatLink>, Option<String>) {
    let stored: Vec<StoredAttachment> = serde_json::from_str(attachments).unwrap_or_default();
    let mut links = Vec::new();
    let mut unsupported = None;
    for attachment in stored {
        match attachment.kind.as_str() {
            SHARED_LINK => {
                let web = attachment
                    .url
                    .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
                if let Some(url) = web {
                    links.push(ChatLink {
                        title: attachment.title,
                        url,
                    });
                }
            }
            UNSUPPORTED => {
                unsupported = Some(attachment.title.unwrap_or_default());
            }
            _ => {}
        }
    }
    (links, unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_links_and_unreadable_content_show_beside_the_files() {
        let (links, unsupported) = shown_beside_media(
            r#"[{"kind":"fallback","url":"https://l.facebook.com/l.php?u=x","title":"Tahiti"},
                {"kind":"fallback","url":"javascript:alert(1)","title":"evil"},
                {"kind":"image","url":"https://cdn.example/a.jpg","title":null},
                {"kind":"unsupported","url":null,"title":"content Meta does not pass on"}]"#,
        );
        assert_eq!(
            links,
            [ChatLink {
                title: Some("Tahiti".into()),
                url: "https://l.facebook.com/l.php?u=x".into()
            }]
        );
        assert_eq!(
            unsupported.as_deref(),
            Some("content Meta does not pass on")
        );
    }
}
