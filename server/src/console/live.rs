//! `GET /console/live`: one WebSocket per agent console, authenticated by the session cookie
//! and checked for Origin. The console first says what it shows (`Resume`: each conversation
//! with the last sequence number it saw); the server replays what followed from the event log,
//! then streams the hub's events as they happen. Events carry their conversation's sequence
//! number, so the console applies each exactly once and in order, and notices a gap.

use std::sync::Arc;
use std::time::Duration;

use app::model::console::Resume;
use app::model::Role;
use app::server::Services;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_sessions::session::Id;
use tower_sessions::{Session, SessionStore};

use crate::config::Settings;
use crate::console::hub::Hub;
use crate::http::json_error::JsonError;
use crate::http::middleware::origin::is_allowed;
use crate::http::session::SqlSessionStore;
use crate::lifecycle::Shutdown;
use crate::store::Store;

/// How often an open console checks that the session which opened it still holds (logout,
/// password reset, disabling, a role change, idle or absolute expiry end it).
const SESSION_CHECK: Duration = Duration::from_secs(2);
/// Close codes 4000–4999 are the application's: "your session ended, sign in again".
pub const CLOSE_SESSION_ENDED: u16 = 4001;
/// "Service restart" (RFC 6455 registry): reconnect, to this instance or another.
pub const CLOSE_RESTARTING: u16 = 1012;

/// What the console sends is small (a resume list); refuse more.
const MAX_INCOMING: usize = 16 * 1024;
/// Idle consoles are most of them: small buffers keep each connection cheap.
const READ_BUFFER: usize = 4 * 1024;

/// What the live channel needs: who is signed in and whether they still are, the hub that
/// feeds it, and the shutdown that closes it.
#[derive(Clone)]
pub struct LiveState {
    pub settings: Arc<Settings>,
    pub services: Services,
    pub sessions: SqlSessionStore,
    pub hub: Hub,
    pub store: Store,
    pub shutdown: Shutdown,
}

pub fn router<S>(state: LiveState) -> Router<S> {
    Router::new()
        .route("/console/live", get(upgrade))
        .with_state(state)
}

async fn upgrade(
    State(state): State<LiveState>,
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
        return JsonError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only agents, from Atende's own pages",
        )
        .into_response();
    }
    let agent = match app::server::session::current_user(&session, &state.services).await {
        Ok(Some(user)) if user.role == Role::Agent => user.id,
        Ok(Some(_)) => {
            return JsonError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only agents, from Atende's own pages",
            )
            .into_response()
        }
        Ok(None) => {
            return JsonError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
                .into_response()
        }
        Err(_) => {
            return JsonError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong",
            )
            .into_response()
        }
    };
    // The session is saved at the end of this request; its id names it from then on.
    let Some(session_id) = session.id() else {
        return JsonError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
            .into_response();
    };
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_INCOMING)
        .on_upgrade(move |socket| follow(state, agent, session_id, socket))
}

enum Next {
    Send(Arc<str>),
    Resume(String),
    Check,
    Restarting,
    Stop,
}

/// Whether the session that opened the socket still signs in this agent. A store that
/// cannot answer right now keeps the console (it is asked again in a moment).
async fn session_holds(state: &LiveState, id: &Id, agent: i64) -> bool {
    let record = match state.sessions.load(id).await {
        Ok(Some(record)) => record,
        Ok(None) => return false,
        Err(error) => {
            tracing::warn!(error = %error, agent, "Could not re-check a console's session");
            return true;
        }
    };
    if record.expiry_date <= time::OffsetDateTime::now_utc() {
        return false;
    }
    match app::server::session::user_of_record(&record.data, &state.services).await {
        Ok(Some(user)) => user.id == agent && user.role == Role::Agent,
        Ok(None) => false,
        Err(_) => true,
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn follow(state: LiveState, agent: i64, session_id: Id, mut socket: WebSocket) {
    // Subscribed before replaying: nothing can fall between the two (repeats are dropped by
    // the console, which compares sequence numbers).
    let mut subscription = state.hub.subscribe(agent);
    // Back within the grace period: the agent keeps their chats. (While connected, the hub
    // notes every console of this instance at once, every few seconds.)
    let now = chrono::Utc::now();
    if let Err(error) = crate::store::agents::touch(state.store.pool(), &[agent], now).await {
        tracing::warn!(error = ?error, agent, "Failed to note a console");
    }
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    check.tick().await;
    loop {
        let next = tokio::select! {
            () = state.shutdown.begun() => Next::Restarting,
            _ = check.tick() => Next::Check,
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
            Next::Check => {
                if !session_holds(&state, &session_id, agent).await {
                    tracing::info!(agent, "Console closed: its session ended");
                    close(&mut socket, CLOSE_SESSION_ENDED, "session ended").await;
                    return;
                }
            }
            Next::Restarting => {
                close(&mut socket, CLOSE_RESTARTING, "restarting: reconnect").await;
                return;
            }
            Next::Stop => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}
