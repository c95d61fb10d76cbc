//! The agent console: status bar, conversation tiles (up to 8 positions), chat pane. Tiles and
//! status come from the console server functions and reload when the live channel reports a
//! change; the chat pane loads once and then applies the live channel's message events in
//! sequence order (a gap reloads it).

mod chat;
mod composer;
mod handover;
#[cfg(feature = "hydrate")]
mod live;
mod out_of_hours;
pub mod status_bar;
mod tiles;

use leptos::prelude::*;

use crate::api::console::{console_status, my_conversations};
use crate::model::console::{ChatHistory, ChatMessage, ConversationTile};
use chat::ChatPane;
use out_of_hours::OutOfHours;
pub use status_bar::reason_name;
use status_bar::StatusBar;
use tiles::Tiles;

/// Live events kept for a chat pane that finishes loading after they arrived.
const RECENT_EVENTS: usize = 300;

/// Shared by the console's parts.
#[derive(Clone, Copy)]
pub struct ConsoleContext {
    /// Bump to reload the status and the tiles.
    pub refresh: RwSignal<u64>,
    pub selected: RwSignal<Option<i64>>,
    pub connected: RwSignal<bool>,
    /// The selected conversation's messages and the sequence number they are current to.
    pub pane: RwSignal<Option<ChatHistory>>,
    /// Bump to load the chat pane again from the server.
    pub pane_reload: RwSignal<u64>,
    /// The clock countdowns are drawn with (epoch ms, ticking each second in the browser).
    pub now: RwSignal<i64>,
    recent: StoredValue<Vec<(i64, i64, Option<ChatMessage>)>>,
}

/// What a live event did to the chat pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Shown (or a conversation event moved the pane's sequence on).
    Applied,
    /// Already shown, or about another conversation.
    Nothing,
    /// Something before it was missed: the pane must reload.
    Gap,
}

impl ConsoleContext {
    pub fn reload(&self) {
        self.refresh.update(|n| *n += 1);
    }

    pub fn reload_pane(&self) {
        self.pane_reload.update(|n| *n += 1);
    }

    /// Shows a freshly loaded pane, with the live events that arrived while it loaded.
    pub fn show(&self, mut history: ChatHistory) {
        if self.selected.get_untracked() != Some(history.conversation) {
            return;
        }
        let mut later: Vec<(i64, Option<ChatMessage>)> = self.recent.with_value(|recent| {
            recent
                .iter()
                .filter(|(c, seq, _)| *c == history.conversation && *seq > history.seq)
                .map(|(_, seq, message)| (*seq, message.clone()))
                .collect()
        });
        later.sort_by_key(|(seq, _)| *seq);
        for (seq, message) in later {
            if seq == history.seq + 1 {
                history.seq = seq;
                if let Some(message) = message {
                    upsert(&mut history.messages, message);
                }
            }
        }
        self.pane.set(Some(history));
    }

    /// Applies a live event (`message` for message events) to the pane.
    pub fn apply(&self, conversation: i64, seq: i64, message: Option<ChatMessage>) -> Applied {
        self.recent.update_value(|recent| {
            recent.push((conversation, seq, message.clone()));
            let excess = recent.len().saturating_sub(RECENT_EVENTS);
            recent.drain(..excess);
        });
        let current = self
            .pane
            .with_untracked(|pane| pane.as_ref().map(|p| (p.conversation, p.seq)));
        match current {
            Some((shown, last)) if shown == conversation => {
                if seq <= last {
                    Applied::Nothing
                } else if seq == last + 1 {
                    self.pane.update(|pane| {
                        if let Some(pane) = pane {
                            pane.seq = seq;
                            if let Some(message) = message {
                                upsert(&mut pane.messages, message);
                            }
                        }
                    });
                    Applied::Applied
                } else {
                    Applied::Gap
                }
            }
            _ => Applied::Nothing,
        }
    }
}

/// Puts `message` in its place (by id), replacing an earlier copy of it.
fn upsert(messages: &mut Vec<ChatMessage>, message: ChatMessage) {
    match messages.binary_search_by_key(&message.id, |m| m.id) {
        Ok(index) => messages[index] = message,
        Err(index) => messages.insert(index, message),
    }
}

/// The customer's name, or the fallback Meta's reviewers expect ("Facebook user ···1234").
pub fn display_name(locale: crate::i18n::Locale, tile: &ConversationTile) -> String {
    contact_label(
        locale,
        tile.contact_name.as_deref(),
        &tile.contact_external_id,
        &tile.channel,
    )
}

/// The customer's profile name, or a fallback that tells customers apart ("Facebook user
/// ···1234") until Meta gives the profile (or if it never does).
pub fn contact_label(
    locale: crate::i18n::Locale,
    name: Option<&str>,
    external_id: &str,
    channel: &str,
) -> String {
    use crate::i18n::td_string;

    if let Some(name) = name {
        return name.to_owned();
    }
    let suffix = &external_id[external_id.len().saturating_sub(4)..];
    if channel == "instagram" {
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
        pane: RwSignal::new(None),
        pane_reload: RwSignal::new(0),
        now: RwSignal::new(crate::format::now_millis()),
        recent: StoredValue::new(Vec::new()),
    };
    provide_context(context);
    let status = Resource::new(move || context.refresh.get(), |_| console_status());
    let tiles = Resource::new(move || context.refresh.get(), |_| my_conversations());
    // The chat pane reads the tiles from a signal, not the resource: a resource read there
    // would put the whole console back to "Loading…" each time the tiles reload.
    let tile_list = RwSignal::new(Vec::<ConversationTile>::new());
    // The first conversation opens by itself; a closed one gives way to the next.
    Effect::new(move |_| {
        if let Some(Ok(list)) = tiles.get() {
            tile_list.set(list.clone());
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
                <ChatPane tiles=tile_list />
            </div>
            <OutOfHours />
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
            live::connect(Rc::new(move |event| on_event(context, event)), context);
            let tick = move || context.now.set(crate::format::now_millis());
            let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(1));
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

/// What the console does with each live event (`None`: the channel (re)connected).
#[cfg(feature = "hydrate")]
fn on_event(context: ConsoleContext, event: Option<crate::model::console::LiveEvent>) {
    use crate::model::console::LiveEvent;
    use leptos::task::spawn_local;

    match event {
        // (Re)connected: tiles may have come or gone meanwhile; the pane is resumed.
        None => context.reload(),
        Some(LiveEvent::Reload) => {
            context.reload();
            context.reload_pane();
        }
        Some(LiveEvent::Message {
            conversation,
            seq,
            message,
        }) => {
            let incoming = message.direction == "in";
            let id = message.id;
            match context.apply(conversation, seq, Some(message)) {
                Applied::Gap => context.reload_pane(),
                Applied::Applied if incoming && !live::hidden() => {
                    // The agent has it in front of them: seen (and "Seen" in Messenger).
                    spawn_local(async move {
                        let _ = crate::api::console::mark_seen(conversation, id).await;
                        context.reload();
                    });
                    return;
                }
                _ => {}
            }
            context.reload();
        }
        Some(LiveEvent::Conversation { conversation, seq }) => {
            if context.apply(conversation, seq, None) == Applied::Gap {
                context.reload_pane();
            }
            context.reload();
        }
    }
}
