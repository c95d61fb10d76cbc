//! Fetches customers' names and pictures from their channel after their first message, in the
//! background (the message is never held up by it). Transient failures retry with backoff; a
//! profile the channel will not give (Meta's 2018218, say) keeps the fallback name for good.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::channel::{Channel, ProfileLookup, ProfileRequest};
use super::live_signal::LiveSignal;
use crate::domain::delivery;
use crate::store::conversations::{self, PendingProfile};
use crate::store::media::{self, Origin};
use crate::store::Store;

#[derive(Clone)]
pub struct ProfileFetcher {
    store: Store,
    channel: Arc<dyn Channel>,
    wake: Arc<Notify>,
    /// Consoles hear about names and pictures that arrive.
    live: LiveSignal,
}

impl ProfileFetcher {
    pub fn new(store: Store, channel: Arc<dyn Channel>) -> ProfileFetcher {
        ProfileFetcher {
            store,
            channel,
            wake: Arc::new(Notify::new()),
            live: LiveSignal::default(),
        }
    }

    pub fn with_live(mut self, live: LiveSignal) -> ProfileFetcher {
        self.live = live;
        self
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let fetcher = self.clone();
        workers.spawn_loop(
            "profiles",
            Duration::from_secs(2),
            self.wake.clone(),
            move || {
                let fetcher = fetcher.clone();
                async move { fetcher.fetch_due(Utc::now()).await.map(|_| ()) }
            },
        );
    }

    /// Fetches every profile due at `now`; returns how many were attempted.
    pub async fn fetch_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let due = conversations::pending_profiles(self.store.pool(), now, 20).await?;
        let count = due.len();
        for contact in due {
            self.fetch_one(contact, now).await?;
        }
        if count > 0 {
            self.live.bump();
        }
        Ok(count)
    }

    async fn fetch_one(&self, contact: PendingProfile, now: DateTime<Utc>) -> anyhow::Result<()> {
        let pool = self.store.pool();
        let request = ProfileRequest {
            customer_id: &contact.external_id,
            service_channel: &contact.channel,
            integration_url: &contact.integration_url,
            access_token_sealed: contact.access_token_sealed.as_deref(),
        };
        match self.channel.profile(&request).await {
            ProfileLookup::Found(profile) => {
                if let Some(locale) = &profile.locale {
                    conversations::save_locale(pool, contact.contact_id, locale).await?;
                }
                // Pictures' URLs expire: keep a copy.
                let picture_media = match profile.picture_url.as_deref() {
                    Some(url) => {
                        let mut conn = pool.acquire().await?;
                        let id =
                            media::enqueue_download(&mut conn, Origin::Profile, None, url, now)
                                .await?;
                        Some(id)
                    }
                    None => None,
                };
                conversations::save_profile(
                    pool,
                    contact.contact_id,
                    profile.first_name.as_deref(),
                    profile.last_name.as_deref(),
                    profile.picture_url.as_deref(),
                    picture_media,
                    now,
                )
                .await
            }
            // No token yet: try again in a minute (an admin may add it); this does not count
            // as a failed attempt.
            ProfileLookup::NoToken => {
                let next = now + chrono::Duration::seconds(60);
                conversations::retry_profile_at(pool, contact.contact_id, next, false).await
            }
            ProfileLookup::Unavailable(detail) => {
                tracing::info!(contact = contact.contact_id, %detail, "Profile unavailable; keeping the fallback name");
                conversations::profile_unavailable(pool, contact.contact_id, now).await
            }
            ProfileLookup::Retry(detail) => self.retry(&contact, now, &detail).await,
        }
    }

    async fn retry(
        &self,
        contact: &PendingProfile,
        now: DateTime<Utc>,
        detail: &str,
    ) -> anyhow::Result<()> {
        let attempt = u32::try_from(contact.attempts + 1).unwrap_or(u32::MAX);
        if attempt >= delivery::MAX_ATTEMPTS {
            return conversations::profile_unavailable(self.store.pool(), contact.contact_id, now)
                .await;
        }
        // At least a second between tries, growing with the attempts.
        let wait = delivery::backoff(attempt, 0.5 + rand::random::<f64>() / 2.0)
            .max(Duration::from_secs(1));
        let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
        tracing::debug!(contact = contact.contact_id, %detail, ?wait, "Profile fetch will be retried");
        conversations::retry_profile_at(self.store.pool(), contact.contact_id, next, true).await
    }
}
