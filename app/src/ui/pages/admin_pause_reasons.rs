//! Admin > Pause reasons: add, rename (your own reasons) and stop offering one.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{list_pause_reasons, save_pause_reason, set_pause_reason_active};
use crate::error::AppError;
use crate::i18n::*;
use crate::model::admin::PauseReason;
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, RequireRole};
use crate::ui::console::reason_name;

/// The reasons that come with Atende: codes each language names (not renamed here).
const BUILT_IN: [&str; 4] = ["lunch", "break", "training", "feedback"];

#[component]
pub fn AdminPauseReasonsPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-pause-reasons">
                <AdminNav />
                <PauseReasons />
            </main>
        } />
    }
}

#[component]
fn PauseReasons() -> impl IntoView {
    let i18n = use_i18n();
    let reload = RwSignal::new(0u64);
    let error = RwSignal::new(None::<AppError>);
    let new_name = RwSignal::new(String::new());
    let reasons = Resource::new(move || reload.get(), |_| list_pause_reasons());
    let done = move |result: Result<(), AppError>| {
        match result {
            Ok(()) => error.set(None),
            Err(failure) => error.set(Some(failure)),
        }
        reload.update(|n| *n += 1);
    };
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let name = new_name.get_untracked();
        spawn_local(async move {
            let result = save_pause_reason(None, name, 0).await.map(|_| ());
            if result.is_ok() {
                new_name.set(String::new());
            }
            done(result);
        });
    };
    view! {
        <section class="panel" data-section="pause-reasons">
            <h1>{t!(i18n, admin.pause_reasons.title)}</h1>
            <p class="hint">{t!(i18n, admin.pause_reasons.intro)}</p>
            <form class="inline-add" on:submit=add>
                <input name="new_reason" required=true maxlength="60"
                    aria-label=move || t_string!(i18n, admin.pause_reasons.new_name)
                    placeholder=move || t_string!(i18n, admin.pause_reasons.new_name)
                    prop:value=move || new_name.get()
                    on:input=move |e| new_name.set(event_target_value(&e)) />
                <button type="submit" class="primary">{t!(i18n, admin.pause_reasons.add)}</button>
            </form>
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <Transition>
                {move || Suspend::new(async move {
                    let list = reasons.await.unwrap_or_default();
                    view! {
                        <table class="data pause-reasons">
                            <tbody>
                                {list.into_iter().map(|reason| view! { <ReasonRow reason done /> }).collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn ReasonRow(
    reason: PauseReason,
    done: impl Fn(Result<(), AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let PauseReason {
        id,
        name,
        active,
        version,
    } = reason;
    let built_in = BUILT_IN.contains(&name.as_str());
    let draft = RwSignal::new(name.clone());
    let rename = move |_| {
        let name = draft.get_untracked();
        spawn_local(
            async move { done(save_pause_reason(Some(id), name, version).await.map(|_| ())) },
        );
    };
    let toggle = move |_| {
        spawn_local(async move { done(set_pause_reason_active(id, !active, version).await) });
    };
    let label = name.clone();
    view! {
        <tr class:disabled=!active data-reason=name>
            <td>
                {if built_in {
                    view! { <span>{move || reason_name(i18n.get_locale(), &label)}</span> }.into_any()
                } else {
                    view! {
                        <input name="reason_name" maxlength="60" prop:value=move || draft.get()
                            on:input=move |e| draft.set(event_target_value(&e)) />
                        <button type="button" on:click=rename>{t!(i18n, admin.pause_reasons.save)}</button>
                    }.into_any()
                }}
            </td>
            <td>{move || if active { t_string!(i18n, admin.pause_reasons.active) } else { t_string!(i18n, admin.pause_reasons.disabled) }}</td>
            <td>
                <button type="button" class:danger=active on:click=toggle>
                    {move || if active { t_string!(i18n, admin.pause_reasons.disable) } else { t_string!(i18n, admin.pause_reasons.enable) }}
                </button>
            </td>
        </tr>
    }
}
