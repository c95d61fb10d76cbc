//! Admin > Schedules ("Horário Padrão"): the schedules with whether each is open now, and the
//! editor (weekly hours, time zone, holidays, "open now?" preview).

use leptos::prelude::*;

use crate::api::admin::list_schedules;
use crate::i18n::*;
use crate::model::schedule::ScheduleSummary;
use crate::model::Role;
use crate::ui::components::schedule_editor::ScheduleEditor;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, Pager, RequireRole, SearchBox};
use crate::ui::pages::admin_users::Editing;

#[component]
pub fn AdminSchedulesPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-schedules">
                <AdminNav />
                <Schedules />
            </main>
        } />
    }
}

#[component]
fn Schedules() -> impl IntoView {
    let i18n = use_i18n();
    let reload = RwSignal::new(0u64);
    let editing = RwSignal::new(Editing::Nobody);
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1i64);
    let schedules = Resource::new(
        move || (search.get(), page.get(), reload.get()),
        |(search, page, _)| list_schedules(search, page),
    );
    let saved = Callback::new(move |_: ()| reload.update(|n| *n += 1));
    view! {
        <section class="panel" data-section="schedules">
            <div class="panel-head">
                <h1>{t!(i18n, admin.schedules.title)}</h1>
                <button class="primary" on:click=move |_| editing.set(Editing::New)>{t!(i18n, admin.schedules.create)}</button>
            </div>
            <p class="hint">{t!(i18n, admin.schedules.intro)}</p>
            <SearchBox label=Signal::derive(move || t_string!(i18n, admin.schedules.search).to_owned()) search page />
            <Show when=move || editing.get() != Editing::Nobody>
                <ScheduleEditor editing saved />
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    match schedules.await {
                        Ok(list) if list.schedules.is_empty() => view! { <p class="empty">{t!(i18n, admin.schedules.empty)}</p> }.into_any(),
                        Ok(list) => view! {
                            <ScheduleTable list=list.schedules editing />
                            <Pager current=list.page total=list.total per_page=list.per_page page />
                        }.into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ScheduleTable(list: Vec<ScheduleSummary>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|schedule| {
            let (id, active, open) = (schedule.id, schedule.active, schedule.open_now);
            let label = schedule.name.clone();
            view! {
                <tr class:disabled=!active data-schedule=label>
                    <td><button class="link" on:click=move |_| editing.set(Editing::Existing(id))>{schedule.name}</button></td>
                    <td>{schedule.time_zone}</td>
                    <td>
                        <span class="open-state" class:open=open>
                            {move || if open { t_string!(i18n, admin.schedules.open) } else { t_string!(i18n, admin.schedules.closed) }}
                        </span>
                    </td>
                    <td>{schedule.services.join(", ")}</td>
                    <td>{move || if active { t_string!(i18n, admin.services.active) } else { t_string!(i18n, admin.services.disabled) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data schedules">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.schedules.name)}</th>
                    <th>{t!(i18n, admin.schedules.time_zone)}</th>
                    <th>{t!(i18n, admin.schedules.now)}</th>
                    <th>{t!(i18n, admin.schedules.services)}</th>
                    <th>{t!(i18n, admin.services.status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
