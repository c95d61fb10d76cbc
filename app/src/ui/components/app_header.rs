use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::Logout;
use crate::format::format_datetime;
use crate::i18n::*;
use crate::model::{CurrentUser, Role};
use crate::ui::components::LanguageSwitch;

/// The top bar of every signed-in page: where you are, who you are, language, sign out.
#[component]
pub fn AppHeader(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = logout.value().get() {
            navigate("/login", Default::default());
        }
    });
    let role = user.role;
    let role_name = move || crate::ui::pages::admin_users::role_label(i18n.get_locale(), role);
    let home_link = move || match role {
        Role::Agent => t_string!(i18n, nav.console),
        Role::Admin | Role::Supervisor => t_string!(i18n, nav.admin),
    };
    let signed_in_at = user.signed_in_at;
    let since = move || {
        let when = format_datetime(i18n.get_locale(), signed_in_at);
        t_string!(i18n, nav.signed_in_at, when = when)
    };
    view! {
        <header class="app-header">
            <a class="brand" href=role.landing_path()>{t!(i18n, app.name)}</a>
            <nav aria-label=move || t_string!(i18n, nav.main)>
                <a href=role.landing_path() aria-current="page">{home_link}</a>
            </nav>
            <div class="who">
                <strong data-testid="user-name">{user.display_name}</strong>
                <span class="role">{role_name}</span>
                <small class="since">{since}</small>
            </div>
            <LanguageSwitch save_for_user=true />
            <ActionForm action=logout attr:class="logout">
                <button type="submit">{t!(i18n, nav.logout)}</button>
            </ActionForm>
        </header>
    }
}
