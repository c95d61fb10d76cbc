//! Security headers on every response. Pages rendered by Leptos set their own CSP with a
//! per-response nonce for the hydration script (see `app::ui::shell`); everything else gets the
//! strict default below.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// No inline script at all; `wasm-unsafe-eval` lets the page compile its WebAssembly.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A year, subdomains included: browsers then never try plain http for this host again.
/// Sent only when the configured external URL is https (over http browsers ignore it anyway,
/// and a laptop's http://127.0.0.1 must not be pinned to https).
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

pub fn apply(router: Router, https: bool) -> Router {
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = if https {
        router.layer(fixed(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    };
    router
        .layer(fixed(header::CONTENT_SECURITY_POLICY, DEFAULT_CSP))
        .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(fixed(header::X_FRAME_OPTIONS, "DENY"))
        .layer(fixed(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(fixed(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
}
