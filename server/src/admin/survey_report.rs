//! The survey report (implements the app's `SurveyReports` port): per service and period,
//! counted by the database, shaped here. A period is whole days in the installation's zone.

use app::error::{AppError, Field};
use app::model::admin::Choice;
use app::model::service::AnswerType as WireAnswerType;
use app::model::survey::{
    QuestionReport, SurveyComment, SurveyReport, SurveyReportChoices, SurveyReportFilter,
    MAX_REPORT_DAYS,
};
use app::server::SurveyReports;
use async_trait::async_trait;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::policy::{AnswerType, SurveyQuestion};
use crate::error::internal;
use crate::store::surveys::ScoreCount;
use crate::store::{from_millis, services, surveys, Store};

/// Free-text answers shown.
const COMMENTS: i64 = 20;

pub struct SurveyReportService {
    store: Store,
    zone: Tz,
}

impl SurveyReportService {
    pub fn new(store: Store, zone: Tz) -> Self {
        SurveyReportService { store, zone }
    }
}

/// The period as epoch milliseconds, from the first day's midnight to the midnight after the
/// last day, in `zone`.
fn period(zone: Tz, filter: &SurveyReportFilter) -> Result<(i64, i64), AppError> {
    let invalid = AppError::Invalid { field: Field::Date };
    let day = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d");
    let (Ok(from), Ok(to)) = (day(&filter.from), day(&filter.to)) else {
        return Err(invalid);
    };
    let days = (to - from).num_days();
    if !(0..MAX_REPORT_DAYS).contains(&days) {
        return Err(invalid);
    }
    let midnight = |date: NaiveDate| {
        let local = date.and_hms_opt(0, 0, 0)?;
        // A midnight skipped by daylight saving starts the day at its first instant.
        let start = zone.from_local_datetime(&local).earliest().or_else(|| {
            let one_am = date.and_hms_opt(1, 0, 0)?;
            zone.from_local_datetime(&one_am).earliest()
        })?;
        Some(start.timestamp_millis())
    };
    let end = to.succ_opt().and_then(midnight);
    match (midnight(from), end) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(invalid),
    }
}

/// Shapes the counted answers: one report per question of the newest survey of the period.
fn question_reports(questions: &[SurveyQuestion], counts: &[ScoreCount]) -> Vec<QuestionReport> {
    questions
        .iter()
        .zip(0_i64..)
        .map(|(question, position)| {
            let rows = counts.iter().filter(|row| row.position == position);
            let mut distribution = match question.answer {
                AnswerType::Scale => vec![0; 5],
                AnswerType::YesNo => vec![0; 2],
                AnswerType::FreeText => Vec::new(),
            };
            let (mut answers, mut total) = (0, 0);
            for row in rows {
                let (score, count) = (row.score, row.answers);
                answers += count;
                let slot = match (question.answer, score) {
                    (AnswerType::Scale, Some(score @ 1..=5)) => usize::try_from(score - 1).ok(),
                    (AnswerType::YesNo, Some(1)) => Some(0),
                    (AnswerType::YesNo, Some(0)) => Some(1),
                    _ => None,
                };
                if let Some(slot) = slot {
                    distribution[slot] += count;
                    total += score.unwrap_or(0) * count;
                }
            }
            let scored: i64 = distribution.iter().sum();
            let average = (question.answer == AnswerType::Scale && scored > 0)
                .then(|| total as f64 / scored as f64);
            QuestionReport {
                number: position + 1,
                text: question.text.clone().into(),
                answer: question.answer.into(),
                answers,
                average,
                distribution,
            }
        })
        .collect()
}

#[async_trait]
impl SurveyReports for SurveyReportService {
    async fn choices(&self) -> Result<SurveyReportChoices, AppError> {
        let rows = services::choices_by_name(self.store.pool())
            .await
            .map_err(internal)?;
        let today = Utc::now().with_timezone(&self.zone).date_naive();
        let first = today - Duration::days(29);
        Ok(SurveyReportChoices {
            services: rows
                .into_iter()
                .map(|row| Choice {
                    id: row.id,
                    name: row.name,
                })
                .collect(),
            from: first.format("%Y-%m-%d").to_string(),
            to: today.format("%Y-%m-%d").to_string(),
        })
    }

    async fn report(&self, filter: SurveyReportFilter) -> Result<SurveyReport, AppError> {
        let period = period(self.zone, &filter)?;
        let pool = self.store.pool();
        if !services::exists(pool, filter.service_id)
            .await
            .map_err(internal)?
        {
            return Err(AppError::NotFound);
        }
        let service = filter.service_id;
        let by_state = surveys::counts(pool, service, period)
            .await
            .map_err(internal)?;
        let state = |name: &str| {
            by_state
                .iter()
                .find(|row| row.state == name)
                .map_or(0, |row| row.surveys)
        };
        let sent: i64 = by_state.iter().map(|row| row.surveys).sum();
        let responded = surveys::responded(pool, service, period)
            .await
            .map_err(internal)?;
        let questions: Vec<SurveyQuestion> = surveys::newest_questions(pool, service, period)
            .await
            .map_err(internal)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let counts = surveys::score_counts(pool, service, period)
            .await
            .map_err(internal)?;
        let questions = question_reports(&questions, &counts);
        let (sum, scored) = questions
            .iter()
            .filter(|q| q.answer == WireAnswerType::Scale)
            .flat_map(|q| q.distribution.iter().zip(1_i64..))
            .fold((0, 0), |(sum, n), (count, score)| {
                (sum + count * score, n + count)
            });
        let comments = surveys::comments(pool, service, period, COMMENTS)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|comment| SurveyComment {
                number: comment.position + 1,
                text: comment.text,
                at: from_millis(comment.answered_at)
                    .with_timezone(&self.zone)
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
            })
            .collect();
        Ok(SurveyReport {
            sent,
            responded,
            completed: state("answered"),
            expired: state("expired"),
            abandoned: state("abandoned"),
            asking: state("asking"),
            response_rate: (sent > 0).then(|| responded as f64 / sent as f64),
            average: (scored > 0).then(|| sum as f64 / scored as f64),
            questions,
            comments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Localized;

    fn question(answer: AnswerType) -> SurveyQuestion {
        SurveyQuestion {
            text: Localized::default(),
            answer,
        }
    }

    #[test]
    fn answers_are_counted_per_question_with_averages_for_scales() {
        let questions = [
            question(AnswerType::Scale),
            question(AnswerType::YesNo),
            question(AnswerType::FreeText),
        ];
        let count = |position, score, answers| ScoreCount {
            position,
            score,
            answers,
        };
        let counts = [
            count(0, Some(5), 3),
            count(0, Some(2), 1),
            count(1, Some(1), 2),
            count(1, Some(0), 1),
            count(2, None, 4),
        ];
        let reports = question_reports(&questions, &counts);
        assert_eq!(reports[0].distribution, [0, 1, 0, 0, 3]);
        assert_eq!(reports[0].average, Some(17.0 / 4.0));
        assert_eq!(
            (reports[1].distribution.as_slice(), reports[1].average),
            (&[2, 1][..], None)
        );
        assert_eq!((reports[2].answers, reports[2].number), (4, 3));
    }

    #[test]
    fn periods_are_whole_local_days_and_bounded() {
        let zone = chrono_tz::America::Sao_Paulo;
        let filter = |from: &str, to: &str| SurveyReportFilter {
            service_id: 1,
            from: from.into(),
            to: to.into(),
        };
        let (start, end) = period(zone, &filter("2026-11-01", "2026-11-30")).unwrap();
        assert_eq!(from_millis(start).to_rfc3339(), "2026-11-01T03:00:00+00:00");
        assert_eq!(from_millis(end).to_rfc3339(), "2026-12-01T03:00:00+00:00");
        let invalid = Err(AppError::Invalid { field: Field::Date });
        assert_eq!(period(zone, &filter("2026-11-30", "2026-11-01")), invalid);
        assert_eq!(period(zone, &filter("2025-01-01", "2026-11-01")), invalid);
        assert_eq!(period(zone, &filter("ontem", "2026-11-01")), invalid);
    }
}
