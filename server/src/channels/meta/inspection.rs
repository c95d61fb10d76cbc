//! What admins see of the webhook: deliveries kept for inspection (not JSON, not a webhook
//! payload, for pages no active service has). Implements the app's `Webhooks` port.

use app::error::AppError;
use app::model::{DeliveryIssue, DeliveryProblem};
use app::server::Webhooks;
use async_trait::async_trait;

use super::ingest::Ingest;
use crate::store::webhook_deliveries::{self, Delivery};
use crate::store::Store;

/// How much of a body the admin page shows.
const PREVIEW_CHARS: usize = 600;

pub struct WebhookInspection {
    store: Store,
    time_zone: chrono_tz::Tz,
    /// Woken when an admin queues a delivery again.
    ingest: Ingest,
}

impl WebhookInspection {
    pub fn new(store: Store, time_zone: chrono_tz::Tz, ingest: Ingest) -> WebhookInspection {
        WebhookInspection {
            store,
            time_zone,
            ingest,
        }
    }

    fn issue(&self, delivery: Delivery) -> Option<DeliveryIssue> {
        let problem = match delivery.state.as_str() {
            "malformed" => DeliveryProblem::Malformed,
            "failed" => DeliveryProblem::Failed,
            "unknown_page" => DeliveryProblem::UnknownPage,
            "processed" if delivery.error.is_some() => DeliveryProblem::PartlyUnknown,
            "pending" if delivery.error.is_some() => DeliveryProblem::Retrying,
            _ => return None,
        };
        let text = String::from_utf8_lossy(&delivery.body);
        let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
        if text.chars().count() > PREVIEW_CHARS {
            preview.push('…');
        }
        Some(DeliveryIssue {
            id: delivery.id,
            received_at: delivery
                .received_at
                .with_timezone(&self.time_zone)
                .fixed_offset(),
            channel: delivery.channel,
            problem,
            note: delivery.error,
            preview,
        })
    }
}

#[async_trait]
impl Webhooks for WebhookInspection {
    async fn delivery_issues(&self, limit: i64) -> Result<Vec<DeliveryIssue>, AppError> {
        let deliveries = webhook_deliveries::recent(self.store.pool(), limit, true)
            .await
            .map_err(|error| {
                tracing::error!(error = ?error, "Failed to list webhook delivery issues");
                AppError::Internal
            })?;
        Ok(deliveries
            .into_iter()
            .filter_map(|d| self.issue(d))
            .collect())
    }

    async fn retry(&self, id: i64) -> Result<(), AppError> {
        let queued = webhook_deliveries::retry_failed(self.store.pool(), id)
            .await
            .map_err(|error| {
                tracing::error!(error = ?error, "Failed to queue a delivery again");
                AppError::Internal
            })?;
        if !queued {
            return Err(AppError::NotFound);
        }
        tracing::info!(
            delivery = id,
            "A failed delivery was queued again by an admin"
        );
        self.ingest.wake();
        Ok(())
    }
}
