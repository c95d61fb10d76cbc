//! The chatbot script through the sandbox: the bot greets, asks its question, walks the menu
//! (buttons, numbers, names, sub-menus) and hands over to the chosen group with the answer for
//! the agent; the keyword and the loop guard reach a human; the admin's test chat runs the
//! same rules; a script that breaks them is refused.

use serde_json::{json, Value};

use crate::admin_services::{admin, post_json};
use crate::console::{first_tile, operating, service_id, signed_in, tiles};
use crate::helpers::{eventually, TestApp, TestDb};
use crate::on_both_backends;
use crate::policies::{page_texts, set_policy};
use crate::sandbox::{chat, customer_says, new_customer, sandbox, sandbox_app, PAGE};
use crate::timeouts::{comes_due, deadline, other_group};

on_both_backends!(
    a_customer_goes_through_the_bot_to_the_chosen_group,
    the_keyword_and_the_loop_guard_hand_over,
    the_test_chat_runs_the_script_and_broken_scripts_are_refused,
    a_customer_who_leaves_the_bot_is_closed_after_the_inactivity_time,
);

fn pt(text: &str) -> Value {
    json!({ "pt_br": text, "en": "" })
}

/// Loja's script: 1 Vendas (the page's groups), 2 Horário (a message), 3 Suporte (sub-menu:
/// 1 Internet, to `support_group`).
fn loja_script(support_group: i64) -> Value {
    let internet = json!({ "label": pt("Internet"), "action": { "kind": "group", "group_id": support_group } });
    json!({
        "enabled": true, "buttons": true,
        "greeting": pt("Olá! Sou o assistente da Loja."),
        "question": { "text": pt("Qual é o número do seu pedido?"), "label": "Pedido" },
        "menu": { "prompt": pt("Escolha uma opção:"), "options": [
            { "label": pt("Vendas"), "action": { "kind": "group", "group_id": null } },
            { "label": pt("Horário"), "action": { "kind": "message", "text": pt("Abrimos das 8h às 18h.") } },
            { "label": pt("Suporte"), "action": { "kind": "sub_menu", "menu": {
                "prompt": pt("Suporte de quê?"), "options": [internet] } } },
        ] },
        "human_keyword": "atendente",
    })
}

async fn texts_after(app: &TestApp, psid: &str, count: usize) -> Vec<String> {
    eventually(15, &format!("{count} page messages"), || async {
        let texts = page_texts(&chat(app, psid).await);
        (texts.len() >= count).then_some(texts)
    })
    .await
}

async fn a_customer_goes_through_the_bot_to_the_chosen_group(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let support = other_group(&app, "bia").await;
    let bia = signed_in(&app, "bia").await;
    crate::console::call(&app, &bia, "presence", &[("presence", "operating")]).await;
    set_policy(
        &app,
        &admin(&app).await,
        json!({ "script": loja_script(support) }),
    )
    .await;

    let psid = new_customer(&app, "Clara Nunes", true).await;
    customer_says(&app, &psid, "Oi").await;
    let texts = texts_after(&app, &psid, 2).await;
    assert_eq!(
        texts,
        [
            "Olá! Sou o assistente da Loja.",
            "Qual é o número do seu pedido?"
        ]
    );
    customer_says(&app, &psid, "12345").await;
    let texts = texts_after(&app, &psid, 3).await;
    assert_eq!(
        texts[2],
        "Escolha uma opção:\n1. Vendas\n2. Horário\n3. Suporte"
    );
    let menu = chat(&app, &psid).await.into_iter().last().expect("menu");
    let buttons: Vec<Value> =
        serde_json::from_str(menu["quick_replies"].as_str().unwrap_or("[]")).expect("JSON");
    assert_eq!(buttons.len(), 3);
    // The bot has it: nobody's tile yet.
    assert!(tiles(&app, &ana).await.is_empty() && tiles(&app, &bia).await.is_empty());

    // "2": the message, then the menu again; the "Suporte" button: the sub-menu; "1": Bia.
    customer_says(&app, &psid, "2").await;
    let texts = texts_after(&app, &psid, 5).await;
    assert_eq!(texts[3], "Abrimos das 8h às 18h.");
    let tap = json!({ "psid": psid, "page": PAGE, "text": "Suporte", "quick_reply": "MENU_3" });
    sandbox(&app, reqwest::Method::POST, "/sandbox/api/chat/text", tap).await;
    let texts = texts_after(&app, &psid, 6).await;
    assert_eq!(texts[5], "Suporte de quê?\n1. Internet\n0. Voltar");
    customer_says(&app, &psid, "1").await;
    let texts = texts_after(&app, &psid, 7).await;
    assert_eq!(
        texts[6],
        "Um momento, vou transferir você para um atendente."
    );
    let tile = first_tile(&app, &bia).await;
    assert_eq!(tile["customer_answer"], "Pedido: 12345");
    assert!(
        tiles(&app, &ana).await.is_empty(),
        "Internet goes to Bia's group"
    );
    // Written to a human now: the bot says nothing more.
    customer_says(&app, &psid, "Minha internet caiu").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(page_texts(&chat(&app, &psid).await).len(), 7);
}

async fn the_keyword_and_the_loop_guard_hand_over(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let mut script = loja_script(0);
    script["question"] = Value::Null;
    script["menu"]["options"]
        .as_array_mut()
        .expect("options")
        .truncate(2);
    set_policy(&app, &admin(&app).await, json!({ "script": script })).await;

    let first = new_customer(&app, "Nara Leão", true).await;
    customer_says(&app, &first, "Oi").await;
    texts_after(&app, &first, 2).await;
    customer_says(&app, &first, "Quero falar com um atendente").await;
    let tile = first_tile(&app, &ana).await;
    assert_eq!(tile["customer_answer"], Value::Null);

    // Three answers that are no option: asked twice, then a human.
    let second = new_customer(&app, "Maria Bethânia", true).await;
    customer_says(&app, &second, "Oi").await;
    texts_after(&app, &second, 2).await;
    for (said, expected) in [("desconto", 3), ("7", 4)] {
        customer_says(&app, &second, said).await;
        let texts = texts_after(&app, &second, expected).await;
        assert!(texts[expected - 1].starts_with("Opção inválida.\nEscolha uma opção:"));
    }
    customer_says(&app, &second, "???").await;
    eventually(15, "Maria's chat for Ana", || async {
        (tiles(&app, &ana).await.len() == 2).then_some(())
    })
    .await;
}

async fn the_test_chat_runs_the_script_and_broken_scripts_are_refused(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let support = other_group(&app, "bia").await;
    let admin = admin(&app).await;
    let preview = json!({ "script": loja_script(support), "inputs": ["777", "3", "1"] });
    let (status, lines) = post_json(&app, &admin, "preview_script", preview.clone()).await;
    assert_eq!(status, 200, "{lines}");
    assert_eq!(lines[0]["Bot"]["text"], "Olá! Sou o assistente da Loja.");
    assert_eq!(
        lines.as_array().and_then(|l| l.last()).cloned(),
        Some(json!({ "HandedOver": { "group": "Plantão", "answer": "Pedido: 777" } }))
    );
    assert_eq!(
        post_json(&app, &ana, "preview_script", preview).await.0,
        403
    );

    // An enabled script needs options with labels; a group must exist.
    let service = service_id(&app).await;
    let form = || async {
        let response = app
            .call(&admin, "admin/service", &[("id", &service.to_string())])
            .await;
        response.json::<Value>().await.expect("service")
    };
    let mut broken = loja_script(support);
    broken["menu"]["options"][0]["label"] = pt("");
    let mut unknown = loja_script(support);
    unknown["menu"]["options"][0]["action"]["group_id"] = json!(999_999);
    let mut empty = loja_script(support);
    empty["menu"]["options"] = json!([]);
    for script in [broken, unknown, empty] {
        let mut service_form = form().await;
        service_form["policy"]["script"] = script;
        let (status, body) = post_json(
            &app,
            &admin,
            "save_service",
            json!({ "form": service_form }),
        )
        .await;
        assert_eq!(
            (status, body["Invalid"]["field"].as_str()),
            (422, Some("script")),
            "{body}"
        );
    }
}

async fn a_customer_who_leaves_the_bot_is_closed_after_the_inactivity_time(db: TestDb) {
    let app = sandbox_app(db).await;
    let ana = operating(&app, "ana").await;
    let support = other_group(&app, "bia").await;
    let policy =
        json!({ "script": loja_script(support), "times": { "inactivity_close_minutes": 20 } });
    set_policy(&app, &admin(&app).await, policy).await;
    let psid = new_customer(&app, "Elza Soares", true).await;
    customer_says(&app, &psid, "Oi").await;
    texts_after(&app, &psid, 2).await;
    let conversation: i64 = sqlx::query_scalar("SELECT MAX(id) FROM conversations")
        .fetch_one(app.store.pool())
        .await
        .expect("conversation");
    // Each turn with the bot waits the inactivity time again.
    comes_due(&app, conversation, "inactivity_close", 20).await;
    let closed = texts_after(&app, &psid, 3).await;
    assert!(
        closed[2].starts_with("Conversa encerrada por falta de resposta em "),
        "{closed:?}"
    );
    let (status, by_timeout): (String, i64) =
        sqlx::query_as("SELECT status, closed_by_timeout FROM conversations WHERE id = $1")
            .bind(conversation)
            .fetch_one(app.store.pool())
            .await
            .expect("conversation");
    assert_eq!((status.as_str(), by_timeout), ("closed", 1));
    assert!(tiles(&app, &ana).await.is_empty());
    // Back later: a new conversation, and the bot greets again; handing over ends the wait.
    customer_says(&app, &psid, "Oi de novo").await;
    let texts = texts_after(&app, &psid, 5).await;
    assert_eq!(texts[3], "Olá! Sou o assistente da Loja.");
    customer_says(&app, &psid, "atendente").await;
    first_tile(&app, &ana).await;
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM conversations")
        .fetch_one(app.store.pool())
        .await
        .expect("conversation");
    assert!(deadline(&app, newest, "inactivity_close").await.is_none());
}
