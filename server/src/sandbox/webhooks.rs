//! The sandbox's side of the webhook: events are batched the way Meta batches them (everything
//! waiting, grouped into `entry[]` per page), signed with the app secret and POSTed to our own
//! webhook over HTTP. Like Meta, a delivery that does not get a 200 is retried with backoff, and
//! the next one waits for it, so events arrive in order.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::channels::meta::credentials::MetaCredentials;
use crate::channels::meta::signature;

/// How long the emitter waits for more events to put in the same delivery.
const BATCH_WINDOW: Duration = Duration::from_millis(15);
const MAX_EVENTS_PER_DELIVERY: usize = 100;
/// Meta gives up on a delivery after about a day; the sandbox after these many attempts.
const MAX_ATTEMPTS: u32 = 15;

/// One `messaging[]` event for one page (or Instagram account).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub instagram: bool,
    pub page_id: String,
    pub event: Value,
}

#[derive(Clone)]
pub struct WebhookEmitter {
    queue: mpsc::UnboundedSender<Outgoing>,
}

impl WebhookEmitter {
    /// Starts the emitter that posts to `base_url` + `/hook/messageFacebook` (or Instagram).
    pub fn spawn(base_url: String, credentials: MetaCredentials) -> WebhookEmitter {
        let (queue, events) = mpsc::unbounded_channel();
        tokio::spawn(run(events, base_url, credentials));
        WebhookEmitter { queue }
    }

    pub fn emit(&self, event: Outgoing) {
        if self.queue.send(event).is_err() {
            tracing::error!("The sandbox webhook emitter has stopped; an event was dropped");
        }
    }
}

async fn run(
    mut events: mpsc::UnboundedReceiver<Outgoing>,
    base_url: String,
    credentials: MetaCredentials,
) {
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
    {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(error = %error, "The sandbox cannot make an HTTP client");
            return;
        }
    };
    while let Some(first) = events.recv().await {
        tokio::time::sleep(BATCH_WINDOW).await;
        let mut batch = vec![first];
        while batch.len() < MAX_EVENTS_PER_DELIVERY {
            match events.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        // One delivery per object type, as Meta subscribes pages and Instagram separately.
        let (instagram, messenger): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|event| event.instagram);
        for (path, object, group) in [
            ("/hook/messageFacebook", "page", messenger),
            ("/hook/messageInstagram", "instagram", instagram),
        ] {
            if group.is_empty() {
                continue;
            }
            let body = delivery_body(object, &group);
            deliver(&http, &credentials, &format!("{base_url}{path}"), body).await;
        }
    }
}

/// `{"object": …, "entry": [{"id": page, "time": …, "messaging": [event]}…]}`; consecutive
/// events for the same page share an entry.
pub fn delivery_body(object: &str, events: &[Outgoing]) -> Vec<u8> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut entries: Vec<Value> = Vec::new();
    for event in events {
        match entries.last_mut() {
            Some(entry) if entry["id"] == event.page_id.as_str() => {
                if let Some(messaging) = entry["messaging"].as_array_mut() {
                    messaging.push(event.event.clone());
                }
            }
            _ => entries.push(json!({
                "id": event.page_id,
                "time": now,
                "messaging": [event.event.clone()],
            })),
        }
    }
    json!({ "object": object, "entry": entries })
        .to_string()
        .into_bytes()
}

async fn deliver(http: &reqwest::Client, credentials: &MetaCredentials, url: &str, body: Vec<u8>) {
    for attempt in 1..=MAX_ATTEMPTS {
        let secret = credentials
            .current()
            .await
            .ok()
            .and_then(|c| c.app_secret)
            .map(|s| s.expose_secret().as_bytes().to_vec());
        let outcome = match secret {
            None => Err("no app secret is configured".to_owned()),
            Some(secret) => http
                .post(url)
                .header("content-type", "application/json")
                .header(signature::HEADER, signature::sign(&secret, &body))
                .body(body.clone())
                .send()
                .await
                .map_err(|e| e.to_string())
                .and_then(|response| match response.status().as_u16() {
                    200 => Ok(()),
                    status => Err(format!("HTTP {status}")),
                }),
        };
        match outcome {
            Ok(()) => return,
            Err(detail) => {
                let wait = Duration::from_millis(250 * 2u64.pow(attempt.min(8)));
                tracing::warn!(attempt, %detail, ?wait, "Sandbox webhook delivery failed; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
    tracing::error!("Sandbox webhook delivery abandoned after {MAX_ATTEMPTS} attempts");
}

/// The events Meta sends, in Meta's shapes.
pub mod shapes {
    use serde_json::{json, Value};

    /// The app ID the sandbox's echoes carry.
    pub const SANDBOX_APP_ID: i64 = 1_000_000_000_000_001;

    pub fn attachments(kind: &str, url: &str) -> Value {
        json!([{ "type": kind, "payload": { "url": url } }])
    }

    pub fn customer_message(page: &str, psid: &str, at: i64, message: Value) -> Value {
        json!({
            "sender": { "id": psid },
            "recipient": { "id": page },
            "timestamp": at,
            "message": message,
        })
    }

    pub fn echo(page: &str, psid: &str, at: i64, mut message: Value) -> Value {
        message["is_echo"] = json!(true);
        message["app_id"] = json!(SANDBOX_APP_ID);
        json!({
            "sender": { "id": page },
            "recipient": { "id": psid },
            "timestamp": at,
            "message": message,
        })
    }

    pub fn delivery(page: &str, psid: &str, at: i64, mids: &[&str]) -> Value {
        json!({
            "sender": { "id": psid },
            "recipient": { "id": page },
            "timestamp": at,
            "delivery": { "mids": mids, "watermark": at },
        })
    }

    pub fn read(page: &str, psid: &str, at: i64) -> Value {
        json!({
            "sender": { "id": psid },
            "recipient": { "id": page },
            "timestamp": at,
            "read": { "watermark": at },
        })
    }
}
