//! The rules of a service's policy tabs (times, survey, messages, classification): what an
//! admin may save. The run time trusts a saved policy.

use crate::domain::policy::{
    Localized, MessageKind, ServicePolicy, SurveyKind, SurveyQuestion, TimeKind,
};
use crate::domain::policy::{Menu, MenuAction, Script, LABEL_MAX_CHARS, MAX_DEPTH, MAX_OPTIONS};
use app::placeholders;

pub const MAX_QUESTIONS: usize = 10;
pub const QUESTION_MAX_CHARS: usize = 300;
/// Meta's text limit is 2,000 characters; placeholders grow a little when filled in.
pub const MESSAGE_MAX_CHARS: usize = 1000;
pub const MAX_CODES: usize = 100;
pub const CODE_MAX_CHARS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the {0:?} time is out of range")]
    Time(TimeKind),
    #[error("a custom survey needs 1 to 10 questions, each with a text")]
    SurveyQuestions,
    #[error("the {0:?} message is too long or names an unknown placeholder")]
    Message(MessageKind),
    #[error("classification codes must be distinct, non-empty, short, and present if required")]
    ClassificationCodes,
    #[error("an enabled script needs a keyword and menus of 1 to 9 labelled options")]
    Script,
}

fn trimmed(text: &Localized) -> Localized {
    Localized {
        pt_br: text.pt_br.trim().to_owned(),
        en: text.en.trim().to_owned(),
    }
}

/// The policy as it will be stored (texts trimmed), or the first rule it breaks.
pub fn check(policy: &ServicePolicy) -> Result<ServicePolicy, PolicyError> {
    let mut checked = policy.clone();
    for kind in TimeKind::ALL {
        let (_, max) = kind.default_and_max();
        let lowest = if kind.in_seconds() { 0 } else { 1 };
        if let Some(value) = policy.times.get(kind) {
            if value < lowest || value > max {
                return Err(PolicyError::Time(kind));
            }
        }
    }
    checked.survey.questions = policy
        .survey
        .questions
        .iter()
        .map(|q| SurveyQuestion {
            text: trimmed(&q.text),
            answer: q.answer,
        })
        .collect();
    let questions = &checked.survey.questions;
    let well_formed = questions.iter().all(|q| {
        let longest = q.text.pt_br.chars().count().max(q.text.en.chars().count());
        !(q.text.pt_br.is_empty() && q.text.en.is_empty()) && longest <= QUESTION_MAX_CHARS
    });
    let counted = questions.len() <= MAX_QUESTIONS
        && (policy.survey.kind != SurveyKind::Custom || !questions.is_empty());
    if !well_formed || !counted {
        return Err(PolicyError::SurveyQuestions);
    }
    for kind in MessageKind::ALL {
        let text = trimmed(policy.messages.get(kind));
        for language in [&text.pt_br, &text.en] {
            if language.chars().count() > MESSAGE_MAX_CHARS || !placeholders::is_valid(language) {
                return Err(PolicyError::Message(kind));
            }
        }
        *checked.messages.get_mut(kind) = text;
    }
    let codes: Vec<String> = policy
        .classification
        .codes
        .iter()
        .map(|code| code.trim().to_owned())
        .collect();
    let distinct = codes.iter().enumerate().all(|(i, code)| {
        !codes[..i]
            .iter()
            .any(|other| other.to_lowercase() == code.to_lowercase())
    });
    let each_fine = codes
        .iter()
        .all(|code| !code.is_empty() && code.chars().count() <= CODE_MAX_CHARS);
    if !distinct
        || !each_fine
        || codes.len() > MAX_CODES
        || (policy.classification.required && codes.is_empty())
    {
        return Err(PolicyError::ClassificationCodes);
    }
    checked.classification.codes = codes;
    if policy.script.enabled && !script_is_valid(&policy.script) {
        return Err(PolicyError::Script);
    }
    Ok(checked)
}

fn worded(text: &Localized, max: usize) -> bool {
    let longest = text
        .pt_br
        .trim()
        .chars()
        .count()
        .max(text.en.trim().chars().count());
    longest > 0 && longest <= max
}

/// Every menu has 1 to 9 options, each labelled (a quick reply's 20 characters at most) and
/// leading somewhere; sub-menus nest at most `MAX_DEPTH` deep.
fn menu_is_valid(menu: &Menu, depth: usize) -> bool {
    depth < MAX_DEPTH
        && (1..=MAX_OPTIONS).contains(&menu.options.len())
        && menu
            .prompt
            .pt_br
            .chars()
            .count()
            .max(menu.prompt.en.chars().count())
            <= MESSAGE_MAX_CHARS
        && menu.options.iter().all(|option| {
            worded(&option.label, LABEL_MAX_CHARS)
                && match &option.action {
                    MenuAction::Group { .. } => true,
                    MenuAction::Message { text } => worded(text, MESSAGE_MAX_CHARS),
                    MenuAction::SubMenu { menu } => menu_is_valid(menu, depth + 1),
                }
        })
}

fn script_is_valid(script: &Script) -> bool {
    let keyword = script.human_keyword.trim().chars().count();
    let question = script.question.as_ref().is_none_or(|q| {
        worded(&q.text, QUESTION_MAX_CHARS) && q.label.trim().chars().count() <= 40
    });
    (1..=30).contains(&keyword)
        && question
        && script
            .greeting
            .pt_br
            .chars()
            .count()
            .max(script.greeting.en.chars().count())
            <= MESSAGE_MAX_CHARS
        && menu_is_valid(&script.menu, 0)
}

/// The groups a script's options lead to (they must exist).
pub fn script_groups(menu: &Menu) -> Vec<i64> {
    menu.options
        .iter()
        .flat_map(|option| match &option.action {
            MenuAction::Group { group_id } => group_id.iter().copied().collect(),
            MenuAction::Message { .. } => Vec::new(),
            MenuAction::SubMenu { menu } => script_groups(menu),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::AnswerType;

    fn question(pt_br: &str) -> SurveyQuestion {
        SurveyQuestion {
            text: Localized {
                pt_br: pt_br.to_owned(),
                en: String::new(),
            },
            answer: AnswerType::Scale,
        }
    }

    #[test]
    fn the_default_policy_is_valid() {
        assert_eq!(
            check(&ServicePolicy::default()),
            Ok(ServicePolicy::default())
        );
    }

    #[test]
    fn times_stay_within_their_range() {
        let mut policy = ServicePolicy::default();
        policy.times.set(TimeKind::WrapUp, Some(0));
        policy.times.set(TimeKind::QueueWait, Some(15));
        assert!(check(&policy).is_ok());
        policy.times.set(TimeKind::QueueWait, Some(0));
        assert_eq!(check(&policy), Err(PolicyError::Time(TimeKind::QueueWait)));
        policy.times.set(TimeKind::QueueWait, None);
        policy.times.set(TimeKind::WrapUp, Some(3601));
        assert_eq!(check(&policy), Err(PolicyError::Time(TimeKind::WrapUp)));
    }

    #[test]
    fn a_custom_survey_needs_worded_questions() {
        let mut policy = ServicePolicy::default();
        policy.survey.kind = SurveyKind::Custom;
        assert_eq!(check(&policy), Err(PolicyError::SurveyQuestions));
        policy.survey.questions = vec![question("  Nota de 1 a 5?  ")];
        let checked = check(&policy).map(|p| p.survey.questions[0].text.pt_br.clone());
        assert_eq!(checked, Ok("Nota de 1 a 5?".to_owned()));
        policy.survey.questions.push(question("   "));
        assert_eq!(check(&policy), Err(PolicyError::SurveyQuestions));
        policy.survey.questions = vec![question("?"); MAX_QUESTIONS + 1];
        assert_eq!(check(&policy), Err(PolicyError::SurveyQuestions));
    }

    #[test]
    fn messages_only_name_known_placeholders() {
        let mut policy = ServicePolicy::default();
        policy.messages.welcome.pt_br = "Olá! Protocolo {protocol}.".to_owned();
        assert!(check(&policy).is_ok());
        policy.messages.queue.en = "You are number {position}".to_owned();
        assert_eq!(
            check(&policy),
            Err(PolicyError::Message(MessageKind::Queue))
        );
    }

    #[test]
    fn classification_codes_are_distinct_and_required_means_some() {
        let mut policy = ServicePolicy::default();
        policy.classification.required = true;
        assert_eq!(check(&policy), Err(PolicyError::ClassificationCodes));
        policy.classification.codes = vec![" Venda ".to_owned(), "Dúvida".to_owned()];
        let codes = check(&policy).map(|p| p.classification.codes);
        assert_eq!(codes, Ok(vec!["Venda".to_owned(), "Dúvida".to_owned()]));
        policy.classification.codes.push("venda".to_owned());
        assert_eq!(check(&policy), Err(PolicyError::ClassificationCodes));
    }
}

#[cfg(test)]
mod stored_format {
    use super::ServicePolicy;

    /// A policy with every field set, as `services.policy` holds it. Its spelling is the
    /// database's format: it must read and write back exactly like this.
    const GOLDEN: &str = include_str!("stored_policy_golden.json");

    #[test]
    fn a_stored_policy_reads_and_writes_back_unchanged() {
        let policy: ServicePolicy = serde_json::from_str(GOLDEN).expect("the stored policy reads");
        let written = serde_json::to_value(&policy).expect("it writes");
        let golden: serde_json::Value = serde_json::from_str(GOLDEN).expect("golden JSON");
        assert_eq!(written, golden);
    }

    #[test]
    fn an_empty_or_partial_document_takes_the_defaults() {
        let empty: ServicePolicy = serde_json::from_str("{}").expect("empty reads");
        assert_eq!(empty, ServicePolicy::default());
        let partial: ServicePolicy =
            serde_json::from_str(r#"{"times":{"wrap_up_seconds":20}}"#).expect("partial reads");
        assert_eq!(partial.times.wrap_up_seconds, Some(20));
        assert_eq!(partial.script, ServicePolicy::default().script);
    }
}
