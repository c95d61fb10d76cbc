//! Meta's webhook payload, typed: `entry[]` × `messaging[]` flattened into one `InboundEvent`
//! per event, in delivery order. Unknown kinds are kept as `Unsupported` (never dropped
//! silently), so a processor can record them for inspection.

use serde::Deserialize;

/// One event, with the page (or Instagram account) it is addressed to and the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    /// `entry[].id`: the page ID (Messenger) or Instagram account ID: a service's cifra.
    pub page_id: String,
    /// The customer's page-scoped ID (for echoes, the recipient; for the rest, the sender).
    pub customer_id: String,
    /// Milliseconds since the epoch, as Meta stamps the event.
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
    /// A kind this version does not handle (kept for inspection).
    Unsupported,
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

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Attachment {
    /// image, video, audio, file, fallback, template…; stickers arrive as `image` with a
    /// `sticker_id`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: AttachmentPayload,
}

impl MessageBody {
    /// The attachments as stored with the message.
    pub fn attachments_json(&self) -> serde_json::Value {
        let list = self.attachments.iter().map(|a| {
            serde_json::json!({
                "kind": a.kind,
                "url": a.payload.url,
                "sticker_id": a.payload.sticker_id,
                "title": a.payload.title,
            })
        });
        serde_json::Value::Array(list.collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AttachmentPayload {
    pub url: Option<String>,
    pub sticker_id: Option<i64>,
    pub title: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a Meta webhook payload: {0}")]
pub struct PayloadError(#[from] serde_json::Error);

/// Parses a verified delivery body into its events.
pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, PayloadError> {
    let payload: Payload = serde_json::from_slice(body)?;
    let events = payload
        .entry
        .into_iter()
        .flat_map(|entry| {
            let page_id = entry.id;
            entry
                .messaging
                .into_iter()
                .map(move |raw| raw.into_event(&page_id))
        })
        .collect();
    Ok(events)
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    #[serde(default)]
    messaging: Vec<RawEvent>,
}

/// `id` is absent for some senders (chat-plugin guests, checkbox opt-ins use `user_ref`).
#[derive(Deserialize)]
struct Party {
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent {
    sender: Party,
    recipient: Party,
    #[serde(default)]
    timestamp: i64,
    message: Option<RawMessage>,
    delivery: Option<RawDelivery>,
    read: Option<RawRead>,
    postback: Option<RawPostback>,
    reaction: Option<RawReaction>,
}

#[derive(Deserialize)]
struct RawMessage {
    mid: String,
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    is_echo: bool,
    app_id: Option<i64>,
    metadata: Option<String>,
    reply_to: Option<MidRef>,
    quick_reply: Option<QuickReply>,
}

#[derive(Deserialize)]
struct MidRef {
    mid: String,
}

#[derive(Deserialize)]
struct QuickReply {
    payload: String,
}

#[derive(Deserialize)]
struct RawDelivery {
    #[serde(default)]
    mids: Vec<String>,
    #[serde(default)]
    watermark: i64,
}

#[derive(Deserialize)]
struct RawRead {
    #[serde(default)]
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

impl RawEvent {
    fn into_event(self, page_id: &str) -> InboundEvent {
        let echo = self.message.as_ref().is_some_and(|m| m.is_echo);
        // An echo goes from the page to the customer; everything else the other way round.
        let customer = if echo {
            self.recipient.id
        } else {
            self.sender.id
        };
        let Some(customer_id) = customer else {
            let page_id = page_id.to_owned();
            return InboundEvent {
                page_id,
                customer_id: String::new(),
                timestamp: self.timestamp,
                kind: EventKind::Unsupported,
            };
        };
        let kind = if let Some(message) = self.message {
            let body = MessageBody {
                mid: message.mid,
                text: message.text,
                attachments: message.attachments,
                reply_to: message.reply_to.map(|r| r.mid),
                quick_reply: message.quick_reply.map(|q| q.payload),
            };
            if message.is_echo {
                EventKind::Echo {
                    body,
                    app_id: message.app_id,
                    metadata: message.metadata,
                }
            } else {
                EventKind::Message(body)
            }
        } else if let Some(delivery) = self.delivery {
            EventKind::Delivery {
                mids: delivery.mids,
                watermark: delivery.watermark,
            }
        } else if let Some(read) = self.read {
            EventKind::Read {
                watermark: read.watermark,
                mid: read.mid,
            }
        } else if let Some(postback) = self.postback {
            EventKind::Postback {
                mid: postback.mid,
                title: postback.title,
                payload: postback.payload,
            }
        } else if let Some(reaction) = self.reaction {
            EventKind::Reaction {
                mid: reaction.mid,
                action: reaction.action,
                emoji: reaction.emoji,
            }
        } else {
            EventKind::Unsupported
        };
        InboundEvent {
            page_id: page_id.to_owned(),
            customer_id,
            timestamp: self.timestamp,
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "104719482392816";
    const PSID: &str = "7300112233445566";

    fn wrap(events: &str) -> Vec<u8> {
        format!(r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1732190000000,"messaging":[{events}]}}]}}"#)
            .into_bytes()
    }

    fn one(event: &str) -> InboundEvent {
        let mut events = parse(&wrap(event)).expect("parses");
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    #[test]
    fn a_text_message_names_its_page_customer_and_mid() {
        let event = one(&format!(
            r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1732190000123,
               "message":{{"mid":"m_1","text":"Olá"}}}}"#
        ));
        assert_eq!(event.page_id, PAGE);
        assert_eq!(event.customer_id, PSID);
        assert_eq!(event.timestamp, 1732190000123);
        let EventKind::Message(body) = event.kind else {
            panic!("a message")
        };
        assert_eq!(
            (body.mid.as_str(), body.text.as_deref()),
            ("m_1", Some("Olá"))
        );
    }

    #[test]
    fn attachments_stickers_replies_and_quick_replies_are_read() {
        let event = one(&format!(
            r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
               "message":{{"mid":"m_2","reply_to":{{"mid":"m_1"}},"quick_reply":{{"payload":"MENU_2"}},
               "attachments":[{{"type":"image","payload":{{"url":"https://cdn.example/a.jpg","sticker_id":369239263222822}}}},
                              {{"type":"fallback","payload":{{"url":"https://example.com","title":"Link"}}}}]}}}}"#
        ));
        let EventKind::Message(body) = event.kind else {
            panic!("a message")
        };
        assert_eq!(body.reply_to.as_deref(), Some("m_1"));
        assert_eq!(body.quick_reply.as_deref(), Some("MENU_2"));
        assert_eq!(body.attachments.len(), 2);
        assert_eq!(
            body.attachments[0].payload.sticker_id,
            Some(369239263222822)
        );
        assert_eq!(body.attachments[1].kind, "fallback");
    }

    #[test]
    fn an_echo_belongs_to_the_customer_it_was_sent_to() {
        let event = one(&format!(
            r#"{{"sender":{{"id":"{PAGE}"}},"recipient":{{"id":"{PSID}"}},"timestamp":1,
               "message":{{"is_echo":true,"app_id":1517776481860111,"metadata":"atende:outbox:42","mid":"m_3","text":"Oi!"}}}}"#
        ));
        assert_eq!(event.customer_id, PSID);
        let EventKind::Echo {
            metadata, app_id, ..
        } = event.kind
        else {
            panic!("an echo")
        };
        assert_eq!(metadata.as_deref(), Some("atende:outbox:42"));
        assert_eq!(app_id, Some(1517776481860111));
    }

    #[test]
    fn an_instagram_read_names_the_message_instead_of_a_watermark() {
        let body = format!(
            r#"{{"object":"instagram","entry":[{{"id":"{PAGE}","time":1,"messaging":[
               {{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,
                 "read":{{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA"}}}}]}}]}}"#
        );
        let events = parse(body.as_bytes()).expect("parses");
        assert_eq!(
            events[0].kind,
            EventKind::Read {
                watermark: 0,
                mid: Some("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA".into())
            }
        );
    }

    #[test]
    fn delivery_read_postback_and_reaction_events_are_recognised() {
        let from_customer =
            format!(r#""sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1"#);
        let kinds: Vec<EventKind> = parse(&wrap(&format!(
            r#"{{{from_customer},"delivery":{{"mids":["m_9"],"watermark":1732190000999}}}},
               {{{from_customer},"read":{{"watermark":1732190001000}}}},
               {{{from_customer},"postback":{{"title":"Falar com atendente","payload":"HUMAN","mid":"m_p"}}}},
               {{{from_customer},"reaction":{{"mid":"m_9","action":"react","emoji":"❤","reaction":"love"}}}},
               {{{from_customer},"optin":{{"ref":"x"}}}}"#
        )))
        .expect("parses")
        .into_iter()
        .map(|e| e.kind)
        .collect();
        assert_eq!(
            kinds[0],
            EventKind::Delivery {
                mids: vec!["m_9".into()],
                watermark: 1732190000999
            }
        );
        assert_eq!(
            kinds[1],
            EventKind::Read {
                watermark: 1732190001000,
                mid: None
            }
        );
        assert!(matches!(&kinds[2], EventKind::Postback { payload: Some(p), .. } if p == "HUMAN"));
        assert!(matches!(&kinds[3], EventKind::Reaction { action, .. } if action == "react"));
        assert_eq!(kinds[4], EventKind::Unsupported);
    }

    #[test]
    fn batched_entries_keep_their_order_and_their_own_page() {
        let body = br#"{"object":"page","entry":[
            {"id":"1","time":1,"messaging":[{"sender":{"id":"a"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m_a","text":"1"}}]},
            {"id":"2","time":2,"messaging":[{"sender":{"id":"b"},"recipient":{"id":"2"},"timestamp":2,"message":{"mid":"m_b","text":"2"}},
                                            {"sender":{"id":"c"},"recipient":{"id":"2"},"timestamp":3,"message":{"mid":"m_c","text":"3"}}]}]}"#;
        let events = parse(body).expect("parses");
        let pages: Vec<_> = events
            .iter()
            .map(|e| (e.page_id.as_str(), e.customer_id.as_str()))
            .collect();
        assert_eq!(pages, [("1", "a"), ("2", "b"), ("2", "c")]);
    }

    #[test]
    fn an_event_without_a_customer_id_does_not_sink_its_batch() {
        let events = parse(&wrap(&format!(
            r#"{{"sender":{{"user_ref":"guest-1"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,"message":{{"mid":"m_g","text":"oi"}}}},
               {{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":2,"message":{{"mid":"m_ok","text":"olá"}}}}"#
        )))
        .expect("parses");
        assert_eq!(events[0].kind, EventKind::Unsupported);
        assert!(matches!(&events[1].kind, EventKind::Message(body) if body.mid == "m_ok"));
    }

    #[test]
    fn json_that_is_not_a_webhook_payload_is_an_error() {
        assert!(parse(br#"{"entry":[{"id":"1","messaging":[{"timestamp":1}]}]}"#).is_err());
        assert!(parse(b"[1,2,3]").is_err());
        assert_eq!(
            parse(br#"{"object":"page"}"#).map(|e| e.len()).ok(),
            Some(0)
        );
    }
}
