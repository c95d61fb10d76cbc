use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ConsoleContext;
use crate::api::console::set_presence;
use crate::error::AppError;
use crate::i18n::*;
use crate::model::console::{AgentStatus, Presence};
use crate::ui::components::ErrorMessage;

/// A pause reason in the agent's language (configured names are shown as they are).
pub fn reason_name(locale: Locale, reason: &str) -> String {
    match reason {
        "lunch" => td_string!(locale, console.reasons.lunch).to_owned(),
        "break" => td_string!(locale, console.reasons.pause).to_owned(),
        "training" => td_string!(locale, console.reasons.training).to_owned(),
        "feedback" => td_string!(locale, console.reasons.feedback).to_owned(),
        other => other.to_owned(),
    }
}

/// Operating, Paused or Offline in the user's language.
pub fn presence_name(locale: Locale, presence: Presence) -> &'static str {
    match presence {
        Presence::Operating => td_string!(locale, console.operating),
        Presence::Paused => td_string!(locale, console.paused),
        Presence::Offline => td_string!(locale, console.offline),
    }
}

/// Operating / Paused (with a reason) / Offline, and the positions in use.
#[component]
pub fn StatusBar(status: Resource<Result<AgentStatus, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let error = RwSignal::new(None::<AppError>);
    let on_change = move |event| {
        let value = event_target_value(&event);
        let (presence, reason) = match value.split_once(':') {
            Some(("paused", reason)) => (Presence::Paused, Some(reason.to_owned())),
            _ if value == "operating" => (Presence::Operating, None),
            _ => (Presence::Offline, None),
        };
        spawn_local(async move {
            match set_presence(presence, reason).await {
                Ok(_) => error.set(None),
                Err(failure) => error.set(Some(failure)),
            }
            context.reload();
        });
    };
    view! {
        <div class="status-bar">
            <Transition>
                {move || Suspend::new(async move {
                    let status = status.await.ok()?;
                    let current = match (&status.presence, &status.pause_reason) {
                        (Presence::Operating, _) => "operating".to_owned(),
                        (Presence::Paused, Some(reason)) => format!("paused:{reason}"),
                        _ => "offline".to_owned(),
                    };
                    let reasons = status.pause_reasons.clone();
                    let (used, total) = (status.open, status.positions);
                    let wrap_up_until = status.wrap_up_until.map(|at| at.timestamp_millis());
                    Some(view! {
                        <label class="presence" data-presence=current.clone()>
                            <span>{t!(i18n, console.status_label)}</span>
                            <select name="presence" on:change=on_change prop:value=current.clone()>
                                <option value="operating" selected=current == "operating">
                                    {t!(i18n, console.operating)}
                                </option>
                                {reasons.into_iter().map(|reason| {
                                    let value = format!("paused:{reason}");
                                    let selected = value == current;
                                    view! {
                                        <option value=value selected=selected>
                                            {move || {
                                                let name = reason_name(i18n.get_locale(), &reason);
                                                t_string!(i18n, console.paused_with, reason = name)
                                            }}
                                        </option>
                                    }
                                }).collect_view()}
                                <option value="offline" selected=current == "offline">
                                    {t!(i18n, console.offline)}
                                </option>
                            </select>
                        </label>
                        <span class="positions" data-testid="positions">
                            {move || t_string!(i18n, console.positions, used = used, total = total)}
                        </span>
                        {move || wrap_up_until.filter(|until| *until > context.now.get()).map(|until| {
                            let left = crate::format::format_remaining(until - context.now.get());
                            view! {
                                <span class="wrap-up" data-testid="wrap-up">
                                    {t_string!(i18n, console.wrap_up, left = left)}
                                </span>
                            }
                        })}
                    })
                })}
            </Transition>
            {move || error.get().map(|error| view! { <span class="form-error"><ErrorMessage error /></span> })}
        </div>
    }
}
