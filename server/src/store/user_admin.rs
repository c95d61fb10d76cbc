//! Queries of the admin's user pages: a searchable page of users, one user with their routing
//! settings and groups, and the versioned writes a save makes (in the caller's transaction).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::{to_millis, Page};
use crate::domain::routing::AnswerMode;

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub locale: String,
    pub active: i64,
    pub positions: Option<i64>,
    pub answer_mode: Option<AnswerMode>,
    pub version: i64,
}

const COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.locale, u.active,
                       a.positions, a.answer_mode, u.version";

/// `search` as a LIKE pattern matching anywhere, with its own `%` and `_` taken literally.
pub(crate) fn pattern(search: &str) -> String {
    let escaped = search
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of users whose username or name contains `search`, by name; and how many match.
/// `with_admins` false leaves admin accounts out (supervisors do not manage them).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    pool: &AnyPool,
    search: &str,
    with_admins: bool,
    offset: i64,
    limit: i64,
) -> anyhow::Result<Page<UserRow>> {
    let filter =
        "(LOWER(u.username) LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $1 ESCAPE '\\')
                  AND ($2 = 1 OR u.role <> 'admin')";
    let rows = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users u LEFT JOIN agent_states a ON a.user_id = u.id
         WHERE {filter} ORDER BY LOWER(u.display_name), u.id LIMIT $3 OFFSET $4"
    ))
    .bind(pattern(search))
    .bind(i64::from(with_admins))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
    .context("Failed to list users")?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {filter}"))
        .bind(pattern(search))
        .bind(i64::from(with_admins))
        .fetch_one(pool)
        .await
        .context("Failed to count users")?;
    Ok(Page { rows, total })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn one(pool: &AnyPool, id: i64) -> anyhow::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users u LEFT JOIN agent_states a ON a.user_id = u.id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .context("Failed to read a user")
}

/// A user's membership of a group.
#[derive(Debug, Clone, FromRow)]
pub struct Membership {
    pub user_id: i64,
    pub group_id: i64,
    pub group_name: String,
}

/// (user, group id, group name) of these users' memberships.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn memberships(pool: &AnyPool, user_ids: &[i64]) -> anyhow::Result<Vec<Membership>> {
    super::fetch_with_ids(
        pool,
        "SELECT m.user_id, g.id AS group_id, g.name AS group_name FROM group_members m
         JOIN agent_groups g ON g.id = m.group_id
         WHERE m.user_id IN ({ids}) ORDER BY g.name",
        user_ids,
    )
    .await
    .context("Failed to read group memberships")
}

/// How many of these group ids are active groups.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_groups_among(pool: &AnyPool, ids: &[i64]) -> anyhow::Result<usize> {
    let found: Vec<(i64,)> = super::fetch_with_ids(
        pool,
        "SELECT id FROM agent_groups WHERE active = 1 AND id IN ({ids})",
        ids,
    )
    .await
    .context("Failed to check groups")?;
    Ok(found.len())
}

pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub locale: &'a str,
}

/// Inserts a user; `None` when the username is taken.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    user: &NewUserRow<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, role, locale, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.locale)
    .bind(to_millis(now))
    .fetch_optional(conn)
    .await
    .context("Failed to insert a user")
}

/// Updates name, role and language if the user is still at `version`; false otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    display_name: &str,
    role: &str,
    locale: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET display_name = $1, role = $2, locale = $3, updated_at = $4,
                          version = version + 1
         WHERE id = $5 AND version = $6",
    )
    .bind(display_name)
    .bind(role)
    .bind(locale)
    .bind(to_millis(now))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to update a user")?;
    Ok(done.rows_affected() == 1)
}

/// Enables or disables the user if still at `version` (disabling ends their sessions).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_active(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    active: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET active = $1, auth_version = auth_version + 1, updated_at = $2,
                          version = version + 1
         WHERE id = $3 AND version = $4",
    )
    .bind(i64::from(active))
    .bind(to_millis(now))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to change whether a user is active")?;
    Ok(done.rows_affected() == 1)
}

/// Makes the user a member of exactly these groups.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_groups(conn: &mut AnyConnection, id: i64, groups: &[i64]) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM group_members WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("Failed to clear a user's groups")?;
    for group in groups {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group)
            .bind(id)
            .execute(&mut *conn)
            .await
            .context("Failed to add a user to a group")?;
    }
    Ok(())
}
