//! A stand-in for the Graph Send API on a local port: records every request and answers
//! with scripted responses (then with success).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Clone, Default)]
pub struct GraphStub {
    requests: Arc<Mutex<Vec<(String, Value)>>>,
    profile_requests: Arc<Mutex<Vec<(String, String)>>>,
    script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    profile_script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    pub url: String,
}

impl GraphStub {
    pub async fn start() -> GraphStub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let stub = GraphStub {
            url: format!("http://{address}/v19.0/me/messages"),
            ..GraphStub::default()
        };
        let router = Router::new()
            .route("/v19.0/me/messages", post(answer))
            .route("/v19.0/{psid}", get(profile))
            .with_state(stub.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        stub
    }

    /// The next answers, in order, before the default success.
    pub fn script(&self, answers: impl IntoIterator<Item = (u16, Value)>) {
        self.script.lock().expect("lock").extend(answers);
    }

    /// The next User Profile API answers, in order, before the default profile.
    pub fn script_profiles(&self, answers: impl IntoIterator<Item = (u16, Value)>) {
        self.profile_script.lock().expect("lock").extend(answers);
    }

    /// (psid, query string) of every User Profile API request so far.
    pub fn profile_requests(&self) -> Vec<(String, String)> {
        self.profile_requests.lock().expect("lock").clone()
    }

    /// (query string, JSON body) of every Send API request so far.
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.requests.lock().expect("lock").clone()
    }
}

pub fn graph_error(code: i64, subcode: Option<i64>) -> Value {
    json!({ "error": { "message": "scripted", "type": "OAuthException", "code": code,
                       "error_subcode": subcode, "fbtrace_id": "AbCdEf" } })
}

async fn answer(
    State(stub): State<GraphStub>,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let count = {
        let mut requests = stub.requests.lock().expect("lock");
        requests.push((query.unwrap_or_default(), body.clone()));
        requests.len()
    };
    let scripted = stub.script.lock().expect("lock").pop_front();
    let (status, reply) = scripted.unwrap_or_else(|| {
        (200, json!({ "recipient_id": body["recipient"]["id"], "message_id": format!("m_sent_{count}") }))
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(reply),
    )
}

async fn profile(
    State(stub): State<GraphStub>,
    Path(psid): Path<String>,
    RawQuery(query): RawQuery,
) -> (StatusCode, Json<Value>) {
    stub.profile_requests
        .lock()
        .expect("lock")
        .push((psid.clone(), query.unwrap_or_default()));
    let scripted = stub.profile_script.lock().expect("lock").pop_front();
    let (status, reply) = scripted.unwrap_or_else(|| {
        (200, json!({ "first_name": "Maria", "last_name": "Silva", "profile_pic": "https://cdn.example/p.jpg", "id": psid }))
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(reply),
    )
}

/// A Send API stand-in over raw TCP that reads the first `lose` requests whole, then closes
/// the connection without answering: Meta may have the message, but we never hear so.
/// Later requests get Meta's success answer. Records when each request arrived.
#[derive(Clone)]
pub struct LossyGraph {
    arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
    pub url: String,
}

impl LossyGraph {
    pub async fn start(lose: usize) -> LossyGraph {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let graph = LossyGraph {
            arrivals: Arc::default(),
            url: format!("http://{address}/v19.0/me/messages"),
        };
        let arrivals = graph.arrivals.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let arrivals = arrivals.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !whole_request(&request) {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&chunk[..n]),
                        }
                    }
                    if !request.starts_with(b"POST /v19.0/me/messages") {
                        // The profile fetcher's calls: not sends, and not found here.
                        let answer = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                        let _ = socket.write_all(answer.as_bytes()).await;
                        return;
                    }
                    let seen = {
                        let mut arrivals = arrivals.lock().expect("lock");
                        arrivals.push(std::time::Instant::now());
                        arrivals.len()
                    };
                    if seen <= lose {
                        return; // dropped: the connection closes unanswered
                    }
                    let body = format!(
                        r#"{{"recipient_id":"7300112233445566","message_id":"m_sent_{seen}"}}"#
                    );
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        graph
    }

    /// When each Send API request arrived, in order.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().expect("lock").clone()
    }
}

/// Whether `request` holds its headers and the whole body they announce.
fn whole_request(request: &[u8]) -> bool {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let headers = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    request.len() >= end + 4 + length
}
