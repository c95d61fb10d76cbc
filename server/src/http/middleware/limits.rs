//! Limits on the work a request may cause before it is authenticated: how long it may take,
//! how large it says it is, and how many run at once. Each refusal is a status and a JSON
//! error, and is decided before any of the body is read.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutBody;

use crate::http::json_error::JsonError;

/// A request (headers read, body and handler included) must be answered within the time,
/// or it gets 408: a body sent a byte at a time holds nothing for long.
pub async fn deadline(State(time): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(time, next.run(request)).await {
        Ok(response) => response,
        Err(_) => JsonError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request took too long to arrive",
        )
        .into_response(),
    }
}

/// A page's body may pause at most `idle` between chunks; a longer pause ends it (the
/// client sees an incomplete answer and the connection closes) and is logged. A streamed
/// render whose Suspense never resolves, a race inside Leptos seen under load, would
/// otherwise hold the browser's tab and the connection for ever.
pub async fn stalled_body(State(idle): State<Duration>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    next.run(request).await.map(|body| {
        let guarded = TimeoutBody::new(idle, body).map_err(move |error| {
            tracing::error!(%path, ?idle, "A page's answer stalled and was cut off");
            axum::Error::new(error)
        });
        axum::body::Body::new(guarded)
    })
}

/// A body announced larger than `max` is refused at once with 413, without waiting for it.
pub async fn announced_size(State(max): State<usize>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > max as u64) {
        return JsonError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the body is larger than this endpoint accepts",
        )
        .into_response();
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
        let mut response = JsonError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many requests at once; try again shortly",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use futures::StreamExt;
    use tower::ServiceExt;

    /// A page whose stream sends its first chunk and then never another.
    async fn stalled_page() -> axum::body::Body {
        let first = futures::stream::once(async { Ok::<_, std::io::Error>("<html>") });
        axum::body::Body::from_stream(first.chain(futures::stream::pending()))
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_stops_streaming_is_cut_off_after_the_pause() {
        let app = Router::new().route("/page", get(stalled_page)).layer(
            axum::middleware::from_fn_with_state(Duration::from_secs(5), stalled_body),
        );
        let request = Request::builder()
            .uri("/page")
            .body(axum::body::Body::empty());
        let response = app
            .oneshot(request.expect("request"))
            .await
            .expect("answer");
        let mut body = response.into_body().into_data_stream();
        let first = body.next().await.expect("a chunk").expect("data");
        assert_eq!(&first[..], b"<html>");
        let started = tokio::time::Instant::now();
        let end = body.next().await;
        assert!(
            matches!(end, Some(Err(_))),
            "the stalled body ends in an error"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
