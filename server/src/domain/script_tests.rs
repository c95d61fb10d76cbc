use super::*;
use crate::domain::policy::{MenuOption, ScriptQuestion};

fn pt(text: &str) -> Localized {
    Localized {
        pt_br: text.to_owned(),
        en: String::new(),
    }
}

fn option(label: &str, action: MenuAction) -> MenuOption {
    MenuOption {
        label: pt(label),
        action,
    }
}

/// Loja's script: 1 Vendas (group 7), 2 Horário (a message), 3 Suporte (sub-menu: 1 Internet
/// to group 8, 2 Telefone to the service's groups).
fn loja(question: bool) -> Script {
    let support = Menu {
        prompt: pt("Suporte de quê?"),
        options: vec![
            option("Internet", MenuAction::Group { group_id: Some(8) }),
            option("Telefone", MenuAction::Group { group_id: None }),
        ],
    };
    Script {
        enabled: true,
        buttons: true,
        greeting: pt("Olá! Sou o assistente da Loja."),
        question: question.then(|| ScriptQuestion {
            text: pt("Qual é o número do seu pedido?"),
            label: "Pedido".to_owned(),
        }),
        menu: Menu {
            prompt: pt("Escolha uma opção:"),
            options: vec![
                option("Vendas", MenuAction::Group { group_id: Some(7) }),
                option(
                    "Horário",
                    MenuAction::Message {
                        text: pt("Abrimos das 8h às 18h."),
                    },
                ),
                option("Suporte", MenuAction::SubMenu { menu: support }),
            ],
        },
        human_keyword: "atendente".to_owned(),
    }
}

fn state(turn: &Turn) -> BotState {
    match &turn.outcome {
        Outcome::Continue(state) => state.clone(),
        other => panic!("the bot handed over: {other:?}"),
    }
}

#[test]
fn the_bot_greets_then_shows_the_numbered_menu_with_buttons() {
    let turn = start(&loja(false), false);
    assert_eq!(turn.said[0].text, "Olá! Sou o assistente da Loja.");
    assert_eq!(
        turn.said[1].text,
        "Escolha uma opção:\n1. Vendas\n2. Horário\n3. Suporte"
    );
    let payloads: Vec<&str> = turn.said[1]
        .quick_replies
        .iter()
        .map(|b| b.payload.as_str())
        .collect();
    assert_eq!(payloads, ["MENU_1", "MENU_2", "MENU_3"]);
    let plain = Script {
        buttons: false,
        ..loja(false)
    };
    assert!(start(&plain, false).said[1].quick_replies.is_empty());
}

#[test]
fn options_are_chosen_by_number_button_or_name_and_lead_where_they_say() {
    let script = loja(false);
    let at_root = state(&start(&script, false));
    let by_number = reply(&script, &at_root, Some("1"), None);
    assert_eq!(
        by_number.outcome,
        Outcome::HandOver {
            group_id: Some(7),
            reason: HandOverReason::Chosen
        }
    );
    let by_button = reply(&script, &at_root, Some("Horário"), Some("MENU_2"));
    assert_eq!(by_button.said[0].text, "Abrimos das 8h às 18h.");
    assert!(
        by_button.said[1].text.starts_with("Escolha uma opção:"),
        "the menu again"
    );
    let by_name = reply(&script, &at_root, Some("suporte"), None);
    assert_eq!(
        by_name.said[0].text,
        "Suporte de quê?\n1. Internet\n2. Telefone\n0. Voltar"
    );
    let in_support = state(&by_name);
    assert_eq!(in_support.path, [2]);
    let internet = reply(&script, &in_support, Some("1"), None);
    assert_eq!(
        internet.outcome,
        Outcome::HandOver {
            group_id: Some(8),
            reason: HandOverReason::Chosen
        }
    );
    let back = reply(&script, &in_support, Some("0"), None);
    assert_eq!(state(&back).path, Vec::<usize>::new());
    assert!(back.said[0].text.starts_with("Escolha uma opção:"));
}

#[test]
fn the_question_is_asked_first_and_its_answer_kept() {
    let script = loja(true);
    let opened = start(&script, false);
    assert_eq!(opened.said[1].text, "Qual é o número do seu pedido?");
    let asked = state(&opened);
    assert!(asked.awaiting_answer);
    let answered = reply(&script, &asked, Some(" 12345 "), None);
    assert_eq!(answered.answer.as_deref(), Some("12345"));
    assert!(answered.said[0].text.starts_with("Escolha uma opção:"));
    // A photo alone is no answer: asked again.
    let photo = reply(&script, &asked, None, None);
    assert_eq!(photo.said[0].text, "Qual é o número do seu pedido?");
    assert!(state(&photo).awaiting_answer);
}

#[test]
fn invalid_answers_are_asked_again_then_a_human_takes_over() {
    let script = loja(false);
    let mut current = state(&start(&script, false));
    for _ in 0..MAX_INVALID {
        let turn = reply(&script, &current, Some("quero um desconto"), None);
        assert!(turn.said[0]
            .text
            .starts_with("Opção inválida.\nEscolha uma opção:"));
        current = state(&turn);
    }
    let last = reply(&script, &current, Some("9"), None);
    assert_eq!(
        last.outcome,
        Outcome::HandOver {
            group_id: None,
            reason: HandOverReason::Invalid
        }
    );
    assert_eq!(
        last.said[0].text,
        "Um momento, vou transferir você para um atendente."
    );
    // "0" is no way back from the root menu.
    let root = state(&start(&script, false));
    assert_eq!(state(&reply(&script, &root, Some("0"), None)).invalid, 1);
}

#[test]
fn the_keyword_reaches_a_human_at_any_time_and_the_loop_guard_ends_circles() {
    let script = loja(true);
    let asked = state(&start(&script, false));
    let keyword = reply(&script, &asked, Some("Quero falar com um ATENDENTE!"), None);
    assert_eq!(
        keyword.outcome,
        Outcome::HandOver {
            group_id: None,
            reason: HandOverReason::Keyword
        }
    );
    let script = loja(false);
    let mut current = state(&start(&script, false));
    for _ in 0..MAX_TURNS {
        current = state(&reply(&script, &current, Some("2"), None));
    }
    let circling = reply(&script, &current, Some("2"), None);
    assert_eq!(
        circling.outcome,
        Outcome::HandOver {
            group_id: None,
            reason: HandOverReason::Loop
        }
    );
}

#[test]
fn an_english_only_script_speaks_english() {
    let english = |text: &str| Localized {
        pt_br: String::new(),
        en: text.to_owned(),
    };
    let mut script = loja(false);
    script.greeting = english("Hi!");
    script.menu.prompt = english("Pick one:");
    let support = state(&reply(
        &script,
        &state(&start(&script, false)),
        Some("3"),
        None,
    ));
    let back = reply(&script, &support, Some("x"), None);
    assert!(back.said[0].text.starts_with("Invalid option."));
    assert!(back.said[0].text.ends_with("0. Back"));
}

#[test]
fn a_customer_known_to_speak_english_is_answered_in_english_where_the_script_has_it() {
    let mut script = loja(false);
    script.greeting.en = "Hi! I am the Store's assistant.".to_owned();
    script.menu.prompt.en = "Pick an option:".to_owned();
    script.menu.options[0].label.en = "Sales".to_owned();
    let opened = start(&script, true);
    assert_eq!(opened.said[0].text, "Hi! I am the Store's assistant.");
    // Labels without English fall back to Portuguese.
    assert_eq!(
        opened.said[1].text,
        "Pick an option:\n1. Sales\n2. Horário\n3. Suporte"
    );
    let handed = reply(&script, &state(&opened), Some("Sales"), None);
    assert_eq!(
        handed.said[0].text,
        "One moment, I am passing you to an agent."
    );
    // A Portuguese-only script speaks Portuguese to everyone.
    assert_eq!(
        start(&loja(false), true).said[0].text,
        "Olá! Sou o assistente da Loja."
    );
}
