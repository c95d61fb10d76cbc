//! Deadlines across a crash and several instances: one instance stores a conversation's queue
//! wait deadline and dies (its runtime dropped mid-work, as a killed process would); while
//! nobody runs, the time passes; two instances then start on the same database, and the
//! deadline fires exactly once.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use atende_server::config::Settings;
use atende_server::startup::Application;
use serde_json::{json, Value};

use crate::helpers::{bind_service_in, eventually, spawn_app_with, TestDb};
use crate::on_both_backends;
use crate::sandbox::{PAGE, TOKEN};

on_both_backends!(a_deadline_fires_once_after_a_crash_with_two_instances_running);

/// An instance in a runtime of its own, on its own thread, so it can be killed.
struct Instance {
    address: String,
    kill: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Instance {
    fn start(settings: Settings) -> Instance {
        let (ready, address) = mpsc::channel();
        let (kill, killed) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let application = Application::build(settings).await.expect("builds");
                let address = application.local_addr().expect("address");
                tokio::spawn(application.run_until(std::future::pending()));
                ready.send(format!("http://{address}")).expect("ready");
            });
            // Until killed; then every task stops where it is.
            killed.recv().ok();
            runtime.shutdown_background();
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .expect("started");
        Instance {
            address,
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            kill.send(()).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A sandbox request to `instance`, as the sandbox page sends it.
async fn sandbox(instance: &Instance, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{path}", instance.address))
        .header("Origin", &instance.address)
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}

async fn a_deadline_fires_once_after_a_crash_with_two_instances_running(db: TestDb) {
    let mut settings = db.settings();
    settings.sandbox = true;
    let mut first = Instance::start(settings.clone());
    let store = atende_server::store::connect(&db.url, 2)
        .await
        .expect("store");
    let graph = format!("{}/sandbox/graph/v22.0/me/messages", first.address);
    bind_service_in(&store, PAGE, &graph, Some(TOKEN)).await;
    let customer = sandbox(
        &first,
        "/sandbox/api/customers",
        json!({ "name": "Tom Jobim", "has_profile": true }),
    )
    .await;
    let psid = customer["psid"].as_str().expect("psid").to_owned();
    sandbox(
        &first,
        "/sandbox/api/chat/text",
        json!({ "psid": psid, "page": PAGE, "text": "Oi?" }),
    )
    .await;
    // Nobody serves the page: the conversation waits with its queue wait deadline.
    let conversation: i64 = eventually(15, "the stored deadline", || async {
        sqlx::query_scalar("SELECT conversation_id FROM deadlines WHERE kind = 'queue_wait'")
            .fetch_optional(store.pool())
            .await
            .expect("deadline")
    })
    .await;

    first.kill();
    // Ten minutes pass while nothing runs.
    sqlx::query("UPDATE deadlines SET due_at = $1 WHERE conversation_id = $2")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .bind(conversation)
        .execute(store.pool())
        .await
        .expect("time passes");

    let _second = Instance::start(settings.clone());
    let third = spawn_app_with(db, settings).await;
    eventually(15, "the deadline fired", || async {
        let fired: Option<i64> = sqlx::query_scalar(
            "SELECT fired_at FROM deadlines WHERE conversation_id = $1 AND kind = 'queue_wait'",
        )
        .bind(conversation)
        .fetch_one(third.store.pool())
        .await
        .expect("deadline");
        fired
    })
    .await;
    // Both instances pass every second: give them a few passes to misbehave.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let queue_messages: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND author = 'system'",
    )
    .bind(conversation)
    .fetch_one(third.store.pool())
    .await
    .expect("count");
    assert_eq!(queue_messages, 1, "the queue message, once");
}
