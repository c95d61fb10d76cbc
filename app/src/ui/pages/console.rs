use leptos::prelude::*;

use crate::model::Role;
use crate::ui::components::{AppHeader, RequireRole};
use crate::ui::console::ConsoleView;

/// The agent's console (Tactium's OmniPA): status, up to 8 chats, answering.
#[component]
pub fn ConsolePage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Agent] render=|user| {
            view! {
                <AppHeader user=user />
                <ConsoleView />
            }
        } />
    }
}
