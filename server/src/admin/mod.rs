//! The admin area's services (ManagerADM): each implements one of the app's admin ports.

pub mod groups;
pub mod pause_reasons;
mod policy_wire;
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

pub(crate) use crate::store::switchable::Switchable;
use crate::store::switchable::{self, Switched};
use crate::store::{audit, IdName, Store};

/// Stored records as the choices a form offers.
pub(crate) fn choices_of(rows: Vec<IdName>) -> Vec<app::model::admin::Choice> {
    rows.into_iter()
        .map(|row| app::model::admin::Choice {
            id: row.id,
            name: row.name,
        })
        .collect()
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
    let mut tx = store.pool().begin().await.map_err(|e| internal(e.into()))?;
    let was_active = match switchable::switch_active(&mut tx, record, id, active, version)
        .await
        .map_err(internal)?
    {
        Switched::Done { was_active } => was_active,
        Switched::NotFound => return Err(AppError::NotFound),
        Switched::Stale => return Err(AppError::Conflict),
    };
    let action = if active { "enable" } else { "disable" };
    let changes = json!({ "active": [was_active, active] });
    let entity = record.audit_entity();
    audit::write(&mut tx, actor, entity, id, action, &changes, Utc::now())
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(|e| internal(e.into()))
}
