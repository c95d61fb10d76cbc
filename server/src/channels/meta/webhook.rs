//! `GET|POST /hook/messageFacebook` and `/hook/messageInstagram` (the paths of the Tactium
//! guide). GET answers Meta's subscription handshake. POST checks the signature on the raw
//! body, stores the body durably, and only then answers 200: a crash before the answer lets
//! Meta retry, a crash after it loses nothing.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::credentials::MetaCredentials;
use super::delivery_writer::DeliveryWriter;
use super::ingest::Ingest;
use super::signature;
use crate::http::json_error::JsonError;
use crate::store::webhook_deliveries::{self, Channel, DeliveryState};
use crate::store::Store;

/// Meta's batches are small; this leaves room and refuses anything absurd (413).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// What the webhook needs: the credentials to check, somewhere durable to put deliveries, and
/// the ingest worker to wake.
#[derive(Clone)]
pub struct WebhookState {
    pub meta: MetaCredentials,
    pub deliveries: DeliveryWriter,
    pub ingest: Ingest,
    pub store: Store,
}

pub fn router<S>(state: WebhookState) -> Router<S> {
    Router::new()
        .route(
            "/hook/messageFacebook",
            get(handshake).post(receive_messenger),
        )
        .route(
            "/hook/messageInstagram",
            get(handshake).post(receive_instagram),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The credentials could not be read: Meta must retry later, so no 200 and no 403.
fn unavailable(failure: &anyhow::Error) -> Response {
    tracing::error!(error = ?failure, "Failed to read the Meta credentials");
    JsonError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again").into_response()
}

#[derive(Debug, Deserialize)]
struct HandshakeQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

fn same_secret(given: &str, expected: &SecretString) -> bool {
    given
        .as_bytes()
        .ct_eq(expected.expose_secret().as_bytes())
        .into()
}

/// Echoes `hub.challenge` when the mode is `subscribe` and the verify token is ours.
async fn handshake(
    State(state): State<WebhookState>,
    Query(query): Query<HandshakeQuery>,
) -> Response {
    let credentials = match state.meta.current().await {
        Ok(credentials) => credentials,
        Err(failure) => return unavailable(&failure),
    };
    let Some(expected) = credentials.verify_token.as_ref() else {
        tracing::warn!("Webhook handshake refused: no verify token is configured");
        return JsonError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "webhook verification is not configured",
        )
        .into_response();
    };
    match (query.mode.as_deref(), query.verify_token, query.challenge) {
        (Some("subscribe"), Some(token), Some(challenge)) if same_secret(&token, expected) => {
            tracing::info!("Webhook subscription verified");
            (StatusCode::OK, challenge).into_response()
        }
        _ => {
            tracing::warn!("Webhook handshake refused: wrong mode or verify token");
            JsonError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "wrong hub.mode or hub.verify_token",
            )
            .into_response()
        }
    }
}

async fn receive_messenger(
    state: State<WebhookState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    receive(Channel::Messenger, state, headers, body).await
}

async fn receive_instagram(
    state: State<WebhookState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    receive(Channel::Instagram, state, headers, body).await
}

#[tracing::instrument(skip_all, fields(channel = channel.as_str()))]
async fn receive(
    channel: Channel,
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            tracing::warn!(status = %rejection.status(), "Webhook body refused");
            return JsonError::new(rejection.status(), "body_rejected", rejection.body_text())
                .into_response();
        }
    };
    let credentials = match state.meta.current().await {
        Ok(credentials) => credentials,
        Err(failure) => return unavailable(&failure),
    };
    let Some(secret) = credentials.app_secret.as_ref() else {
        tracing::warn!("Webhook delivery refused: no app secret is configured");
        return JsonError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "webhook signatures cannot be checked",
        )
        .into_response();
    };
    let header = headers
        .get(signature::HEADER)
        .and_then(|value| value.to_str().ok());
    if let Err(reason) = signature::verify(secret.expose_secret().as_bytes(), &body, header) {
        tracing::warn!(
            ?reason,
            bytes = body.len(),
            "Webhook delivery refused: bad signature"
        );
        return JsonError::new(
            StatusCode::FORBIDDEN,
            "invalid_signature",
            "X-Hub-Signature-256 does not match",
        )
        .into_response();
    }
    let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
    let bytes = body.len();
    if !well_formed {
        return keep_malformed(&state, channel, body).await;
    }
    let stored = state
        .deliveries
        .store(channel, body, DeliveryState::Pending)
        .await;
    match stored {
        Ok(id) => {
            // Debug only: the request's own INFO line (status, latency, request id) says it
            // was answered, and at Meta's pace each further line per delivery costs throughput.
            tracing::debug!(delivery = id, bytes, "Webhook delivery stored");
            state.ingest.wake();
            (StatusCode::OK, "EVENT_RECEIVED").into_response()
        }
        Err(failure) => {
            // Not stored: Meta must retry, so it must not get a 200.
            tracing::error!(error = ?failure, "Failed to store a webhook delivery");
            JsonError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again")
                .into_response()
        }
    }
}

/// A signed body that is not JSON: kept once for inspection (Meta retries it), answered 400.
async fn keep_malformed(state: &WebhookState, channel: Channel, body: Bytes) -> Response {
    let pool = state.store.pool();
    let kept = match webhook_deliveries::malformed_already_kept(pool, &body).await {
        Ok(true) => Ok(None),
        Ok(false) => state
            .deliveries
            .store(channel, body, DeliveryState::Malformed)
            .await
            .map(Some),
        Err(failure) => Err(failure),
    };
    match kept {
        Ok(id) => {
            tracing::warn!(delivery = ?id, "Webhook delivery is not JSON; kept for inspection");
            JsonError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the body is not valid JSON",
            )
            .into_response()
        }
        Err(failure) => {
            tracing::error!(error = ?failure, "Failed to keep a malformed webhook delivery");
            JsonError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again")
                .into_response()
        }
    }
}
