use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::*;
use crate::model::{CurrentUser, Role};

/// The admin area's sections.
#[component]
pub fn AdminNav() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    // General settings are the admin's only (supervisors get 403 there).
    let is_admin = use_context::<CurrentUser>().is_some_and(|user| user.role == Role::Admin);
    let current = move |href: &'static str| move || (path.get() == href).then_some("page");
    view! {
        <nav class="admin-nav" aria-label=move || t_string!(i18n, admin.nav.label)>
            <a href="/admin" aria-current=current("/admin")>{t!(i18n, admin.nav.overview)}</a>
            <a href="/admin/services" aria-current=current("/admin/services")>{t!(i18n, admin.nav.services)}</a>
            <a href="/admin/users" aria-current=current("/admin/users")>{t!(i18n, admin.nav.users)}</a>
            <a href="/admin/groups" aria-current=current("/admin/groups")>{t!(i18n, admin.nav.groups)}</a>
            <a href="/admin/schedules" aria-current=current("/admin/schedules")>{t!(i18n, admin.nav.schedules)}</a>
            <a href="/admin/pause-reasons" aria-current=current("/admin/pause-reasons")>{t!(i18n, admin.nav.pause_reasons)}</a>
            <a href="/admin/surveys" aria-current=current("/admin/surveys")>{t!(i18n, admin.nav.surveys)}</a>
            <a href="/admin/audit" aria-current=current("/admin/audit")>{t!(i18n, admin.nav.audit)}</a>
            <Show when=move || is_admin>
                <a href="/admin/settings" aria-current=current("/admin/settings")>{t!(i18n, admin.nav.settings)}</a>
            </Show>
        </nav>
    }
}
