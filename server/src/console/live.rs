//! `GET /console/live`: one WebSocket per agent console, authenticated by the session cookie
//! and checked for Origin. The console first says what it shows (`Resume`: each conversation
//! with the last sequence number it saw); the server replays what followed from the event log,
//! then streams the hub's events as they happen. Events carry their conversation's sequence
//! number, so the console applies each exactly once and in order, and notices a gap.

use std::sync::Arc;

use app::model::console::Resume;
use app::model::Role;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::watch;
use tower_sessions::Session;

use crate::http::middleware::origin::is_allowed;
use crate::state::AppState;

/// "Something the consoles show may have changed": bumped by ingest, routing and the sender.
#[derive(Clone)]
pub struct LiveSignal {
    sender: Arc<watch::Sender<u64>>,
}

impl Default for LiveSignal {
    fn default() -> Self {
        LiveSignal {
            sender: Arc::new(watch::channel(0).0),
        }
    }
}

impl LiveSignal {
    pub fn bump(&self) {
        self.sender.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }
}

/// What the console sends is small (a resume list); refuse more.
const MAX_INCOMING: usize = 16 * 1024;
/// Idle consoles are most of them: small buffers keep each connection cheap.
const READ_BUFFER: usize = 4 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/live", get(upgrade))
}

fn refuse(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}

async fn upgrade(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Browsers send Origin on WebSocket handshakes; a foreign page must not ride the cookie.
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let external = state.settings.external_origin();
    let ours = origin.is_some_and(|origin| is_allowed(origin, host, &external));
    if !ours {
        return refuse(StatusCode::FORBIDDEN, "forbidden");
    }
    let agent = match app::server::session::current_user(&session, &state.services).await {
        Ok(Some(user)) if user.role == Role::Agent => user.id,
        Ok(Some(_)) => return refuse(StatusCode::FORBIDDEN, "forbidden"),
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, "unauthenticated"),
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_INCOMING)
        .on_upgrade(move |socket| follow(state, agent, socket))
}

enum Next {
    Send(Arc<str>),
    Resume(String),
    Stop,
}

async fn follow(state: AppState, agent: i64, mut socket: WebSocket) {
    // Subscribed before replaying: nothing can fall between the two (repeats are dropped by
    // the console, which compares sequence numbers).
    let mut subscription = state.hub.subscribe(agent);
    // Back within the grace period: the agent keeps their chats. (While connected, the hub
    // notes every console of this instance at once, every few seconds.)
    let now = chrono::Utc::now();
    if let Err(error) = crate::store::routing::touch(state.store.pool(), &[agent], now).await {
        tracing::warn!(error = ?error, agent, "Failed to note a console");
    }
    loop {
        let next = tokio::select! {
            event = subscription.events.recv() => match event {
                Some(text) => Next::Send(text),
                // Cut off for falling behind: the console reconnects and resumes.
                None => Next::Stop,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => Next::Resume(text.to_string()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => Next::Stop,
                // Pings are answered by axum; nothing else is expected.
                Some(Ok(_)) => continue,
            },
        };
        match next {
            Next::Send(text) => {
                if socket
                    .send(Message::Text(text.as_ref().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Next::Resume(text) => {
                let Ok(resume) = serde_json::from_str::<Resume>(&text) else {
                    tracing::info!(agent, "Console sent something that is not a resume");
                    continue;
                };
                let replay = match state.hub.replay(agent, &resume.resume).await {
                    Ok(replay) => replay,
                    Err(error) => {
                        tracing::warn!(error = ?error, agent, "Console replay failed");
                        return;
                    }
                };
                for text in replay {
                    if socket
                        .send(Message::Text(text.as_ref().into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            Next::Stop => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}
