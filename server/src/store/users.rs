//! Queries on `users`.

use anyhow::Context;
use app::model::Role;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{from_millis, to_millis};
use crate::domain::account::{DisplayName, Username};

/// A stored account. The password hash never prints and is never serialised.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: SecretString,
    pub role: Role,
    pub locale: String,
    pub active: bool,
    pub auth_version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    locale: String,
    active: i64,
    auth_version: i64,
    created_at: i64,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = anyhow::Error;

    fn try_from(row: UserRow) -> anyhow::Result<UserRecord> {
        Ok(UserRecord {
            role: row.role.parse().map_err(anyhow::Error::msg)?,
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            password_hash: SecretString::from(row.password_hash),
            locale: row.locale,
            active: row.active != 0,
            auth_version: row.auth_version,
            created_at: from_millis(row.created_at),
        })
    }
}

const COLUMNS: &str =
    "id, username, display_name, password_hash, role, locale, active, auth_version, created_at";

pub struct NewUser<'a> {
    pub username: &'a Username,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a SecretString,
    pub role: Role,
    pub locale: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_username(
    pool: &AnyPool,
    username: &str,
) -> anyhow::Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(pool)
        .await
        .context("Failed to look up a user by name")?;
    row.map(UserRecord::try_from).transpose()
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn find_by_id(pool: &AnyPool, id: i64) -> anyhow::Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row: Option<UserRow> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("Failed to look up a user by id")?;
    row.map(UserRecord::try_from).transpose()
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn list(pool: &AnyPool) -> anyhow::Result<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    let rows: Vec<UserRow> = sqlx::query_as(&sql)
        .fetch_all(pool)
        .await
        .context("Failed to list users")?;
    rows.into_iter().map(UserRecord::try_from).collect()
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn count(pool: &AnyPool) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .context("Failed to count users")
}

/// Inserts a user; `Ok(None)` when the username is taken.
#[tracing::instrument(level = "debug", skip(pool, user), fields(username = %user.username.as_str()))]
pub async fn insert(
    pool: &AnyPool,
    user: NewUser<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    let result = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, locale, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (username) DO NOTHING
         RETURNING id",
    )
    .bind(user.username.as_str())
    .bind(user.display_name.as_str())
    .bind(user.password_hash.expose_secret())
    .bind(user.role.as_str())
    .bind(user.locale)
    .bind(to_millis(now))
    .fetch_optional(pool)
    .await
    .context("Failed to insert a user")?;
    Ok(result)
}

/// Updates the name, role and locale of an existing user (provisioning); the password is kept.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn update_profile(
    pool: &AnyPool,
    id: i64,
    display_name: &DisplayName,
    role: Role,
    locale: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, locale = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(display_name.as_str())
    .bind(role.as_str())
    .bind(locale)
    .bind(to_millis(now))
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to update a user")?;
    Ok(())
}

/// Replaces the password hash and ends every session of the user.
#[tracing::instrument(level = "debug", skip(pool, password_hash))]
pub async fn set_password(
    pool: &AnyPool,
    id: i64,
    password_hash: &SecretString,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, auth_version = auth_version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash.expose_secret())
    .bind(to_millis(now))
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to set a password")?;
    Ok(done.rows_affected() == 1)
}

/// Enables or disables a user; disabling ends every session of the user.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn set_active(
    pool: &AnyPool,
    id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET active = $1, auth_version = auth_version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(i64::from(active))
    .bind(to_millis(now))
    .bind(id)
    .execute(pool)
    .await
    .context("Failed to change whether a user is active")?;
    Ok(done.rows_affected() == 1)
}

#[tracing::instrument(level = "debug", skip(pool))]
pub async fn set_locale(
    pool: &AnyPool,
    id: i64,
    locale: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale)
        .bind(to_millis(now))
        .bind(id)
        .execute(pool)
        .await
        .context("Failed to save a user's language")?;
    Ok(())
}

/// A user's display name (the closing message names the agent), in the caller's transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn display_name(conn: &mut AnyConnection, id: i64) -> anyhow::Result<String> {
    sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
        .context("Failed to read a user's name")
}
