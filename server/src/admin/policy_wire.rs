//! The browser's service policy (`app::model`) and the server's (`domain::policy`), field by
//! field. The two are spelled alike today, but each may change without the other: the form
//! follows the UI, the server's type is the stored document.

use app::model::script as wire_script;
use app::model::service as wire;

use crate::domain::policy as domain;

/// `From` both ways between a wire type and its domain twin, field by field.
macro_rules! mirror {
    ($wire:ty, $domain:ty, |$from:ident| { $($field:ident: $convert:expr),* $(,)? }) => {
        impl From<$wire> for $domain {
            fn from($from: $wire) -> Self {
                Self { $($field: $convert),* }
            }
        }

        impl From<$domain> for $wire {
            fn from($from: $domain) -> Self {
                Self { $($field: $convert),* }
            }
        }
    };
}

/// Both ways between two fieldless enums with the same variants.
macro_rules! mirror_enum {
    ($wire:ty, $domain:ty, [$($variant:ident),* $(,)?]) => {
        impl From<$wire> for $domain {
            fn from(value: $wire) -> Self {
                match value {
                    $(<$wire>::$variant => <$domain>::$variant),*
                }
            }
        }

        impl From<$domain> for $wire {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => <$wire>::$variant),*
                }
            }
        }
    };
}

fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(B::from).collect()
}

mirror!(wire::ServicePolicy, domain::ServicePolicy, |p| {
    times: p.times.into(),
    survey: p.survey.into(),
    messages: p.messages.into(),
    classification: p.classification.into(),
    overflow_group_id: p.overflow_group_id,
    script: p.script.into(),
});

mirror!(wire::ServiceTimes, domain::ServiceTimes, |t| {
    queue_wait_minutes: t.queue_wait_minutes,
    inactivity_close_minutes: t.inactivity_close_minutes,
    first_response_alert_minutes: t.first_response_alert_minutes,
    wrap_up_seconds: t.wrap_up_seconds,
    survey_timeout_minutes: t.survey_timeout_minutes,
});

mirror!(wire::Survey, domain::Survey, |s| {
    kind: s.kind.into(),
    questions: all(s.questions),
});

mirror_enum!(
    wire::SurveyKind,
    domain::SurveyKind,
    [None, Standard, Custom]
);
mirror_enum!(
    wire::AnswerType,
    domain::AnswerType,
    [Scale, YesNo, FreeText]
);

mirror!(wire::SurveyQuestion, domain::SurveyQuestion, |q| {
    text: q.text.into(),
    answer: q.answer.into(),
});

mirror!(wire::Localized, domain::Localized, |l| { pt_br: l.pt_br, en: l.en });

mirror!(wire::ServiceMessages, domain::ServiceMessages, |m| {
    closing: m.closing.into(),
    out_of_hours: m.out_of_hours.into(),
    welcome: m.welcome.into(),
    queue: m.queue.into(),
    inactivity_warning: m.inactivity_warning.into(),
    inactivity_close: m.inactivity_close.into(),
    survey_thanks: m.survey_thanks.into(),
});

mirror!(wire::Classification, domain::Classification, |c| {
    codes: c.codes,
    required: c.required,
});

mirror!(wire_script::Script, domain::Script, |s| {
    enabled: s.enabled,
    buttons: s.buttons,
    greeting: s.greeting.into(),
    question: s.question.map(Into::into),
    menu: s.menu.into(),
    human_keyword: s.human_keyword,
});

mirror!(wire_script::ScriptQuestion, domain::ScriptQuestion, |q| {
    text: q.text.into(),
    label: q.label,
});

mirror!(wire_script::Menu, domain::Menu, |m| {
    prompt: m.prompt.into(),
    options: all(m.options),
});

mirror!(wire_script::MenuOption, domain::MenuOption, |o| {
    label: o.label.into(),
    action: o.action.into(),
});

impl From<wire_script::MenuAction> for domain::MenuAction {
    fn from(action: wire_script::MenuAction) -> Self {
        match action {
            wire_script::MenuAction::Group { group_id } => domain::MenuAction::Group { group_id },
            wire_script::MenuAction::Message { text } => {
                domain::MenuAction::Message { text: text.into() }
            }
            wire_script::MenuAction::SubMenu { menu } => {
                domain::MenuAction::SubMenu { menu: menu.into() }
            }
        }
    }
}

impl From<domain::MenuAction> for wire_script::MenuAction {
    fn from(action: domain::MenuAction) -> Self {
        match action {
            domain::MenuAction::Group { group_id } => wire_script::MenuAction::Group { group_id },
            domain::MenuAction::Message { text } => {
                wire_script::MenuAction::Message { text: text.into() }
            }
            domain::MenuAction::SubMenu { menu } => {
                wire_script::MenuAction::SubMenu { menu: menu.into() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored golden policy (every field set), read as the server's type.
    fn full_policy() -> domain::ServicePolicy {
        serde_json::from_str(include_str!("../domain/stored_policy_golden.json"))
            .expect("the golden policy reads")
    }

    #[test]
    fn a_policy_crosses_to_the_browser_and_back_unchanged() {
        let stored = full_policy();
        let shown: wire::ServicePolicy = stored.clone().into();
        assert_eq!(domain::ServicePolicy::from(shown.clone()), stored);
        // Every field arrived: the form shows what is stored.
        assert_eq!(shown.times.wrap_up_seconds, Some(30));
        assert_eq!(shown.survey.questions.len(), 3);
        assert_eq!(shown.messages.survey_thanks.en, "Thanks");
        assert_eq!(shown.classification.codes, ["Venda", "Dúvida"]);
        assert_eq!(shown.overflow_group_id, Some(7));
        assert_eq!(shown.script.human_keyword, "atendente");
        let nested = shown.script.menu.at(&[3]).expect("the sub-menu");
        assert_eq!(nested.options[0].label.en, "Support");
    }
}
