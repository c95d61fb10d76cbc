//! Browser entry point: hydrates the HTML the server rendered.
// Leptos views are nested types; the largest admin pages pass the default depth of 128 when
// the wasm release build computes their layout.
#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ui::App);
    mark_hydrated();
}

/// Browser tests wait for `body[data-hydrated]` before they click anything.
fn mark_hydrated() {
    let body = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.body());
    if let Some(body) = body {
        // Failing to set a test marker must not break the page.
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
