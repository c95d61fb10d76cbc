//! Queries on `surveys` and `survey_answers`: a closed conversation's survey, where it
//! stands, its answers, and the figures of the survey report.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, FromRow};

use super::to_millis;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    conn: &mut AnyConnection,
    conversation_id: i64,
    service_id: i64,
    questions_json: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO surveys (conversation_id, service_id, questions, started_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(conversation_id)
    .bind(service_id)
    .bind(questions_json)
    .bind(to_millis(now))
    .execute(conn)
    .await
    .context("Failed to start a survey")?;
    Ok(())
}

/// The survey waiting for this contact's answer, if any.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AskingRow {
    pub conversation_id: i64,
    pub service_id: i64,
    pub questions: String,
    pub current: i64,
    pub reasked: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn asking(
    conn: &mut AnyConnection,
    contact_id: i64,
) -> anyhow::Result<Option<AskingRow>> {
    sqlx::query_as(
        "SELECT s.conversation_id, s.service_id, s.questions, s.current, s.reasked
         FROM surveys s JOIN conversations c ON c.id = s.conversation_id
         WHERE c.contact_id = $1 AND c.status = 'closed' AND s.state = 'asking'
         ORDER BY s.conversation_id DESC LIMIT 1",
    )
    .bind(contact_id)
    .fetch_optional(conn)
    .await
    .context("Failed to look for a survey under way")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_answer(
    conn: &mut AnyConnection,
    conversation_id: i64,
    position: i64,
    (score, text): (Option<i64>, Option<&str>),
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO survey_answers (conversation_id, position, score, text, answered_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(conversation_id)
    .bind(position)
    .bind(score)
    .bind(text)
    .bind(to_millis(now))
    .execute(conn)
    .await
    .context("Failed to store a survey answer")?;
    Ok(())
}

/// Moves the survey to question `current` (asked again or not).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn advance(
    conn: &mut AnyConnection,
    conversation_id: i64,
    current: i64,
    reasked: bool,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE surveys SET current = $1, reasked = $2
         WHERE conversation_id = $3 AND state = 'asking'",
    )
    .bind(current)
    .bind(i64::from(reasked))
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to move a survey on")?;
    Ok(())
}

/// How a survey ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Answered,
    Expired,
    Abandoned,
}

/// Ends the survey if still under way; false if it had already ended.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end(
    conn: &mut AnyConnection,
    conversation_id: i64,
    ending: Ending,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let state = match ending {
        Ending::Answered => "answered",
        Ending::Expired => "expired",
        Ending::Abandoned => "abandoned",
    };
    let ended = sqlx::query(
        "UPDATE surveys SET state = $1, ended_at = $2
         WHERE conversation_id = $3 AND state = 'asking'",
    )
    .bind(state)
    .bind(to_millis(now))
    .bind(conversation_id)
    .execute(conn)
    .await
    .context("Failed to end a survey")?;
    Ok(ended.rows_affected() == 1)
}

/// How many surveys are in one state.
#[derive(Debug, Clone, FromRow)]
pub struct StateCount {
    pub state: String,
    pub surveys: i64,
}

/// Surveys started in the period, by state.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts(
    pool: &AnyPool,
    service_id: i64,
    (from, to): (i64, i64),
) -> anyhow::Result<Vec<StateCount>> {
    sqlx::query_as(
        "SELECT state, COUNT(*) AS surveys FROM surveys
         WHERE service_id = $1 AND started_at >= $2 AND started_at < $3 GROUP BY state",
    )
    .bind(service_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .context("Failed to count surveys")
}

/// Surveys of the period with at least one answer.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn responded(
    pool: &AnyPool,
    service_id: i64,
    (from, to): (i64, i64),
) -> anyhow::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM surveys s
         WHERE s.service_id = $1 AND s.started_at >= $2 AND s.started_at < $3
           AND EXISTS (SELECT 1 FROM survey_answers a WHERE a.conversation_id = s.conversation_id)",
    )
    .bind(service_id)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    .context("Failed to count answered surveys")
}

/// How many answers one question got with one score.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ScoreCount {
    /// The question's place in the survey, from 0.
    pub position: i64,
    /// None for free texts (then one row a question).
    pub score: Option<i64>,
    pub answers: i64,
}

/// Answers of the period by question position and score.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn score_counts(
    pool: &AnyPool,
    service_id: i64,
    (from, to): (i64, i64),
) -> anyhow::Result<Vec<ScoreCount>> {
    sqlx::query_as(
        "SELECT a.position, a.score, COUNT(*) AS answers FROM survey_answers a
         JOIN surveys s ON s.conversation_id = a.conversation_id
         WHERE s.service_id = $1 AND s.started_at >= $2 AND s.started_at < $3
         GROUP BY a.position, a.score ORDER BY a.position, a.score",
    )
    .bind(service_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    .context("Failed to count survey answers")
}

/// A free-text answer.
#[derive(Debug, Clone, FromRow)]
pub struct Comment {
    pub position: i64,
    pub text: String,
    /// Epoch ms.
    pub answered_at: i64,
}

/// The newest free-text answers of the period.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn comments(
    pool: &AnyPool,
    service_id: i64,
    (from, to): (i64, i64),
    limit: i64,
) -> anyhow::Result<Vec<Comment>> {
    sqlx::query_as(
        "SELECT a.position, a.text, a.answered_at FROM survey_answers a
         JOIN surveys s ON s.conversation_id = a.conversation_id
         WHERE s.service_id = $1 AND s.started_at >= $2 AND s.started_at < $3
           AND a.text IS NOT NULL
         ORDER BY a.answered_at DESC LIMIT $4",
    )
    .bind(service_id)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await
    .context("Failed to read survey comments")
}

/// The questions of the newest survey of the period (the report's labels).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn newest_questions(
    pool: &AnyPool,
    service_id: i64,
    (from, to): (i64, i64),
) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT questions FROM surveys
         WHERE service_id = $1 AND started_at >= $2 AND started_at < $3
         ORDER BY started_at DESC LIMIT 1",
    )
    .bind(service_id)
    .bind(from)
    .bind(to)
    .fetch_optional(pool)
    .await
    .context("Failed to read a survey's questions")
}
