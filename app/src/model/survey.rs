//! The survey report: per service and period, how many surveys went out, how many customers
//! answered, and what they said.

use serde::{Deserialize, Serialize};

use super::admin::Choice;
use super::service::{AnswerType, Localized};

/// The longest period a report covers, in days.
pub const MAX_REPORT_DAYS: i64 = 366;

/// What the report's filter offers: every service, and the last 30 days as the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyReportChoices {
    pub services: Vec<Choice>,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyReportFilter {
    pub service_id: i64,
    /// First and last day (YYYY-MM-DD, in the installation's zone), both included.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyReport {
    /// Surveys started in the period (the customer got the first question).
    pub sent: i64,
    /// Of those, with at least one answer.
    pub responded: i64,
    /// Answered to the end.
    pub completed: i64,
    /// Unanswered within the service's survey time.
    pub expired: i64,
    /// Ended by a second message that was no answer.
    pub abandoned: i64,
    /// Still waiting for an answer.
    pub asking: i64,
    /// `responded / sent`, from 0 to 1 (None without surveys).
    pub response_rate: Option<f64>,
    /// The average of every 1-to-5 answer in the period.
    pub average: Option<f64>,
    pub questions: Vec<QuestionReport>,
    /// The newest free-text answers.
    pub comments: Vec<SurveyComment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionReport {
    /// 1 for the first question.
    pub number: i64,
    pub text: Localized,
    pub answer: AnswerType,
    pub answers: i64,
    /// 1-to-5 questions: the average.
    pub average: Option<f64>,
    /// How many answered each value: 1 to 5 for a scale, yes then no, nothing for free text.
    pub distribution: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyComment {
    pub number: i64,
    pub text: String,
    /// When it was answered, formatted for the reader ("21/11/2026 14:30").
    pub at: String,
}
