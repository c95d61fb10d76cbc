use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Role;
use crate::ui::components::{AppHeader, RequireRole};

/// The supervisors' and admins' area (ManagerADM), filled in by the admin issue.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| {
            let i18n = use_i18n();
            view! {
                <AppHeader user=user />
                <main class="page" data-page="admin">
                    <h1>{t!(i18n, admin.title)}</h1>
                    <p class="empty">{t!(i18n, admin.empty)}</p>
                </main>
            }
        } />
    }
}
