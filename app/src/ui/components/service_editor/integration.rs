//! Integration tab: channel, page access token (write-only), integration URL with a hint
//! when its Graph version is old, and "Test connection".

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{channel_label, Draft};
use crate::api::admin::test_connection;
use crate::error::AppError;
use crate::i18n::*;
use crate::model::service::{
    graph_version, Channel, ConnectionCheck, OLDEST_CURRENT_GRAPH_VERSION,
};
use crate::ui::components::ErrorMessage;

#[component]
pub(super) fn Integration(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let checking = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<ConnectionCheck, AppError>>);
    let old_version = move || {
        form.with(|f| graph_version(&f.integration_url))
            .filter(|v| *v < OLDEST_CURRENT_GRAPH_VERSION)
    };
    let test = move |_| {
        let (id, url, cifra) =
            form.with_untracked(|f| (f.id, f.integration_url.clone(), f.cifra.clone()));
        let token = Some(draft.token.get_untracked()).filter(|t| !t.trim().is_empty());
        checking.set(true);
        spawn_local(async move {
            outcome.set(Some(test_connection(id, url, cifra, token).await));
            checking.set(false);
        });
    };
    let describe = move |check: &ConnectionCheck| match check {
        ConnectionCheck::Matches { name } => {
            t_string!(i18n, admin.services.check_matches, name = name.clone())
        }
        ConnectionCheck::OtherPage { id, name } => {
            t_string!(
                i18n,
                admin.services.check_other_page,
                id = id.clone(),
                name = name.clone()
            )
        }
        ConnectionCheck::Refused { message } => t_string!(
            i18n,
            admin.services.check_refused,
            message = message.clone()
        ),
        ConnectionCheck::Unreachable => {
            t_string!(i18n, admin.services.check_unreachable).to_owned()
        }
        ConnectionCheck::NoToken => t_string!(i18n, admin.services.check_no_token).to_owned(),
    };
    view! {
        <label>{t!(i18n, admin.services.channel)}
            <select name="channel" on:change=move |e| {
                let chosen = Channel::parse(&event_target_value(&e)).unwrap_or_default();
                form.update(|f| f.channel = chosen);
            }>
                {Channel::ALL.into_iter().map(|c| view! {
                    <option value=c.as_str() selected=move || form.with(|f| f.channel == c)>
                        {move || channel_label(i18n.get_locale(), c)}
                    </option>
                }).collect_view()}
            </select>
        </label>
        <label>{t!(i18n, admin.services.access_token)}
            // Never filled from the server: the stored token stays there.
            <input name="access_token" type="password" autocomplete="off"
                placeholder=move || if draft.token_set.get() { "••••••••••••".to_owned() } else { String::new() }
                prop:value=move || draft.token.get()
                on:input=move |e| draft.token.set(event_target_value(&e)) />
            <span class="hint">{move || if draft.token_set.get() {
                t_string!(i18n, admin.services.token_set)
            } else {
                t_string!(i18n, admin.services.token_missing)
            }}</span>
        </label>
        <label>{t!(i18n, admin.services.integration_url)}
            <input name="integration_url" type="url" required=true
                prop:value=move || form.with(|f| f.integration_url.clone())
                on:input=move |e| form.update(|f| f.integration_url = event_target_value(&e)) />
            <span class="hint">{t!(i18n, admin.services.integration_url_hint)}</span>
        </label>
        {move || old_version().map(|version| view! {
            <p class="notice-warn" data-hint="graph-version">
                {t_string!(i18n, admin.services.old_version, version = version, current = OLDEST_CURRENT_GRAPH_VERSION)}
            </p>
        })}
        <div class="editor-actions">
            <button type="button" name="test_connection" on:click=test disabled=move || checking.get()>
                {t!(i18n, admin.services.test_connection)}
            </button>
        </div>
        <p role="status" data-check=move || outcome.with(|o| match o {
            Some(Ok(ConnectionCheck::Matches { .. })) => "matches",
            Some(Ok(_)) | Some(Err(_)) => "problem",
            None => "",
        })>
            {move || outcome.get().map(|result| match result {
                Ok(check) => {
                    let good = matches!(check, ConnectionCheck::Matches { .. });
                    view! { <span class:notice-ok=good class:form-error=!good>{describe(&check)}</span> }.into_any()
                }
                Err(error) => view! { <span class="form-error"><ErrorMessage error /></span> }.into_any(),
            })}
        </p>
    }
}
