//! The user form of Admin > Users: a new user or the chosen one, with reset password and
//! enable/disable for existing users. The server validates; its errors show here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{get_user, group_options, reset_password, save_user, set_user_active};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::admin::{AnswerMode, UserDetail, UserForm};
use crate::model::Role;
use crate::ui::components::ErrorMessage;
use crate::ui::pages::admin_users::{role_label, Editing, SaveFeedback};

/// The form's fields, as signals.
#[derive(Clone, Copy)]
struct Fields {
    username: RwSignal<String>,
    display_name: RwSignal<String>,
    role: RwSignal<Role>,
    locale: RwSignal<String>,
    positions: RwSignal<u8>,
    answer_mode: RwSignal<AnswerMode>,
    groups: RwSignal<Vec<i64>>,
    password: RwSignal<String>,
    version: RwSignal<i64>,
    active: RwSignal<bool>,
}

impl Fields {
    fn fill(&self, user: Option<&UserDetail>) {
        self.username
            .set(user.map(|u| u.username.clone()).unwrap_or_default());
        self.display_name
            .set(user.map(|u| u.display_name.clone()).unwrap_or_default());
        self.role.set(user.map(|u| u.role).unwrap_or(Role::Agent));
        self.locale.set(
            user.map(|u| u.locale.clone())
                .unwrap_or_else(|| "pt-BR".into()),
        );
        self.positions.set(user.map(|u| u.positions).unwrap_or(8));
        self.answer_mode
            .set(user.map(|u| u.answer_mode).unwrap_or_default());
        self.groups
            .set(user.map(|u| u.group_ids.clone()).unwrap_or_default());
        self.password.set(String::new());
        self.version.set(user.map(|u| u.version).unwrap_or(0));
        self.active.set(user.is_none_or(|u| u.active));
    }
}

#[component]
pub fn UserEditor(
    editing: RwSignal<Editing>,
    is_admin: bool,
    saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = Fields {
        username: RwSignal::new(String::new()),
        display_name: RwSignal::new(String::new()),
        role: RwSignal::new(Role::Agent),
        locale: RwSignal::new("pt-BR".into()),
        positions: RwSignal::new(8),
        answer_mode: RwSignal::new(AnswerMode::Automatic),
        groups: RwSignal::new(Vec::new()),
        password: RwSignal::new(String::new()),
        version: RwSignal::new(0),
        active: RwSignal::new(true),
    };
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let new_password = RwSignal::new(String::new());
    let groups = Resource::new(|| (), |_| group_options());
    let detail = Resource::new(
        move || editing.get(),
        |editing| async move {
            match editing {
                Editing::Existing(id) => get_user(id).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    // A new record starts blank at once (not when a server answer comes back, which could
    // wipe what was typed meanwhile); an existing one fills in when it has loaded.
    Effect::new(move |_| {
        if editing.get() == Editing::New {
            fields.fill(None);
            error.set(None);
        }
    });
    Effect::new(move |_| match detail.get() {
        Some(Ok(Some(user))) => {
            fields.fill(Some(&user));
            error.set(None);
        }
        Some(Ok(None)) => {}
        Some(Err(failure)) => error.set(Some(failure)),
        None => {}
    });
    let id = move || match editing.get() {
        Editing::Existing(id) => Some(id),
        _ => None,
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = UserForm {
            id: id(),
            username: fields.username.get_untracked(),
            display_name: fields.display_name.get_untracked(),
            role: fields.role.get_untracked(),
            locale: fields.locale.get_untracked(),
            positions: fields.positions.get_untracked(),
            answer_mode: fields.answer_mode.get_untracked(),
            group_ids: fields.groups.get_untracked(),
            password: id().is_none().then(|| fields.password.get_untracked()),
            version: fields.version.get_untracked(),
        };
        let feedback = SaveFeedback {
            editing,
            error,
            notice,
            saved,
        };
        spawn_local(async move {
            let result = save_user(form).await;
            feedback.show(
                result,
                td_string!(i18n.get_locale_untracked(), admin.users.saved),
            );
            detail.refetch();
        });
    };
    let reset = move |_| {
        let Some(user) = id() else { return };
        let password = new_password.get_untracked();
        spawn_local(async move {
            match reset_password(user, password).await {
                Ok(()) => {
                    error.set(None);
                    new_password.set(String::new());
                    notice.set(Some(td_string!(
                        i18n.get_locale_untracked(),
                        admin.users.password_reset
                    )));
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let toggle = move |_| {
        let Some(user) = id() else { return };
        let (active, version) = (
            !fields.active.get_untracked(),
            fields.version.get_untracked(),
        );
        spawn_local(async move {
            match set_user_active(user, active, version).await {
                Ok(()) => {
                    error.set(None);
                    detail.refetch();
                    saved.run(());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let title = move || match editing.get() {
        Editing::Existing(_) => t_string!(
            i18n,
            admin.users.edit_title,
            name = fields.display_name.get()
        ),
        _ => t_string!(i18n, admin.users.new_title).to_owned(),
    };
    let is_agent = move || fields.role.get() == Role::Agent;
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| is_admin || *r != Role::Admin)
        .collect();
    let form = view! {
        <form class="editor" on:submit=submit>
            <h2>{title}</h2>
            <div class="editor-grid">
                <label>{t!(i18n, admin.users.username)}
                    <input name="username" required=true disabled=move || id().is_some()
                        prop:value=move || fields.username.get()
                        on:input=move |e| fields.username.set(event_target_value(&e)) />
                </label>
                <label>{t!(i18n, admin.users.name)}
                    <input name="display_name" required=true prop:value=move || fields.display_name.get()
                        on:input=move |e| fields.display_name.set(event_target_value(&e)) />
                </label>
                <label>{t!(i18n, admin.users.role)}
                    <select name="role" on:change=move |e| fields.role.set(event_target_value(&e).parse().unwrap_or(Role::Agent))>
                        {roles.into_iter().map(|role| view! {
                            <option value=role.as_str() selected=move || fields.role.get() == role>
                                {move || role_label(i18n.get_locale(), role)}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{t!(i18n, admin.users.language)}
                    <select name="locale" on:change=move |e| fields.locale.set(event_target_value(&e))>
                        <option value="pt-BR" selected=move || fields.locale.get() == "pt-BR">{t!(i18n, language.pt_BR)}</option>
                        <option value="en" selected=move || fields.locale.get() == "en">{t!(i18n, language.en)}</option>
                    </select>
                </label>
                <Show when=move || id().is_none()>
                    <label>{t!(i18n, admin.users.password)}
                        <input name="password" type="password" autocomplete="new-password" required=true
                            prop:value=move || fields.password.get()
                            on:input=move |e| fields.password.set(event_target_value(&e)) />
                    </label>
                </Show>
            </div>
            <fieldset class="agent-settings" disabled=move || !is_agent()>
                <legend>{t!(i18n, admin.users.agent_only)}</legend>
                <label>{t!(i18n, admin.users.positions)}
                    <input name="positions" type="number" min="1" max="8" prop:value=move || fields.positions.get().to_string()
                        on:input=move |e| fields.positions.set(event_target_value(&e).parse().unwrap_or(0)) />
                </label>
                <label>{t!(i18n, admin.users.answer_mode)}
                    <select name="answer_mode" on:change=move |e| fields.answer_mode.set(
                        if event_target_value(&e) == "manual" { AnswerMode::Manual } else { AnswerMode::Automatic })>
                        <option value="automatic" selected=move || fields.answer_mode.get() == AnswerMode::Automatic>{t!(i18n, admin.users.automatic)}</option>
                        <option value="manual" selected=move || fields.answer_mode.get() == AnswerMode::Manual>{t!(i18n, admin.users.manual)}</option>
                    </select>
                </label>
                <div class="group-choices" role="group" aria-label=move || t_string!(i18n, admin.users.groups)>
                    <span>{t!(i18n, admin.users.groups)}</span>
                    <Transition>
                        {move || Suspend::new(async move {
                            groups.await.unwrap_or_default().into_iter().map(|group| {
                                let gid = group.id;
                                view! {
                                    <label class="check">
                                        <input type="checkbox" name="group" value=gid.to_string()
                                            prop:checked=move || fields.groups.with(|g| g.contains(&gid))
                                            on:change=move |e| {
                                                let on = event_target_checked(&e);
                                                fields.groups.update(|g| { g.retain(|x| *x != gid); if on { g.push(gid); } });
                                            } />
                                        {group.name}
                                    </label>
                                }
                            }).collect_view()
                        })}
                    </Transition>
                </div>
            </fieldset>
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <p class="notice-ok" role="status">{move || notice.get()}</p>
            <div class="editor-actions">
                <button type="submit" class="primary">{t!(i18n, admin.users.save)}</button>
                <button type="button" on:click=move |_| editing.set(Editing::Nobody)>{t!(i18n, admin.users.cancel)}</button>
            </div>
        </form>
    }
    .into_any();
    view! {
        <div class="user-editor">
            {form}
            <Show when=move || id().is_some()>
                <div class="editor-extra">
                    <label>{t!(i18n, admin.users.new_password)}
                        <input name="new_password" type="password" autocomplete="new-password"
                            prop:value=move || new_password.get()
                            on:input=move |e| new_password.set(event_target_value(&e)) />
                    </label>
                    <button type="button" on:click=reset>{t!(i18n, admin.users.reset_password)}</button>
                    <button type="button" class:danger=move || fields.active.get() on:click=toggle>
                        {move || if fields.active.get() { t_string!(i18n, admin.users.disable) } else { t_string!(i18n, admin.users.enable) }}
                    </button>
                </div>
            </Show>
        </div>
    }
    .into_any()
}
