//! Survey tab: none, standard (one 1–5 question) or custom, with a question editor (text per
//! language, answer type, order).

use leptos::prelude::*;

use super::Draft;
use crate::i18n::*;
use crate::model::service::{AnswerType, SurveyKind, SurveyQuestion};

fn answer_label(locale: Locale, answer: AnswerType) -> &'static str {
    match answer {
        AnswerType::Scale => td_string!(locale, admin.services.answer_scale),
        AnswerType::YesNo => td_string!(locale, admin.services.answer_yes_no),
        AnswerType::FreeText => td_string!(locale, admin.services.answer_free_text),
    }
}

fn answer_code(answer: AnswerType) -> &'static str {
    match answer {
        AnswerType::Scale => "scale",
        AnswerType::YesNo => "yes_no",
        AnswerType::FreeText => "free_text",
    }
}

#[component]
pub(super) fn SurveyTab(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let kind = move || form.with(|f| f.policy.survey.kind);
    let count = Memo::new(move |_| form.with(|f| f.policy.survey.questions.len()));
    let choice = move |value: SurveyKind, label: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="survey_kind" value=label prop:checked=move || kind() == value
                    on:change=move |_| form.update(|f| f.policy.survey.kind = value) />
                {move || match value {
                    SurveyKind::None => t_string!(i18n, admin.services.survey_none),
                    SurveyKind::Standard => t_string!(i18n, admin.services.survey_standard),
                    SurveyKind::Custom => t_string!(i18n, admin.services.survey_custom),
                }}
            </label>
        }
        .into_any()
    };
    let edit = move |index: usize, change: fn(&mut SurveyQuestion, String), value: String| {
        form.update(|f| {
            if let Some(q) = f.policy.survey.questions.get_mut(index) {
                change(q, value);
            }
        })
    };
    let swap = move |a: usize, b: usize| {
        form.update(|f| {
            let questions = &mut f.policy.survey.questions;
            if a < questions.len() && b < questions.len() {
                questions.swap(a, b);
            }
        })
    };
    let question = move |index: usize| {
        let get = move |pick: fn(&SurveyQuestion) -> String| {
            move || {
                form.with(|f| {
                    f.policy
                        .survey
                        .questions
                        .get(index)
                        .map(pick)
                        .unwrap_or_default()
                })
            }
        };
        let answer = move || {
            form.with(|f| {
                f.policy
                    .survey
                    .questions
                    .get(index)
                    .map(|q| q.answer)
                    .unwrap_or_default()
            })
        };
        view! {
            <fieldset class="survey-question" data-question=index>
                <legend>{move || t_string!(i18n, admin.services.question_number, number = index + 1)}</legend>
                <label>{t!(i18n, admin.services.text_pt_br)}
                    <input name="question_pt_br" maxlength="300" prop:value=get(|q| q.text.pt_br.clone())
                        on:input=move |e| edit(index, |q, v| q.text.pt_br = v, event_target_value(&e)) />
                </label>
                <label>{t!(i18n, admin.services.text_en)}
                    <input name="question_en" maxlength="300" prop:value=get(|q| q.text.en.clone())
                        on:input=move |e| edit(index, |q, v| q.text.en = v, event_target_value(&e)) />
                </label>
                <label>{t!(i18n, admin.services.answer_type)}
                    <select name="answer_type" on:change=move |e| {
                        let chosen = AnswerType::ALL.into_iter().find(|a| answer_code(*a) == event_target_value(&e)).unwrap_or_default();
                        form.update(|f| if let Some(q) = f.policy.survey.questions.get_mut(index) { q.answer = chosen });
                    }>
                        {AnswerType::ALL.into_iter().map(|a| view! {
                            <option value=answer_code(a) selected=move || answer() == a>{move || answer_label(i18n.get_locale(), a)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <div class="editor-actions">
                    <button type="button" disabled={index == 0} on:click=move |_| swap(index, index.wrapping_sub(1))>{t!(i18n, admin.services.move_up)}</button>
                    <button type="button" disabled=move || index + 1 >= count.get() on:click=move |_| swap(index, index + 1)>{t!(i18n, admin.services.move_down)}</button>
                    <button type="button" class="danger" on:click=move |_| form.update(|f| { if index < f.policy.survey.questions.len() { f.policy.survey.questions.remove(index); } })>
                        {t!(i18n, admin.services.remove)}
                    </button>
                </div>
            </fieldset>
        }
        .into_any()
    };
    view! {
        <div class="choices">
            {choice(SurveyKind::None, "none")}
            {choice(SurveyKind::Standard, "standard")}
            {choice(SurveyKind::Custom, "custom")}
        </div>
        <Show when=move || kind() == SurveyKind::Standard>
            <p class="hint">{t!(i18n, admin.services.survey_standard_hint)}</p>
        </Show>
        <Show when=move || kind() == SurveyKind::Custom>
            {move || (0..count.get()).map(question).collect_view()}
            <button type="button" name="add_question" on:click=move |_| form.update(|f| f.policy.survey.questions.push(SurveyQuestion::default()))>
                {t!(i18n, admin.services.add_question)}
            </button>
        </Show>
    }
    .into_any()
}
