//! The chat pane's composer: text (Enter sends, Shift+Enter new line), emojis, attachments
//! (images, videos, GIFs: uploaded to `POST /media`, then sent), and the typing indicator.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ConsoleContext;
use crate::api::console::send_text;
use crate::error::AppError;
use crate::i18n::*;

/// The emojis a contact-center agent reaches for most (Messenger shows them all).
const EMOJIS: [&str; 32] = [
    "🙂", "😀", "😉", "😊", "😍", "🤩", "😅", "😂", "🙃", "🤔", "😮", "😢", "😞", "🙏", "👍", "👎",
    "👏", "🙌", "👋", "🤝", "💪", "❤️", "💙", "✅", "❌", "⚠️", "📦", "🚚", "🛒", "💳", "📞", "🎉",
];

/// Enter sends, Shift+Enter starts a new line.
#[component]
pub fn Composer(conversation: i64, error: RwSignal<Option<AppError>>) -> impl IntoView {
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
    let uploading = RwSignal::new(false);
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
            <label class="attach" title=move || t_string!(i18n, console.attach)>
                {"📎"}
                <span class="visually-hidden">{t!(i18n, console.attach)}</span>
                <input
                    type="file"
                    name="attachment"
                    accept="image/jpeg,image/png,image/gif,image/webp,video/mp4"
                    disabled=move || uploading.get()
                    on:change=move |event| {
                        #[cfg(feature = "hydrate")]
                        attach(event, conversation, uploading, error, context);
                        #[cfg(not(feature = "hydrate"))]
                        let _ = event;
                    }
                />
            </label>
            <button type="submit" class="primary" disabled=move || sending.get() || uploading.get()>{t!(i18n, console.send)}</button>
        </form>
        <Show when=move || uploading.get()>
            <p class="uploading" role="status">{t!(i18n, console.uploading)}</p>
        </Show>
    }
}

/// Uploads the chosen file and sends it to the customer.
#[cfg(feature = "hydrate")]
fn attach(
    event: leptos::ev::Event,
    conversation: i64,
    uploading: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
    context: ConsoleContext,
) {
    use wasm_bindgen::JsCast;

    let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    input.set_value("");
    uploading.set(true);
    spawn_local(async move {
        let sent = match upload(&file).await {
            Ok(media) => crate::api::console::send_media(conversation, media).await,
            Err(failure) => Err(failure),
        };
        match sent {
            Ok(()) => error.set(None),
            Err(failure) => error.set(Some(failure)),
        }
        uploading.set(false);
        context.reload();
    });
}

/// `POST /media` with the file as the body; the new attachment's id.
#[cfg(feature = "hydrate")]
async fn upload(file: &web_sys::File) -> Result<i64, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let failed = |detail: String| AppError::Request(detail);
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file);
    let headers = web_sys::Headers::new().map_err(|_| failed("headers".into()))?;
    headers
        .set("Content-Type", &file.type_())
        .map_err(|_| failed("content type".into()))?;
    init.set_headers(&headers);
    let response = JsFuture::from(window().fetch_with_str_and_init("/media", &init))
        .await
        .map_err(|_| failed("network".into()))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| failed("response".into()))?;
    let body = JsFuture::from(response.json().map_err(|_| failed("body".into()))?)
        .await
        .map_err(|_| failed("body".into()))?;
    let field = |name: &str| js_sys::Reflect::get(&body, &name.into()).ok();
    match response.status() {
        200..=299 => {}
        401 => return Err(AppError::Unauthenticated),
        // Not a type Messenger takes, too large, or empty.
        400 | 413 | 415 => {
            return Err(AppError::Invalid {
                field: crate::error::Field::Attachment,
            })
        }
        status => return Err(failed(status.to_string())),
    }
    field("id")
        .and_then(|id| id.as_f64())
        .map(|id| id as i64)
        .ok_or_else(|| failed("id".into()))
}
