use std::time::Duration;

use crate::graph_stub::{graph_error, GraphStub};
use crate::helpers::{
    bind_service, customer_text, deliver_and_process, page_delivery, spawn_app, TestApp, TestDb,
    CUSTOMER_PSID, PAGE_ID,
};
use crate::on_both_backends;

on_both_backends!(
    a_new_customer_gets_their_name_from_the_profile_api,
    a_profile_meta_will_not_give_keeps_the_fallback,
    a_transient_profile_error_is_retried,
);

const PAGE: &str = PAGE_ID;
const PSID: &str = CUSTOMER_PSID;

async fn customer_writes(app: &TestApp, stub: &GraphStub) {
    bind_service(app, PAGE, &stub.url, Some("EAAG-token")).await;
    let body = page_delivery(PAGE, &customer_text("m_1", "oi", 1));
    deliver_and_process(app, &body).await;
}

/// (profile_status, first_name, last_name) once the status is no longer pending (or after 15 s).
async fn profile(app: &TestApp) -> (String, Option<String>, Option<String>) {
    for _ in 0..150 {
        let row: (String, Option<String>, Option<String>) =
            sqlx::query_as("SELECT profile_status, first_name, last_name FROM contacts")
                .fetch_one(app.store.pool())
                .await
                .expect("contact");
        if row.0 != "pending" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the profile is still pending");
}

async fn a_new_customer_gets_their_name_from_the_profile_api(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    customer_writes(&app, &stub).await;
    let (status, first, last) = profile(&app).await;
    assert_eq!(
        (status.as_str(), first.as_deref(), last.as_deref()),
        ("fetched", Some("Maria"), Some("Silva"))
    );
    let (psid, query) = &stub.profile_requests()[0];
    assert_eq!(psid, PSID);
    assert!(
        query.contains("fields=first_name%2Clast_name%2Cprofile_pic"),
        "{query}"
    );
    assert!(query.contains("access_token=EAAG-token"), "{query}");
    // The language is asked apart (it needs another permission); this stub gives none.
    let asked = stub.profile_requests();
    assert!(
        asked.iter().any(|(_, q)| q.contains("fields=locale")),
        "{asked:?}"
    );
}

async fn a_profile_meta_will_not_give_keeps_the_fallback(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    stub.script_profiles([(400, graph_error(100, Some(2018218)))]);
    customer_writes(&app, &stub).await;
    assert_eq!(profile(&app).await, ("unavailable".to_owned(), None, None));
}

async fn a_transient_profile_error_is_retried(db: TestDb) {
    let app = spawn_app(db).await;
    let stub = GraphStub::start().await;
    stub.script_profiles([(400, graph_error(2, None))]);
    customer_writes(&app, &stub).await;
    assert_eq!(profile(&app).await.1.as_deref(), Some("Maria"));
    let name_requests = stub
        .profile_requests()
        .into_iter()
        .filter(|(_, query)| query.contains("first_name"))
        .count();
    assert_eq!(name_requests, 2);
}
