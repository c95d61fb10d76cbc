use leptos::prelude::*;
use leptos::task::spawn_local;

use super::composer::Composer;
use super::handover::{Offer, Transfer};
use super::{display_name, ConsoleContext};
use crate::api::console::{close_conversation, conversation_messages};
use crate::error::AppError;
use crate::format::{format_datetime, format_time};
use crate::i18n::*;
use chrono::{DateTime, FixedOffset};

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

/// The selected conversation: its history, the 24-hour window, the composer, the actions.
#[component]
pub fn ChatPane(tiles: RwSignal<Vec<ConversationTile>>) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let error = RwSignal::new(None::<AppError>);
    // Loads the pane when the selection changes (or a gap asks for it); live events follow.
    let history = Resource::new(
        move || (context.selected.get(), context.pane_reload.get()),
        |(selected, _)| async move {
            match selected {
                Some(id) => conversation_messages(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    Effect::new(move |_| match history.get() {
        Some(Ok(Some(loaded))) => {
            error.set(None);
            context.show(loaded);
        }
        Some(Ok(None)) => context.pane.set(None),
        Some(Err(failure)) => error.set(Some(failure)),
        None => {}
    });
    let tile = move || {
        let selected = context.selected.get()?;
        tiles.with(|list| list.iter().find(|t| t.id == selected).cloned())
    };
    // Drawn again only for another conversation (or an accepted offer): the tiles reload on
    // every event, and the draft in the composer must survive that.
    let shown = Memo::new(move |_| tile().map(|t| (t.id, t.offered_until)));
    view! {
        <section class="chat">
            {move || match shown.get() {
                None => view! { <p class="empty">{t!(i18n, console.pick)}</p> }.into_any(),
                Some((id, offered_until)) => {
                    view! { <Conversation id offered_until tile=Signal::derive(tile) error /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Conversation(
    id: i64,
    offered_until: Option<DateTime<FixedOffset>>,
    tile: Signal<Option<ConversationTile>>,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let window_ends = move || {
        tile.get()?
            .last_customer_message_at
            .map(|at| at + chrono::Duration::hours(24))
    };
    let header_name = move || {
        tile.with(|t| t.as_ref().map(|t| display_name(i18n.get_locale(), t)))
            .unwrap_or_default()
    };
    let service_name = move || tile.with(|t| t.as_ref().map(|t| t.service_name.clone()));
    let protocol = move || tile.with(|t| t.as_ref().map(|t| t.protocol.clone()));
    let answer = move || tile.with(|t| t.as_ref().and_then(|t| t.customer_answer.clone()));
    let offered = offered_until.is_some();
    // The service's classification codes: the agent picks one before concluding.
    let codes = move || {
        tile.with(|t| {
            t.as_ref()
                .map(|t| t.classification_codes.clone())
                .unwrap_or_default()
        })
    };
    let code = RwSignal::new(String::new());
    let close = move |_| {
        let picked = Some(code.get_untracked()).filter(|c| !c.is_empty());
        spawn_local(async move {
            if let Err(failure) = close_conversation(id, picked).await {
                error.set(Some(failure));
            }
            context.reload();
        });
    };
    let messages = move || {
        context
            .pane
            .get()
            .filter(|pane| pane.conversation == id)
            .map(|pane| pane.messages)
            .unwrap_or_default()
    };
    // Built apart and erased: one deep view type here overflows the compiler's query depth.
    let actions = view! {
        <Show when=move || !offered>
            <Transfer conversation=id error />
            {move || {
                let list = codes();
                (!list.is_empty()).then(|| view! {
                    <select name="classification" aria-label=move || t_string!(i18n, console.classification)
                        on:change=move |e| code.set(event_target_value(&e))>
                        <option value="">{t!(i18n, console.classification)}</option>
                        {list.into_iter().map(|c| { let label = c.clone(); view! { <option value=c>{label}</option> } }).collect_view()}
                    </select>
                })
            }}
            <button class="close-chat" on:click=close>{t!(i18n, console.close)}</button>
        </Show>
    }
    .into_any();
    let list = view! {
        <ol class="messages" aria-live="polite">
            <For
                each=messages
                key=|m| (m.id, m.status.clone(), m.media.iter().filter(|f| f.ready).count())
                children=move |message| view! { <Bubble message current=id /> }
            />
        </ol>
    }
    .into_any();
    view! {
        <header class="chat-header">
            <div>
                <h2>{header_name}</h2>
                <span class="chat-service">{service_name}</span>
                <span class="chat-protocol" data-testid="protocol">
                    {move || protocol().map(|p| t_string!(i18n, console.protocol, protocol = p))}
                </span>
                <span class="chat-answer" data-testid="customer-answer"
                    title=move || t_string!(i18n, console.customer_answer)>{answer}</span>
            </div>
            <span class="window" data-testid="window">
                {move || window_ends().map(|ends| {
                    // Which answer Meta takes now: normal, HUMAN_AGENT-tagged, or none.
                    let locale = i18n.get_locale();
                    let now = context.now.get();
                    let human_until = ends + chrono::Duration::days(6);
                    if now < ends.timestamp_millis() {
                        td_string!(locale, console.window_until, when = format_datetime(locale, ends))
                    } else if now < human_until.timestamp_millis() {
                        td_string!(locale, console.human_agent_until, when = format_datetime(locale, human_until))
                    } else {
                        td_string!(locale, console.window_closed).to_owned()
                    }
                })}
            </span>
            {actions}
        </header>
        {list}
        {move || error.get().map(|error| view! { <p class="form-error"><ErrorMessage error /></p> })}
        {match offered_until {
            Some(until) => view! { <Offer conversation=id until error /> }.into_any(),
            None => view! { <Composer conversation=id error /> }.into_any(),
        }}
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
    let links = message
        .links
        .into_iter()
        .map(|link| {
            let shown = link.title.clone().unwrap_or_else(|| link.url.clone());
            view! {
                <a class="shared-link" href=link.url.clone() target="_blank" rel="noopener noreferrer nofollow">
                    {shown}
                </a>
            }
        })
        .collect_view();
    let unsupported = message.unsupported.map(|what| {
        view! {
            <p class="unsupported" title=what>{t!(i18n, console.unsupported_content)}</p>
        }
    });
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
            {links}
            {unsupported}
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
