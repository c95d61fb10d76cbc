//! The admin's schedules: checked (zone, intervals, holidays), versioned and audited, the
//! "open now?" preview, and services (and their groups) that use them.

use serde_json::{json, Value};

use crate::admin_services::{admin, post_json};
use crate::helpers::{client, TestDb};
use crate::on_both_backends;
use crate::sandbox::sandbox_app;

on_both_backends!(schedules_are_checked_previewed_and_used_by_services);

fn form(name: &str, zone: &str, intervals: Value, exceptions: Value) -> Value {
    json!({ "form": { "id": null, "name": name, "time_zone": zone, "intervals": intervals,
                      "exceptions": exceptions, "version": 0 } })
}

/// Every day, all day: open whenever the test runs.
fn always() -> Value {
    Value::Array(
        (0..7)
            .map(|day| json!({ "weekday": day, "start": "00:00", "end": "24:00" }))
            .collect(),
    )
}

async fn schedules_are_checked_previewed_and_used_by_services(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let weekdays = json!([{ "weekday": 0, "start": "08:00", "end": "12:00" },
                          { "weekday": 0, "start": "11:00", "end": "18:00" }]);
    let refused = [
        ("zone", form("Loja", "Mars/Olympus", json!([]), json!([]))),
        (
            "overlap",
            form("Loja", "America/Sao_Paulo", weekdays, json!([])),
        ),
        (
            "hour",
            form(
                "Loja",
                "America/Sao_Paulo",
                json!([{ "weekday": 1, "start": "25:00", "end": "26:00" }]),
                json!([]),
            ),
        ),
        (
            "date",
            form(
                "Loja",
                "America/Sao_Paulo",
                json!([]),
                json!([{ "date": "2026-02-30", "name": "?", "spans": [] }]),
            ),
        ),
        (
            "name",
            form("  ", "America/Sao_Paulo", json!([]), json!([])),
        ),
    ];
    for (case, body) in refused {
        let (status, answer) = post_json(&app, &admin, "save_schedule", body).await;
        assert_eq!(status, 422, "{case}: {answer}");
    }
    let (_, zone) = post_json(
        &app,
        &admin,
        "preview_schedule",
        form("x", "Nowhere/Land", json!([]), json!([])),
    )
    .await;
    assert_eq!(zone["Invalid"]["field"], "time_zone");

    let christmas = json!([{ "date": "2026-12-25", "name": "Natal", "spans": [] }]);
    let (status, id) = post_json(
        &app,
        &admin,
        "save_schedule",
        form("Sempre", "America/Sao_Paulo", always(), christmas),
    )
    .await;
    assert_eq!(status, 200, "{id}");
    let (status, preview) = post_json(
        &app,
        &admin,
        "preview_schedule",
        form("Sempre", "America/Sao_Paulo", always(), json!([])),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview, json!({ "open": true, "next_change": null }));
    let (_, closed) = post_json(
        &app,
        &admin,
        "preview_schedule",
        form("Nunca", "Europe/Lisbon", json!([]), json!([])),
    )
    .await;
    assert_eq!(closed, json!({ "open": false, "next_change": null }));
    let (status, taken) = post_json(
        &app,
        &admin,
        "save_schedule",
        form("sempre", "UTC", json!([]), json!([])),
    )
    .await;
    assert_eq!(
        (status, taken["Taken"]["field"].as_str()),
        (422, Some("name"))
    );

    // The sandbox page uses it; the list says so, and that it is open now.
    let service = crate::console::service_id(&app).await;
    let response = app
        .call(&admin, "admin/service", &[("id", &service.to_string())])
        .await;
    let mut detail: Value = response.json().await.expect("service");
    detail["schedule_id"] = id.clone();
    let (status, body) = post_json(&app, &admin, "save_service", json!({ "form": detail })).await;
    assert_eq!(status, 200, "{body}");
    let response = app
        .call(
            &admin,
            "admin/schedules",
            &[("search", "sem"), ("page", "1")],
        )
        .await;
    let list: Value = response.json().await.expect("list");
    assert_eq!(
        list["total"], 1,
        "found by a part of its name, whatever the case"
    );
    assert_eq!(list["schedules"][0]["name"], "Sempre");
    assert_eq!(list["schedules"][0]["open_now"], true);
    assert_eq!(list["schedules"][0]["services"], json!(["Loja Demo"]));

    // Edits are versioned; the stored document keeps the holiday.
    let response = app
        .call(&admin, "admin/schedule", &[("id", &id.to_string())])
        .await;
    let stored: Value = response.json().await.expect("schedule");
    assert_eq!(stored["exceptions"][0]["name"], "Natal");
    let mut rename = stored.clone();
    rename["name"] = json!("24 horas");
    let stale = stored.clone();
    assert_eq!(
        post_json(&app, &admin, "save_schedule", json!({ "form": rename }))
            .await
            .0,
        200
    );
    assert_eq!(
        post_json(&app, &admin, "save_schedule", json!({ "form": stale }))
            .await
            .0,
        409
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'schedule' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.as_i64())
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    assert_eq!(actions, ["create", "update"]);
    let visitor = client();
    assert_eq!(
        app.call(
            &visitor,
            "admin/schedules",
            &[("search", ""), ("page", "1")]
        )
        .await
        .status(),
        401
    );
}
