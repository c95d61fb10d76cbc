//! The service editor: ManagerADM's tabs over one form. Every tab edits the same
//! `ServiceForm` signal and one Save sends it all; the server checks every tab.

mod groups;
mod integration;
mod messages;
mod registration;
mod script;
mod survey;
mod times;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{
    delete_service, get_service, save_service, service_form_choices, set_service_active,
};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::service::{Channel, ServiceChoices, ServiceDetail, ServiceForm};
use crate::ui::components::ErrorMessage;
use crate::ui::pages::admin_users::{Editing, SaveFeedback};

pub fn channel_label(locale: Locale, channel: Channel) -> &'static str {
    match channel {
        Channel::Messenger => td_string!(locale, admin.services.messenger),
        Channel::Instagram => td_string!(locale, admin.services.instagram),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Registration,
    Integration,
    Groups,
    Schedule,
    Times,
    Survey,
    Messages,
    Classification,
    Script,
}

impl Tab {
    const ALL: [Tab; 9] = [
        Tab::Registration,
        Tab::Integration,
        Tab::Groups,
        Tab::Schedule,
        Tab::Times,
        Tab::Survey,
        Tab::Messages,
        Tab::Classification,
        Tab::Script,
    ];

    fn label(self, locale: Locale) -> &'static str {
        match self {
            Tab::Registration => td_string!(locale, admin.services.tab_registration),
            Tab::Integration => td_string!(locale, admin.services.tab_integration),
            Tab::Groups => td_string!(locale, admin.services.tab_groups),
            Tab::Schedule => td_string!(locale, admin.services.tab_schedule),
            Tab::Times => td_string!(locale, admin.services.tab_times),
            Tab::Survey => td_string!(locale, admin.services.tab_survey),
            Tab::Messages => td_string!(locale, admin.services.tab_messages),
            Tab::Classification => td_string!(locale, admin.services.tab_classification),
            Tab::Script => td_string!(locale, admin.services.tab_script),
        }
    }
}

/// A new service: Messenger, active, Meta's current Send API URL.
fn blank() -> ServiceForm {
    ServiceForm {
        id: None,
        name: String::new(),
        channel: Channel::Messenger,
        cifra: String::new(),
        active: true,
        integration_url: "https://graph.facebook.com/v22.0/me/messages".to_owned(),
        access_token: None,
        groups: Vec::new(),
        schedule_id: None,
        policy: Default::default(),
        version: 0,
    }
}

fn form_of(service: &ServiceDetail) -> ServiceForm {
    ServiceForm {
        id: Some(service.id),
        name: service.name.clone(),
        channel: service.channel,
        cifra: service.cifra.clone(),
        active: service.active,
        integration_url: service.integration_url.clone(),
        access_token: None,
        groups: service.groups.clone(),
        schedule_id: service.schedule_id,
        policy: service.policy.clone(),
        version: service.version,
    }
}

/// What the tabs share: the form, the typed (unsaved) token and the loaded record's facts.
#[derive(Clone, Copy)]
struct Draft {
    form: RwSignal<ServiceForm>,
    token: RwSignal<String>,
    token_set: RwSignal<bool>,
    choices: RwSignal<Option<ServiceChoices>>,
}

#[component]
pub fn ServiceEditor(editing: RwSignal<Editing>, saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let draft = Draft {
        form: RwSignal::new(blank()),
        token: RwSignal::new(String::new()),
        token_set: RwSignal::new(false),
        choices: RwSignal::new(None),
    };
    let tab = RwSignal::new(Tab::Registration);
    let has_conversations = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let id = move || match editing.get() {
        Editing::Existing(id) => Some(id),
        _ => None,
    };
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_service(id).await.map(Some),
            None => Ok(None),
        }
    });
    let choices = Resource::new(|| (), |_| service_form_choices());
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = choices.get() {
            draft.choices.set(Some(loaded));
        }
    });
    let fill = move |service: Option<&ServiceDetail>| {
        draft.form.set(service.map(form_of).unwrap_or_else(blank));
        draft.token.set(String::new());
        draft.token_set.set(service.is_some_and(|s| s.token_set));
        has_conversations.set(service.is_some_and(|s| s.has_conversations));
        confirm_delete.set(false);
        error.set(None);
    };
    Effect::new(move |_| {
        if editing.get() == Editing::New {
            fill(None);
            tab.set(Tab::Registration);
        }
    });
    Effect::new(move |_| match detail.get() {
        Some(Ok(Some(service))) => fill(Some(&service)),
        Some(Ok(None)) | None => {}
        Some(Err(failure)) => error.set(Some(failure)),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut form = draft.form.get_untracked();
        let token = draft.token.get_untracked();
        form.access_token = (!token.trim().is_empty()).then_some(token);
        let feedback = SaveFeedback {
            editing,
            error,
            notice,
            saved,
        };
        spawn_local(async move {
            let result = save_service(form).await;
            feedback.show(
                result,
                td_string!(i18n.get_locale_untracked(), admin.services.saved),
            );
            detail.refetch();
        });
    };
    let toggle = move |_| {
        let Some(service) = id() else { return };
        let form = draft.form.get_untracked();
        spawn_local(async move {
            match set_service_active(service, !form.active, form.version).await {
                Ok(()) => {
                    detail.refetch();
                    saved.run(());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let delete = move |_| {
        let Some(service) = id() else { return };
        let version = draft.form.with_untracked(|f| f.version);
        spawn_local(async move {
            match delete_service(service, version).await {
                Ok(()) => {
                    editing.set(Editing::Nobody);
                    saved.run(());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let title = move || match id() {
        Some(_) => t_string!(
            i18n,
            admin.services.edit_title,
            name = draft.form.with(|f| f.name.clone())
        ),
        None => t_string!(i18n, admin.services.new_title).to_owned(),
    };
    let active = move || draft.form.with(|f| f.active);
    // Each tab is its own view (boxed): one nested type for all eight is too deep for rustc.
    let panel = move |which: Tab, content: AnyView| {
        view! { <div role="tabpanel" hidden=move || tab.get() != which>{content}</div> }.into_any()
    };
    view! {
        <form class="editor service-editor" on:submit=submit>
            <h2>{title}</h2>
            <div class="tabs" role="tablist">
                {Tab::ALL.into_iter().map(|each| view! {
                    <button type="button" role="tab" aria-selected=move || (tab.get() == each).to_string()
                        on:click=move |_| tab.set(each)>
                        {move || each.label(i18n.get_locale())}
                    </button>
                }).collect_view()}
            </div>
            {panel(Tab::Registration, view! { <registration::Registration draft /> }.into_any())}
            {panel(Tab::Integration, view! { <integration::Integration draft /> }.into_any())}
            {panel(Tab::Groups, view! { <groups::ServiceGroups draft /> }.into_any())}
            {panel(Tab::Schedule, view! { <groups::DefaultSchedule draft /> }.into_any())}
            {panel(Tab::Times, view! { <times::Times draft /> }.into_any())}
            {panel(Tab::Survey, view! { <survey::SurveyTab draft /> }.into_any())}
            {panel(Tab::Messages, view! { <messages::Messages draft /> }.into_any())}
            {panel(Tab::Classification, view! { <times::ClassificationTab draft /> }.into_any())}
            {panel(Tab::Script, view! { <script::ScriptTab draft /> }.into_any())}
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <p class="notice-ok" role="status">{move || notice.get()}</p>
            <div class="editor-actions">
                <button type="submit" class="primary">{t!(i18n, admin.services.save)}</button>
                <button type="button" on:click=move |_| editing.set(Editing::Nobody)>{t!(i18n, admin.services.cancel)}</button>
                <Show when=move || id().is_some()>
                    <button type="button" class:danger=active on:click=toggle>
                        {move || if active() { t_string!(i18n, admin.services.disable) } else { t_string!(i18n, admin.services.enable) }}
                    </button>
                </Show>
                <Show when=move || id().is_some() && !has_conversations.get()>
                    <Show when=move || confirm_delete.get() fallback=move || view! {
                        <button type="button" class="danger" on:click=move |_| confirm_delete.set(true)>{t!(i18n, admin.services.delete)}</button>
                    }>
                        <button type="button" class="danger" on:click=delete>{t!(i18n, admin.services.confirm_delete)}</button>
                    </Show>
                </Show>
            </div>
        </form>
    }
    .into_any()
}
