//! The seam between the conversation core and a channel adapter (Meta's Messenger and
//! Instagram today). What a conversation sends is queued channel-neutrally in the outbox
//! (`outbox.rs`) and delivered by the core's worker (`sending.rs`), which asks the channel to
//! send one message at a time; what cannot wait in a queue (typing, seen) goes straight to it,
//! and so do profile lookups (`profiles.rs` keeps the retries and the stored result).

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::delivery::FailureReason;
use crate::domain::messaging_window::SendMode;
use crate::domain::survey::QuickReply;

/// A momentary signal to the customer. Not queued: a late typing indicator is worse than none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerSignal {
    TypingOn,
    TypingOff,
    MarkSeen,
}

/// What a message carries.
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    /// A text, with the quick replies offered under it.
    Text(&'a str, &'a [QuickReply]),
    /// A file, by its kind (image, video, audio, file) and the public URL it is fetched from.
    Attachment { kind: &'a str, url: &'a str },
}

/// One message to send, as the outbox holds it.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Carried with the message, so the channel's echo can name it.
    pub outbox_id: i64,
    /// The service's account on the channel (Meta's page id: the cifra).
    pub account_id: &'a str,
    /// The channel's id of the customer.
    pub recipient: &'a str,
    /// Where the service's channel API is (the integration URL).
    pub integration_url: &'a str,
    /// The service's access token, sealed; the channel opens it.
    pub access_token_sealed: Option<&'a str>,
    pub content: Content<'a>,
    /// How the messaging window lets this message go.
    pub mode: SendMode,
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The channel has it, under its own message id.
    Sent {
        message_id: String,
        /// How it went (for Meta: `RESPONSE` or `MESSAGE_TAG`), recorded with the message.
        messaging_type: String,
    },
    /// It can never go as it is.
    Failed {
        reason: FailureReason,
        detail: String,
    },
    /// It did not reach the channel, or the channel asked us to come back: try again later.
    Retry { detail: String },
    /// It went out but no answer came: the channel may have it, and its echo would tell. Try
    /// again only after waiting for that echo.
    Unanswered { detail: String },
}

/// Whose profile to look up, and through which service.
#[derive(Debug, Clone, Copy)]
pub struct ProfileRequest<'a> {
    /// The channel's id of the customer.
    pub customer_id: &'a str,
    /// The service's channel code (`messenger`, `instagram`).
    pub service_channel: &'a str,
    pub integration_url: &'a str,
    /// The service's access token, sealed; the channel opens it.
    pub access_token_sealed: Option<&'a str>,
}

/// A customer's profile as the channel gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Where the picture is now (such URLs expire: the core keeps a copy).
    pub picture_url: Option<String>,
    /// The customer's language, where the channel tells it (e.g. `pt_BR`).
    pub locale: Option<String>,
}

/// What came of a profile lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileLookup {
    Found(Profile),
    /// The service has no usable token yet: ask again later (not a failed attempt).
    NoToken,
    /// The channel will not give this profile: stop asking.
    Unavailable(String),
    /// Try again later (transient error, rate limit, timeout).
    Retry(String),
}

/// What the core asks of the channel a conversation is on.
#[async_trait]
pub trait Channel: Send + Sync + 'static {
    /// The longest one `send` may take (a crashed sender's claim must outlast it).
    fn send_timeout(&self) -> Duration;

    /// Sends one message (pacing itself under the channel's limits).
    async fn send(&self, message: &Outgoing<'_>) -> Attempt;

    /// Shows the customer a signal. `Ok(Err(why))` when the channel refused it (no token, no
    /// such conversation); `Err` when it could not be asked.
    async fn signal(
        &self,
        conversation_id: i64,
        signal: CustomerSignal,
    ) -> anyhow::Result<Result<(), String>>;

    /// Looks up a customer's profile (name, picture, language).
    async fn profile(&self, request: &ProfileRequest<'_>) -> ProfileLookup;
}
