//! Properties of the webhook payload parser on random input (proptest): it never panics, and
//! one event it cannot read never costs the batch another event.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

/// Any JSON value, nested a few levels: objects with Meta's keys now and then, so that random
/// values reach the parser's inner branches and not only its first check.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("object".to_owned()),
        Just("entry".to_owned()),
        Just("messaging".to_owned()),
        Just("message".to_owned()),
        Just("mid".to_owned()),
        Just("sender".to_owned()),
        Just("id".to_owned()),
        Just("attachments".to_owned()),
        Just("payload".to_owned()),
        Just("timestamp".to_owned()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A customer's text message as Meta sends it.
fn customer_text(mid: &str, text: &str) -> Value {
    json!({
        "sender": { "id": "7300112233445566" },
        "recipient": { "id": "104719482392816" },
        "timestamp": 1_700_000_000_000_i64,
        "message": { "mid": mid, "text": text },
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        let _ = parse(value.to_string().as_bytes());
        let _ = parse(json!({ "object": "page", "entry": [value] }).to_string().as_bytes());
    }

    #[test]
    fn every_valid_message_of_a_batch_survives_the_others(
        items in prop::collection::vec(
            prop_oneof![
                ("[a-zA-Z0-9_.-]{1,24}", ".{0,40}").prop_map(|(mid, text)| (Some((mid, text)), Value::Null)),
                any_json().prop_map(|junk| (None, junk)),
            ],
            0..12,
        )
    ) {
        let mut expected = Vec::new();
        let messaging: Vec<Value> = items
            .into_iter()
            .enumerate()
            .map(|(n, (valid, junk))| match valid {
                Some((mid, text)) => {
                    // Unique per batch, as Meta's mids are.
                    let mid = format!("valid-message-mid-{n}-{mid}");
                    expected.push((mid.clone(), text.clone()));
                    customer_text(&mid, &text)
                }
                None => junk,
            })
            .collect();
        let count = messaging.len();
        let body = json!({
            "object": "page",
            "entry": [{ "id": "104719482392816", "time": 1, "messaging": messaging }],
        });
        let parsed = parse(body.to_string().as_bytes()).expect("a well-formed envelope parses");
        // One event per item: nothing dropped, whatever it held.
        prop_assert_eq!(parsed.events.len(), count);
        let messages: Vec<(String, String)> = parsed
            .events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::Message(body) if body.mid.starts_with("valid-message-mid-") => {
                    Some((body.mid.clone(), body.text.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect();
        prop_assert_eq!(messages, expected, "every valid message, in order, as sent");
    }
}
