use std::time::Duration;

use atende_server::conversation::outbox::queue_agent_text;
use atende_server::store::Store;
use chrono::Utc;

use crate::graph_stub::{graph_error, GraphStub};
use crate::helpers::{bind_service, deliver_and_process, spawn_app, TestApp, TestDb, PAGE_ID};
use crate::on_both_backends;

on_both_backends!(
    a_reply_within_24_hours_goes_out_as_a_response_with_our_metadata,
    a_reply_after_24_hours_uses_the_human_agent_tag,
    a_reply_after_7_days_fails_without_calling_meta,
    transient_errors_are_retried_and_messages_keep_their_order,
    permanent_errors_fail_the_message_with_a_reason,
    our_echo_confirms_a_send_whose_answer_never_came,
);

const PAGE: &str = PAGE_ID;
const TOKEN: &str = "EAAG-test-page-token";

/// A service bound to the stub, a contact and a conversation whose customer last wrote
/// `hours_ago` hours ago; returns the conversation.
async fn conversation(app: &TestApp, stub: &GraphStub, hours_ago: i64) -> i64 {
    conversation_sending_to(app, &stub.url, hours_ago).await
}

/// A conversation of a service whose integration URL is `url`.
pub(crate) async fn conversation_sending_to(app: &TestApp, url: &str, hours_ago: i64) -> i64 {
    let service = bind_service(app, PAGE, url, Some(TOKEN)).await;
    let pool = app.store.pool();
    let last = (Utc::now() - chrono::Duration::hours(hours_ago)).timestamp_millis();
    sqlx::query("INSERT INTO contacts (service_id, external_id, created_at, updated_at) VALUES ($1, '7300112233445566', 0, 0)")
        .bind(service)
        .execute(pool)
        .await
        .expect("contact");
    sqlx::query_scalar(
        "INSERT INTO conversations (service_id, contact_id, status, opened_at, last_customer_message_at, last_message_at)
         SELECT $1, id, 'assigned', 0, $2, $2 FROM contacts RETURNING id",
    )
    .bind(service)
    .bind(last)
    .fetch_one(pool)
    .await
    .expect("conversation")
}

/// Meta's echo of our send of `message` ("Olá!"), carrying its outbox id as our metadata.
pub(crate) async fn our_echo(store: &Store, message: i64) -> String {
    let outbox_id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE message_id = $1")
        .bind(message)
        .fetch_one(store.pool())
        .await
        .expect("outbox row");
    format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[{{"sender":{{"id":"{PAGE}"}},"recipient":{{"id":"7300112233445566"}},"timestamp":1,"message":{{"is_echo":true,"mid":"m_echoed","text":"Olá!","metadata":"atende:outbox:{outbox_id}"}}}}]}}]}}"#
    )
}

/// The message's status and failure reason once it has left `sending` (or after 10 s).
pub(crate) async fn settled(store: &Store, message: i64) -> (String, Option<String>) {
    for _ in 0..100 {
        let row: (String, Option<String>) =
            sqlx::query_as("SELECT status, failure_reason FROM messages WHERE id = $1")
                .bind(message)
                .fetch_one(store.pool())
                .await
                .expect("message");
        if row.0 != "sending" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("message {message} is still sending");
}

async fn a_reply_within_24_hours_goes_out_as_a_response_with_our_metadata(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    let conversation = conversation(&app, &stub, 2).await;
    let message = queue_agent_text(
        &app.store,
        conversation,
        "Olá! Como posso ajudar?",
        Utc::now(),
    )
    .await
    .expect("queued");
    assert_eq!(
        settled(&app.store, message).await,
        ("sent".to_owned(), None)
    );
    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    let (query, body) = &requests[0];
    assert_eq!(query, &format!("access_token={TOKEN}"));
    assert_eq!(body["messaging_type"], "RESPONSE");
    assert_eq!(body["recipient"]["id"], "7300112233445566");
    assert_eq!(body["message"]["text"], "Olá! Como posso ajudar?");
    assert!(body["message"]["metadata"]
        .as_str()
        .unwrap_or("")
        .starts_with("atende:outbox:"));
    assert!(body.get("tag").is_none());
    let (mid, messaging_type): (String, String) =
        sqlx::query_as("SELECT mid, messaging_type FROM messages WHERE id = $1")
            .bind(message)
            .fetch_one(app.store.pool())
            .await
            .expect("message");
    assert_eq!(
        (mid.as_str(), messaging_type.as_str()),
        ("m_sent_1", "RESPONSE")
    );
}

async fn a_reply_after_24_hours_uses_the_human_agent_tag(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    let conversation = conversation(&app, &stub, 30).await;
    let message = queue_agent_text(&app.store, conversation, "Desculpe a demora", Utc::now())
        .await
        .expect("queued");
    assert_eq!(settled(&app.store, message).await.0, "sent");
    let body = &stub.requests()[0].1;
    assert_eq!(body["messaging_type"], "MESSAGE_TAG");
    assert_eq!(body["tag"], "HUMAN_AGENT");
}

async fn a_reply_after_7_days_fails_without_calling_meta(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    let conversation = conversation(&app, &stub, 8 * 24).await;
    let message = queue_agent_text(&app.store, conversation, "Ainda precisa?", Utc::now())
        .await
        .expect("queued");
    assert_eq!(
        settled(&app.store, message).await,
        ("failed".to_owned(), Some("outside_window".to_owned()))
    );
    assert!(stub.requests().is_empty());
}

async fn transient_errors_are_retried_and_messages_keep_their_order(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    stub.script([(400, graph_error(613, None)), (503, serde_json::json!({}))]);
    let conversation = conversation(&app, &stub, 1).await;
    let first = queue_agent_text(&app.store, conversation, "primeira", Utc::now())
        .await
        .expect("queued");
    let second = queue_agent_text(&app.store, conversation, "segunda", Utc::now())
        .await
        .expect("queued");
    assert_eq!(settled(&app.store, first).await.0, "sent");
    assert_eq!(settled(&app.store, second).await.0, "sent");
    let texts: Vec<String> = stub
        .requests()
        .iter()
        .map(|(_, body)| body["message"]["text"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        texts,
        ["primeira", "primeira", "primeira", "segunda"],
        "retried, and never overtaken"
    );
}

async fn permanent_errors_fail_the_message_with_a_reason(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    stub.script([
        (400, graph_error(551, None)),
        (400, graph_error(10, Some(2018278))),
        (400, graph_error(190, None)),
    ]);
    let conversation = conversation(&app, &stub, 1).await;
    let mut reasons = Vec::new();
    for text in ["a", "b", "c"] {
        let message = queue_agent_text(&app.store, conversation, text, Utc::now())
            .await
            .expect("queued");
        reasons.push(settled(&app.store, message).await.1.unwrap_or_default());
    }
    assert_eq!(
        reasons,
        ["person_unavailable", "outside_window", "invalid_token"]
    );
    assert_eq!(stub.requests().len(), 3, "permanent errors are not retried");
}

async fn our_echo_confirms_a_send_whose_answer_never_came(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    // Meta keeps failing our calls (as if they timed out), yet it has the message: its echo
    // arrives carrying our outbox id.
    stub.script((0..10).map(|_| (503, serde_json::json!({}))));
    let conversation = conversation(&app, &stub, 1).await;
    let message = queue_agent_text(&app.store, conversation, "Olá!", Utc::now())
        .await
        .expect("queued");
    let echo = our_echo(&app.store, message).await;
    deliver_and_process(&app, &echo).await;
    assert_eq!(
        settled(&app.store, message).await,
        ("sent".to_owned(), None)
    );
    let mid: String = sqlx::query_scalar("SELECT mid FROM messages WHERE id = $1")
        .bind(message)
        .fetch_one(app.store.pool())
        .await
        .expect("mid");
    assert_eq!(mid, "m_echoed");
    let calls = stub.requests().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        stub.requests().len(),
        calls,
        "a confirmed message is not sent again"
    );
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(messages, 1, "the echo is not stored as a second message");
}
