use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session (the page then returns to the login page).
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::model::Role;
    use crate::server::{services, session, session::current_user, session::sign_out};

    let session = session().await?;
    let services = services()?;
    // An agent who signs out gives their open conversations back to the queue.
    if let Some(user) = current_user(&session, &services).await? {
        if user.role == Role::Agent {
            services.console.signed_out(user.id).await?;
        }
    }
    sign_out(&session).await
}
