//! The agent console's service (implements the app's `Console` port) and its live channel
//! (`live`: one WebSocket per console).

pub mod live;

use app::error::{AppError, Field};
use app::model::console::{
    AgentLoad, AgentStatus, ChatMedia, ChatMessage, ConversationTile, Overview,
    Presence as AppPresence, QueueLoad,
};
use app::server::Console;
use async_trait::async_trait;
use chrono::Utc;

use crate::channels::meta::outbound::queue_agent_text;
use crate::channels::meta::sender::{Sender, SenderAction};
use crate::domain::routing::Presence;
use crate::routing::Router;
use crate::store::{console as queries, from_millis, routing as routing_store, Store};

/// What a chat pane shows of a customer's history.
const HISTORY: i64 = 300;
/// Messenger's text limit.
const MAX_TEXT_CHARS: usize = 2000;

pub struct ConsoleService {
    store: Store,
    sender: Sender,
    router: Router,
    time_zone: chrono_tz::Tz,
}

fn internal(error: anyhow::Error) -> AppError {
    tracing::error!(error = ?error, "Console request failed");
    AppError::Internal
}

impl ConsoleService {
    pub fn new(store: Store, sender: Sender, router: Router, time_zone: chrono_tz::Tz) -> Self {
        ConsoleService {
            store,
            sender,
            router,
            time_zone,
        }
    }

    fn local(&self, millis: i64) -> chrono::DateTime<chrono::FixedOffset> {
        from_millis(millis)
            .with_timezone(&self.time_zone)
            .fixed_offset()
    }

    /// Sends a `sender_action` in the background: the console does not wait for Meta.
    fn sender_action(&self, conversation_id: i64, action: SenderAction) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            match sender.sender_action(conversation_id, action).await {
                Ok(Ok(())) => {}
                Ok(Err(detail)) => {
                    tracing::info!(conversation = conversation_id, ?action, %detail, "Sender action refused")
                }
                Err(error) => {
                    tracing::warn!(conversation = conversation_id, error = ?error, "Sender action failed")
                }
            }
        });
    }

    /// The contact of a conversation that is the agent's and open, or the error.
    async fn own(&self, agent_id: i64, conversation_id: i64) -> Result<i64, AppError> {
        match queries::owner(self.store.pool(), conversation_id)
            .await
            .map_err(internal)?
        {
            None => Err(AppError::NotFound),
            Some((contact, Some(agent), status)) if agent == agent_id && status == "assigned" => {
                Ok(contact)
            }
            Some(_) => Err(AppError::Forbidden),
        }
    }
}

#[async_trait]
impl Console for ConsoleService {
    async fn status(&self, agent_id: i64) -> Result<AgentStatus, AppError> {
        let pool = self.store.pool();
        let state = queries::agent_state(pool, agent_id)
            .await
            .map_err(internal)?;
        let open = queries::open_count(pool, agent_id)
            .await
            .map_err(internal)?;
        let pause_reasons = queries::pause_reasons(pool).await.map_err(internal)?;
        let (presence, pause_reason, positions) = match state {
            Some(row) => (
                match row.presence.as_str() {
                    "operating" => AppPresence::Operating,
                    "paused" => AppPresence::Paused,
                    _ => AppPresence::Offline,
                },
                row.pause_reason,
                row.positions,
            ),
            None => (AppPresence::Offline, None, 8),
        };
        Ok(AgentStatus {
            presence,
            pause_reason,
            positions: u8::try_from(positions).unwrap_or(8),
            open: u8::try_from(open).unwrap_or(u8::MAX),
            pause_reasons,
        })
    }

    async fn set_presence(
        &self,
        agent_id: i64,
        presence: AppPresence,
        pause_reason: Option<String>,
    ) -> Result<AgentStatus, AppError> {
        let pool = self.store.pool();
        let reason = match presence {
            AppPresence::Paused => {
                let reasons = queries::pause_reasons(pool).await.map_err(internal)?;
                match pause_reason {
                    Some(reason) if reasons.contains(&reason) => Some(reason),
                    Some(_) => {
                        return Err(AppError::Invalid {
                            field: Field::PauseReason,
                        })
                    }
                    None => {
                        return Err(AppError::Required {
                            field: Field::PauseReason,
                        })
                    }
                }
            }
            _ => None,
        };
        let domain = match presence {
            AppPresence::Operating => Presence::Operating,
            AppPresence::Paused => Presence::Paused,
            AppPresence::Offline => Presence::Offline,
        };
        let now = Utc::now();
        routing_store::set_presence(pool, agent_id, domain, reason.as_deref(), now)
            .await
            .map_err(internal)?;
        if domain == Presence::Offline {
            self.signed_out(agent_id).await?;
        }
        tracing::info!(agent = agent_id, ?presence, "Agent presence changed");
        self.router.wake();
        self.status(agent_id).await
    }

    async fn conversations(&self, agent_id: i64) -> Result<Vec<ConversationTile>, AppError> {
        let rows = queries::tiles(self.store.pool(), agent_id)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let name = [row.first_name.as_deref(), row.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                ConversationTile {
                    id: row.id,
                    contact_name: (!name.is_empty()).then_some(name),
                    contact_external_id: row.external_id,
                    picture_media_id: row
                        .picture_media_id
                        .filter(|_| row.picture_status.as_deref() == Some("stored")),
                    service_name: row.service_name,
                    channel: row.channel,
                    assigned_at: row.assigned_at.map(|at| self.local(at)),
                    last_customer_message_at: row.last_customer_message_at.map(|at| self.local(at)),
                    unread: row.unread,
                    last_message_id: row.last_message_id,
                }
            })
            .collect())
    }

    async fn messages(
        &self,
        agent_id: i64,
        conversation_id: i64,
    ) -> Result<Vec<ChatMessage>, AppError> {
        let contact = self.own(agent_id, conversation_id).await?;
        let pool = self.store.pool();
        let rows = queries::history(pool, contact, HISTORY)
            .await
            .map_err(internal)?;
        let first = rows.first().map(|m| m.id).unwrap_or(0);
        let media = queries::media_of(pool, first, contact)
            .await
            .map_err(internal)?;
        let newest = rows
            .iter()
            .filter(|m| m.conversation_id == conversation_id)
            .map(|m| m.id)
            .max();
        if let Some(newest) = newest {
            let newly_seen = queries::mark_seen(pool, conversation_id, newest)
                .await
                .map_err(internal)?;
            if newly_seen {
                // The customer sees "Seen" in Messenger; a failure here is only cosmetic.
                self.sender_action(conversation_id, SenderAction::MarkSeen);
            }
        }
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
                    let uploads: Vec<crate::channels::meta::outbound::OutboundAttachment> =
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
                    sent_at: self.local(row.sent_at),
                }
            })
            .collect())
    }

    async fn send_text(
        &self,
        agent_id: i64,
        conversation_id: i64,
        text: String,
    ) -> Result<(), AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::Required {
                field: Field::Message,
            });
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(AppError::TooLong {
                field: Field::Message,
                max: MAX_TEXT_CHARS,
            });
        }
        self.own(agent_id, conversation_id).await?;
        queue_agent_text(&self.store, conversation_id, text, Utc::now())
            .await
            .map_err(internal)?;
        self.sender.wake();
        Ok(())
    }

    async fn close(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        let closed = queries::close(self.store.pool(), conversation_id, agent_id, Utc::now())
            .await
            .map_err(internal)?;
        if !closed {
            return Err(AppError::Forbidden);
        }
        tracing::info!(
            agent = agent_id,
            conversation = conversation_id,
            "Conversation closed"
        );
        // A position is free: the oldest waiting conversation can come in.
        self.router.wake();
        Ok(())
    }

    async fn typing(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        self.sender_action(conversation_id, SenderAction::TypingOn);
        Ok(())
    }

    async fn overview(&self) -> Result<Overview, AppError> {
        let pool = self.store.pool();
        let agents = queries::agent_loads(pool).await.map_err(internal)?;
        let queues = queries::queue_loads(pool).await.map_err(internal)?;
        Ok(Overview {
            agents: agents
                .into_iter()
                .map(
                    |(name, presence, pause_reason, open, positions)| AgentLoad {
                        name,
                        presence: match presence.as_deref() {
                            Some("operating") => AppPresence::Operating,
                            Some("paused") => AppPresence::Paused,
                            _ => AppPresence::Offline,
                        },
                        pause_reason,
                        open,
                        positions: positions.unwrap_or(8),
                    },
                )
                .collect(),
            queues: queues
                .into_iter()
                .map(|(service_name, waiting, oldest)| QueueLoad {
                    service_name,
                    waiting,
                    oldest_since: oldest.map(|at| self.local(at)),
                })
                .collect(),
        })
    }

    async fn signed_out(&self, agent_id: i64) -> Result<(), AppError> {
        let pool = self.store.pool();
        let now = Utc::now();
        routing_store::set_presence(pool, agent_id, Presence::Offline, None, now)
            .await
            .map_err(internal)?;
        let mut conn = pool.acquire().await.map_err(|e| internal(e.into()))?;
        let returned = routing_store::take_back(&mut conn, agent_id, now)
            .await
            .map_err(internal)?;
        drop(conn);
        if returned > 0 {
            tracing::info!(
                agent = agent_id,
                returned,
                "Conversations returned to the queue"
            );
            self.router.wake();
        }
        Ok(())
    }
}
