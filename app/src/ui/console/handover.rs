//! Handing a conversation over from the chat pane: accepting or passing an offer (manual
//! answer mode) and transferring to a group or an agent.

use chrono::{DateTime, FixedOffset};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::status_bar::presence_name;
use super::ConsoleContext;
use crate::api::console::{accept_offer, decline_offer, list_transfer_targets, transfer};
use crate::error::AppError;
use crate::format::format_remaining;
use crate::i18n::*;

/// In place of the composer while the conversation is only offered.
#[component]
pub fn Offer(
    conversation: i64,
    until: DateTime<FixedOffset>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let left = move || format_remaining(until.timestamp_millis() - context.now.get());
    let act = move |accept: bool| {
        spawn_local(async move {
            let done = if accept {
                accept_offer(conversation).await
            } else {
                decline_offer(conversation).await
            };
            if let Err(failure) = done {
                error.set(Some(failure));
            }
            context.reload();
        });
    };
    view! {
        <div class="offer" role="group">
            <p>{t!(i18n, console.offer_intro)}</p>
            <p class="offer-time">{move || t_string!(i18n, console.offered, left = left())}</p>
            <button class="primary" on:click=move |_| act(true)>{t!(i18n, console.accept)}</button>
            <button on:click=move |_| act(false)>{t!(i18n, console.decline)}</button>
        </div>
    }
}

/// A transfer menu: the groups, then the agents with their state and load.
#[component]
pub fn Transfer(conversation: i64, error: RwSignal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let open = RwSignal::new(false);
    let choice = RwSignal::new(String::new());
    let targets = Resource::new(
        move || open.get(),
        |open| async move {
            if open {
                list_transfer_targets().await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let picked = choice.get_untracked();
        let (group, agent) = match picked.split_once(':') {
            Some(("group", id)) => (id.parse().ok(), None),
            Some(("agent", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        spawn_local(async move {
            match transfer(conversation, group, agent).await {
                Ok(()) => {
                    open.set(false);
                    error.set(None);
                }
                Err(failure) => error.set(Some(failure)),
            }
            context.reload();
        });
    };
    // Erased: the chat header holding this would otherwise be too deep a type.
    view! {
        <div class="transfer-wrap">
        <button class="transfer-chat" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {t!(i18n, console.transfer)}
        </button>
        <Show when=move || open.get()>
            <form class="transfer" on:submit=submit>
                <label>
                    {t!(i18n, console.transfer_to)}
                    <select name="target" required=true on:change=move |event| choice.set(event_target_value(&event))>
                        <option value="">{t!(i18n, console.transfer_pick)}</option>
                        <Transition>
                            {move || Suspend::new(async move {
                                let Ok(Some(targets)) = targets.await else {
                                    return ().into_any();
                                };
                                let locale = i18n.get_locale_untracked();
                                view! {
                                    <optgroup label=td_string!(locale, console.transfer_groups)>
                                        {targets.groups.into_iter().map(|group| view! {
                                            <option value=format!("group:{}", group.id)>{group.name}</option>
                                        }).collect_view()}
                                    </optgroup>
                                    <optgroup label=td_string!(locale, console.transfer_agents)>
                                        {targets.agents.into_iter().map(|agent| {
                                            let state = presence_name(locale, agent.presence);
                                            let label = td_string!(locale, console.transfer_agent_option,
                                                name = agent.name, state = state,
                                                open = agent.open, positions = agent.positions);
                                            view! { <option value=format!("agent:{}", agent.id)>{label}</option> }
                                        }).collect_view()}
                                    </optgroup>
                                }.into_any()
                            })}
                        </Transition>
                    </select>
                </label>
                <button type="submit" class="primary">{t!(i18n, console.transfer)}</button>
            </form>
        </Show>
        </div>
    }
    .into_any()
}
