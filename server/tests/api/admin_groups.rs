//! The admin's group pages: create and edit with validation and versions, the audit log,
//! and routing that follows a group change at once (no restart).

use serde_json::{json, Value};

use crate::console::{call, service_id, signed_in, tiles};
use crate::helpers::{agents_serving, client, eventually, TestApp, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;
use crate::sandbox::{customer_says, new_customer, sandbox_app};

on_both_backends!(
    a_new_group_serving_the_service_brings_its_agent_the_next_conversation,
    group_forms_are_validated_versioned_and_audited,
);

async fn admin(app: &TestApp) -> reqwest::Client {
    let admin = client();
    assert!(app
        .login(&admin, "admin", ADMIN_PASSWORD)
        .await
        .status()
        .is_success());
    admin
}

async fn save(app: &TestApp, who: &reqwest::Client, form: Value) -> (u16, Value) {
    let response = who
        .post(app.url("/api/admin/save_group"))
        .header("Origin", &app.address)
        .json(&json!({ "form": form }))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_new_group_serving_the_service_brings_its_agent_the_next_conversation(db: TestDb) {
    let app = sandbox_app(db).await;
    let service = service_id(&app).await;
    let pool = app.store.pool();
    // Lia is an agent in no group: nothing reaches her.
    let lia = app
        .create_user("lia", app::model::Role::Agent, "agent-password-2026")
        .await;
    let console = signed_in(&app, "lia").await;
    call(&app, &console, "presence", &[("presence", "operating")]).await;
    let first = new_customer(&app, "Davi Luz", true).await;
    customer_says(&app, &first, "primeira").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(tiles(&app, &console).await.is_empty());

    // The admin creates a group with Lia that serves the page: the waiting chat is hers.
    let admin = admin(&app).await;
    let form = json!({ "id": null, "name": "Suporte", "member_ids": [lia],
                       "service_ids": [service], "version": 0 });
    let (status, id) = save(&app, &admin, form).await;
    assert_eq!(status, 200, "{id}");
    eventually(10, "Lia's chat", || async {
        tiles(&app, &console).await.into_iter().next()
    })
    .await;
    let response = app
        .call(&admin, "admin/groups", &[("search", ""), ("page", "1")])
        .await;
    let groups: Value = response.json().await.expect("groups");
    assert_eq!(groups["total"], 1);
    assert_eq!(groups["groups"][0]["members"], json!(["User lia"]));
    let services: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM service_groups WHERE group_id = $1")
            .bind(id.as_i64())
            .fetch_one(pool)
            .await
            .expect("count");
    assert_eq!(services, 1);
}

async fn group_forms_are_validated_versioned_and_audited(db: TestDb) {
    let app = sandbox_app(db).await;
    let service = service_id(&app).await;
    agents_serving(&app, service, &["ana"], 8).await;
    let admin = admin(&app).await;
    let blank =
        json!({ "id": null, "name": "  ", "member_ids": [], "service_ids": [], "version": 0 });
    assert_eq!(save(&app, &admin, blank).await.0, 422);
    let taken = json!({ "id": null, "name": "atendimento", "member_ids": [], "service_ids": [], "version": 0 });
    assert_eq!(
        save(&app, &admin, taken).await.0,
        422,
        "names are unique, whatever the case"
    );
    let stranger = json!({ "id": null, "name": "Vendas", "member_ids": [999_999], "service_ids": [], "version": 0 });
    assert_eq!(save(&app, &admin, stranger).await.0, 422);
    let nowhere = json!({ "id": null, "name": "Vendas", "member_ids": [], "service_ids": [999_999], "version": 0 });
    assert_eq!(save(&app, &admin, nowhere).await.0, 422);

    let (status, id) = save(
        &app,
        &admin,
        json!({ "id": null, "name": "Vendas", "member_ids": [],
                                                  "service_ids": [service], "version": 0 }),
    )
    .await;
    assert_eq!(status, 200);
    let id = id.as_i64().expect("id");
    let response = app
        .call(&admin, "admin/group", &[("id", &id.to_string())])
        .await;
    let detail: Value = response.json().await.expect("detail");
    let mut rename = detail.clone();
    rename["name"] = json!("Vendas Online");
    let mut stale = detail.clone();
    stale["name"] = json!("Vendas Loja");
    assert_eq!(save(&app, &admin, rename).await.0, 200);
    assert_eq!(save(&app, &admin, stale).await.0, 409);
    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, changes FROM audit_log WHERE entity = 'group' AND entity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    assert_eq!(audit.len(), 2);
    let update: Value = serde_json::from_str(&audit[1].1).expect("JSON");
    assert_eq!(update, json!({ "name": ["Vendas", "Vendas Online"] }));

    // Agents have no say here.
    let ana = signed_in(&app, "ana").await;
    assert_eq!(
        app.call(&ana, "admin/groups", &[("search", ""), ("page", "1")])
            .await
            .status(),
        403
    );
}
