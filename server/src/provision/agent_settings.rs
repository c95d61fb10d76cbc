//! An agent's routing settings as the provisioning file gives them: positions (1–8) and the
//! answer mode (automatic or manual).

use anyhow::Context;
use app::model::Role;
use sqlx::AnyPool;

use crate::domain::routing::{AnswerMode, MAX_POSITIONS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentSettings {
    pub positions: u8,
    pub answer_mode: AnswerMode,
}

/// Checks the entry's settings; `None` when it gives none (the defaults stay).
pub fn validate(
    username: &str,
    role: Role,
    positions: Option<i64>,
    answer_mode: Option<&str>,
) -> anyhow::Result<Option<AgentSettings>> {
    if positions.is_none() && answer_mode.is_none() {
        return Ok(None);
    }
    anyhow::ensure!(
        role == Role::Agent,
        "user {username}: positions and answer_mode are for agents only"
    );
    let positions = positions.unwrap_or(i64::from(MAX_POSITIONS));
    let positions = u8::try_from(positions)
        .ok()
        .filter(|p| (1..=MAX_POSITIONS).contains(p))
        .with_context(|| format!("user {username}: positions must be 1 to {MAX_POSITIONS}"))?;
    let answer_mode = match answer_mode.unwrap_or("automatic") {
        "automatic" => AnswerMode::Automatic,
        "manual" => AnswerMode::Manual,
        other => anyhow::bail!(
            "user {username}: answer_mode {other:?} must be \"automatic\" or \"manual\""
        ),
    };
    Ok(Some(AgentSettings {
        positions,
        answer_mode,
    }))
}

/// Gives the agent these settings; returns whether anything changed.
pub async fn apply(pool: &AnyPool, user_id: i64, settings: AgentSettings) -> anyhow::Result<bool> {
    let mode = match settings.answer_mode {
        AnswerMode::Automatic => "automatic",
        AnswerMode::Manual => "manual",
    };
    let current: Option<(i64, String)> =
        sqlx::query_as("SELECT positions, answer_mode FROM agent_states WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .context("Failed to read an agent's settings")?;
    if current == Some((i64::from(settings.positions), mode.to_owned())) {
        return Ok(false);
    }
    let mut conn = pool
        .acquire()
        .await
        .context("Failed to reach the database")?;
    crate::store::user_admin::set_agent_settings(&mut conn, user_id, settings.positions, mode)
        .await?;
    Ok(true)
}
