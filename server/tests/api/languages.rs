//! The customer's language: Meta's User Profile API gives the sandbox customer's `locale`, and
//! the service's automated texts (closing, survey, thanks) then go out in English.

use serde_json::json;

use crate::admin_services::admin;
use crate::console::{call, first_tile, operating};
use crate::helpers::{eventually, TestDb};
use crate::on_both_backends;
use crate::policies::{page_texts, set_policy};
use crate::sandbox::{chat, customer_says, sandbox, sandbox_app};

on_both_backends!(customers_known_to_speak_english_get_the_english_texts);

async fn customers_known_to_speak_english_get_the_english_texts(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    set_policy(
        &app,
        &admin(&app).await,
        json!({ "survey": { "kind": "standard" } }),
    )
    .await;
    let new = json!({ "name": "John Smith", "has_profile": true, "locale": "en_US" });
    let customer = sandbox(&app, reqwest::Method::POST, "/sandbox/api/customers", new).await;
    let psid = customer["psid"].as_str().expect("psid").to_owned();
    customer_says(&app, &psid, "Hello, I need help").await;
    let locale: String = eventually(15, "the customer's language", || async {
        sqlx::query_scalar("SELECT locale FROM contacts WHERE external_id = $1")
            .bind(&psid)
            .fetch_optional(app.store.pool())
            .await
            .expect("contact")
            .flatten()
    })
    .await;
    assert_eq!(locale, "en_US");

    let tile = first_tile(&app, &ana).await;
    let id = tile["id"].as_i64().expect("id").to_string();
    assert_eq!(
        call(&app, &ana, "close", &[("conversation", &id)]).await.0,
        200
    );
    let texts = eventually(15, "the closing and the question", || async {
        let texts = page_texts(&chat(&app, &psid).await);
        (texts.len() >= 2).then_some(texts)
    })
    .await;
    assert!(
        texts[0].starts_with("Conversation closed by the agent on "),
        "{texts:?}"
    );
    assert_eq!(
        texts[1],
        "How would you rate our service? Answer from 1 (very poor) to 5 (excellent)."
    );
    customer_says(&app, &psid, "5").await;
    let thanks = eventually(15, "the thanks", || async {
        page_texts(&chat(&app, &psid).await).into_iter().nth(2)
    })
    .await;
    assert_eq!(thanks, "Thank you for your feedback!");
    // An invalid locale is refused by the sandbox, as a bad request.
    let bad = app
        .client
        .post(app.url("/sandbox/api/customers"))
        .header("Origin", &app.address)
        .json(&json!({ "name": "X", "locale": "english" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status(), 422);
}
