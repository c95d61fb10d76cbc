//! The admin's service pages: a service created in the admin answers its customers at once
//! (its sealed token, its groups); the tabs are validated, versioned and audited; the token
//! never comes back; "Test connection" asks the Graph API whose token it is; delete rules.

use serde_json::{json, Value};

use crate::console::{call, signed_in, tiles};
use crate::helpers::{client, eventually, TestApp, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;
use crate::sandbox::{new_customer, sandbox, sandbox_app, PAGE};

on_both_backends!(
    a_service_created_in_the_admin_answers_its_customers_at_once,
    service_forms_are_validated_versioned_and_audited,
    test_connection_says_whose_token_it_is,
    a_stored_token_never_goes_to_another_host,
    services_list_filters_and_delete_rules,
);

const SECOND_PAGE: &str = "100000000000002";
const SECOND_TOKEN: &str = "second-page-token-2026";

pub async fn admin(app: &TestApp) -> reqwest::Client {
    let admin = client();
    let response = app.login(&admin, "admin", ADMIN_PASSWORD).await;
    assert!(response.status().is_success());
    admin
}

/// POSTs JSON to an admin server function; (status, body).
pub async fn post_json(
    app: &TestApp,
    who: &reqwest::Client,
    endpoint: &str,
    body: Value,
) -> (u16, Value) {
    let response = who
        .post(app.url(&format!("/api/admin/{endpoint}")))
        .header("Origin", &app.address)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A valid new-service form for the second sandbox page.
fn second_page(app: &TestApp, groups: Value) -> Value {
    json!({
        "id": null, "name": "Loja Dois", "channel": "messenger", "cifra": SECOND_PAGE,
        "active": true, "integration_url": app.url("/sandbox/graph/v19.0/me/messages"),
        "access_token": SECOND_TOKEN, "groups": groups, "schedule_id": null,
        "policy": {}, "version": 0
    })
}

async fn detail(app: &TestApp, who: &reqwest::Client, id: i64) -> Value {
    let response = app
        .call(who, "admin/service", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("detail")
}

async fn a_service_created_in_the_admin_answers_its_customers_at_once(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let lia = app
        .create_user("lia", app::model::Role::Agent, "agent-password-2026")
        .await;
    let group = json!({ "form": { "id": null, "name": "Loja Dois", "member_ids": [lia],
                                  "service_ids": [], "version": 0 } });
    let (status, group) = post_json(&app, &admin, "save_group", group).await;
    assert_eq!(status, 200, "{group}");
    let groups = json!([{ "group_id": group, "schedule_id": null }]);
    let (status, id) = post_json(
        &app,
        &admin,
        "save_service",
        json!({ "form": second_page(&app, groups) }),
    )
    .await;
    assert_eq!(status, 200, "{id}");

    // The token is sealed at rest and never comes back.
    let shown = detail(&app, &admin, id.as_i64().expect("id")).await;
    assert_eq!(shown["token_set"], true);
    assert!(!shown.to_string().contains(SECOND_TOKEN));
    let sealed: String =
        sqlx::query_scalar("SELECT access_token_sealed FROM services WHERE cifra = $1")
            .bind(SECOND_PAGE)
            .fetch_one(app.store.pool())
            .await
            .expect("sealed");
    assert!(!sealed.contains(SECOND_TOKEN));

    // A customer of the new page reaches Lia, and her answer reaches the customer through
    // the new page's token, without a restart.
    let console = signed_in(&app, "lia").await;
    call(&app, &console, "presence", &[("presence", "operating")]).await;
    let psid = new_customer(&app, "Rita Reis", true).await;
    let said = json!({ "psid": psid, "page": SECOND_PAGE, "text": "Oi, loja dois?" });
    sandbox(&app, reqwest::Method::POST, "/sandbox/api/chat/text", said).await;
    let tile = eventually(15, "Lia's tile", || async {
        tiles(&app, &console).await.into_iter().next()
    })
    .await;
    let conversation = tile["id"].as_i64().expect("conversation").to_string();
    let (status, body) = call(
        &app,
        &console,
        "send",
        &[
            ("conversation", &conversation),
            ("text", "Sim, pode falar!"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let path = format!("/sandbox/api/chat?psid={psid}&page={SECOND_PAGE}");
    eventually(15, "the answer in the customer's chat", || async {
        let chat = sandbox(&app, reqwest::Method::GET, &path, Value::Null).await;
        let messages = chat["messages"].as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .any(|m| m["text"] == "Sim, pode falar!")
            .then_some(())
    })
    .await;
}

async fn service_forms_are_validated_versioned_and_audited(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let cases = [
        ("cifra", json!("facebook.com/loja")),
        (
            "integration_url",
            json!("ftp://graph.facebook.com/v19.0/me/messages"),
        ),
        ("access_token", json!("two words")),
        (
            "groups",
            json!([{ "group_id": 999_999, "schedule_id": null }]),
        ),
        ("schedule_id", json!(999_999)),
        (
            "policy",
            json!({ "survey": { "kind": "custom", "questions": [] } }),
        ),
        (
            "policy",
            json!({ "messages": { "closing": { "pt_br": "Tchau {cliente}" } } }),
        ),
        (
            "policy",
            json!({ "times": { "queue_wait_minutes": 100000 } }),
        ),
        (
            "policy",
            json!({ "classification": { "codes": [], "required": true } }),
        ),
    ];
    for (field, value) in cases {
        let mut form = second_page(&app, json!([]));
        form[field] = value.clone();
        let (status, body) = post_json(&app, &admin, "save_service", json!({ "form": form })).await;
        assert_eq!(status, 422, "{field} = {value}: {body}");
    }
    let mut taken = second_page(&app, json!([]));
    taken["cifra"] = json!(PAGE);
    let (status, body) = post_json(&app, &admin, "save_service", json!({ "form": taken })).await;
    assert_eq!(
        (status, body["Taken"]["field"].as_str()),
        (422, Some("cifra"))
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM services")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(count, 1, "nothing half-saved");

    let mut form = second_page(&app, json!([]));
    form["policy"] = json!({
        "times": { "queue_wait_minutes": 5, "wrap_up_seconds": 30 },
        "survey": { "kind": "custom", "questions": [
            { "text": { "pt_br": "De 1 a 5, que nota?", "en": "From 1 to 5?" }, "answer": "scale" },
            { "text": { "pt_br": "Resolvemos?", "en": "" }, "answer": "yes_no" } ] },
        "messages": { "closing": { "pt_br": "Encerrado por {agent} em {date}. Protocolo {protocol}", "en": "" } },
        "classification": { "codes": ["Venda", "Dúvida"], "required": true }
    });
    let (status, id) = post_json(&app, &admin, "save_service", json!({ "form": form })).await;
    assert_eq!(status, 200, "{id}");
    let id = id.as_i64().expect("id");
    let shown = detail(&app, &admin, id).await;
    assert_eq!(shown["policy"]["times"]["queue_wait_minutes"], 5);
    assert_eq!(
        shown["policy"]["survey"]["questions"][1]["answer"],
        "yes_no"
    );
    assert_eq!(
        shown["policy"]["classification"]["codes"],
        json!(["Venda", "Dúvida"])
    );

    // Two admins: the second save names the old version and is refused.
    let mut first = shown.clone();
    first["name"] = json!("Loja Dois Online");
    first["access_token"] = Value::Null;
    let mut second = first.clone();
    second["name"] = json!("Loja Dois Centro");
    assert_eq!(
        post_json(&app, &admin, "save_service", json!({ "form": first }))
            .await
            .0,
        200
    );
    assert_eq!(
        post_json(&app, &admin, "save_service", json!({ "form": second }))
            .await
            .0,
        409
    );
    let after = detail(&app, &admin, id).await;
    assert_eq!(after["name"], "Loja Dois Online");
    assert_eq!(
        after["token_set"], true,
        "an empty token keeps the stored one"
    );

    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, changes FROM audit_log WHERE entity = 'service' AND entity_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.store.pool())
    .await
    .expect("audit");
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].0, "create");
    assert!(audit[0].1.contains("\"access_token\":[null,\"replaced\"]"));
    assert!(audit
        .iter()
        .all(|(_, changes)| !changes.contains(SECOND_TOKEN)));
    let update: Value = serde_json::from_str(&audit[1].1).expect("json");
    assert_eq!(update["name"], json!(["Loja Dois", "Loja Dois Online"]));
    assert!(update.get("policy").is_none(), "only what changed");

    // Agents cannot reach the admin; visitors must sign in.
    app.create_user("bia", app::model::Role::Agent, "agent-password-2026")
        .await;
    let agent = signed_in(&app, "bia").await;
    let form = json!({ "form": second_page(&app, json!([])) });
    assert_eq!(
        post_json(&app, &agent, "save_service", form.clone())
            .await
            .0,
        403
    );
    assert_eq!(
        post_json(&app, &client(), "save_service", form).await.0,
        401
    );
}

async fn test_connection_says_whose_token_it_is(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let (status, id) = post_json(
        &app,
        &admin,
        "save_service",
        json!({ "form": second_page(&app, json!([])) }),
    )
    .await;
    assert_eq!(status, 200, "{id}");
    let url = app.url("/sandbox/graph/v19.0/me/messages");
    let check = |token: Value, cifra: &str| json!({ "id": id, "integration_url": url, "cifra": cifra, "token": token });
    let (status, stored) = post_json(
        &app,
        &admin,
        "test_connection",
        check(Value::Null, SECOND_PAGE),
    )
    .await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored, json!({ "Matches": { "name": "Loja Dois" } }));
    let (_, other) = post_json(
        &app,
        &admin,
        "test_connection",
        check(json!("sandbox-page-token"), SECOND_PAGE),
    )
    .await;
    assert_eq!(other["OtherPage"]["id"], PAGE);
    let (_, refused) = post_json(
        &app,
        &admin,
        "test_connection",
        check(json!("nonsense"), SECOND_PAGE),
    )
    .await;
    assert!(refused["Refused"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("access token")));
    let nowhere = json!({ "id": null, "integration_url": "http://127.0.0.1:9/v19.0/me/messages",
                          "cifra": SECOND_PAGE, "token": "x" });
    let (_, unreachable) = post_json(&app, &admin, "test_connection", nowhere).await;
    assert_eq!(unreachable, json!("Unreachable"));
    let untyped =
        json!({ "id": null, "integration_url": url, "cifra": SECOND_PAGE, "token": null });
    assert_eq!(
        post_json(&app, &admin, "test_connection", untyped).await.1,
        json!("NoToken")
    );
}

async fn services_list_filters_and_delete_rules(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    for n in 0..30 {
        let mut form = second_page(&app, json!([]));
        form["name"] = json!(format!("Filial {n:02}"));
        form["cifra"] = json!(format!("2000{n:02}"));
        form["channel"] = json!(if n % 3 == 0 { "instagram" } else { "messenger" });
        form["active"] = json!(n % 2 == 0);
        let (status, body) = post_json(&app, &admin, "save_service", json!({ "form": form })).await;
        assert_eq!(status, 200, "{body}");
    }
    let list = |search: &str, channel: Value, active: Value, page: i64| json!({ "filter": { "search": search, "channel": channel, "active": active, "page": page } });
    let (_, first) = post_json(
        &app,
        &admin,
        "services",
        list("", Value::Null, Value::Null, 1),
    )
    .await;
    assert_eq!(
        (
            first["total"].as_i64(),
            first["services"].as_array().map(Vec::len)
        ),
        (Some(31), Some(25))
    );
    let (_, second) = post_json(
        &app,
        &admin,
        "services",
        list("", Value::Null, Value::Null, 2),
    )
    .await;
    assert_eq!(second["services"].as_array().map(Vec::len), Some(6));
    let (_, instagram) = post_json(
        &app,
        &admin,
        "services",
        list("filial", json!("instagram"), json!(true), 1),
    )
    .await;
    let names: Vec<&str> = instagram["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Filial 00",
            "Filial 06",
            "Filial 12",
            "Filial 18",
            "Filial 24"
        ]
    );
    let (_, by_cifra) = post_json(
        &app,
        &admin,
        "services",
        list("200029", Value::Null, Value::Null, 1),
    )
    .await;
    assert_eq!(by_cifra["services"][0]["name"], "Filial 29");

    // The sandbox page has had a customer: it can only be deactivated. An unused one goes.
    let psid = new_customer(&app, "Caio Dias", true).await;
    crate::sandbox::customer_says(&app, &psid, "oi").await;
    let page_service = crate::console::service_id(&app).await;
    eventually(15, "the conversation", || async {
        detail(&app, &admin, page_service).await["has_conversations"]
            .as_bool()
            .filter(|has| *has)
    })
    .await;
    let used = detail(&app, &admin, page_service).await;
    let delete = |id: &Value, version: &Value| {
        vec![("id", id.to_string()), ("version", version.to_string())]
    };
    let form = delete(&used["id"], &used["version"]);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call(&admin, "admin/delete_service", &refs).await;
    assert_eq!(response.status(), 409);
    let unused = &second["services"][0];
    let shown = detail(&app, &admin, unused["id"].as_i64().expect("id")).await;
    let form = delete(&shown["id"], &shown["version"]);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.call(&admin, "admin/delete_service", &refs).await;
    assert_eq!(response.status(), 200);
    let response = app
        .call(&admin, "admin/service", &[("id", &shown["id"].to_string())])
        .await;
    assert_eq!(response.status(), 404);
}

/// A listener on an address the tests' allowlist does not hold (127.0.0.2), recording the
/// request line of everything that reaches it.
async fn listener() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("listener");
    let address = socket.local_addr().expect("address");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = socket.accept().await {
            let mut buffer = vec![0; 8192];
            let read = stream.read(&mut buffer).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&buffer[..read]).to_string();
            if let Ok(mut seen) = record.lock() {
                seen.push(text.lines().next().unwrap_or_default().to_owned());
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 26\r\n\r\n{\"id\":\"1\",\"name\":\"evil\"}")
                .await;
        }
    });
    (format!("http://{address}/v19.0/me/messages"), seen)
}

/// A supervisor could once type any URL in Test connection and have Atende send the
/// service's stored page token there.
async fn a_stored_token_never_goes_to_another_host(db: TestDb) {
    let app = sandbox_app(db).await;
    let admin = admin(&app).await;
    let (status, id) = post_json(
        &app,
        &admin,
        "save_service",
        json!({ "form": second_page(&app, json!([])) }),
    )
    .await;
    assert_eq!(status, 200, "{id}");
    app.create_user("sara", app::model::Role::Supervisor, "sara-password-2026")
        .await;
    let supervisor = client();
    app.login(&supervisor, "sara", "sara-password-2026").await;
    let (evil, seen) = listener().await;
    let check = |token: Value| json!({ "id": id, "integration_url": evil, "cifra": SECOND_PAGE, "token": token });

    // A host outside the allowlist: refused before any request, token or not.
    let (status, body) = post_json(&app, &supervisor, "test_connection", check(Value::Null)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["HostNotAllowed"]["host"], "127.0.0.2", "{body}");
    let (status, _) = post_json(&app, &supervisor, "test_connection", check(json!("typed"))).await;
    assert_eq!(status, 422);
    let mut form = second_page(&app, json!([]));
    form["id"] = id.clone();
    form["version"] = json!(1);
    form["integration_url"] = json!(evil);
    form["access_token"] = Value::Null;
    let (status, body) = post_json(
        &app,
        &admin,
        "save_service",
        json!({ "form": form.clone() }),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // An admin allows the host: the stored token still stays with the host it was given for.
    let settings: Value = app
        .call(&admin, "admin/settings", &[])
        .await
        .json()
        .await
        .expect("settings");
    let allow = json!({ "form": {
        "external_url": settings["external_url"], "internal_url": "", "app_secret": null,
        "attachment_max_mb": 25, "sandbox_enabled": true, "graph_hosts": "127.0.0.2",
        "delivery_retention_days": 30, "media_retention_days": 0,
        "version": settings["version"] } });
    let (status, body) = post_json(&app, &admin, "save_settings", allow).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_json(&app, &supervisor, "test_connection", check(Value::Null)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body, json!({ "Required": { "field": "access_token" } }));
    let (status, body) = post_json(
        &app,
        &admin,
        "save_service",
        json!({ "form": form.clone() }),
    )
    .await;
    assert_eq!(
        status, 422,
        "moving the stored token needs it typed again: {body}"
    );
    assert_eq!(body, json!({ "Required": { "field": "access_token" } }));
    assert!(
        seen.lock().expect("seen").is_empty(),
        "nothing reached the listener"
    );

    // Typed again, it goes there (it is the typer's own token).
    let (status, _) = post_json(
        &app,
        &supervisor,
        "test_connection",
        check(json!("typed-token")),
    )
    .await;
    assert_eq!(status, 200);
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("access_token=typed-token"), "{seen:?}");
    assert!(!seen[0].contains(SECOND_TOKEN), "{seen:?}");
}
