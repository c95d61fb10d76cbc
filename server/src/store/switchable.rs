//! Switching a versioned admin record (group, pause reason, schedule, service) on or off.

use anyhow::Context;
use sqlx::AnyConnection;

/// A versioned admin record that can be switched on and off.
#[derive(Debug, Clone, Copy)]
pub enum Switchable {
    Group,
    PauseReason,
    Schedule,
    Service,
}

impl Switchable {
    /// Fixed table names, never user input: they are formatted into the SQL.
    fn table(self) -> &'static str {
        match self {
            Switchable::Group => "agent_groups",
            Switchable::PauseReason => "pause_reasons",
            Switchable::Schedule => "schedules",
            Switchable::Service => "services",
        }
    }

    /// The record's name in the audit log.
    pub fn audit_entity(self) -> &'static str {
        match self {
            Switchable::Group => "group",
            Switchable::PauseReason => "pause_reason",
            Switchable::Schedule => "schedule",
            Switchable::Service => "service",
        }
    }
}

/// What switching found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switched {
    /// Switched; it was active before (or not).
    Done {
        was_active: bool,
    },
    NotFound,
    /// Someone saved it since `version` was read.
    Stale,
}

/// Sets `active` on the record if it is still at `version`, bumping the version.
#[tracing::instrument(level = "debug", skip(conn))]
pub async fn switch_active(
    conn: &mut AnyConnection,
    record: Switchable,
    id: i64,
    active: bool,
    version: i64,
) -> anyhow::Result<Switched> {
    let table = record.table();
    let was_active: Option<i64> =
        sqlx::query_scalar(&format!("SELECT active FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .context("Failed to read a record's state")?;
    let Some(was_active) = was_active else {
        return Ok(Switched::NotFound);
    };
    let done = sqlx::query(&format!(
        "UPDATE {table} SET active = $1, version = version + 1 WHERE id = $2 AND version = $3"
    ))
    .bind(i64::from(active))
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await
    .context("Failed to switch a record")?;
    Ok(if done.rows_affected() == 0 {
        Switched::Stale
    } else {
        Switched::Done {
            was_active: was_active == 1,
        }
    })
}
