//! The admin's pause reasons: the console offers what the admin keeps active, at once.

use serde_json::Value;

use crate::console::{call, service_id, signed_in};
use crate::helpers::{agents_serving, client, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;
use crate::sandbox::sandbox_app;

on_both_backends!(the_console_offers_the_pause_reasons_the_admin_keeps_active);

async fn the_console_offers_the_pause_reasons_the_admin_keeps_active(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let admin = client();
    assert!(app
        .login(&admin, "admin", ADMIN_PASSWORD)
        .await
        .status()
        .is_success());
    let admin_call = |endpoint: &'static str, form: Vec<(&'static str, String)>| {
        let (app, admin) = (&app, &admin);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.call(admin, &format!("admin/{endpoint}"), &form).await;
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, id) = admin_call(
        "save_pause_reason",
        vec![("name", " Reunião ".into()), ("version", "0".into())],
    )
    .await;
    assert_eq!(status, 200, "{id}");
    let id = id.as_i64().expect("id");
    let (status, _) = admin_call(
        "save_pause_reason",
        vec![("name", "LUNCH".into()), ("version", "0".into())],
    )
    .await;
    assert_eq!(status, 422, "names are unique whatever the case");

    let ana = signed_in(&app, "ana").await;
    let (_, status) = call(&app, &ana, "status", &[]).await;
    assert!(status["pause_reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .any(|r| r == "Reunião"));
    let (code, _) = call(
        &app,
        &ana,
        "presence",
        &[("presence", "paused"), ("pause_reason", "Reunião")],
    )
    .await;
    assert_eq!(code, 200);

    // Deactivated: no longer offered, no longer accepted; a stale version is refused.
    let (status, _) = admin_call(
        "set_pause_reason_active",
        vec![
            ("id", id.to_string()),
            ("active", "false".into()),
            ("version", "1".into()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = admin_call(
        "set_pause_reason_active",
        vec![
            ("id", id.to_string()),
            ("active", "true".into()),
            ("version", "1".into()),
        ],
    )
    .await;
    assert_eq!(status, 409);
    let (_, status) = call(&app, &ana, "status", &[]).await;
    assert!(!status["pause_reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .any(|r| r == "Reunião"));
    let (code, _) = call(
        &app,
        &ana,
        "presence",
        &[("presence", "paused"), ("pause_reason", "Reunião")],
    )
    .await;
    assert_eq!(code, 422);
    assert_eq!(
        app.call(&ana, "admin/pause_reasons", &[]).await.status(),
        403
    );
}
