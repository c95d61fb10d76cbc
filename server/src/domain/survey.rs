//! The satisfaction survey as a conversation: which questions a service asks, what counts as
//! an answer to each kind of question, and what comes after an answer or a non-answer (one
//! re-ask, then the survey gives up and the customer's message starts a new conversation).

use crate::domain::policy::{AnswerType, Localized, Survey, SurveyKind, SurveyQuestion};
use serde::{Deserialize, Serialize};

pub const STANDARD_PT_BR: &str =
    "Como você avalia o nosso atendimento? Responda de 1 (muito ruim) a 5 (excelente).";
pub const STANDARD_EN: &str =
    "How would you rate our service? Answer from 1 (very poor) to 5 (excellent).";

/// Said before a question asked again.
pub const REASK_PT_BR: &str = "Desculpe, não entendi.";
pub const REASK_EN: &str = "Sorry, I did not understand.";

/// The questions a survey asks, in order (none: no survey).
pub fn questions(survey: &Survey) -> Vec<SurveyQuestion> {
    match survey.kind {
        SurveyKind::None => Vec::new(),
        SurveyKind::Standard => vec![SurveyQuestion {
            text: Localized {
                pt_br: STANDARD_PT_BR.to_owned(),
                en: STANDARD_EN.to_owned(),
            },
            answer: AnswerType::Scale,
        }],
        SurveyKind::Custom => survey.questions.clone(),
    }
}

/// A valid answer: a score (1–5; yes is 1 and no 0) or a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Score(i64),
    Text(String),
}

/// A quick reply button: its title (shown, and sent back as the message's text) and payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub title: String,
    pub payload: String,
}

const PAYLOAD_PREFIX: &str = "SURVEY_";

/// The buttons offered with a question (none for free text).
pub fn quick_replies(answer: AnswerType, english: bool) -> Vec<QuickReply> {
    let button = |title: &str, value: &str| QuickReply {
        title: title.to_owned(),
        payload: format!("{PAYLOAD_PREFIX}{value}"),
    };
    match answer {
        AnswerType::Scale => (1..=5)
            .map(|n| button(&n.to_string(), &n.to_string()))
            .collect(),
        AnswerType::YesNo if english => vec![button("Yes", "YES"), button("No", "NO")],
        AnswerType::YesNo => vec![button("Sim", "YES"), button("Não", "NO")],
        AnswerType::FreeText => Vec::new(),
    }
}

/// Lower case, accents and punctuation gone: "Não!" reads as "nao".
pub fn folded(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'ô' | 'õ' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Reads a customer's message as an answer to a question of this kind: a tapped quick reply
/// (its payload) or a typed text. `None` when it is not an answer.
pub fn read_answer(
    answer: AnswerType,
    text: Option<&str>,
    quick_reply: Option<&str>,
) -> Option<Answer> {
    let tapped = quick_reply.and_then(|p| p.strip_prefix(PAYLOAD_PREFIX));
    let typed = text.map(str::trim).filter(|t| !t.is_empty());
    match answer {
        AnswerType::Scale => {
            let value = match tapped {
                Some(value) => value.to_owned(),
                None => folded(typed?),
            };
            let score: i64 = value.parse().ok()?;
            (1..=5).contains(&score).then_some(Answer::Score(score))
        }
        AnswerType::YesNo => {
            let value = match tapped {
                Some(value) => value.to_lowercase(),
                None => folded(typed?),
            };
            match value.as_str() {
                "yes" | "y" | "sim" | "s" => Some(Answer::Score(1)),
                "no" | "n" | "nao" => Some(Answer::Score(0)),
                _ => None,
            }
        }
        AnswerType::FreeText => typed.map(|t| Answer::Text(t.to_owned())),
    }
}

/// Where the survey stands: the question being asked and whether it was already asked again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub current: usize,
    pub reasked: bool,
}

/// What follows a customer's message during the survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Keep the answer to `current`, then ask question `next`.
    Next { answer: Answer, next: usize },
    /// Keep the answer: it was the last question (thank the customer).
    Finished { answer: Answer },
    /// Not an answer: ask the same question once more.
    Reask,
    /// Not an answer, again: the survey ends and the message starts a new conversation.
    GiveUp,
}

pub fn step(
    questions: &[SurveyQuestion],
    progress: Progress,
    text: Option<&str>,
    quick_reply: Option<&str>,
) -> Step {
    let Some(question) = questions.get(progress.current) else {
        return Step::GiveUp;
    };
    match read_answer(question.answer, text, quick_reply) {
        Some(answer) if progress.current + 1 < questions.len() => Step::Next {
            answer,
            next: progress.current + 1,
        },
        Some(answer) => Step::Finished { answer },
        None if progress.reasked => Step::GiveUp,
        None => Step::Reask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> Vec<SurveyQuestion> {
        let question = |text: &str, answer| SurveyQuestion {
            text: Localized {
                pt_br: text.to_owned(),
                en: String::new(),
            },
            answer,
        };
        vec![
            question("Nota?", AnswerType::Scale),
            question("Resolvido?", AnswerType::YesNo),
            question("Comentário?", AnswerType::FreeText),
        ]
    }

    #[test]
    fn the_standard_survey_is_one_scale_question_and_none_asks_nothing() {
        let standard = Survey {
            kind: SurveyKind::Standard,
            questions: custom(),
        };
        let asked = questions(&standard);
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].answer, AnswerType::Scale);
        assert_eq!(asked[0].text.pt_br, STANDARD_PT_BR);
        let none = Survey {
            kind: SurveyKind::None,
            questions: custom(),
        };
        assert!(questions(&none).is_empty());
    }

    #[test]
    fn scale_answers_are_a_tapped_button_or_a_typed_number_from_1_to_5() {
        let read = |text, payload| read_answer(AnswerType::Scale, text, payload);
        assert_eq!(read(Some("4"), Some("SURVEY_4")), Some(Answer::Score(4)));
        assert_eq!(read(Some(" 5! "), None), Some(Answer::Score(5)));
        assert_eq!(read(Some("0"), None), None);
        assert_eq!(read(Some("6"), None), None);
        assert_eq!(read(Some("ótimo"), None), None);
        assert_eq!(read(None, None), None);
        // Another bot's quick reply is not a score.
        assert_eq!(read(Some("Menu"), Some("MENU_2")), None);
    }

    #[test]
    fn yes_no_answers_read_both_languages_with_or_without_accents() {
        let read = |text| read_answer(AnswerType::YesNo, Some(text), None);
        for yes in ["Sim", "s", "YES", "y."] {
            assert_eq!(read(yes), Some(Answer::Score(1)), "{yes}");
        }
        for no in ["Não", "nao", "NO!", "n"] {
            assert_eq!(read(no), Some(Answer::Score(0)), "{no}");
        }
        assert_eq!(read("talvez"), None);
        let tapped = read_answer(AnswerType::YesNo, Some("Não"), Some("SURVEY_NO"));
        assert_eq!(tapped, Some(Answer::Score(0)));
    }

    #[test]
    fn free_text_takes_any_text_but_not_an_empty_message() {
        let read = |text| read_answer(AnswerType::FreeText, text, None);
        assert_eq!(
            read(Some(" Muito bom ")),
            Some(Answer::Text("Muito bom".into()))
        );
        assert_eq!(read(Some("  ")), None);
        assert_eq!(read(None), None, "a photo alone is no comment");
    }

    #[test]
    fn quick_replies_match_the_question_and_the_language() {
        let scale = quick_replies(AnswerType::Scale, false);
        assert_eq!(scale.len(), 5);
        assert_eq!(
            (scale[0].title.as_str(), scale[0].payload.as_str()),
            ("1", "SURVEY_1")
        );
        let titles = |english| {
            quick_replies(AnswerType::YesNo, english)
                .into_iter()
                .map(|b| b.title)
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(false), ["Sim", "Não"]);
        assert_eq!(titles(true), ["Yes", "No"]);
        assert!(quick_replies(AnswerType::FreeText, false).is_empty());
    }

    #[test]
    fn answers_move_on_one_non_answer_is_asked_again_and_a_second_gives_up() {
        let questions = custom();
        let at = |current, reasked| Progress { current, reasked };
        assert_eq!(
            step(&questions, at(0, false), Some("5"), None),
            Step::Next {
                answer: Answer::Score(5),
                next: 1
            }
        );
        assert_eq!(
            step(&questions, at(1, false), Some("bom dia"), None),
            Step::Reask
        );
        assert_eq!(
            step(&questions, at(1, true), Some("bom dia"), None),
            Step::GiveUp
        );
        assert_eq!(
            step(&questions, at(1, true), Some("sim"), None),
            Step::Next {
                answer: Answer::Score(1),
                next: 2
            }
        );
        assert_eq!(
            step(&questions, at(2, false), Some("Tudo certo"), None),
            Step::Finished {
                answer: Answer::Text("Tudo certo".into())
            }
        );
        assert_eq!(
            step(&questions, at(3, false), Some("5"), None),
            Step::GiveUp
        );
    }
}
