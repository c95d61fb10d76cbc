//! CSRF defence: a state-changing request from a browser must carry an `Origin` that is ours,
//! our external URL or the host it was sent to. Webhooks are exempt (Meta sends no Origin;
//! their signature is checked instead).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Settings;
use crate::http::json_error::JsonError;

/// Path prefixes that machines call without an Origin, each authenticated its own way.
/// (The sandbox's Graph API checks the page token, as Meta does.)
const EXEMPT_PREFIXES: &[&str] = &["/hook/", "/sandbox/graph/"];

pub async fn require_same_origin(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method())
        || EXEMPT_PREFIXES
            .iter()
            .any(|p| request.uri().path().starts_with(p))
    {
        return next.run(request).await;
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    if origin.is_some_and(|origin| is_allowed(origin, host, &settings.external_origin())) {
        return next.run(request).await;
    }
    tracing::warn!(origin = ?origin, path = %request.uri().path(), "Refused a cross-origin or Origin-less request");
    JsonError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "missing or foreign Origin header",
    )
    .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `origin` is ours: the external URL's, or the host the request was sent to. Also the
/// rule for WebSocket handshakes (GET, so not covered by the middleware).
pub fn is_allowed(origin: &str, host: Option<&str>, external_origin: &str) -> bool {
    if origin == external_origin {
        return true;
    }
    let Some(host) = host else { return false };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_external_origin_and_the_request_host_are_allowed() {
        let external = "https://atende.example.com";
        assert!(is_allowed("https://atende.example.com", None, external));
        assert!(is_allowed(
            "http://127.0.0.1:3000",
            Some("127.0.0.1:3000"),
            external
        ));
    }

    #[test]
    fn foreign_and_null_origins_are_refused() {
        let external = "https://atende.example.com";
        assert!(!is_allowed(
            "https://evil.example",
            Some("atende.example.com"),
            external
        ));
        assert!(!is_allowed("null", Some("atende.example.com"), external));
        assert!(!is_allowed(
            "https://atende.example.com.evil.example",
            None,
            external
        ));
    }
}
