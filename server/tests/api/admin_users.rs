//! The admin's user pages through their server functions: create and edit with validation,
//! the version check, the audit log, roles, disabling, and a change routing uses at once.

use serde_json::{json, Value};

use crate::console::{call, service_id, signed_in, tiles};
use crate::helpers::{agents_serving, client, eventually, TestApp, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;
use crate::sandbox::{customer_says, new_customer, sandbox_app};

on_both_backends!(
    an_agent_created_in_the_admin_takes_the_next_conversation,
    bad_input_is_refused_field_by_field_and_nothing_is_saved,
    a_second_save_of_the_same_version_is_refused_and_changes_are_audited,
    supervisors_do_not_manage_admins_and_agents_manage_nobody,
    disabling_a_user_ends_their_sessions_and_returns_their_chats,
);

async fn admin(app: &TestApp) -> reqwest::Client {
    let admin = client();
    let response = app.login(&admin, "admin", ADMIN_PASSWORD).await;
    assert!(response.status().is_success());
    admin
}

/// `admin/save_user` takes JSON: the form carries a list and optional fields.
async fn save(app: &TestApp, who: &reqwest::Client, form: Value) -> (u16, Value) {
    let response = who
        .post(app.url("/api/admin/save_user"))
        .header("Origin", &app.address)
        .json(&json!({ "form": form }))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn admin_call(
    app: &TestApp,
    who: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = app.call(who, &format!("admin/{endpoint}"), form).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn new_agent(username: &str, groups: &[i64]) -> Value {
    json!({
        "id": null, "username": username, "display_name": "Dora Alves", "role": "agent",
        "locale": "pt-BR", "positions": 3, "answer_mode": "automatic", "group_ids": groups,
        "password": "dora-password-2026", "version": 0
    })
}

async fn group_named(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agent_groups WHERE name = $1")
        .bind(name)
        .fetch_one(app.store.pool())
        .await
        .expect("group")
}

async fn an_agent_created_in_the_admin_takes_the_next_conversation(db: TestDb) {
    let app = sandbox_app(db).await;
    agents_serving(&app, service_id(&app).await, &[], 8).await;
    let group = group_named(&app, "Atendimento").await;
    let admin = admin(&app).await;
    let (status, id) = save(&app, &admin, new_agent("dora", &[group])).await;
    assert_eq!(status, 200, "{id}");
    let (status, page) =
        admin_call(&app, &admin, "users", &[("search", "DORA"), ("page", "1")]).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["users"][0]["groups"], json!(["Atendimento"]));
    assert_eq!(page["users"][0]["positions"], 3);

    // No restart: she signs in, goes Operating, and the next customer reaches her.
    let dora = client();
    assert!(app
        .login(&dora, "dora", "dora-password-2026")
        .await
        .status()
        .is_success());
    call(&app, &dora, "presence", &[("presence", "operating")]).await;
    let customer = new_customer(&app, "Ciro Prado", true).await;
    customer_says(&app, &customer, "olá").await;
    eventually(10, "Dora's chat", || async {
        tiles(&app, &dora).await.into_iter().next()
    })
    .await;
    let (_, status) = call(&app, &dora, "status", &[]).await;
    assert_eq!(status["positions"], 3);
}

async fn bad_input_is_refused_field_by_field_and_nothing_is_saved(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let cases = [
        ("username", json!("Ana Maria!"), "username"),
        ("display_name", json!(""), "display_name"),
        ("password", json!("short"), "WeakPassword"),
        ("password", json!("password1234"), "WeakPassword"),
        ("positions", json!(9), "positions"),
        ("group_ids", json!([999_999]), "groups"),
        ("locale", json!("fr"), "locale"),
    ];
    for (field, value, reported) in cases {
        let mut form = new_agent("dora", &[]);
        form[field] = value;
        let (status, body) = save(&app, &admin, form).await;
        assert_eq!(status, 422, "{field}: {body}");
        assert!(body.to_string().contains(reported), "{field}: {body}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = 'dora'")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(stored, 0);
    assert_eq!(save(&app, &admin, new_agent("dora", &[])).await.0, 200);
    let (status, body) = save(&app, &admin, new_agent("dora", &[])).await;
    assert_eq!(status, 422, "taken: {body}");
}

async fn a_second_save_of_the_same_version_is_refused_and_changes_are_audited(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let (_, id) = save(&app, &admin, new_agent("dora", &[])).await;
    let id = id.as_i64().expect("id");
    let (_, detail) = admin_call(&app, &admin, "user", &[("id", &id.to_string())]).await;
    let version = detail["version"].as_i64().expect("version");
    let mut first = detail.clone();
    first["display_name"] = json!("Dora A. Alves");
    first["positions"] = json!(5);
    first["password"] = Value::Null;
    let mut second = first.clone();
    second["display_name"] = json!("Dorinha");
    assert_eq!(save(&app, &admin, first).await.0, 200);
    let (status, body) = save(&app, &admin, second).await;
    assert_eq!(status, 409, "{body}");
    let (_, now) = admin_call(&app, &admin, "user", &[("id", &id.to_string())]).await;
    assert_eq!(now["display_name"], "Dora A. Alves");
    assert_eq!(now["version"], version + 1);

    let changes: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, changes FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].0, "create");
    assert!(
        !changes[0].1.contains("dora-password"),
        "no secrets in the audit log"
    );
    let update: Value = serde_json::from_str(&changes[1].1).expect("JSON");
    assert_eq!(
        update["display_name"],
        json!(["Dora Alves", "Dora A. Alves"])
    );
    assert_eq!(update["positions"], json!([3, 5]));
    assert!(
        update.get("locale").is_none(),
        "only what changed: {update}"
    );
    // The audit page shows it, newest first, with who did it.
    let (status, entries) = admin_call(&app, &admin, "audit", &[]).await;
    assert_eq!(status, 200, "{entries}");
    assert_eq!(entries[0]["action"], "update");
    assert_eq!(entries[0]["entity_id"], id);
    assert!(entries[0]["actor"].is_string(), "{entries}");
    let older = entries[0]["id"].to_string();
    let (_, before) = admin_call(&app, &admin, "audit", &[("before", &older)]).await;
    assert_eq!(before[0]["action"], "create");
}

async fn supervisors_do_not_manage_admins_and_agents_manage_nobody(db: TestDb) {
    let app = sandbox_app(db).await;
    app.create_user("sara", app::model::Role::Supervisor, "agent-password-2026")
        .await;
    let sara = signed_in(&app, "sara").await;
    let (status, page) = admin_call(&app, &sara, "users", &[("search", ""), ("page", "1")]).await;
    assert_eq!(status, 200);
    let roles: Vec<&str> = page["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["role"].as_str())
        .collect();
    assert!(!roles.contains(&"admin"), "{roles:?}");
    let admin_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(app.store.pool())
        .await
        .expect("admin");
    assert_eq!(
        admin_call(&app, &sara, "user", &[("id", &admin_id.to_string())])
            .await
            .0,
        403
    );
    let mut promote = new_agent("dora", &[]);
    promote["role"] = json!("admin");
    assert_eq!(save(&app, &sara, promote).await.0, 403);
    assert_eq!(save(&app, &sara, new_agent("dora", &[])).await.0, 200);

    agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let ana = signed_in(&app, "ana").await;
    assert_eq!(
        admin_call(&app, &ana, "users", &[("search", ""), ("page", "1")])
            .await
            .0,
        403
    );
    assert_eq!(save(&app, &ana, new_agent("eva", &[])).await.0, 403);
    assert_eq!(
        admin_call(&app, &client(), "users", &[("search", ""), ("page", "1")])
            .await
            .0,
        401
    );
}

async fn disabling_a_user_ends_their_sessions_and_returns_their_chats(db: TestDb) {
    let app = sandbox_app(db).await;
    let ids = agents_serving(&app, service_id(&app).await, &["ana"], 8).await;
    let ana = signed_in(&app, "ana").await;
    call(&app, &ana, "presence", &[("presence", "operating")]).await;
    let customer = new_customer(&app, "Rosa Lima", true).await;
    customer_says(&app, &customer, "oi").await;
    eventually(10, "Ana's chat", || async {
        tiles(&app, &ana).await.into_iter().next()
    })
    .await;

    let admin = admin(&app).await;
    let id = ids[0].to_string();
    let (_, detail) = admin_call(&app, &admin, "user", &[("id", &id)]).await;
    let version = detail["version"].as_i64().expect("version").to_string();
    let form = [
        ("id", id.as_str()),
        ("active", "false"),
        ("version", version.as_str()),
    ];
    let (status, body) = admin_call(&app, &admin, "set_user_active", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(&app, &ana, "conversations", &[]).await.0, 401);
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE status = 'queued'")
            .fetch_one(app.store.pool())
            .await
            .expect("queue");
    assert_eq!(queued, 1);
    // The same stale version again: refused.
    assert_eq!(
        admin_call(&app, &admin, "set_user_active", &form).await.0,
        409
    );
    // An admin cannot disable themselves.
    let me: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(app.store.pool())
        .await
        .expect("admin");
    let (_, mine) = admin_call(&app, &admin, "user", &[("id", &me.to_string())]).await;
    let own = [
        ("id", me.to_string()),
        ("active", "false".into()),
        ("version", mine["version"].to_string()),
    ];
    let own: Vec<(&str, &str)> = own.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin_call(&app, &admin, "set_user_active", &own).await.0,
        403
    );
}
