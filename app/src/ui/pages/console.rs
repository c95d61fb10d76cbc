use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Role;
use crate::ui::components::{AppHeader, RequireRole};

/// The agent's console (the conversations arrive here in the console issue).
#[component]
pub fn ConsolePage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Agent] render=|user| {
            let i18n = use_i18n();
            view! {
                <AppHeader user=user />
                <main class="page" data-page="console">
                    <h1>{t!(i18n, console.title)}</h1>
                    <p class="empty">{t!(i18n, console.empty)}</p>
                </main>
            }
        } />
    }
}
