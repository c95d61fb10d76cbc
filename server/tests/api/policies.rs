//! Service policies at run time, through the sandbox: business hours (out of hours, told once,
//! back in the queue when open) and the closing message with its placeholders and window.

use serde_json::{json, Value};

use crate::admin_services::{admin, post_json};
use crate::console::{call, service_id, signed_in, tiles};
use crate::helpers::{agents_serving, eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::sandbox::{chat, conversation_of, customer_says, new_customer, sandbox_app};

on_both_backends!(
    out_of_hours_conversations_wait_and_the_customer_is_told_once,
    closing_sends_the_services_closing_message_within_the_window,
);

/// Saves a schedule (weekly `intervals`) and makes it the sandbox page's, with `policy`.
async fn set_hours(app: &TestApp, admin: &reqwest::Client, intervals: Value, policy: Value) {
    let existing: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, version FROM schedules WHERE name = 'Loja'")
            .fetch_optional(app.store.pool())
            .await
            .expect("schedule");
    let (id, version) = existing.map_or((Value::Null, 0), |(id, v)| (json!(id), v));
    let form = json!({ "form": { "id": id, "name": "Loja", "time_zone": "America/Sao_Paulo",
                                 "intervals": intervals, "exceptions": [], "version": version } });
    let (status, schedule) = post_json(app, admin, "save_schedule", form).await;
    assert_eq!(status, 200, "{schedule}");
    let service = service_id(app).await;
    let response = app
        .call(admin, "admin/service", &[("id", &service.to_string())])
        .await;
    let mut form: Value = response.json().await.expect("service");
    form["schedule_id"] = schedule;
    form["policy"] = policy;
    let (status, body) = post_json(app, admin, "save_service", json!({ "form": form })).await;
    assert_eq!(status, 200, "{body}");
}

fn page_texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["author"] == "page")
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

async fn out_of_hours_conversations_wait_and_the_customer_is_told_once(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let admin = admin(&app).await;
    let closed = json!({ "messages": { "out_of_hours": {
        "pt_br": "Estamos fechados. Seu protocolo é {protocol}.", "en": "" } } });
    // No hours at all: closed whenever the test runs.
    set_hours(&app, &admin, json!([]), closed.clone()).await;

    let psid = new_customer(&app, "Nina Dias", true).await;
    customer_says(&app, &psid, "Oi, estão abertos?").await;
    let told = eventually(15, "the out-of-hours message", || async {
        let texts = page_texts(&chat(&app, &psid).await);
        (!texts.is_empty()).then_some(texts)
    })
    .await;
    let conversation = conversation_of(&app, &psid).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].starts_with("Estamos fechados. Seu protocolo é "),
        "{told:?}"
    );
    assert!(
        told[0].ends_with(&format!("-{conversation:06}.")),
        "{told:?}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM conversations WHERE id = $1")
        .bind(conversation)
        .fetch_one(app.store.pool())
        .await
        .expect("status");
    assert_eq!(status, "out_of_hours");

    // Writing again in the same closed period: no second notice, still nobody's.
    customer_says(&app, &psid, "Alô?").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(page_texts(&chat(&app, &psid).await).len(), 1);
    assert!(
        tiles(&app, &ana).await.is_empty(),
        "out of hours is not queued"
    );

    // Open every day, all day: the customer's next message puts the chat in Ana's console.
    let always: Vec<Value> = (0..7)
        .map(|day| json!({ "weekday": day, "start": "00:00", "end": "24:00" }))
        .collect();
    set_hours(&app, &admin, Value::Array(always), closed).await;
    customer_says(&app, &psid, "E agora?").await;
    let tile = eventually(15, "Ana's tile", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    assert_eq!(tile["id"].as_i64(), Some(conversation));
    assert!(tile["protocol"]
        .as_str()
        .is_some_and(|p| p.ends_with(&format!("-{conversation:06}"))));
    assert_eq!(page_texts(&chat(&app, &psid).await).len(), 1);
}

async fn closing_sends_the_services_closing_message_within_the_window(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;

    // The default closing message, in Portuguese, with the date and time.
    let first = new_customer(&app, "Otto Reis", true).await;
    customer_says(&app, &first, "Obrigado!").await;
    let tile = eventually(15, "Ana's tile", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    let id = tile["id"].as_i64().expect("id").to_string();
    let (status, body) = call(&app, &ana, "close", &[("conversation", &id)]).await;
    assert_eq!(status, 200, "{body}");
    let closing = eventually(15, "the closing message", || async {
        page_texts(&chat(&app, &first).await).into_iter().next()
    })
    .await;
    assert!(
        closing.starts_with("Conversa concluída pelo atendente em ") && closing.contains(" às "),
        "{closing}"
    );

    // The service's own text, with the agent and the protocol the agent saw.
    let admin = admin(&app).await;
    let service = service_id(&app).await;
    let response = app
        .call(&admin, "admin/service", &[("id", &service.to_string())])
        .await;
    let mut form: Value = response.json().await.expect("service");
    form["policy"] = json!({ "messages": { "closing": {
        "pt_br": "{agent} encerrou o atendimento {protocol} ({service}).", "en": "" } } });
    let (status, body) = post_json(&app, &admin, "save_service", json!({ "form": form })).await;
    assert_eq!(status, 200, "{body}");
    let second = new_customer(&app, "Lia Prado", true).await;
    customer_says(&app, &second, "Tchau").await;
    let tile = eventually(15, "the second tile", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    let protocol = tile["protocol"].as_str().expect("protocol").to_owned();
    let id = tile["id"].as_i64().expect("id").to_string();
    call(&app, &ana, "close", &[("conversation", &id)]).await;
    let closing = eventually(15, "the custom closing message", || async {
        page_texts(&chat(&app, &second).await).into_iter().next()
    })
    .await;
    assert_eq!(
        closing,
        format!("User ana encerrou o atendimento {protocol} (Loja Demo).")
    );

    // More than 24 hours after the customer's last message: an automated message may not go.
    let third = new_customer(&app, "Rui Lopes", true).await;
    customer_says(&app, &third, "Oi").await;
    let tile = eventually(15, "the third tile", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    let conversation = tile["id"].as_i64().expect("id");
    let long_ago = chrono::Utc::now().timestamp_millis() - 25 * 3600 * 1000;
    sqlx::query("UPDATE conversations SET last_customer_message_at = $1 WHERE id = $2")
        .bind(long_ago)
        .bind(conversation)
        .execute(app.store.pool())
        .await
        .expect("age");
    call(
        &app,
        &ana,
        "close",
        &[("conversation", &conversation.to_string())],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let system: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND author = 'system'",
    )
    .bind(conversation)
    .fetch_one(app.store.pool())
    .await
    .expect("count");
    assert_eq!(system, 0);
}
