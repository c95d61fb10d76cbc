use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DeliveryIssue;

/// The newest webhook deliveries that need an admin's eye (admins only).
#[server(endpoint = "admin/delivery_issues")]
pub async fn delivery_issues() -> Result<Vec<DeliveryIssue>, AppError> {
    let (_, services) = super::settings::admin_only().await?;
    services
        .webhooks
        .delivery_issues(50)
        .await
        .map_err(crate::server::fail)
}

/// Queues a delivery set aside as failed for processing again (admins only).
#[server(endpoint = "admin/retry_delivery")]
pub async fn retry_delivery(id: i64) -> Result<(), AppError> {
    let (_, services) = super::settings::admin_only().await?;
    services
        .webhooks
        .retry(id)
        .await
        .map_err(crate::server::fail)
}
