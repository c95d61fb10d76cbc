//! Outbound messages: an agent's message and its outbox row are written in one transaction;
//! the sender delivers due rows to the Send API with the messaging type the window allows at
//! send time, retries transient failures with jittered backoff, and fails permanent ones with
//! a reason. Within a conversation messages leave in order; pending sends survive restarts.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::Notify;

use super::graph::{GraphClient, SendOutcome};
use super::graph_error::{self, FailureReason, Verdict};
use super::ingest::OUR_METADATA_PREFIX;
use crate::domain::messaging_window::{send_mode, SendMode, Writer};
use crate::secret_box::SecretBox;
use crate::store::outbox::{self, DueSend};
use crate::store::{conversations, messages, Store};

/// Stores an agent's text message and queues it; returns the message id.
pub async fn queue_agent_text(
    store: &Store,
    conversation_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let mut tx = store
        .pool()
        .begin()
        .await
        .context("Failed to start a send")?;
    let message = messages::NewMessage {
        conversation_id,
        direction: "out",
        author: "agent",
        mid: None,
        text: Some(text),
        attachments: "[]",
        reply_to_mid: None,
        status: "sending",
        sent_at: now,
    };
    let message_id = messages::insert(&mut tx, &message, now).await?;
    outbox::enqueue(&mut tx, message_id, conversation_id, now).await?;
    conversations::touch(&mut tx, conversation_id, now, false).await?;
    tx.commit().await.context("Failed to commit a send")?;
    Ok(message_id)
}

#[derive(Clone)]
pub struct Sender {
    store: Store,
    secrets: SecretBox,
    graph: GraphClient,
    wake: Arc<Notify>,
}

impl Sender {
    pub fn new(store: Store, secrets: SecretBox, graph: GraphClient) -> Sender {
        Sender {
            store,
            secrets,
            graph,
            wake: Arc::new(Notify::new()),
        }
    }

    /// A message was queued: send it now rather than at the next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn spawn(&self) {
        let sender = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = sender.process_due(Utc::now()).await {
                    tracing::error!(error = ?error, "Sending failed; retrying shortly");
                }
                tokio::select! {
                    () = sender.wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        });
    }

    /// Sends everything due at `now` (passed in so tests can move time); returns how many
    /// sends were attempted.
    pub async fn process_due(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut attempted = 0;
        loop {
            let due = outbox::due(self.store.pool(), now, 50).await?;
            if due.is_empty() {
                return Ok(attempted);
            }
            let mut progressed = false;
            for send in due {
                attempted += 1;
                progressed |= self.send_one(send).await?;
            }
            if !progressed {
                return Ok(attempted);
            }
        }
    }

    /// Returns whether the row left the queue (sent or failed) rather than being retried.
    async fn send_one(&self, send: DueSend) -> anyhow::Result<bool> {
        let pool = self.store.pool();
        // The clock is read per send: earlier sends in the batch may have taken seconds.
        let now = Utc::now();
        // Longer than the HTTP client's timeout, so a slow send is never duplicated.
        let lease_until = now + chrono::Duration::seconds(60);
        if !outbox::claim(pool, send.outbox_id, now, lease_until).await? {
            return Ok(false);
        }
        let mode = match send_mode(send.last_customer_message_at(), now, Writer::Human) {
            Ok(mode) => mode,
            Err(refusal) => {
                let detail = format!("{refusal:?}");
                outbox::mark_failed(
                    pool,
                    &send,
                    FailureReason::OutsideWindow.code(),
                    Some(&detail),
                )
                .await?;
                return Ok(true);
            }
        };
        let token = match send
            .access_token_sealed
            .as_deref()
            .map(|sealed| self.secrets.open(sealed))
        {
            Some(Ok(token)) => token,
            Some(Err(_)) | None => {
                let detail = "the service has no usable access token";
                outbox::mark_failed(
                    pool,
                    &send,
                    FailureReason::InvalidToken.code(),
                    Some(detail),
                )
                .await?;
                return Ok(true);
            }
        };
        let Some(text) = send.text.as_deref() else {
            outbox::mark_failed(
                pool,
                &send,
                FailureReason::InvalidRequest.code(),
                Some("nothing to send"),
            )
            .await?;
            return Ok(true);
        };
        let body = request_body(&send, text, mode);
        let messaging_type = body["messaging_type"]
            .as_str()
            .unwrap_or("RESPONSE")
            .to_owned();
        let verdict = match self.graph.send(&send.integration_url, &token, &body).await {
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
            (Verdict::Fail(reason), detail) => {
                tracing::warn!(message = send.message_id, reason = reason.code(), %detail, "Message failed");
                outbox::mark_failed(pool, &send, reason.code(), Some(&detail)).await?;
                Ok(true)
            }
            (Verdict::Retry, detail) => {
                let attempt = u32::try_from(send.attempts + 1).unwrap_or(u32::MAX);
                if attempt >= graph_error::MAX_ATTEMPTS {
                    outbox::mark_failed(pool, &send, FailureReason::GaveUp.code(), Some(&detail))
                        .await?;
                    return Ok(true);
                }
                let mut wait = graph_error::backoff(attempt, rand::random::<f64>());
                if detail == "timeout" {
                    // Meta may have the message: give its echo time to confirm it first.
                    wait = wait.max(Duration::from_secs(30));
                }
                let retry_from = Utc::now();
                let next = retry_from
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
                tracing::info!(message = send.message_id, attempt, ?wait, %detail, "Send will be retried");
                outbox::retry_later(pool, &send, next, &detail).await?;
                Ok(false)
            }
        }
    }
}

fn request_body(send: &DueSend, text: &str, mode: SendMode) -> serde_json::Value {
    let metadata = format!("{OUR_METADATA_PREFIX}outbox:{}", send.outbox_id);
    let mut body = json!({
        "recipient": { "id": send.recipient },
        "messaging_type": "RESPONSE",
        "message": { "text": text, "metadata": metadata },
    });
    if mode == SendMode::HumanAgentTag {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    }
    body
}
