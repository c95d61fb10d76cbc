//! Webhook ingest benchmark: `cargo run --release -p server --example webhook_bench`.
//!
//! Starts Atende (SQLite in a temporary folder, durable write before every 200, the ingest
//! worker running) and, in the same process, a trivial axum route that answers 200 at once.
//! For batches of 1, 10 and 100 events it prints, for both: sustained events/s (16 concurrent
//! connections, as fast as they go) and the ack latency p50/p99 at an offered 1,000 events/s,
//! with the ratio Atende / baseline. Then the same latency while one delivery of 20,000 events
//! is being ingested. Client, server and worker share this machine's cores.

use std::sync::Arc;
use std::time::{Duration, Instant};

use atende_server::channels::meta::signature;
use atende_server::config::Settings;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::startup::Application;
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::Channel;
use axum::routing::post;
use secrecy::SecretString;
use tokio::sync::Semaphore;

const SECRET: &str = "bench-app-secret";
const PAGE: &str = "100000000000001";
const CONCURRENCY: usize = 16;
const LATENCY_RATE_EVENTS_PER_SECOND: f64 = 1000.0;
const LATENCY_SECONDS: f64 = 4.0;
const HUGE_EVENTS: usize = 20_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs only when asked (`RUST_LOG=warn`): the figures are the server's, not its logging's.
    if std::env::var_os("RUST_LOG").is_some() {
        atende_server::telemetry::init(&atende_server::config::LogFormat::Pretty);
    }
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::for_tests(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    settings.meta_app_secret = Some(SecretString::from(SECRET.to_owned()));
    settings.admin_password = Some(SecretString::from("bench-admin-password".to_owned()));
    settings.secret_key = Some(SecretString::from("11".repeat(32)));
    settings.secret_key_file = dir.path().join("secret.key");
    let application = Application::build(settings).await?;
    let atende = format!("http://{}/hook/messageFacebook", application.local_addr()?);
    let spec = ServiceSpec {
        name: &ServiceName::parse("Bench")?,
        channel: Channel::Messenger,
        cifra: &Cifra::parse(PAGE)?,
        integration_url: &IntegrationUrl::parse("http://127.0.0.1:9/v19.0/me/messages")?,
        active: true,
    };
    services::upsert(application.store().pool(), &spec, chrono::Utc::now()).await?;
    let store = application.store().clone();
    tokio::spawn(application.run_until(std::future::pending()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let baseline = format!("http://{}/ok", listener.local_addr()?);
    let trivial = axum::Router::new().route("/ok", post(|| async { "EVENT_RECEIVED" }));
    tokio::spawn(async move { axum::serve(listener, trivial).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()?;
    println!("webhook ingest, SQLite, {CONCURRENCY} connections; latency at an offered {LATENCY_RATE_EVENTS_PER_SECOND} events/s");
    println!(
        "{:>5} | {:>12} {:>12} {:>6} | {:>9} {:>9} | {:>9} {:>9}",
        "batch", "atende ev/s", "base ev/s", "ratio", "p50 ms", "p99 ms", "base p50", "base p99"
    );
    let mut sequence = 0u64;
    for batch in [1usize, 10, 100] {
        let requests = (20_000 / batch).clamp(200, 5_000);
        let bodies: Vec<Vec<u8>> = (0..requests).map(|_| body(batch, &mut sequence)).collect();
        let ours = throughput(&client, &atende, &bodies, batch).await?;
        drain(&store).await?;
        let base = throughput(&client, &baseline, &bodies, batch).await?;
        let latency_bodies: Vec<Vec<u8>> = (0..latency_requests(batch))
            .map(|_| body(batch, &mut sequence))
            .collect();
        let (p50, p99) = latency(&client, &atende, &latency_bodies, batch).await?;
        drain(&store).await?;
        let (base_p50, base_p99) = latency(&client, &baseline, &latency_bodies, batch).await?;
        println!(
            "{batch:>5} | {ours:>12.0} {base:>12.0} {:>6.2} | {:>9.2} {:>9.2} | {:>9.2} {:>9.2}",
            ours / base,
            ms(p50),
            ms(p99),
            ms(base_p50),
            ms(base_p99)
        );
    }
    // One huge delivery (20,000 events) in ingest while the usual traffic comes in: the
    // batch-of-1 latency above is the baseline.
    post_signed(&client, &atende, body(HUGE_EVENTS, &mut sequence)).await?;
    let bodies: Vec<Vec<u8>> = (0..latency_requests(1))
        .map(|_| body(1, &mut sequence))
        .collect();
    let (p50, p99) = latency(&client, &atende, &bodies, 1).await?;
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
            .fetch_one(store.pool())
            .await?;
    println!(
        "while a {HUGE_EVENTS}-event delivery is ingested: ack p50 {:.2} ms, p99 {:.2} ms ({pending} deliveries still pending after)",
        ms(p50),
        ms(p99)
    );
    drain(&store).await?;
    Ok(())
}

/// Waits until the ingest worker has processed every stored delivery, so each measurement
/// starts from a steady state rather than behind the previous one's backlog.
async fn drain(store: &atende_server::store::Store) -> anyhow::Result<()> {
    loop {
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'")
                .fetch_one(store.pool())
                .await?;
        if pending == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn latency_requests(batch: usize) -> usize {
    ((LATENCY_RATE_EVENTS_PER_SECOND * LATENCY_SECONDS) / batch as f64).ceil() as usize
}

/// A Messenger delivery with `batch` text messages, each with a new mid.
fn body(batch: usize, sequence: &mut u64) -> Vec<u8> {
    let events: Vec<String> = (0..batch)
        .map(|_| {
            *sequence += 1;
            let n = *sequence;
            format!(
                r#"{{"sender":{{"id":"{}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{n},"message":{{"mid":"m_bench_{n}","text":"mensagem {n}"}}}}"#,
                7_300_000_000_000_000u64 + n % 500
            )
        })
        .collect();
    format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[{}]}}]}}"#,
        events.join(",")
    )
    .into_bytes()
}

async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
) -> anyhow::Result<Duration> {
    let header = signature::sign(SECRET.as_bytes(), &body);
    let started = Instant::now();
    let response = client
        .post(url)
        .header("X-Hub-Signature-256", header)
        .body(body)
        .send()
        .await?;
    let status = response.status();
    response.bytes().await?;
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    Ok(started.elapsed())
}

/// Events per second with `CONCURRENCY` requests in flight.
async fn throughput(
    client: &reqwest::Client,
    url: &str,
    bodies: &[Vec<u8>],
    batch: usize,
) -> anyhow::Result<f64> {
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(bodies.len());
    for body in bodies {
        let permit = limit.clone().acquire_owned().await?;
        let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let result = post_signed(&client, &url, body).await;
            drop(permit);
            result
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((bodies.len() * batch) as f64 / started.elapsed().as_secs_f64())
}

/// p50 and p99 ack latency with requests started on an open-loop schedule.
async fn latency(
    client: &reqwest::Client,
    url: &str,
    bodies: &[Vec<u8>],
    batch: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let interval = Duration::from_secs_f64(batch as f64 / LATENCY_RATE_EVENTS_PER_SECOND);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.iter().enumerate() {
        tokio::time::sleep_until(start + interval * i as u32).await;
        let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            post_signed(&client, &url, body).await
        }));
    }
    let mut samples = Vec::with_capacity(tasks.len());
    for task in tasks {
        samples.push(task.await??);
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Ok((at(0.50), at(0.99)))
}
