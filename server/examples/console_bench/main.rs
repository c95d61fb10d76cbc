//! Console live-feed benchmark: `cargo run --release -p server --example console_bench`.
//!
//! Starts Atende in a child process (SQLite in a temporary folder, 500 agents, each Operating
//! with one customer's conversation), connects 500 consoles to `/console/live`, then posts
//! Messenger webhooks at 200 messages/s from those customers and times each message from the
//! start of its webhook POST to its event on the agent's WebSocket (p50/p99/max, and how many
//! arrived). It also reads the child's resident memory before and after the 500 consoles
//! connect (per idle connection). The baseline, measured the same way in the same run, is a
//! trivial axum server that forwards each POSTed text to one WebSocket: no database, no
//! routing, default WebSocket buffers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

mod serve;

const CONSOLES: usize = 500;
const RATE_PER_SECOND: f64 = 200.0;
const SECONDS: f64 = 15.0;
const SECRET: &str = "bench-app-secret";
const PASSWORD: &str = "bench-agent-password";
const PAGE: &str = "100000000000001";

/// When each message's webhook POST started, by its text.
type Sent = Arc<Mutex<HashMap<String, Instant>>>;
/// Each message's time from POST to WebSocket.
type Samples = Arc<Mutex<Vec<Duration>>>;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        return serve::main(&args[2..]);
    }
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    println!("console live feed: {CONSOLES} consoles, {RATE_PER_SECOND} inbound messages/s for {SECONDS} s");
    println!(
        "{:>9} | {:>9} {:>9} {:>9} | {:>9} | {:>14}",
        "server", "p50 ms", "p99 ms", "max ms", "arrived", "idle conn KiB"
    );
    let atende = measure("atende").await?;
    let baseline = measure("baseline").await?;
    for (name, m) in [("atende", &atende), ("baseline", &baseline)] {
        println!(
            "{name:>9} | {:>9.2} {:>9.2} {:>9.2} | {:>4}/{:<4} | {:>14.1}",
            ms(m.p50),
            ms(m.p99),
            ms(m.max),
            m.arrived,
            m.sent,
            m.kib_per_connection
        );
    }
    println!(
        "ratio atende/baseline: p99 {:.2}, memory per idle connection {:.2}",
        ms(atende.p99) / ms(baseline.p99).max(0.001),
        atende.kib_per_connection / baseline.kib_per_connection.max(0.001)
    );
    Ok(())
}

struct Measurement {
    p50: Duration,
    p99: Duration,
    max: Duration,
    arrived: usize,
    sent: usize,
    kib_per_connection: f64,
}

/// The child server: killed when dropped.
struct Server {
    child: Child,
    address: String,
    /// Cookie headers of the agents' sessions (Atende only).
    cookies: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(kind: &str) -> anyhow::Result<Server> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--serve", kind, &CONSOLES.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("the server stopped"))??;
        if let Some(address) = line.strip_prefix("ADDR ") {
            break address.to_owned();
        }
    };
    Ok(Server {
        child,
        address,
        cookies: Vec::new(),
    })
}

fn resident_kib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    let kib: f64 = line
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("bad VmRSS"))?
        .parse()?;
    Ok(kib)
}

async fn measure(kind: &str) -> anyhow::Result<Measurement> {
    let mut server = start(kind)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    if kind == "atende" {
        server.cookies = sign_in_agents(&client, &server.address).await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = resident_kib(server.child.id())?;
    let sent: Sent = Arc::default();
    let samples: Samples = Arc::default();
    let mut sockets = Vec::with_capacity(CONSOLES);
    for index in 0..CONSOLES {
        let cookie = server.cookies.get(index).cloned();
        sockets.push(connect(&server.address, cookie).await?);
    }
    // Each console's first conversation: one customer per agent, assigned as they arrive.
    let customers: Vec<u64> = (0..CONSOLES as u64)
        .map(|n| 7_400_000_000_000_000 + n)
        .collect();
    let assigned = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for socket in sockets {
        let (sent, samples, assigned) = (sent.clone(), samples.clone(), assigned.clone());
        readers.push(tokio::spawn(read_events(socket, sent, samples, assigned)));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = resident_kib(server.child.id())?;
    let hook = format!("http://{}/hook/messageFacebook", server.address);
    if kind == "atende" {
        for customer in &customers {
            post(&client, &hook, *customer, &format!("hello from {customer}")).await?;
        }
        // Every agent has their conversation before the clock starts.
        let since = Instant::now();
        while assigned.load(Ordering::Relaxed) < CONSOLES
            && since.elapsed() < Duration::from_secs(60)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "   (atende: {} of {CONSOLES} consoles got their conversation in {:.1} s)",
            assigned.load(Ordering::Relaxed),
            since.elapsed().as_secs_f64()
        );
    }
    let total = (RATE_PER_SECOND * SECONDS) as usize;
    let interval = Duration::from_secs_f64(1.0 / RATE_PER_SECOND);
    let started = tokio::time::Instant::now();
    let mut posts = Vec::with_capacity(total);
    for n in 0..total {
        tokio::time::sleep_until(started + interval * n as u32).await;
        let customer = customers[n % customers.len()];
        let text = format!("bench {n}");
        let (client, hook, sent) = (client.clone(), hook.clone(), sent.clone());
        posts.push(tokio::spawn(async move {
            sent.lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .insert(text.clone(), Instant::now());
            post(&client, &hook, customer, &text).await
        }));
    }
    for task in posts {
        task.await??;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for reader in readers {
        reader.abort();
    }
    let mut samples = samples
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    samples.sort();
    anyhow::ensure!(!samples.is_empty(), "{kind}: no message reached a console");
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    Ok(Measurement {
        p50: at(0.50),
        p99: at(0.99),
        max: samples[samples.len() - 1],
        arrived: samples.len(),
        sent: total,
        kib_per_connection: (after - before) / CONSOLES as f64,
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(address: &str, cookie: Option<String>) -> anyhow::Result<Socket> {
    let path = if cookie.is_some() {
        "console/live"
    } else {
        "ws"
    };
    let mut request = format!("ws://{address}/{path}").into_client_request()?;
    request
        .headers_mut()
        .insert("Origin", format!("http://{address}").parse()?);
    if let Some(cookie) = cookie {
        request.headers_mut().insert("Cookie", cookie.parse()?);
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket
        .send(Message::Text(r#"{"resume":[]}"#.into()))
        .await?;
    Ok(socket)
}

/// Times every "bench N" message that reaches this console.
async fn read_events(mut socket: Socket, sent: Sent, samples: Samples, assigned: Arc<AtomicUsize>) {
    while let Some(Ok(frame)) = socket.next().await {
        let Message::Text(text) = frame else { continue };
        let arrived = Instant::now();
        let Ok(event) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if event["type"] == "conversation" {
            assigned.fetch_add(1, Ordering::Relaxed);
        }
        // Atende sends the message event; the baseline sends the bare text.
        let body = event["message"]["text"]
            .as_str()
            .or(event["text"].as_str())
            .unwrap_or_default()
            .to_owned();
        // Only the first sight of each message counts (later events move its status on).
        let start = sent.lock().ok().and_then(|mut sent| sent.remove(&body));
        if let (Some(start), Ok(mut samples)) = (start, samples.lock()) {
            samples.push(arrived - start);
        }
    }
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    customer: u64,
    text: &str,
) -> anyhow::Result<()> {
    let mid = format!("m_{customer}_{}", text.replace(' ', "_"));
    let body = format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[{{"sender":{{"id":"{customer}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":1,"message":{{"mid":"{mid}","text":"{text}"}}}}]}}]}}"#
    );
    let signature =
        atende_server::channels::meta::signature::sign(SECRET.as_bytes(), body.as_bytes());
    let response = client
        .post(url)
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    Ok(())
}

/// Signs every agent in and puts them Operating; their session cookies.
async fn sign_in_agents(client: &reqwest::Client, address: &str) -> anyhow::Result<Vec<String>> {
    let mut cookies = Vec::with_capacity(CONSOLES);
    for n in 0..CONSOLES {
        let username = format!("agent{n}");
        let response = client
            .post(format!("http://{address}/api/auth/login"))
            .header("Origin", format!("http://{address}"))
            .form(&[("username", username.as_str()), ("password", PASSWORD)])
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "login {username}: {}",
            response.status()
        );
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("atende_session="))
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| anyhow::anyhow!("no session cookie"))?
            .to_owned();
        let response = client
            .post(format!("http://{address}/api/console/presence"))
            .header("Origin", format!("http://{address}"))
            .header("Cookie", &cookie)
            .form(&[("presence", "operating")])
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "presence: {}",
            response.status()
        );
        cookies.push(cookie);
    }
    Ok(cookies)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
