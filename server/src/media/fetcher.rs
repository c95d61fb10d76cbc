//! Downloads media from Meta's CDN into the attachment storage: customers' attachments and
//! profile pictures, whose URLs expire. Bounded (25 MiB, timeouts), retried with backoff on
//! transient failures, given up on 4xx answers and oversized files.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::{clean_content_type, read_capped, MediaFiles, ReadError, MAX_BYTES};
use crate::conversation::live_signal::LiveSignal;
use crate::domain::delivery;
use crate::store::media::{self, DueDownload, StoredFile};
use crate::store::Store;

const MAX_ATTEMPTS: u32 = 8;

#[derive(Clone)]
pub struct MediaFetcher {
    store: Store,
    files: MediaFiles,
    http: reqwest::Client,
    wake: Arc<Notify>,
    /// Consoles hear about names and pictures that arrive.
    live: LiveSignal,
}

/// Why a download did not produce a file.
enum Failure {
    Retry(String),
    GiveUp(String),
}

impl MediaFetcher {
    pub fn new(store: Store, files: MediaFiles) -> anyhow::Result<MediaFetcher> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(MediaFetcher {
            store,
            files,
            http,
            wake: Arc::new(Notify::new()),
            live: LiveSignal::default(),
        })
    }

    /// New downloads were queued: start now rather than at the next tick.
    pub fn with_live(mut self, live: LiveSignal) -> MediaFetcher {
        self.live = live;
        self
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let fetcher = self.clone();
        workers.spawn_loop(
            "media",
            Duration::from_secs(1),
            self.wake.clone(),
            move || {
                let fetcher = fetcher.clone();
                async move { fetcher.fetch_due(Utc::now()).await.map(|_| ()) }
            },
        );
    }

    /// Downloads everything due at `now`; returns how many were attempted.
    pub async fn fetch_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let due = media::due_downloads(self.store.pool(), now, 10).await?;
        let mut attempted = 0;
        for download in due {
            let lease = Utc::now() + chrono::Duration::seconds(120);
            if media::claim(self.store.pool(), download.id, now, lease).await? {
                attempted += 1;
                self.fetch_one(&download).await?;
            }
        }
        if attempted > 0 {
            self.live.bump();
        }
        Ok(attempted)
    }

    async fn fetch_one(&self, download: &DueDownload) -> anyhow::Result<()> {
        let pool = self.store.pool();
        match self.download(&download.source_url).await {
            Ok((content_type, bytes)) => {
                let key = self.files.write(&bytes).await?;
                let file = StoredFile {
                    content_type: &content_type,
                    size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    storage_key: &key,
                };
                media::mark_stored(pool, download.id, &file).await?;
                tracing::info!(media = download.id, bytes = bytes.len(), "Media stored");
                Ok(())
            }
            Err(Failure::GiveUp(detail)) => {
                tracing::warn!(media = download.id, %detail, "Media download given up");
                media::mark_failed(pool, download.id, &detail).await
            }
            Err(Failure::Retry(detail)) => {
                let attempt = u32::try_from(download.attempts + 1).unwrap_or(u32::MAX);
                if attempt >= MAX_ATTEMPTS {
                    return media::mark_failed(pool, download.id, &detail).await;
                }
                let wait = delivery::backoff(attempt, 0.5 + rand::random::<f64>() / 2.0)
                    .max(Duration::from_secs(1));
                let next = Utc::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                tracing::info!(media = download.id, %detail, ?wait, "Media download will be retried");
                media::retry_later(pool, download.id, next, &detail).await
            }
        }
    }

    /// The file's content type and bytes. The URL is Meta's signed CDN URL: never logged.
    async fn download(&self, url: &str) -> Result<(String, Vec<u8>), Failure> {
        let mut response = self.http.get(url).send().await.map_err(|e| {
            Failure::Retry(if e.is_timeout() {
                "timeout".to_owned()
            } else {
                "connection failed".to_owned()
            })
        })?;
        let status = response.status();
        if status.is_client_error() && status.as_u16() != 429 {
            return Err(Failure::GiveUp(format!("HTTP {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(Failure::Retry(format!("HTTP {}", status.as_u16())));
        }
        let content_type = clean_content_type(
            response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        match read_capped(&mut response, MAX_BYTES).await {
            Ok(bytes) => Ok((content_type, bytes)),
            Err(ReadError::TooLarge) => {
                Err(Failure::GiveUp(format!("larger than {MAX_BYTES} bytes")))
            }
            Err(ReadError::Interrupted) => Err(Failure::Retry("interrupted download".to_owned())),
        }
    }
}
