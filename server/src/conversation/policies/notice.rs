//! The service's automated messages (closing, out of hours, welcome, queue, inactivity, survey
//! thanks): the service's text or the default, placeholders filled in the service's zone, sent
//! as automated (RESPONSE, so only within Meta's 24-hour window), in the caller's transaction.

use crate::domain::policy::MessageKind;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;

use super::{values, ServiceRuntime};
use crate::conversation::outbox::queue_system_text;
use crate::domain::messaging_window::{send_mode, Writer};
use crate::domain::protocol::protocol;
use crate::store::{conversations, from_millis};

/// Who the message is about: the agent's name for {agent}, empty when no agent is involved.
pub struct Notice<'a> {
    pub kind: MessageKind,
    pub agent: &'a str,
}

impl Notice<'static> {
    /// A message no agent is named in.
    pub fn automated(kind: MessageKind) -> Self {
        Notice { kind, agent: "" }
    }
}

/// Queues the notice for the conversation's customer; false when nothing was sent (the
/// service has no such message, it names an unknown placeholder, or the window has closed).
pub async fn send(
    conn: &mut AnyConnection,
    conversation_id: i64,
    runtime: &ServiceRuntime,
    notice: Notice<'_>,
    installation: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let facts = conversations::notice_facts(conn, conversation_id).await?;
    let english = super::is_english(facts.locale.as_deref());
    let Some(template) = runtime.message(notice.kind, english) else {
        return Ok(false);
    };
    if send_mode(facts.last_customer_message_at, now, Writer::Automated).is_err() {
        tracing::info!(
            conversation = conversation_id,
            kind = ?notice.kind,
            "Not sent: Meta's 24-hour window has closed"
        );
        return Ok(false);
    }
    let number = protocol(conversation_id, from_millis(facts.opened_at), installation);
    let zone = runtime.zone(installation);
    let filled = values(runtime, zone, now, notice.agent, &number);
    let Some(text) = app::placeholders::render(template, &filled) else {
        tracing::warn!(kind = ?notice.kind, "A service message names an unknown placeholder");
        return Ok(false);
    };
    queue_system_text(conn, conversation_id, &text, now).await?;
    Ok(true)
}
