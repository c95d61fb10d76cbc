//! Meta's webhook payload, typed: `entry[]` × `messaging[]` flattened into one `InboundEvent`
//! per event, in delivery order. Each event is parsed on its own, so one that Atende cannot
//! read never sinks the others of its delivery (Meta got its 200 and will not send them again):
//! it is kept as `Unsupported` (or, when it is a customer's message, `UnsupportedMessage`, which
//! the agent sees), never dropped silently. Meta's shapes: developers.facebook.com/docs/
//! messenger-platform/reference/webhook-events and .../instagram-platform/webhooks/examples.

use serde::Deserialize;
use serde_json::Value;

use super::events_raw::{entry_time, RawEvent};

/// One event, with the page (or Instagram account) it is addressed to and the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    /// `entry[].id`: the page ID (Messenger) or Instagram account ID: a service's cifra.
    pub page_id: String,
    /// The customer's page-scoped ID (for echoes, the recipient; for the rest, the sender);
    /// empty when the event names none (the page's own events, chat-plugin guests).
    pub customer_id: String,
    /// Milliseconds since the epoch, as Meta stamps the event (0: not stamped).
    pub timestamp: i64,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A customer's message: text and/or attachments.
    Message(MessageBody),
    /// A message sent by the page: ours (with our metadata) or typed in the Page inbox.
    Echo {
        body: MessageBody,
        app_id: Option<i64>,
        metadata: Option<String>,
    },
    /// Our messages up to `watermark` (and those listed) reached the customer's device.
    Delivery { mids: Vec<String>, watermark: i64 },
    /// The customer read everything sent before `watermark` (Messenger), or up to the message
    /// `mid` (Instagram, which sends no watermark).
    Read { watermark: i64, mid: Option<String> },
    /// A button or quick reply was tapped.
    Postback {
        mid: Option<String>,
        title: Option<String>,
        payload: Option<String>,
    },
    /// A reaction added to or removed from a message.
    Reaction {
        mid: String,
        action: String,
        emoji: Option<String>,
    },
    /// A customer's message Atende cannot show as sent (a shape it does not read, or content
    /// Meta itself marks unsupported): stored so the agent knows something arrived.
    UnsupportedMessage { mid: String, what: String },
    /// Any other event this version does not handle: noted on its delivery for inspection.
    Unsupported { what: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageBody {
    pub mid: String,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    /// `reply_to.mid`: the message this one answers.
    pub reply_to: Option<String>,
    /// `quick_reply.payload` when the customer tapped a quick reply.
    pub quick_reply: Option<String>,
}

use crate::domain::attachment::SHARED_LINK;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Attachment {
    /// image, video, audio, file, fallback (a shared link), template, sticker, share, ig_reel…
    #[serde(rename = "type")]
    pub kind: String,
    pub payload: AttachmentPayload,
}

impl Attachment {
    /// A shared link (`fallback`): shown as its title and URL, never downloaded (its URL is a
    /// web page, not a file on Meta's CDN).
    pub fn is_link(&self) -> bool {
        self.kind == SHARED_LINK
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AttachmentPayload {
    pub url: Option<String>,
    pub sticker_id: Option<i64>,
    pub title: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("not a Meta webhook payload: {0}")]
    NotAPayload(&'static str),
}

/// What one delivery holds: Meta's `object` (`page` or `instagram`) and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDelivery {
    pub object: Option<String>,
    pub events: Vec<InboundEvent>,
}

/// Parses a verified delivery body. Only a body that is not a JSON object with an `entry`
/// list (when present) is an error; anything inside that does not parse becomes an
/// `Unsupported` event of its own.
pub fn parse(body: &[u8]) -> Result<ParsedDelivery, PayloadError> {
    let payload: Value = serde_json::from_slice(body)?;
    let Value::Object(mut payload) = payload else {
        return Err(PayloadError::NotAPayload("the body is not an object"));
    };
    let object = payload
        .get("object")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let entries = match payload.remove("entry") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(PayloadError::NotAPayload("`entry` is not a list")),
    };
    let mut events = Vec::new();
    for entry in entries {
        entry_events(entry, &mut events);
    }
    Ok(ParsedDelivery { object, events })
}

fn entry_events(entry: Value, events: &mut Vec<InboundEvent>) {
    let page_id = match entry.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => String::new(),
    };
    let time = entry_time(&entry);
    let unsupported = |what: String, customer_id: String, timestamp: i64| InboundEvent {
        page_id: page_id.clone(),
        customer_id,
        timestamp,
        kind: EventKind::Unsupported { what },
    };
    let Value::Object(entry) = entry else {
        events.push(unsupported(
            "an entry that is not an object".into(),
            String::new(),
            0,
        ));
        return;
    };
    let items = |key: &str| match entry.get(key) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    for item in items("messaging") {
        events.push(messaging_event(&page_id, time, item));
    }
    // Events of threads another app controls (Conversation Routing): recorded, not acted on.
    for item in items("standby") {
        let sender = super::events_raw::sender_id(&item).unwrap_or_default();
        events.push(unsupported("standby".into(), sender, time));
    }
    // The field/value form (comments, mentions; some dashboard tests).
    for change in items("changes") {
        let field = change.get("field").and_then(Value::as_str).unwrap_or("?");
        events.push(unsupported(
            format!("changes: {field}"),
            String::new(),
            time,
        ));
    }
}

fn messaging_event(page_id: &str, entry_time: i64, item: Value) -> InboundEvent {
    match serde_json::from_value::<RawEvent>(item.clone()) {
        Ok(raw) => raw.into_event(page_id, entry_time),
        Err(error) => super::events_raw::unreadable(page_id, entry_time, &item, &error),
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "events_props.rs"]
mod props;
