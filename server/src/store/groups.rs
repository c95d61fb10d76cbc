//! Queries of the admin's group pages: groups with their members and services, and the
//! versioned writes a save makes (in the caller's transaction).

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::user_admin::pattern;
use super::{to_millis, IdName, NameOf, Page};

#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub active: i64,
    pub version: i64,
}

/// One page of groups whose name contains `search`, by name; and how many match.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    pool: &AnyPool,
    search: &str,
    offset: i64,
    limit: i64,
) -> anyhow::Result<Page<GroupRow>> {
    let rows = sqlx::query_as(
        "SELECT id, name, active, version FROM agent_groups WHERE LOWER(name) LIKE $1 ESCAPE '\\'
         ORDER BY LOWER(name), id LIMIT $2 OFFSET $3",
    )
    .bind(pattern(search))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
    .context("Failed to list groups")?;
    let total = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agent_groups WHERE LOWER(name) LIKE $1 ESCAPE '\\'",
    )
    .bind(pattern(search))
    .fetch_one(pool)
    .await
    .context("Failed to count groups")?;
    Ok(Page { rows, total })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn one(pool: &AnyPool, id: i64) -> anyhow::Result<Option<GroupRow>> {
    sqlx::query_as("SELECT id, name, active, version FROM agent_groups WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("Failed to read a group")
}

/// (group, member name) of these groups, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members(pool: &AnyPool, groups: &[i64]) -> anyhow::Result<Vec<NameOf>> {
    super::fetch_with_ids(
        pool,
        "SELECT m.group_id AS owner_id, u.display_name AS name FROM group_members m
         JOIN users u ON u.id = m.user_id WHERE m.group_id IN ({ids})
         ORDER BY LOWER(u.display_name)",
        groups,
    )
    .await
    .context("Failed to list group members")
}

/// (group, service name) of these groups, by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn services(pool: &AnyPool, groups: &[i64]) -> anyhow::Result<Vec<NameOf>> {
    super::fetch_with_ids(
        pool,
        "SELECT g.group_id AS owner_id, s.name FROM service_groups g
         JOIN services s ON s.id = g.service_id WHERE g.group_id IN ({ids})
         ORDER BY LOWER(s.name)",
        groups,
    )
    .await
    .context("Failed to list the groups' services")
}

/// What one group holds: its members' and its services' ids.
#[derive(Debug, Clone, Default)]
pub struct GroupContents {
    pub member_ids: Vec<i64>,
    pub service_ids: Vec<i64>,
}

/// (member ids, service ids) of one group.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn contents(pool: &AnyPool, id: i64) -> anyhow::Result<GroupContents> {
    let members = sqlx::query_scalar(
        "SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .context("Failed to read a group's members")?;
    let services = sqlx::query_scalar(
        "SELECT service_id FROM service_groups WHERE group_id = $1 ORDER BY service_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .context("Failed to read a group's services")?;
    Ok(GroupContents {
        member_ids: members,
        service_ids: services,
    })
}

/// What a group can hold: the active agents and all services, each by name.
#[derive(Debug, Clone)]
pub struct GroupChoices {
    pub agents: Vec<IdName>,
    pub services: Vec<IdName>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn choices(pool: &AnyPool) -> anyhow::Result<GroupChoices> {
    let agents = sqlx::query_as(
        "SELECT id, display_name AS name FROM users WHERE role = 'agent' AND active = 1
         ORDER BY LOWER(display_name)",
    )
    .fetch_all(pool)
    .await
    .context("Failed to list agents")?;
    let services = sqlx::query_as("SELECT id, name FROM services ORDER BY LOWER(name)")
        .fetch_all(pool)
        .await
        .context("Failed to list services")?;
    Ok(GroupChoices { agents, services })
}

/// Whether another group has this name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn name_taken(pool: &AnyPool, name: &str, except: Option<i64>) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM agent_groups WHERE LOWER(name) = LOWER($1) AND id <> $2",
    )
    .bind(name)
    .bind(except.unwrap_or(0))
    .fetch_optional(pool)
    .await
    .context("Failed to check a group name")?;
    Ok(found.is_some())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    conn: &mut AnyConnection,
    name: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    sqlx::query_scalar("INSERT INTO agent_groups (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(to_millis(now))
        .fetch_one(conn)
        .await
        .context("Failed to create a group")
}

/// Renames the group if it is still at `version`; false otherwise.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    name: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE agent_groups SET name = $1, version = version + 1 WHERE id = $2 AND version = $3",
    )
    .bind(name)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await
    .context("Failed to rename a group")?;
    Ok(done.rows_affected() == 1)
}

/// Makes the group hold exactly these members and serve exactly these services.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_contents(
    conn: &mut AnyConnection,
    id: i64,
    members: &[i64],
    services: &[i64],
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context("Failed to clear a group's members")?;
    for member in members {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(member)
            .execute(&mut *conn)
            .await
            .context("Failed to add a group member")?;
    }
    // Links that stay keep the schedule the service's tab gave them.
    let linked: Vec<i64> =
        sqlx::query_scalar("SELECT service_id FROM service_groups WHERE group_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .context("Failed to read a group's services")?;
    for gone in linked.iter().filter(|s| !services.contains(s)) {
        sqlx::query("DELETE FROM service_groups WHERE group_id = $1 AND service_id = $2")
            .bind(id)
            .bind(gone)
            .execute(&mut *conn)
            .await
            .context("Failed to unlink a group from a service")?;
    }
    for service in services.iter().filter(|s| !linked.contains(s)) {
        sqlx::query("INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2)")
            .bind(service)
            .bind(id)
            .execute(&mut *conn)
            .await
            .context("Failed to link a group to a service")?;
    }
    Ok(())
}

/// The group with exactly this name (provisioning matches names as written).
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn id_by_name(pool: &AnyPool, name: &str) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM agent_groups WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .context("Failed to look up a group")
}

/// Adds one member if they are not in the group yet; whether they were added.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn add_member(pool: &AnyPool, group_id: i64, user_id: i64) -> anyhow::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(group_id)
    .bind(user_id)
    .execute(pool)
    .await
    .context("Failed to add a group member")?;
    Ok(added.rows_affected() == 1)
}

/// Links the group to a service if it is not linked yet; whether it was linked.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn link_service(pool: &AnyPool, group_id: i64, service_id: i64) -> anyhow::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(service_id)
    .bind(group_id)
    .execute(pool)
    .await
    .context("Failed to link a group to a service")?;
    Ok(added.rows_affected() == 1)
}

/// The active groups (id, name), by name.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active(pool: &AnyPool) -> anyhow::Result<Vec<IdName>> {
    sqlx::query_as("SELECT id, name FROM agent_groups WHERE active = 1 ORDER BY name")
        .fetch_all(pool)
        .await
        .context("Failed to list groups")
}

/// Whether this is an active group's id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn is_active(pool: &AnyPool, group_id: i64) -> anyhow::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM agent_groups WHERE id = $1 AND active = 1")
            .bind(group_id)
            .fetch_optional(pool)
            .await
            .context("Failed to look up a group")?;
    Ok(found.is_some())
}
