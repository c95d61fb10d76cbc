//! Every area's routes merged with Leptos' pages and server functions, then wrapped in the
//! cross-cutting layers. Each area gets the part of the state it needs.

use app::ui::{shell, App};
use std::time::Duration;

use axum::http::{HeaderName, Request};
use axum::middleware::from_fn_with_state;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::channels::meta::webhook::{self, WebhookState};
use crate::console::live::{self, LiveState};
use crate::http::middleware::limits::{self, InFlight};
use crate::http::middleware::{client_ip, origin, security_headers};
use crate::http::{health, session};
use crate::media::http::MediaState;
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
        .layer(RequestBodyLimitLayer::new(PAGE_BODY_LIMIT))
        .layer(from_fn_with_state(
            Duration::from_secs(state.settings.http_request_timeout_seconds),
            limits::stalled_body,
        ));

    let session_layer = session::layer(sessions, &state.settings);
    let https = state.settings.uses_https();
    let settings = &state.settings;
    let request_time = Duration::from_secs(settings.http_request_timeout_seconds);
    let deadline = |router: Router<AppState>, time: Duration| {
        router.layer(from_fn_with_state(time, limits::deadline))
    };
    // Webhooks are verified only once their whole body is in: few at a time, sized up front.
    let webhook = webhook::router(WebhookState {
        meta: state.meta.clone(),
        deliveries: state.deliveries.clone(),
        ingest: state.ingest.clone(),
        store: state.store.clone(),
    })
    .layer(from_fn_with_state(
        webhook::MAX_BODY,
        limits::announced_size,
    ))
    .layer(from_fn_with_state(
        InFlight::new(settings.webhook_max_in_flight),
        limits::in_flight,
    ));
    let media = MediaState {
        services: state.services.clone(),
        store: state.store.clone(),
        media_files: state.media_files.clone(),
    };
    let live = live::router(LiveState {
        settings: state.settings.clone(),
        services: state.services.clone(),
        sessions: state.sessions.clone(),
        hub: state.hub.clone(),
        store: state.store.clone(),
        shutdown: state.shutdown.clone(),
    });
    let mut router = Router::new()
        .merge(deadline(health::router(), request_time))
        .merge(deadline(webhook, request_time))
        // Uploads may take minutes on a slow line: media sets its own deadlines.
        .merge(crate::media::http::router(media, request_time))
        .merge(deadline(live, request_time));
    // Off, the sandbox is not mounted at all: its paths are plain 404s.
    if let Some(sandbox) = &state.sandbox {
        router = router.merge(deadline(sandbox.router(), request_time));
    }
    let router = router
        .merge(deadline(pages, request_time))
        .layer(session_layer)
        .layer(from_fn_with_state(
            state.settings.clone(),
            client_ip::client_ip,
        ))
        .layer(from_fn_with_state(
            state.settings.clone(),
            origin::require_same_origin,
        ))
        // No body larger than the largest any route takes (an upload) is ever waited for.
        .layer(from_fn_with_state(
            crate::media::MAX_BYTES + 64 * 1024,
            limits::announced_size,
        ))
        .layer(from_fn_with_state(
            InFlight::new(settings.http_max_in_flight),
            limits::in_flight,
        ))
        .with_state(state);
    security_headers::apply(router, https).layer(
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
