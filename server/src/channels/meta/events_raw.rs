//! The raw shapes of one `messaging[]` item, as lenient as Meta's documented variants need:
//! no `sender` on the page's own events, `"payload": null` on old shared links, timestamps as
//! strings (in seconds) in some examples, `reply_to` naming a story instead of a message.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::events::{Attachment, AttachmentPayload, EventKind, InboundEvent, MessageBody};

/// Keys an item carries besides its kind.
const ENVELOPE: [&str; 3] = ["sender", "recipient", "timestamp"];

/// Below this a timestamp is in seconds (10^11 ms is March 1973).
const SECONDS_BELOW: i64 = 100_000_000_000;

/// A number, or digits in a string; in milliseconds (seconds are converted); 0 when absent.
fn millis(value: &Value) -> i64 {
    let raw = match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .unwrap_or(0);
    if (1..SECONDS_BELOW).contains(&raw) {
        raw.saturating_mul(1000)
    } else {
        raw.max(0)
    }
}

fn lenient_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Ok(millis(&Value::deserialize(deserializer)?))
}

/// `entry[].time`, the stamp for items that carry none.
pub(super) fn entry_time(entry: &Value) -> i64 {
    entry.get("time").map_or(0, millis)
}

pub(super) fn sender_id(item: &Value) -> Option<String> {
    item.get("sender")?.get("id")?.as_str().map(str::to_owned)
}

/// `id` is absent for some senders (chat-plugin guests and checkbox opt-ins use `user_ref`).
#[derive(Deserialize)]
struct Party {
    id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct RawEvent {
    sender: Option<Party>,
    recipient: Option<Party>,
    #[serde(default, deserialize_with = "lenient_millis")]
    timestamp: i64,
    message: Option<RawMessage>,
    delivery: Option<RawDelivery>,
    read: Option<RawRead>,
    postback: Option<RawPostback>,
    reaction: Option<RawReaction>,
    /// Every other key, to name an event of a kind not read here.
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct RawMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<RawAttachment>,
    #[serde(default)]
    is_echo: bool,
    app_id: Option<i64>,
    metadata: Option<String>,
    reply_to: Option<RawReplyTo>,
    quick_reply: Option<QuickReply>,
    /// Instagram: the customer unsent the message `mid`.
    #[serde(default)]
    is_deleted: bool,
    /// Instagram: content Meta does not pass on to apps.
    #[serde(default)]
    is_unsupported: bool,
}

#[derive(Deserialize)]
struct RawAttachment {
    #[serde(rename = "type")]
    kind: String,
    /// `null` on some shared links, whose title and URL then sit beside it.
    payload: Option<AttachmentPayload>,
    title: Option<String>,
    url: Option<String>,
}

/// A reply names a message, or (Instagram) the story it answers.
#[derive(Deserialize)]
struct RawReplyTo {
    mid: Option<String>,
}

#[derive(Deserialize)]
struct QuickReply {
    payload: Option<String>,
}

#[derive(Deserialize)]
struct RawDelivery {
    #[serde(default)]
    mids: Vec<String>,
    #[serde(default, deserialize_with = "lenient_millis")]
    watermark: i64,
}

#[derive(Deserialize)]
struct RawRead {
    #[serde(default, deserialize_with = "lenient_millis")]
    watermark: i64,
    mid: Option<String>,
}

#[derive(Deserialize)]
struct RawPostback {
    mid: Option<String>,
    title: Option<String>,
    payload: Option<String>,
}

#[derive(Deserialize)]
struct RawReaction {
    mid: String,
    action: String,
    emoji: Option<String>,
}

impl RawAttachment {
    fn into_attachment(self) -> Attachment {
        let mut payload = self.payload.unwrap_or_default();
        payload.url = payload.url.or(self.url);
        payload.title = payload.title.or(self.title);
        Attachment {
            kind: self.kind,
            payload,
        }
    }
}

impl RawEvent {
    /// The name of this event's kind: its first key that is not the envelope.
    fn kind_name(&self) -> String {
        let known = [
            (self.message.is_some(), "message"),
            (self.delivery.is_some(), "delivery"),
            (self.read.is_some(), "read"),
            (self.postback.is_some(), "postback"),
            (self.reaction.is_some(), "reaction"),
        ];
        known
            .iter()
            .find(|(present, _)| *present)
            .map(|(_, name)| (*name).to_owned())
            .or_else(|| {
                self.other
                    .keys()
                    .find(|key| !ENVELOPE.contains(&key.as_str()))
                    .cloned()
            })
            .unwrap_or_else(|| "an empty event".to_owned())
    }

    pub(super) fn into_event(self, page_id: &str, entry_time: i64) -> InboundEvent {
        let timestamp = if self.timestamp > 0 {
            self.timestamp
        } else {
            entry_time
        };
        let echo = self.message.as_ref().is_some_and(|m| m.is_echo);
        // An echo goes from the page to the customer; everything else the other way round.
        let customer = if echo {
            self.recipient.as_ref().and_then(|p| p.id.clone())
        } else {
            self.sender.as_ref().and_then(|p| p.id.clone())
        };
        let what = self.kind_name();
        let event = |customer_id: String, kind: EventKind| InboundEvent {
            page_id: page_id.to_owned(),
            customer_id,
            timestamp,
            kind,
        };
        let Some(customer_id) = customer else {
            return event(String::new(), EventKind::Unsupported { what });
        };
        let kind = self.into_kind(what);
        event(customer_id, kind)
    }

    fn into_kind(self, what: String) -> EventKind {
        if let Some(message) = self.message {
            if message.is_deleted {
                return EventKind::Unsupported {
                    what: "message deleted by the customer".to_owned(),
                };
            }
            if message.is_unsupported {
                return EventKind::UnsupportedMessage {
                    mid: message.mid,
                    what: "content Meta does not pass on".to_owned(),
                };
            }
            let body = MessageBody {
                mid: message.mid,
                text: message.text,
                attachments: message
                    .attachments
                    .into_iter()
                    .map(RawAttachment::into_attachment)
                    .collect(),
                reply_to: message.reply_to.and_then(|r| r.mid),
                quick_reply: message.quick_reply.and_then(|q| q.payload),
            };
            return if message.is_echo {
                EventKind::Echo {
                    body,
                    app_id: message.app_id,
                    metadata: message.metadata,
                }
            } else {
                EventKind::Message(body)
            };
        }
        if let Some(delivery) = self.delivery {
            return EventKind::Delivery {
                mids: delivery.mids,
                watermark: delivery.watermark,
            };
        }
        if let Some(read) = self.read {
            return EventKind::Read {
                watermark: read.watermark,
                mid: read.mid,
            };
        }
        if let Some(postback) = self.postback {
            return EventKind::Postback {
                mid: postback.mid,
                title: postback.title,
                payload: postback.payload,
            };
        }
        if let Some(reaction) = self.reaction {
            return EventKind::Reaction {
                mid: reaction.mid,
                action: reaction.action,
                emoji: reaction.emoji,
            };
        }
        EventKind::Unsupported { what }
    }
}

/// An item that did not parse at all. A customer's message (it has a `mid`) is kept as one
/// the agent sees; anything else is noted.
pub(super) fn unreadable(
    page_id: &str,
    entry_time: i64,
    item: &Value,
    error: &serde_json::Error,
) -> InboundEvent {
    let stamped = item.get("timestamp").map_or(0, millis);
    let timestamp = if stamped > 0 { stamped } else { entry_time };
    let customer_id = sender_id(item).unwrap_or_default();
    let mid = item
        .get("message")
        .and_then(|m| m.get("mid"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let echo = item
        .get("message")
        .and_then(|m| m.get("is_echo"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let kind = match mid {
        Some(mid) if !customer_id.is_empty() && !echo => EventKind::UnsupportedMessage {
            mid,
            what: format!("a message Atende cannot read ({error})"),
        },
        _ => EventKind::Unsupported {
            what: format!("an event Atende cannot read ({error})"),
        },
    };
    InboundEvent {
        page_id: page_id.to_owned(),
        customer_id,
        timestamp,
        kind,
    }
}
