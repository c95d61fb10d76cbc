//! After an agent concludes a conversation: the service's closing message (or the default),
//! then its satisfaction survey, both automated and so only within Meta's 24-hour window.

use crate::domain::policy::MessageKind;
use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::notice::{self, Notice};
use super::{survey, ServiceRuntime};
use crate::store::Store;

/// Queues the closing message of a conversation just closed by `agent_id`, and starts the
/// survey; returns whether the closing message was queued (not when the window has closed).
/// `runtime` is the conversation's service, as closing already read it.
pub async fn send(
    store: &Store,
    conversation_id: i64,
    agent_id: i64,
    runtime: &ServiceRuntime,
    installation: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = store.pool().begin().await?;
    let agent = crate::store::users::display_name(&mut tx, agent_id).await?;
    let closing = Notice {
        kind: MessageKind::Closing,
        agent: &agent,
    };
    let sent = notice::send(
        &mut tx,
        conversation_id,
        runtime,
        closing,
        installation,
        now,
    )
    .await?;
    if sent {
        survey::start(&mut tx, conversation_id, runtime, now).await?;
    }
    tx.commit()
        .await
        .context("Failed to queue the closing message")?;
    Ok(sent)
}
