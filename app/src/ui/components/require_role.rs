use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::auth::current_user;
use crate::i18n::*;
use crate::model::{CurrentUser, Role};
use crate::ui::components::{ErrorMessage, Loading};

/// Renders `render(user)` for a signed-in user of an allowed role; otherwise sends anonymous
/// visitors to the login page and answers other roles with a 403 page.
#[component]
pub fn RequireRole<F, V>(allowed: &'static [Role], render: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = Resource::new_blocking(|| (), |_| current_user());
    view! {
        <Suspense fallback=Loading>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) if allowed.contains(&user.role) => {
                            // The page's components may ask who is signed in (e.g. the role).
                            provide_context(user.clone());
                            render(user).into_any()
                        }
                        Ok(Some(user)) => view! { <Forbidden role=user.role /> }.into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => {
                            #[cfg(feature = "ssr")]
                            crate::server::fail(error.clone());
                            view! { <p class="form-error"><ErrorMessage error /></p> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Forbidden(role: Role) -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <main class="notice" data-page="forbidden">
            <h1>{t!(i18n, forbidden.title)}</h1>
            <p>{t!(i18n, forbidden.body)}</p>
            <a href=role.landing_path()>{t!(i18n, forbidden.go_home)}</a>
        </main>
    }
}
