//! The closing message: when an agent concludes a conversation the customer gets the
//! service's closing text (or the default), with {date} and {time} in the service's zone,
//! {agent}, {service} and {protocol}. Automated, so only within Meta's 24-hour window.

use anyhow::Context;
use app::placeholders::{render, DEFAULT_CLOSING_PT_BR};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{text_for_customer, values, ServiceRuntime};
use crate::channels::meta::outbound::queue_system_text;
use crate::domain::messaging_window::{send_mode, Writer};
use crate::domain::protocol::protocol;
use crate::store::{from_millis, Store};

/// Queues the closing message of a conversation just closed by `agent_id`; returns whether
/// one was queued (not when the window has closed).
/// `runtime` is the conversation's service, as closing already read it.
pub async fn send(
    store: &Store,
    conversation_id: i64,
    agent_id: i64,
    runtime: &ServiceRuntime,
    default_zone: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = store.pool().begin().await?;
    let (opened_at, last_customer, agent): (i64, Option<i64>, String) = sqlx::query_as(
        "SELECT c.opened_at, c.last_customer_message_at, u.display_name
             FROM conversations c, users u WHERE c.id = $1 AND u.id = $2",
    )
    .bind(conversation_id)
    .bind(agent_id)
    .fetch_one(&mut *tx)
    .await
    .context("Failed to read a closed conversation")?;
    if send_mode(last_customer.map(from_millis), now, Writer::Automated).is_err() {
        tracing::info!(
            conversation = conversation_id,
            "No closing message: the window has closed"
        );
        return Ok(false);
    }
    let zone = runtime.zone(default_zone);
    let number = protocol(conversation_id, from_millis(opened_at), default_zone);
    let template =
        text_for_customer(&runtime.policy.messages.closing).unwrap_or(DEFAULT_CLOSING_PT_BR);
    let text = render(template, &values(runtime, zone, now, &agent, &number))
        .context("The closing message names an unknown placeholder")?;
    queue_system_text(&mut tx, conversation_id, &text, now).await?;
    tx.commit()
        .await
        .context("Failed to queue the closing message")?;
    Ok(true)
}
