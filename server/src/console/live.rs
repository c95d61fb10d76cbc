//! `GET /console/live`: one WebSocket per agent console, authenticated by the session cookie
//! and checked for Origin. The server tells the console when what it shows has changed
//! (`{"type":"changed"}`); the console then reloads from the server functions, which read the
//! database, so every message shows exactly once and in order (by id) after drops, reconnects
//! and restarts. Changes are noticed at once on this instance (the live signal) and, for other
//! instances' work, by comparing a fingerprint of the agent's conversations every second.

use std::sync::Arc;
use std::time::Duration;

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
use crate::store::console::fingerprint;

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

/// Re-check the database this often even without a signal (other instances' changes).
const POLL: Duration = Duration::from_secs(1);
/// Note that the console is connected this often (well inside routing's grace period).
const HEARTBEAT: Duration = Duration::from_secs(15);

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
    upgrade.on_upgrade(move |socket| follow(state, agent, socket))
}

async fn follow(state: AppState, agent: i64, mut socket: WebSocket) {
    let mut signal = state.live.subscribe();
    let mut last = None;
    let mut poll = tokio::time::interval(POLL);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            changed = signal.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = poll.tick() => {}
            _ = heartbeat.tick() => {
                // The console is here: routing's grace period starts again.
                let now = chrono::Utc::now();
                if let Err(error) = crate::store::routing::touch(state.store.pool(), agent, now).await {
                    tracing::warn!(error = ?error, agent, "Failed to note a console heartbeat");
                }
                continue;
            }
            incoming = socket.recv() => match incoming {
                // The console only listens; pings are answered by axum. Anything else: ignore.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
        }
        let current = match fingerprint(state.store.pool(), agent).await {
            Ok(current) => current,
            Err(error) => {
                tracing::warn!(error = ?error, agent, "Console fingerprint failed");
                continue;
            }
        };
        if last != Some(current) {
            last = Some(current);
            let event = json!({ "type": "changed" }).to_string();
            if socket.send(Message::Text(event.into())).await.is_err() {
                return;
            }
        }
    }
}
