//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::store::Store;
use crate::worker::Workers;

/// A worker that has not moved on for this long makes the instance not ready: every worker
/// notes progress at least every few seconds (per item while it drains a backlog).
pub const STALL_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The probes, for any state that holds the store and the workers.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Store: FromRef<S>,
    Workers: FromRef<S>,
{
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and serving HTTP.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers and every background worker makes progress: this instance can take
/// traffic (a worker that stopped would leave its messages waiting).
async fn readyz(
    State(store): State<Store>,
    State(workers): State<Workers>,
) -> (StatusCode, Json<Value>) {
    if let Err(error) = store.ping().await {
        tracing::warn!(error = ?error, "Readiness check failed");
        let body = json!({ "status": "unavailable", "error": "database unreachable" });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    let stalled = workers.stalled(STALL_LIMIT);
    if stalled.is_empty() {
        return (StatusCode::OK, Json(json!({ "status": "ready" })));
    }
    let names: Vec<Value> = stalled
        .iter()
        .map(
            |s| json!({ "worker": s.name, "idle_seconds": s.idle_seconds, "restarts": s.restarts }),
        )
        .collect();
    tracing::error!(stalled = ?stalled, "Readiness check failed: a worker makes no progress");
    let body = json!({ "status": "unavailable", "error": "worker stalled", "workers": names });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}
