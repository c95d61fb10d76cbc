//! The agent console: status bar, conversation tiles (up to 8 positions), chat pane. What it
//! shows comes from the console server functions and is reloaded whenever the live channel
//! says something changed (or after the agent acts).

mod chat;
#[cfg(feature = "hydrate")]
mod live;
pub mod status_bar;
mod tiles;

use leptos::prelude::*;

use crate::api::console::{console_status, my_conversations};
use crate::model::console::ConversationTile;
use chat::ChatPane;
pub use status_bar::reason_name;
use status_bar::StatusBar;
use tiles::Tiles;

/// Shared by the console's parts: bump `refresh` to reload everything shown.
#[derive(Clone, Copy)]
pub struct ConsoleContext {
    pub refresh: RwSignal<u64>,
    pub selected: RwSignal<Option<i64>>,
    pub connected: RwSignal<bool>,
}

impl ConsoleContext {
    pub fn reload(&self) {
        self.refresh.update(|n| *n += 1);
    }
}

/// The customer's name, or the fallback Meta's reviewers expect ("Facebook user ···1234").
pub fn display_name(locale: crate::i18n::Locale, tile: &ConversationTile) -> String {
    use crate::i18n::td_string;

    if let Some(name) = &tile.contact_name {
        return name.clone();
    }
    let id = &tile.contact_external_id;
    let suffix = &id[id.len().saturating_sub(4)..];
    if tile.channel == "instagram" {
        td_string!(locale, console.fallback_instagram, suffix = suffix)
    } else {
        td_string!(locale, console.fallback_facebook, suffix = suffix)
    }
}

#[component]
pub fn ConsoleView() -> impl IntoView {
    let context = ConsoleContext {
        refresh: RwSignal::new(0),
        selected: RwSignal::new(None),
        connected: RwSignal::new(true),
    };
    provide_context(context);
    let status = Resource::new(move || context.refresh.get(), |_| console_status());
    let tiles = Resource::new(move || context.refresh.get(), |_| my_conversations());
    // The first conversation opens by itself; a closed one gives way to the next.
    Effect::new(move |_| {
        if let Some(Ok(list)) = tiles.get() {
            let current = context.selected.get_untracked();
            if current.is_none_or(|id| list.iter().all(|t| t.id != id)) {
                context.selected.set(list.first().map(|t| t.id));
            }
        }
    });
    #[cfg(feature = "hydrate")]
    start_live(context, tiles);
    view! {
        <main class="console" data-page="console">
            <StatusBar status />
            <Show when=move || !context.connected.get()>
                <p class="live-lost" role="status">{move || crate::i18n::t_string!(crate::i18n::use_i18n(), console.live_lost)}</p>
            </Show>
            <div class="console-body">
                <Tiles tiles />
                <ChatPane tiles />
            </div>
        </main>
    }
}

/// Connects the live channel, asks for notification permission, and notifies new messages
/// when the console is out of sight or another chat is in front.
#[cfg(feature = "hydrate")]
fn start_live(
    context: ConsoleContext,
    tiles: Resource<Result<Vec<ConversationTile>, crate::error::AppError>>,
) {
    use std::collections::HashMap;
    use std::rc::Rc;

    use crate::i18n::{td_string, use_i18n};

    let i18n = use_i18n();
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            live::ask_permission();
            live::connect(Rc::new(move || context.reload()), context.connected);
        }
    });
    // What each tile last showed: a higher last message id with unread messages is news.
    let seen: StoredValue<Option<HashMap<i64, i64>>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let Some(Ok(list)) = tiles.get() else {
            return;
        };
        let previous = seen.get_value();
        let selected = context.selected.get_untracked();
        if let Some(previous) = &previous {
            for tile in &list {
                let news = tile.unread > 0
                    && previous
                        .get(&tile.id)
                        .is_none_or(|last| tile.last_message_id > *last);
                if news && (live::hidden() || selected != Some(tile.id)) {
                    let locale = i18n.get_locale_untracked();
                    let name = display_name(locale, tile);
                    let body = td_string!(
                        locale,
                        console.notify_body,
                        name = name,
                        service = &tile.service_name
                    );
                    live::notify(td_string!(locale, console.notify_title), &body);
                }
            }
        }
        seen.set_value(Some(
            list.iter().map(|t| (t.id, t.last_message_id)).collect(),
        ));
    });
}
