use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{display_name, ConsoleContext};
use crate::api::console::{close_conversation, conversation_messages, send_text};
use crate::error::AppError;
use crate::format::{format_datetime, format_time};
use crate::i18n::*;
use crate::model::console::{ChatMessage, ConversationTile};
use crate::ui::components::ErrorMessage;

fn status_name(locale: Locale, status: &str) -> &'static str {
    match status {
        "sending" => td_string!(locale, console.message_status.sending),
        "sent" => td_string!(locale, console.message_status.sent),
        "delivered" => td_string!(locale, console.message_status.delivered),
        "read" => td_string!(locale, console.message_status.read),
        "failed" => td_string!(locale, console.message_status.failed),
        _ => td_string!(locale, console.message_status.received),
    }
}

fn failure_name(locale: Locale, reason: &str) -> &'static str {
    match reason {
        "outside_window" => td_string!(locale, console.failure.outside_window),
        "person_unavailable" => td_string!(locale, console.failure.person_unavailable),
        "invalid_token" => td_string!(locale, console.failure.invalid_token),
        "gave_up" => td_string!(locale, console.failure.gave_up),
        _ => td_string!(locale, console.failure.invalid_request),
    }
}

/// The selected conversation: its history, the 24-hour window, the composer, closing.
#[component]
pub fn ChatPane(tiles: Resource<Result<Vec<ConversationTile>, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let messages = Resource::new(
        move || (context.selected.get(), context.refresh.get()),
        |(selected, _)| async move {
            match selected {
                Some(id) => conversation_messages(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let tile = move || {
        let selected = context.selected.get()?;
        tiles.get()?.ok()?.into_iter().find(|t| t.id == selected)
    };
    view! {
        <section class="chat">
            {move || match tile() {
                None => view! { <p class="empty">{t!(i18n, console.pick)}</p> }.into_any(),
                Some(tile) => view! { <Conversation tile messages /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Conversation(
    tile: ConversationTile,
    messages: Resource<Result<Vec<ChatMessage>, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let id = tile.id;
    let window_ends = tile
        .last_customer_message_at
        .map(|at| at + chrono::Duration::hours(24));
    let header_name = {
        let tile = tile.clone();
        move || display_name(i18n.get_locale(), &tile)
    };
    let error = RwSignal::new(None::<AppError>);
    let close = move |_| {
        spawn_local(async move {
            if let Err(failure) = close_conversation(id).await {
                error.set(Some(failure));
            }
            context.reload();
        });
    };
    view! {
        <header class="chat-header">
            <div>
                <h2>{header_name}</h2>
                <span class="chat-service">{tile.service_name.clone()}</span>
            </div>
            <span class="window" data-testid="window">
                {move || window_ends.map(|ends| {
                    let when = format_datetime(i18n.get_locale(), ends);
                    t_string!(i18n, console.window_until, when = when)
                })}
            </span>
            <button class="close-chat" on:click=close>{t!(i18n, console.close)}</button>
        </header>
        <ol class="messages" aria-live="polite">
            <Transition>
                {move || Suspend::new(async move {
                    let list = messages.await.unwrap_or_default();
                    list.into_iter().map(|message| view! { <Bubble message current=id /> }).collect_view()
                })}
            </Transition>
        </ol>
        {move || error.get().map(|error| view! { <p class="form-error"><ErrorMessage error /></p> })}
        <Composer conversation=id error />
    }
}

#[component]
fn Bubble(message: ChatMessage, current: i64) -> impl IntoView {
    let i18n = use_i18n();
    let outgoing = message.direction == "out";
    let earlier = message.conversation_id != current;
    let status = message.status.clone();
    let failure = message.failure_reason.clone();
    let sent_at = message.sent_at;
    let from_page_inbox = message.author == "page_inbox";
    let media = message
        .media
        .into_iter()
        .map(|file| {
            let src = format!("/media/{}", file.id);
            match (file.kind.as_str(), file.ready) {
                ("image", true) => view! { <img class="media" src=src alt="" /> }.into_any(),
                ("video", true) => {
                    view! { <video class="media" src=src controls=true></video> }.into_any()
                }
                ("audio", true) => view! { <audio src=src controls=true></audio> }.into_any(),
                (_, true) => view! { <a href=src target="_blank">{file.kind}</a> }.into_any(),
                (_, false) => view! { <span class="media pending">"…"</span> }.into_any(),
            }
        })
        .collect_view();
    view! {
        <li
            class="bubble"
            class:out=outgoing
            class:in=!outgoing
            class:earlier=earlier
            class:failed=message.status == "failed"
            data-message=message.id
            data-status=message.status.clone()
        >
            {media}
            {message.text.map(|text| view! { <p class="text">{text}</p> })}
            <span class="meta">
                {move || format_time(i18n.get_locale(), sent_at)}
                {move || outgoing.then(|| format!(" · {}", status_name(i18n.get_locale(), &status)))}
                {move || failure.as_deref().map(|reason| format!(": {}", failure_name(i18n.get_locale(), reason)))}
                {move || from_page_inbox.then(|| format!(" · {}", t_string!(i18n, console.page_inbox)))}
                {move || earlier.then(|| format!(" · {}", t_string!(i18n, console.earlier)))}
            </span>
        </li>
    }
}

/// The emojis a contact-center agent reaches for most (Messenger shows them all).
const EMOJIS: [&str; 32] = [
    "🙂", "😀", "😉", "😊", "😍", "🤩", "😅", "😂", "🙃", "🤔", "😮", "😢", "😞", "🙏", "👍", "👎",
    "👏", "🙌", "👋", "🤝", "💪", "❤️", "💙", "✅", "❌", "⚠️", "📦", "🚚", "🛒", "💳", "📞", "🎉",
];

/// Enter sends, Shift+Enter starts a new line.
#[component]
fn Composer(conversation: i64, error: RwSignal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let text = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    // Messenger shows "typing…" for about 20 s: tell it at most every 5 s.
    let last_typing = StoredValue::new(f64::MIN);
    let on_input = move |event| {
        text.set(event_target_value(&event));
        #[cfg(feature = "hydrate")]
        {
            let now = js_sys::Date::now();
            if now - last_typing.get_value() > 5_000.0 {
                last_typing.set_value(now);
                spawn_local(async move {
                    // Only a courtesy to the customer: a failure changes nothing here.
                    let _ = crate::api::console::agent_typing(conversation).await;
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = last_typing;
    };
    let insert_emoji = move |emoji: &'static str| text.update(|t| t.push_str(emoji));
    let picker = NodeRef::<leptos::html::Details>::new();
    let send = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        spawn_local(async move {
            match send_text(conversation, body).await {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
                    if let Some(picker) = picker.get_untracked() {
                        picker.set_open(false);
                    }
                }
                Err(failure) => error.set(Some(failure)),
            }
            sending.set(false);
            context.reload();
        });
    };
    view! {
        <form class="composer" on:submit=move |event| { event.prevent_default(); send(); }>
            <textarea
                name="text"
                rows="2"
                maxlength="2000"
                placeholder=move || t_string!(i18n, console.composer)
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=move |event: leptos::ev::KeyboardEvent| {
                    if event.key() == "Enter" && !event.shift_key() {
                        event.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <details class="emoji-picker" node_ref=picker>
                <summary title=move || t_string!(i18n, console.emoji)>{"🙂"}</summary>
                <div class="emoji-grid">
                    {EMOJIS.iter().map(|emoji| view! {
                        <button type="button" on:click=move |_| insert_emoji(emoji)>{*emoji}</button>
                    }).collect_view()}
                </div>
            </details>
            <button type="submit" class="primary" disabled=move || sending.get()>{t!(i18n, console.send)}</button>
        </form>
    }
}
