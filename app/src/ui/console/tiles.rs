use leptos::prelude::*;

use super::{display_name, ConsoleContext};
use crate::error::AppError;
use crate::format::{format_remaining, format_time};
use crate::i18n::*;
use crate::model::console::ConversationTile;

/// One tile per open conversation (at most the agent's positions).
#[component]
pub fn Tiles(tiles: Resource<Result<Vec<ConversationTile>, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    view! {
        <nav class="tiles" aria-label=move || t_string!(i18n, console.conversations)>
            <Transition>
                {move || Suspend::new(async move {
                    let list = tiles.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="empty">{t!(i18n, console.empty)}</p> }.into_any();
                    }
                    list.into_iter().map(|tile| {
                        let id = tile.id;
                        let selected = move || context.selected.get() == Some(id);
                        let unread = tile.unread;
                        let has_unread = unread != 0;
                        let name = {
                            let tile = tile.clone();
                            move || display_name(i18n.get_locale(), &tile)
                        };
                        let picture = tile.picture_media_id.map(|media| format!("/media/{media}"));
                        let initial = tile.contact_name.as_deref().and_then(|n| n.chars().next()).unwrap_or('?');
                        let since = tile.assigned_at;
                        let window_ends = tile.last_customer_message_at
                            .map(|at| at.timestamp_millis() + 24 * 3600 * 1000);
                        let offered_until = tile.offered_until.map(|at| at.timestamp_millis());
                        view! {
                            <button
                                class="tile"
                                class:selected=selected
                                class:unread=has_unread
                                class:offered=offered_until.is_some()
                                class:urgent=tile.overdue
                                title=move || tile.overdue.then(|| t_string!(i18n, console.overdue))
                                data-conversation=id
                                on:click=move |_| context.selected.set(Some(id))
                            >
                                {match picture {
                                    Some(src) => view! { <img class="avatar" src=src alt="" /> }.into_any(),
                                    None => view! { <span class="avatar">{initial.to_string()}</span> }.into_any(),
                                }}
                                <span class="tile-text">
                                    <strong class="tile-name">{name}</strong>
                                    <span class="tile-service">{tile.service_name.clone()}</span>
                                    <span class="tile-time">
                                        {move || since.map(|at| t_string!(i18n, console.waiting_since, time = format_time(i18n.get_locale(), at)))}
                                    </span>
                                    {move || match offered_until {
                                        Some(until) => {
                                            let left = format_remaining(until - context.now.get());
                                            view! { <span class="tile-offer">{t_string!(i18n, console.offered, left = left)}</span> }.into_any()
                                        }
                                        None => window_ends.map(|ends| {
                                            let left = ends - context.now.get();
                                            view! {
                                                <span class="tile-window" class:closing=left < 3600 * 1000>
                                                    {t_string!(i18n, console.window_left, left = format_remaining(left))}
                                                </span>
                                            }
                                        }).into_any(),
                                    }}
                                </span>
                                <Show when=move || has_unread>
                                    <span class="badge" title=move || t_string!(i18n, console.unread, count = unread)>{unread}</span>
                                </Show>
                            </button>
                        }
                    }).collect_view().into_any()
                })}
            </Transition>
        </nav>
    }
}
