//! Ingest benchmark: `cargo run --release -p server --example ingest_bench [-- --postgres URL]`.
//!
//! Stores a backlog of webhook deliveries (one Messenger text each: the first from 1,000 new
//! customers, the rest in their open conversations), then times the ingest worker turning
//! them into contacts, conversations and messages. Each round measures the batched worker
//! (many deliveries per transaction, a savepoint each) and, as the baseline in the same run,
//! the same worker with batches of one (one commit per delivery, as before), each on a fresh
//! database: SQLite in a temporary folder, or with `--postgres` a fresh database on that
//! server. Prints messages/s for both and their ratio, per round and the medians.

use std::time::Instant;

use atende_server::channels::meta::ingest::Ingest;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::{self, Channel, DeliveryState};
use atende_server::store::{self, Store};
use sqlx::Connection;

const PAGE: &str = "100000000000001";
const CUSTOMERS: u64 = 1_000;
const DELIVERIES: u64 = 5_000;
const ROUNDS: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let postgres = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "ingest, {backend}: {DELIVERIES} deliveries of one message, {CUSTOMERS} new customers first"
    );
    println!(
        "{:>5} | {:>14} {:>14} {:>6}",
        "round", "batched msg/s", "one-by-one", "ratio"
    );
    let (mut batched, mut single) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        // Alternating which goes first, so neither always meets a warmer machine.
        let order = if round % 2 == 1 {
            [None, Some(1)]
        } else {
            [Some(1), None]
        };
        let mut figures = [0.0; 2];
        for batch in order {
            let rate = measure(postgres.as_deref(), batch).await?;
            figures[usize::from(batch.is_some())] = rate;
        }
        println!(
            "{round:>5} | {:>14.0} {:>14.0} {:>6.2}",
            figures[0],
            figures[1],
            figures[0] / figures[1]
        );
        batched.push(figures[0]);
        single.push(figures[1]);
    }
    let (batched, single) = (median(&mut batched), median(&mut single));
    println!(
        "median | {batched:>13.0} {single:>14.0} {:>6.2}",
        batched / single
    );
    Ok(())
}

/// Messages per second for one drain of the backlog, on a fresh database.
async fn measure(postgres: Option<&str>, batch: Option<usize>) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let (url, dropped) = match postgres {
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
        Some(server) => {
            let name = format!("atende_ingest_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(server).await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await?;
            let mut url = url::Url::parse(server)?;
            url.set_path(&name);
            (url.to_string(), Some((server.to_owned(), name)))
        }
    };
    let store = store::connect(&url, 10).await?;
    store.migrate().await?;
    let rate = drain(&store, batch).await;
    store.pool().close().await;
    if let Some((server, name)) = dropped {
        let mut admin = sqlx::PgConnection::connect(&server).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
    }
    rate
}

async fn drain(store: &Store, batch: Option<usize>) -> anyhow::Result<f64> {
    let now = chrono::Utc::now();
    let spec = ServiceSpec {
        name: &ServiceName::parse("Bench")?,
        channel: Channel::Messenger,
        cifra: &Cifra::parse(PAGE)?,
        integration_url: &IntegrationUrl::parse("http://127.0.0.1:9/v22.0/me/messages")?,
        active: true,
    };
    services::upsert(store.pool(), &spec, now).await?;
    let mut tx = store.pool().begin().await?;
    for n in 0..DELIVERIES {
        let body = delivery(n, now.timestamp_millis() - 60_000);
        webhook_deliveries::insert(
            &mut *tx,
            Channel::Messenger,
            &body,
            DeliveryState::Pending,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let mut ingest = Ingest::new(store.clone());
    if let Some(size) = batch {
        ingest = ingest.with_batch(size);
    }
    let started = Instant::now();
    let processed = ingest.process_pending().await?;
    let elapsed = started.elapsed().as_secs_f64();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(store.pool())
        .await?;
    anyhow::ensure!(
        processed as u64 == DELIVERIES && stored as u64 == DELIVERIES,
        "processed {processed} deliveries and stored {stored} messages of {DELIVERIES}"
    );
    Ok(DELIVERIES as f64 / elapsed)
}

/// Delivery `n`: customer `n % CUSTOMERS` writes message `n`, `n` ms after `since`.
fn delivery(n: u64, since: i64) -> Vec<u8> {
    let customer = 7_300_000_000_000_000u64 + n % CUSTOMERS;
    format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[{{"sender":{{"id":"{customer}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{},"message":{{"mid":"m_ingest_{n}","text":"mensagem {n}"}}}}]}}]}}"#,
        since + n as i64
    )
    .into_bytes()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
