//! The Graph API stand-in: `POST /sandbox/graph/{version}/me/messages` (Send API, with
//! `sender_action`) and `GET /sandbox/graph/{version}/{id}` (User Profile API), answering with
//! Meta's success bodies and Meta's error bodies and codes, including the messaging window.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::{self as sandbox_store, NewChatMessage};
use super::webhooks::shapes;
use super::{new_mid, Injection, Page, Sandbox};

/// Meta's 24-hour standard window and the 7 days of the HUMAN_AGENT tag.
const STANDARD_WINDOW_MS: i64 = 24 * 3600 * 1000;
const HUMAN_AGENT_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;
const MAX_TEXT_CHARS: usize = 2000;

pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/graph/{version}/me/messages", post(send_api))
        .route("/sandbox/graph/{version}/{id}", get(profile_api))
}

/// `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    let kind = if code == 190 {
        "OAuthException"
    } else {
        "GraphMethodException"
    };
    let mut error = json!({
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": format!("Sandbox{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

fn invalid(message: &str) -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        100,
        None,
        &format!("(#100) {message}"),
    )
}

fn internal(error: &anyhow::Error) -> Response {
    tracing::error!(error = ?error, "Sandbox Graph API failed");
    graph_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        1,
        None,
        "An unknown error occurred",
    )
}

/// The injected failure, if any, as Meta would answer it.
fn injected(injection: Injection) -> Option<Response> {
    let bad = StatusCode::BAD_REQUEST;
    match injection {
        Injection::None => None,
        Injection::WindowClosed => Some(graph_error(
            bad,
            10,
            Some(2018278),
            "(#10) This message is sent outside of allowed window.",
        )),
        Injection::RateLimit => Some(graph_error(
            bad,
            613,
            None,
            "(#613) Calls to this api have exceeded the rate limit.",
        )),
        Injection::Transient => Some(graph_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            None,
            "An unexpected error has occurred. Please retry your request later.",
        )),
        Injection::BadToken => Some(graph_error(
            bad,
            190,
            Some(463),
            "Error validating access token: Session has expired.",
        )),
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

/// The page the token belongs to, or Meta's answer for a missing or unknown token.
async fn authenticate(sandbox: &Sandbox, query: &TokenQuery) -> Result<Page, Response> {
    let Some(token) = query.access_token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(graph_error(
            StatusCode::BAD_REQUEST,
            190,
            None,
            "An active access token must be used to query information about the current user.",
        ));
    };
    match sandbox.page_for_token(token).await {
        Ok(Some(page)) => Ok(page),
        Ok(None) => Err(graph_error(
            StatusCode::BAD_REQUEST,
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )),
        Err(error) => Err(internal(&error)),
    }
}

async fn send_api(
    State(sandbox): State<Sandbox>,
    Query(query): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let page = match authenticate(&sandbox, &query).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if let Some(response) = injected(sandbox.injection()) {
        return response;
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return invalid("The request body is not valid JSON");
    };
    let Some(psid) = request["recipient"]["id"].as_str() else {
        return invalid("The parameter recipient is required");
    };
    match sandbox_store::customer(sandbox.pool(), psid).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                100,
                Some(2018001),
                "(#100) No matching user found",
            )
        }
        Err(error) => return internal(&error),
    }
    if let Some(action) = request["sender_action"].as_str() {
        return sender_action(&sandbox, &page, psid, action);
    }
    match check_window(&sandbox, &page, psid, &request).await {
        Ok(None) => {}
        Ok(Some(refusal)) => return refusal,
        Err(error) => return internal(&error),
    }
    match deliver(&sandbox, &page, psid, &request).await {
        Ok(Ok(mid)) => Json(json!({ "recipient_id": psid, "message_id": mid })).into_response(),
        Ok(Err(refusal)) => refusal,
        Err(error) => internal(&error),
    }
}

fn sender_action(sandbox: &Sandbox, page: &Page, psid: &str, action: &str) -> Response {
    match action {
        "typing_on" | "typing_off" | "mark_seen" => {
            sandbox.note_action(psid, &page.cifra, action);
            sandbox.changed(psid, &page.cifra, action == "typing_on");
            Json(json!({ "recipient_id": psid })).into_response()
        }
        _ => invalid("param sender_action must be one of {mark_seen, typing_on, typing_off}"),
    }
}

/// Meta's window rules: RESPONSE and UPDATE within 24 h of the customer's last message;
/// MESSAGE_TAG with HUMAN_AGENT within 7 days.
async fn check_window(
    sandbox: &Sandbox,
    page: &Page,
    psid: &str,
    request: &Value,
) -> anyhow::Result<Option<Response>> {
    let limit = match (request["messaging_type"].as_str(), request["tag"].as_str()) {
        (Some("RESPONSE" | "UPDATE"), _) => STANDARD_WINDOW_MS,
        (Some("MESSAGE_TAG"), Some("HUMAN_AGENT")) => HUMAN_AGENT_WINDOW_MS,
        (Some("MESSAGE_TAG"), Some(_)) => {
            return Ok(Some(invalid(
                "The sandbox only supports the HUMAN_AGENT tag",
            )))
        }
        (Some("MESSAGE_TAG"), None) => {
            return Ok(Some(invalid("param tag is required with MESSAGE_TAG")))
        }
        _ => {
            return Ok(Some(invalid(
                "param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}",
            )))
        }
    };
    let last = sandbox_store::last_customer_message_at(sandbox.pool(), psid, &page.cifra).await?;
    let now = Utc::now().timestamp_millis();
    let open = last.is_some_and(|last| now - last <= limit);
    Ok((!open).then(|| {
        graph_error(
            StatusCode::BAD_REQUEST,
            10,
            Some(2018278),
            "(#10) This message is sent outside of allowed window.",
        )
    }))
}

/// Stores the page's message, tells the customer page, and emits the echo and the delivery.
async fn deliver(
    sandbox: &Sandbox,
    page: &Page,
    psid: &str,
    request: &Value,
) -> anyhow::Result<Result<String, Response>> {
    let message = &request["message"];
    let text = message["text"].as_str();
    let attachment = &message["attachment"];
    let (kind, source_url) = (
        attachment["type"].as_str(),
        attachment["payload"]["url"].as_str(),
    );
    if text.is_none() && (kind.is_none() || source_url.is_none()) {
        return Ok(Err(invalid(
            "param message must have text or an attachment",
        )));
    }
    if text.is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
        return Ok(Err(invalid(
            "param message[text] must be UTF-8 encoded and less than 2000 characters",
        )));
    }
    let quick_replies = match quick_replies(&message["quick_replies"]) {
        Ok(replies) => replies,
        Err(message) => return Ok(Err(invalid(message))),
    };
    let stored_url = match (kind, source_url) {
        (Some(kind), Some(url)) => match fetch_attachment(sandbox, kind, url).await? {
            Ok(local) => Some(local),
            Err(refusal) => return Ok(Err(refusal)),
        },
        _ => None,
    };
    let mid = new_mid();
    let now = Utc::now();
    sandbox_store::insert_message(
        sandbox.pool(),
        &NewChatMessage {
            page_id: &page.cifra,
            psid,
            author: "page",
            mid: &mid,
            text,
            attachment_kind: kind.filter(|_| stored_url.is_some()),
            attachment_url: stored_url.as_deref(),
            messaging_type: request["messaging_type"].as_str(),
            tag: request["tag"].as_str(),
            quick_replies: &quick_replies,
        },
        now,
    )
    .await?;
    sandbox.changed(psid, &page.cifra, false);
    let at = now.timestamp_millis();
    let mut echoed = json!({ "mid": mid });
    if let Some(text) = text {
        echoed["text"] = json!(text);
    }
    if let (Some(kind), Some(url)) = (kind, source_url) {
        echoed["attachments"] = shapes::attachments(kind, url);
    }
    if let Some(metadata) = message["metadata"].as_str() {
        echoed["metadata"] = json!(metadata);
    }
    sandbox.emit(page, shapes::echo(&page.cifra, psid, at, echoed));
    sandbox.emit(page, shapes::delivery(&page.cifra, psid, at, &[&mid]));
    Ok(Ok(mid))
}

/// Meta's rules for quick replies: at most 13, each a `text` one with a title of at most 20
/// characters and a payload of at most 1,000; stored as [{title, payload}].
fn quick_replies(given: &Value) -> Result<String, &'static str> {
    let Some(list) = given.as_array() else {
        return if given.is_null() {
            Ok("[]".to_owned())
        } else {
            Err("param message[quick_replies] must be an array")
        };
    };
    if list.len() > 13 {
        return Err("param message[quick_replies] must have at most 13 elements");
    }
    let mut kept = Vec::new();
    for reply in list {
        let title = reply["title"].as_str().unwrap_or_default();
        let payload = reply["payload"].as_str().unwrap_or_default();
        if reply["content_type"] != "text"
            || title.is_empty()
            || title.chars().count() > 20
            || payload.is_empty()
            || payload.chars().count() > 1000
        {
            return Err("param message[quick_replies] elements need content_type text, a title of up to 20 characters and a payload");
        }
        kept.push(json!({ "title": title, "payload": payload }));
    }
    Ok(Value::Array(kept).to_string())
}

/// Meta downloads an attachment from `payload.url` before accepting the message.
async fn fetch_attachment(
    sandbox: &Sandbox,
    kind: &str,
    url: &str,
) -> anyhow::Result<Result<String, Response>> {
    let failure = || {
        graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(2018047),
            "(#100) Upload attachment failure.",
        )
    };
    if !matches!(kind, "image" | "video" | "audio" | "file") {
        return Ok(Err(invalid(
            "param message[attachment][type] must be one of {image, video, audio, file}",
        )));
    }
    let Ok(mut response) = sandbox.inner.http.get(url).send().await else {
        return Ok(Err(failure()));
    };
    if !response.status().is_success() {
        return Ok(Err(failure()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let Ok(bytes) = crate::media::read_capped(&mut response, crate::media::MAX_BYTES).await else {
        return Ok(Err(failure()));
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    sandbox_store::insert_media(sandbox.pool(), &token, &content_type, &bytes, Utc::now()).await?;
    Ok(Ok(format!("/sandbox/media/{token}")))
}

#[derive(Debug, Deserialize)]
struct ProfileQuery {
    access_token: Option<String>,
    fields: Option<String>,
}

/// `GET /{psid}?fields=first_name,last_name,profile_pic` (Messenger) or
/// `fields=name,username,profile_pic` (Instagram).
async fn profile_api(
    State(sandbox): State<Sandbox>,
    Path((_version, id)): Path<(String, String)>,
    Query(query): Query<ProfileQuery>,
) -> Response {
    let token = TokenQuery {
        access_token: query.access_token,
    };
    let page = match authenticate(&sandbox, &token).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    if sandbox.injection() == Injection::BadToken {
        return injected(Injection::BadToken).unwrap_or_else(|| invalid("bad token"));
    }
    // `/me` with a page token is the page itself (what "Test connection" asks).
    if id == "me" {
        return Json(json!({ "id": page.cifra, "name": page.name })).into_response();
    }
    let customer = match sandbox_store::customer(sandbox.pool(), &id).await {
        Ok(customer) => customer.filter(|c| c.has_profile == 1),
        Err(error) => return internal(&error),
    };
    let Some(customer) = customer else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(2018218),
            "(#100) No profile available for this user.",
        );
    };
    let (first, last) = match customer.name.split_once(' ') {
        Some((first, last)) => (first, last),
        None => (customer.name.as_str(), ""),
    };
    let picture = format!(
        "{}/sandbox/avatar/{}",
        sandbox.inner.base_url, customer.psid
    );
    let mut profile = json!({ "id": customer.psid });
    for field in query
        .fields
        .as_deref()
        .unwrap_or("first_name,last_name")
        .split(',')
    {
        let value = match field.trim() {
            "first_name" => json!(first),
            "last_name" => json!(last),
            "name" => json!(customer.name),
            "username" => json!(customer.name.to_lowercase().replace(' ', ".")),
            "profile_pic" => json!(picture),
            "locale" => json!(customer.locale),
            _ => continue,
        };
        profile[field.trim()] = value;
    }
    Json(profile).into_response()
}
