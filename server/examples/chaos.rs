//! Chaos test of the delivery promises: `cargo run --release -p server --example chaos --
//! [--seconds 90] [--rate 200] [--postgres postgres://…/postgres] [--replies]`.
//!
//! Atende runs in a child process: this example re-executed with `--serve`, which starts the
//! library's `Application` exactly as the `atende` binary does (settings from the same
//! defaults), so no separately built binary is needed. One fixed port, one database: SQLite in
//! a temporary folder, or with `--postgres` a fresh database on that server, dropped at the end.
//!
//! For `--seconds` it posts signed Messenger webhooks at `--rate` POSTs/s, each a batch of 1–3
//! messages with unique mids (~1% posted again later, as Meta redelivers), while the child is
//! SIGKILLed every 5–15 s and started again on the same database. A failed POST is retried
//! like Meta does; only mids whose POST was answered 200 count as acknowledged. Then, with the
//! server left up, it waits for ingest to drain and counts in the database: acknowledged,
//! stored once, lost (acknowledged, never stored) and duplicated.
//!
//! `--replies` also queues 20 agent replies/s through the outbox to a Graph stand-in in this
//! process (it survives the kills) that reads every request whole, closes ~5% of the sends'
//! connections without answering, and, like Meta, posts the signed echo of every send it read.
//! It reports replies queued, received once, duplicated (one outbox id received twice) and
//! lost. The exit code is 1 if anything was lost or duplicated. `RUST_LOG` reaches the child.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use atende_server::channels::meta::signature;
use atende_server::config::{Settings, DEFAULTS};
use atende_server::conversation::outbox;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::secret_box::SecretBox;
use atende_server::startup::Application;
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::Channel;
use atende_server::store::{self, Store};
use figment::providers::{Format, Serialized, Toml};
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::{AnyPool, Connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, Instant, MissedTickBehavior};

const SECRET: &str = "chaos-app-secret";
const PAGE: &str = "100000000000001";
const APP_ID: i64 = 1517776481860111;
/// The key page tokens are sealed with, in the child and here.
const KEY: [u8; 32] = [0x5a; 32];
/// Customers the webhooks come from; the first ones' conversations get the replies.
const CUSTOMERS: u64 = 200;
const REPLY_CONVERSATIONS: usize = 40;
const REPLIES_PER_SECOND: f64 = 20.0;
/// POSTs in flight at most (many connections; retries wait here while the server is down).
const IN_FLIGHT: usize = 256;
const REDELIVERED: f64 = 0.01;
const DROPPED: f64 = 0.05;
/// Ingest and the outbox must settle within this after the kills: a send in hand when the
/// server died stays leased for 60 s, and a send left unanswered waits for its echo first.
const DRAIN_LIMIT: Duration = Duration::from_secs(180);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return serve(&args[1..]);
    }
    let options = Options::parse(&args)?;
    if !tokio::runtime::Runtime::new()?.block_on(run(options))? {
        std::process::exit(1);
    }
    Ok(())
}

struct Options {
    seconds: u64,
    rate: f64,
    postgres: Option<String>,
    replies: bool,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut options = Options {
            seconds: 90,
            rate: 200.0,
            postgres: None,
            replies: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--seconds" => options.seconds = value()?.parse()?,
                "--rate" => options.rate = value()?.parse()?,
                "--postgres" => options.postgres = Some(value()?.clone()),
                "--replies" => options.replies = true,
                other => anyhow::bail!("unknown argument {other}: see examples/chaos.rs"),
            }
        }
        anyhow::ensure!(options.rate > 0.0, "--rate must be positive");
        Ok(options)
    }
}

/// The child: Atende on this database and port until it is killed.
fn serve(args: &[String]) -> anyhow::Result<()> {
    let [url, port, dir, graph_hosts] = args else {
        anyhow::bail!("usage: --serve DATABASE_URL PORT FOLDER GRAPH_HOSTS");
    };
    let dir = Path::new(dir);
    // The binary's defaults plus these, as figment layers them; a key this version of the
    // settings does not have (such as the Graph host allowlist) is ignored, not an error.
    let overrides = json!({
        "database_url": url,
        "port": port.parse::<u16>()?,
        "external_url": format!("http://127.0.0.1:{port}"),
        "admin_password": "chaos-admin-password",
        "meta_app_secret": SECRET,
        "secret_key": hex::encode(KEY),
        "secret_key_file": dir.join("secret.key"),
        "attachments_dir": dir.join("attachments"),
        "graph_hosts": graph_hosts,
    });
    let settings: Settings = figment::Figment::new()
        .merge(Toml::string(DEFAULTS))
        .merge(Serialized::defaults(overrides))
        .extract()?;
    atende_server::telemetry::init(&settings.log_format);
    tokio::runtime::Runtime::new()?.block_on(async {
        let application = Application::build(settings).await?;
        application.run_until(std::future::pending()).await
    })
}

/// Runs the chaos on a fresh database; whether nothing was lost or duplicated.
async fn run(options: Options) -> anyhow::Result<bool> {
    let dir = tempfile::tempdir()?;
    let Some(server) = options.postgres.clone() else {
        let url = format!("sqlite://{}", dir.path().join("chaos.db").display());
        return chaos(&options, "SQLite", &url, dir.path()).await;
    };
    let name = format!("atende_chaos_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let mut url = url::Url::parse(&server)?;
    url.set_path(&name);
    let outcome = chaos(&options, "PostgreSQL", url.as_str(), dir.path()).await;
    // A fresh connection: the first one has been idle for minutes.
    let mut admin = sqlx::PgConnection::connect(&server).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    outcome
}

/// What the run's tasks share: where and how to post, and what they counted.
struct Run {
    client: reqwest::Client,
    hook: String,
    /// Webhook retries (and the stand-in's echoes) stop here.
    give_up: Instant,
    tally: Tally,
}

#[derive(Default)]
struct Tally {
    acknowledged: Mutex<HashSet<u64>>,
    posts: AtomicU64,
    retries: AtomicU64,
    gave_up: AtomicU64,
    redelivered: AtomicU64,
    /// Send API requests the stand-in read whole, by the outbox id in their metadata.
    /// Each copy: when it came, and whether its connection was closed unanswered.
    received: Mutex<HashMap<i64, Vec<(Instant, bool)>>>,
    graph_requests: AtomicU64,
    dropped: AtomicU64,
    /// Echo webhooks Atende has not acknowledged yet.
    echoes: AtomicI64,
    /// Replies the database refused to queue (this process's writes wait on the server's).
    refused: AtomicU64,
}

fn locked<T>(mutex: &Mutex<T>) -> anyhow::Result<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| anyhow::anyhow!("a task panicked"))
}

/// Sets up, runs the traffic under the kills, drains and reports; whether it was clean.
async fn chaos(options: &Options, backend: &str, url: &str, dir: &Path) -> anyhow::Result<bool> {
    let store = store::connect(url, 4).await?;
    store.migrate().await?;
    let graph = TcpListener::bind("127.0.0.1:0").await?;
    let graph_address = graph.local_addr()?;
    let integration_url = format!("http://{graph_address}/v19.0/me/messages");
    set_up_service(&store, &integration_url, options.replies).await?;
    // A fixed port, free now, for every start of the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let port = port.port();
    let (dir, graph_hosts) = (dir.display().to_string(), graph_address.to_string());
    let args = [url.to_owned(), port.to_string(), dir, graph_hosts];
    let mut server = Server { args, child: None };
    server.start().await?;
    let end = Instant::now() + Duration::from_secs(options.seconds);
    let run = Arc::new(Run {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(10))
            .build()?,
        hook: format!("http://127.0.0.1:{port}/hook/messageFacebook"),
        give_up: end + DRAIN_LIMIT,
        tally: Tally::default(),
    });
    let replies = ", 20 replies/s to a Graph stand-in dropping 5% of sends";
    let replies = if options.replies { replies } else { "" };
    println!(
        "chaos on {backend}: {} s of SIGKILLs every 5-15 s, {} webhook POSTs/s of 1-3 events{replies}",
        options.seconds, options.rate
    );
    // The reply customers' first messages, before any kill: their conversations are open.
    let conversations = open_conversations(&store, &run).await?;
    let mut replies = None;
    if options.replies {
        tokio::spawn(stand_in(graph, run.clone()));
        let queue = queue_replies(store.clone(), run.clone(), conversations, end);
        replies = Some(tokio::spawn(queue));
    }
    let started = Instant::now();
    let killer = tokio::spawn(killer(server, end));
    traffic(run.clone(), options.rate, REPLY_CONVERSATIONS as u64, end).await?;
    let sending = started.elapsed().as_secs_f64();
    let (server, restarts) = killer.await??;
    if let Some(replies) = replies {
        replies.await?;
    }
    let drain_started = Instant::now();
    let drained = drain(store.pool(), &run, options.replies).await?;

    let kills = restarts.len();
    let mean = restarts.iter().sum::<Duration>().as_secs_f64() / kills.max(1) as f64;
    let max = restarts
        .iter()
        .max()
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    println!("kills           {kills} (back on /healthz after {mean:.2} s mean, {max:.2} s max)");
    let posts = run.tally.posts.load(Relaxed);
    println!(
        "webhook POSTs   {posts} ({:.1}/s), {} retries, {} gave up, {} redelivered",
        posts as f64 / sending,
        run.tally.retries.load(Relaxed),
        run.tally.gave_up.load(Relaxed),
        run.tally.redelivered.load(Relaxed)
    );
    let drain_seconds = drain_started.elapsed().as_secs_f64();
    if drained {
        println!("drained in      {drain_seconds:.1} s");
    } else {
        println!("NOT drained after {drain_seconds:.1} s: what is still pending counts as lost");
    }
    let (lost, duplicated) = report_inbound(store.pool(), &run).await?;
    let mut clean = lost == 0 && duplicated == 0;
    if options.replies {
        let (lost, duplicated) = report_replies(store.pool(), &run).await?;
        clean &= lost == 0 && duplicated == 0;
    }
    let verdict = if clean {
        "clean"
    } else {
        "LOSSES OR DUPLICATES"
    };
    println!("result          {verdict}");
    drop(server);
    store.close().await;
    Ok(clean)
}

async fn set_up_service(store: &Store, integration_url: &str, token: bool) -> anyhow::Result<()> {
    let pool = store.pool();
    let spec = ServiceSpec {
        name: &ServiceName::parse("Chaos")?,
        channel: Channel::Messenger,
        cifra: &Cifra::parse(PAGE)?,
        integration_url: &IntegrationUrl::parse(integration_url)?,
        active: true,
    };
    services::upsert(pool, &spec, chrono::Utc::now()).await?;
    // Without a token nothing is sent: webhooks alone leave the Send API out of it.
    if token {
        let service = services::access_token_of(pool, Channel::Messenger, PAGE)
            .await?
            .context("the service just created")?
            .id;
        let token = SecretString::from("chaos-page-token".to_owned());
        let sealed = SecretBox::from_key(&KEY).seal(&token)?;
        services::set_access_token(pool, service, &sealed, chrono::Utc::now()).await?;
    }
    Ok(())
}

/// The child server; SIGKILLed (`Child::kill` on unix) when dropped.
struct Server {
    /// Database URL, port, folder, allowed Graph hosts.
    args: [String; 4],
    child: Option<Child>,
}

impl Server {
    /// Starts the child and waits for `/healthz`; how long that took.
    async fn start(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let health = format!("http://127.0.0.1:{}/healthz", self.args[1]);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()?;
        loop {
            let mut command = Command::new(std::env::current_exe()?);
            command
                .arg("--serve")
                .args(&self.args)
                .stdout(Stdio::null());
            if std::env::var_os("RUST_LOG").is_none() {
                command.env("RUST_LOG", "error");
            }
            let mut child = command.spawn()?;
            // A child that exits at once (its port not free yet, say) is started again.
            while child.try_wait()?.is_none() {
                if started.elapsed() > Duration::from_secs(60) {
                    child.kill()?;
                    child.wait()?;
                    anyhow::bail!("the server did not answer /healthz within 60 s");
                }
                let answer = client.get(&health).send().await;
                if answer.is_ok_and(|a| a.status().is_success()) {
                    self.child = Some(child);
                    return Ok(started.elapsed());
                }
                sleep(Duration::from_millis(20)).await;
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // An error means it is gone already.
        let _ = self.kill();
    }
}

/// SIGKILLs the server every 5–15 s until `end`, starting it again each time; the server
/// (left up) and how long each restart took.
async fn killer(mut server: Server, end: Instant) -> anyhow::Result<(Server, Vec<Duration>)> {
    let mut restarts = Vec::new();
    loop {
        let next = Instant::now() + Duration::from_secs_f64(rand::random_range(5.0..15.0));
        if next >= end {
            return Ok((server, restarts));
        }
        sleep_until(next).await;
        server.kill()?;
        restarts.push(server.start().await?);
    }
}

/// Webhooks at `rate` POSTs/s until `end`, then waits for those still being retried.
async fn traffic(run: Arc<Run>, rate: f64, mut next_mid: u64, end: Instant) -> anyhow::Result<()> {
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    // A steady rate: ticks missed while POSTs wait for the limit are skipped, not bunched.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut posts = JoinSet::new();
    while Instant::now() < end {
        ticks.tick().await;
        let mids: Vec<u64> = (next_mid..next_mid + rand::random_range(1..=3)).collect();
        next_mid += mids.len() as u64;
        let (permit, run) = (in_flight.clone().acquire_owned().await?, run.clone());
        posts.spawn(async move {
            let _permit = permit;
            let body = inbound_body(&mids);
            run.tally.posts.fetch_add(1, Relaxed);
            if !deliver(&run, &body).await {
                run.tally.gave_up.fetch_add(1, Relaxed);
                return Ok(());
            }
            locked(&run.tally.acknowledged)?.extend(&mids);
            if rand::random::<f64>() < REDELIVERED {
                sleep(Duration::from_millis(rand::random_range(0..2000))).await;
                run.tally.redelivered.fetch_add(1, Relaxed);
                deliver(&run, &body).await;
            }
            anyhow::Ok(())
        });
        while let Some(done) = posts.try_join_next() {
            done??;
        }
    }
    while let Some(done) = posts.join_next().await {
        done??;
    }
    Ok(())
}

/// A Messenger delivery with one text message per mid (`m_chaos_<n>`).
fn inbound_body(mids: &[u64]) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let events: Vec<Value> = mids
        .iter()
        .map(|n| {
            let customer = (7_300_000_000_000_000 + n % CUSTOMERS).to_string();
            json!({
                "sender": { "id": customer }, "recipient": { "id": PAGE }, "timestamp": now,
                "message": { "mid": format!("m_chaos_{n}"), "text": format!("chaos {n}") },
            })
        })
        .collect();
    json!({ "object": "page", "entry": [{ "id": PAGE, "time": now, "messaging": events }] })
        .to_string()
}

/// POSTs a signed body until it is answered 200, as Meta retries; false if the run's
/// `give_up` came first.
async fn deliver(run: &Run, body: &str) -> bool {
    let signature = signature::sign(SECRET.as_bytes(), body.as_bytes());
    let mut wait = Duration::from_millis(100);
    loop {
        let request = run
            .client
            .post(&run.hook)
            .header("X-Hub-Signature-256", &signature);
        if let Ok(response) = request.body(body.to_owned()).send().await {
            let ok = response.status().is_success();
            // Read to the end, so that the connection goes back to the pool.
            if response.bytes().await.is_ok() && ok {
                return true;
            }
        }
        if Instant::now() + wait > run.give_up {
            return false;
        }
        run.tally.retries.fetch_add(1, Relaxed);
        sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// Waits until nothing is pending (deliveries; with replies, the outbox and the echoes);
/// whether that happened before `give_up`.
async fn drain(pool: &AnyPool, run: &Run, replies: bool) -> anyhow::Result<bool> {
    let sql = if replies {
        "SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending')
              + (SELECT COUNT(*) FROM outbox WHERE state = 'pending')"
    } else {
        "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'"
    };
    loop {
        let pending: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
        if pending == 0 && run.tally.echoes.load(Relaxed) == 0 {
            return Ok(true);
        }
        if Instant::now() >= run.give_up {
            return Ok(false);
        }
        sleep(Duration::from_millis(250)).await;
    }
}

/// Prints the inbound figures; (lost, duplicated).
async fn report_inbound(pool: &AnyPool, run: &Run) -> anyhow::Result<(usize, usize)> {
    let sql = "SELECT mid, COUNT(*) FROM messages
               WHERE direction = 'in' AND mid LIKE 'm_chaos_%' GROUP BY mid";
    let rows: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(pool).await?;
    let stored: HashMap<u64, i64> = rows
        .into_iter()
        .filter_map(|(mid, count)| Some((mid.strip_prefix("m_chaos_")?.parse().ok()?, count)))
        .collect();
    let acknowledged = locked(&run.tally.acknowledged)?;
    let once = acknowledged
        .iter()
        .filter(|m| stored.get(m) == Some(&1))
        .count();
    let lost = acknowledged
        .iter()
        .filter(|m| !stored.contains_key(m))
        .count();
    let duplicated = stored.values().filter(|count| **count > 1).count();
    // Their 200 died with the server and the retries gave up: stored anyway, rightly.
    let unacknowledged = stored.keys().filter(|m| !acknowledged.contains(m)).count();
    println!(
        "inbound events  acknowledged {} | stored once {once} | lost {lost} | duplicated \
         {duplicated} (stored but never acknowledged: {unacknowledged})",
        acknowledged.len()
    );
    Ok((lost, duplicated))
}

/// Prints the replies' figures; (lost, duplicated).
async fn report_replies(pool: &AnyPool, run: &Run) -> anyhow::Result<(usize, usize)> {
    let sql = "SELECT o.id, o.state, m.status FROM outbox o JOIN messages m ON m.id = o.message_id
               WHERE m.author = 'agent' AND m.text LIKE 'chaos reply %'";
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sql).fetch_all(pool).await?;
    let received = locked(&run.tally.received)?;
    let count = |id: &i64| received.get(id).map_or(0, Vec::len);
    let once = rows.iter().filter(|(id, ..)| count(id) == 1).count();
    let duplicated = rows.iter().filter(|(id, ..)| count(id) > 1).count();
    let extra: usize = rows
        .iter()
        .map(|(id, ..)| count(id).saturating_sub(1))
        .sum();
    let lost: Vec<_> = rows.iter().filter(|(id, ..)| count(id) == 0).collect();
    let failed = lost
        .iter()
        .filter(|(_, _, status)| status == "failed")
        .count();
    let pending = lost
        .iter()
        .filter(|(_, state, _)| state == "pending")
        .count();
    // Why a copy went again: its first send unanswered (the retry beat the echo), or answered
    // (the server died before recording the answer, and the lease ran out).
    let copies = || {
        rows.iter()
            .filter_map(|(id, ..)| received.get(id).filter(|c| c.len() > 1))
    };
    let unanswered = copies().filter(|c| c[0].1).count();
    let apart = copies().map(|c| (c[1].0 - c[0].0).as_secs_f64());
    let apart = apart.fold(0.0, f64::max);
    println!(
        "replies         queued {} | received once {once} | duplicated {duplicated} ({extra} extra \
         sends) | lost {} (failed {failed}, still pending {pending}) | {} connections dropped, \
         {} refused by the database",
        rows.len(),
        lost.len(),
        run.tally.dropped.load(Relaxed),
        run.tally.refused.load(Relaxed)
    );
    if duplicated > 0 {
        println!(
            "                duplicates: {unanswered} after an unanswered send, {} after an \
             answered one; copies up to {apart:.1} s apart",
            duplicated - unanswered
        );
    }
    Ok((lost.len(), duplicated))
}

/// A first message from each reply customer (acknowledged mids like the others, the first
/// ones); the conversations ingest opened for them.
async fn open_conversations(store: &Store, run: &Run) -> anyhow::Result<Vec<i64>> {
    for mid in 0..REPLY_CONVERSATIONS as u64 {
        run.tally.posts.fetch_add(1, Relaxed);
        let delivered = deliver(run, &inbound_body(&[mid])).await;
        anyhow::ensure!(delivered, "a first message was not acknowledged");
        locked(&run.tally.acknowledged)?.insert(mid);
    }
    let waited = Instant::now();
    loop {
        let sql = "SELECT id FROM conversations ORDER BY id";
        let ids: Vec<i64> = sqlx::query_scalar(sql).fetch_all(store.pool()).await?;
        if ids.len() >= REPLY_CONVERSATIONS {
            return Ok(ids);
        }
        anyhow::ensure!(
            waited.elapsed().as_secs() < 30,
            "only {} conversations",
            ids.len()
        );
        sleep(Duration::from_millis(100)).await;
    }
}

/// Agent replies round the conversations until `end`, through the library's own queueing
/// (message and outbox row in one transaction, as the console sends).
async fn queue_replies(store: Store, run: Arc<Run>, conversations: Vec<i64>, end: Instant) {
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / REPLIES_PER_SECOND));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    for (n, conversation) in conversations.iter().cycle().enumerate() {
        ticks.tick().await;
        if Instant::now() >= end {
            break;
        }
        let text = format!("chaos reply {n}");
        let queued = outbox::queue_agent_text(&store, *conversation, &text, chrono::Utc::now());
        if queued.await.is_err() {
            run.tally.refused.fetch_add(1, Relaxed);
        }
    }
}

/// The Graph API stand-in: raw HTTP/1.1 on a socket of this process, so it outlives kills.
async fn stand_in(listener: TcpListener, run: Arc<Run>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            sleep(Duration::from_millis(10)).await;
            continue;
        };
        // An I/O error (Atende killed mid-request) only ends that connection.
        tokio::spawn(connection(stream, run.clone()));
    }
}

/// One keep-alive connection: each request is read whole and recorded, and its echo posted;
/// then answered or, for a share of the sends, the connection closed unanswered: Meta has the
/// message, but Atende never hears so from the Send API.
async fn connection(mut stream: TcpStream, run: Arc<Run>) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    while let Some(body) = read_request(&mut stream, &mut buffer).await? {
        // Profile lookups (GET, no body) get the same answer, with nothing in it.
        let request: Value = serde_json::from_slice(&body).unwrap_or_default();
        let mid = format!("m_graph_{}", run.tally.graph_requests.fetch_add(1, Relaxed));
        let metadata = request["message"]["metadata"].as_str().unwrap_or_default();
        if let Some(outbox) = metadata
            .strip_prefix("atende:outbox:")
            .and_then(|id| id.parse().ok())
        {
            let unanswered = rand::random::<f64>() < DROPPED;
            let copy = (Instant::now(), unanswered);
            locked(&run.tally.received)?
                .entry(outbox)
                .or_default()
                .push(copy);
            let (echo, echoing) = (echo_body(&request, &mid), run.clone());
            run.tally.echoes.fetch_add(1, Relaxed);
            tokio::spawn(async move {
                // Meta's echo follows the send by a moment, racing Atende's record of the answer.
                sleep(Duration::from_millis(rand::random_range(0..300))).await;
                deliver(&echoing, &echo).await;
                echoing.tally.echoes.fetch_sub(1, Relaxed);
            });
            if unanswered {
                run.tally.dropped.fetch_add(1, Relaxed);
                return Ok(());
            }
        }
        let answer = json!({ "recipient_id": request["recipient"]["id"], "message_id": mid });
        let answer = answer.to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        stream
            .write_all(format!("{head}{answer}").as_bytes())
            .await?;
    }
    Ok(())
}

/// The next request's body (by its `content-length`), or None at the end of the connection.
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> anyhow::Result<Option<Vec<u8>>> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"));
            let total = end + 4 + length.map(|l| l.trim().parse()).transpose()?.unwrap_or(0);
            if buffer.len() >= total {
                let body = buffer[end + 4..total].to_vec();
                buffer.drain(..total);
                return Ok(Some(body));
            }
        }
        anyhow::ensure!(buffer.len() < 1 << 20, "request too large");
        let mut chunk = [0u8; 8192];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Meta's echo of a send: from the page to the customer, with the send's metadata and mid.
fn echo_body(request: &Value, mid: &str) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let message = json!({
        "is_echo": true, "app_id": APP_ID, "mid": mid,
        "metadata": request["message"]["metadata"], "text": request["message"]["text"],
    });
    let event = json!({
        "sender": { "id": PAGE }, "recipient": { "id": request["recipient"]["id"] },
        "timestamp": now, "message": message,
    });
    json!({ "object": "page", "entry": [{ "id": PAGE, "time": now, "messaging": [event] }] })
        .to_string()
}
