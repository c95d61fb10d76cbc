//! Pages and components. `shell` is the HTML document the server renders around `App`.

pub mod components;
pub mod console;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::i18n::*;
use crate::locale::cookie_options;
use pages::{
    AdminAuditPage, AdminGroupsPage, AdminPage, AdminPauseReasonsPage, AdminSchedulesPage,
    AdminServicesPage, AdminSettingsPage, AdminSurveysPage, AdminUsersPage, ConsolePage, HomePage,
    LoginPage, NotFoundPage,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy::apply();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider cookie_options=cookie_options()>
            <Stylesheet id="leptos" href="/pkg/atende.css" />
            <AppTitle />
            <Router>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/console") view=ConsolePage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/services") view=AdminServicesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/groups") view=AdminGroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/schedules") view=AdminSchedulesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/pause-reasons") view=AdminPauseReasonsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings") view=AdminSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/surveys") view=AdminSurveysPage ssr=SsrMode::Async />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The title is read once, while the page renders: on the server, leptos_meta reads a title
/// closure only after the render has yielded, when the thread may hold another request's
/// reactive arena (it panicked as "already been disposed" under load). The name is the same
/// in both languages, so nothing is lost by not following a language switch.
#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    let title = t_string!(i18n, app.name);
    view! { <Title text=title /> }
}

/// Pages get a CSP whose only inline script allowed is the hydration script, by nonce.
#[cfg(feature = "ssr")]
mod content_security_policy {
    use leptos::nonce::{provide_nonce, use_nonce};
    use leptos::prelude::use_context;

    pub fn apply() {
        provide_nonce();
        let (Some(nonce), Some(response)) =
            (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
        else {
            return;
        };
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
