//! An agent's routing settings as the provisioning file gives them: positions (1–8) and the
//! answer mode (automatic or manual).

use anyhow::Context;
use app::model::Role;
use sqlx::AnyPool;

use crate::domain::routing::{AnswerMode, MAX_POSITIONS};
use crate::store::agents;
use crate::store::codes::StoredCode;

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
    let answer_mode = match answer_mode {
        None => AnswerMode::default(),
        Some(code) => AnswerMode::from_code(code).with_context(|| {
            format!("user {username}: answer_mode {code:?} must be \"automatic\" or \"manual\"")
        })?,
    };
    Ok(Some(AgentSettings {
        positions,
        answer_mode,
    }))
}

/// Gives the agent these settings; returns whether anything changed.
pub async fn apply(pool: &AnyPool, user_id: i64, settings: AgentSettings) -> anyhow::Result<bool> {
    let current = agents::agent_settings(pool, user_id).await?;
    let wanted = (i64::from(settings.positions), settings.answer_mode);
    if current.is_some_and(|row| (row.positions, row.answer_mode) == wanted) {
        return Ok(false);
    }
    let mut conn = pool
        .acquire()
        .await
        .context("Failed to reach the database")?;
    agents::set_agent_settings(&mut conn, user_id, settings.positions, settings.answer_mode)
        .await?;
    Ok(true)
}
