//! Server functions of the admin's service pages (admins and supervisors).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::service::{
    ConnectionCheck, ServiceChoices, ServiceDetail, ServiceFilter, ServiceForm, ServicePage,
};

/// JSON in: the filter has optional fields.
#[server(endpoint = "admin/services", input = Json)]
pub async fn list_services(filter: ServiceFilter) -> Result<ServicePage, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .service_admin
        .list(filter)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/service")]
pub async fn get_service(id: i64) -> Result<ServiceDetail, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .service_admin
        .get(id)
        .await
        .map_err(crate::server::fail)
}

/// JSON in: the form nests the tabs (groups, times, survey, messages…).
#[server(endpoint = "admin/save_service", input = Json)]
pub async fn save_service(form: ServiceForm) -> Result<i64, AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .service_admin
        .save(&actor, form)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/set_service_active")]
pub async fn set_service_active(id: i64, active: bool, version: i64) -> Result<(), AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .service_admin
        .set_active(&actor, id, active, version)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/delete_service")]
pub async fn delete_service(id: i64, version: i64) -> Result<(), AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .service_admin
        .delete(&actor, id, version)
        .await
        .map_err(crate::server::fail)
}

/// The Integration tab's "Test connection". A typed token is used once and not kept.
#[server(endpoint = "admin/test_connection", input = Json)]
pub async fn test_connection(
    id: Option<i64>,
    integration_url: String,
    cifra: String,
    token: Option<String>,
) -> Result<ConnectionCheck, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .service_admin
        .test_connection(id, integration_url, cifra, token)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/service_choices")]
pub async fn service_form_choices() -> Result<ServiceChoices, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .service_admin
        .choices()
        .await
        .map_err(crate::server::fail)
}

/// The Automation script tab's test chat (nothing is saved or sent).
#[server(endpoint = "admin/preview_script", input = Json)]
pub async fn preview_script(
    script: crate::model::script::Script,
    inputs: Vec<String>,
) -> Result<Vec<crate::model::script::PreviewLine>, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .service_admin
        .preview_script(script, inputs)
        .await
        .map_err(crate::server::fail)
}
