//! Server functions of the admin's group pages (admins and supervisors).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::admin::{GroupChoices, GroupDetail, GroupForm, GroupPage};

#[server(endpoint = "admin/groups")]
pub async fn list_groups(search: String, page: i64) -> Result<GroupPage, AppError> {
    let (_, services) = super::users::manager().await?;
    services
        .groups
        .list(&search, page)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/group")]
pub async fn get_group(id: i64) -> Result<GroupDetail, AppError> {
    let (_, services) = super::users::manager().await?;
    services.groups.get(id).await.map_err(crate::server::fail)
}

/// JSON in: the form has lists (members, services).
#[server(endpoint = "admin/save_group", input = Json)]
pub async fn save_group(form: GroupForm) -> Result<i64, AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .groups
        .save(&actor, form)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/set_group_active")]
pub async fn set_group_active(id: i64, active: bool, version: i64) -> Result<(), AppError> {
    let (actor, services) = super::users::manager().await?;
    services
        .groups
        .set_active(&actor, id, active, version)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/group_choices")]
pub async fn group_form_choices() -> Result<GroupChoices, AppError> {
    let (_, services) = super::users::manager().await?;
    services.groups.choices().await.map_err(crate::server::fail)
}
