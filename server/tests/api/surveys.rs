//! The satisfaction survey through the sandbox: asked after the closing message with quick
//! replies, answers validated (one re-ask) and stored, the report, a new conversation after
//! the survey, and no survey once Meta's 24-hour window has closed.

use serde_json::{json, Value};

use crate::admin_services::{admin, post_json};
use crate::console::{call, first_tile, operating, service_id, tiles};
use crate::helpers::{eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::policies::{age, page_texts, set_policy};
use crate::sandbox::{
    chat, conversation_of, customer_says, new_customer, sandbox, sandbox_app, PAGE,
};

on_both_backends!(
    a_custom_survey_is_asked_answered_stored_and_reported,
    a_second_non_answer_ends_the_survey_and_opens_a_new_conversation,
    no_survey_once_the_window_has_closed,
);

/// The customer taps a quick reply under the page's last message.
async fn customer_taps(app: &TestApp, psid: &str, title: &str, payload: &str) {
    let body = json!({ "psid": psid, "page": PAGE, "text": title, "quick_reply": payload });
    sandbox(app, reqwest::Method::POST, "/sandbox/api/chat/text", body).await;
}

/// Waits until the page has sent `count` messages; returns the last one.
async fn page_message(app: &TestApp, psid: &str, count: usize) -> Value {
    eventually(15, &format!("page message {count}"), || async {
        let page: Vec<Value> = chat(app, psid)
            .await
            .into_iter()
            .filter(|m| m["author"] == "page")
            .collect();
        (page.len() >= count).then(|| page[count - 1].clone())
    })
    .await
}

fn buttons(message: &Value) -> Vec<(String, String)> {
    let replies: Vec<Value> =
        serde_json::from_str(message["quick_replies"].as_str().unwrap_or("[]")).expect("JSON");
    replies
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap_or_default().to_owned(),
                r["payload"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Ana (operating) gets the customer's chat and concludes it; returns the conversation.
async fn served_and_closed(app: &TestApp, ana: &reqwest::Client, psid: &str) -> i64 {
    customer_says(app, psid, "Preciso de ajuda").await;
    let tile = first_tile(app, ana).await;
    let id = tile["id"].as_i64().expect("id");
    let text = [
        ("conversation", id.to_string()),
        ("text", "Resolvido!".to_owned()),
    ];
    let form: Vec<(&str, &str)> = text.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(call(app, ana, "send", &form).await.0, 200);
    let (status, body) = call(app, ana, "close", &[("conversation", &id.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn survey_state(app: &TestApp, conversation: i64) -> String {
    sqlx::query_scalar("SELECT state FROM surveys WHERE conversation_id = $1")
        .bind(conversation)
        .fetch_one(app.store.pool())
        .await
        .expect("survey")
}

async fn a_custom_survey_is_asked_answered_stored_and_reported(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let admin = admin(&app).await;
    let question =
        |text: &str, answer: &str| json!({ "text": { "pt_br": text, "en": "" }, "answer": answer });
    let policy = json!({ "survey": { "kind": "custom", "questions": [
        question("De 1 a 5, que nota você dá?", "scale"),
        question("Seu problema foi resolvido?", "yes_no"),
        question("Quer deixar um comentário?", "free_text"),
    ] } });
    set_policy(&app, &admin, policy).await;

    let psid = new_customer(&app, "Rita Lee", true).await;
    let conversation = served_and_closed(&app, &ana, &psid).await;
    // Ana's answer, the closing message, then the first question with five buttons.
    let closing = page_message(&app, &psid, 2).await;
    assert!(closing["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("Conversa concluída")));
    let first = page_message(&app, &psid, 3).await;
    assert_eq!(first["text"], "De 1 a 5, que nota você dá?");
    assert_eq!(first["messaging_type"], "RESPONSE");
    let scale = buttons(&first);
    assert_eq!(scale.len(), 5);
    assert_eq!(scale[3], ("4".to_owned(), "SURVEY_4".to_owned()));

    customer_taps(&app, &psid, "4", "SURVEY_4").await;
    let second = page_message(&app, &psid, 4).await;
    assert_eq!(second["text"], "Seu problema foi resolvido?");
    assert_eq!(
        buttons(&second)
            .iter()
            .map(|b| b.0.as_str())
            .collect::<Vec<_>>(),
        ["Sim", "Não"]
    );
    // Not an answer: asked once more.
    customer_says(&app, &psid, "talvez").await;
    let again = page_message(&app, &psid, 5).await;
    assert_eq!(
        again["text"],
        "Desculpe, não entendi. Seu problema foi resolvido?"
    );
    customer_says(&app, &psid, "sim").await;
    let third = page_message(&app, &psid, 6).await;
    assert_eq!(third["text"], "Quer deixar um comentário?");
    assert!(buttons(&third).is_empty());
    customer_says(&app, &psid, "Atendimento excelente").await;
    let thanks = page_message(&app, &psid, 7).await;
    assert_eq!(thanks["text"], "Obrigado pela sua avaliação!");

    assert_eq!(survey_state(&app, conversation).await, "answered");
    let answers: Vec<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT position, score, text FROM survey_answers WHERE conversation_id = $1 ORDER BY position",
    )
    .bind(conversation)
    .fetch_all(app.store.pool())
    .await
    .expect("answers");
    assert_eq!(
        answers,
        [
            (0, Some(4), None),
            (1, Some(1), None),
            (2, None, Some("Atendimento excelente".into()))
        ]
    );
    // The answers went to the survey's conversation, not to a new one.
    let conversations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.external_id = $1",
    )
    .bind(&psid)
    .fetch_one(app.store.pool())
    .await
    .expect("count");
    assert_eq!(conversations, 1);

    // The report: one survey, answered; average 4; the distribution of each question.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .format("%Y-%m-%d")
        .to_string();
    let filter =
        json!({ "filter": { "service_id": service_id(&app).await, "from": today, "to": today } });
    let (status, report) = post_json(&app, &admin, "survey_report", filter.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["sent"].as_i64(),
            report["responded"].as_i64(),
            report["completed"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(report["response_rate"].as_f64(), Some(1.0));
    assert_eq!(report["average"].as_f64(), Some(4.0));
    assert_eq!(
        report["questions"][0]["distribution"],
        json!([0, 0, 0, 1, 0])
    );
    assert_eq!(report["questions"][1]["distribution"], json!([1, 0]));
    assert_eq!(report["comments"][0]["text"], "Atendimento excelente");
    // Agents may not read it; a backwards period is refused.
    assert_eq!(post_json(&app, &ana, "survey_report", filter).await.0, 403);
    let backwards = json!({ "filter": { "service_id": service_id(&app).await, "from": today, "to": "2020-01-01" } });
    let (status, body) = post_json(&app, &admin, "survey_report", backwards).await;
    assert_eq!(
        (status, body["Invalid"]["field"].as_str()),
        (422, Some("date"))
    );

    // Writing after the survey starts a new conversation, back in the queue.
    customer_says(&app, &psid, "Oi de novo").await;
    eventually(15, "a new conversation for Ana", || async {
        tiles(&app, &ana)
            .await
            .into_iter()
            .find(|t| t["id"].as_i64() != Some(conversation))
    })
    .await;
}

/// The sandbox page with the standard survey, and Ana operating.
async fn with_standard_survey(db: TestDb) -> (TestApp, reqwest::Client) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let standard = json!({ "survey": { "kind": "standard" } });
    set_policy(&app, &admin(&app).await, standard).await;
    (app, ana)
}

async fn a_second_non_answer_ends_the_survey_and_opens_a_new_conversation(db: TestDb) {
    let (app, ana) = with_standard_survey(db).await;

    let psid = new_customer(&app, "Gal Costa", true).await;
    let conversation = served_and_closed(&app, &ana, &psid).await;
    let question = page_message(&app, &psid, 3).await;
    assert!(question["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("Como você avalia")));
    customer_says(&app, &psid, "bom dia").await;
    let again = page_message(&app, &psid, 4).await;
    assert!(again["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("Desculpe, não entendi.")));
    customer_says(&app, &psid, "quero falar de outra compra").await;
    let tile = eventually(15, "the new conversation", || async {
        tiles(&app, &ana)
            .await
            .into_iter()
            .find(|t| t["id"].as_i64() != Some(conversation))
    })
    .await;
    assert_eq!(survey_state(&app, conversation).await, "abandoned");
    let newest = conversation_of_latest(&app, &psid).await;
    assert_eq!(tile["id"].as_i64(), Some(newest));
    let opened_with: Option<String> = sqlx::query_scalar(
        "SELECT text FROM messages WHERE conversation_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(newest)
    .fetch_one(app.store.pool())
    .await
    .expect("first message");
    assert_eq!(opened_with.as_deref(), Some("quero falar de outra compra"));
    assert_eq!(
        page_texts(&chat(&app, &psid).await).len(),
        4,
        "nothing more was asked"
    );
}

async fn conversation_of_latest(app: &TestApp, psid: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT MAX(c.id) FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.external_id = $1",
    )
    .bind(psid)
    .fetch_one(app.store.pool())
    .await
    .expect("conversation")
}

async fn no_survey_once_the_window_has_closed(db: TestDb) {
    let (app, ana) = with_standard_survey(db).await;

    let psid = new_customer(&app, "Elis Regina", true).await;
    customer_says(&app, &psid, "Oi").await;
    let tile = first_tile(&app, &ana).await;
    let id = tile["id"].as_i64().expect("id");
    assert_eq!(conversation_of(&app, &psid).await, id);
    // The customer's last message is two days old: Ana may still answer (HUMAN_AGENT), but
    // nothing automated goes out.
    age(&app, id, 2).await;
    let (status, body) = call(&app, &ana, "close", &[("conversation", &id.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let surveys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM surveys")
        .fetch_one(app.store.pool())
        .await
        .expect("count");
    assert_eq!(surveys, 0);
    assert!(page_texts(&chat(&app, &psid).await).is_empty());
}
