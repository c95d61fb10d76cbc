//! Routing against the real database: many arrivals at once never push an agent past their
//! positions, on SQLite and on PostgreSQL, and on PostgreSQL also from several "instances"
//! (separate connection pools) routing at the same time.

use atende_server::conversation::routing::Router;
use atende_server::domain::routing::Presence;
use atende_server::store::{self, routing as routing_store, Store};
use chrono::Utc;

use crate::helpers::{agents_serving, bind_service, spawn_app, TestApp, TestDb};
use crate::on_both_backends;

on_both_backends!(
    simultaneous_arrivals_never_exceed_positions,
    paused_agents_keep_their_chats_and_get_no_more,
    an_agent_who_leaves_gives_their_chats_back_to_the_front_of_the_queue,
    a_console_away_past_the_grace_period_gives_its_chats_back,
    a_free_agent_gets_a_conversation_from_deep_in_a_long_queue,
);

const PAGE: &str = "100000000000001";

/// A service served by one group with `agents` Operating members of `positions` each.
async fn setup(app: &TestApp, agents: &[&str], positions: i64) -> (i64, Vec<i64>) {
    let service = bind_service(
        app,
        PAGE,
        "https://graph.facebook.com/v19.0/me/messages",
        None,
    )
    .await;
    let ids = agents_serving(app, service, agents, positions).await;
    for id in &ids {
        store::agents::set_presence(app.store.pool(), *id, Presence::Operating, None, Utc::now())
            .await
            .expect("operating");
    }
    (service, ids)
}

/// `count` customers write at once: each a contact and a queued conversation.
async fn arrivals(app: &TestApp, service: i64, count: usize) -> Vec<i64> {
    let mut conversations = Vec::new();
    for n in 0..count {
        let mut conn = app.store.pool().acquire().await.expect("connection");
        let contact = store::conversations::upsert_contact(
            &mut conn,
            service,
            &format!("73000000000{n:05}"),
            Utc::now(),
        )
        .await
        .expect("contact");
        let id = store::conversation_status::open(&mut conn, service, contact, Utc::now())
            .await
            .expect("conversation");
        conversations.push(id.0);
    }
    conversations
}

async fn a_free_agent_gets_a_conversation_from_deep_in_a_long_queue(db: TestDb) {
    let app = spawn_app(db).await;
    // A long queue nobody can serve now (no group serves its page yet)…
    let busy = bind_service(
        &app,
        PAGE,
        "https://graph.facebook.com/v22.0/me/messages",
        None,
    )
    .await;
    arrivals(&app, busy, 150).await;
    // …and behind it, one customer of a page whose agent is Operating.
    let other = bind_service(
        &app,
        "100000000000002",
        "https://graph.facebook.com/v22.0/me/messages",
        None,
    )
    .await;
    let bia = agents_serving(&app, other, &["bia"], 1).await[0];
    store::agents::set_presence(app.store.pool(), bia, Presence::Operating, None, Utc::now())
        .await
        .expect("operating");
    let mut conn = app.store.pool().acquire().await.expect("connection");
    let contact = store::conversations::upsert_contact(&mut conn, other, "7300999", Utc::now())
        .await
        .expect("contact");
    let last = store::conversation_status::open(&mut conn, other, contact, Utc::now())
        .await
        .expect("conversation");
    drop(conn);
    Router::new(
        app.store.clone(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    )
    .route_now()
    .await
    .expect("routed");
    let agent: Option<i64> = sqlx::query_scalar("SELECT agent_id FROM conversations WHERE id = $1")
        .bind(last.0)
        .fetch_one(app.store.pool())
        .await
        .expect("conversation");
    assert_eq!(agent, Some(bia), "read past the 150 nobody can take");
}

async fn open_per_agent(store: &Store, agent: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE agent_id = $1 AND status = 'assigned'",
    )
    .bind(agent)
    .fetch_one(store.pool())
    .await
    .expect("count")
}

async fn simultaneous_arrivals_never_exceed_positions(db: TestDb) {
    let url = db.url.clone();
    let app = spawn_app(db).await;
    let (service, agents) = setup(&app, &["ana", "bia", "caio"], 3).await;
    arrivals(&app, service, 30).await;
    // Several routers at once; on PostgreSQL each with its own pool, as separate instances.
    let mut stores = vec![app.store.clone()];
    if app.store.backend() == store::Backend::Postgres {
        for _ in 0..3 {
            stores.push(store::connect(&url, 4).await.expect("second instance"));
        }
    }
    let mut routers = Vec::new();
    for round in 0..8 {
        let router = Router::new(
            stores[round % stores.len()].clone(),
            std::sync::Arc::new(tokio::sync::Notify::new()),
        );
        routers.push(tokio::spawn(async move { router.route_now().await }));
    }
    for router in routers {
        router.await.expect("joined").expect("routed");
    }
    // (The application's own router may have taken part too: count what the database holds.)
    for agent in agents {
        assert_eq!(open_per_agent(&app.store, agent).await, 3);
    }
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE status = 'queued'")
            .fetch_one(app.store.pool())
            .await
            .expect("queue");
    assert_eq!(waiting, 21);
}

async fn paused_agents_keep_their_chats_and_get_no_more(db: TestDb) {
    let app = spawn_app(db).await;
    let (service, agents) = setup(&app, &["ana"], 8).await;
    let router = Router::new(
        app.store.clone(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    arrivals(&app, service, 2).await;
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 2);
    store::agents::set_presence(
        app.store.pool(),
        agents[0],
        Presence::Paused,
        Some("lunch"),
        Utc::now(),
    )
    .await
    .expect("paused");
    arrivals(&app, service, 2).await;
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 2);
    store::agents::set_presence(
        app.store.pool(),
        agents[0],
        Presence::Operating,
        None,
        Utc::now(),
    )
    .await
    .expect("back");
    assert_eq!(router.route_now().await.expect("routed").len(), 2);
}

async fn an_agent_who_leaves_gives_their_chats_back_to_the_front_of_the_queue(db: TestDb) {
    let app = spawn_app(db).await;
    let (service, agents) = setup(&app, &["ana", "bia"], 1).await;
    let router = Router::new(
        app.store.clone(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    let first = arrivals(&app, service, 2).await;
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 1);
    let waiting_before = arrivals(&app, service, 1).await[0];
    // Ana logs out: her conversation goes back, ahead of the one already waiting.
    let ana = agents[0];
    let ana_had: i64 = sqlx::query_scalar("SELECT id FROM conversations WHERE agent_id = $1")
        .bind(ana)
        .fetch_one(app.store.pool())
        .await
        .expect("ana's");
    store::agents::set_presence(app.store.pool(), ana, Presence::Offline, None, Utc::now())
        .await
        .expect("offline");
    let mut tx = app.store.pool().begin().await.expect("tx");
    assert_eq!(
        routing_store::take_back(&mut tx, ana, Utc::now())
            .await
            .expect("taken back"),
        1
    );
    tx.commit().await.expect("commit");
    // Bia finishes her chat: she gets Ana's conversation first.
    let bia = agents[1];
    sqlx::query("UPDATE conversations SET status = 'closed' WHERE agent_id = $1")
        .bind(bia)
        .execute(app.store.pool())
        .await
        .expect("closed");
    router.route_now().await.expect("routed");
    let now_with: Option<i64> =
        sqlx::query_scalar("SELECT agent_id FROM conversations WHERE id = $1")
            .bind(ana_had)
            .fetch_one(app.store.pool())
            .await
            .expect("conversation");
    assert_eq!(now_with, Some(bia));
    assert!(first.contains(&ana_had));
    let still_waiting: i64 =
        sqlx::query_scalar("SELECT id FROM conversations WHERE status = 'queued'")
            .fetch_one(app.store.pool())
            .await
            .expect("queue");
    assert_eq!(still_waiting, waiting_before);
}

async fn a_console_away_past_the_grace_period_gives_its_chats_back(db: TestDb) {
    let app = spawn_app(db).await;
    let (service, agents) = setup(&app, &["ana"], 2).await;
    let router = Router::new(
        app.store.clone(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    )
    .with_grace(std::time::Duration::from_secs(60))
    .with_departure_checks_every(std::time::Duration::ZERO);
    arrivals(&app, service, 1).await;
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 1);
    // Heard from 30 s ago: within the grace period, nothing changes.
    let heard = |seconds: i64| (Utc::now() - chrono::Duration::seconds(seconds)).timestamp_millis();
    sqlx::query("UPDATE agent_states SET last_seen_at = $1 WHERE user_id = $2")
        .bind(heard(30))
        .bind(agents[0])
        .execute(app.store.pool())
        .await
        .expect("heard");
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 1);
    // 61 s: gone. Offline, and the chat waits at the front of the queue.
    sqlx::query("UPDATE agent_states SET last_seen_at = $1 WHERE user_id = $2")
        .bind(heard(61))
        .bind(agents[0])
        .execute(app.store.pool())
        .await
        .expect("heard");
    router.route_now().await.expect("routed");
    assert_eq!(open_per_agent(&app.store, agents[0]).await, 0);
    let (presence, front): (String, i64) = sqlx::query_as(
        "SELECT a.presence, c.queue_front FROM agent_states a, conversations c WHERE a.user_id = $1",
    )
    .bind(agents[0])
    .fetch_one(app.store.pool())
    .await
    .expect("state");
    assert_eq!((presence.as_str(), front), ("offline", 1));
}
