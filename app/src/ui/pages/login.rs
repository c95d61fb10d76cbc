use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::Login;
use crate::i18n::*;
use crate::locale::parse_locale;
use crate::ui::components::{ErrorMessage, LanguageSwitch};

/// Sign-in form with the language switch. On success the page takes the user's saved
/// language and goes to the landing page of their role.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(outcome)) = login.value().get() {
            if let Some(locale) = parse_locale(&outcome.locale) {
                i18n.set_locale(locale);
            }
            navigate(&outcome.landing, Default::default());
        }
    });
    let error = move || login.value().get().and_then(Result::err);

    view! {
        <main class="login">
            <div class="login-card">
                <header class="login-brand">
                    <span class="logo" aria-hidden="true">{t!(i18n, app.initial)}</span>
                    <div>
                        <strong>{t!(i18n, app.name)}</strong>
                        <small>{t!(i18n, app.tagline)}</small>
                    </div>
                </header>
                <h1>{t!(i18n, login.heading)}</h1>
                <ActionForm action=login attr:class="form" attr:novalidate=true>
                    <label for="username">{t!(i18n, login.username)}</label>
                    <input id="username" name="username" type="text" autocomplete="username"
                        maxlength="64" autofocus required />
                    <label for="password">{t!(i18n, login.password)}</label>
                    <input id="password" name="password" type="password"
                        autocomplete="current-password" maxlength="128" required />
                    <p class="form-error" role="alert" aria-live="polite">
                        {move || error().map(|error| view! { <ErrorMessage error /> })}
                    </p>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() {
                            t_string!(i18n, login.submitting)
                        } else {
                            t_string!(i18n, login.submit)
                        }}
                    </button>
                </ActionForm>
                <LanguageSwitch save_for_user=false />
            </div>
        </main>
    }
}
