//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;
use crate::store::Store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and serving HTTP.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers: this instance can take traffic.
async fn readyz(State(store): State<Store>) -> (StatusCode, Json<Value>) {
    match store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(error = ?error, "Readiness check failed");
            let body = json!({ "status": "unavailable", "error": "database unreachable" });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}
