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
use crate::helpers::{
    agents_serving, client, eventually, session_cookie, spawn_stoppable_app, TestApp, TestDb,
};
use crate::on_both_backends;
use crate::sandbox::{customer_says, new_customer, sandbox_app};

on_both_backends!(
    only_a_signed_in_agent_from_our_origin_connects,
    events_arrive_numbered_and_a_reconnect_resumes_without_loss_or_repeats,
    the_channel_closes_within_seconds_of_the_session_ending,
    consoles_are_told_to_reconnect_when_the_instance_stops,
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

/// The close code the server sent within `wait`, skipping events; None if still open.
async fn closed_within(socket: &mut Socket, wait: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => return None,
            Ok(None) | Ok(Some(Err(_))) => return Some(1006),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(frame.map_or(1005, |f| u16::from(f.code)))
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The channel was checked only at the handshake: after logout, a password reset, disabling,
/// a role change or expiry it kept streaming customers' messages.
async fn the_channel_closes_within_seconds_of_the_session_ending(db: TestDb) {
    let app = sandbox_app(db).await;
    let names = ["ana", "bia", "caio", "dora", "eva"];
    let ids = agents_serving(&app, service_id(&app).await, &names, 8).await;
    let admin = client();
    app.login(&admin, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let mut sockets = Vec::new();
    let mut clients = Vec::new();
    let mut session_ids = Vec::new();
    for name in names {
        let (http, cookie) = agent_session(&app, name).await;
        session_ids.push(cookie.split_once('=').expect("pair").1.to_owned());
        let mut socket = open(&app, Some(&cookie), &app.address).await.expect("open");
        resume(&mut socket, &[]).await;
        sockets.push(socket);
        clients.push(http);
    }
    // Each still open a few seconds on: the checks end only sessions that ended.
    for socket in &mut sockets {
        assert_eq!(closed_within(socket, Duration::from_secs(3)).await, None);
    }
    let pool = app.store.pool();
    // Ana signs out (in another tab).
    let response = app.call(&clients[0], "auth/logout", &[]).await;
    assert!(response.status().is_success());
    // Bia's password is reset by an admin.
    let bia = ids[1].to_string();
    let response = app
        .call(
            &admin,
            "admin/reset_password",
            &[("id", &bia), ("password", "nova-senha-forte-2026")],
        )
        .await;
    assert_eq!(response.status(), 200);
    // Caio is disabled.
    let caio = ids[2].to_string();
    let detail: Value = app
        .call(&admin, "admin/user", &[("id", &caio)])
        .await
        .json()
        .await
        .expect("detail");
    let version = detail["version"].as_i64().expect("version").to_string();
    let response = app
        .call(
            &admin,
            "admin/set_user_active",
            &[("id", &caio), ("active", "false"), ("version", &version)],
        )
        .await;
    assert_eq!(response.status(), 200);
    // Dora becomes a supervisor.
    sqlx::query("UPDATE users SET role = 'supervisor' WHERE id = $1")
        .bind(ids[3])
        .execute(pool)
        .await
        .expect("role");
    // Eva's session passes its idle time.
    let expire = match app.store.backend() {
        atende_server::store::Backend::Sqlite => {
            "UPDATE tower_sessions SET expiry_date = 1 WHERE id = $1"
        }
        atende_server::store::Backend::Postgres => {
            "UPDATE tower_sessions.session SET expiry_date = now() - interval '1 minute'
             WHERE id = $1"
        }
    };
    let done = sqlx::query(expire)
        .bind(&session_ids[4])
        .execute(pool)
        .await
        .expect("expire");
    assert_eq!(done.rows_affected(), 1, "Eva's session row");
    for (name, socket) in names.iter().zip(&mut sockets) {
        assert_eq!(
            closed_within(socket, Duration::from_secs(5)).await,
            Some(4001),
            "{name}'s console is told its session ended"
        );
    }
}

/// Shutdown drains HTTP and the workers; open consoles get a close frame saying "service
/// restart" (1012), so they reconnect, to this instance or another, instead of waiting for a
/// timeout.
async fn consoles_are_told_to_reconnect_when_the_instance_stops(db: TestDb) {
    let (app, stop) = spawn_stoppable_app(db).await;
    app.create_user("ana", app::model::Role::Agent, "agent-password-2026")
        .await;
    let (_http, cookie) = agent_session(&app, "ana").await;
    let mut socket = open(&app, Some(&cookie), &app.address).await.expect("open");
    resume(&mut socket, &[]).await;
    assert_eq!(
        closed_within(&mut socket, Duration::from_secs(1)).await,
        None
    );
    stop.send(()).expect("the app still runs");
    assert_eq!(
        closed_within(&mut socket, Duration::from_secs(10)).await,
        Some(1012),
        "the console is told the service restarts"
    );
}
