//! The chatbot script at run time: a new conversation of a service with a script talks to the
//! bot (routing leaves it alone) until the bot hands it over; then it joins the queue, for the
//! chosen group if any. The rules are `domain::script`'s; this applies them to a conversation.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::ServiceRuntime;
use crate::conversation::outbox::queue_system_question;
use crate::domain::script::{self, BotState, Outcome, Turn};
use crate::domain::timeouts::Deadline;
use crate::store::{bot as queries, deadlines};

/// Whether the service's script takes new conversations.
pub fn takes_new_conversations(runtime: &ServiceRuntime) -> bool {
    runtime.policy.script.enabled
}

/// The bot greets a new conversation.
pub async fn start(
    conn: &mut AnyConnection,
    conversation_id: i64,
    runtime: &ServiceRuntime,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let english = super::customer_english(conn, conversation_id).await?;
    let turn = script::start(&runtime.policy.script, english);
    apply(conn, conversation_id, runtime, turn, now).await
}

/// A customer's message to the bot.
pub async fn reply(
    conn: &mut AnyConnection,
    (conversation_id, service_id): (i64, i64),
    (text, tapped): (Option<&str>, Option<&str>),
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let runtime = ServiceRuntime::load(conn, service_id).await?;
    let stored = queries::state(conn, conversation_id).await?;
    let state: BotState = stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let script = &runtime.policy.script;
    let turn = if script.enabled {
        script::reply(script, &state, text, tapped)
    } else {
        // Switched off meanwhile: straight to a human.
        Turn {
            said: Vec::new(),
            outcome: Outcome::HandOver {
                group_id: None,
                reason: script::HandOverReason::Loop,
            },
            answer: None,
        }
    };
    apply(conn, conversation_id, &runtime, turn, now).await
}

async fn apply(
    conn: &mut AnyConnection,
    conversation_id: i64,
    runtime: &ServiceRuntime,
    turn: Turn,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for said in &turn.said {
        queue_system_question(conn, conversation_id, &said.text, &said.quick_replies, now).await?;
    }
    if let Some(answer) = &turn.answer {
        queries::set_answer(conn, conversation_id, answer).await?;
    }
    match turn.outcome {
        Outcome::Continue(state) => {
            queries::set_state(conn, conversation_id, &serde_json::to_string(&state)?).await?;
            // A customer who leaves the bot mid-way: closed after the inactivity time.
            let due = Deadline::InactivityClose.due(&runtime.policy.times, now);
            deadlines::arm(conn, conversation_id, Deadline::InactivityClose, due).await
        }
        Outcome::HandOver { group_id, reason } => {
            queries::hand_over(conn, conversation_id, group_id, now).await?;
            deadlines::disarm(conn, conversation_id, &[Deadline::InactivityClose]).await?;
            let due = Deadline::QueueWait.due(&runtime.policy.times, now);
            deadlines::arm(conn, conversation_id, Deadline::QueueWait, due).await?;
            tracing::info!(
                conversation = conversation_id,
                ?reason,
                group_id,
                "Bot handed over"
            );
            Ok(())
        }
    }
}
