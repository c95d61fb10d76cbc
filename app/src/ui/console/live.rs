//! The browser side of the console's live channel and its notifications (hydrate only).
//! On each (re)connect the console says which conversation it shows and the last sequence
//! number it saw; the server replays what followed, then streams. It reconnects every 2 s
//! after a drop.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::ConsoleContext;
use crate::model::console::{LiveEvent, Resume};

/// The server's close code for "your session ended" (see the server's `console::live`).
const SESSION_ENDED: u16 = 4001;

/// Each event, or `None` when the channel (re)connects.
pub type OnEvent = Rc<dyn Fn(Option<LiveEvent>)>;

/// Opens (and keeps open) `/console/live`.
pub fn connect(on_event: OnEvent, context: ConsoleContext) {
    let Some(location) = window().location().host().ok() else {
        return;
    };
    let scheme = match window().location().protocol().ok().as_deref() {
        Some("https:") => "wss",
        _ => "ws",
    };
    let Ok(socket) = WebSocket::new(&format!("{scheme}://{location}/console/live")) else {
        retry(on_event, context);
        return;
    };
    let on_open = {
        let on_event = on_event.clone();
        let socket = socket.clone();
        Closure::<dyn FnMut()>::new(move || {
            let resume = Resume {
                resume: context
                    .pane
                    .with_untracked(|pane| pane.iter().map(|p| (p.conversation, p.seq)).collect()),
            };
            if let Ok(text) = serde_json::to_string(&resume) {
                let _ = socket.send_with_str(&text);
            }
            context.connected.set(true);
            on_event(None);
        })
    };
    let on_message = {
        let on_event = on_event.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            match serde_json::from_str::<LiveEvent>(&text) {
                Ok(event) => on_event(Some(event)),
                // A newer server's event this page does not know: reload to be safe.
                Err(_) => on_event(Some(LiveEvent::Reload)),
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        context.connected.set(false);
        if event.code() == SESSION_ENDED {
            // Signed out elsewhere, password reset, disabled or expired: sign in again.
            let _ = window().location().set_href("/login");
            return;
        }
        // Dropped, or the server restarting (1012): reconnect, to it or another instance.
        retry(on_event.clone(), context);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // Each socket's handlers live as long as the socket: after a close, a new socket gets
    // new ones. A few closures per reconnect is a small, bounded leak.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}

fn retry(on_event: OnEvent, context: ConsoleContext) {
    set_timeout(move || connect(on_event, context), Duration::from_secs(2));
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
