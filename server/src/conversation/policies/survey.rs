//! The satisfaction survey in the chat: started after the closing message (so only within
//! Meta's 24-hour window), one question at a time with quick replies, each answer stored.
//! A message that is no answer is asked again once; a second one ends the survey and starts a
//! new conversation. Each question waits the service's survey time (the `survey_answer`
//! deadline), then the survey expires.

use crate::domain::policy::{MessageKind, SurveyQuestion};
use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;

use super::notice::{self, Notice};
use super::{text_for_customer, ServiceRuntime};
use crate::conversation::outbox::queue_system_question;
use crate::domain::survey::{self, Answer, Progress, Step, REASK_EN, REASK_PT_BR};
use crate::domain::timeouts::Deadline;
use crate::store::deadlines;
use crate::store::surveys::{self, Ending};

/// Starts the service's survey, if it has one; returns whether it did.
pub async fn start(
    conn: &mut AnyConnection,
    conversation_id: i64,
    runtime: &ServiceRuntime,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let questions = survey::questions(&runtime.policy.survey);
    let Some(first) = questions.first() else {
        return Ok(false);
    };
    let snapshot = serde_json::to_string(&questions)?;
    surveys::create(conn, conversation_id, runtime.id, &snapshot, now).await?;
    let english = super::customer_english(conn, conversation_id).await?;
    ask(conn, conversation_id, first, (false, english), now).await?;
    let due = Deadline::SurveyAnswer.due(&runtime.policy.times, now);
    deadlines::arm(conn, conversation_id, Deadline::SurveyAnswer, due).await?;
    tracing::info!(conversation = conversation_id, "Survey started");
    Ok(true)
}

/// Asks a question (`again` after a non-answer) with its quick replies, in the customer's
/// language if the question has it.
async fn ask(
    conn: &mut AnyConnection,
    conversation_id: i64,
    question: &SurveyQuestion,
    (again, customer_english): (bool, bool),
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let text = text_for_customer(&question.text, customer_english).unwrap_or_default();
    // The buttons and the re-ask follow the language the question went out in.
    let english = if customer_english {
        !question.text.en.trim().is_empty()
    } else {
        question.text.pt_br.trim().is_empty()
    };
    let text = match (again, english) {
        (false, _) => text.to_owned(),
        (true, false) => format!("{REASK_PT_BR} {text}"),
        (true, true) => format!("{REASK_EN} {text}"),
    };
    let replies = survey::quick_replies(question.answer, english);
    queue_system_question(conn, conversation_id, &text, &replies, now).await?;
    Ok(())
}

/// A survey waiting for a contact's answer.
pub struct Asking {
    pub conversation_id: i64,
    service_id: i64,
    questions: Vec<SurveyQuestion>,
    progress: Progress,
}

impl Asking {
    /// The contact's survey under way, if any.
    pub async fn of_contact(
        conn: &mut AnyConnection,
        contact_id: i64,
    ) -> anyhow::Result<Option<Asking>> {
        let Some(row) = surveys::asking(conn, contact_id).await? else {
            return Ok(None);
        };
        let questions = serde_json::from_str(&row.questions)?;
        Ok(Some(Asking {
            conversation_id: row.conversation_id,
            service_id: row.service_id,
            questions,
            progress: Progress {
                current: usize::try_from(row.current).unwrap_or(usize::MAX),
                reasked: row.reasked != 0,
            },
        }))
    }

    /// What the customer's message is to the survey.
    pub fn step(&self, text: Option<&str>, quick_reply: Option<&str>) -> Step {
        survey::step(&self.questions, self.progress, text, quick_reply)
    }

    /// Carries out the step (the message is already stored in the survey's conversation, except
    /// on `GiveUp`, where it starts a new one).
    pub async fn apply(
        &self,
        conn: &mut AnyConnection,
        step: Step,
        installation: Tz,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let id = self.conversation_id;
        let current = i64::try_from(self.progress.current)?;
        // The question to ask now, and whether it is asked again.
        let (position, again) = match step {
            Step::GiveUp => {
                surveys::end(conn, id, Ending::Abandoned, now).await?;
                deadlines::disarm(conn, id, &[Deadline::SurveyAnswer]).await?;
                tracing::info!(conversation = id, "Survey abandoned: not an answer, twice");
                return Ok(());
            }
            Step::Finished { answer } => {
                self.keep(conn, current, &answer, now).await?;
                surveys::end(conn, id, Ending::Answered, now).await?;
                deadlines::disarm(conn, id, &[Deadline::SurveyAnswer]).await?;
                let runtime = ServiceRuntime::load(conn, self.service_id).await?;
                let thanks = Notice::automated(MessageKind::SurveyThanks);
                notice::send(conn, id, &runtime, thanks, installation, now).await?;
                tracing::info!(conversation = id, "Survey answered");
                return Ok(());
            }
            Step::Next { answer, next } => {
                self.keep(conn, current, &answer, now).await?;
                (next, false)
            }
            Step::Reask => (self.progress.current, true),
        };
        surveys::advance(conn, id, i64::try_from(position)?, again).await?;
        let question = (self.questions.get(position)).context("No such survey question")?;
        let english = super::customer_english(conn, id).await?;
        ask(conn, id, question, (again, english), now).await?;
        let runtime = ServiceRuntime::load(conn, self.service_id).await?;
        let wait = Deadline::SurveyAnswer.due(&runtime.policy.times, now);
        deadlines::arm(conn, id, Deadline::SurveyAnswer, wait).await?;
        Ok(())
    }

    async fn keep(
        &self,
        conn: &mut AnyConnection,
        position: i64,
        answer: &Answer,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let value = match answer {
            Answer::Score(score) => (Some(*score), None),
            Answer::Text(text) => (None, Some(text.as_str())),
        };
        surveys::record_answer(conn, self.conversation_id, position, value, now).await
    }
}
