//! Limits on the work a request may cause before it is authenticated: how long it may take,
//! how large it says it is, and how many run at once. Each refusal is a status and a JSON
//! error, and is decided before any of the body is read.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tokio::sync::Semaphore;

fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

/// A request (headers read, body and handler included) must be answered within the time,
/// or it gets 408: a body sent a byte at a time holds nothing for long.
pub async fn deadline(State(time): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(time, next.run(request)).await {
        Ok(response) => response,
        Err(_) => refusal(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request took too long to arrive",
        ),
    }
}

/// A body announced larger than `max` is refused at once with 413, without waiting for it.
pub async fn announced_size(State(max): State<usize>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > max as u64) {
        return refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is larger than this endpoint accepts",
        );
    }
    next.run(request).await
}

/// At most so many requests at once; the next get 503 with `Retry-After` at once rather than
/// waiting in memory (Meta retries webhooks it got no 200 for).
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> InFlight {
        InFlight(Arc::new(Semaphore::new(max)))
    }
}

pub async fn in_flight(State(limit): State<InFlight>, request: Request, next: Next) -> Response {
    let Ok(_permit) = limit.0.try_acquire_owned() else {
        let mut response = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many requests at once; try again shortly",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    next.run(request).await
}
