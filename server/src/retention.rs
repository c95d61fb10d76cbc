//! Data is not kept for ever: every hour, webhook bodies (customers' messages as Meta sent
//! them; the messages themselves stay) older than the admin's retention are deleted, and so are
//! the attachment files of conversations closed longer ago than the media retention (when the
//! admin set one). The settings are read on each pass, so a change applies without a restart.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::live_settings;
use crate::media::MediaFiles;
use crate::store::{media, webhook_deliveries, Store};
use crate::worker::Workers;

const EVERY: Duration = Duration::from_secs(3600);
/// Files removed per batch (each batch one short write).
const BATCH: i64 = 500;

#[derive(Clone)]
pub struct Retention {
    store: Store,
    files: MediaFiles,
}

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub deliveries: u64,
    pub files: u64,
}

impl Retention {
    pub fn new(store: Store, files: MediaFiles) -> Retention {
        Retention { store, files }
    }

    pub fn spawn(&self, workers: &Workers) {
        let retention = self.clone();
        workers.spawn_loop("retention", EVERY, Arc::new(Notify::new()), move || {
            let retention = retention.clone();
            async move { retention.prune(Utc::now()).await.map(|_| ()) }
        });
    }

    /// One pass at `now` (passed in so tests can move time).
    pub async fn prune(&self, now: DateTime<Utc>) -> anyhow::Result<Pruned> {
        let pool = self.store.pool();
        let kept = live_settings::retention(pool).await?;
        let before = now - chrono::Duration::days(i64::from(kept.delivery_days));
        let deliveries = webhook_deliveries::prune_processed(pool, before).await?;
        let mut files = 0;
        if kept.media_days > 0 {
            let before = now - chrono::Duration::days(i64::from(kept.media_days));
            loop {
                let expired = media::of_conversations_closed_before(pool, before, BATCH).await?;
                if expired.is_empty() {
                    break;
                }
                for file in &expired {
                    self.files.remove(&file.storage_key).await?;
                    media::mark_expired(pool, file.id).await?;
                    files += 1;
                }
                crate::worker::progress();
            }
        }
        if deliveries > 0 || files > 0 {
            tracing::info!(deliveries, files, "Retention: old data deleted");
        }
        Ok(Pruned { deliveries, files })
    }
}
