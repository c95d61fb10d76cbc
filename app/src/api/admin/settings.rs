//! Server functions of the general settings page (admins only: supervisors get 403).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::settings::{GeneralSettings, GeneralSettingsForm};

/// The signed-in admin, or the error to answer with.
#[cfg(feature = "ssr")]
pub(super) async fn admin_only(
) -> Result<(crate::model::CurrentUser, crate::server::Services), AppError> {
    use crate::model::Role;
    use crate::server::fail;

    let (user, services) = super::users::manager().await?;
    if user.role != Role::Admin {
        return Err(fail(AppError::Forbidden));
    }
    Ok((user, services))
}

#[server(endpoint = "admin/settings")]
pub async fn get_settings() -> Result<GeneralSettings, AppError> {
    let (_, services) = admin_only().await?;
    services
        .general_settings
        .get()
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/save_settings", input = Json)]
pub async fn save_settings(form: GeneralSettingsForm) -> Result<(), AppError> {
    let (actor, services) = admin_only().await?;
    services
        .general_settings
        .save(&actor, form)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "admin/regenerate_verify_token")]
pub async fn regenerate_verify_token() -> Result<(), AppError> {
    let (actor, services) = admin_only().await?;
    services
        .general_settings
        .regenerate_verify_token(&actor)
        .await
        .map_err(crate::server::fail)
}
