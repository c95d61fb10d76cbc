//! General settings (admins only): the verify token is generated and Meta's handshake takes
//! it at once; the app secret is write-only; the external URL, attachment limit and sandbox
//! switch apply without a restart; every save is versioned and audited.

use serde_json::{json, Value};

use crate::admin_services::{admin, post_json};
use crate::console::signed_in;
use crate::helpers::{client, TestApp, TestDb};
use crate::on_both_backends;
use crate::sandbox::sandbox_app_with;

on_both_backends!(general_settings_apply_at_once_and_keep_secrets);

async fn settings(app: &TestApp, who: &reqwest::Client) -> (u16, Value) {
    let response = app.call(who, "admin/settings", &[]).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn handshake(app: &TestApp, token: &str) -> u16 {
    let path = format!(
        "/hook/messageFacebook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=7"
    );
    app.client
        .get(app.url(&path))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn general_settings_apply_at_once_and_keep_secrets(db: TestDb) {
    // No credentials from the environment: the admin sets them.
    let app = sandbox_app_with(db, |settings| {
        settings.meta_app_secret = None;
        settings.meta_verify_token = None;
    })
    .await;
    let admin = admin(&app).await;
    app.create_user("sara", app::model::Role::Supervisor, "agent-password-2026")
        .await;
    let supervisor = signed_in(&app, "sara").await;
    assert_eq!(settings(&app, &supervisor).await.0, 403);
    assert_eq!(settings(&app, &client()).await.0, 401);

    let (status, before) = settings(&app, &admin).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["verify_token"], Value::Null);
    assert_eq!(before["app_secret_set"], false);
    assert_eq!(before["sandbox_available"], true);

    // A generated verify token: Meta's handshake takes it at once, and nothing else.
    let response = app.call(&admin, "admin/regenerate_verify_token", &[]).await;
    assert_eq!(response.status(), 200);
    let (_, shown) = settings(&app, &admin).await;
    let token = shown["verify_token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 48);
    assert_eq!(handshake(&app, &token).await, 200);
    assert_eq!(handshake(&app, "guess").await, 403);

    // Validation, field by field; nothing is written.
    let form = |external: &str, max_mb: u32, secret: Value, version: &Value| {
        json!({ "form": { "external_url": external, "internal_url": "http://atende.intranet",
                          "app_secret": secret, "attachment_max_mb": max_mb,
                          "sandbox_enabled": true, "version": version } })
    };
    let version = shown["version"].clone();
    for (bad, field) in [
        (
            form("atende.example.com", 10, Value::Null, &version),
            "external_url",
        ),
        (
            form("https://atende.example.com", 0, Value::Null, &version),
            "attachment_limit",
        ),
        (
            form("https://atende.example.com", 26, Value::Null, &version),
            "attachment_limit",
        ),
        (
            form(
                "https://atende.example.com",
                10,
                json!("two words"),
                &version,
            ),
            "app_secret",
        ),
    ] {
        let (status, body) = post_json(&app, &admin, "save_settings", bad).await;
        assert_eq!(
            (status, body["Invalid"]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let good = form(
        "https://atende.example.com/",
        1,
        json!("admin-set-app-secret"),
        &version,
    );
    let (status, body) = post_json(&app, &admin, "save_settings", good.clone()).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = post_json(&app, &admin, "save_settings", good).await;
    assert_eq!(status, 409, "a second save from the same old version");
    let (_, after) = settings(&app, &admin).await;
    assert_eq!(
        after["messenger_webhook_url"],
        "https://atende.example.com/hook/messageFacebook"
    );
    assert_eq!(after["app_secret_set"], true);
    assert!(!after.to_string().contains("admin-set-app-secret"));
    let audit: Vec<String> =
        sqlx::query_scalar("SELECT changes FROM audit_log WHERE entity = 'settings' ORDER BY id")
            .fetch_all(app.store.pool())
            .await
            .expect("audit");
    assert_eq!(audit.len(), 2);
    assert!(audit[1].contains("\"app_secret\":[null,\"replaced\"]"));
    assert!(audit
        .iter()
        .all(|c| !c.contains("admin-set-app-secret") && !c.contains(&token)));

    // The sandbox signs its deliveries with the admin's secret, and the webhook checks it.
    let psid = crate::sandbox::new_customer(&app, "Ivo Nunes", true).await;
    let mid = crate::sandbox::customer_says(&app, &psid, "oi").await;
    crate::helpers::eventually(15, "the message, verified", || async {
        (crate::sandbox::inbound_count(&app, &mid).await == 1).then_some(())
    })
    .await;

    // The 1 MB limit applies to the next upload.
    let agent = signed_in(&app, "sara").await;
    let large = agent
        .post(app.url("/media"))
        .header("Origin", &app.address)
        .header("Content-Type", "application/pdf")
        .body(vec![b'%'; 1024 * 1024 + 1])
        .send()
        .await
        .expect("sent");
    assert_eq!(large.status(), 413);

    // Switched off, the sandbox answers 404 at once; on again, it is back.
    let mut off = form(
        "https://atende.example.com",
        1,
        Value::Null,
        &after["version"],
    );
    off["form"]["sandbox_enabled"] = json!(false);
    assert_eq!(post_json(&app, &admin, "save_settings", off).await.0, 200);
    let page = app
        .client
        .get(app.url("/sandbox"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 404);
    let (_, now) = settings(&app, &admin).await;
    let on = form(
        "https://atende.example.com",
        1,
        Value::Null,
        &now["version"],
    );
    assert_eq!(post_json(&app, &admin, "save_settings", on).await.0, 200);
    let page = app
        .client
        .get(app.url("/sandbox"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
}
