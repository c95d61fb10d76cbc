//! The chatbot script as a conversation: what the bot says first, how it reads each customer
//! message (a number, a tapped button, an option's name, "0" to go back, the human keyword),
//! and when it hands over to a human: an option leading to a group, the keyword, or the loop
//! guard (too many invalid answers in a row, or too many turns).

use crate::domain::policy::{Localized, Menu, MenuAction, Script};
use serde::{Deserialize, Serialize};

use super::survey::{folded, QuickReply};

/// Invalid answers in a row the bot re-asks; one more hands over.
pub const MAX_INVALID: u32 = 2;
/// Turns the bot takes before it hands over anyway (a customer going round in circles).
pub const MAX_TURNS: u32 = 15;

const INVALID: (&str, &str) = ("Opção inválida.", "Invalid option.");
const BACK: (&str, &str) = ("Voltar", "Back");
const HANDING_OVER: (&str, &str) = (
    "Um momento, vou transferir você para um atendente.",
    "One moment, I am passing you to an agent.",
);
const MENU_PAYLOAD: &str = "MENU_";

/// Where the bot is in a conversation (kept on it between messages).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BotState {
    /// The menu shown: option indexes from the root.
    pub path: Vec<usize>,
    /// The script's question was asked and not yet answered.
    pub awaiting_answer: bool,
    pub invalid: u32,
    pub turns: u32,
    /// The bot speaks English (chosen at the start).
    pub english: bool,
}

/// A message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub text: String,
    pub quick_replies: Vec<QuickReply>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOverReason {
    /// An option leading to a group.
    Chosen,
    Keyword,
    /// Too many invalid answers in a row.
    Invalid,
    /// Too many turns.
    Loop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Continue(BotState),
    /// To a human: the queue, for this group if named (else the service's groups).
    HandOver {
        group_id: Option<i64>,
        reason: HandOverReason,
    },
}

/// What one customer message (or the start) does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub said: Vec<Said>,
    pub outcome: Outcome,
    /// The answer to the script's question, given in this turn.
    pub answer: Option<String>,
}

/// The bot speaks English to a customer known to speak it if the script has English texts,
/// and to everyone if its greeting is only in English; else Portuguese.
fn speaks_english(script: &Script, customer_english: bool) -> bool {
    let has = |text: &Localized| !text.en.trim().is_empty();
    let english_only = script.greeting.pt_br.trim().is_empty() && has(&script.greeting);
    english_only || (customer_english && (has(&script.greeting) || has(&script.menu.prompt)))
}

fn pick(text: &Localized, english: bool) -> String {
    let (first, second) = if english {
        (&text.en, &text.pt_br)
    } else {
        (&text.pt_br, &text.en)
    };
    if first.trim().is_empty() {
        second.trim().to_owned()
    } else {
        first.trim().to_owned()
    }
}

fn in_language<'a>(pair: (&'a str, &'a str), english: bool) -> &'a str {
    if english {
        pair.1
    } else {
        pair.0
    }
}

fn say(text: String) -> Said {
    Said {
        text,
        quick_replies: Vec::new(),
    }
}

/// The menu as a message: its prompt and numbered options ("0" goes back from a sub-menu),
/// with a button each when the script uses buttons.
fn menu_message(
    script: &Script,
    menu: &Menu,
    (nested, english): (bool, bool),
    before: Option<&str>,
) -> Said {
    let mut lines: Vec<String> = before.map(str::to_owned).into_iter().collect();
    lines.push(pick(&menu.prompt, english));
    let mut buttons = Vec::new();
    for (number, option) in (1..).zip(&menu.options) {
        let label = pick(&option.label, english);
        lines.push(format!("{number}. {label}"));
        buttons.push(QuickReply {
            title: label,
            payload: format!("{MENU_PAYLOAD}{number}"),
        });
    }
    if nested {
        let back = in_language(BACK, english);
        lines.push(format!("0. {back}"));
        buttons.push(QuickReply {
            title: back.to_owned(),
            payload: format!("{MENU_PAYLOAD}0"),
        });
    }
    let text = lines
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Said {
        text,
        quick_replies: if script.buttons { buttons } else { Vec::new() },
    }
}

fn hand_over(english: bool, group_id: Option<i64>, reason: HandOverReason) -> Turn {
    Turn {
        said: vec![say(in_language(HANDING_OVER, english).to_owned())],
        outcome: Outcome::HandOver { group_id, reason },
        answer: None,
    }
}

/// The greeting, then the question or the menu.
pub fn start(script: &Script, customer_english: bool) -> Turn {
    let english = speaks_english(script, customer_english);
    let mut said: Vec<Said> = Some(pick(&script.greeting, english))
        .filter(|g| !g.is_empty())
        .map(say)
        .into_iter()
        .collect();
    let question = script.question.as_ref().map(|q| pick(&q.text, english));
    let awaiting_answer = question.is_some();
    match question {
        Some(question) => said.push(say(question)),
        None => said.push(menu_message(script, &script.menu, (false, english), None)),
    }
    Turn {
        said,
        outcome: Outcome::Continue(BotState {
            awaiting_answer,
            english,
            ..BotState::default()
        }),
        answer: None,
    }
}

/// An option chosen by button, number, or its name; `Some(None)` is "back".
fn chosen(menu: &Menu, english: bool, typed: &str, tapped: Option<&str>) -> Option<Option<usize>> {
    let number = match tapped.and_then(|p| p.strip_prefix(MENU_PAYLOAD)) {
        Some(number) => number.parse::<usize>().ok(),
        None => folded(typed).parse::<usize>().ok(),
    };
    let by_name = || {
        let typed = folded(typed);
        menu.options
            .iter()
            .position(|o| !typed.is_empty() && folded(&pick(&o.label, english)) == typed)
    };
    match number {
        Some(0) => Some(None),
        Some(n) if n <= menu.options.len() => Some(Some(n - 1)),
        Some(_) => None,
        None => by_name().map(Some),
    }
}

/// The bot's answer to a customer's message.
pub fn reply(script: &Script, state: &BotState, text: Option<&str>, tapped: Option<&str>) -> Turn {
    let typed = text.unwrap_or_default().trim();
    let keyword = folded(&script.human_keyword);
    if !keyword.is_empty() && folded(typed).split_whitespace().any(|w| w == keyword) {
        return hand_over(state.english, None, HandOverReason::Keyword);
    }
    let mut next = state.clone();
    next.turns += 1;
    if next.turns > MAX_TURNS {
        return hand_over(state.english, None, HandOverReason::Loop);
    }
    let english = state.english;
    let Some(menu) = script.menu.at(&state.path) else {
        // The script changed under this conversation: a human takes it from here.
        return hand_over(english, None, HandOverReason::Loop);
    };
    if state.awaiting_answer {
        if typed.is_empty() {
            let question = script.question.as_ref().map(|q| pick(&q.text, english));
            return Turn {
                said: question.into_iter().map(say).collect(),
                outcome: Outcome::Continue(next),
                answer: None,
            };
        }
        next.awaiting_answer = false;
        return Turn {
            said: vec![menu_message(script, menu, (false, english), None)],
            outcome: Outcome::Continue(next),
            answer: Some(typed.to_owned()),
        };
    }
    let nested = !state.path.is_empty();
    let choice = chosen(menu, english, typed, tapped).filter(|c| c.is_some() || nested);
    let Some(choice) = choice else {
        next.invalid += 1;
        if next.invalid > MAX_INVALID {
            return hand_over(english, None, HandOverReason::Invalid);
        }
        let invalid = in_language(INVALID, english);
        return Turn {
            said: vec![menu_message(script, menu, (nested, english), Some(invalid))],
            outcome: Outcome::Continue(next),
            answer: None,
        };
    };
    next.invalid = 0;
    let Some(index) = choice else {
        next.path.pop();
        let parent = script.menu.at(&next.path).unwrap_or(&script.menu);
        let said = vec![menu_message(
            script,
            parent,
            (!next.path.is_empty(), english),
            None,
        )];
        return Turn {
            said,
            outcome: Outcome::Continue(next),
            answer: None,
        };
    };
    let Some(option) = menu.options.get(index) else {
        return hand_over(english, None, HandOverReason::Loop);
    };
    match &option.action {
        MenuAction::Group { group_id } => hand_over(english, *group_id, HandOverReason::Chosen),
        MenuAction::Message { text } => Turn {
            said: vec![
                say(pick(text, english)),
                menu_message(script, menu, (nested, english), None),
            ],
            outcome: Outcome::Continue(next),
            answer: None,
        },
        MenuAction::SubMenu { menu: sub } => {
            next.path.push(index);
            Turn {
                said: vec![menu_message(script, sub, (true, english), None)],
                outcome: Outcome::Continue(next),
                answer: None,
            }
        }
    }
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
