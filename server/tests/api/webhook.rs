use atende_server::channels::meta::signature;
use atende_server::store::webhook_deliveries;
use serde_json::Value;

use crate::helpers::{
    eventually, secret_box, spawn_app, spawn_app_with, TestApp, TestDb, META_APP_SECRET,
    META_VERIFY_TOKEN,
};
use crate::on_both_backends;

on_both_backends!(
    the_subscription_handshake_echoes_the_challenge_only_for_our_token,
    a_signed_delivery_is_stored_verbatim_before_the_200,
    unsigned_or_wrongly_signed_deliveries_are_refused_and_not_stored,
    a_legacy_sha1_signature_alone_is_refused,
    malformed_json_with_a_valid_signature_is_kept_and_answered_400,
    oversized_bodies_get_413_and_nothing_is_stored,
    instagram_deliveries_use_their_own_path,
    credentials_changed_in_the_database_apply_without_a_restart,
    admins_see_the_deliveries_that_did_not_become_messages,
);

/// A batched Messenger delivery shaped like Meta's documented sample.
const MESSENGER_SAMPLE: &str = r#"{"object":"page","entry":[{"id":"104719482392816","time":1732190000000,"messaging":[{"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1732190000000,"message":{"mid":"m_AbC123","text":"Olá, preciso de ajuda"}}]}]}"#;

async fn post(
    app: &TestApp,
    path: &str,
    body: &[u8],
    signature_header: Option<(&str, String)>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    if let Some((name, value)) = signature_header {
        request = request.header(name, value);
    }
    request.send().await.expect("sent")
}

fn signed(body: &[u8]) -> Option<(&'static str, String)> {
    Some((
        "X-Hub-Signature-256",
        signature::sign(META_APP_SECRET.as_bytes(), body),
    ))
}

async fn stored(app: &TestApp) -> Vec<webhook_deliveries::Delivery> {
    webhook_deliveries::recent(app.store.pool(), 100, false)
        .await
        .expect("deliveries")
}

async fn the_subscription_handshake_echoes_the_challenge_only_for_our_token(db: TestDb) {
    let app = spawn_app(db).await;
    let handshake = |mode: &str, token: &str| {
        app.client.get(app.url("/hook/messageFacebook")).query(&[
            ("hub.mode", mode),
            ("hub.verify_token", token),
            ("hub.challenge", "1158201444"),
        ])
    };
    let ok = handshake("subscribe", META_VERIFY_TOKEN)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.expect("body"), "1158201444");
    let wrong_token = handshake("subscribe", "guess").send().await.expect("sent");
    assert_eq!(wrong_token.status(), 403);
    let body: Value = wrong_token.json().await.expect("JSON error");
    assert_eq!(body["error"], "forbidden");
    assert_eq!(
        handshake("unsubscribe", META_VERIFY_TOKEN)
            .send()
            .await
            .expect("sent")
            .status(),
        403
    );
    let bare = app
        .client
        .get(app.url("/hook/messageFacebook"))
        .send()
        .await
        .expect("sent");
    assert_eq!(bare.status(), 403);
}

async fn a_signed_delivery_is_stored_verbatim_before_the_200(db: TestDb) {
    let app = spawn_app(db).await;
    let body = MESSENGER_SAMPLE.as_bytes();
    let response = post(&app, "/hook/messageFacebook", body, signed(body)).await;
    assert_eq!(response.status(), 200, "no Origin needed: Meta sends none");
    assert_eq!(response.text().await.expect("body"), "EVENT_RECEIVED");
    let deliveries = stored(&app).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].body, body, "stored byte for byte");
    // The worker may already have processed it (no service has this page in this test).
    assert!(
        ["pending", "unknown_page"].contains(&deliveries[0].state.as_str()),
        "{:?}",
        deliveries[0].state
    );
    assert_eq!(deliveries[0].channel, "messenger");
}

async fn unsigned_or_wrongly_signed_deliveries_are_refused_and_not_stored(db: TestDb) {
    let app = spawn_app(db).await;
    let body = MESSENGER_SAMPLE.as_bytes();
    let forged = Some((
        "X-Hub-Signature-256",
        signature::sign(b"not-our-secret", body),
    ));
    let tampered_body = MESSENGER_SAMPLE.replace("ajuda", "AJUDA");
    for (payload, header) in [
        (body.to_vec(), None),
        (body.to_vec(), forged),
        (tampered_body.into_bytes(), signed(body)),
        (
            body.to_vec(),
            Some(("X-Hub-Signature-256", "sha256=nothex".to_owned())),
        ),
    ] {
        let response = post(&app, "/hook/messageFacebook", &payload, header).await;
        assert_eq!(response.status(), 403);
        let error: Value = response.json().await.expect("JSON error");
        assert_eq!(error["error"], "invalid_signature");
    }
    assert!(stored(&app).await.is_empty());
}

async fn a_legacy_sha1_signature_alone_is_refused(db: TestDb) {
    let app = spawn_app(db).await;
    let body = MESSENGER_SAMPLE.as_bytes();
    let sha1 = Some((
        "X-Hub-Signature",
        "sha1=0123456789abcdef0123456789abcdef01234567".to_owned(),
    ));
    assert_eq!(
        post(&app, "/hook/messageFacebook", body, sha1)
            .await
            .status(),
        403
    );
    assert!(stored(&app).await.is_empty());
}

async fn malformed_json_with_a_valid_signature_is_kept_and_answered_400(db: TestDb) {
    let app = spawn_app(db).await;
    let body = b"{\"object\":\"page\",\"entry\":[";
    // Meta retries what got a 400: every answer is the same, one copy is kept.
    for _ in 0..3 {
        let response = post(&app, "/hook/messageFacebook", body, signed(body)).await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.expect("JSON error");
        assert_eq!(error["error"], "malformed_json");
    }
    let deliveries = stored(&app).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].state, "malformed");
    assert_eq!(deliveries[0].body, body);
}

async fn oversized_bodies_get_413_and_nothing_is_stored(db: TestDb) {
    let app = spawn_app(db).await;
    let body = vec![b' '; 10 * 1024 * 1024 + 1];
    let response = post(&app, "/hook/messageFacebook", &body, signed(&body)).await;
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.expect("JSON error");
    // Refused on its announced length, before any of it is read.
    assert_eq!(error["error"], "payload_too_large");
    assert!(stored(&app).await.is_empty());
}

async fn instagram_deliveries_use_their_own_path(db: TestDb) {
    let app = spawn_app(db).await;
    let body = br#"{"object":"instagram","entry":[{"id":"17841400000000000","time":1732190000000,"messaging":[{"sender":{"id":"6100000000000001"},"recipient":{"id":"17841400000000000"},"timestamp":1732190000000,"message":{"mid":"aWdfZAG1","text":"oi"}}]}]}"#;
    assert_eq!(
        post(&app, "/hook/messageInstagram", body, signed(body))
            .await
            .status(),
        200
    );
    assert_eq!(stored(&app).await[0].channel, "instagram");
}

/// No secret in the environment: the admin's values in the general settings are used, and a
/// change is picked up by the running server (this is what another instance would see).
async fn credentials_changed_in_the_database_apply_without_a_restart(db: TestDb) {
    use atende_server::channels::meta::credentials::{APP_SECRET_KEY, VERIFY_TOKEN_KEY};
    use atende_server::store::general_settings;
    use secrecy::SecretString;

    let mut settings = db.settings();
    settings.meta_app_secret = None;
    settings.meta_verify_token = None;
    let app = spawn_app_with(db, settings).await;
    let body = MESSENGER_SAMPLE.as_bytes();
    let refused = post(&app, "/hook/messageFacebook", body, signed(body)).await;
    assert_eq!(refused.status(), 403, "no secret configured yet");

    let seal = |value: &str| {
        secret_box()
            .seal(&SecretString::from(value.to_owned()))
            .expect("sealed")
    };
    let pool = app.store.pool();
    let now = chrono::Utc::now();
    general_settings::set(pool, APP_SECRET_KEY, &seal(META_APP_SECRET), now)
        .await
        .expect("secret");
    general_settings::set(pool, VERIFY_TOKEN_KEY, &seal("db-verify-token"), now)
        .await
        .expect("token");
    eventually(10, "the new app secret to apply", || async {
        let response = post(&app, "/hook/messageFacebook", body, signed(body)).await;
        (response.status() == 200).then_some(())
    })
    .await;
    let handshake = app
        .client
        .get(app.url(
            "/hook/messageFacebook?hub.mode=subscribe&hub.verify_token=db-verify-token&hub.challenge=42",
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(handshake.status(), 200);
    assert_eq!(handshake.text().await.expect("body"), "42");
    let stored: String = sqlx::query_scalar("SELECT value FROM general_settings WHERE key = $1")
        .bind(APP_SECRET_KEY)
        .fetch_one(pool)
        .await
        .expect("stored");
    assert!(!stored.contains(META_APP_SECRET), "sealed at rest");
}

async fn admins_see_the_deliveries_that_did_not_become_messages(db: TestDb) {
    use app::model::Role;

    let app = spawn_app(db).await;
    let malformed = b"not json at all";
    post(&app, "/hook/messageFacebook", malformed, signed(malformed)).await;
    let unknown = MESSENGER_SAMPLE.as_bytes();
    assert_eq!(
        post(&app, "/hook/messageFacebook", unknown, signed(unknown))
            .await
            .status(),
        200
    );
    atende_server::channels::meta::ingest::Ingest::new(app.store.clone())
        .process_pending()
        .await
        .expect("processed");

    let admin = crate::helpers::client();
    app.login(&admin, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let response = app.call(&admin, "admin/delivery_issues", &[]).await;
    assert_eq!(response.status(), 200);
    let issues: Value = response.json().await.expect("JSON");
    let problems: Vec<&str> = issues
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|issue| issue["problem"].as_str())
        .collect();
    assert_eq!(problems, ["unknown_page", "malformed"]);
    assert!(issues[0]["note"]
        .as_str()
        .is_some_and(|note| note.contains("104719482392816")));

    app.create_user("sara", Role::Supervisor, "sara-password-2026")
        .await;
    let supervisor = crate::helpers::client();
    app.login(&supervisor, "sara", "sara-password-2026").await;
    let refused = app.call(&supervisor, "admin/delivery_issues", &[]).await;
    assert_eq!(refused.status(), 403);
    let anonymous = app
        .call(&crate::helpers::client(), "admin/delivery_issues", &[])
        .await;
    assert_eq!(anonymous.status(), 401);
}
