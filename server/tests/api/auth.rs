use std::time::Instant;

use app::model::Role;
use serde_json::Value;

use crate::helpers::{client, session_cookie, spawn_app, spawn_app_with, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;

on_both_backends!(
    first_start_creates_the_admin_who_can_log_in,
    login_sets_a_hardened_session_cookie_and_rotates_it,
    wrong_password_and_unknown_user_look_the_same,
    an_account_is_locked_after_repeated_failures,
    an_ip_is_locked_after_many_failures_across_accounts,
    attempts_made_while_locked_do_not_extend_the_lock,
    over_long_and_empty_fields_are_refused_and_nothing_is_stored,
    state_changing_requests_need_our_origin,
    logout_ends_the_session,
    the_saved_language_comes_back_at_login,
    the_session_cookie_is_secure_behind_https,
    plain_http_gets_no_hsts,
    a_burst_of_parallel_guesses_gets_no_more_than_the_limit,
    oversized_bodies_and_control_characters_are_refused,
);

async fn first_start_creates_the_admin_who_can_log_in(db: TestDb) {
    let app = spawn_app(db).await;
    let response = app.login(&app.client, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let outcome: Value = response.json().await.expect("JSON");
    assert_eq!(outcome["landing"], "/admin");
    let user = app.current_user(&app.client).await;
    assert_eq!(user["username"], "admin");
    assert_eq!(user["role"], "admin");
}

async fn login_sets_a_hardened_session_cookie_and_rotates_it(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    let first = app.login(&app.client, "ana", "senha-da-ana").await;
    assert_eq!(first.status(), 200);
    let cookie = session_cookie(&first).expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http external URL: {cookie}"
    );
    let second = app.login(&app.client, "ana", "senha-da-ana").await;
    let rotated = session_cookie(&second).expect("new session cookie");
    let id = |c: &str| c.split(';').next().unwrap_or_default().to_owned();
    assert_ne!(id(&cookie), id(&rotated), "a login gets a new session id");
    let outcome: Value = second.json().await.expect("JSON");
    assert_eq!(outcome["landing"], "/console");
}

async fn wrong_password_and_unknown_user_look_the_same(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    let timed = |username: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let response = app.login(&client(), username, "not-the-password").await;
            let elapsed = started.elapsed();
            (
                response.status(),
                response.text().await.expect("body"),
                elapsed,
            )
        }
    };
    let (wrong_status, wrong_body, wrong_time) = timed("ana").await;
    let (unknown_status, unknown_body, unknown_time) = timed("nobody").await;
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown_status, 401);
    assert_eq!(wrong_body, unknown_body);
    assert!(wrong_body.contains("InvalidCredentials"), "{wrong_body}");
    // Both paths run one argon2 verification; neither answers in a fraction of the other's time.
    assert!(
        unknown_time * 3 > wrong_time && wrong_time * 3 > unknown_time,
        "{wrong_time:?} vs {unknown_time:?}"
    );
}

async fn an_account_is_locked_after_repeated_failures(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    for _ in 0..5 {
        assert_eq!(
            app.login(&client(), "ana", "wrong-password").await.status(),
            401
        );
    }
    let locked = app.login(&client(), "ana", "senha-da-ana").await;
    assert_eq!(locked.status(), 429, "even the right password waits");
    assert!(locked.headers().get("retry-after").is_some());
    let body: Value = locked.json().await.expect("JSON");
    assert!(
        body["TooManyAttempts"]["retry_after_minutes"]
            .as_i64()
            .unwrap_or(0)
            >= 1,
        "{body}"
    );
    // Another account from the same address is not affected.
    app.create_user("bia", Role::Agent, "senha-da-bia").await;
    assert_eq!(
        app.login(&client(), "bia", "senha-da-bia").await.status(),
        200
    );
}

/// Moves every recorded failure older than `older_than_minutes` back by `by_minutes`.
async fn age_failures(app: &crate::helpers::TestApp, older_than_minutes: i64, by_minutes: i64) {
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("UPDATE login_failures SET at = at - $1 WHERE at < $2")
        .bind(by_minutes * 60_000)
        .bind(now - older_than_minutes * 60_000)
        .execute(app.store.pool())
        .await
        .expect("age failures");
}

/// Anyone who knows a user name could otherwise keep that account locked for ever.
async fn attempts_made_while_locked_do_not_extend_the_lock(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    for _ in 0..5 {
        assert_eq!(
            app.login(&client(), "ana", "wrong-password").await.status(),
            401
        );
    }
    // Ten minutes later the lock still holds, and an attacker keeps knocking.
    age_failures(&app, -1, 10).await;
    for _ in 0..6 {
        assert_eq!(
            app.login(&client(), "ana", "wrong-password").await.status(),
            429
        );
    }
    // The five real failures leave the 15-minute window: the lock ends, whatever was knocked.
    age_failures(&app, 5, 6).await;
    assert_eq!(
        app.login(&client(), "ana", "senha-da-ana").await.status(),
        200,
        "the refused attempts must not count as failures"
    );
}

async fn an_ip_is_locked_after_many_failures_across_accounts(db: TestDb) {
    let mut settings = db.settings();
    settings.login_max_failures_per_ip = 4;
    let app = spawn_app_with(db, settings).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    for name in ["x1", "x2", "x3", "x4"] {
        assert_eq!(
            app.login(&client(), name, "guess-guess").await.status(),
            401
        );
    }
    assert_eq!(
        app.login(&client(), "ana", "senha-da-ana").await.status(),
        429
    );
}

async fn over_long_and_empty_fields_are_refused_and_nothing_is_stored(db: TestDb) {
    let app = spawn_app(db).await;
    let long_name = "a".repeat(65);
    let long_password = "p".repeat(129);
    let cases: [(&str, &str, &str); 4] = [
        (
            &long_name,
            "whatever-pass",
            r#"{"TooLong":{"field":"username","max":64}}"#,
        ),
        (
            "ana",
            &long_password,
            r#"{"TooLong":{"field":"password","max":128}}"#,
        ),
        ("", "whatever-pass", r#"{"Required":{"field":"username"}}"#),
        ("ana", "", r#"{"Required":{"field":"password"}}"#),
    ];
    for (username, password, expected) in cases {
        let response = app.login(&client(), username, password).await;
        assert_eq!(response.status(), 422);
        assert_eq!(response.text().await.expect("body"), expected);
    }
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(failures, 0, "refused input is not recorded");
}

async fn state_changing_requests_need_our_origin(db: TestDb) {
    let app = spawn_app(db).await;
    let form = [("username", "admin"), ("password", ADMIN_PASSWORD)];
    let without = app
        .client
        .post(app.url("/api/auth/login"))
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(without.status(), 403);
    let body: Value = without.json().await.expect("JSON error");
    assert_eq!(body["error"], "forbidden");
    let foreign = app
        .client
        .post(app.url("/api/auth/login"))
        .header("Origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .expect("sent");
    assert_eq!(foreign.status(), 403);
    assert!(
        session_cookie(&foreign).is_none(),
        "no session for a refused request"
    );
    assert_eq!(
        app.login(&app.client, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
}

async fn logout_ends_the_session(db: TestDb) {
    let app = spawn_app(db).await;
    assert_eq!(
        app.login(&app.client, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(app.current_user(&app.client).await["username"], "admin");
    assert_eq!(
        app.call(&app.client, "auth/logout", &[]).await.status(),
        200
    );
    assert_eq!(app.current_user(&app.client).await, Value::Null);
}

async fn the_saved_language_comes_back_at_login(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    app.login(&app.client, "ana", "senha-da-ana").await;
    assert_eq!(
        app.call(&app.client, "auth/set_locale", &[("locale", "en")])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(&app.client, "auth/set_locale", &[("locale", "klingon")])
            .await
            .status(),
        422
    );

    let other_browser = client();
    let response = app.login(&other_browser, "ana", "senha-da-ana").await;
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("i18n_pref_locale=en;")),
        "{cookies:?}"
    );
    let outcome: Value = response.json().await.expect("JSON");
    assert_eq!(outcome["locale"], "en");
}

async fn the_session_cookie_is_secure_behind_https(db: TestDb) {
    let mut settings = db.settings();
    settings.external_url = "https://atende.example.com".parse().expect("URL");
    let app = spawn_app_with(db, settings).await;
    let response = app.login(&app.client, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = session_cookie(&response).expect("session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
    // HSTS on every answer, pages and machine routes alike.
    for path in ["/login", "/healthz", "/hook/messageFacebook"] {
        let response = app.client.get(app.url(path)).send().await.expect("GET");
        let hsts = response
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(hsts.starts_with("max-age=31536000"), "{path}: {hsts:?}");
    }
}

async fn plain_http_gets_no_hsts(db: TestDb) {
    let app = spawn_app(db).await;
    let response = app.client.get(app.url("/login")).send().await.expect("GET");
    assert!(response
        .headers()
        .get("strict-transport-security")
        .is_none());
}

async fn a_burst_of_parallel_guesses_gets_no_more_than_the_limit(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    let guesses = (0..12).map(|i| {
        let app = &app;
        async move {
            app.login(&client(), "ana", &format!("guess-number-{i}"))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| s.as_u16() == 401).count();
    let refused = statuses.iter().filter(|s| s.as_u16() == 429).count();
    assert_eq!(checked + refused, 12, "{statuses:?}");
    assert!(
        checked <= 5,
        "at most the limit of passwords were checked: {statuses:?}"
    );
}

async fn oversized_bodies_and_control_characters_are_refused(db: TestDb) {
    let app = spawn_app(db).await;
    let huge = "x".repeat(1024 * 1024);
    let response = app.login(&client(), &huge, "whatever-pass").await;
    assert_eq!(response.status(), 413);
    let response = app.login(&client(), "ana\u{0}", "whatever-pass").await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"Invalid":{"field":"username"}}"#
    );
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(failures, 0, "refused input is not recorded");
}
