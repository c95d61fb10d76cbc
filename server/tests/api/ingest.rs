use std::time::Duration;

use atende_server::store::webhook_deliveries::{self, Channel, DeliveryState};
use atende_server::store::{messages, Store};
use chrono::Utc;

use crate::helpers::{
    bind_service, customer_text, deliver_and_process, page_delivery as payload, spawn_app, TestApp,
    TestDb, CUSTOMER_PSID, PAGE_ID,
};
use crate::on_both_backends;

on_both_backends!(
    a_message_is_stored_once_however_often_meta_delivers_it,
    a_second_message_joins_the_open_conversation,
    events_for_unknown_pages_are_kept_for_inspection,
    page_inbox_echoes_are_shown_and_our_own_echoes_are_not,
    delivery_and_read_events_move_outbound_messages_forward,
    deliveries_left_pending_are_processed_without_a_new_request,
);

const PAGE: &str = PAGE_ID;
const PSID: &str = CUSTOMER_PSID;

async fn add_service(app: &TestApp) -> i64 {
    bind_service(
        app,
        PAGE,
        "https://graph.facebook.com/v19.0/me/messages",
        None,
    )
    .await
}

fn page_echo(mid: &str, text: &str, timestamp: i64, metadata: Option<&str>) -> String {
    let metadata = metadata
        .map(|m| format!(r#","metadata":"{m}""#))
        .unwrap_or_default();
    format!(
        r#"{{"sender":{{"id":"{PAGE}"}},"recipient":{{"id":"{PSID}"}},"timestamp":{timestamp},"message":{{"is_echo":true,"mid":"{mid}","text":"{text}"{metadata}}}}}"#
    )
}

fn from_customer(kind: &str, timestamp: i64) -> String {
    format!(
        r#"{{"sender":{{"id":"{PSID}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{timestamp},{kind}}}"#
    )
}

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .expect("count")
}

async fn a_message_is_stored_once_however_often_meta_delivers_it(db: TestDb) {
    let app = spawn_app(db).await;
    let service = add_service(&app).await;
    let body = payload(
        PAGE,
        &customer_text("m_first", "Olá, preciso de ajuda", 1732190000000),
    );
    for _ in 0..3 {
        deliver_and_process(&app, &body).await;
    }
    let stored = messages::list_for_service(app.store.pool(), service)
        .await
        .expect("messages");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text.as_deref(), Some("Olá, preciso de ajuda"));
    assert_eq!(
        (stored[0].direction.as_str(), stored[0].author.as_str()),
        ("in", "customer")
    );
    assert_eq!(count(&app.store, "contacts").await, 1);
    assert_eq!(count(&app.store, "conversations").await, 1);
    let status: String = sqlx::query_scalar("SELECT status FROM conversations")
        .fetch_one(app.store.pool())
        .await
        .expect("status");
    assert_eq!(status, "queued");
    let deliveries = webhook_deliveries::recent(app.store.pool(), 10, false)
        .await
        .expect("deliveries");
    assert!(
        deliveries.iter().all(|d| d.state == "processed"),
        "{deliveries:?}"
    );
}

async fn a_second_message_joins_the_open_conversation(db: TestDb) {
    let app = spawn_app(db).await;
    let service = add_service(&app).await;
    let batch = format!(
        "{},{}",
        customer_text("m_1", "primeira", 1732190000000),
        customer_text("m_2", "segunda", 1732190005000)
    );
    deliver_and_process(&app, &payload(PAGE, &batch)).await;
    let stored = messages::list_for_service(app.store.pool(), service)
        .await
        .expect("messages");
    let texts: Vec<_> = stored
        .iter()
        .map(|m| m.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["primeira", "segunda"], "in order");
    assert_eq!(stored[0].conversation_id, stored[1].conversation_id);
    let last: i64 = sqlx::query_scalar("SELECT last_customer_message_at FROM conversations")
        .fetch_one(app.store.pool())
        .await
        .expect("window start");
    assert_eq!(
        last, 1732190005000,
        "the 24-hour window counts from the last customer message"
    );
}

async fn events_for_unknown_pages_are_kept_for_inspection(db: TestDb) {
    let app = spawn_app(db).await;
    add_service(&app).await;
    deliver_and_process(&app, &payload("999999999", &customer_text("m_x", "alô", 1))).await;
    assert_eq!(count(&app.store, "messages").await, 0);
    let delivery = &webhook_deliveries::recent(app.store.pool(), 1, false)
        .await
        .expect("deliveries")[0];
    assert_eq!(delivery.state, "unknown_page");
    assert!(
        delivery
            .error
            .as_deref()
            .unwrap_or("")
            .contains("999999999"),
        "{delivery:?}"
    );
}

async fn page_inbox_echoes_are_shown_and_our_own_echoes_are_not(db: TestDb) {
    let app = spawn_app(db).await;
    let service = add_service(&app).await;
    let batch = format!(
        "{},{},{}",
        customer_text("m_in", "oi", 1000),
        page_echo("m_inbox", "Resposta pela caixa da página", 2000, None),
        page_echo(
            "m_ours",
            "Resposta do Atende",
            3000,
            Some("atende:outbox:7")
        )
    );
    deliver_and_process(&app, &payload(PAGE, &batch)).await;
    let stored = messages::list_for_service(app.store.pool(), service)
        .await
        .expect("messages");
    let seen: Vec<_> = stored
        .iter()
        .map(|m| (m.author.as_str(), m.mid.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(seen, [("customer", "m_in"), ("page_inbox", "m_inbox")]);
    assert_eq!(stored[1].direction, "out");
}

async fn delivery_and_read_events_move_outbound_messages_forward(db: TestDb) {
    let app = spawn_app(db).await;
    let service = add_service(&app).await;
    let batch = format!(
        "{},{}",
        customer_text("m_in", "oi", 1000),
        page_echo("m_out", "olá", 2000, None)
    );
    deliver_and_process(&app, &payload(PAGE, &batch)).await;
    let status = |app: &TestApp| {
        let pool = app.store.pool().clone();
        async move {
            let stored = messages::list_for_service(&pool, service)
                .await
                .expect("messages");
            stored
                .iter()
                .find(|m| m.direction == "out")
                .map(|m| m.status.clone())
                .unwrap_or_default()
        }
    };
    assert_eq!(status(&app).await, "sent");
    deliver_and_process(
        &app,
        &payload(
            PAGE,
            &from_customer(r#""delivery":{"watermark":2500}"#, 2600),
        ),
    )
    .await;
    assert_eq!(status(&app).await, "delivered");
    deliver_and_process(
        &app,
        &payload(PAGE, &from_customer(r#""read":{"watermark":2700}"#, 2800)),
    )
    .await;
    assert_eq!(status(&app).await, "read");
}

async fn deliveries_left_pending_are_processed_without_a_new_request(db: TestDb) {
    let app = spawn_app(db).await;
    add_service(&app).await;
    // As if the process had stored it and then died before processing it.
    let body = payload(PAGE, &customer_text("m_left", "ficou pendente", 1));
    webhook_deliveries::insert(
        app.store.pool(),
        Channel::Messenger,
        body.as_bytes(),
        DeliveryState::Pending,
        Utc::now(),
    )
    .await
    .expect("stored");
    for _ in 0..50 {
        if count(&app.store, "messages").await == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the background worker did not pick up the pending delivery");
}
