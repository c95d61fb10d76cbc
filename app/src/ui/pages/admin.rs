use leptos::prelude::*;

use crate::i18n::*;
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, DeliveryIssues, RequireRole, Supervision};

/// The supervisors' and admins' area (ManagerADM), filled in by the admin issue.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| {
            let i18n = use_i18n();
            let is_admin = user.role == Role::Admin;
            view! {
                <AppHeader user=user />
                <main class="page" data-page="admin">
                    <AdminNav />
                    <h1>{t!(i18n, admin.title)}</h1>
                    <p class="empty">{t!(i18n, admin.empty)}</p>
                    <Supervision />
                    <Show when=move || is_admin>
                        <DeliveryIssues />
                    </Show>
                </main>
            }
        } />
    }
}
