//! The admin area's services (ManagerADM): each implements one of the app's admin ports.

pub mod groups;
pub mod pause_reasons;
pub mod schedules;
mod script_preview;
mod service_form;
pub mod services;
pub mod settings;
pub mod survey_report;
pub mod users;

use app::error::AppError;
use chrono::Utc;
use serde_json::json;

use crate::store::{user_admin, Store};

/// A versioned admin record that can be switched on and off.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Switchable {
    Group,
    PauseReason,
    Schedule,
    Service,
}

impl Switchable {
    /// (table, audit entity): fixed names, never user input.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Switchable::Group => ("agent_groups", "group"),
            Switchable::PauseReason => ("pause_reasons", "pause_reason"),
            Switchable::Schedule => ("schedules", "schedule"),
            Switchable::Service => ("services", "service"),
        }
    }
}

/// Activates or deactivates the record if it is still at `version` (409 otherwise; 404 if it
/// does not exist), with its audit entry, in one transaction.
pub(crate) async fn switch_active(
    store: &Store,
    actor: i64,
    (record, id): (Switchable, i64),
    active: bool,
    version: i64,
) -> Result<(), AppError> {
    let internal = |error: anyhow::Error| {
        tracing::error!(error = ?error, ?record, "Switching a record failed");
        AppError::Internal
    };
    let (table, entity) = record.names();
    let mut tx = store.pool().begin().await.map_err(|e| internal(e.into()))?;
    let was_active: i64 = sqlx::query_scalar(&format!("SELECT active FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| internal(e.into()))?
        .ok_or(AppError::NotFound)?;
    let was_active = was_active == 1;
    let done = sqlx::query(&format!(
        "UPDATE {table} SET active = $1, version = version + 1 WHERE id = $2 AND version = $3"
    ))
    .bind(i64::from(active))
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map_err(|e| internal(e.into()))?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict);
    }
    let action = if active { "enable" } else { "disable" };
    let changes = json!({ "active": [was_active, active] });
    user_admin::audit(&mut tx, actor, entity, id, action, &changes, Utc::now())
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(|e| internal(e.into()))
}
