//! What the run time reads of a service: its name, policy document and the schedules that
//! decide its hours (the service's and each active group's; inactive schedules count as none).

use anyhow::Context;
use sqlx::{AnyConnection, FromRow};

use crate::domain::conversation::ConversationStatus;

/// A schedule as stored: its zone and its JSON definition.
#[derive(Debug, Clone, FromRow)]
pub struct StoredSchedule {
    pub time_zone: String,
    pub definition: String,
}

#[derive(Debug, Clone)]
pub struct RuntimeRow {
    pub name: String,
    pub policy: String,
    pub schedule: Option<StoredSchedule>,
    /// One entry per active group serving the service.
    pub groups: Vec<Option<StoredSchedule>>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn load(conn: &mut AnyConnection, service_id: i64) -> anyhow::Result<RuntimeRow> {
    let (name, policy, time_zone, definition): (String, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT s.name, s.policy, h.time_zone, h.definition FROM services s
             LEFT JOIN schedules h ON h.id = s.schedule_id AND h.active = 1
             WHERE s.id = $1",
        )
        .bind(service_id)
        .fetch_one(&mut *conn)
        .await
        .context("Failed to read a service's policy")?;
    let groups: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT h.time_zone, h.definition FROM service_groups l
         JOIN agent_groups g ON g.id = l.group_id AND g.active = 1
         LEFT JOIN schedules h ON h.id = l.schedule_id AND h.active = 1
         WHERE l.service_id = $1",
    )
    .bind(service_id)
    .fetch_all(&mut *conn)
    .await
    .context("Failed to read a service's group schedules")?;
    let stored = |zone: Option<String>, definition: Option<String>| {
        Some(StoredSchedule {
            time_zone: zone?,
            definition: definition?,
        })
    };
    Ok(RuntimeRow {
        name,
        policy,
        schedule: stored(time_zone, definition),
        groups: groups.into_iter().map(|(z, d)| stored(z, d)).collect(),
    })
}

/// A conversation's status, and when the customer was last told the service is closed.
#[derive(Debug, Clone, FromRow)]
pub struct HoursState {
    pub status: ConversationStatus,
    pub out_of_hours_notified_at: Option<i64>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn hours_state(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<HoursState> {
    sqlx::query_as("SELECT status, out_of_hours_notified_at FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(conn)
        .await
        .context("Failed to read a conversation's hours state")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn note_out_of_hours_notice(
    conn: &mut AnyConnection,
    conversation_id: i64,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE conversations SET out_of_hours_notified_at = $1 WHERE id = $2")
        .bind(now)
        .bind(conversation_id)
        .execute(conn)
        .await
        .context("Failed to note an out-of-hours notice")?;
    Ok(())
}
