//! Data kept for as long as the admin says: processed webhook bodies go after their retention
//! (30 days unless set), attachments of conversations closed longer ago than the media
//! retention (when one is set); failed and pending deliveries, and the messages, stay.

use atende_server::media::MediaFiles;
use atende_server::retention::{Pruned, Retention};
use atende_server::store::general_settings;
use chrono::{Duration, Utc};

use crate::helpers::{
    bind_service, customer_text, deliver_and_process, page_delivery, spawn_app, TestDb, PAGE_ID,
};
use crate::on_both_backends;

on_both_backends!(old_deliveries_and_files_go_after_their_retention);

const PAGE: &str = PAGE_ID;

fn text(mid: &str) -> String {
    page_delivery(PAGE, &customer_text(mid, "oi", 1733000000200))
}

async fn old_deliveries_and_files_go_after_their_retention(db: TestDb) {
    let files_dir = db.files.path().to_owned();
    let app = spawn_app(db).await;
    bind_service(
        &app,
        PAGE,
        "https://graph.facebook.com/v22.0/me/messages",
        None,
    )
    .await;
    let pool = app.store.pool();
    let now = Utc::now();
    for mid in ["m_old", "m_new"] {
        deliver_and_process(&app, &text(mid)).await;
    }
    let days_ago = |days: i64| (now - Duration::days(days)).timestamp_millis();
    sqlx::query("UPDATE webhook_deliveries SET processed_at = $1 WHERE id = (SELECT MIN(id) FROM webhook_deliveries)")
        .bind(days_ago(31))
        .execute(pool)
        .await
        .expect("age");
    // A set-aside delivery, however old, waits for an admin.
    sqlx::query(
        "INSERT INTO webhook_deliveries (channel, received_at, body, state, processed_at)
         VALUES ('messenger', $1, $2, 'failed', $1)",
    )
    .bind(days_ago(90))
    .bind(b"[]".to_vec())
    .execute(pool)
    .await
    .expect("failed delivery");
    // A stored attachment of the conversation, closed ten days ago.
    let files = MediaFiles::new(&files_dir);
    let key = files.write(b"bytes").await.expect("file");
    let message: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE mid = 'm_old'")
        .fetch_one(pool)
        .await
        .expect("message");
    sqlx::query(
        "INSERT INTO media (origin, message_id, status, storage_key, created_at)
         VALUES ('inbound', $1, 'stored', $2, 0)",
    )
    .bind(message)
    .bind(&key)
    .execute(pool)
    .await
    .expect("media");
    sqlx::query("UPDATE conversations SET status = 'closed', closed_at = $1")
        .bind(days_ago(10))
        .execute(pool)
        .await
        .expect("closed");

    let retention = Retention::new(app.store.clone(), files.clone());
    // Defaults: deliveries 30 days, media for ever.
    assert_eq!(
        retention.prune(now).await.expect("pass"),
        Pruned {
            deliveries: 1,
            files: 0
        }
    );
    assert!(files.path(&key).exists());
    general_settings::set(pool, "media_retention_days", "7", now)
        .await
        .expect("setting");
    assert_eq!(
        retention.prune(now).await.expect("pass"),
        Pruned {
            deliveries: 0,
            files: 1
        }
    );
    assert!(!files.path(&key).exists(), "the file is deleted");
    let (status, stored_key): (String, Option<String>) =
        sqlx::query_as("SELECT status, storage_key FROM media")
            .fetch_one(pool)
            .await
            .expect("media row");
    assert_eq!((status.as_str(), stored_key), ("failed", None));
    let left: Vec<String> = sqlx::query_scalar("SELECT state FROM webhook_deliveries ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("deliveries");
    assert_eq!(left, ["processed", "failed"]);
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(pool)
        .await
        .expect("messages");
    assert_eq!(messages, 2, "messages themselves are kept");
}
