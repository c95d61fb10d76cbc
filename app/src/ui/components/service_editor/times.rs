//! Times tab (the service's custom timeouts, each with its default) and Classification tab
//! (codes the agent picks on closing, required or not, and the wrap-up time).

use leptos::prelude::*;

use super::Draft;
use crate::i18n::*;
use crate::model::service::TimeKind;

fn time_label(locale: Locale, kind: TimeKind) -> &'static str {
    match kind {
        TimeKind::QueueWait => td_string!(locale, admin.services.time_queue_wait),
        TimeKind::InactivityClose => td_string!(locale, admin.services.time_inactivity_close),
        TimeKind::FirstResponseAlert => td_string!(locale, admin.services.time_first_response),
        TimeKind::WrapUp => td_string!(locale, admin.services.time_wrap_up),
        TimeKind::SurveyTimeout => td_string!(locale, admin.services.time_survey),
    }
}

/// One custom time: empty means the default, shown as the placeholder.
#[component]
fn TimeField(draft: Draft, kind: TimeKind) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let (default, max) = kind.default_and_max();
    let unit = move || {
        if kind.in_seconds() {
            t_string!(i18n, admin.services.seconds)
        } else {
            t_string!(i18n, admin.services.minutes)
        }
    };
    view! {
        <label>{move || time_label(i18n.get_locale(), kind)}
            <span class="with-unit">
                <input type="number" name=format!("time_{kind:?}") min="0" max=max.to_string()
                    placeholder=default.to_string()
                    prop:value=move || form.with(|f| f.policy.times.get(kind).map(|v| v.to_string()).unwrap_or_default())
                    on:input=move |e| {
                        let typed = event_target_value(&e);
                        // Kept as typed: the server refuses what is out of range.
                        let value = if typed.trim().is_empty() { None } else { Some(typed.trim().parse().unwrap_or(u32::MAX)) };
                        form.update(|f| f.policy.times.set(kind, value));
                    } />
                {unit}
            </span>
            <span class="hint">{move || t_string!(i18n, admin.services.time_default, value = default, unit = unit())}</span>
        </label>
    }
}

#[component]
pub(super) fn Times(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="hint">{t!(i18n, admin.services.times_intro)}</p>
        {TimeKind::ALL.into_iter().map(|kind| view! { <TimeField draft kind /> }).collect_view()}
        <OverflowGroup draft />
    }
}

/// Where a conversation goes after the queue wait limit: any group (it need not serve the
/// service), or none.
#[component]
fn OverflowGroup(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let groups = move || {
        draft
            .choices
            .with(|c| c.as_ref().map(|c| c.groups.clone()).unwrap_or_default())
    };
    let chosen = move || {
        form.with(|f| {
            f.policy
                .overflow_group_id
                .map(|id| id.to_string())
                .unwrap_or_default()
        })
    };
    view! {
        <label>{t!(i18n, admin.services.overflow_group)}
            <select name="overflow_group" prop:value=chosen
                on:change=move |e| {
                    let picked = event_target_value(&e).parse::<i64>().ok();
                    form.update(|f| f.policy.overflow_group_id = picked);
                }>
                <option value="">{t!(i18n, admin.services.overflow_none)}</option>
                {move || groups().into_iter().map(|g| {
                    let selected = form.with(|f| f.policy.overflow_group_id == Some(g.id));
                    view! { <option value=g.id.to_string() selected=selected>{g.name}</option> }
                }).collect_view()}
            </select>
            <span class="hint">{t!(i18n, admin.services.overflow_hint)}</span>
        </label>
    }
}

#[component]
pub(super) fn ClassificationTab(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    // One code per line, as typed; trimmed and checked by the server.
    let codes = move || form.with(|f| f.policy.classification.codes.join("\n"));
    view! {
        <label>{t!(i18n, admin.services.classification_codes)}
            <textarea name="classification_codes" rows="5" prop:value=codes
                on:change=move |e| {
                    let typed: Vec<String> = event_target_value(&e).lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect();
                    form.update(|f| f.policy.classification.codes = typed);
                }></textarea>
            <span class="hint">{t!(i18n, admin.services.classification_hint)}</span>
        </label>
        <label class="check">
            <input type="checkbox" name="classification_required"
                prop:checked=move || form.with(|f| f.policy.classification.required)
                on:change=move |e| form.update(|f| f.policy.classification.required = event_target_checked(&e)) />
            {t!(i18n, admin.services.classification_required)}
        </label>
        <TimeField draft kind=TimeKind::WrapUp />
    }
}
