use app::model::Role;

use crate::helpers::{client, spawn_app, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;

on_both_backends!(
    each_role_reaches_its_landing_page_and_is_refused_elsewhere,
    anonymous_visitors_are_sent_to_the_login_page,
    the_login_page_speaks_the_browser_language_unless_a_choice_was_made,
    the_hydration_script_is_the_only_inline_script_and_carries_the_csp_nonce,
);

async fn page(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (u16, String) {
    let response = client
        .get(app.url(path))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn each_role_reaches_its_landing_page_and_is_refused_elsewhere(db: TestDb) {
    let app = spawn_app(db).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    app.create_user("sara", Role::Supervisor, "senha-da-sara")
        .await;
    let cases = [
        ("ana", "senha-da-ana", "/console", "/admin"),
        ("sara", "senha-da-sara", "/admin", "/console"),
        ("admin", ADMIN_PASSWORD, "/admin", "/console"),
    ];
    for (username, password, landing, refused) in cases {
        let browser = client();
        assert_eq!(app.login(&browser, username, password).await.status(), 200);
        let (status, html) = page(&app, &browser, landing).await;
        assert_eq!(status, 200, "{username} on {landing}");
        assert!(
            html.contains(&format!("User {username}")) || username == "admin",
            "{username}: name shown"
        );
        let (status, html) = page(&app, &browser, refused).await;
        assert_eq!(status, 403, "{username} on {refused}");
        assert!(html.contains("data-page=\"forbidden\""));
        let home = browser
            .get(app.url("/"))
            .header("Accept", "text/html")
            .send()
            .await
            .expect("sent");
        assert_eq!(
            home.headers().get("location").and_then(|v| v.to_str().ok()),
            Some(landing)
        );
    }
}

async fn anonymous_visitors_are_sent_to_the_login_page(db: TestDb) {
    let app = spawn_app(db).await;
    for path in ["/", "/console", "/admin"] {
        // Leptos answers a browser (one that accepts HTML) with a real 302.
        let response = app
            .client
            .get(app.url(path))
            .header("Accept", "text/html")
            .send()
            .await
            .expect("sent");
        assert!(
            response.status().is_redirection(),
            "{path}: {}",
            response.status()
        );
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/login")
        );
    }
    let (status, _) = page(&app, &app.client, "/no-such-page").await;
    assert_eq!(status, 404);
}

async fn the_login_page_speaks_the_browser_language_unless_a_choice_was_made(db: TestDb) {
    let app = spawn_app(db).await;
    let get = |accept: &'static str, cookie: Option<&'static str>| {
        let mut request = app
            .client
            .get(app.url("/login"))
            .header("Accept-Language", accept);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        async move {
            request
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("body")
        }
    };
    let english = get("en-US,en;q=0.9", None).await;
    assert!(english.contains("Sign in to Atende") && english.contains("lang=\"en\""));
    let portuguese = get("pt-BR,pt;q=0.9", None).await;
    assert!(portuguese.contains("Entrar no Atende") && portuguese.contains("lang=\"pt-BR\""));
    let chosen = get("en-US", Some("i18n_pref_locale=pt-BR")).await;
    assert!(
        chosen.contains("Entrar no Atende"),
        "the saved choice wins over the browser"
    );
}

async fn the_hydration_script_is_the_only_inline_script_and_carries_the_csp_nonce(db: TestDb) {
    let app = spawn_app(db).await;
    let response = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("sent");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let html = response.text().await.expect("body");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in CSP");
    assert!(nonce.len() >= 16);
    // leptos_i18n leaves an empty `<script></script>` placeholder: browsers never run (or
    // CSP-check) an empty inline script, so it needs no nonce.
    let scripts = html.matches("<script").count() - html.matches("<script></script>").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(scripts >= 1);
    assert_eq!(
        scripts, with_nonce,
        "every script carries the nonce: {html}"
    );
}
