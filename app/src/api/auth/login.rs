use leptos::prelude::*;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the page goes after login, and the language it switches to (the user's saved one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOutcome {
    pub landing: String,
    pub locale: String,
}

/// Checks the credentials and starts a fresh session.
#[server(endpoint = "auth/login")]
pub async fn login(username: String, password: String) -> Result<LoginOutcome, AppError> {
    use crate::server::{client_ip, fail, services, session, session::sign_in, LoginAttempt};

    let services = services()?;
    let ip = client_ip().await;
    let attempt = LoginAttempt {
        username,
        password,
        ip,
    };
    let user = services.accounts.login(attempt).await.map_err(fail)?;
    sign_in(&session().await?, &user).await?;
    crate::locale::remember_locale_in_response(&user.locale);
    Ok(LoginOutcome {
        landing: user.role.landing_path().to_owned(),
        locale: user.locale,
    })
}
