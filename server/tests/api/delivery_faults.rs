//! Deliveries Meta got its 200 for must reach the conversations: one event Atende cannot read
//! never sinks the others of its batch, a passing failure is retried (without limit, letting
//! later deliveries pass), and an admin can queue a set-aside delivery again.

use atende_server::channels::meta::ingest::Ingest;
use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
use atende_server::store::services::{self, ServiceSpec};
use atende_server::store::webhook_deliveries::{self, Channel, DeliveryState};
use atende_server::store::Store;
use serde_json::Value;

use crate::helpers::{
    bind_service, bind_service_in, client, customer_text, deliver_and_process, eventually,
    page_delivery, post_signed, spawn_app, TestApp, TestDb, ADMIN_PASSWORD, PAGE_ID,
};
use crate::on_both_backends;

on_both_backends!(
    an_unreadable_event_leaves_the_rest_of_its_batch_and_is_shown,
    the_payloads_object_decides_the_channel_whatever_the_url,
    a_failing_delivery_is_retried_without_limit_and_lets_others_pass,
    a_failing_delivery_inside_a_batch_undoes_only_itself,
    a_huge_delivery_goes_in_chunks_and_its_retry_stores_nothing_twice,
    large_deliveries_with_no_events_or_no_payload_are_finished,
    an_admin_queues_a_set_aside_delivery_again,
);

const PAGE: &str = PAGE_ID;

async fn messenger_service(app: &TestApp) -> i64 {
    bind_service(
        app,
        PAGE,
        "https://graph.facebook.com/v22.0/me/messages",
        None,
    )
    .await
}

fn text(mid: &str, text: &str) -> String {
    page_delivery(PAGE, &customer_text(mid, text, 1733000000200))
}

/// Stores `bodies` as pending deliveries in one transaction, as the webhook's writer does.
async fn store_pending(store: &Store, bodies: &[String]) {
    let mut tx = store.pool().begin().await.expect("begin");
    for body in bodies {
        let (channel, state) = (Channel::Messenger, DeliveryState::Pending);
        webhook_deliveries::insert(
            &mut *tx,
            channel,
            body.as_bytes(),
            state,
            chrono::Utc::now(),
        )
        .await
        .expect("delivery");
    }
    tx.commit().await.expect("commit");
}

async fn stored(store: &Store, mid: &str) -> Option<(Option<String>, String)> {
    sqlx::query_as("SELECT text, attachments FROM messages WHERE mid = $1")
        .bind(mid)
        .fetch_optional(store.pool())
        .await
        .expect("message")
}

async fn an_unreadable_event_leaves_the_rest_of_its_batch_and_is_shown(db: TestDb) {
    let app = spawn_app(db).await;
    messenger_service(&app).await;
    // A page event with no sender, a text, a message whose attachments are not a list, the
    // handover roles and a shared link whose payload is null, in one delivery.
    let body = r#"{"object":"page","entry":[{"id":"104719482392816","time":1733000000500,"messaging":[
        {"recipient":{"id":"104719482392816"},"timestamp":1733000000100,"policy_enforcement":{"action":"warning","reason":"Excessive messages"}},
        {"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000200,"message":{"mid":"m_ok_1","text":"Olá"}},
        {"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000300,"message":{"mid":"m_bad_1","attachments":"not a list"}},
        {"recipient":{"id":"104719482392816"},"timestamp":1733000000123,"app_roles":{"1517776481860111":["primary_receiver"]}},
        {"sender":{"id":"7300112233445566"},"recipient":{"id":"104719482392816"},"timestamp":1733000000400,"message":{"mid":"m_link_1","text":"olha isso","attachments":[{"type":"fallback","payload":null,"title":"TAHITI - Heaven on Earth","url":"https://l.facebook.com/l.php?u=https%3A%2F%2Fyoutu.be%2Fbbo"}]}}]}]}"#;
    deliver_and_process(&app, body).await;
    assert_eq!(
        stored(&app.store, "m_ok_1").await.map(|m| m.0),
        Some(Some("Olá".into()))
    );
    let (_, bad) = stored(&app.store, "m_bad_1")
        .await
        .expect("kept as a message");
    assert!(bad.contains(r#""kind":"unsupported""#), "{bad}");
    let (_, link) = stored(&app.store, "m_link_1").await.expect("link");
    assert!(
        link.contains("TAHITI") && link.contains("l.facebook.com"),
        "{link}"
    );
    let downloads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media")
        .fetch_one(app.store.pool())
        .await
        .expect("media");
    assert_eq!(
        downloads, 0,
        "a shared link is a web page, never downloaded as a file"
    );
    let (state, note): (String, Option<String>) =
        sqlx::query_as("SELECT state, error FROM webhook_deliveries")
            .fetch_one(app.store.pool())
            .await
            .expect("delivery");
    assert_eq!(state, "processed");
    let note = note.expect("a note");
    assert!(
        note.contains("policy_enforcement") && note.contains("app_roles"),
        "{note}"
    );
    // The admin's delivery page lists it, with its note.
    let admin = client();
    app.login(&admin, "admin", ADMIN_PASSWORD).await;
    let issues: Value = app
        .call(&admin, "admin/delivery_issues", &[])
        .await
        .json()
        .await
        .expect("issues");
    assert_eq!(issues[0]["problem"], "partly_unknown", "{issues}");
}

async fn the_payloads_object_decides_the_channel_whatever_the_url(db: TestDb) {
    let app = spawn_app(db).await;
    let account = "17841400000000001";
    let spec = ServiceSpec {
        name: &ServiceName::parse("Loja no Instagram").expect("name"),
        channel: Channel::Instagram,
        cifra: &Cifra::parse(account).expect("cifra"),
        integration_url: &IntegrationUrl::parse("https://graph.facebook.com/v22.0/me/messages")
            .expect("url"),
        active: true,
    };
    services::upsert(app.store.pool(), &spec, chrono::Utc::now())
        .await
        .expect("service");
    // One callback URL for both products: an Instagram payload sent to the Messenger URL.
    let body = r#"{"object":"instagram","entry":[{"id":"ACCOUNT","time":1733000000500,"messaging":[{"sender":{"id":"1234567890123456"},"recipient":{"id":"ACCOUNT"},"timestamp":1733000000123,"message":{"mid":"aWdfZAG1faXRlbTpzdG9yeXJlcGx5","text":"Que lindo!","reply_to":{"story":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1","id":"1"}}}}]}]}"#
        .replace("ACCOUNT", account);
    deliver_and_process(&app, &body).await;
    let channel: String = sqlx::query_scalar(
        "SELECT s.channel FROM messages m JOIN conversations c ON c.id = m.conversation_id
         JOIN services s ON s.id = c.service_id WHERE m.mid = 'aWdfZAG1faXRlbTpzdG9yeXJlcGx5'",
    )
    .fetch_one(app.store.pool())
    .await
    .expect("an Instagram conversation");
    assert_eq!(channel, "instagram");
}

/// A trigger that makes storing the message `m_poison` fail, as a passing database error.
async fn poison(store: &Store, on: bool) {
    let pool = store.pool();
    let statements: &[&str] = match (store.backend(), on) {
        (atende_server::store::Backend::Sqlite, true) => &[
            "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.mid = 'm_poison'
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        ],
        (atende_server::store::Backend::Sqlite, false) => &["DROP TRIGGER poison"],
        (atende_server::store::Backend::Postgres, true) => &[
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
                 IF NEW.mid = 'm_poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW;
             END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
        (atende_server::store::Backend::Postgres, false) => &["DROP TRIGGER poison ON messages"],
    };
    for statement in statements {
        sqlx::query(statement).execute(pool).await.expect("trigger");
    }
}

/// A migrated store with the page's service, and no application (so no ingest worker of its
/// own to race the test's).
async fn bare_store(db: &TestDb) -> Store {
    let store = atende_server::store::connect(&db.url, 4)
        .await
        .expect("store");
    store.migrate().await.expect("migrated");
    let integration_url = "https://graph.facebook.com/v22.0/me/messages";
    bind_service_in(&store, PAGE, integration_url, None).await;
    store
}

/// `bare_store` with the poison on.
async fn poisoned_store(db: &TestDb) -> Store {
    let store = bare_store(db).await;
    poison(&store, true).await;
    store
}

/// The poison goes away and the waiting deliveries are due at once: they are processed.
async fn cure_and_retry(store: &Store, ingest: &Ingest) {
    poison(store, false).await;
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = 0")
        .execute(store.pool())
        .await
        .expect("due now");
    ingest.process_pending().await.expect("processed");
}

async fn a_failing_delivery_is_retried_without_limit_and_lets_others_pass(db: TestDb) {
    let app = spawn_app(db).await;
    messenger_service(&app).await;
    poison(&app.store, true).await;
    assert_eq!(
        post_signed(&app, &text("m_poison", "primeira"))
            .await
            .status(),
        200
    );
    for n in 0..3 {
        let body = text(&format!("m_after_{n}"), "depois");
        assert_eq!(post_signed(&app, &body).await.status(), 200);
    }
    let ingest = Ingest::new(app.store.clone());
    // Far more attempts than the five after which it was once set aside for good.
    for _ in 0..8 {
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE state = 'pending'")
            .execute(app.store.pool())
            .await
            .expect("due now");
        ingest.process_pending().await.expect("processed");
    }
    for n in 0..3 {
        assert!(
            stored(&app.store, &format!("m_after_{n}")).await.is_some(),
            "later ones pass"
        );
    }
    let (state, attempts, next): (String, i64, i64) = sqlx::query_as(
        "SELECT state, attempts, next_attempt_at FROM webhook_deliveries ORDER BY id LIMIT 1",
    )
    .fetch_one(app.store.pool())
    .await
    .expect("the poisoned delivery");
    assert_eq!(state, "pending", "never set aside");
    assert!(attempts >= 8, "{attempts}");
    assert!(
        next > chrono::Utc::now().timestamp_millis(),
        "waits before the next attempt"
    );
    // The cause goes away: the next attempt stores it.
    cure_and_retry(&app.store, &ingest).await;
    assert_eq!(
        stored(&app.store, "m_poison").await.map(|m| m.0),
        Some(Some("primeira".into()))
    );
}

async fn a_failing_delivery_inside_a_batch_undoes_only_itself(db: TestDb) {
    // No application: its own ingest worker could retry the failing delivery between this
    // batch's commit and its recorded failure.
    let store = poisoned_store(&db).await;
    // Stored at once, so that one batch holds all three, the failing one in the middle.
    let bodies = [("m_first", "um"), ("m_poison", "dois"), ("m_last", "três")]
        .map(|(mid, said)| text(mid, said));
    store_pending(&store, &bodies).await;
    Ingest::new(store.clone())
        .process_pending()
        .await
        .expect("processed");
    for mid in ["m_first", "m_last"] {
        let copies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE mid = $1")
            .bind(mid)
            .fetch_one(store.pool())
            .await
            .expect("count");
        assert_eq!(copies, 1, "{mid} is stored, once");
    }
    let conversations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(
        conversations, 1,
        "the batch's undone work opened nothing twice"
    );
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, attempts FROM webhook_deliveries ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("deliveries");
    assert_eq!(
        states,
        [
            ("processed".to_owned(), 0),
            ("pending".to_owned(), 1),
            ("processed".to_owned(), 0)
        ],
        "only the failing delivery waits for its retry"
    );
    assert!(stored(&store, "m_poison").await.is_none());
}

async fn a_huge_delivery_goes_in_chunks_and_its_retry_stores_nothing_twice(db: TestDb) {
    // No application: its own ingest worker (chunks of 500) would race these chunks of two.
    let store = poisoned_store(&db).await;
    // Five messages in one delivery, the failing one last; chunks of two events.
    let mids = ["m_c0", "m_c1", "m_c2", "m_c3", "m_poison"];
    let events: Vec<String> = mids
        .iter()
        .zip(0..)
        .map(|(mid, n)| customer_text(mid, "parte", 1733000000200 + n))
        .collect();
    store_pending(&store, &[page_delivery(PAGE, &events.join(","))]).await;
    let ingest = Ingest::new(store.clone()).with_chunks_of(2);
    ingest.process_pending().await.expect("processed");
    let copies = |mid: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM messages WHERE mid = $1")
                .bind(mid)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    // The chunks before the failing one are in; the delivery waits for its retry.
    for mid in &mids[..4] {
        assert_eq!(copies(mid).await, 1, "{mid} committed with its chunk");
    }
    assert_eq!(copies("m_poison").await, 0);
    let state: (String, i64) = sqlx::query_as("SELECT state, attempts FROM webhook_deliveries")
        .fetch_one(store.pool())
        .await
        .expect("delivery");
    assert_eq!(state, ("pending".to_owned(), 1));
    // The cause goes away: the retry starts from the first event and stores each once.
    cure_and_retry(&store, &ingest).await;
    for mid in mids {
        assert_eq!(copies(mid).await, 1, "{mid} stored once");
    }
    let state: String = sqlx::query_scalar("SELECT state FROM webhook_deliveries")
        .fetch_one(store.pool())
        .await
        .expect("delivery");
    assert_eq!(state, "processed");
    let conversations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(conversations, 1);
}

async fn large_deliveries_with_no_events_or_no_payload_are_finished(db: TestDb) {
    let store = bare_store(&db).await;
    // Large enough to be read alone: an entry with no messaging events, and JSON that is no
    // webhook payload at all.
    let padding = "x".repeat(300 * 1024);
    let no_events = format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":1,"messaging":[],"padding":"{padding}"}}]}}"#
    );
    let no_payload = format!(r#"["{padding}"]"#);
    store_pending(&store, &[no_events, no_payload]).await;
    let processed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        Ingest::new(store.clone()).process_pending(),
    )
    .await
    .expect("ingest comes to an end")
    .expect("processed");
    assert!(processed <= 2, "{processed}");
    let states: Vec<String> =
        sqlx::query_scalar("SELECT state FROM webhook_deliveries ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("deliveries");
    assert_eq!(states, ["processed", "failed"]);
}

async fn an_admin_queues_a_set_aside_delivery_again(db: TestDb) {
    let app = spawn_app(db).await;
    messenger_service(&app).await;
    assert_eq!(
        post_signed(&app, &text("m_aside", "oi")).await.status(),
        200
    );
    // As an older version would have left it: set aside, not processed.
    let id: i64 = eventually(5, "the delivery", || async {
        sqlx::query_scalar(
            "UPDATE webhook_deliveries SET state = 'failed', error = 'old parser' RETURNING id",
        )
        .fetch_optional(app.store.pool())
        .await
        .expect("set aside")
    })
    .await;
    sqlx::query("DELETE FROM messages")
        .execute(app.store.pool())
        .await
        .ok();
    let admin = client();
    app.login(&admin, "admin", ADMIN_PASSWORD).await;
    let response = app
        .call(&admin, "admin/retry_delivery", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), 200);
    eventually(10, "the delivery processed again", || async {
        stored(&app.store, "m_aside").await.map(|_| ())
    })
    .await;
    // Not failed (any more): 404, and agents may not.
    let again = app
        .call(&admin, "admin/retry_delivery", &[("id", &id.to_string())])
        .await;
    assert_eq!(again.status(), 404);
}
