//! Handing conversations over: manual answer mode (offer, accept, pass, expiry) and
//! transfers to an agent or a group, through the console's server functions and the sandbox.

use serde_json::Value;

use crate::console::{call, service_id, signed_in, tiles};
use crate::helpers::{agents_serving, eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::sandbox::{customer_says, new_customer, sandbox_app, sandbox_app_with};

on_both_backends!(
    manual_answer_mode_offers_and_an_unaccepted_offer_moves_on,
    a_transfer_reaches_the_named_agent_or_group_and_waits_for_them,
);

/// The tile of the conversation with this customer on the agent's console, once it is there.
async fn tile_of(app: &TestApp, agent: &reqwest::Client, customer: &str) -> Value {
    eventually(10, "the customer's tile", || async {
        tiles(app, agent)
            .await
            .into_iter()
            .find(|t| t["contact_name"] == customer)
    })
    .await
}

async fn gone_from(app: &TestApp, agent: &reqwest::Client, customer: &str) {
    eventually(10, "the tile gone", || async {
        let all = tiles(app, agent).await;
        all.iter()
            .all(|t| t["contact_name"] != customer)
            .then_some(())
    })
    .await;
}

async fn manual_answer_mode_offers_and_an_unaccepted_offer_moves_on(db: TestDb) {
    let app = sandbox_app_with(db, |settings| settings.offer_seconds = 3).await;
    let ids = agents_serving(&app, service_id(&app).await, &["ana", "bia"], 8).await;
    sqlx::query("UPDATE agent_states SET answer_mode = 'manual' WHERE user_id = $1")
        .bind(ids[0])
        .execute(app.store.pool())
        .await
        .expect("manual");
    let ana = signed_in(&app, "ana").await;
    let bia = signed_in(&app, "bia").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    call(&app, &bia, "presence", &[("presence", "operating")]).await;

    // Offered to Ana (equally free, first in line): she can read it, not answer it yet.
    let first = new_customer(&app, "Paula Lima", true).await;
    customer_says(&app, &first, "primeira").await;
    let tile = tile_of(&app, &ana, "Paula Lima").await;
    assert!(tile["offered_until"].is_string(), "{tile}");
    let conversation = tile["id"].as_i64().expect("id").to_string();
    let form = [("conversation", conversation.as_str())];
    assert_eq!(call(&app, &ana, "messages", &form).await.0, 200);
    let early = [("conversation", conversation.as_str()), ("text", "oi")];
    assert_eq!(call(&app, &ana, "send", &early).await.0, 403);
    // She passes: Bia gets it at once (automatic mode).
    assert_eq!(call(&app, &ana, "decline", &form).await.0, 200);
    let taken = tile_of(&app, &bia, "Paula Lima").await;
    assert!(taken["offered_until"].is_null());
    gone_from(&app, &ana, "Paula Lima").await;

    // The next is offered to Ana and left to run out: it moves on to Bia.
    let second = new_customer(&app, "Rui Costa", true).await;
    customer_says(&app, &second, "segunda").await;
    tile_of(&app, &ana, "Rui Costa").await;
    tile_of(&app, &bia, "Rui Costa").await;
    gone_from(&app, &ana, "Rui Costa").await;

    // The third she accepts, and answers.
    let third = new_customer(&app, "Sara Dias", true).await;
    customer_says(&app, &third, "terceira").await;
    let tile = tile_of(&app, &ana, "Sara Dias").await;
    let conversation = tile["id"].as_i64().expect("id").to_string();
    let form = [("conversation", conversation.as_str())];
    assert_eq!(call(&app, &ana, "accept", &form).await.0, 200);
    let accepted = tile_of(&app, &ana, "Sara Dias").await;
    assert!(accepted["offered_until"].is_null(), "{accepted}");
    let reply = [
        ("conversation", conversation.as_str()),
        ("text", "Olá Sara"),
    ];
    assert_eq!(call(&app, &ana, "send", &reply).await.0, 200);
    // An accepted conversation is no longer an offer.
    assert_eq!(call(&app, &ana, "decline", &form).await.0, 403);
}

async fn a_transfer_reaches_the_named_agent_or_group_and_waits_for_them(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana", "bia"], 8).await;
    let pool = app.store.pool();
    let support: i64 = sqlx::query_scalar(
        "INSERT INTO agent_groups (name, created_at) VALUES ('Suporte', 0) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("group");
    let cleo = app
        .create_user("cleo", app::model::Role::Agent, "agent-password-2026")
        .await;
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
        .bind(support)
        .bind(cleo)
        .execute(pool)
        .await
        .expect("member");
    let ana = signed_in(&app, "ana").await;
    let bia = signed_in(&app, "bia").await;
    let cleo_console = signed_in(&app, "cleo").await;
    for agent in [&ana, &bia, &cleo_console] {
        call(&app, agent, "presence", &[("presence", "operating")]).await;
    }
    let customer = new_customer(&app, "Tiago Reis", true).await;
    customer_says(&app, &customer, "preciso de suporte").await;
    let tile = tile_of(&app, &ana, "Tiago Reis").await;
    let conversation = tile["id"].as_i64().expect("id").to_string();
    let (_, targets) = call(&app, &ana, "transfer_targets", &[]).await;
    let ana_id = ids_by_name(&app, "ana").await;
    assert!(
        targets["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .all(|a| a["id"] != ana_id),
        "not to herself: {targets}"
    );
    let bia_id = ids_by_name(&app, "bia").await;
    let listed: Vec<i64> = targets["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|a| a["id"].as_i64())
        .collect();
    assert!(listed.contains(&bia_id), "{targets}");
    let bia_id = bia_id.to_string();

    // To a person.
    let to_bia = [
        ("conversation", conversation.as_str()),
        ("to_agent", bia_id.as_str()),
    ];
    assert_eq!(call(&app, &ana, "transfer", &to_bia).await.0, 200);
    tile_of(&app, &bia, "Tiago Reis").await;
    gone_from(&app, &ana, "Tiago Reis").await;
    // Ana no longer has it; nonsense targets are refused.
    assert_eq!(call(&app, &ana, "transfer", &to_bia).await.0, 403);
    let nowhere = [("conversation", conversation.as_str()), ("group", "999999")];
    assert_eq!(call(&app, &bia, "transfer", &nowhere).await.0, 422);
    let neither = [("conversation", conversation.as_str())];
    assert_eq!(call(&app, &bia, "transfer", &neither).await.0, 422);

    // To a group: its member gets it.
    let group = support.to_string();
    let to_support = [
        ("conversation", conversation.as_str()),
        ("group", group.as_str()),
    ];
    assert_eq!(call(&app, &bia, "transfer", &to_support).await.0, 200);
    tile_of(&app, &cleo_console, "Tiago Reis").await;

    // To a paused agent: it waits for her, even with others free.
    call(
        &app,
        &ana,
        "presence",
        &[("presence", "paused"), ("pause_reason", "lunch")],
    )
    .await;
    let ana_id = ana_id.to_string();
    let to_ana = [
        ("conversation", conversation.as_str()),
        ("to_agent", ana_id.as_str()),
    ];
    assert_eq!(call(&app, &cleo_console, "transfer", &to_ana).await.0, 200);
    gone_from(&app, &cleo_console, "Tiago Reis").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(tiles(&app, &bia).await.is_empty());
    assert!(tiles(&app, &ana).await.is_empty());
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    tile_of(&app, &ana, "Tiago Reis").await;
}

async fn ids_by_name(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.store.pool())
        .await
        .expect("user")
}
