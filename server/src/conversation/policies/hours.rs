//! Business hours when a customer writes: a conversation opened while the service is closed
//! is set out of hours (not queued) and the customer gets the out-of-hours message, once per
//! closed period. A customer who writes again once the service is open joins the queue. A
//! conversation that joins the queue gets the welcome message (when new) and its queue wait
//! deadline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;

use crate::domain::policy::MessageKind;

use super::notice::{self, Notice};
use super::ServiceRuntime;
use crate::domain::conversation::ConversationStatus;
use crate::domain::ids::ConversationId;
use crate::domain::timeouts::Deadline;
use crate::store::service_runtime as queries;
use crate::store::{conversation_status, deadlines, from_millis, to_millis};

/// A customer's message just stored (apply it in the same transaction).
#[derive(Debug, Clone, Copy)]
pub struct CustomerMessage {
    pub service_id: i64,
    pub conversation_id: i64,
    /// Whether the message opened the conversation.
    pub opened: bool,
    /// The installation's zone (protocol numbers).
    pub zone: Tz,
}

impl CustomerMessage {
    pub async fn apply(&self, conn: &mut AnyConnection, now: DateTime<Utc>) -> anyhow::Result<()> {
        let CustomerMessage {
            service_id,
            conversation_id,
            opened,
            zone: installation,
        } = *self;
        let state = queries::hours_state(conn, conversation_id).await?;
        let (status, notified_at) = (state.status, state.out_of_hours_notified_at);
        if !opened && status != ConversationStatus::OutOfHours {
            return Ok(());
        }
        let runtime = ServiceRuntime::load(conn, service_id).await?;
        let hours = runtime.hours();
        if hours.is_open(now) {
            if status == ConversationStatus::OutOfHours {
                conversation_status::requeue_out_of_hours(
                    conn,
                    ConversationId(conversation_id),
                    now,
                )
                .await?;
            }
            return joined_queue(conn, conversation_id, &runtime, opened, installation, now).await;
        }
        if opened {
            conversation_status::set_out_of_hours(conn, ConversationId(conversation_id)).await?;
        }
        let told_this_period = notified_at
            .map(from_millis)
            .is_some_and(|told| !hours.opened_between(told, now));
        if told_this_period {
            return Ok(());
        }
        let notice = Notice::automated(MessageKind::OutOfHours);
        if notice::send(conn, conversation_id, &runtime, notice, installation, now).await? {
            queries::note_out_of_hours_notice(conn, conversation_id, to_millis(now)).await?;
            tracing::info!(
                conversation = conversation_id,
                "Out of hours: customer told"
            );
        }
        Ok(())
    }
}

/// The conversation is in the queue: a new one gets the welcome message, and the queue wait
/// limit starts.
async fn joined_queue(
    conn: &mut AnyConnection,
    conversation_id: i64,
    runtime: &ServiceRuntime,
    opened: bool,
    installation: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if opened && super::bot::takes_new_conversations(runtime) {
        // The bot talks first; the queue (and its wait) starts when it hands over.
        return super::bot::start(conn, conversation_id, runtime, now).await;
    }
    if opened {
        let welcome = Notice::automated(MessageKind::Welcome);
        notice::send(conn, conversation_id, runtime, welcome, installation, now).await?;
    }
    let due = Deadline::QueueWait.due(&runtime.policy.times, now);
    deadlines::arm(conn, conversation_id, Deadline::QueueWait, due).await
}
