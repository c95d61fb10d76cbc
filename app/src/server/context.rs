//! Reaching the server's services and the current request from inside a server function.

use leptos::prelude::*;
use tower_sessions::Session;

use super::{ClientIp, Services};
use crate::error::AppError;

pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the Leptos context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "Failed to reach the session");
        AppError::Internal
    })
}

pub async fn client_ip() -> ClientIp {
    match leptos_axum::extract::<axum::Extension<ClientIp>>().await {
        Ok(axum::Extension(ip)) => ip,
        Err(_) => ClientIp("unknown".to_owned()),
    }
}

/// Sets the HTTP status that goes with `error` and hands it back, for `.map_err(fail)`.
pub fn fail(error: AppError) -> AppError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
        if let AppError::TooManyAttempts {
            retry_after_minutes,
        } = &error
        {
            if let Ok(value) = http::HeaderValue::from_str(&(retry_after_minutes * 60).to_string())
            {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
        }
    }
    error
}
