//! The one error answer of the plain routes (webhook, media, live channel, request limits,
//! Origin check): a status and `{"error": code, "message": text}`, for machines and scripts.
//! Server functions answer with `app::error::ApiError` instead, which the UI translates.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct JsonError {
    #[serde(skip)]
    status: StatusCode,
    /// A stable code a client can branch on (`not_found`, `busy`, …).
    error: &'static str,
    /// What happened, in English, for the person reading the logs of the client.
    message: Cow<'static, str>,
}

impl JsonError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> JsonError {
        JsonError {
            status,
            error: code,
            message: message.into(),
        }
    }

    /// A failure on our side: logged with what failed; the client learns only that.
    pub fn internal(what: &str, failure: &anyhow::Error) -> JsonError {
        tracing::error!(error = ?failure, "{what}");
        JsonError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong",
        )
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_answer_carries_the_status_the_code_and_the_message() {
        let response = JsonError::new(StatusCode::NOT_FOUND, "not_found", "no such attachment")
            .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({ "error": "not_found", "message": "no such attachment" })
        );
    }
}
