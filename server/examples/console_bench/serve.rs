//! The benchmark's servers, each run in a child process so its memory can be read alone:
//! `atende` (the real application, set up with the agents and a service) or `baseline`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use atende_server::config::Settings;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::startup::Application;
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::Channel;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::routing::{get, post};
use secrecy::SecretString;
use tokio::sync::mpsc;

use super::{PAGE, PASSWORD, SECRET};

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let kind = args.first().map(String::as_str).unwrap_or("atende");
    let consoles: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(500);
    let runtime = tokio::runtime::Runtime::new()?;
    match kind {
        "baseline" => runtime.block_on(baseline()),
        _ => runtime.block_on(atende(consoles)),
    }
}

fn announce(address: std::net::SocketAddr) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    writeln!(out, "ADDR {address}")?;
    out.flush()?;
    Ok(())
}

async fn atende(consoles: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::for_tests(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    settings.database_max_connections = 8;
    settings.meta_app_secret = Some(SecretString::from(SECRET.to_owned()));
    settings.admin_password = Some(SecretString::from("bench-admin-password".to_owned()));
    settings.secret_key = Some(SecretString::from("11".repeat(32)));
    settings.secret_key_file = dir.path().join("secret.key");
    settings.attachments_dir = dir.path().join("attachments");
    let application = Application::build(settings).await?;
    let pool = application.store().pool().clone();
    let spec = ServiceSpec {
        name: &ServiceName::parse("Bench")?,
        channel: Channel::Messenger,
        cifra: &Cifra::parse(PAGE)?,
        integration_url: &IntegrationUrl::parse("http://127.0.0.1:9/v19.0/me/messages")?,
        active: true,
    };
    services::upsert(&pool, &spec, chrono::Utc::now()).await?;
    let service: i64 = sqlx::query_scalar("SELECT id FROM services WHERE cifra = $1")
        .bind(PAGE)
        .fetch_one(&pool)
        .await?;
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO agent_groups (name, created_at) VALUES ('Bench', 0) RETURNING id",
    )
    .fetch_one(&pool)
    .await?;
    sqlx::query("INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2)")
        .bind(service)
        .bind(group)
        .execute(&pool)
        .await?;
    // One hash for all: hashing 500 passwords would only slow the set-up down.
    let hash = atende_server::auth::password::hash(SecretString::from(PASSWORD.to_owned())).await?;
    let hash = secrecy::ExposeSecret::expose_secret(&hash).to_owned();
    for n in 0..consoles {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, password_hash, role, locale, created_at, updated_at)
             VALUES ($1, $1, $2, 'agent', 'en', 0, 0) RETURNING id",
        )
        .bind(format!("agent{n}"))
        .bind(&hash)
        .fetch_one(&pool)
        .await?;
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group)
            .bind(user)
            .execute(&pool)
            .await?;
        sqlx::query("INSERT INTO agent_states (user_id, positions) VALUES ($1, 8)")
            .bind(user)
            .execute(&pool)
            .await?;
    }
    announce(application.local_addr()?)?;
    application.run_until(std::future::pending()).await
}

type Consoles = Arc<Mutex<Vec<mpsc::Sender<String>>>>;

/// Receives a POST and forwards its text to one WebSocket: the least a live feed can do.
async fn baseline() -> anyhow::Result<()> {
    let consoles: Consoles = Arc::default();
    let app = axum::Router::new()
        .route("/ws", get(upgrade))
        .route("/hook/messageFacebook", post(forward))
        .with_state(consoles);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    announce(listener.local_addr()?)?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(
    State(consoles): State<Consoles>,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    upgrade.on_upgrade(move |socket| follow(consoles, socket))
}

async fn follow(consoles: Consoles, mut socket: WebSocket) {
    let (sender, mut events) = mpsc::channel(256);
    if let Ok(mut list) = consoles.lock() {
        list.push(sender);
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            incoming = socket.recv() => if !matches!(incoming, Some(Ok(_))) {
                return;
            },
        }
    }
}

async fn forward(State(consoles): State<Consoles>, body: axum::body::Bytes) -> &'static str {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return "EVENT_RECEIVED";
    };
    let text = json["entry"][0]["messaging"][0]["message"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let n: usize = text
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let target = consoles
        .lock()
        .ok()
        .and_then(|list| (!list.is_empty()).then(|| list[n % list.len()].clone()));
    if let Some(target) = target {
        let _ = target
            .send(serde_json::json!({ "text": text }).to_string())
            .await;
    }
    "EVENT_RECEIVED"
}
