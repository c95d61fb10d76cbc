//! Agent groups in a provisioning file: the group, its members (by username) and the services
//! it serves (by cifra). Idempotent: what exists is kept, what is missing is added. Checked
//! as they are applied, after the users and services (the same file may create them).

use anyhow::Context;
use serde::Deserialize;
use sqlx::AnyPool;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
    /// Cifras of the services this group serves.
    #[serde(default)]
    pub services: Vec<String>,
}

/// Applies the groups; returns the labels of what was created or changed.
pub async fn apply(pool: &AnyPool, groups: &[GroupEntry]) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    for group in groups {
        let name = group.name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.chars().count() <= 80,
            "group {name:?}: the name must have 1 to 80 characters"
        );
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM agent_groups WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await
                .context("Failed to look up a group")?;
        let id = match existing {
            Some(id) => id,
            None => {
                changed.push(format!("group {name}"));
                sqlx::query_scalar(
                    "INSERT INTO agent_groups (name, created_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(name)
                .bind(chrono::Utc::now().timestamp_millis())
                .fetch_one(pool)
                .await
                .context("Failed to create a group")?
            }
        };
        for username in &group.members {
            let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await
                .context("Failed to look up a group member")?;
            let user = user.with_context(|| format!("group {name}: no user {username:?}"))?;
            let added = sqlx::query(
                "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(user)
            .execute(pool)
            .await
            .context("Failed to add a group member")?;
            if added.rows_affected() == 1 {
                changed.push(format!("group {name} member {username}"));
            }
        }
        for cifra in &group.services {
            let service: Option<i64> =
                sqlx::query_scalar("SELECT id FROM services WHERE cifra = $1")
                    .bind(cifra)
                    .fetch_optional(pool)
                    .await
                    .context("Failed to look up a group's service")?;
            let service = service.with_context(|| format!("group {name}: no service {cifra:?}"))?;
            let added = sqlx::query(
                "INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(service)
            .bind(id)
            .execute(pool)
            .await
            .context("Failed to link a group to a service")?;
            if added.rows_affected() == 1 {
                changed.push(format!("group {name} serves {cifra}"));
            }
        }
    }
    Ok(changed)
}
