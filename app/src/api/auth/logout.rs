use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session (the page then returns to the login page).
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{session, session::sign_out};

    sign_out(&session().await?).await
}
