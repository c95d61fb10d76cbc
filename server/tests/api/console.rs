//! The agent console's server functions, end to end with the sandbox: the Meta reviewer's walk
//! (go Operating, a customer writes, the chat arrives with the name, answer, the customer sees
//! it), ownership, closing frees a position, signing out gives chats back.

use serde_json::Value;

use crate::helpers::{agents_serving, client, eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::sandbox::{chat, customer_says, new_customer, page_action, sandbox_app, PAGE};

on_both_backends!(
    the_reviewers_walk,
    agents_only_see_and_answer_their_own_conversations,
    closing_frees_a_position_and_signing_out_gives_chats_back,
    supervisors_see_agents_and_queues,
);

pub async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let agent = client();
    let response = app.login(&agent, username, "agent-password-2026").await;
    assert!(response.status().is_success(), "login {username}");
    agent
}

pub async fn call(
    app: &TestApp,
    agent: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = app.call(agent, &format!("console/{endpoint}"), form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn service_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM services WHERE cifra = $1")
        .bind(PAGE)
        .fetch_one(app.store.pool())
        .await
        .expect("service")
}

/// A new agent `name` serving the sandbox page (8 positions), signed in and operating.
pub async fn operating(app: &TestApp, name: &str) -> reqwest::Client {
    crate::helpers::agents_serving(app, service_id(app).await, &[name], 8).await;
    let agent = signed_in(app, name).await;
    let (status, body) = call(app, &agent, "presence", &[("presence", "operating")]).await;
    assert_eq!(status, 200, "{body}");
    agent
}

/// The agent's first tile, once there is one.
pub async fn first_tile(app: &TestApp, agent: &reqwest::Client) -> Value {
    crate::helpers::eventually(15, "the agent's first tile", || async {
        tiles(app, agent).await.into_iter().next()
    })
    .await
}

pub async fn tiles(app: &TestApp, agent: &reqwest::Client) -> Vec<Value> {
    let (status, body) = call(app, agent, "conversations", &[]).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

async fn the_reviewers_walk(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["reviewer"], 8).await;
    let reviewer = signed_in(&app, "reviewer").await;
    let (status, body) = call(&app, &reviewer, "presence", &[("presence", "operating")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["presence"], "operating");
    assert_eq!(
        (body["positions"].as_i64(), body["open"].as_i64()),
        (Some(8), Some(0))
    );

    let psid = new_customer(&app, "Maria Oliveira", true).await;
    customer_says(&app, &psid, "Hello, I need help with my order").await;
    let tile = eventually(10, "the chat with the customer's name", || async {
        tiles(&app, &reviewer)
            .await
            .into_iter()
            .find(|t| t["contact_name"] == "Maria Oliveira")
    })
    .await;
    assert_eq!(tile["unread"], 1);
    let conversation = tile["id"].as_i64().expect("id").to_string();
    let (status, messages) = call(
        &app,
        &reviewer,
        "messages",
        &[("conversation", &conversation)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        messages["messages"][0]["text"],
        "Hello, I need help with my order"
    );
    assert_eq!(
        tiles(&app, &reviewer).await[0]["unread"],
        0,
        "seen once shown"
    );
    // The customer sees "Seen", then "typing…" while the agent writes.
    eventually(10, "mark_seen at the customer", || async {
        (page_action(&app, &psid).await.as_deref() == Some("mark_seen")).then_some(())
    })
    .await;
    let (status, _) = call(
        &app,
        &reviewer,
        "typing",
        &[("conversation", &conversation)],
    )
    .await;
    assert_eq!(status, 200);
    eventually(10, "typing_on at the customer", || async {
        (page_action(&app, &psid).await.as_deref() == Some("typing_on")).then_some(())
    })
    .await;

    let (status, _) = call(
        &app,
        &reviewer,
        "send",
        &[
            ("conversation", &conversation),
            ("text", "Hi Maria, let me check that for you."),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let reply = eventually(10, "the answer at the customer", || async {
        chat(&app, &psid)
            .await
            .into_iter()
            .find(|m| m["author"] == "page")
    })
    .await;
    assert_eq!(reply["text"], "Hi Maria, let me check that for you.");
    assert_eq!(reply["messaging_type"], "RESPONSE");
    let status_of_reply = eventually(10, "the reply's delivery", || async {
        let (_, messages) = call(
            &app,
            &reviewer,
            "messages",
            &[("conversation", &conversation)],
        )
        .await;
        let last = messages["messages"].as_array()?.last()?.clone();
        (last["status"] == "delivered").then_some(last)
    })
    .await;
    assert_eq!(status_of_reply["author"], "agent");
}

async fn agents_only_see_and_answer_their_own_conversations(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana", "bia"], 1).await;
    let ana = signed_in(&app, "ana").await;
    let bia = signed_in(&app, "bia").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let psid = new_customer(&app, "João Pereira", true).await;
    customer_says(&app, &psid, "oi").await;
    let tile = eventually(10, "ana's chat", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    let conversation = tile["id"].as_i64().expect("id").to_string();
    assert!(tiles(&app, &bia).await.is_empty());
    let (status, body) = call(&app, &bia, "messages", &[("conversation", &conversation)]).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = call(
        &app,
        &bia,
        "send",
        &[("conversation", &conversation), ("text", "x")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &app,
        &ana,
        "send",
        &[("conversation", &conversation), ("text", "   ")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let long = "a".repeat(2001);
    let (status, _) = call(
        &app,
        &ana,
        "send",
        &[("conversation", &conversation), ("text", &long)],
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = call(
        &app,
        &ana,
        "presence",
        &[("presence", "paused"), ("pause_reason", "nap")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(
        &app,
        &ana,
        "presence",
        &[("presence", "paused"), ("pause_reason", "lunch")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pause_reason"], "lunch");
    // Supervisors and anonymous visitors have no console.
    let anonymous = client();
    assert_eq!(call(&app, &anonymous, "conversations", &[]).await.0, 401);
}

async fn closing_frees_a_position_and_signing_out_gives_chats_back(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana", "bia"], 1).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let first = new_customer(&app, "Primeiro Cliente", true).await;
    customer_says(&app, &first, "primeiro").await;
    let tile = eventually(10, "the first chat", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;
    let second = new_customer(&app, "Segundo Cliente", true).await;
    customer_says(&app, &second, "segundo").await;
    // One position: the second waits until the first is closed.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(tiles(&app, &ana).await.len(), 1);
    let (status, _) = call(
        &app,
        &ana,
        "close",
        &[("conversation", &tile["id"].to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let next = eventually(10, "the second chat", || async {
        tiles(&app, &ana)
            .await
            .into_iter()
            .find(|t| t["contact_name"] == "Segundo Cliente")
    })
    .await;
    // Ana signs out: Bia, going Operating, gets that chat.
    let response = app.call(&ana, "auth/logout", &[]).await;
    assert!(response.status().is_success());
    let bia = signed_in(&app, "bia").await;
    call(&app, &bia, "presence", &[("presence", "operating")]).await;
    let moved = eventually(10, "the chat with bia", || async {
        tiles(&app, &bia).await.into_iter().next()
    })
    .await;
    assert_eq!(moved["id"], next["id"]);
}

async fn supervisors_see_agents_and_queues(db: TestDb) {
    use app::model::Role;

    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 1).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    for name in ["Cliente Um", "Cliente Dois"] {
        let psid = new_customer(&app, name, true).await;
        customer_says(&app, &psid, "oi").await;
    }
    app.create_user("sara", Role::Supervisor, "sara-password-2026")
        .await;
    let supervisor = client();
    app.login(&supervisor, "sara", "sara-password-2026").await;
    let overview = eventually(10, "one chat with Ana and one waiting", || async {
        let response = app.call(&supervisor, "admin/overview", &[]).await;
        assert_eq!(response.status(), 200);
        let overview: Value = response.json().await.expect("JSON");
        let ana_row = overview["agents"]
            .as_array()?
            .iter()
            .find(|a| a["name"] == "User ana")?
            .clone();
        let queue = overview["queues"].as_array()?.first()?.clone();
        (ana_row["open"] == 1 && queue["waiting"] == 1).then_some((ana_row, queue))
    })
    .await;
    assert_eq!(overview.0["presence"], "operating");
    assert_eq!(overview.0["positions"], 1);
    assert!(overview.1["oldest_since"].is_string());
    assert_eq!(app.call(&ana, "admin/overview", &[]).await.status(), 403);
}
