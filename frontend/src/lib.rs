//! Browser entry point: hydrates the HTML the server rendered.

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
