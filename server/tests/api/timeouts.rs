//! The service's timeouts through the sandbox. Each deadline is checked where it is stored
//! (due after the service's time), then brought forward in the database, as if that time had
//! passed, and the worker's effect is checked: the queue message and the overflow, the urgent
//! tile, the inactivity warning and close, the survey's expiry. Deadlines survive a crash and
//! fire once with several instances on one database.

use std::time::Duration;

use serde_json::json;

use crate::admin_services::admin;
use crate::console::{call, first_tile, operating, service_id, signed_in, tiles};
use crate::helpers::{agents_serving, eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::policies::{page_texts, set_policy};
use crate::sandbox::{chat, customer_says, new_customer, sandbox_app};

on_both_backends!(
    the_queue_wait_limit_tells_the_customer_and_overflows_to_another_group,
    a_late_first_answer_makes_the_tile_urgent_for_agent_and_supervisor,
    a_silent_customer_is_warned_then_the_conversation_is_closed,
    an_unanswered_survey_expires,
);

/// The pending deadline of this kind: (due_at, fired_at).
pub async fn deadline(app: &TestApp, conversation: i64, kind: &str) -> Option<(i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT due_at, fired_at FROM deadlines WHERE conversation_id = $1 AND kind = $2",
    )
    .bind(conversation)
    .bind(kind)
    .fetch_optional(app.store.pool())
    .await
    .expect("deadline")
}

/// Asserts the deadline is pending and due `minutes` after about now, then makes it due.
pub async fn comes_due(app: &TestApp, conversation: i64, kind: &str, minutes: i64) {
    let (due, fired) = eventually(10, kind, || async {
        deadline(app, conversation, kind).await
    })
    .await;
    assert_eq!(fired, None, "{kind} is pending");
    let expected = chrono::Utc::now().timestamp_millis() + minutes * 60_000;
    assert!(
        (due - expected).abs() < 15_000,
        "{kind} due in {minutes} min"
    );
    sqlx::query("UPDATE deadlines SET due_at = $1 WHERE conversation_id = $2 AND kind = $3")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .bind(conversation)
        .bind(kind)
        .execute(app.store.pool())
        .await
        .expect("brought forward");
}

async fn fired(app: &TestApp, conversation: i64, kind: &str) {
    eventually(10, &format!("{kind} fired"), || async {
        deadline(app, conversation, kind)
            .await
            .and_then(|(_, fired)| fired)
    })
    .await;
}

/// A group that does not serve the page, with agent `name` (4 positions).
pub async fn other_group(app: &TestApp, name: &str) -> i64 {
    let pool = app.store.pool();
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO agent_groups (name, created_at) VALUES ('Plantão', 0) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("group");
    let id = app
        .create_user(name, app::model::Role::Agent, "agent-password-2026")
        .await;
    for sql in [
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)",
        "INSERT INTO agent_states (user_id, positions) VALUES ($2, 4 + 0 * $1)",
    ] {
        sqlx::query(sql)
            .bind(group)
            .bind(id)
            .execute(pool)
            .await
            .expect("member");
    }
    group
}

async fn the_queue_wait_limit_tells_the_customer_and_overflows_to_another_group(db: TestDb) {
    let app = sandbox_app(db).await;
    // Ana serves the page but is not operating: the customer waits.
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let plantao = other_group(&app, "bia").await;
    let bia = signed_in(&app, "bia").await;
    call(&app, &bia, "presence", &[("presence", "operating")]).await;
    let policy = json!({ "times": { "queue_wait_minutes": 3 }, "overflow_group_id": plantao,
        "messages": { "queue": { "pt_br": "Ainda na fila, protocolo {protocol}.", "en": "" } } });
    set_policy(&app, &admin(&app).await, policy).await;

    let psid = new_customer(&app, "Caetano Veloso", true).await;
    customer_says(&app, &psid, "Alguém aí?").await;
    let conversation: i64 = eventually(10, "the conversation", || async {
        sqlx::query_scalar("SELECT id FROM conversations")
            .fetch_optional(app.store.pool())
            .await
            .expect("conversation")
    })
    .await;
    comes_due(&app, conversation, "queue_wait", 3).await;
    fired(&app, conversation, "queue_wait").await;
    let told = eventually(10, "the queue message", || async {
        page_texts(&chat(&app, &psid).await).into_iter().next()
    })
    .await;
    assert!(told.starts_with("Ainda na fila, protocolo "), "{told}");
    // Bia's group does not serve the page, but takes the overflow.
    let tile = eventually(10, "Bia's tile", || async {
        tiles(&app, &bia).await.into_iter().next()
    })
    .await;
    assert_eq!(tile["id"].as_i64(), Some(conversation));
    // Assigned: no second queue message, ever.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(page_texts(&chat(&app, &psid).await).len(), 1);
}

async fn a_late_first_answer_makes_the_tile_urgent_for_agent_and_supervisor(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;

    let psid = new_customer(&app, "Milton Nascimento", true).await;
    customer_says(&app, &psid, "Oi").await;
    let tile = first_tile(&app, &ana).await;
    assert_eq!(tile["overdue"], false);
    let id = tile["id"].as_i64().expect("id");
    // The default first-response time: 2 minutes.
    comes_due(&app, id, "first_response", 2).await;
    eventually(10, "the urgent tile", || async {
        tiles(&app, &ana)
            .await
            .into_iter()
            .find(|t| t["overdue"] == true)
    })
    .await;
    let admin = admin(&app).await;
    let overview: serde_json::Value = app
        .call(&admin, "admin/overview", &[])
        .await
        .json()
        .await
        .expect("overview");
    let agent = overview["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["name"] == "User ana").cloned());
    assert_eq!(
        agent.map(|a| a["overdue"].clone()),
        Some(json!(1)),
        "{overview}"
    );
    // Her answer ends it.
    let form = [
        ("conversation", id.to_string()),
        ("text", "Olá! Já vou ajudar.".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(call(&app, &ana, "send", &form).await.0, 200);
    let tile = tiles(&app, &ana).await.into_iter().next().expect("tile");
    assert_eq!(tile["overdue"], false);
}

async fn a_silent_customer_is_warned_then_the_conversation_is_closed(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    set_policy(
        &app,
        &admin(&app).await,
        json!({ "times": { "inactivity_close_minutes": 5 } }),
    )
    .await;

    let psid = new_customer(&app, "Gilberto Gil", true).await;
    customer_says(&app, &psid, "Oi").await;
    let tile = first_tile(&app, &ana).await;
    let id = tile["id"].as_i64().expect("id");
    let answer = |text: &'static str| {
        let id = id.to_string();
        let ana = ana.clone();
        let app = &app;
        async move {
            assert_eq!(
                call(app, &ana, "send", &[("conversation", &id), ("text", text)])
                    .await
                    .0,
                200
            )
        }
    };
    answer("Em que posso ajudar?").await;
    assert!(
        deadline(&app, id, "first_response").await.is_none(),
        "answered"
    );
    comes_due(&app, id, "inactivity_warning", 5).await;
    let warned = eventually(10, "the warning", || async {
        page_texts(&chat(&app, &psid).await).into_iter().nth(1)
    })
    .await;
    assert!(warned.starts_with("Você ainda está aí?"), "{warned}");
    // The customer answers: neither the close nor a second warning remains.
    customer_says(&app, &psid, "Estou sim").await;
    eventually(10, "the close disarmed", || async {
        deadline(&app, id, "inactivity_close")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    answer("Pode me mandar o número do pedido?").await;
    comes_due(&app, id, "inactivity_warning", 5).await;
    fired(&app, id, "inactivity_warning").await;
    comes_due(&app, id, "inactivity_close", 5).await;
    let closed = eventually(10, "the inactivity close", || async {
        page_texts(&chat(&app, &psid).await).into_iter().nth(4)
    })
    .await;
    assert!(
        closed.starts_with("Conversa encerrada por falta de resposta em "),
        "{closed}"
    );
    let (status, by_timeout): (String, i64) =
        sqlx::query_as("SELECT status, closed_by_timeout FROM conversations WHERE id = $1")
            .bind(id)
            .fetch_one(app.store.pool())
            .await
            .expect("conversation");
    assert_eq!((status.as_str(), by_timeout), ("closed", 1));
    assert!(tiles(&app, &ana).await.is_empty());
}

async fn an_unanswered_survey_expires(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let policy =
        json!({ "survey": { "kind": "standard" }, "times": { "survey_timeout_minutes": 15 } });
    set_policy(&app, &admin(&app).await, policy).await;

    let psid = new_customer(&app, "Chico Buarque", true).await;
    customer_says(&app, &psid, "Oi").await;
    let tile = first_tile(&app, &ana).await;
    let id = tile["id"].as_i64().expect("id");
    assert_eq!(
        call(&app, &ana, "close", &[("conversation", &id.to_string())])
            .await
            .0,
        200
    );
    comes_due(&app, id, "survey_answer", 15).await;
    fired(&app, id, "survey_answer").await;
    let state: String = sqlx::query_scalar("SELECT state FROM surveys WHERE conversation_id = $1")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .expect("survey");
    assert_eq!(state, "expired");
    // "5" now is a new conversation's first message, not a late answer.
    customer_says(&app, &psid, "5").await;
    eventually(15, "a new conversation", || async {
        tiles(&app, &ana)
            .await
            .into_iter()
            .find(|t| t["id"].as_i64() != Some(id))
    })
    .await;
    let answers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM survey_answers")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(answers, 0);
}
