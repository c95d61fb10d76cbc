//! What the session holds about its user, and the checks every request makes on it:
//! the account still exists and is active, its auth version matches (password changes and
//! disabling end sessions) and the absolute lifetime has not passed. Idle expiry is the
//! session store's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{Services, SessionUser};
use crate::error::AppError;
use crate::model::CurrentUser;

const AUTH_KEY: &str = "atende.auth";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionAuth {
    user_id: i64,
    auth_version: i64,
    signed_in_at: DateTime<Utc>,
}

fn internal(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "Session store failed");
    AppError::Internal
}

/// Starts an authenticated session under a new id (no fixation of a pre-login id).
pub async fn sign_in(session: &Session, user: &SessionUser) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    let auth = SessionAuth {
        user_id: user.id,
        auth_version: user.auth_version,
        signed_in_at: Utc::now(),
    };
    session.insert(AUTH_KEY, auth).await.map_err(internal)
}

pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}

/// The signed-in user, or `None` (and the session is ended) when it no longer qualifies.
pub async fn current_user(
    session: &Session,
    services: &Services,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(auth) = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let user = qualified(auth, services).await?;
    if user.is_none() {
        sign_out(session).await?;
    }
    Ok(user)
}

/// The user of a stored session's data (as the session store loaded it), with the same
/// checks as `current_user`: long-lived connections (the console's WebSocket) ask again and
/// again whether the session that opened them still holds. Idle expiry is the caller's to
/// check, from the record's expiry date.
pub async fn user_of_record(
    data: &std::collections::HashMap<String, serde_json::Value>,
    services: &Services,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(auth) = data
        .get(AUTH_KEY)
        .and_then(|value| serde_json::from_value::<SessionAuth>(value.clone()).ok())
    else {
        return Ok(None);
    };
    qualified(auth, services).await
}

async fn qualified(
    auth: SessionAuth,
    services: &Services,
) -> Result<Option<CurrentUser>, AppError> {
    let expired = Utc::now() - auth.signed_in_at > services.session_policy.absolute_timeout;
    let user = if expired {
        None
    } else {
        services
            .accounts
            .session_user(auth.user_id, auth.auth_version)
            .await?
    };
    Ok(user.map(|user| CurrentUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        locale: user.locale,
        signed_in_at: auth
            .signed_in_at
            .with_timezone(&services.time_zone)
            .fixed_offset(),
    }))
}
