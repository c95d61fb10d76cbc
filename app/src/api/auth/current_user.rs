use leptos::prelude::*;

use crate::error::AppError;

/// The signed-in user, or `None`.
#[server(endpoint = "auth/current_user")]
pub async fn current_user() -> Result<Option<crate::model::CurrentUser>, AppError> {
    use crate::server::{services, session, session::current_user};

    current_user(&session().await?, &services()?).await
}
