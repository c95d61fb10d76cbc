//! The HTTP surface: every area exposes a `router()`, merged here with Leptos' pages and
//! server functions, then wrapped in the cross-cutting layers.

mod health;
pub mod middleware;
pub mod session;

use app::ui::{shell, App};
use axum::http::{HeaderName, Request};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::state::AppState;
use session::SqlSessionStore;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Forms and server-function calls are small; server functions read the whole body first.
const PAGE_BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState, sessions: SqlSessionStore) -> Router {
    let leptos_routes = generate_route_list(App);
    let services = state.services.clone();
    let provide_services = move || provide_context(services.clone());
    let pages = Router::new()
        .leptos_routes_with_context(&state, leptos_routes, provide_services.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_services, shell))
        .layer(RequestBodyLimitLayer::new(PAGE_BODY_LIMIT));

    let session_layer = session::layer(sessions, &state.settings);
    let mut router = Router::new()
        .merge(health::router())
        .merge(crate::channels::meta::webhook::router())
        .merge(crate::media::http::router())
        .merge(crate::console::live::router());
    // Off, the sandbox is not mounted at all: its paths are plain 404s.
    if let Some(sandbox) = &state.sandbox {
        router = router.merge(sandbox.router());
    }
    let router = router
        .merge(pages)
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_ip::client_ip,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::origin::require_same_origin,
        ))
        .with_state(state);
    middleware::security_headers::apply(router).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
}

/// One span per request with its id. The path only: query strings can carry tokens.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}
