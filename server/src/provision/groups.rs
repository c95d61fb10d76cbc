//! Agent groups in a provisioning file: the group, its members (by username) and the services
//! it serves (by cifra). Idempotent: what exists is kept, what is missing is added. Checked
//! as they are applied, after the users and services (the same file may create them).

use anyhow::Context;
use chrono::Utc;
use serde::Deserialize;
use sqlx::AnyPool;

use crate::store::{groups, services, users};

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
        let id = match groups::id_by_name(pool, name).await? {
            Some(id) => id,
            None => {
                changed.push(format!("group {name}"));
                let mut conn = pool
                    .acquire()
                    .await
                    .context("Failed to reach the database")?;
                groups::insert(&mut conn, name, Utc::now()).await?
            }
        };
        for username in &group.members {
            let user = users::find_by_username(pool, username)
                .await?
                .with_context(|| format!("group {name}: no user {username:?}"))?;
            if groups::add_member(pool, id, user.id).await? {
                changed.push(format!("group {name} member {username}"));
            }
        }
        for cifra in &group.services {
            let service = services::id_by_cifra(pool, cifra)
                .await?
                .with_context(|| format!("group {name}: no service {cifra:?}"))?;
            if groups::link_service(pool, id, service).await? {
                changed.push(format!("group {name} serves {cifra}"));
            }
        }
    }
    Ok(changed)
}
