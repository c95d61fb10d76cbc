//! Routing benchmark: `cargo run --release -p server --example routing_bench`.
//!
//! Does a routing pass cost more when the queue is long? On a fresh SQLite database per queue
//! length, one Operating agent with 8 positions and a queue of 10 or 10,000 conversations
//! (opened by the ingest worker from webhook deliveries, as in production), it prints the
//! median time of a routing pass in the two cases that matter: every position full (the usual
//! case under load: nothing can be assigned) and one position free (one assignment). The
//! queue of 10 is the baseline; the ratio is 10,000 / 10.

use std::sync::Arc;
use std::time::{Duration, Instant};

use atende_server::channels::meta::ingest::Ingest;
use atende_server::conversation::routing::Router;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::{self, Channel, DeliveryState};
use atende_server::store::{self, Store};

const PAGE: &str = "100000000000001";
const FULL_PASSES: usize = 200;
const FREE_PASSES: usize = 30;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("routing pass, SQLite, one agent with 8 positions; median of {FULL_PASSES} / {FREE_PASSES} passes");
    println!(
        "{:>8} | {:>14} {:>14}",
        "waiting", "all full (ms)", "one free (ms)"
    );
    let mut figures = Vec::new();
    for waiting in [10usize, 10_000] {
        let (full, free) = measure(waiting).await?;
        println!("{waiting:>8} | {:>14.3} {:>14.3}", ms(full), ms(free));
        figures.push((full, free));
    }
    let ratio = |pick: fn(&(Duration, Duration)) -> Duration| {
        pick(&figures[1]).as_secs_f64() / pick(&figures[0]).as_secs_f64()
    };
    println!(
        "   ratio | {:>14.2} {:>14.2}",
        ratio(|f| f.0),
        ratio(|f| f.1)
    );
    Ok(())
}

/// Median pass times (all positions full, one free) with `waiting` conversations queued.
async fn measure(waiting: usize) -> anyhow::Result<(Duration, Duration)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = store::connect(&url, 1).await?;
    store.migrate().await?;
    let agent = seed(&store, waiting + 8).await?;
    let router = Router::new(store.clone(), Arc::new(tokio::sync::Notify::new()))
        .with_grace(Duration::from_secs(24 * 3600));
    let filled = router.route_now().await?;
    anyhow::ensure!(
        filled.len() == 8,
        "the first pass filled {} positions",
        filled.len()
    );

    let mut full = Vec::with_capacity(FULL_PASSES);
    for _ in 0..FULL_PASSES {
        let started = Instant::now();
        let assigned = router.route_now().await?;
        full.push(started.elapsed());
        anyhow::ensure!(assigned.is_empty(), "a full agent got a conversation");
    }
    let mut free = Vec::with_capacity(FREE_PASSES);
    for _ in 0..FREE_PASSES {
        // One of her chats goes back to the queue (the queue keeps its length): the pass
        // gives her one again.
        sqlx::query(
            "UPDATE conversations SET status = 'queued', agent_id = NULL, assigned_at = NULL
             WHERE id = (SELECT MIN(id) FROM conversations WHERE agent_id = $1 AND status = 'assigned')",
        )
        .bind(agent)
        .execute(store.pool())
        .await?;
        let started = Instant::now();
        let assigned = router.route_now().await?;
        free.push(started.elapsed());
        anyhow::ensure!(
            assigned.len() == 1,
            "{} assignments for one free position",
            assigned.len()
        );
    }
    store.pool().close().await;
    Ok((median(&mut full), median(&mut free)))
}

/// A service, a group with one Operating agent, and `conversations` queued conversations
/// opened by the ingest worker; returns the agent's id.
async fn seed(store: &Store, conversations: usize) -> anyhow::Result<i64> {
    let pool = store.pool();
    let now = chrono::Utc::now();
    let spec = ServiceSpec {
        name: &ServiceName::parse("Bench")?,
        channel: Channel::Messenger,
        cifra: &Cifra::parse(PAGE)?,
        integration_url: &IntegrationUrl::parse("http://127.0.0.1:9/v22.0/me/messages")?,
        active: true,
    };
    services::upsert(pool, &spec, now).await?;
    let service: i64 = sqlx::query_scalar("SELECT id FROM services WHERE cifra = $1")
        .bind(PAGE)
        .fetch_one(pool)
        .await?;
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO agent_groups (name, created_at) VALUES ('Bench', 0) RETURNING id",
    )
    .fetch_one(pool)
    .await?;
    sqlx::query("INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2)")
        .bind(service)
        .bind(group)
        .execute(pool)
        .await?;
    let agent: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, locale, created_at, updated_at)
         VALUES ('ana', 'Ana', 'not-a-hash', 'agent', 'en', 0, 0) RETURNING id",
    )
    .fetch_one(pool)
    .await?;
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
        .bind(group)
        .bind(agent)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO agent_states (user_id, positions, presence, last_seen_at)
         VALUES ($1, 8, 'operating', $2)",
    )
    .bind(agent)
    .bind(now.timestamp_millis())
    .execute(pool)
    .await?;
    let mut tx = pool.begin().await?;
    for n in 0..conversations {
        let customer = 7_300_000_000_000_000u64 + n as u64;
        let body = format!(
            r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[{{"sender":{{"id":"{customer}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{},"message":{{"mid":"m_routing_{n}","text":"oi"}}}}]}}]}}"#,
            now.timestamp_millis() - 60_000 + n as i64
        );
        webhook_deliveries::insert(
            &mut *tx,
            Channel::Messenger,
            body.as_bytes(),
            DeliveryState::Pending,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ingest::new(store.clone()).process_pending().await?;
    Ok(agent)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}
