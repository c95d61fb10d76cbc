use leptos::prelude::*;

use crate::error::AppError;

/// Saves the signed-in user's interface language (the page switches at once by itself).
#[server(endpoint = "auth/set_locale")]
pub async fn save_locale(locale: String) -> Result<(), AppError> {
    use crate::error::Field;
    use crate::server::{fail, services, session, session::current_user};

    if crate::locale::parse_locale(&locale).is_none() {
        return Err(fail(AppError::Invalid {
            field: Field::Locale,
        }));
    }
    let services = services()?;
    let Some(user) = current_user(&session().await?, &services).await? else {
        return Err(fail(AppError::Unauthenticated));
    };
    services
        .accounts
        .set_locale(user.id, &locale)
        .await
        .map_err(fail)
}
