//! The agent console's service (implements the app's `Console` port), its live channel
//! (`live`: one WebSocket per console, fed by the `hub`) and handing conversations over
//! (`handover`: offers, transfers).

mod chat;
mod handover;
pub mod hub;
pub mod live;
mod out_of_hours;

use std::sync::Arc;

use app::error::{AppError, Field};
use app::model::console::{
    AgentLoad, AgentStatus, ChatHistory, ConversationTile, OutOfHoursConversation,
    OutOfHoursFilter, Overview, Presence as AppPresence, QueueLoad, TransferTargets, TransferTo,
};
use app::server::Console;
use async_trait::async_trait;
use chrono::Utc;

use crate::conversation::channel::{Channel, CustomerSignal};
use crate::conversation::handover as core_handover;
use crate::conversation::live_signal::LiveSignal;
use crate::conversation::outbox::{queue_agent_media, queue_agent_text, OutboundAttachment};
use crate::conversation::routing::Router;
use crate::conversation::sending::OutboxWorker;
use crate::domain::conversation::ConversationStatus;
use crate::domain::routing::Presence;
use crate::error::internal;
use crate::store::console::Ownership;
use crate::store::{
    agents, console as queries, from_millis, media, pause_reasons, routing as routing_store, Store,
};

/// What a chat pane shows of a customer's history.
const HISTORY: i64 = 300;
/// Messenger's text limit.
const MAX_TEXT_CHARS: usize = 2000;

pub struct ConsoleService {
    store: Store,
    outbox: OutboxWorker,
    channel: Arc<dyn Channel>,
    router: Router,
    live: LiveSignal,
    time_zone: chrono_tz::Tz,
}

impl ConsoleService {
    pub fn new(
        store: Store,
        outbox: OutboxWorker,
        channel: Arc<dyn Channel>,
        router: Router,
        live: LiveSignal,
        time_zone: chrono_tz::Tz,
    ) -> Self {
        ConsoleService {
            store,
            outbox,
            channel,
            router,
            live,
            time_zone,
        }
    }

    fn local(&self, millis: i64) -> chrono::DateTime<chrono::FixedOffset> {
        from_millis(millis)
            .with_timezone(&self.time_zone)
            .fixed_offset()
    }

    /// Sends a signal in the background: the console does not wait for the channel.
    fn signal(&self, conversation_id: i64, signal: CustomerSignal) {
        let channel = self.channel.clone();
        tokio::spawn(async move {
            match channel.signal(conversation_id, signal).await {
                Ok(Ok(())) => {}
                Ok(Err(detail)) => {
                    tracing::info!(conversation = conversation_id, ?signal, %detail, "Signal refused")
                }
                Err(error) => {
                    tracing::warn!(conversation = conversation_id, error = ?error, "Signal failed")
                }
            }
        });
    }

    /// A conversation that is the agent's, open and accepted, or the error.
    async fn own(&self, agent_id: i64, conversation_id: i64) -> Result<Ownership, AppError> {
        let owned = self.offered_or_own(agent_id, conversation_id).await?;
        if owned.offered_until.is_some() {
            // Only offered: accept it first.
            return Err(AppError::Forbidden);
        }
        Ok(owned)
    }

    /// A conversation that is the agent's and open (maybe only offered), or the error.
    async fn offered_or_own(
        &self,
        agent_id: i64,
        conversation_id: i64,
    ) -> Result<Ownership, AppError> {
        match queries::owner(self.store.pool(), conversation_id)
            .await
            .map_err(internal)?
        {
            None => Err(AppError::NotFound),
            Some(owned)
                if owned.agent_id == Some(agent_id)
                    && owned.status == ConversationStatus::Assigned =>
            {
                Ok(owned)
            }
            Some(_) => Err(AppError::Forbidden),
        }
    }
}

#[async_trait]
impl Console for ConsoleService {
    async fn status(&self, agent_id: i64) -> Result<AgentStatus, AppError> {
        let pool = self.store.pool();
        let state = agents::agent_state(pool, agent_id)
            .await
            .map_err(internal)?;
        let open = agents::open_count(pool, agent_id).await.map_err(internal)?;
        let pause_reasons = pause_reasons::active_names(pool).await.map_err(internal)?;
        let wrap_ups = agents::wrap_ups(pool, agent_id, Utc::now())
            .await
            .map_err(internal)?;
        let (presence, pause_reason, positions) = match state {
            Some(row) => (wire_presence(row.presence), row.pause_reason, row.positions),
            None => (AppPresence::Offline, None, 8),
        };
        Ok(AgentStatus {
            presence,
            pause_reason,
            positions: u8::try_from(positions).unwrap_or(8),
            open: u8::try_from(open).unwrap_or(u8::MAX),
            pause_reasons,
            wrapping_up: u8::try_from(wrap_ups.positions).unwrap_or(u8::MAX),
            wrap_up_until: wrap_ups.last_until.map(|at| self.local(at)),
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
                let reasons = pause_reasons::active_names(pool).await.map_err(internal)?;
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
        let domain = domain_presence(presence);
        let now = Utc::now();
        agents::set_presence(pool, agent_id, domain, reason.as_deref(), now)
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
                let policy = crate::conversation::policies::policy_from(&row.policy);
                let question = policy.script.question.map(|q| q.label.trim().to_owned());
                let customer_answer = row.bot_answer.map(|answer| match question.as_deref() {
                    Some(label) if !label.is_empty() => format!("{label}: {answer}"),
                    _ => answer,
                });
                let classification = policy.classification;
                let name = crate::domain::contact_name::profile_name(
                    row.first_name.as_deref(),
                    row.last_name.as_deref(),
                );
                ConversationTile {
                    id: row.id,
                    protocol: crate::domain::protocol::protocol(
                        row.id,
                        crate::store::from_millis(row.opened_at),
                        self.time_zone,
                    ),
                    contact_name: name,
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
                    offered_until: row.offered_until.map(|at| self.local(at)),
                    classification_required: classification.required
                        && !classification.codes.is_empty(),
                    classification_codes: classification.codes,
                    overdue: row.first_response_overdue_at.is_some(),
                    customer_answer,
                }
            })
            .collect())
    }

    async fn messages(&self, agent_id: i64, conversation_id: i64) -> Result<ChatHistory, AppError> {
        // The sequence number first: events after it may repeat what the read below already
        // shows, and the console applies them idempotently (by message id).
        // An offered conversation can be read before accepting it (not marked seen, though).
        let owned = self.offered_or_own(agent_id, conversation_id).await?;
        let pool = self.store.pool();
        let rows = queries::history(pool, owned.contact_id, HISTORY)
            .await
            .map_err(internal)?;
        let newest = rows
            .iter()
            .filter(|m| m.conversation_id == conversation_id)
            .map(|m| m.id)
            .max();
        if let Some(newest) = newest.filter(|_| owned.offered_until.is_none()) {
            self.seen(agent_id, conversation_id, newest).await?;
        }
        let messages = chat::chat_messages(pool, self.time_zone, rows)
            .await
            .map_err(internal)?;
        Ok(ChatHistory {
            conversation: conversation_id,
            seq: owned.event_seq,
            messages,
        })
    }

    async fn seen(
        &self,
        agent_id: i64,
        conversation_id: i64,
        message_id: i64,
    ) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        let newly_seen = queries::mark_seen(self.store.pool(), conversation_id, message_id)
            .await
            .map_err(internal)?;
        if newly_seen {
            // The customer sees "Seen" in Messenger; a failure here is only cosmetic.
            self.signal(conversation_id, CustomerSignal::MarkSeen);
        }
        Ok(())
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
        self.outbox.wake();
        self.live.bump();
        Ok(())
    }

    async fn send_media(
        &self,
        agent_id: i64,
        conversation_id: i64,
        media_id: i64,
    ) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        let content_type = media::upload_of(self.store.pool(), media_id, agent_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::Invalid {
                field: Field::Attachment,
            })?;
        let attachment = OutboundAttachment {
            kind: crate::domain::attachment::kind_for(&content_type).to_owned(),
            media_id,
        };
        queue_agent_media(&self.store, conversation_id, &attachment, Utc::now())
            .await
            .map_err(internal)?;
        self.outbox.wake();
        self.live.bump();
        Ok(())
    }

    async fn close(
        &self,
        agent_id: i64,
        conversation_id: i64,
        classification: Option<String>,
    ) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        let conversation = (conversation_id, agent_id);
        let picked = classification.as_deref();
        core_handover::close(
            &self.store,
            conversation,
            picked,
            self.time_zone,
            Utc::now(),
        )
        .await
        .map_err(handover::refusal)?;
        // A position is free: the oldest waiting conversation can come in.
        self.router.wake();
        self.live.bump();
        Ok(())
    }

    async fn accept(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.settle_offer(agent_id, conversation_id, true).await
    }

    async fn decline(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.settle_offer(agent_id, conversation_id, false).await
    }

    async fn transfer_targets(&self, agent_id: i64) -> Result<TransferTargets, AppError> {
        self.targets(agent_id).await
    }

    async fn transfer(
        &self,
        agent_id: i64,
        conversation_id: i64,
        to: TransferTo,
    ) -> Result<(), AppError> {
        self.transfer_to(agent_id, conversation_id, to).await
    }

    async fn typing(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        self.signal(conversation_id, CustomerSignal::TypingOn);
        Ok(())
    }

    async fn overview(&self) -> Result<Overview, AppError> {
        let pool = self.store.pool();
        let agents = agents::agent_loads(pool).await.map_err(internal)?;
        let queues = queries::queue_loads(pool).await.map_err(internal)?;
        Ok(Overview {
            agents: agents.into_iter().map(agent_load).collect(),
            queues: queues
                .into_iter()
                .map(|queue| QueueLoad {
                    service_name: queue.service_name,
                    waiting: queue.waiting,
                    oldest_since: queue.oldest_since.map(|at| self.local(at)),
                })
                .collect(),
        })
    }

    async fn out_of_hours(
        &self,
        agent_id: i64,
        filter: OutOfHoursFilter,
    ) -> Result<Vec<OutOfHoursConversation>, AppError> {
        self.out_of_hours_list(agent_id, filter).await
    }

    async fn resume(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError> {
        self.resume_out_of_hours(agent_id, conversation_id).await
    }

    async fn signed_out(&self, agent_id: i64) -> Result<(), AppError> {
        let pool = self.store.pool();
        let now = Utc::now();
        agents::set_presence(pool, agent_id, Presence::Offline, None, now)
            .await
            .map_err(internal)?;
        let mut conn = pool.acquire().await.map_err(internal)?;
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
            self.live.bump();
        }
        Ok(())
    }
}

fn agent_load(row: agents::AgentLoadRow) -> AgentLoad {
    AgentLoad {
        id: row.id,
        name: row.display_name,
        presence: row.presence.map_or(AppPresence::Offline, wire_presence),
        pause_reason: row.pause_reason,
        open: row.open,
        positions: row.positions.unwrap_or(8),
        overdue: row.overdue,
    }
}

/// The console's wire presence for the server's (the browser's types stay the browser's).
fn wire_presence(presence: Presence) -> AppPresence {
    match presence {
        Presence::Operating => AppPresence::Operating,
        Presence::Paused => AppPresence::Paused,
        Presence::Offline => AppPresence::Offline,
    }
}

fn domain_presence(presence: AppPresence) -> Presence {
    match presence {
        AppPresence::Operating => Presence::Operating,
        AppPresence::Paused => Presence::Paused,
        AppPresence::Offline => Presence::Offline,
    }
}
