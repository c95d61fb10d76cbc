//! Server functions of the admin's schedule pages (admins and supervisors).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::schedule::{OpenPreview, ScheduleDetail, ScheduleForm, SchedulePage};

#[server(endpoint = "admin/schedules")]
pub async fn list_schedules(search: String, page: i64) -> Result<SchedulePage, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .schedules
        .list(&search, page)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/schedule")]
pub async fn get_schedule(id: i64) -> Result<ScheduleDetail, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .schedules
        .get(id)
        .await
        .map_err(crate::server::fail)
}

/// JSON in: intervals and exceptions are lists.
#[server(endpoint = "admin/save_schedule", input = Json)]
pub async fn save_schedule(form: ScheduleForm) -> Result<i64, AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .schedules
        .save(&actor, form)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/set_schedule_active")]
pub async fn set_schedule_active(id: i64, active: bool, version: i64) -> Result<(), AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .schedules
        .set_active(&actor, id, active, version)
        .await
        .map_err(crate::server::fail)
}

/// The "open now?" preview of the form as it stands (nothing saved).
#[server(endpoint = "admin/preview_schedule", input = Json)]
pub async fn preview_schedule(form: ScheduleForm) -> Result<OpenPreview, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .schedules
        .preview(form)
        .await
        .map_err(crate::server::fail)
}

/// The IANA zone names a schedule can use (the server's tz database).
#[server(endpoint = "admin/time_zones")]
pub async fn time_zones() -> Result<Vec<String>, AppError> {
    super::users::manager().await?;
    Ok(chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name().to_owned())
        .collect())
}
