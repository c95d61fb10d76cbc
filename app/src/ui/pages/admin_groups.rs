//! Admin > Groups: every group with its agents and services, and the editor.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{get_group, group_form_choices, list_groups, save_group, set_group_active};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::admin::{Choice, GroupDetail, GroupForm, GroupSummary};
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, Pager, RequireRole, SearchBox};
use crate::ui::pages::admin_users::{Editing, SaveFeedback};

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-groups">
                <AdminNav />
                <Groups />
            </main>
        } />
    }
}

#[component]
fn Groups() -> impl IntoView {
    let i18n = use_i18n();
    let reload = RwSignal::new(0u64);
    let editing = RwSignal::new(Editing::Nobody);
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1i64);
    let groups = Resource::new(
        move || (search.get(), page.get(), reload.get()),
        |(search, page, _)| list_groups(search, page),
    );
    let saved = Callback::new(move |_: ()| reload.update(|n| *n += 1));
    view! {
        <section class="panel" data-section="groups">
            <div class="panel-head">
                <h1>{t!(i18n, admin.groups.title)}</h1>
                <button class="primary" on:click=move |_| editing.set(Editing::New)>{t!(i18n, admin.groups.create)}</button>
            </div>
            <p class="hint">{t!(i18n, admin.groups.intro)}</p>
            <SearchBox label=Signal::derive(move || t_string!(i18n, admin.groups.search).to_owned()) search page />
            <Show when=move || editing.get() != Editing::Nobody>
                <GroupEditor editing saved />
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    match groups.await {
                        Ok(list) if list.groups.is_empty() => view! { <p class="empty">{t!(i18n, admin.groups.empty)}</p> }.into_any(),
                        Ok(list) => view! {
                            <GroupTable list=list.groups editing />
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
fn GroupTable(list: Vec<GroupSummary>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|group| {
            let (id, active) = (group.id, group.active);
            let label = group.name.clone();
            view! {
                <tr class:disabled=!active data-group=label>
                    <td><button class="link" on:click=move |_| editing.set(Editing::Existing(id))>{group.name}</button></td>
                    <td>{group.members.join(", ")}</td>
                    <td>{group.services.join(", ")}</td>
                    <td>{move || if active { t_string!(i18n, admin.groups.active) } else { t_string!(i18n, admin.groups.disabled) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data groups">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.groups.name)}</th>
                    <th>{t!(i18n, admin.groups.members)}</th>
                    <th>{t!(i18n, admin.groups.services)}</th>
                    <th>{t!(i18n, admin.groups.status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Checkboxes for a list of choices, bound to a list of ids.
#[component]
fn Checklist(
    name: &'static str,
    choices: Vec<Choice>,
    chosen: RwSignal<Vec<i64>>,
) -> impl IntoView {
    choices
        .into_iter()
        .map(|choice| {
            let id = choice.id;
            view! {
                <label class="check">
                    <input type="checkbox" name=name value=id.to_string()
                        prop:checked=move || chosen.with(|c| c.contains(&id))
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                        } />
                    {choice.name}
                </label>
            }
        })
        .collect_view()
}

#[component]
fn GroupEditor(editing: RwSignal<Editing>, saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<i64>::new());
    let services = RwSignal::new(Vec::<i64>::new());
    let version = RwSignal::new(0i64);
    let active = RwSignal::new(true);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let choices = Resource::new(|| (), |_| group_form_choices());
    let id = move || match editing.get() {
        Editing::Existing(id) => Some(id),
        _ => None,
    };
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_group(id).await.map(Some),
            None => Ok(None),
        }
    });
    let fill = move |group: Option<&GroupDetail>| {
        name.set(group.map(|g| g.name.clone()).unwrap_or_default());
        members.set(group.map(|g| g.member_ids.clone()).unwrap_or_default());
        services.set(group.map(|g| g.service_ids.clone()).unwrap_or_default());
        version.set(group.map(|g| g.version).unwrap_or(0));
        active.set(group.is_none_or(|g| g.active));
        error.set(None);
    };
    // A new group starts blank at once; an existing one fills in when it has loaded.
    Effect::new(move |_| {
        if editing.get() == Editing::New {
            fill(None);
        }
    });
    Effect::new(move |_| match detail.get() {
        Some(Ok(Some(group))) => fill(Some(&group)),
        Some(Ok(None)) | None => {}
        Some(Err(failure)) => error.set(Some(failure)),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = GroupForm {
            id: id(),
            name: name.get_untracked(),
            member_ids: members.get_untracked(),
            service_ids: services.get_untracked(),
            version: version.get_untracked(),
        };
        let feedback = SaveFeedback {
            editing,
            error,
            notice,
            saved,
        };
        spawn_local(async move {
            let result = save_group(form).await;
            feedback.show(
                result,
                td_string!(i18n.get_locale_untracked(), admin.groups.saved),
            );
            detail.refetch();
        });
    };
    let toggle = move |_| {
        let Some(group) = id() else { return };
        let (next, at) = (!active.get_untracked(), version.get_untracked());
        spawn_local(async move {
            match set_group_active(group, next, at).await {
                Ok(()) => {
                    detail.refetch();
                    saved.run(());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let title = move || match id() {
        Some(_) => t_string!(i18n, admin.groups.edit_title, name = name.get()),
        None => t_string!(i18n, admin.groups.new_title).to_owned(),
    };
    view! {
        <form class="editor user-editor" on:submit=submit>
            <h2>{title}</h2>
            <label>{t!(i18n, admin.groups.name)}
                <input name="name" required=true maxlength="80" prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e)) />
            </label>
            <Transition>
                {move || Suspend::new(async move {
                    let choices = choices.await.ok()?;
                    Some(view! {
                        <fieldset class="agent-settings">
                            <legend>{t!(i18n, admin.groups.members)}</legend>
                            <Checklist name="member" choices=choices.agents chosen=members />
                        </fieldset>
                        <fieldset class="agent-settings">
                            <legend>{t!(i18n, admin.groups.services)}</legend>
                            <Checklist name="service" choices=choices.services chosen=services />
                        </fieldset>
                    })
                })}
            </Transition>
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <p class="notice-ok" role="status">{move || notice.get()}</p>
            <div class="editor-actions">
                <button type="submit" class="primary">{t!(i18n, admin.groups.save)}</button>
                <button type="button" on:click=move |_| editing.set(Editing::Nobody)>{t!(i18n, admin.groups.cancel)}</button>
                <Show when=move || id().is_some()>
                    <button type="button" class:danger=move || active.get() on:click=toggle>
                        {move || if active.get() { t_string!(i18n, admin.groups.disable) } else { t_string!(i18n, admin.groups.enable) }}
                    </button>
                </Show>
            </div>
        </form>
    }
    .into_any()
}
