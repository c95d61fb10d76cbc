use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::auth::current_user;
use crate::ui::components::Loading;

/// `/`: sends a signed-in user to their landing page, anyone else to the login page.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| current_user());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                let path = match user.await {
                    Ok(Some(user)) => user.role.landing_path(),
                    _ => "/login",
                };
                view! { <Redirect path=path /> }
            })}
        </Suspense>
    }
}
