use crate::helpers::{spawn_app, TestDb};
use crate::on_both_backends;

on_both_backends!(
    health_and_readiness_answer,
    every_response_carries_security_headers_and_a_request_id
);

async fn health_and_readiness_answer(db: TestDb) {
    let app = spawn_app(db).await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status(), 200, "{path}");
    }
    app.store.close().await;
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 503, "readiness follows the database");
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "liveness does not");
}

async fn every_response_carries_security_headers_and_a_request_id(db: TestDb) {
    let app = spawn_app(db).await;
    for path in ["/healthz", "/login", "/no-such-page"] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(headers.get("referrer-policy").is_some(), "{path}");
        assert!(headers.get("x-request-id").is_some(), "{path}");
    }
}
