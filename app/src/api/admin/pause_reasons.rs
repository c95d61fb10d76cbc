//! Server functions of the admin's pause reasons (admins and supervisors).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::admin::PauseReason;

#[server(endpoint = "admin/pause_reasons")]
pub async fn list_pause_reasons() -> Result<Vec<PauseReason>, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .pause_reasons
        .list()
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/save_pause_reason")]
pub async fn save_pause_reason(
    id: Option<i64>,
    name: String,
    version: i64,
) -> Result<i64, AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .pause_reasons
        .save(&actor, id, name, version)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/set_pause_reason_active")]
pub async fn set_pause_reason_active(id: i64, active: bool, version: i64) -> Result<(), AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .pause_reasons
        .set_active(&actor, id, active, version)
        .await
        .map_err(crate::server::fail)
}
