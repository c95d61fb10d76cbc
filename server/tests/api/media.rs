//! Attachments both ways through the sandbox: a customer's image is downloaded into the
//! attachment storage and shown to signed-in users only; an agent's upload reaches the
//! customer through an unguessable public URL; profile pictures are kept locally.

use app::model::Role;
use atende_server::conversation::outbox::{queue_agent_media, OutboundAttachment};
use chrono::Utc;

use crate::helpers::{agents_serving, client, eventually, TestApp, TestDb, ADMIN_PASSWORD};
use crate::on_both_backends;
use crate::sandbox::{chat, conversation_with, message_state, new_customer, sandbox_app, PAGE};

on_both_backends!(
    a_customers_image_is_kept_and_shown_to_signed_in_users_only,
    an_agents_upload_reaches_the_customer,
    uploads_are_for_signed_in_users_and_known_types_only,
    the_customers_profile_picture_is_kept_locally,
    an_attachment_is_served_only_to_those_who_may_see_its_conversation,
);

/// Not a real PNG: nothing in the chain decodes images, and the bytes must come back as sent.
const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\nnot-really-an-image-but-bytes-that-must-survive";

/// The sandbox customer `psid` sends `IMAGE` to the page.
async fn customer_sends_image(app: &TestApp, psid: &str) {
    let response = app
        .client
        .post(app.url(&format!("/sandbox/api/chat/image?psid={psid}&page={PAGE}")))
        .header("Origin", &app.address)
        .header("Content-Type", "image/png")
        .body(IMAGE.to_vec())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
}

async fn signed_in_agent(app: &TestApp) -> reqwest::Client {
    app.create_user("ana", Role::Agent, "ana-password-2026")
        .await;
    let agent = client();
    let response = app.login(&agent, "ana", "ana-password-2026").await;
    assert!(response.status().is_success() || response.status().is_redirection());
    agent
}

async fn a_customers_image_is_kept_and_shown_to_signed_in_users_only(db: TestDb) {
    let app = sandbox_app(db).await;
    let psid = new_customer(&app, "Maria Oliveira", true).await;
    customer_sends_image(&app, &psid).await;
    let media_id: i64 = eventually(10, "the image to be stored", || async {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT m.id, m.status FROM media m JOIN messages g ON g.id = m.message_id
             WHERE m.origin = 'inbound'",
        )
        .fetch_optional(app.store.pool())
        .await
        .expect("media");
        row.filter(|(_, status)| status == "stored")
            .map(|(id, _)| id)
    })
    .await;
    let path = format!("/media/{media_id}");
    let anonymous = app.client.get(app.url(&path)).send().await.expect("sent");
    assert_eq!(anonymous.status(), 401);
    let admin = client();
    app.login(&admin, "admin", ADMIN_PASSWORD).await;
    let file = admin.get(app.url(&path)).send().await.expect("sent");
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.headers()["content-disposition"], "inline");
    assert_eq!(file.bytes().await.expect("bytes").as_ref(), IMAGE);
}

async fn an_agents_upload_reaches_the_customer(db: TestDb) {
    let app = sandbox_app(db).await;
    let (psid, conversation) = conversation_with(&app, "João Pereira").await;
    let agent = signed_in_agent(&app).await;
    let uploaded: serde_json::Value = agent
        .post(app.url("/media"))
        .header("Origin", &app.address)
        .header("Content-Type", "image/png")
        .body(IMAGE.to_vec())
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let media_id = uploaded["id"].as_i64().expect("id");
    let attachment = OutboundAttachment {
        kind: "image".to_owned(),
        media_id,
    };
    let message = queue_agent_media(&app.store, conversation, &attachment, Utc::now())
        .await
        .expect("queued");
    let shown = eventually(10, "the image in the sandbox", || async {
        chat(&app, &psid)
            .await
            .into_iter()
            .find(|m| m["author"] == "page")
    })
    .await;
    assert_eq!(shown["attachment_kind"], "image");
    // The sandbox downloaded it from our public URL, as Meta does.
    let copy = app
        .client
        .get(app.url(shown["attachment_url"].as_str().expect("url")))
        .send()
        .await
        .expect("sent");
    assert_eq!(copy.bytes().await.expect("bytes").as_ref(), IMAGE);
    eventually(10, "the message to be sent", || async {
        let status = message_state(&app, message).await.0;
        (status == "sent" || status == "delivered").then_some(())
    })
    .await;
}

async fn uploads_are_for_signed_in_users_and_known_types_only(db: TestDb) {
    let app = sandbox_app(db).await;
    let anonymous = app
        .client
        .post(app.url("/media"))
        .header("Origin", &app.address)
        .header("Content-Type", "image/png")
        .body(IMAGE.to_vec())
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), 401);
    let agent = signed_in_agent(&app).await;
    let html = agent
        .post(app.url("/media"))
        .header("Origin", &app.address)
        .header("Content-Type", "text/html")
        .body("<script>alert(1)</script>")
        .send()
        .await
        .expect("sent");
    assert_eq!(html.status(), 415);
    let body: serde_json::Value = html.json().await.expect("JSON");
    assert_eq!(body["error"], "unsupported_media_type");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(stored, 0);
    // A customer's media is never reachable through the public path.
    let guess = app
        .client
        .get(app.url("/media/public/1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(guess.status(), 404);
}

async fn the_customers_profile_picture_is_kept_locally(db: TestDb) {
    let app = sandbox_app(db).await;
    let (psid, _) = conversation_with(&app, "Ana Costa").await;
    let content_type: String = eventually(10, "the profile picture", || async {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT m.status, m.content_type FROM contacts k JOIN media m ON m.id = k.picture_media_id
             WHERE k.external_id = $1",
        )
        .bind(&psid)
        .fetch_optional(app.store.pool())
        .await
        .expect("picture");
        row.filter(|(status, _)| status == "stored")
            .and_then(|(_, content_type)| content_type)
    })
    .await;
    assert_eq!(content_type, "image/svg+xml");
}

/// A signed-in client of a user with that password.
async fn signed_in(app: &TestApp, username: &str, password: &str) -> reqwest::Client {
    let user = client();
    let response = app.login(&user, username, password).await;
    assert_eq!(response.status(), 200, "{username} signs in");
    user
}

async fn status_of(user: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    user.get(app.url(path))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

/// Ids are sequential: any signed-in user could once read any attachment by counting.
async fn an_attachment_is_served_only_to_those_who_may_see_its_conversation(db: TestDb) {
    use atende_server::domain::routing::Presence;
    use atende_server::store::agents;

    let app = sandbox_app(db).await;
    let pool = app.store.pool();
    let service: i64 = sqlx::query_scalar("SELECT id FROM services")
        .fetch_one(pool)
        .await
        .expect("service");
    let agents = agents_serving(&app, service, &["ana", "bia"], 8).await;
    let (ana, bia) = (agents[0], agents[1]);
    // Ana is Operating, so routing gives her the customer's conversation.
    agents::set_presence(pool, ana, Presence::Operating, None, Utc::now())
        .await
        .expect("operating");
    let group: i64 =
        sqlx::query_scalar("SELECT group_id FROM service_groups WHERE service_id = $1")
            .bind(service)
            .fetch_one(pool)
            .await
            .expect("group");
    let sara = app
        .create_user("sara", Role::Supervisor, "sara-password-2026")
        .await;
    sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
        .bind(group)
        .bind(sara)
        .execute(pool)
        .await
        .expect("member");
    app.create_user("otto", Role::Supervisor, "otto-password-2026")
        .await;
    app.create_user("caio", Role::Agent, "caio-password-2026")
        .await;

    let psid = new_customer(&app, "Maria Oliveira", true).await;
    customer_sends_image(&app, &psid).await;
    let (media_id, conversation): (i64, i64) =
        eventually(10, "the image, assigned to Ana", || async {
            let row: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
                "SELECT m.id, c.id, m.status, c.agent_id FROM media m
             JOIN messages g ON g.id = m.message_id JOIN conversations c ON c.id = g.conversation_id
             WHERE m.origin = 'inbound'",
            )
            .fetch_optional(pool)
            .await
            .expect("media");
            row.filter(|(_, _, status, agent)| status == "stored" && *agent == Some(ana))
                .map(|(id, conversation, _, _)| (id, conversation))
        })
        .await;
    let path = format!("/media/{media_id}");
    let ana_client = signed_in(&app, "ana", "agent-password-2026").await;
    let bia_client = signed_in(&app, "bia", "agent-password-2026").await;
    let caio = signed_in(&app, "caio", "caio-password-2026").await;
    let sara_client = signed_in(&app, "sara", "sara-password-2026").await;
    let otto = signed_in(&app, "otto", "otto-password-2026").await;
    let admin = signed_in(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status_of(&ana_client, &app, &path).await, 200, "its agent");
    assert_eq!(
        status_of(&sara_client, &app, &path).await,
        200,
        "its service's supervisor"
    );
    assert_eq!(status_of(&admin, &app, &path).await, 200, "an admin");
    assert_eq!(
        status_of(&bia_client, &app, &path).await,
        404,
        "an agent who never had it"
    );
    assert_eq!(
        status_of(&caio, &app, &path).await,
        404,
        "an agent of no group"
    );
    assert_eq!(
        status_of(&otto, &app, &path).await,
        404,
        "another service's supervisor"
    );
    assert_eq!(
        status_of(&caio, &app, "/media/999999").await,
        404,
        "the same as no such file"
    );

    // Transferred to Bia: she sees it now, and Ana, who had it, still does.
    sqlx::query("UPDATE conversations SET agent_id = $1 WHERE id = $2")
        .bind(bia)
        .bind(conversation)
        .execute(pool)
        .await
        .expect("transfer");
    assert_eq!(
        status_of(&bia_client, &app, &path).await,
        200,
        "its present agent"
    );
    assert_eq!(
        status_of(&ana_client, &app, &path).await,
        200,
        "its past agent"
    );

    // An upload not sent yet is its uploader's only.
    let uploaded: serde_json::Value = ana_client
        .post(app.url("/media"))
        .header("Origin", &app.address)
        .header("Content-Type", "image/png")
        .body(IMAGE.to_vec())
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    let upload_id = uploaded["id"].as_i64().expect("id");
    let upload = format!("/media/{upload_id}");
    assert_eq!(status_of(&ana_client, &app, &upload).await, 200);
    assert_eq!(status_of(&bia_client, &app, &upload).await, 404);

    // Sent in the conversation, it is the conversation's: its other agents and supervisors
    // see it (a colleague it was transferred to once saw a broken image).
    let attachment = OutboundAttachment {
        kind: "image".to_owned(),
        media_id: upload_id,
    };
    queue_agent_media(&app.store, conversation, &attachment, Utc::now())
        .await
        .expect("queued");
    assert_eq!(
        status_of(&bia_client, &app, &upload).await,
        200,
        "its agent"
    );
    assert_eq!(
        status_of(&sara_client, &app, &upload).await,
        200,
        "its service's supervisor"
    );
    assert_eq!(
        status_of(&ana_client, &app, &upload).await,
        200,
        "its sender"
    );
    assert_eq!(
        status_of(&caio, &app, &upload).await,
        404,
        "an agent of no group"
    );
}
