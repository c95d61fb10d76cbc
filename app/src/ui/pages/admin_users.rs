//! Admin > Users: a searchable, paged list, and the editor for a new or chosen user.

use leptos::prelude::*;

use crate::api::admin::list_users;
use crate::i18n::*;
use crate::model::admin::{AnswerMode, UserSummary};
use crate::model::Role;
use crate::ui::components::{
    AdminNav, AppHeader, ErrorMessage, Pager, RequireRole, SearchBox, UserEditor,
};

/// Which record an editor shows: none, a new one, or one by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editing {
    Nobody,
    New,
    Existing(i64),
}

/// What an editor does with a save's answer: show the saved record (and say so), or the error.
#[derive(Clone, Copy)]
pub struct SaveFeedback {
    pub editing: RwSignal<Editing>,
    pub error: RwSignal<Option<crate::error::AppError>>,
    pub notice: RwSignal<Option<&'static str>>,
    /// Tells the list to reload.
    pub saved: Callback<()>,
}

impl SaveFeedback {
    pub fn show(&self, result: Result<i64, crate::error::AppError>, saved_text: &'static str) {
        match result {
            Ok(id) => {
                self.error.set(None);
                self.notice.set(Some(saved_text));
                // The editor reloads the record (its new version) when this changes.
                self.editing.set(Editing::Existing(id));
                self.saved.run(());
            }
            Err(failure) => {
                self.notice.set(None);
                self.error.set(Some(failure));
            }
        }
    }
}

pub fn role_label(locale: Locale, role: Role) -> &'static str {
    match role {
        Role::Admin => td_string!(locale, role.admin),
        Role::Supervisor => td_string!(locale, role.supervisor),
        Role::Agent => td_string!(locale, role.agent),
    }
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| {
            let is_admin = user.role == Role::Admin;
            view! {
                <AppHeader user=user />
                <main class="page" data-page="admin-users">
                    <AdminNav />
                    <Users is_admin />
                </main>
            }
        } />
    }
}

#[component]
fn Users(is_admin: bool) -> impl IntoView {
    let i18n = use_i18n();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1i64);
    let reload = RwSignal::new(0u64);
    let editing = RwSignal::new(Editing::Nobody);
    let users = Resource::new(
        move || (search.get(), page.get(), reload.get()),
        |(search, page, _)| list_users(search, page),
    );
    let saved = Callback::new(move |_: ()| reload.update(|n| *n += 1));
    view! {
        <section class="panel" data-section="users">
            <div class="panel-head">
                <h1>{t!(i18n, admin.users.title)}</h1>
                <button class="primary" on:click=move |_| editing.set(Editing::New)>{t!(i18n, admin.users.create)}</button>
            </div>
            <p class="hint">{t!(i18n, admin.users.intro)}</p>
            <SearchBox label=Signal::derive(move || t_string!(i18n, admin.users.search).to_owned()) search page />
            <Show when=move || editing.get() != Editing::Nobody>
                <UserEditor editing is_admin saved />
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) if list.users.is_empty() => {
                            view! { <p class="empty">{t!(i18n, admin.users.empty)}</p> }.into_any()
                        }
                        Ok(list) => view! {
                            <UserTable users=list.users editing />
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
fn UserTable(users: Vec<UserSummary>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = users
        .into_iter()
        .map(|user| {
            let id = user.id;
            let role = user.role;
            let mode = user.answer_mode;
            let active = user.active;
            let username = user.username.clone();
            view! {
                <tr class:disabled=!active data-user=username>
                    <td>
                        <button class="link" on:click=move |_| editing.set(Editing::Existing(id))>{user.display_name}</button>
                    </td>
                    <td>{user.username}</td>
                    <td>{move || role_label(i18n.get_locale(), role)}</td>
                    <td>{user.locale}</td>
                    <td>{user.positions.map(|p| p.to_string()).unwrap_or_default()}</td>
                    <td>{move || mode.map(|mode| match mode {
                        AnswerMode::Automatic => t_string!(i18n, admin.users.automatic),
                        AnswerMode::Manual => t_string!(i18n, admin.users.manual),
                    })}</td>
                    <td>{user.groups.join(", ")}</td>
                    <td>{move || if active { t_string!(i18n, admin.users.active) } else { t_string!(i18n, admin.users.disabled) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data users">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.users.name)}</th>
                    <th>{t!(i18n, admin.users.username)}</th>
                    <th>{t!(i18n, admin.users.role)}</th>
                    <th>{t!(i18n, admin.users.language)}</th>
                    <th>{t!(i18n, admin.users.positions)}</th>
                    <th>{t!(i18n, admin.users.answer_mode)}</th>
                    <th>{t!(i18n, admin.users.groups)}</th>
                    <th>{t!(i18n, admin.users.status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
