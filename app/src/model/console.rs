//! What the agent console and the server exchange.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Offline,
    Operating,
    Paused,
}

/// The header of the console: the agent's status and load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatus {
    pub presence: Presence,
    pub pause_reason: Option<String>,
    /// Positions (simultaneous chats) the admin gave this agent, 1–8.
    pub positions: u8,
    /// Conversations open with the agent now.
    pub open: u8,
    /// The reasons a pause can have.
    pub pause_reasons: Vec<String>,
    /// Positions held by wrap-up time after a close, and when the last of them frees.
    pub wrapping_up: u8,
    pub wrap_up_until: Option<DateTime<FixedOffset>>,
}

/// A conversation as a console tile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationTile {
    pub id: i64,
    /// The protocol number ("20261121-000042"), shown to the agent and usable in messages.
    pub protocol: String,
    /// The customer's name from their profile; `None` until Meta gives it (or never).
    pub contact_name: Option<String>,
    /// The customer's page-scoped id, for the fallback name ("Facebook user ···1234").
    pub contact_external_id: String,
    /// The local copy of the profile picture (`/media/{id}`), once downloaded.
    pub picture_media_id: Option<i64>,
    pub service_name: String,
    pub channel: String,
    pub assigned_at: Option<DateTime<FixedOffset>>,
    pub last_customer_message_at: Option<DateTime<FixedOffset>>,
    /// Customer messages the agent has not seen yet.
    pub unread: i64,
    /// The id of the newest message (news for notifications).
    pub last_message_id: i64,
    /// Set while the conversation is only offered (manual answer mode): accept it by then.
    pub offered_until: Option<DateTime<FixedOffset>>,
    /// The service's classification codes (the agent picks one on closing), and whether one
    /// must be picked.
    pub classification_codes: Vec<String>,
    pub classification_required: bool,
    /// The agent has not answered within the service's first-response time: urgent.
    pub overdue: bool,
    /// What the customer answered the chatbot's question ("Pedido: 12345").
    pub customer_answer: Option<String>,
}

/// A chat pane's content: the messages, and the conversation's live sequence number they are
/// current to (live events after it apply on top).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatHistory {
    pub conversation: i64,
    pub seq: i64,
    pub messages: Vec<ChatMessage>,
}

/// What the live channel (`/console/live`) tells a console, numbered per conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Built, serialized and dropped at once (never stored in bulk): the size gap costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum LiveEvent {
    /// A message was added or changed (status, media): show it as it is now.
    Message {
        conversation: i64,
        seq: i64,
        message: ChatMessage,
    },
    /// The conversation came, went (closed, transferred, taken back) or changed its tile.
    Conversation { conversation: i64, seq: i64 },
    /// The console may have missed something (it was away too long): reload everything.
    Reload,
}

/// What a console sends when it (re)connects: the conversations it shows and the last
/// sequence number it saw of each; the server replays what followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub resume: Vec<(i64, i64)>,
}

/// Where an agent can transfer a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferTargets {
    pub groups: Vec<TransferGroup>,
    pub agents: Vec<AgentLoad>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferGroup {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTo {
    Group(i64),
    Agent(i64),
}

/// One message of a conversation, as the chat pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: i64,
    pub conversation_id: i64,
    /// `in` (from the customer) or `out`.
    pub direction: String,
    /// customer, agent, page_inbox, system
    pub author: String,
    pub text: Option<String>,
    /// Local files of this message (`/media/{id}`) with their kind.
    pub media: Vec<ChatMedia>,
    /// Links the customer shared (http or https only), with their titles.
    #[serde(default)]
    pub links: Vec<ChatLink>,
    /// Content Atende could not show, and what it was (the message itself still came).
    #[serde(default)]
    pub unsupported: Option<String>,
    /// received, sending, sent, delivered, read, failed
    pub status: String,
    /// Why a message failed (a code the console translates).
    pub failure_reason: Option<String>,
    pub sent_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLink {
    pub title: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMedia {
    pub id: i64,
    /// image, video, audio, file
    pub kind: String,
    pub ready: bool,
}

/// What a supervisor watches: every agent and every service's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub agents: Vec<AgentLoad>,
    pub queues: Vec<QueueLoad>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLoad {
    pub id: i64,
    pub name: String,
    pub presence: Presence,
    pub pause_reason: Option<String>,
    pub open: i64,
    pub positions: i64,
    /// Of the open ones, those still waiting for the agent's first answer past the service's
    /// first-response time.
    pub overdue: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLoad {
    pub service_name: String,
    pub waiting: i64,
    /// When the conversation waiting longest joined the queue.
    pub oldest_since: Option<DateTime<FixedOffset>>,
}

/// How an agent may answer a customer now (Meta's windows), shown before they type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyWindow {
    /// Within 24 hours of the customer's last message: a normal answer (`RESPONSE`).
    Standard { until: DateTime<FixedOffset> },
    /// Up to 7 days: a person's answer with Meta's `HUMAN_AGENT` tag.
    HumanAgent { until: DateTime<FixedOffset> },
    /// Later: Meta refuses any message until the customer writes again.
    Closed,
}

/// A conversation that came in out of hours, as the agents' out-of-hours folder lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfHoursConversation {
    pub id: i64,
    pub protocol: String,
    pub contact_name: Option<String>,
    pub contact_external_id: String,
    pub service_id: i64,
    pub service_name: String,
    /// messenger or instagram (for the fallback name).
    pub channel: String,
    pub opened_at: DateTime<FixedOffset>,
    /// The customer's last message, if any (its text, shortened).
    pub last_text: Option<String>,
    pub reply: ReplyWindow,
}

/// The folder's filters: a service, and the day the conversations opened ("YYYY-MM-DD").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutOfHoursFilter {
    pub service_id: Option<i64>,
    pub day: Option<String>,
}
