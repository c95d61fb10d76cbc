//! The browser side of the console's live channel and its notifications (hydrate only).
//! The WebSocket says "changed"; the console then reloads through its server functions, so a
//! lost or repeated event never loses or duplicates a message. It reconnects every 2 s after
//! a drop, and reloads on each reconnect.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// Opens (and keeps open) `/console/live`; `on_change` runs on every event and reconnect.
pub fn connect(on_change: Rc<dyn Fn()>, connected: RwSignal<bool>) {
    let Some(location) = window().location().host().ok() else {
        return;
    };
    let scheme = match window().location().protocol().ok().as_deref() {
        Some("https:") => "wss",
        _ => "ws",
    };
    let Ok(socket) = WebSocket::new(&format!("{scheme}://{location}/console/live")) else {
        retry(on_change, connected);
        return;
    };
    let on_open = {
        let on_change = on_change.clone();
        Closure::<dyn FnMut()>::new(move || {
            connected.set(true);
            on_change();
        })
    };
    let on_message = {
        let on_change = on_change.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| on_change())
    };
    let on_close = Closure::<dyn FnMut()>::new(move || {
        connected.set(false);
        retry(on_change.clone(), connected);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The handlers live as long as the page: the socket is the console's for its whole life.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}

fn retry(on_change: Rc<dyn Fn()>, connected: RwSignal<bool>) {
    set_timeout(
        move || connect(on_change, connected),
        Duration::from_secs(2),
    );
}

/// Asks once for permission to show notifications (the browser remembers the answer).
pub fn ask_permission() {
    if web_sys::Notification::permission() == web_sys::NotificationPermission::Default {
        // The answer comes back through the browser; nothing to do with the promise.
        let _ = web_sys::Notification::request_permission();
    }
}

/// Whether the console is out of sight (another tab or window in front).
pub fn hidden() -> bool {
    document().hidden()
}

/// A notification with a short tone, if the agent allowed notifications.
pub fn notify(title: &str, body: &str) {
    if web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        let _ = web_sys::Notification::new_with_options(title, &options);
    }
    beep();
}

/// 150 ms at 880 Hz: enough to hear, short enough not to annoy.
fn beep() {
    let Ok(audio) = web_sys::AudioContext::new() else {
        return;
    };
    let (Ok(oscillator), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
        return;
    };
    oscillator.frequency().set_value(880.0);
    gain.gain().set_value(0.08);
    let now = audio.current_time();
    let wired = oscillator
        .connect_with_audio_node(&gain)
        .and_then(|_| gain.connect_with_audio_node(&audio.destination()));
    if wired.is_ok() && oscillator.start().is_ok() {
        let _ = oscillator.stop_with_when(now + 0.15);
    }
}
