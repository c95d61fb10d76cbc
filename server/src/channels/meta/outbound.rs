//! The Send API request bodies (queueing is the conversation core's: `conversation::outbox`).

use serde_json::{json, Value};

use super::ingest::OUR_METADATA_PREFIX;
use crate::conversation::channel::Content;
use crate::domain::messaging_window::SendMode;

/// The Send API body: our outbox id in `metadata` (so the echo is recognised as ours) and the
/// messaging type the window allows.
pub fn request_body(outbox_id: i64, recipient: &str, content: &Content, mode: SendMode) -> Value {
    let metadata = format!("{OUR_METADATA_PREFIX}outbox:{outbox_id}");
    let message = match content {
        Content::Text(text, []) => json!({ "text": text, "metadata": metadata }),
        Content::Text(text, replies) => json!({
            "text": text,
            "metadata": metadata,
            "quick_replies": replies.iter().map(|r| json!({
                "content_type": "text", "title": r.title, "payload": r.payload,
            })).collect::<Vec<_>>(),
        }),
        Content::Attachment { kind, url } => json!({
            "attachment": { "type": kind, "payload": { "url": url, "is_reusable": false } },
            "metadata": metadata,
        }),
    };
    let mut body = json!({
        "recipient": { "id": recipient },
        "messaging_type": "RESPONSE",
        "message": message,
    });
    if mode == SendMode::HumanAgentTag {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::QuickReply;

    #[test]
    fn bodies_carry_our_metadata_and_the_windows_messaging_type() {
        let body = request_body(7, "123", &Content::Text("oi", &[]), SendMode::Response);
        assert_eq!(body["messaging_type"], "RESPONSE");
        assert_eq!(body["message"]["metadata"], "atende:outbox:7");
        assert!(body.get("tag").is_none());
        assert!(body["message"].get("quick_replies").is_none());
        let buttons = [QuickReply {
            title: "Sim".into(),
            payload: "SURVEY_YES".into(),
        }];
        let body = request_body(
            9,
            "123",
            &Content::Text("Ok?", &buttons),
            SendMode::Response,
        );
        assert_eq!(
            body["message"]["quick_replies"],
            json!([{ "content_type": "text", "title": "Sim", "payload": "SURVEY_YES" }])
        );
        let url = "https://atende.example/media/public/abc";
        let content = Content::Attachment { kind: "image", url };
        let body = request_body(8, "123", &content, SendMode::HumanAgentTag);
        assert_eq!(
            (&body["messaging_type"], &body["tag"]),
            (&json!("MESSAGE_TAG"), &json!("HUMAN_AGENT"))
        );
        assert_eq!(body["message"]["attachment"]["payload"]["url"], url);
    }
}
