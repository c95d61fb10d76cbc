//! The Messenger sandbox end to end over real HTTP: customer API → signed, batched webhook →
//! ingest; agent reply → sender → the Graph stand-in → echo, delivery and read webhooks.

use atende_server::conversation::outbox::queue_agent_text;
use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{bind_service, eventually, post_signed, spawn_app_with, TestApp, TestDb};
use crate::on_both_backends;

on_both_backends!(
    the_sandbox_is_not_reachable_when_off,
    a_customer_message_arrives_once_with_the_customers_name,
    an_agent_reply_reaches_the_customer_and_comes_back_delivered_and_read,
    a_reply_after_24_hours_goes_out_with_the_human_agent_tag,
    injected_graph_failures_fail_the_reply_with_their_reason,
    a_customer_without_a_profile_keeps_the_fallback_name,
    the_graph_stand_in_answers_like_meta,
    typing_and_seen_reach_the_customer,
);

pub const PAGE: &str = "100000000000001";
pub const TOKEN: &str = "sandbox-page-token";

pub async fn sandbox_app(db: TestDb) -> TestApp {
    sandbox_app_with(db, |_| {}).await
}

/// The sandbox app with some settings changed first.
pub async fn sandbox_app_with(
    db: TestDb,
    change: impl FnOnce(&mut atende_server::config::Settings),
) -> TestApp {
    let mut settings = db.settings();
    settings.sandbox = true;
    change(&mut settings);
    let app = spawn_app_with(db, settings).await;
    let graph = app.url("/sandbox/graph/v19.0/me/messages");
    bind_service(&app, PAGE, &graph, Some(TOKEN)).await;
    app
}

/// A sandbox request from the sandbox page (same Origin, as a browser sends it).
pub async fn sandbox(app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> Value {
    let response = app
        .client
        .request(method, app.url(path))
        .header("Origin", &app.address)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub async fn new_customer(app: &TestApp, name: &str, has_profile: bool) -> String {
    let customer = sandbox(
        app,
        reqwest::Method::POST,
        "/sandbox/api/customers",
        json!({ "name": name, "has_profile": has_profile }),
    )
    .await;
    customer["psid"].as_str().expect("psid").to_owned()
}

pub async fn customer_says(app: &TestApp, psid: &str, text: &str) -> String {
    let sent = sandbox(
        app,
        reqwest::Method::POST,
        "/sandbox/api/chat/text",
        json!({ "psid": psid, "page": PAGE, "text": text }),
    )
    .await;
    sent["mid"].as_str().expect("mid").to_owned()
}

pub async fn inbound_count(app: &TestApp, mid: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE mid = $1")
        .bind(mid)
        .fetch_one(app.store.pool())
        .await
        .expect("count")
}

pub async fn conversation_of(app: &TestApp, psid: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id
         WHERE k.external_id = $1",
    )
    .bind(psid)
    .fetch_one(app.store.pool())
    .await
    .expect("conversation")
}

pub async fn message_state(app: &TestApp, id: i64) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, failure_reason FROM messages WHERE id = $1")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .expect("message")
}

/// The last `sender_action` the customer's chat got.
pub async fn page_action(app: &TestApp, psid: &str) -> Option<String> {
    let chat = sandbox(
        app,
        reqwest::Method::GET,
        &format!("/sandbox/api/chat?psid={psid}&page={PAGE}"),
        Value::Null,
    )
    .await;
    chat["page_action"].as_str().map(str::to_owned)
}

pub async fn chat(app: &TestApp, psid: &str) -> Vec<Value> {
    let chat = sandbox(
        app,
        reqwest::Method::GET,
        &format!("/sandbox/api/chat?psid={psid}&page={PAGE}"),
        Value::Null,
    )
    .await;
    chat["messages"].as_array().cloned().unwrap_or_default()
}

/// A customer writes and Atende has the message: the conversation is ready for a reply.
pub async fn conversation_with(app: &TestApp, name: &str) -> (String, i64) {
    let psid = new_customer(app, name, true).await;
    let mid = customer_says(app, &psid, "Olá, preciso de ajuda").await;
    eventually(10, "the customer's message", || async {
        (inbound_count(app, &mid).await == 1).then_some(())
    })
    .await;
    let conversation = conversation_of(app, &psid).await;
    (psid, conversation)
}

async fn the_sandbox_is_not_reachable_when_off(db: TestDb) {
    let settings = db.settings();
    let app = spawn_app_with(db, settings).await;
    for path in [
        "/sandbox",
        "/sandbox/api/state",
        "/sandbox/graph/v19.0/12345",
    ] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status(), 404, "{path}");
    }
    let response = app
        .client
        .post(app.url("/sandbox/graph/v19.0/me/messages?access_token=x"))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
}

async fn a_customer_message_arrives_once_with_the_customers_name(db: TestDb) {
    let app = sandbox_app(db).await;
    let page = app
        .client
        .get(app.url("/sandbox"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("Messenger sandbox"));

    let psid = new_customer(&app, "Maria Oliveira", true).await;
    let mid = customer_says(&app, &psid, "Oi, meu pedido não chegou").await;
    eventually(10, "the message in Atende", || async {
        (inbound_count(&app, &mid).await == 1).then_some(())
    })
    .await;
    // Meta redelivers the same event: still one message.
    let again = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": PAGE}, "timestamp": 1,
        "message": {"mid": mid, "text": "Oi, meu pedido não chegou"}}]}]});
    assert_eq!(post_signed(&app, &again.to_string()).await.status(), 200);
    let (first, last) = eventually(10, "the customer's name", || async {
        let row: (String, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT profile_status, first_name, last_name FROM contacts WHERE external_id = $1",
        )
        .bind(&psid)
        .fetch_one(app.store.pool())
        .await
        .expect("contact");
        (row.0 == "fetched").then_some((row.1, row.2))
    })
    .await;
    assert_eq!(
        (first.as_deref(), last.as_deref()),
        (Some("Maria"), Some("Oliveira"))
    );
    // Give a wrongly duplicated delivery time to be processed before counting.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    atende_server::channels::meta::ingest::Ingest::new(app.store.clone())
        .process_pending()
        .await
        .expect("processed");
    assert_eq!(inbound_count(&app, &mid).await, 1);
}

async fn an_agent_reply_reaches_the_customer_and_comes_back_delivered_and_read(db: TestDb) {
    let app = sandbox_app(db).await;
    let (psid, conversation) = conversation_with(&app, "João Pereira").await;
    let message = queue_agent_text(
        &app.store,
        conversation,
        "Olá João, já verifico.",
        Utc::now(),
    )
    .await
    .expect("queued");
    let reply = eventually(10, "the reply in the sandbox", || async {
        chat(&app, &psid)
            .await
            .into_iter()
            .find(|m| m["author"] == "page")
    })
    .await;
    assert_eq!(reply["text"], "Olá João, já verifico.");
    assert_eq!(reply["messaging_type"], "RESPONSE");
    eventually(10, "the delivery receipt", || async {
        (message_state(&app, message).await.0 == "delivered").then_some(())
    })
    .await;
    sandbox(
        &app,
        reqwest::Method::POST,
        "/sandbox/api/chat/seen",
        json!({ "psid": psid, "page": PAGE }),
    )
    .await;
    eventually(10, "the read receipt", || async {
        (message_state(&app, message).await.0 == "read").then_some(())
    })
    .await;
    // Our echo confirmed the send; it is not stored as a second message.
    let outbound: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND direction = 'out'",
    )
    .bind(conversation)
    .fetch_one(app.store.pool())
    .await
    .expect("count");
    assert_eq!(outbound, 1);
}

async fn a_reply_after_24_hours_goes_out_with_the_human_agent_tag(db: TestDb) {
    let app = sandbox_app(db).await;
    let (psid, conversation) = conversation_with(&app, "Ana Costa").await;
    // Two days pass on both sides.
    let two_days_ago = (Utc::now() - chrono::Duration::days(2)).timestamp_millis();
    sqlx::query("UPDATE sandbox_messages SET created_at = $1 WHERE psid = $2")
        .bind(two_days_ago)
        .bind(&psid)
        .execute(app.store.pool())
        .await
        .expect("age the sandbox chat");
    sqlx::query("UPDATE conversations SET last_customer_message_at = $1 WHERE id = $2")
        .bind(two_days_ago)
        .bind(conversation)
        .execute(app.store.pool())
        .await
        .expect("age the conversation");
    let message = queue_agent_text(
        &app.store,
        conversation,
        "Ainda precisa de ajuda?",
        Utc::now(),
    )
    .await
    .expect("queued");
    let reply = eventually(10, "the tagged reply", || async {
        chat(&app, &psid)
            .await
            .into_iter()
            .find(|m| m["author"] == "page")
    })
    .await;
    assert_eq!(reply["messaging_type"], "MESSAGE_TAG");
    assert_eq!(reply["tag"], "HUMAN_AGENT");
    eventually(10, "the reply to be sent", || async {
        let status = message_state(&app, message).await.0;
        (status == "sent" || status == "delivered").then_some(())
    })
    .await;
}

async fn injected_graph_failures_fail_the_reply_with_their_reason(db: TestDb) {
    let app = sandbox_app(db).await;
    let (psid, conversation) = conversation_with(&app, "Carla Dias").await;
    for (mode, reason) in [
        ("bad_token", "invalid_token"),
        ("window_closed", "outside_window"),
    ] {
        sandbox(
            &app,
            reqwest::Method::PUT,
            "/sandbox/api/injection",
            json!({ "mode": mode }),
        )
        .await;
        let message = queue_agent_text(&app.store, conversation, "Olá", Utc::now())
            .await
            .expect("queued");
        let failure = eventually(10, "the failure", || async {
            let (status, reason) = message_state(&app, message).await;
            (status == "failed").then_some(reason)
        })
        .await;
        assert_eq!(failure.as_deref(), Some(reason), "{mode}");
    }
    assert!(chat(&app, &psid)
        .await
        .iter()
        .all(|m| m["author"] == "customer"));
}

async fn a_customer_without_a_profile_keeps_the_fallback_name(db: TestDb) {
    let app = sandbox_app(db).await;
    let psid = new_customer(&app, "Pessoa Reservada", false).await;
    customer_says(&app, &psid, "oi").await;
    let status = eventually(10, "the profile answer", || async {
        let status: Option<String> =
            sqlx::query_scalar("SELECT profile_status FROM contacts WHERE external_id = $1")
                .bind(&psid)
                .fetch_optional(app.store.pool())
                .await
                .expect("contact");
        status.filter(|s| s != "pending")
    })
    .await;
    assert_eq!(status, "unavailable");
}

async fn the_graph_stand_in_answers_like_meta(db: TestDb) {
    let app = sandbox_app(db).await;
    let psid = new_customer(&app, "Bruno Lima", true).await;
    let send = |token: &str, body: Value| {
        let request = app
            .client
            .post(app.url(&format!(
                "/sandbox/graph/v19.0/me/messages?access_token={token}"
            )))
            .json(&body);
        async move {
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    let text = json!({"recipient": {"id": psid}, "messaging_type": "RESPONSE",
                      "message": {"text": "oi"}});
    let (status, body) = send("wrong-token", text.clone()).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(190)));
    assert!(body["error"]["fbtrace_id"].is_string());
    // The customer never wrote: outside the window.
    let (status, body) = send(TOKEN, text).await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_i64(),
            body["error"]["error_subcode"].as_i64()
        ),
        (400, Some(10), Some(2018278))
    );
    let nobody = json!({"recipient": {"id": "123"}, "messaging_type": "RESPONSE",
                        "message": {"text": "oi"}});
    let (status, body) = send(TOKEN, nobody).await;
    assert_eq!(
        (status, body["error"]["error_subcode"].as_i64()),
        (400, Some(2018001))
    );
    let typing = json!({"recipient": {"id": psid}, "sender_action": "typing_on"});
    let (status, body) = send(TOKEN, typing).await;
    assert_eq!(
        (status, body["recipient_id"].as_str()),
        (200, Some(psid.as_str()))
    );
    let profile = app
        .client
        .get(app.url(&format!(
            "/sandbox/graph/v19.0/{psid}?fields=first_name,last_name,profile_pic&access_token={TOKEN}"
        )))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(profile["first_name"], "Bruno");
    assert_eq!(profile["last_name"], "Lima");
    let picture = profile["profile_pic"].as_str().expect("picture");
    let avatar = app.client.get(picture).send().await.expect("avatar");
    assert_eq!(avatar.status(), 200);
    assert_eq!(avatar.headers()["content-type"], "image/svg+xml");
}

async fn typing_and_seen_reach_the_customer(db: TestDb) {
    use atende_server::channels::meta::graph::{GraphClient, HostPolicy};
    use atende_server::channels::meta::sender::Sender;
    use atende_server::conversation::channel::{Channel, CustomerSignal};
    use atende_server::domain::graph_hosts::{self, GraphHosts};

    let app = sandbox_app(db).await;
    let (_, conversation) = conversation_with(&app, "Rita Alves").await;
    let hosts = GraphHosts {
        sandbox: Vec::new(),
        extra: graph_hosts::parse_list("127.0.0.1").expect("hosts"),
    };
    let graph = GraphClient::new(HostPolicy::fixed(hosts)).expect("client");
    let sender = Sender::new(app.store.clone(), crate::helpers::secret_box(), graph);
    for action in [CustomerSignal::TypingOn, CustomerSignal::MarkSeen] {
        let outcome = sender.signal(conversation, action).await.expect("called");
        assert_eq!(outcome, Ok(()), "{action:?}");
    }
    sandbox(
        &app,
        reqwest::Method::PUT,
        "/sandbox/api/injection",
        json!({ "mode": "bad_token" }),
    )
    .await;
    let refused = sender
        .signal(conversation, CustomerSignal::TypingOn)
        .await
        .expect("called");
    assert!(refused.is_err_and(|detail| detail.contains("190")));
}
