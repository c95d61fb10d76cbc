//! Messages tab: every message the service sends on its own (closing, out of hours, welcome,
//! queue, inactivity, survey thanks) in each language, with when it is sent, the placeholders
//! it may use and a preview filled with example values.

use leptos::prelude::*;

use super::Draft;
use crate::i18n::*;
use crate::model::service::{Localized, MessageKind};
use crate::placeholders;

fn message_label(locale: Locale, kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Closing => td_string!(locale, admin.services.message_closing),
        MessageKind::OutOfHours => td_string!(locale, admin.services.message_out_of_hours),
        MessageKind::Welcome => td_string!(locale, admin.services.message_welcome),
        MessageKind::Queue => td_string!(locale, admin.services.message_queue),
        MessageKind::InactivityWarning => {
            td_string!(locale, admin.services.message_inactivity_warning)
        }
        MessageKind::InactivityClose => td_string!(locale, admin.services.message_inactivity_close),
        MessageKind::SurveyThanks => td_string!(locale, admin.services.message_survey_thanks),
    }
}

fn message_hint(locale: Locale, kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Closing => td_string!(locale, admin.services.when_closing),
        MessageKind::OutOfHours => td_string!(locale, admin.services.when_out_of_hours),
        MessageKind::Welcome => td_string!(locale, admin.services.when_welcome),
        MessageKind::Queue => td_string!(locale, admin.services.when_queue),
        MessageKind::InactivityWarning => {
            td_string!(locale, admin.services.when_inactivity_warning)
        }
        MessageKind::InactivityClose => td_string!(locale, admin.services.when_inactivity_close),
        MessageKind::SurveyThanks => td_string!(locale, admin.services.when_survey_thanks),
    }
}

fn code(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Closing => "closing",
        MessageKind::OutOfHours => "out_of_hours",
        MessageKind::Welcome => "welcome",
        MessageKind::Queue => "queue",
        MessageKind::InactivityWarning => "inactivity_warning",
        MessageKind::InactivityClose => "inactivity_close",
        MessageKind::SurveyThanks => "survey_thanks",
    }
}

/// An empty text means the default; the messages without one are simply not sent.
fn default_text(kind: MessageKind, english: bool) -> &'static str {
    match placeholders::default_text(kind) {
        Some((_, en)) if english => en,
        Some((pt_br, _)) => pt_br,
        None => "",
    }
}

#[component]
fn MessageField(draft: Draft, kind: MessageKind, english: bool) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let pick = move |text: &Localized| {
        if english {
            text.en.clone()
        } else {
            text.pt_br.clone()
        }
    };
    let text = move || form.with(|f| pick(f.policy.messages.get(kind)));
    let preview = move || {
        let typed = text();
        let shown = if typed.trim().is_empty() {
            default_text(kind, english).to_owned()
        } else {
            typed
        };
        if shown.is_empty() {
            return (t_string!(i18n, admin.services.not_sent).to_owned(), false);
        }
        match placeholders::render(&shown, &placeholders::sample_values()) {
            Some(rendered) => (rendered, false),
            None => (
                t_string!(i18n, admin.services.bad_placeholder).to_owned(),
                true,
            ),
        }
    };
    let language = if english { "en" } else { "pt-BR" };
    view! {
        <label>{language}
            <textarea name=format!("message_{}_{}", code(kind), if english { "en" } else { "pt_br" }) rows="2" maxlength="1000"
                placeholder=default_text(kind, english)
                prop:value=text
                on:input=move |e| {
                    let typed = event_target_value(&e);
                    form.update(|f| {
                        let slot = f.policy.messages.get_mut(kind);
                        if english { slot.en = typed } else { slot.pt_br = typed }
                    });
                }></textarea>
        </label>
        <p class="preview" data-preview=format!("{}_{}", code(kind), language) class:form-error=move || preview().1>
            {move || preview().0}
        </p>
    }
}

#[component]
pub(super) fn Messages(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let names = placeholders::NAMES.map(|n| format!("{{{n}}}")).join(" ");
    view! {
        <p class="hint">{t!(i18n, admin.services.placeholders)} " " <code>{names}</code></p>
        {MessageKind::ALL.into_iter().map(|kind| view! {
            <fieldset class="service-message">
                <legend>{move || message_label(i18n.get_locale(), kind)}</legend>
                <p class="hint">{move || message_hint(i18n.get_locale(), kind)}</p>
                <MessageField draft kind english=false />
                <MessageField draft kind english=true />
            </fieldset>
        }).collect_view()}
    }
}
