//! The console's live channel over a real WebSocket: who may connect, numbered events in
//! order, and a reconnect that resumes from the last sequence number without losing or
//! repeating a message.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::console::{call, service_id};
use crate::helpers::{agents_serving, client, eventually, session_cookie, TestApp, TestDb};
use crate::on_both_backends;
use crate::sandbox::{customer_says, new_customer, sandbox_app};

on_both_backends!(
    only_a_signed_in_agent_from_our_origin_connects,
    events_arrive_numbered_and_a_reconnect_resumes_without_loss_or_repeats,
);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Signs in; the HTTP client (with the cookie) and the cookie header for the WebSocket.
async fn agent_session(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let agent = client();
    let response = app.login(&agent, username, "agent-password-2026").await;
    assert!(response.status().is_success(), "login {username}");
    let cookie = session_cookie(&response).expect("session cookie");
    let pair = cookie.split(';').next().expect("cookie pair").to_owned();
    (agent, pair)
}

async fn open(app: &TestApp, cookie: Option<&str>, origin: &str) -> Result<Socket, u16> {
    let url = format!("{}/console/live", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    let headers = request.headers_mut();
    headers.insert("Origin", origin.parse().expect("origin"));
    if let Some(cookie) = cookie {
        headers.insert("Cookie", cookie.parse().expect("cookie"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("WebSocket failed: {other}"),
    }
}

async fn resume(socket: &mut Socket, seen: &[(i64, i64)]) {
    let text = json!({ "resume": seen }).to_string();
    socket
        .send(Message::Text(text.into()))
        .await
        .expect("resume sent");
}

/// The next event, or `None` after `wait` of silence.
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let frame = tokio::time::timeout(wait, socket.next()).await.ok()??;
        if let Message::Text(text) = frame.expect("frame") {
            return Some(serde_json::from_str(&text).expect("event JSON"));
        }
    }
}

/// Events until `done` says so (10 s at most).
async fn events_until(socket: &mut Socket, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    while !done(&seen) {
        match next_event(socket, Duration::from_secs(10)).await {
            Some(event) => seen.push(event),
            None => panic!("no more events; got {seen:?}"),
        }
    }
    seen
}

fn texts(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e["message"]["text"].as_str().map(str::to_owned))
        .collect()
}

async fn only_a_signed_in_agent_from_our_origin_connects(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let (_, cookie) = agent_session(&app, "ana").await;
    assert_eq!(open(&app, None, &app.address).await.err(), Some(401));
    let foreign = open(&app, Some(&cookie), "https://evil.example").await;
    assert_eq!(foreign.err(), Some(403));
    let (_, admin) = {
        let admin = client();
        let response = app
            .login(&admin, "admin", crate::helpers::ADMIN_PASSWORD)
            .await;
        let cookie = session_cookie(&response).expect("cookie");
        (admin, cookie.split(';').next().expect("pair").to_owned())
    };
    assert_eq!(
        open(&app, Some(&admin), &app.address).await.err(),
        Some(403)
    );
    assert!(open(&app, Some(&cookie), &app.address).await.is_ok());
}

async fn events_arrive_numbered_and_a_reconnect_resumes_without_loss_or_repeats(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let (ana, cookie) = agent_session(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let mut socket = open(&app, Some(&cookie), &app.address).await.expect("open");
    resume(&mut socket, &[]).await;

    // A new customer: the conversation reaches Ana's console (its first message was recorded
    // while it waited in the queue, before it was hers).
    let psid = new_customer(&app, "Rita Souza", true).await;
    customer_says(&app, &psid, "first").await;
    let arrived = events_until(&mut socket, |seen| {
        seen.iter().any(|e| e["type"] == "conversation")
    })
    .await;
    let conversation = arrived
        .iter()
        .find(|e| e["type"] == "conversation")
        .and_then(|e| e["conversation"].as_i64())
        .expect("conversation");
    let (status, pane) = call(
        &app,
        &ana,
        "messages",
        &[("conversation", &conversation.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{pane}");
    assert_eq!(pane["messages"][0]["text"], "first");
    let mut last_seq = pane["seq"].as_i64().expect("seq");

    customer_says(&app, &psid, "second").await;
    let live = events_until(&mut socket, |seen| texts(seen).contains(&"second".into())).await;
    for event in live.iter().filter(|e| e["conversation"] == conversation) {
        let seq = event["seq"].as_i64().expect("seq");
        if seq > last_seq {
            assert_eq!(seq, last_seq + 1, "numbered without gaps: {live:?}");
            last_seq = seq;
        }
    }

    // The console drops off; the customer goes on writing.
    drop(socket);
    customer_says(&app, &psid, "third").await;
    customer_says(&app, &psid, "fourth").await;
    eventually(10, "both stored", || async {
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND direction = 'in'",
        )
        .bind(conversation)
        .fetch_one(app.store.pool())
        .await
        .expect("count");
        (stored == 4).then_some(())
    })
    .await;

    // Back: it says where it was and gets exactly what it missed, in order.
    let mut socket = open(&app, Some(&cookie), &app.address)
        .await
        .expect("reopen");
    resume(&mut socket, &[(conversation, last_seq)]).await;
    let replayed = events_until(&mut socket, |seen| texts(seen).contains(&"fourth".into())).await;
    assert_eq!(texts(&replayed), ["third", "fourth"]);
    let seqs: Vec<i64> = replayed
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, [last_seq + 1, last_seq + 2]);
    last_seq += 2;

    // Ana answers: her message, then its progress (sent, delivered), each a new number.
    let (status, _) = call(
        &app,
        &ana,
        "send",
        &[
            ("conversation", &conversation.to_string()),
            ("text", "Hello Rita"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let progress = events_until(&mut socket, |seen| {
        seen.iter()
            .any(|e| e["message"]["text"] == "Hello Rita" && e["message"]["status"] == "delivered")
    })
    .await;
    let statuses: Vec<&str> = progress
        .iter()
        .filter_map(|e| e["message"]["status"].as_str())
        .collect();
    assert_eq!(statuses.first(), Some(&"sending"), "{progress:?}");
    for event in &progress {
        let seq = event["seq"].as_i64().expect("seq");
        assert_eq!(seq, last_seq + 1, "{progress:?}");
        last_seq = seq;
    }
    // Nothing repeated afterwards.
    assert!(next_event(&mut socket, Duration::from_millis(700))
        .await
        .is_none());
}
