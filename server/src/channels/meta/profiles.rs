//! Fetches customers' names from the User Profile API after their first message, in the
//! background (the message is never held up by it). Transient failures retry with backoff;
//! a profile Meta will not give (e.g. 2018218) keeps the fallback name for good.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::graph::{GraphClient, ProfileOutcome};
use crate::conversation::live_signal::LiveSignal;
use crate::domain::delivery;
use crate::secret_box::SecretBox;
use crate::store::conversations::{self, PendingProfile};
use crate::store::media::{self, Origin};
use crate::store::Store;

#[derive(Clone)]
pub struct ProfileFetcher {
    store: Store,
    secrets: SecretBox,
    graph: GraphClient,
    wake: Arc<Notify>,
    /// Consoles hear about names and pictures that arrive.
    live: LiveSignal,
}

impl ProfileFetcher {
    pub fn new(store: Store, secrets: SecretBox, graph: GraphClient) -> ProfileFetcher {
        ProfileFetcher {
            store,
            secrets,
            graph,
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
        let token = match contact
            .access_token_sealed
            .as_deref()
            .map(|sealed| self.secrets.open(sealed))
        {
            Some(Ok(token)) => token,
            // No token yet: try again later (an admin may add it).
            // No token yet: try again in a minute (an admin may add it); this does not count
            // as a failed attempt.
            _ => {
                let next = now + chrono::Duration::seconds(60);
                let pool = self.store.pool();
                return conversations::retry_profile_at(pool, contact.contact_id, next, false)
                    .await;
            }
        };
        match self
            .graph
            .profile(
                &contact.integration_url,
                &contact.external_id,
                contact.channel == "instagram",
                &token,
            )
            .await
        {
            ProfileOutcome::Found {
                first_name,
                last_name,
                profile_pic,
            } => {
                // Instagram has no locale; for Messenger it is best effort.
                if contact.channel != "instagram" {
                    let url = &contact.integration_url;
                    if let Some(locale) = self.graph.locale(url, &contact.external_id, &token).await
                    {
                        conversations::save_locale(pool, contact.contact_id, &locale).await?;
                    }
                }
                // Meta's picture URLs expire: keep a copy.
                let picture_media = match profile_pic.as_deref() {
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
                    first_name.as_deref(),
                    last_name.as_deref(),
                    profile_pic.as_deref(),
                    picture_media,
                    now,
                )
                .await
            }
            ProfileOutcome::Unavailable(detail) => {
                tracing::info!(contact = contact.contact_id, %detail, "Profile unavailable; keeping the fallback name");
                conversations::profile_unavailable(pool, contact.contact_id, now).await
            }
            ProfileOutcome::Retry(detail) => self.retry(&contact, now, &detail).await,
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
