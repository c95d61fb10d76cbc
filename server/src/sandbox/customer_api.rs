//! The customer's side: the chat page at `/sandbox` and the JSON API it calls. A customer's
//! message is stored on "Meta's side" and delivered to our webhook like Meta delivers it;
//! the page hears about replies over server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::store::{self as sandbox_store, Customer, NewChatMessage};
use super::webhooks::shapes;
use super::{new_mid, Injection, Page, Sandbox};

/// Messenger's image limit.
const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;
const MAX_NAME_CHARS: usize = 60;

pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox", get(page))
        .route("/sandbox/sandbox.js", get(script))
        .route("/sandbox/sandbox.css", get(stylesheet))
        .route("/sandbox/api/state", get(state))
        .route("/sandbox/api/customers", post(create_customer))
        .route("/sandbox/api/chat", get(chat))
        .route("/sandbox/api/chat/text", post(send_text))
        .route(
            "/sandbox/api/chat/image",
            post(send_image).layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES)),
        )
        .route("/sandbox/api/chat/seen", post(seen))
        .route("/sandbox/api/injection", put(set_injection))
        .route("/sandbox/api/events", get(events))
        .route("/sandbox/media/{token}", get(media))
        .route("/sandbox/avatar/{psid}", get(avatar))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

fn internal(failure: &anyhow::Error) -> Response {
    tracing::error!(error = ?failure, "Sandbox request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the sandbox failed; see the server log",
    )
}

async fn page() -> Html<&'static str> {
    Html(include_str!("assets/index.html"))
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/sandbox.js"),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/sandbox.css"),
    )
}

async fn state(State(sandbox): State<Sandbox>) -> Response {
    let pages = sandbox.pages().await;
    let customers = sandbox_store::customers(sandbox.pool()).await;
    match (pages, customers) {
        (Ok(pages), Ok(customers)) => Json(json!({
            "pages": pages,
            "customers": customers,
            "injection": sandbox.injection(),
        }))
        .into_response(),
        (Err(failure), _) | (_, Err(failure)) => internal(&failure),
    }
}

#[derive(Debug, Deserialize)]
struct NewCustomer {
    name: String,
    #[serde(default = "yes")]
    has_profile: bool,
    /// Meta's form: "pt_BR", "en_US".
    #[serde(default = "portuguese")]
    locale: String,
}

fn portuguese() -> String {
    "pt_BR".to_owned()
}

/// A locale as Meta writes them: two lower-case letters, "_", two upper-case letters.
fn is_locale(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 5
        && bytes[..2].iter().all(u8::is_ascii_lowercase)
        && bytes[2] == b'_'
        && bytes[3..].iter().all(u8::is_ascii_uppercase)
}

fn yes() -> bool {
    true
}

async fn create_customer(State(sandbox): State<Sandbox>, Json(new): Json<NewCustomer>) -> Response {
    let name = new.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            "the name must have 1 to 60 characters",
        );
    }
    if !is_locale(&new.locale) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_locale",
            "the locale looks like pt_BR or en_US",
        );
    }
    // PSIDs are 16 digits, never starting with 0.
    let psid = format!(
        "{}",
        rand::random_range(1_000_000_000_000_000u64..10_000_000_000_000_000)
    );
    let customer = Customer {
        psid,
        name: name.to_owned(),
        has_profile: i64::from(new.has_profile),
        locale: new.locale,
    };
    match sandbox_store::create_customer(sandbox.pool(), &customer, Utc::now()).await {
        Ok(()) => (StatusCode::CREATED, Json(customer)).into_response(),
        Err(failure) => internal(&failure),
    }
}

#[derive(Debug, Deserialize)]
struct ChatKey {
    psid: String,
    page: String,
}

/// The customer and page a request names, or the error to answer.
async fn resolve(sandbox: &Sandbox, key: &ChatKey) -> Result<Page, Response> {
    match sandbox_store::customer(sandbox.pool(), &key.psid).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(error(
                StatusCode::NOT_FOUND,
                "unknown_customer",
                "no such sandbox customer",
            ))
        }
        Err(failure) => return Err(internal(&failure)),
    }
    match sandbox.page(&key.page).await {
        Ok(Some(page)) => Ok(page),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            "unknown_page",
            "no active service is bound to the sandbox with this page ID",
        )),
        Err(failure) => Err(internal(&failure)),
    }
}

async fn chat(State(sandbox): State<Sandbox>, Query(key): Query<ChatKey>) -> Response {
    if let Err(response) = resolve(&sandbox, &key).await {
        return response;
    }
    match sandbox_store::chat(sandbox.pool(), &key.psid, &key.page).await {
        Ok(messages) => Json(json!({
            "messages": messages,
            "page_action": sandbox.last_action(&key.psid, &key.page),
        }))
        .into_response(),
        Err(failure) => internal(&failure),
    }
}

#[derive(Debug, Deserialize)]
struct TextMessage {
    psid: String,
    page: String,
    text: String,
    /// The payload of the quick reply tapped (the text is then its title).
    #[serde(default)]
    quick_reply: Option<String>,
}

async fn send_text(State(sandbox): State<Sandbox>, Json(message): Json<TextMessage>) -> Response {
    let key = ChatKey {
        psid: message.psid,
        page: message.page,
    };
    let page = match resolve(&sandbox, &key).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let text = message.text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
            "a message has 1 to 2000 characters",
        );
    }
    let mid = new_mid();
    let stored = NewChatMessage {
        page_id: &page.cifra,
        psid: &key.psid,
        author: "customer",
        mid: &mid,
        text: Some(text),
        attachment_kind: None,
        attachment_url: None,
        messaging_type: None,
        tag: None,
        quick_replies: "[]",
    };
    let mut body = json!({ "mid": mid, "text": text });
    if let Some(payload) = message.quick_reply.filter(|p| !p.is_empty()) {
        body["quick_reply"] = json!({ "payload": payload });
    }
    from_customer(&sandbox, &page, &key.psid, &stored, body).await
}

async fn send_image(
    State(sandbox): State<Sandbox>,
    Query(key): Query<ChatKey>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let page = match resolve(&sandbox, &key).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) || bytes.is_empty()
    {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
            "send a PNG, JPEG, GIF or WebP image",
        );
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = Utc::now();
    if let Err(failure) =
        sandbox_store::insert_media(sandbox.pool(), &token, content_type, &bytes, now).await
    {
        return internal(&failure);
    }
    // Meta's CDN URL: absolute, so Atende downloads it over HTTP as it would from Meta.
    let url = format!("{}/sandbox/media/{token}", sandbox.inner.base_url);
    let mid = new_mid();
    let stored = NewChatMessage {
        page_id: &page.cifra,
        psid: &key.psid,
        author: "customer",
        mid: &mid,
        text: None,
        attachment_kind: Some("image"),
        attachment_url: Some(&url),
        messaging_type: None,
        tag: None,
        quick_replies: "[]",
    };
    let body = json!({ "mid": mid, "attachments": shapes::attachments("image", &url) });
    from_customer(&sandbox, &page, &key.psid, &stored, body).await
}

/// Keeps the customer's message on Meta's side, then delivers it to our webhook.
async fn from_customer(
    sandbox: &Sandbox,
    page: &Page,
    psid: &str,
    stored: &NewChatMessage<'_>,
    body: serde_json::Value,
) -> Response {
    let now = Utc::now();
    if let Err(failure) = sandbox_store::insert_message(sandbox.pool(), stored, now).await {
        return internal(&failure);
    }
    let event = shapes::customer_message(&page.cifra, psid, now.timestamp_millis(), body);
    sandbox.emit(page, event);
    sandbox.changed(psid, &page.cifra, false);
    (StatusCode::CREATED, Json(json!({ "mid": stored.mid }))).into_response()
}

/// The customer has the chat open: the page's messages are read (a `read` event).
async fn seen(State(sandbox): State<Sandbox>, Json(key): Json<ChatKey>) -> Response {
    let page = match resolve(&sandbox, &key).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let now = Utc::now();
    match sandbox_store::mark_read(sandbox.pool(), &key.psid, &page.cifra, now).await {
        Ok(0) => {}
        Ok(_) => {
            let event = shapes::read(&page.cifra, &key.psid, now.timestamp_millis());
            sandbox.emit(&page, event);
            sandbox.changed(&key.psid, &page.cifra, false);
        }
        Err(failure) => return internal(&failure),
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
struct InjectionChoice {
    mode: Injection,
}

async fn set_injection(
    State(sandbox): State<Sandbox>,
    Json(choice): Json<InjectionChoice>,
) -> Response {
    sandbox.set_injection(choice.mode);
    tracing::info!(mode = ?choice.mode, "Sandbox Graph API failure injection changed");
    Json(json!({ "injection": choice.mode })).into_response()
}

/// Server-sent events: `change` with `{psid, page, typing}`; `resync` after missed events.
async fn events(
    State(sandbox): State<Sandbox>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(sandbox.inner.changes.subscribe()).map(|change| {
        Ok(match change {
            Ok(change) => Event::default()
                .event("change")
                .json_data(&change)
                .unwrap_or_else(|_| Event::default().event("resync")),
            Err(_lagged) => Event::default().event("resync"),
        })
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn media(State(sandbox): State<Sandbox>, Path(token): Path<String>) -> Response {
    match sandbox_store::media(sandbox.pool(), &token).await {
        Ok(Some((content_type, bytes))) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", "no such media"),
        Err(failure) => internal(&failure),
    }
}

/// A generated profile picture: the customer's initials on a colour of their own.
async fn avatar(State(sandbox): State<Sandbox>, Path(psid): Path<String>) -> Response {
    let customer = match sandbox_store::customer(sandbox.pool(), &psid).await {
        Ok(Some(customer)) => customer,
        Ok(None) => return error(StatusCode::NOT_FOUND, "not_found", "no such customer"),
        Err(failure) => return internal(&failure),
    };
    let initials: String = customer
        .name
        .split_whitespace()
        .filter_map(|part| part.chars().next())
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let hue = psid
        .bytes()
        .fold(0u32, |h, b| (h * 31 + u32::from(b)) % 360);
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"128\" height=\"128\" viewBox=\"0 0 128 128\">\
         <rect width=\"128\" height=\"128\" fill=\"hsl({hue},55%,45%)\"/>\
         <text x=\"64\" y=\"80\" font-family=\"sans-serif\" font-size=\"48\" fill=\"#fff\" \
         text-anchor=\"middle\">{initials}</text></svg>"
    );
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}
