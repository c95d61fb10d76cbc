//! Graph read our request but its answer never reached us: Meta may have the message. The
//! send waits for Meta's echo (which proves it) before it goes again, so the customer never
//! gets it twice, and is sent again only when no echo came.

use std::time::Duration;

use atende_server::conversation::outbox::queue_agent_text;
use chrono::Utc;

use crate::graph_stub::LossyGraph;
use crate::helpers::{deliver_and_process, eventually, spawn_app_with, TestApp, TestDb};
use crate::on_both_backends;
use crate::outbound::{conversation_sending_to, our_echo, settled};

on_both_backends!(
    a_send_whose_answer_was_lost_is_confirmed_by_its_late_echo,
    without_an_echo_a_lost_send_goes_again_after_the_wait,
);

async fn app_waiting_for_echoes(db: TestDb, seconds: u64) -> TestApp {
    let mut settings = db.settings();
    settings.echo_wait_seconds = seconds;
    spawn_app_with(db, settings).await
}

async fn first_arrival(graph: &LossyGraph) -> std::time::Instant {
    eventually(10, "the first send", || async {
        graph.arrivals().first().copied()
    })
    .await
}

async fn a_send_whose_answer_was_lost_is_confirmed_by_its_late_echo(db: TestDb) {
    let app = app_waiting_for_echoes(db, 5).await;
    let graph = LossyGraph::start(1).await;
    let conversation = conversation_sending_to(&app, &graph.url, 1).await;
    let message = queue_agent_text(&app.store, conversation, "Olá!", Utc::now())
        .await
        .expect("queued");
    let sent_at = first_arrival(&graph).await;
    // Meta's echo can take seconds: longer than a transient error's first backoff.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let echo = our_echo(&app.store, message).await;
    deliver_and_process(&app, &echo).await;
    assert_eq!(
        settled(&app.store, message).await,
        ("sent".to_owned(), None)
    );
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM console_events WHERE message_id = $1 AND kind = 'message'",
    )
    .bind(message)
    .fetch_one(app.store.pool())
    .await
    .expect("events");
    assert!(
        events >= 2,
        "the console hears it was sent: {events} events"
    );
    // Past the echo wait: nothing more went out.
    let past_wait = sent_at + Duration::from_secs(7);
    tokio::time::sleep_until(past_wait.into()).await;
    assert_eq!(graph.arrivals().len(), 1, "the customer got it once");
}

async fn without_an_echo_a_lost_send_goes_again_after_the_wait(db: TestDb) {
    let app = app_waiting_for_echoes(db, 3).await;
    let graph = LossyGraph::start(1).await;
    let conversation = conversation_sending_to(&app, &graph.url, 1).await;
    let message = queue_agent_text(&app.store, conversation, "Olá!", Utc::now())
        .await
        .expect("queued");
    first_arrival(&graph).await;
    let mid: String = eventually(20, "the second send's answer", || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT mid FROM messages WHERE id = $1 AND status = 'sent'",
        )
        .bind(message)
        .fetch_optional(app.store.pool())
        .await
        .expect("message")
        .flatten()
    })
    .await;
    assert_eq!(mid, "m_sent_2");
    let arrivals = graph.arrivals();
    assert_eq!(arrivals.len(), 2);
    let gap = arrivals[1] - arrivals[0];
    assert!(gap >= Duration::from_secs(3), "sent again after {gap:?}");
}
