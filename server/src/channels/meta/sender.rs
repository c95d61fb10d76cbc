//! Meta's side of sending: the `Channel` the conversation core's outbox worker
//! (`conversation/sending.rs`) sends through. It opens the service's page token, paces each
//! page under Meta's limits, builds the Send API body (`outbound.rs`) and maps Graph's answer
//! and error codes onto the core's outcomes. Also typing and seen (`sender_action`) and the
//! customers' profiles (User Profile API).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::SecretString;
use serde_json::json;

use super::graph::{GraphClient, ProfileOutcome, SendOutcome, SEND_TIMEOUT};
use super::graph_error::{self, Verdict};
use super::outbound::request_body;
use crate::conversation::channel::{
    Attempt, Channel, Content, CustomerSignal, Outgoing, Profile, ProfileLookup, ProfileRequest,
};
use crate::domain::delivery::FailureReason;
use crate::secret_box::SecretBox;
use crate::store::{outbox, Store};

/// Meta's Send API limits per page: 300 calls/s for text, 10/s for audio and video.
const TEXT_PER_SECOND: NonZeroU32 = NonZeroU32::new(300).expect("non-zero");
const AUDIO_VIDEO_PER_SECOND: NonZeroU32 = NonZeroU32::new(10).expect("non-zero");

/// Meta's `sender_action` for a signal.
fn sender_action(signal: CustomerSignal) -> &'static str {
    match signal {
        CustomerSignal::TypingOn => "typing_on",
        CustomerSignal::TypingOff => "typing_off",
        CustomerSignal::MarkSeen => "mark_seen",
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
    text_pace: DefaultKeyedRateLimiter<String>,
    audio_video_pace: DefaultKeyedRateLimiter<String>,
}

impl Sender {
    pub fn new(store: Store, secrets: SecretBox, graph: GraphClient) -> Sender {
        Sender {
            inner: Arc::new(Inner {
                store,
                secrets,
                graph,
                text_pace: RateLimiter::keyed(Quota::per_second(TEXT_PER_SECOND)),
                audio_video_pace: RateLimiter::keyed(Quota::per_second(AUDIO_VIDEO_PER_SECOND)),
            }),
        }
    }

    fn open(&self, sealed: Option<&str>) -> Option<SecretString> {
        self.inner.secrets.open(sealed?).ok()
    }
}

#[async_trait]
impl Channel for Sender {
    fn send_timeout(&self) -> Duration {
        SEND_TIMEOUT
    }

    async fn send(&self, message: &Outgoing<'_>) -> Attempt {
        let Some(token) = self.open(message.access_token_sealed) else {
            return Attempt::Failed {
                reason: FailureReason::InvalidToken,
                detail: "the service has no usable access token".to_owned(),
            };
        };
        let pace = match message.content {
            Content::Attachment {
                kind: "audio" | "video",
                ..
            } => &self.inner.audio_video_pace,
            _ => &self.inner.text_pace,
        };
        pace.until_key_ready(&message.account_id.to_owned()).await;
        let body = request_body(
            message.outbox_id,
            message.recipient,
            &message.content,
            message.mode,
        );
        let graph = &self.inner.graph;
        let (verdict, detail) = match graph.send(message.integration_url, &token, &body).await {
            SendOutcome::Accepted { message_id } => {
                let messaging_type = body["messaging_type"].as_str().unwrap_or("RESPONSE");
                return Attempt::Sent {
                    message_id,
                    messaging_type: messaging_type.to_owned(),
                };
            }
            SendOutcome::Refused { status, error } => {
                let detail = match &error {
                    Some(e) => format!("HTTP {status}: code {} {}", e.code, e.message),
                    None => format!("HTTP {status}"),
                };
                (graph_error::classify(status, error.as_ref()), detail)
            }
            SendOutcome::NotSent(detail) => (Verdict::Retry, detail),
            SendOutcome::Unanswered(detail) => return Attempt::Unanswered { detail },
            SendOutcome::HostNotAllowed => {
                let detail = "the integration URL's host is not an allowed Graph host".to_owned();
                (Verdict::Fail(FailureReason::InvalidRequest), detail)
            }
        };
        match verdict {
            Verdict::Fail(reason) => Attempt::Failed { reason, detail },
            Verdict::Retry => Attempt::Retry { detail },
        }
    }

    /// Shows the customer that the agent is typing, or that their messages were seen.
    async fn signal(
        &self,
        conversation_id: i64,
        signal: CustomerSignal,
    ) -> anyhow::Result<Result<(), String>> {
        let Some(target) = outbox::target(self.inner.store.pool(), conversation_id).await? else {
            return Ok(Err("no such conversation".to_owned()));
        };
        let Some(token) = self.open(target.access_token_sealed.as_deref()) else {
            return Ok(Err("the service has no usable access token".to_owned()));
        };
        let body = json!({
            "recipient": { "id": target.recipient },
            "sender_action": sender_action(signal),
        });
        Ok(self
            .inner
            .graph
            .sender_action(&target.integration_url, &token, &body)
            .await)
    }

    /// The User Profile API: first and last name (Instagram: the name, else the username)
    /// and picture; for Messenger also the locale, best effort.
    async fn profile(&self, request: &ProfileRequest<'_>) -> ProfileLookup {
        let Some(token) = self.open(request.access_token_sealed) else {
            return ProfileLookup::NoToken;
        };
        let instagram = request.service_channel == "instagram";
        let (graph, url) = (&self.inner.graph, request.integration_url);
        let customer = request.customer_id;
        match graph.profile(url, customer, instagram, &token).await {
            ProfileOutcome::Found {
                first_name,
                last_name,
                profile_pic,
            } => {
                // Instagram has no locale.
                let locale = match instagram {
                    true => None,
                    false => graph.locale(url, customer, &token).await,
                };
                ProfileLookup::Found(Profile {
                    first_name,
                    last_name,
                    picture_url: profile_pic,
                    locale,
                })
            }
            ProfileOutcome::Unavailable(detail) => ProfileLookup::Unavailable(detail),
            ProfileOutcome::Retry(detail) => ProfileLookup::Retry(detail),
        }
    }
}
