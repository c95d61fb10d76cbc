use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="notice">
            <h1>{t!(i18n, not_found.title)}</h1>
            <p>{t!(i18n, not_found.body)}</p>
            <a href="/">{t!(i18n, not_found.go_home)}</a>
        </main>
    }
}
