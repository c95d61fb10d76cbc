//! The outbox worker, for any channel: delivers due outbox rows through the conversation's
//! channel with the messaging mode the window allows at send time, retries transient failures
//! with jittered backoff, and fails permanent ones with a reason. Conversations are sent
//! concurrently, but `outbox::due` gives only the oldest pending row of each, so messages in
//! one conversation leave in order. Pending sends survive restarts (they are rows).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use super::channel::{Attempt, Channel, Content, Outgoing};
use super::live_signal::LiveSignal;
use super::outbox::OutboundAttachment;
use crate::domain::delivery::{self, FailureReason};
use crate::domain::messaging_window::{send_mode, Writer};
use crate::domain::survey::QuickReply;
use crate::store::outbox::{self, DueSend};
use crate::store::{media, Store};

/// Sends in flight at once (each waits on the channel's answer, not on us).
const CONCURRENT_SENDS: usize = 16;

#[derive(Clone)]
pub struct OutboxWorker {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    channel: Arc<dyn Channel>,
    /// Where the channel downloads agents' uploads from (`{public_url}/media/public/{token}`),
    /// unless the admin set an external URL.
    public_url: String,
    wake: Arc<Notify>,
    live: LiveSignal,
    echo_wait: Duration,
}

impl OutboxWorker {
    /// A worker whose outcomes (sent, failed) are announced to consoles through `live`, and
    /// whose unanswered sends wait `echo_wait` for the channel's echo before they go again.
    pub fn new(
        store: Store,
        channel: Arc<dyn Channel>,
        public_url: String,
        live: LiveSignal,
        echo_wait: Duration,
    ) -> OutboxWorker {
        OutboxWorker {
            inner: Arc::new(Inner {
                store,
                channel,
                public_url: public_url.trim_end_matches('/').to_owned(),
                wake: Arc::new(Notify::new()),
                live,
                echo_wait,
            }),
        }
    }

    /// A message was queued: send it now rather than at the next tick.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub fn spawn(&self, workers: &crate::worker::Workers) {
        let worker = self.clone();
        workers.spawn_loop(
            "sender",
            Duration::from_millis(500),
            self.inner.wake.clone(),
            move || {
                let worker = worker.clone();
                async move { worker.process_due(Utc::now()).await.map(|_| ()) }
            },
        );
    }

    /// Sends everything due at `now` (passed in so tests can move time); returns how many
    /// sends were attempted.
    pub async fn process_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut attempted = 0;
        let permits = Arc::new(Semaphore::new(CONCURRENT_SENDS));
        loop {
            if crate::worker::stopping() {
                return Ok(attempted);
            }
            let due = outbox::due(self.inner.store.pool(), now, 50).await?;
            if due.is_empty() {
                return Ok(attempted);
            }
            let mut sends = JoinSet::new();
            for send in due {
                attempted += 1;
                let permit = permits.clone().acquire_owned().await?;
                let worker = self.clone();
                sends.spawn(async move {
                    let left = worker.send_one(send).await;
                    drop(permit);
                    left
                });
            }
            let mut progressed = false;
            while let Some(joined) = sends.join_next().await {
                progressed |= joined??;
                crate::worker::progress();
            }
            self.inner.live.bump();
            if !progressed {
                return Ok(attempted);
            }
        }
    }

    /// Returns whether the row left the queue (sent or failed) rather than being retried.
    async fn send_one(&self, send: DueSend) -> anyhow::Result<bool> {
        let pool = self.inner.store.pool();
        // The clock is read per send: earlier sends may have taken seconds.
        let now = Utc::now();
        // A crash mid-send leaves the row to another sender only after the longest call and
        // the echo wait: by then the channel's echo has confirmed it if the channel had it.
        let lease = self.inner.channel.send_timeout() + self.inner.echo_wait;
        let lease_until =
            now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(65));
        if !outbox::claim(pool, send.outbox_id, now, lease_until).await? {
            return Ok(false);
        }
        let writer = if send.author == "system" {
            Writer::Automated
        } else {
            Writer::Human
        };
        let mode = match send_mode(send.last_customer_message_at(), now, writer) {
            Ok(mode) => mode,
            Err(refusal) => {
                let detail = format!("{refusal:?}");
                return self.fail(&send, FailureReason::OutsideWindow, detail).await;
            }
        };
        let attachment = self.attachment(&send).await?;
        // Written by us: unreadable quick replies are a bug, and the text goes without them.
        let quick_replies: Vec<QuickReply> =
            serde_json::from_str(&send.quick_replies).unwrap_or_default();
        let content = match (&send.text, &attachment) {
            (Some(text), _) => Content::Text(text, &quick_replies),
            (None, Some((kind, url))) => Content::Attachment { kind, url },
            (None, None) => {
                let detail = "nothing to send (the attachment is gone)".to_owned();
                return self
                    .fail(&send, FailureReason::InvalidRequest, detail)
                    .await;
            }
        };
        let message = Outgoing {
            outbox_id: send.outbox_id,
            account_id: &send.page_id,
            recipient: &send.recipient,
            integration_url: &send.integration_url,
            access_token_sealed: send.access_token_sealed.as_deref(),
            content,
            mode,
        };
        match self.inner.channel.send(&message).await {
            Attempt::Sent {
                message_id,
                messaging_type,
            } => {
                outbox::mark_sent(pool, &send, &message_id, &messaging_type, now).await?;
                tracing::info!(message = send.message_id, %messaging_type, "Message sent");
                Ok(true)
            }
            Attempt::Failed { reason, detail } => self.fail(&send, reason, detail).await,
            Attempt::Retry { detail } => self.retry(&send, detail, Duration::ZERO).await,
            // The channel may have it: its echo (carrying our outbox id) would confirm the row
            // while this send waits, and the customer gets it once.
            Attempt::Unanswered { detail } => self.retry(&send, detail, self.inner.echo_wait).await,
        }
    }

    async fn fail(
        &self,
        send: &DueSend,
        reason: FailureReason,
        detail: String,
    ) -> anyhow::Result<bool> {
        tracing::warn!(message = send.message_id, reason = reason.code(), %detail, "Message failed");
        let pool = self.inner.store.pool();
        outbox::mark_failed(pool, send, reason.code(), Some(&detail)).await?;
        Ok(true)
    }

    /// The message's upload as (kind, public URL), if it has one.
    async fn attachment(&self, send: &DueSend) -> anyhow::Result<Option<(String, String)>> {
        let attachments: Vec<OutboundAttachment> =
            serde_json::from_str(&send.attachments).unwrap_or_default();
        let Some(first) = attachments.first() else {
            return Ok(None);
        };
        let pool = self.inner.store.pool();
        let upload = media::outgoing(pool, first.media_id).await?;
        // The admin's external URL (general settings) wins over the configured one.
        let base = crate::live_settings::external_url(pool)
            .await?
            .unwrap_or_else(|| self.inner.public_url.clone());
        Ok(upload.map(|upload| {
            let kind = crate::domain::attachment::kind_for(&upload.content_type).to_owned();
            let url = format!(
                "{}/media/public/{}",
                base.trim_end_matches('/'),
                upload.public_token
            );
            (kind, url)
        }))
    }

    /// Schedules the next attempt after the backoff, and not before `at_least`.
    async fn retry(
        &self,
        send: &DueSend,
        detail: String,
        at_least: Duration,
    ) -> anyhow::Result<bool> {
        let pool = self.inner.store.pool();
        let attempt = u32::try_from(send.attempts + 1).unwrap_or(u32::MAX);
        if attempt >= delivery::MAX_ATTEMPTS {
            outbox::mark_failed(pool, send, FailureReason::GaveUp.code(), Some(&detail)).await?;
            return Ok(true);
        }
        let wait = delivery::backoff(attempt, rand::random::<f64>()).max(at_least);
        let next =
            Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
        tracing::info!(message = send.message_id, attempt, ?wait, %detail, "Send will be retried");
        outbox::retry_later(pool, send, next, &detail).await?;
        Ok(false)
    }
}
