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
