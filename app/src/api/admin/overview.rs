use leptos::prelude::*;

use crate::error::AppError;
use crate::model::console::Overview;

/// Agents and queues, live (supervisors and admins).
#[server(endpoint = "admin/overview")]
pub async fn supervision_overview() -> Result<Overview, AppError> {
    use crate::model::Role;
    use crate::server::{fail, services, session, session::current_user};

    let services = services()?;
    match current_user(&session().await?, &services).await? {
        Some(user) if matches!(user.role, Role::Admin | Role::Supervisor) => {}
        Some(_) => return Err(fail(AppError::Forbidden)),
        None => return Err(fail(AppError::Unauthenticated)),
    }
    services.console.overview().await.map_err(fail)
}
