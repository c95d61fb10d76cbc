//! The accounts service: login with throttling and timing-safe checks, session lookups, and
//! the user administration the CLI and provisioning use.

use app::error::{AppError, Field};
use app::model::Role;
use app::server::{Accounts, LoginAttempt, SessionUser};
use async_trait::async_trait;
use chrono::Utc;
use secrecy::SecretString;

use super::password;
use crate::domain::account::{DisplayName, NewPassword, Username, PASSWORD_MAX, USERNAME_MAX};
use crate::domain::login_throttle::{RecentFailures, ThrottlePolicy, Verdict};
use crate::error::internal;
use crate::store::users::{self, NewUser, UserRecord};
use crate::store::{login_failures, Store};

#[derive(Clone)]
pub struct AccountService {
    store: Store,
    throttle: ThrottlePolicy,
}

/// Logs the detail, shows the browser nothing of it.
fn session_user(record: UserRecord) -> SessionUser {
    SessionUser {
        id: record.id,
        username: record.username,
        display_name: record.display_name,
        role: record.role,
        locale: record.locale,
        auth_version: record.auth_version,
    }
}

/// Refuses what is not worth a password check: empty, over-long, or control characters
/// (which no user name has, and some databases cannot store).
fn check_login_fields(attempt: &LoginAttempt) -> Result<(), AppError> {
    let username = attempt.username.trim();
    if username.is_empty() {
        return Err(AppError::Required {
            field: Field::Username,
        });
    }
    if attempt.password.is_empty() {
        return Err(AppError::Required {
            field: Field::Password,
        });
    }
    if username.chars().count() > USERNAME_MAX {
        return Err(AppError::TooLong {
            field: Field::Username,
            max: USERNAME_MAX,
        });
    }
    if attempt.password.chars().count() > PASSWORD_MAX {
        return Err(AppError::TooLong {
            field: Field::Password,
            max: PASSWORD_MAX,
        });
    }
    if username.chars().any(char::is_control) {
        return Err(AppError::Invalid {
            field: Field::Username,
        });
    }
    if attempt.password.contains('\0') {
        return Err(AppError::Invalid {
            field: Field::Password,
        });
    }
    Ok(())
}

impl AccountService {
    pub fn new(store: Store, throttle: ThrottlePolicy) -> AccountService {
        AccountService { store, throttle }
    }

    async fn recent_failures(
        &self,
        username: &str,
        ip: &str,
    ) -> anyhow::Result<(RecentFailures, RecentFailures)> {
        let since = self.throttle.window_start(Utc::now());
        let pool = self.store.pool();
        let account = login_failures::count_for_username(pool, username, since).await?;
        let by_ip = login_failures::count_for_ip(pool, ip, since).await?;
        let recent = |c: login_failures::FailureCount| RecentFailures {
            count: c.count,
            oldest: c.oldest,
        };
        Ok((recent(account), recent(by_ip)))
    }

    /// Creates a user; `Ok(None)` when the name is taken.
    pub async fn create_user(
        &self,
        username: &Username,
        display_name: &DisplayName,
        password: NewPassword,
        role: Role,
        locale: &str,
    ) -> anyhow::Result<Option<i64>> {
        let hash = password::hash(password.secret().clone()).await?;
        let new = NewUser {
            username,
            display_name,
            password_hash: &hash,
            role,
            locale,
        };
        users::insert(self.store.pool(), new, Utc::now()).await
    }

    pub async fn set_password(&self, id: i64, password: NewPassword) -> anyhow::Result<bool> {
        let hash = password::hash(password.secret().clone()).await?;
        users::set_password(self.store.pool(), id, &hash, Utc::now()).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Drops failures older than the throttle window every ten minutes: they no longer count.
    pub fn spawn_failure_pruning(&self) {
        let pool = self.store.pool().clone();
        let window = self.throttle.window;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                every.tick().await;
                if let Err(error) = login_failures::prune(&pool, Utc::now() - window).await {
                    tracing::warn!(error = ?error, "Failed to prune old login failures");
                }
            }
        });
    }
}

#[async_trait]
impl Accounts for AccountService {
    #[tracing::instrument(skip(self, attempt), fields(ip = %attempt.ip.0))]
    async fn login(&self, attempt: LoginAttempt) -> Result<SessionUser, AppError> {
        check_login_fields(&attempt)?;
        let name = attempt.username.trim().to_lowercase();
        let ip = attempt.ip.0;
        let pool = self.store.pool();
        let now = Utc::now();
        // The attempt is recorded as a failure *before* it is checked, so that concurrent
        // attempts each see the others and no burst gets past the limit; a success erases it.
        // It is throttled on the name as typed, whether or not such an account exists, so the
        // lock tells nothing about which names are real.
        let attempt_id = login_failures::record(pool, &name, &ip, now)
            .await
            .map_err(internal)?;
        let (account_attempts, ip_attempts) =
            self.recent_failures(&name, &ip).await.map_err(internal)?;
        if let Verdict::Locked { retry_after } =
            self.throttle.check(now, account_attempts, ip_attempts)
        {
            tracing::warn!("Login refused: too many recent failures");
            // A refused attempt checked no password: it does not count (see `forget`).
            login_failures::forget(pool, attempt_id)
                .await
                .map_err(internal)?;
            let minutes = (retry_after.num_seconds() + 59) / 60;
            return Err(AppError::TooManyAttempts {
                retry_after_minutes: minutes.max(1),
            });
        }

        let username = Username::parse(&name).ok();
        let record = match &username {
            Some(username) => users::find_by_username(pool, username.as_str())
                .await
                .map_err(internal)?,
            None => None,
        };
        let stored_hash = record
            .as_ref()
            .filter(|r| r.active)
            .map(|r| r.password_hash.clone());
        let password = SecretString::from(attempt.password);
        let verified = password::verify(password, stored_hash)
            .await
            .map_err(internal)?;
        match record {
            Some(record) if verified => {
                login_failures::clear_for_username(pool, &name)
                    .await
                    .map_err(internal)?;
                tracing::info!(user_id = record.id, "Login succeeded");
                Ok(session_user(record))
            }
            _ => {
                // Only a well-formed name is logged: people paste passwords into that field.
                let shown = username
                    .as_ref()
                    .map_or("<not a user name>", Username::as_str);
                tracing::info!(username = %shown, "Login failed");
                Err(AppError::InvalidCredentials)
            }
        }
    }

    async fn session_user(
        &self,
        user_id: i64,
        auth_version: i64,
    ) -> Result<Option<SessionUser>, AppError> {
        let record = users::find_by_id(self.store.pool(), user_id)
            .await
            .map_err(internal)?;
        Ok(record
            .filter(|r| r.active && r.auth_version == auth_version)
            .map(session_user))
    }

    async fn set_locale(&self, user_id: i64, locale: &str) -> Result<(), AppError> {
        users::set_locale(self.store.pool(), user_id, locale, Utc::now())
            .await
            .map_err(internal)
    }
}
