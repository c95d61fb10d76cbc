use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DeliveryIssue;

/// The newest webhook deliveries that need an admin's eye (admins only).
#[server(endpoint = "admin/delivery_issues")]
pub async fn delivery_issues() -> Result<Vec<DeliveryIssue>, AppError> {
    use crate::model::Role;
    use crate::server::{fail, services, session, session::current_user};

    let services = services()?;
    match current_user(&session().await?, &services).await? {
        Some(user) if user.role == Role::Admin => {}
        Some(_) => return Err(fail(AppError::Forbidden)),
        None => return Err(fail(AppError::Unauthenticated)),
    }
    services.webhooks.delivery_issues(50).await.map_err(fail)
}
