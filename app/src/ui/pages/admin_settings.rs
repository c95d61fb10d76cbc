//! Admin > General settings (admins only): links, the webhook for Meta's dashboard with copy
//! buttons, the verify token (regenerable), the write-only app secret, attachments, sandbox.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{get_settings, regenerate_verify_token, save_settings};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::settings::{
    GeneralSettings, GeneralSettingsForm, ATTACHMENT_MAX_MB, DELIVERY_RETENTION_DAYS,
    RETENTION_MAX_DAYS,
};
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, RequireRole};

#[component]
pub fn AdminSettingsPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-settings">
                <AdminNav />
                <Settings />
            </main>
        } />
    }
}

/// A read-only value with a button that copies it to the clipboard.
#[component]
fn Copyable(name: &'static str, value: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window
                .navigator()
                .clipboard()
                .write_text(&value.get_untracked());
            copied.set(true);
        }
    };
    view! {
        <span class="copyable">
            <input name=name readonly=true prop:value=move || value.get() />
            <button type="button" name=format!("copy_{name}") on:click=copy>
                {move || if copied.get() { t_string!(i18n, admin.settings.copied) } else { t_string!(i18n, admin.settings.copy) }}
            </button>
        </span>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let loaded = RwSignal::new(None::<GeneralSettings>);
    let reload = RwSignal::new(0u64);
    let resource = Resource::new(move || reload.get(), |_| get_settings());
    let external = RwSignal::new(String::new());
    let internal = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let max_mb = RwSignal::new(ATTACHMENT_MAX_MB.to_string());
    let sandbox = RwSignal::new(false);
    let hosts = RwSignal::new(String::new());
    let delivery_days = RwSignal::new(DELIVERY_RETENTION_DAYS.to_string());
    let media_days = RwSignal::new("0".to_owned());
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    Effect::new(move |_| match resource.get() {
        Some(Ok(settings)) => {
            external.set(settings.external_url.clone());
            internal.set(settings.internal_url.clone());
            max_mb.set(settings.attachment_max_mb.to_string());
            sandbox.set(settings.sandbox_enabled);
            hosts.set(settings.graph_hosts.clone());
            delivery_days.set(settings.delivery_retention_days.to_string());
            media_days.set(settings.media_retention_days.to_string());
            secret.set(String::new());
            loaded.set(Some(settings));
        }
        Some(Err(failure)) => error.set(Some(failure)),
        None => {}
    });
    let field = move |pick: fn(&GeneralSettings) -> String| {
        Signal::derive(move || loaded.with(|s| s.as_ref().map(pick).unwrap_or_default()))
    };
    let flag = move |pick: fn(&GeneralSettings) -> bool| {
        move || loaded.with(|s| s.as_ref().is_some_and(pick))
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = GeneralSettingsForm {
            external_url: external.get_untracked(),
            internal_url: internal.get_untracked(),
            app_secret: Some(secret.get_untracked()).filter(|s| !s.trim().is_empty()),
            attachment_max_mb: max_mb.get_untracked().trim().parse().unwrap_or(0),
            sandbox_enabled: sandbox.get_untracked(),
            graph_hosts: hosts.get_untracked(),
            delivery_retention_days: delivery_days.get_untracked().trim().parse().unwrap_or(0),
            media_retention_days: media_days
                .get_untracked()
                .trim()
                .parse()
                .unwrap_or(u32::MAX),
            version: loaded.with_untracked(|s| s.as_ref().map_or(0, |s| s.version)),
        };
        spawn_local(async move {
            match save_settings(form).await {
                Ok(()) => {
                    error.set(None);
                    notice.set(Some(td_string!(
                        i18n.get_locale_untracked(),
                        admin.settings.saved
                    )));
                    reload.update(|n| *n += 1);
                }
                Err(failure) => {
                    notice.set(None);
                    error.set(Some(failure));
                }
            }
        });
    };
    let regenerate = move |_| {
        spawn_local(async move {
            match regenerate_verify_token().await {
                Ok(()) => reload.update(|n| *n += 1),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let links = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.links)}</legend>
                    <label>{t!(i18n, admin.settings.external_url)}
                        <input name="external_url" type="url" required=true prop:value=move || external.get()
                            on:input=move |e| external.set(event_target_value(&e)) />
                        <span class="hint">{t!(i18n, admin.settings.external_hint)}</span>
                    </label>
                    <label>{t!(i18n, admin.settings.internal_url)}
                        <input name="internal_url" type="url" prop:value=move || internal.get()
                            on:input=move |e| internal.set(event_target_value(&e)) />
                        <span class="hint">{t!(i18n, admin.settings.internal_hint)}</span>
                    </label>
                </fieldset>
    }
    .into_any();
    let meta = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.meta)}</legend>
                    <p class="hint">{t!(i18n, admin.settings.meta_hint)}</p>
                    <label>{t!(i18n, admin.settings.messenger_webhook)}
                        <Copyable name="messenger_webhook" value=field(|s| s.messenger_webhook_url.clone()) />
                    </label>
                    <label>{t!(i18n, admin.settings.instagram_webhook)}
                        <Copyable name="instagram_webhook" value=field(|s| s.instagram_webhook_url.clone()) />
                    </label>
                    <label>{t!(i18n, admin.settings.verify_token)}
                        <Copyable name="verify_token" value=field(|s| s.verify_token.clone().unwrap_or_default()) />
                    </label>
                    <Show when=flag(|s| !s.verify_token_fixed)
                        fallback=move || view! { <p class="hint">{t!(i18n, admin.settings.fixed_by_environment)}</p> }>
                        <button type="button" name="regenerate" on:click=regenerate>{t!(i18n, admin.settings.regenerate)}</button>
                    </Show>
                    <label>{t!(i18n, admin.settings.app_secret)}
                        <input name="app_secret" type="password" autocomplete="off" disabled=flag(|s| s.app_secret_fixed)
                            placeholder=move || if flag(|s| s.app_secret_set)() { "••••••••••••".to_owned() } else { String::new() }
                            prop:value=move || secret.get() on:input=move |e| secret.set(event_target_value(&e)) />
                        <span class="hint">{move || if flag(|s| s.app_secret_fixed)() {
                            t_string!(i18n, admin.settings.fixed_by_environment)
                        } else if flag(|s| s.app_secret_set)() {
                            t_string!(i18n, admin.settings.secret_set)
                        } else {
                            t_string!(i18n, admin.settings.secret_missing)
                        }}</span>
                    </label>
                </fieldset>
    }
    .into_any();
    let attachments = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.attachments)}</legend>
                    <label>{t!(i18n, admin.settings.attachments_dir)}
                        <input name="attachments_dir" readonly=true prop:value=field(|s| s.attachments_dir.clone()) />
                        <span class="hint">{t!(i18n, admin.settings.attachments_dir_hint)}</span>
                    </label>
                    <label>{t!(i18n, admin.settings.attachment_max_mb)}
                        <span class="with-unit">
                            <input name="attachment_max_mb" type="number" min="1" max=ATTACHMENT_MAX_MB.to_string()
                                prop:value=move || max_mb.get() on:input=move |e| max_mb.set(event_target_value(&e)) />
                            "MB"
                        </span>
                    </label>
                </fieldset>
    }
    .into_any();
    let sandbox_box = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.sandbox)}</legend>
                    <label class="check">
                        <input type="checkbox" name="sandbox_enabled" disabled=move || !flag(|s| s.sandbox_available)()
                            prop:checked=move || sandbox.get() on:change=move |e| sandbox.set(event_target_checked(&e)) />
                        {t!(i18n, admin.settings.sandbox_enabled)}
                    </label>
                    <Show when=flag(|s| !s.sandbox_available)>
                        <p class="hint">{t!(i18n, admin.settings.sandbox_unavailable)}</p>
                    </Show>
                </fieldset>
    }
    .into_any();
    let outbound = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.outbound)}</legend>
                    <label>{t!(i18n, admin.settings.graph_hosts)}
                        <textarea name="graph_hosts" rows="3" prop:value=move || hosts.get()
                            on:input=move |e| hosts.set(event_target_value(&e))></textarea>
                        <span class="hint">{t!(i18n, admin.settings.graph_hosts_hint)}" "
                            {move || loaded.with(|s| s.as_ref().map(|s| s.graph_hosts_fixed.join(", ")).unwrap_or_default())}
                        </span>
                    </label>
                </fieldset>
    }
    .into_any();
    let retention = view! {
                <fieldset>
                    <legend>{t!(i18n, admin.settings.retention)}</legend>
                    <p class="hint">{t!(i18n, admin.settings.retention_hint)}</p>
                    <label>{t!(i18n, admin.settings.delivery_retention_days)}
                        <input name="delivery_retention_days" type="number" min="1" max=RETENTION_MAX_DAYS.to_string()
                            prop:value=move || delivery_days.get() on:input=move |e| delivery_days.set(event_target_value(&e)) />
                    </label>
                    <label>{t!(i18n, admin.settings.media_retention_days)}
                        <input name="media_retention_days" type="number" min="0" max=RETENTION_MAX_DAYS.to_string()
                            prop:value=move || media_days.get() on:input=move |e| media_days.set(event_target_value(&e)) />
                    </label>
                </fieldset>
    }
    .into_any();
    view! {
        <section class="panel" data-section="settings">
            <div class="panel-head"><h1>{t!(i18n, admin.settings.title)}</h1></div>
            <p class="hint">{t!(i18n, admin.settings.intro)}</p>
            <form class="editor settings-editor" on:submit=submit>
                {links}
                {meta}
                {attachments}
                {outbound}
                {retention}
                {sandbox_box}
                <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
                <p class="notice-ok" role="status">{move || notice.get()}</p>
                <div class="editor-actions">
                    <button type="submit" class="primary">{t!(i18n, admin.settings.save)}</button>
                </div>
            </form>
        </section>
    }
    .into_any()
}
