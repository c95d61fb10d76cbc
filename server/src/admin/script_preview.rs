//! The service editor's test chat: the script as typed, run by the same rules the bot uses
//! (`domain::script`) over the messages typed so far, without touching any conversation.

use app::model::script::PreviewLine;

use crate::domain::policy::Script;
use crate::domain::script::{self, Outcome, Turn};

/// Messages a test chat replays (more is a loop the guard would have ended anyway).
const MAX_INPUTS: usize = 50;

fn bot_lines(turn: &Turn, lines: &mut Vec<PreviewLine>) {
    for said in &turn.said {
        lines.push(PreviewLine::Bot {
            text: said.text.clone(),
            buttons: said.quick_replies.iter().map(|b| b.title.clone()).collect(),
        });
    }
}

/// The chat so far: the bot's start, then each input and the bot's reply, until it hands
/// over. `group_name` names a group by its id.
pub fn replay(
    script: &Script,
    inputs: &[String],
    group_name: impl Fn(i64) -> Option<String>,
) -> Vec<PreviewLine> {
    let mut lines = Vec::new();
    let mut answer = None;
    let mut turn = script::start(script, false);
    bot_lines(&turn, &mut lines);
    for input in inputs.iter().take(MAX_INPUTS) {
        let Outcome::Continue(state) = &turn.outcome else {
            break;
        };
        lines.push(PreviewLine::Customer(input.clone()));
        // A button's title comes back as the text, as in the chat.
        turn = script::reply(script, state, Some(input), None);
        answer = turn.answer.clone().or(answer);
        bot_lines(&turn, &mut lines);
    }
    if let Outcome::HandOver { group_id, .. } = turn.outcome {
        let label = script.question.as_ref().map(|q| q.label.clone());
        lines.push(PreviewLine::HandedOver {
            group: group_id.and_then(group_name),
            answer: answer.map(|a| match label {
                Some(label) if !label.trim().is_empty() => format!("{}: {a}", label.trim()),
                _ => a,
            }),
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{Localized, Menu, MenuAction, MenuOption, ScriptQuestion};

    fn pt(text: &str) -> Localized {
        Localized {
            pt_br: text.to_owned(),
            en: String::new(),
        }
    }

    #[test]
    fn the_test_chat_replays_the_inputs_until_the_bot_hands_over() {
        let script = Script {
            enabled: true,
            buttons: true,
            greeting: pt("Olá!"),
            question: Some(ScriptQuestion {
                text: pt("Seu pedido?"),
                label: "Pedido".into(),
            }),
            menu: Menu {
                prompt: pt("Escolha:"),
                options: vec![MenuOption {
                    label: pt("Vendas"),
                    action: MenuAction::Group { group_id: Some(3) },
                }],
            },
            human_keyword: "humano".into(),
        };
        let inputs = ["123".to_owned(), "Vendas".to_owned(), "ignored".to_owned()];
        let lines = replay(&script, &inputs, |id| {
            (id == 3).then(|| "Comercial".to_owned())
        });
        assert_eq!(
            lines[0],
            PreviewLine::Bot {
                text: "Olá!".into(),
                buttons: vec![]
            }
        );
        assert_eq!(lines[2], PreviewLine::Customer("123".into()));
        assert_eq!(
            lines[3],
            PreviewLine::Bot {
                text: "Escolha:\n1. Vendas".into(),
                buttons: vec!["Vendas".into()]
            }
        );
        assert_eq!(
            lines.last(),
            Some(&PreviewLine::HandedOver {
                group: Some("Comercial".into()),
                answer: Some("Pedido: 123".into())
            })
        );
        assert!(!lines.contains(&PreviewLine::Customer("ignored".into())));
    }
}
