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
    agents_resume_out_of_hours_conversations_within_metas_windows,
    closing_asks_for_a_classification_and_holds_the_position_for_wrap_up,
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

/// Gives the sandbox page this policy (through the admin, as an admin would).
pub async fn set_policy(app: &TestApp, admin: &reqwest::Client, policy: Value) {
    let service = service_id(app).await;
    let response = app
        .call(admin, "admin/service", &[("id", &service.to_string())])
        .await;
    let mut form: Value = response.json().await.expect("service");
    form["policy"] = policy;
    let (status, body) = post_json(app, admin, "save_service", json!({ "form": form })).await;
    assert_eq!(status, 200, "{body}");
}

pub fn page_texts(messages: &[Value]) -> Vec<String> {
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
    let policy = json!({ "messages": { "closing": {
        "pt_br": "{agent} encerrou o atendimento {protocol} ({service}).", "en": "" } } });
    set_policy(&app, &admin(&app).await, policy).await;
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

async fn folder(app: &TestApp, agent: &reqwest::Client, filter: Value) -> (u16, Value) {
    post_json_console(app, agent, "out_of_hours", json!({ "filter": filter })).await
}

async fn post_json_console(
    app: &TestApp,
    who: &reqwest::Client,
    endpoint: &str,
    body: Value,
) -> (u16, Value) {
    let response = who
        .post(app.url(&format!("/api/console/{endpoint}")))
        .header("Origin", &app.address)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Makes the customer's last message `days` old (Atende's record of Meta's window).
pub async fn age(app: &TestApp, conversation: i64, days: i64) {
    let at = chrono::Utc::now().timestamp_millis() - days * 24 * 3600 * 1000;
    sqlx::query("UPDATE conversations SET last_customer_message_at = $1 WHERE id = $2")
        .bind(at)
        .bind(conversation)
        .execute(app.store.pool())
        .await
        .expect("age");
}

async fn agents_resume_out_of_hours_conversations_within_metas_windows(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 2).await;
    app.create_user("bia", app::model::Role::Agent, "agent-password-2026")
        .await;
    let ana = signed_in(&app, "ana").await;
    let bia = signed_in(&app, "bia").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let admin = admin(&app).await;
    set_hours(&app, &admin, json!([]), json!({})).await;
    let mut conversations = Vec::new();
    for name in ["Eva Luz", "Ivo Sá", "Gil Mota", "Ada Reis"] {
        let psid = new_customer(&app, name, true).await;
        customer_says(&app, &psid, "Oi").await;
        let conversation = eventually(15, "the conversation", || async {
            let id: Option<i64> = sqlx::query_scalar(
                "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id
                 WHERE k.external_id = $1 AND c.status = 'out_of_hours'",
            )
            .bind(&psid)
            .fetch_optional(app.store.pool())
            .await
            .expect("query");
            id
        })
        .await;
        conversations.push((psid, conversation));
    }
    let (fresh, three_days, eight_days, fourth) = (
        conversations[0].1,
        conversations[1].1,
        conversations[2].1,
        conversations[3].1,
    );
    age(&app, three_days, 3).await;
    age(&app, eight_days, 8).await;

    // Ana's folder lists them with how she may answer; Bia serves no page and sees none.
    let (status, listed) = folder(&app, &ana, json!({})).await;
    assert_eq!(status, 200, "{listed}");
    let reply = |id: i64| {
        listed
            .as_array()
            .and_then(|list| list.iter().find(|c| c["id"] == id))
            .map(|c| c["reply"]["kind"].clone())
    };
    assert_eq!(reply(fresh), Some(json!("standard")));
    assert_eq!(reply(three_days), Some(json!("human_agent")));
    assert_eq!(reply(eight_days), Some(json!("closed")));
    assert_eq!(listed[0]["last_text"], "Oi");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .format("%Y-%m-%d")
        .to_string();
    let (_, same_day) = folder(&app, &ana, json!({ "day": today })).await;
    assert_eq!(same_day.as_array().map(Vec::len), Some(4));
    let (_, other_day) = folder(&app, &ana, json!({ "day": "2020-01-01" })).await;
    assert_eq!(other_day, json!([]));
    let (status, _) = folder(&app, &ana, json!({ "day": "ontem" })).await;
    assert_eq!(status, 422);
    assert_eq!(folder(&app, &bia, json!({})).await.1, json!([]));
    let resume = |who: &reqwest::Client, id: i64| {
        let who = who.clone();
        let app = &app;
        async move {
            let (status, body) =
                call(app, &who, "resume", &[("conversation", &id.to_string())]).await;
            (status, body)
        }
    };
    assert_eq!(resume(&bia, fresh).await.0, 403);

    // Resumed: hers, answered as RESPONSE within 24 h, with the HUMAN_AGENT tag up to 7 days.
    assert_eq!(
        resume(&ana, eight_days).await.0,
        422,
        "Meta would refuse any message"
    );
    for (id, expected) in [(fresh, "RESPONSE"), (three_days, "MESSAGE_TAG")] {
        let (status, body) = resume(&ana, id).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = call(
            &app,
            &ana,
            "send",
            &[
                ("conversation", &id.to_string()),
                ("text", "Bom dia! Voltamos."),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let sent = eventually(15, "the answer sent", || async {
            let kind: Option<Option<String>> = sqlx::query_scalar(
                "SELECT messaging_type FROM messages
                 WHERE conversation_id = $1 AND author = 'agent' AND status <> 'sending'",
            )
            .bind(id)
            .fetch_optional(app.store.pool())
            .await
            .expect("query");
            kind.flatten()
        })
        .await;
        assert_eq!(sent, expected);
    }
    assert_eq!(tiles(&app, &ana).await.len(), 2);
    let (status, body) = resume(&ana, fourth).await;
    assert_eq!(
        (status, body.as_str()),
        (409, Some("NoFreePosition")),
        "2 positions, both used"
    );
    assert_eq!(resume(&ana, fresh).await.0, 404, "no longer out of hours");
}

async fn closing_asks_for_a_classification_and_holds_the_position_for_wrap_up(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 1).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let policy = json!({
        "classification": { "codes": ["Venda", "Dúvida"], "required": true },
        "times": { "wrap_up_seconds": 3 }
    });
    set_policy(&app, &admin(&app).await, policy).await;

    let first = new_customer(&app, "Vera Cruz", true).await;
    customer_says(&app, &first, "Quero comprar").await;
    let tile = eventually(15, "Ana's tile", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    assert_eq!(tile["classification_codes"], json!(["Venda", "Dúvida"]));
    assert_eq!(tile["classification_required"], true);
    let id = tile["id"].as_i64().expect("id").to_string();
    let (status, body) = call(&app, &ana, "close", &[("conversation", &id)]).await;
    assert_eq!(
        (status, body["Required"]["field"].as_str()),
        (422, Some("classification_codes"))
    );
    let other = [("conversation", id.as_str()), ("classification", "Outro")];
    assert_eq!(call(&app, &ana, "close", &other).await.0, 422);
    let sale = [("conversation", id.as_str()), ("classification", "Venda")];
    assert_eq!(call(&app, &ana, "close", &sale).await.0, 200);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT classification FROM conversations WHERE id = $1")
            .bind(tile["id"].as_i64())
            .fetch_one(app.store.pool())
            .await
            .expect("classification");
    assert_eq!(stored.as_deref(), Some("Venda"));

    // Her only position is in wrap-up for 3 s: the next customer waits, then reaches her.
    let second = new_customer(&app, "Davi Reis", true).await;
    customer_says(&app, &second, "Oi").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert!(
        tiles(&app, &ana).await.is_empty(),
        "the position is in wrap-up"
    );
    let (_, status) = call(&app, &ana, "status", &[]).await;
    assert_eq!(status["wrapping_up"], 1);
    assert!(status["wrap_up_until"].is_string());
    eventually(15, "the next chat after wrap-up", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
}
