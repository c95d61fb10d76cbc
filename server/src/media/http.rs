//! `GET /media/{id}`: a stored file, for signed-in users only. `GET /media/public/{token}`: an
//! agent's upload, for Meta to fetch (the token is 256 random bits; nothing a customer sent is
//! ever public). `POST /media`: an agent's upload (raw body, its type in `Content-Type`).
//! Files are served by tower-http's `ServeFile` (ranges for video seeking, conditional GETs)
//! with the stored type and a CSP that keeps any active content inert.

use app::model::CurrentUser;
use app::server::Services;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_sessions::Session;

use super::{uploadable, MAX_BYTES};
use crate::http::json_error::JsonError;
use crate::media::MediaFiles;
use crate::store::media::{self, Served, StoredFile, Viewer};
use crate::store::Store;

/// An upload of 25 MB on a slow line (1 Mbit/s) takes over three minutes.
const UPLOAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// What attachments need: who is signed in, where their rows and files are.
#[derive(Clone)]
pub struct MediaState {
    pub services: Services,
    pub store: Store,
    pub media_files: MediaFiles,
}

pub fn router<S>(state: MediaState, request_time: std::time::Duration) -> Router<S> {
    use crate::http::middleware::limits::deadline;
    use axum::middleware::from_fn_with_state;
    Router::new()
        .route(
            "/media",
            post(upload)
                .layer(DefaultBodyLimit::max(MAX_BYTES))
                .layer(from_fn_with_state(UPLOAD_DEADLINE, deadline)),
        )
        .route(
            "/media/{id}",
            get(private_file).layer(from_fn_with_state(request_time, deadline)),
        )
        .route(
            "/media/public/{token}",
            get(public_file).layer(from_fn_with_state(request_time, deadline)),
        )
        .with_state(state)
}

/// The signed-in user, or the response refusing the request.
async fn signed_in(state: &MediaState, session: &Session) -> Result<CurrentUser, Response> {
    match app::server::session::current_user(session, &state.services).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(JsonError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in to see attachments",
        )
        .into_response()),
        Err(_) => Err(JsonError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong",
        )
        .into_response()),
    }
}

async fn private_file(
    State(state): State<MediaState>,
    session: Session,
    Path(id): Path<i64>,
    request: Request,
) -> Response {
    let user = match signed_in(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let viewer = Viewer {
        user_id: user.id,
        role: user.role.as_str(),
    };
    // Someone who may not see it is told it does not exist (ids are sequential).
    match media::visible_to(state.store.pool(), id, viewer).await {
        Ok(found) => serve(&state, found, request).await,
        Err(failure) => JsonError::internal("Media request failed", &failure).into_response(),
    }
}

async fn public_file(
    State(state): State<MediaState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    match media::by_public_token(state.store.pool(), &token).await {
        Ok(found) => serve(&state, found, request).await,
        Err(failure) => JsonError::internal("Media request failed", &failure).into_response(),
    }
}

async fn serve(state: &MediaState, found: Option<Served>, request: Request) -> Response {
    let Some(served) = found else {
        return JsonError::new(StatusCode::NOT_FOUND, "not_found", "no such attachment")
            .into_response();
    };
    let (Some(key), "stored") = (served.storage_key.as_deref(), served.status.as_str()) else {
        let code = if served.status == "failed" {
            "unavailable"
        } else {
            "pending"
        };
        return JsonError::new(
            StatusCode::NOT_FOUND,
            code,
            "the attachment is not stored (yet)",
        )
        .into_response();
    };
    let content_type = served
        .content_type
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let mime = content_type
        .parse::<mime::Mime>()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let path = state.media_files.path(key);
    let Ok(response) = ServeFile::new_with_mime(path, &mime).oneshot(request).await;
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    let inline = matches!(mime.type_(), mime::IMAGE | mime::VIDEO | mime::AUDIO);
    let disposition = if inline { "inline" } else { "attachment" };
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    response
}

async fn upload(
    State(state): State<MediaState>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match signed_in(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let content_type = super::clean_content_type(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    if !uploadable(&content_type) {
        return JsonError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send an image (JPEG, PNG, GIF, WebP), an MP4 video, an audio file or a PDF",
        )
        .into_response();
    }
    if body.is_empty() {
        return JsonError::new(StatusCode::BAD_REQUEST, "empty", "the file is empty")
            .into_response();
    }
    // The admin's limit (general settings), read on each upload so a change applies at once.
    match crate::live_settings::attachment_limit_bytes(state.store.pool()).await {
        Ok(limit) if body.len() > limit => {
            return JsonError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the file is larger than {} MB", limit / (1024 * 1024)),
            )
            .into_response()
        }
        Ok(_) => {}
        Err(failure) => {
            return JsonError::internal("Media request failed", &failure).into_response()
        }
    }
    let key = match state.media_files.write(&body).await {
        Ok(key) => key,
        Err(failure) => {
            return JsonError::internal("Media request failed", &failure).into_response()
        }
    };
    let token = hex::encode(rand::random::<[u8; 32]>());
    let file = StoredFile {
        content_type: &content_type,
        size_bytes: i64::try_from(body.len()).unwrap_or(i64::MAX),
        storage_key: &key,
    };
    match media::insert_upload(state.store.pool(), &file, &token, user.id, Utc::now()).await {
        Ok(id) => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "content_type": content_type, "size": body.len() })),
        )
            .into_response(),
        Err(failure) => JsonError::internal("Media request failed", &failure).into_response(),
    }
}
