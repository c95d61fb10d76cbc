//! A conversation given to an agent, each way it can happen, with what must follow: an agent
//! who has the conversation (not merely an offer of it) owes a first response, so its deadline
//! is armed and the queue's is disarmed here, and nowhere else. In the caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::policies::timeouts;
use crate::domain::routing::Assignment;
use crate::store::{out_of_hours, routing};

/// Writes routing's plan: offers (manual answer mode) stand for `offer_for`; the rest are the
/// agents' at once.
pub async fn apply_plan(
    conn: &mut AnyConnection,
    plan: &[Assignment],
    now: DateTime<Utc>,
    offer_for: chrono::Duration,
) -> anyhow::Result<()> {
    routing::assign(conn, plan, now, offer_for).await?;
    // An offer starts the agent's first-response time when accepted.
    for assignment in plan.iter().filter(|a| !a.offer) {
        timeouts::on_assigned(conn, assignment.conversation.0, now).await?;
    }
    Ok(())
}

/// The agent takes the conversation offered to them; `false` if it is no longer their offer.
pub async fn accept_offer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let accepted = routing::accept_offer(conn, conversation_id, agent_id, now).await?;
    if accepted {
        timeouts::on_assigned(conn, conversation_id, now).await?;
    }
    Ok(accepted)
}

/// The agent passes on the offer: back to the queue. `false` if it is no longer their offer.
pub async fn return_offer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    routing::return_offer(conn, conversation_id, agent_id, now).await
}

/// The agent resumes a conversation that came out of hours; `false` if it is not (or no
/// longer) waiting out of hours.
pub async fn resume_out_of_hours(
    conn: &mut AnyConnection,
    conversation_id: i64,
    agent_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let assigned = out_of_hours::assign(conn, conversation_id, agent_id, now).await?;
    if assigned {
        timeouts::on_assigned(conn, conversation_id, now).await?;
    }
    Ok(assigned)
}
