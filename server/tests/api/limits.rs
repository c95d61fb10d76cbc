//! Slow or oversized requests from outside: headers sent a byte at a time lose their
//! connection, bodies that never finish get 408, an announced huge body gets 413 at once, and
//! webhooks beyond the in-flight limit get 503 instead of waiting in memory.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app_with, TestApp, TestDb};
use crate::on_both_backends;

on_both_backends!(
    headers_that_never_finish_lose_their_connection,
    a_body_that_never_finishes_gets_408,
    an_announced_huge_body_gets_413_at_once,
    webhooks_beyond_the_in_flight_limit_get_503_at_once,
);

async fn app(db: TestDb) -> TestApp {
    let mut settings = db.settings();
    settings.http_header_timeout_seconds = 1;
    settings.http_request_timeout_seconds = 2;
    settings.webhook_max_in_flight = 2;
    spawn_app_with(db, settings).await
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connect")
}

/// Reads until the server closes the connection (or `limit` passes); what it sent.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&seen).into_owned()),
            Ok(Ok(read)) => seen.extend_from_slice(&buffer[..read]),
        }
    }
}

async fn headers_that_never_finish_lose_their_connection(db: TestDb) {
    let app = app(db).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        .await
        .expect("partial headers");
    let started = Instant::now();
    let closed = until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection is still held after 5 s");
    assert!(started.elapsed() < Duration::from_secs(4));
}

async fn a_body_that_never_finishes_gets_408(db: TestDb) {
    let app = app(db).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /hook/messageFacebook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"obj",
        )
        .await
        .expect("partial body");
    let answer = until_closed(&mut stream, Duration::from_secs(6))
        .await
        .expect("answered within the request deadline");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}

async fn an_announced_huge_body_gets_413_at_once(db: TestDb) {
    let app = app(db).await;
    for path in ["/hook/messageFacebook", "/api/auth/login", "/media"] {
        let mut stream = connect(&app).await;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: 1000000000000\r\n\r\n{{}}"
        );
        stream.write_all(request.as_bytes()).await.expect("request");
        let started = Instant::now();
        let mut buffer = [0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer))
            .await
            .expect("answered at once")
            .expect("read");
        let answer = String::from_utf8_lossy(&buffer[..read]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(1), "{path}");
    }
}

async fn webhooks_beyond_the_in_flight_limit_get_503_at_once(db: TestDb) {
    let app = app(db).await;
    // Two webhook bodies that are still arriving hold the two slots.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&app).await;
        stream
            .write_all(
                b"POST /hook/messageFacebook HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
            )
            .await
            .expect("partial body");
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/hook/messageFacebook"))
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(started.elapsed() < Duration::from_secs(1));
    // Other routes are not affected.
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
    drop(slow);
}
