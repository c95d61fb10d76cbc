//! Service groups tab (each group with the schedule it attends by) and Schedule tab (the
//! service's default schedule).

use leptos::prelude::*;

use super::Draft;
use crate::i18n::*;
use crate::model::admin::Choice;
use crate::model::service::ServiceGroup;

/// `""` is None (the service's schedule, or no schedule).
fn parse_id(raw: &str) -> Option<i64> {
    raw.parse().ok()
}

fn options(
    choices: Vec<Choice>,
    selected: impl Fn() -> Option<i64> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    choices
        .into_iter()
        .map(|c| {
            let id = c.id;
            view! { <option value=id.to_string() selected=move || selected() == Some(id)>{c.name}</option> }
        })
        .collect_view()
}

#[component]
pub(super) fn ServiceGroups(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let count = Memo::new(move |_| form.with(|f| f.groups.len()));
    let add = move |_| {
        let first = draft
            .choices
            .with_untracked(|c| c.as_ref().and_then(|c| c.groups.first()).map(|g| g.id));
        if let Some(group_id) = first {
            form.update(|f| {
                f.groups.push(ServiceGroup {
                    group_id,
                    schedule_id: None,
                })
            });
        }
    };
    let row = move |index: usize| {
        let group = move || form.with(|f| f.groups.get(index).map(|g| g.group_id));
        let schedule = move || form.with(|f| f.groups.get(index).and_then(|g| g.schedule_id));
        let choices =
            draft
                .choices
                .get()
                .unwrap_or_else(|| crate::model::service::ServiceChoices {
                    groups: Vec::new(),
                    schedules: Vec::new(),
                });
        view! {
            <tr data-row=index>
                <td>
                    <select name="group" aria-label=move || t_string!(i18n, admin.services.group)
                        on:change=move |e| {
                            if let Some(id) = parse_id(&event_target_value(&e)) {
                                form.update(|f| if let Some(g) = f.groups.get_mut(index) { g.group_id = id });
                            }
                        }>
                        {options(choices.groups, group)}
                    </select>
                </td>
                <td>
                    <select name="group_schedule" aria-label=move || t_string!(i18n, admin.services.group_schedule)
                        on:change=move |e| {
                            let id = parse_id(&event_target_value(&e));
                            form.update(|f| if let Some(g) = f.groups.get_mut(index) { g.schedule_id = id });
                        }>
                        <option value="" selected=move || schedule().is_none()>{t!(i18n, admin.services.service_schedule)}</option>
                        {options(choices.schedules, schedule)}
                    </select>
                </td>
                <td>
                    <button type="button" class="link danger" on:click=move |_| form.update(|f| { if index < f.groups.len() { f.groups.remove(index); } })>
                        {t!(i18n, admin.services.remove)}
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <p class="hint">{t!(i18n, admin.services.groups_intro)}</p>
        <table class="data service-groups">
            <thead><tr>
                <th>{t!(i18n, admin.services.group)}</th>
                <th>{t!(i18n, admin.services.group_schedule)}</th>
                <th></th>
            </tr></thead>
            // Redrawn when a row is added or removed, or when the choices arrive.
            <tbody>{move || { draft.choices.track(); (0..count.get()).map(row).collect_view() }}</tbody>
        </table>
        <button type="button" name="add_group" on:click=add>{t!(i18n, admin.services.add_group)}</button>
    }
}

#[component]
pub(super) fn DefaultSchedule(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let selected = move || form.with(|f| f.schedule_id);
    view! {
        <label>{t!(i18n, admin.services.default_schedule)}
            <select name="schedule" on:change=move |e| {
                let id = parse_id(&event_target_value(&e));
                form.update(|f| f.schedule_id = id);
            }>
                <option value="" selected=move || selected().is_none()>{t!(i18n, admin.services.always_open)}</option>
                {move || draft.choices.get().map(|c| options(c.schedules, selected))}
            </select>
        </label>
        <p class="hint">
            {t!(i18n, admin.services.schedule_hint)} " "
            <a href="/admin/schedules">{t!(i18n, admin.services.manage_schedules)}</a>
        </p>
    }
}
