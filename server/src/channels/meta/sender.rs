//! The sender worker: delivers due outbox rows to the Send API with the messaging type the
//! window allows at send time, retries transient failures with jittered backoff, and fails
//! permanent ones with a reason. Conversations are sent concurrently, but `outbox::due` gives
//! only the oldest pending row of each, so messages in one conversation leave in order.
//! Each page is paced under Meta's limits; pending sends survive restarts (they are rows).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use super::graph::{GraphClient, SendOutcome};
use super::graph_error::{self, FailureReason, Verdict};
use super::outbound::{request_body, Content, OutboundAttachment, QuickReply};
use crate::console::live::LiveSignal;
use crate::domain::messaging_window::{send_mode, Writer};
use crate::secret_box::SecretBox;
use crate::store::outbox::{self, DueSend};
use crate::store::{media, Store};

/// Meta's Send API limits per page: 300 calls/s for text, 10/s for audio and video.
const TEXT_PER_SECOND: NonZeroU32 = NonZeroU32::new(300).expect("non-zero");
const AUDIO_VIDEO_PER_SECOND: NonZeroU32 = NonZeroU32::new(10).expect("non-zero");
/// Sends in flight at once (each waits on Meta's answer, not on us).
const CONCURRENT_SENDS: usize = 16;

/// `sender_action` values the console may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderAction {
    TypingOn,
    TypingOff,
    MarkSeen,
}

impl SenderAction {
    fn as_str(self) -> &'static str {
        match self {
            SenderAction::TypingOn => "typing_on",
            SenderAction::TypingOff => "typing_off",
            SenderAction::MarkSeen => "mark_seen",
        }
    }
}

#[derive(Clone)]
pub struct Sender {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secrets: SecretBox,
    graph: GraphClient,
    /// Where Meta downloads agents' uploads from (`{public_url}/media/public/{token}`).
    public_url: String,
    wake: Arc<Notify>,
    text_pace: DefaultKeyedRateLimiter<String>,
    audio_video_pace: DefaultKeyedRateLimiter<String>,
    live: LiveSignal,
}

impl Sender {
    pub fn new(store: Store, secrets: SecretBox, graph: GraphClient, public_url: String) -> Sender {
        Sender::with_live(store, secrets, graph, public_url, LiveSignal::default())
    }

    /// A sender whose outcomes (sent, failed) are announced to consoles through `live`.
    pub fn with_live(
        store: Store,
        secrets: SecretBox,
        graph: GraphClient,
        public_url: String,
        live: LiveSignal,
    ) -> Sender {
        Sender {
            inner: Arc::new(Inner {
                store,
                secrets,
                graph,
                public_url: public_url.trim_end_matches('/').to_owned(),
                wake: Arc::new(Notify::new()),
                text_pace: RateLimiter::keyed(Quota::per_second(TEXT_PER_SECOND)),
                audio_video_pace: RateLimiter::keyed(Quota::per_second(AUDIO_VIDEO_PER_SECOND)),
                live,
            }),
        }
    }

    /// A message was queued: send it now rather than at the next tick.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub fn spawn(&self) {
        let sender = self.clone();
        crate::worker::spawn_loop(
            "sender",
            Duration::from_millis(500),
            self.inner.wake.clone(),
            move || {
                let sender = sender.clone();
                async move { sender.process_due(Utc::now()).await.map(|_| ()) }
            },
        );
    }

    /// Sends everything due at `now` (passed in so tests can move time); returns how many
    /// sends were attempted.
    pub async fn process_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut attempted = 0;
        let permits = Arc::new(Semaphore::new(CONCURRENT_SENDS));
        loop {
            let due = outbox::due(self.inner.store.pool(), now, 50).await?;
            if due.is_empty() {
                return Ok(attempted);
            }
            let mut sends = JoinSet::new();
            for send in due {
                attempted += 1;
                let permit = permits.clone().acquire_owned().await?;
                let sender = self.clone();
                sends.spawn(async move {
                    let left = sender.send_one(send).await;
                    drop(permit);
                    left
                });
            }
            let mut progressed = false;
            while let Some(joined) = sends.join_next().await {
                progressed |= joined??;
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
        // Longer than the HTTP client's timeout, so a slow send is never duplicated.
        let lease_until = now + chrono::Duration::seconds(60);
        if !outbox::claim(pool, send.outbox_id, now, lease_until).await? {
            return Ok(false);
        }
        let fail = |reason: FailureReason, detail: String| {
            let send = send.clone();
            async move {
                tracing::warn!(message = send.message_id, reason = reason.code(), %detail, "Message failed");
                outbox::mark_failed(pool, &send, reason.code(), Some(&detail)).await?;
                Ok(true)
            }
        };
        let writer = if send.author == "system" {
            Writer::Automated
        } else {
            Writer::Human
        };
        let mode = match send_mode(send.last_customer_message_at(), now, writer) {
            Ok(mode) => mode,
            Err(refusal) => {
                return fail(FailureReason::OutsideWindow, format!("{refusal:?}")).await
            }
        };
        let Some(token) = self.token(&send) else {
            let detail = "the service has no usable access token".to_owned();
            return fail(FailureReason::InvalidToken, detail).await;
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
                return fail(FailureReason::InvalidRequest, detail).await;
            }
        };
        let pace = match &content {
            Content::Attachment {
                kind: "audio" | "video",
                ..
            } => &self.inner.audio_video_pace,
            _ => &self.inner.text_pace,
        };
        pace.until_key_ready(&send.page_id).await;
        let body = request_body(send.outbox_id, &send.recipient, &content, mode);
        let messaging_type = body["messaging_type"]
            .as_str()
            .unwrap_or("RESPONSE")
            .to_owned();
        let graph = &self.inner.graph;
        let verdict = match graph.send(&send.integration_url, &token, &body).await {
            SendOutcome::Accepted { message_id } => {
                outbox::mark_sent(pool, &send, &message_id, &messaging_type, now).await?;
                tracing::info!(message = send.message_id, %messaging_type, "Message sent");
                return Ok(true);
            }
            SendOutcome::Refused { status, error } => {
                let detail = match &error {
                    Some(e) => format!("HTTP {status}: code {} {}", e.code, e.message),
                    None => format!("HTTP {status}"),
                };
                (graph_error::classify(status, error.as_ref()), detail)
            }
            SendOutcome::Unreachable(detail) => (Verdict::Retry, detail),
        };
        match verdict {
            (Verdict::Fail(reason), detail) => fail(reason, detail).await,
            (Verdict::Retry, detail) => self.retry(&send, detail).await,
        }
    }

    fn token(&self, send: &DueSend) -> Option<SecretString> {
        let sealed = send.access_token_sealed.as_deref()?;
        self.inner.secrets.open(sealed).ok()
    }

    /// The message's upload as (Send API type, public URL), if it has one.
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
            let kind = crate::media::attachment_type(&upload.content_type).to_owned();
            let url = format!(
                "{}/media/public/{}",
                base.trim_end_matches('/'),
                upload.public_token
            );
            (kind, url)
        }))
    }

    async fn retry(&self, send: &DueSend, detail: String) -> anyhow::Result<bool> {
        let pool = self.inner.store.pool();
        let attempt = u32::try_from(send.attempts + 1).unwrap_or(u32::MAX);
        if attempt >= graph_error::MAX_ATTEMPTS {
            outbox::mark_failed(pool, send, FailureReason::GaveUp.code(), Some(&detail)).await?;
            return Ok(true);
        }
        let mut wait = graph_error::backoff(attempt, rand::random::<f64>());
        if detail == "timeout" {
            // Meta may have the message: give its echo time to confirm it first.
            wait = wait.max(Duration::from_secs(30));
        }
        let next =
            Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
        tracing::info!(message = send.message_id, attempt, ?wait, %detail, "Send will be retried");
        outbox::retry_later(pool, send, next, &detail).await?;
        Ok(false)
    }

    /// Shows the customer that the agent is typing, or that their messages were seen. Not
    /// queued: a late typing indicator is worse than none. Errors are returned to the caller.
    pub async fn sender_action(
        &self,
        conversation_id: i64,
        action: SenderAction,
    ) -> anyhow::Result<Result<(), String>> {
        let Some(target) = outbox::target(self.inner.store.pool(), conversation_id).await? else {
            return Ok(Err("no such conversation".to_owned()));
        };
        let Some(token) = target
            .access_token_sealed
            .as_deref()
            .and_then(|sealed| self.inner.secrets.open(sealed).ok())
        else {
            return Ok(Err("the service has no usable access token".to_owned()));
        };
        let body = json!({
            "recipient": { "id": target.recipient },
            "sender_action": action.as_str(),
        });
        Ok(self
            .inner
            .graph
            .sender_action(&target.integration_url, &token, &body)
            .await)
    }
}
