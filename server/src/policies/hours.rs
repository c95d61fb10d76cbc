//! Business hours when a customer writes: a conversation opened while the service is closed
//! is set out of hours (not queued) and the customer gets the out-of-hours message, once per
//! closed period. A customer who writes again once the service is open joins the queue.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;

use super::{text_for_customer, values, ServiceRuntime};
use crate::channels::meta::outbound::queue_system_text;
use crate::domain::protocol::protocol;
use crate::store::service_runtime as queries;
use crate::store::{from_millis, to_millis};

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
        let (status, opened_at, notified_at) = queries::hours_state(conn, conversation_id).await?;
        if !opened && status != "out_of_hours" {
            return Ok(());
        }
        let runtime = ServiceRuntime::load(conn, service_id).await?;
        let hours = runtime.hours();
        if hours.is_open(now) {
            if status == "out_of_hours" {
                queries::requeue(conn, conversation_id, to_millis(now)).await?;
            }
            return Ok(());
        }
        if opened {
            queries::set_out_of_hours(conn, conversation_id).await?;
        }
        let told_this_period = notified_at
            .map(from_millis)
            .is_some_and(|told| !hours.opened_between(told, now));
        if told_this_period {
            return Ok(());
        }
        let Some(template) = text_for_customer(&runtime.policy.messages.out_of_hours) else {
            return Ok(());
        };
        let zone = runtime.zone(installation);
        let number = protocol(conversation_id, from_millis(opened_at), installation);
        let Some(text) =
            app::placeholders::render(template, &values(&runtime, zone, now, "", &number))
        else {
            tracing::warn!(
                service = service_id,
                "Out-of-hours message names an unknown placeholder"
            );
            return Ok(());
        };
        queue_system_text(conn, conversation_id, &text, now).await?;
        queries::note_out_of_hours_notice(conn, conversation_id, to_millis(now)).await?;
        tracing::info!(
            conversation = conversation_id,
            "Out of hours: customer told"
        );
        Ok(())
    }
}
