//! Server functions of the admin's user pages (admins and supervisors).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::admin::{GroupOption, UserDetail, UserForm, UserPage};

/// The signed-in admin or supervisor, or the error to answer with.
#[cfg(feature = "ssr")]
pub(super) async fn manager(
) -> Result<(crate::model::CurrentUser, crate::server::Services), AppError> {
    use crate::model::Role;
    use crate::server::{fail, services, session, session::current_user};

    let services = services()?;
    match current_user(&session().await?, &services).await? {
        Some(user) if matches!(user.role, Role::Admin | Role::Supervisor) => Ok((user, services)),
        Some(_) => Err(fail(AppError::Forbidden)),
        None => Err(fail(AppError::Unauthenticated)),
    }
}

#[server(endpoint = "admin/users")]
pub async fn list_users(search: String, page: i64) -> Result<UserPage, AppError> {
    let (actor, services) = manager().await?;
    services
        .users
        .list(&actor, &search, page)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/user")]
pub async fn get_user(id: i64) -> Result<UserDetail, AppError> {
    let (actor, services) = manager().await?;
    services
        .users
        .get(&actor, id)
        .await
        .map_err(crate::server::fail)
}

/// JSON in: the form has a list (groups) and optional fields.
#[server(endpoint = "admin/save_user", input = Json)]
pub async fn save_user(form: UserForm) -> Result<i64, AppError> {
    let (actor, services) = manager().await?;
    services
        .users
        .save(&actor, form)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/reset_password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    let (actor, services) = manager().await?;
    services
        .users
        .reset_password(&actor, id, password)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/set_user_active")]
pub async fn set_user_active(id: i64, active: bool, version: i64) -> Result<(), AppError> {
    let (actor, services) = manager().await?;
    services
        .users
        .set_active(&actor, id, active, version)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/group_options")]
pub async fn group_options() -> Result<Vec<GroupOption>, AppError> {
    let (_, services) = manager().await?;
    services.users.groups().await.map_err(crate::server::fail)
}

/// The audit log, newest first; `before` pages back from an entry id.
#[server(endpoint = "admin/audit")]
pub async fn audit_log(
    before: Option<i64>,
) -> Result<Vec<crate::model::admin::AuditEntry>, AppError> {
    let (_, services) = manager().await?;
    services
        .users
        .audit(before)
        .await
        .map_err(crate::server::fail)
}
