//! The service's timeouts as deadlines: what each one waits for, when it falls due given the
//! service's times, and what ends it. The store keeps them; the timeouts worker fires them.

use crate::domain::policy::{ServiceTimes, TimeKind};
use chrono::{DateTime, Duration, Utc};

/// A kind of deadline on a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// Armed when the conversation joins the queue: the queue message, then the overflow.
    QueueWait,
    /// Armed when an agent gets the conversation; ended by their first message.
    FirstResponse,
    /// Armed by each agent message; ended by the customer's answer.
    InactivityWarning,
    /// Armed by the warning; ended by the customer's answer.
    InactivityClose,
    /// Armed by each survey question; ended by the answer.
    SurveyAnswer,
}

impl Deadline {
    pub const ALL: [Deadline; 5] = [
        Deadline::QueueWait,
        Deadline::FirstResponse,
        Deadline::InactivityWarning,
        Deadline::InactivityClose,
        Deadline::SurveyAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::QueueWait => "queue_wait",
            Deadline::FirstResponse => "first_response",
            Deadline::InactivityWarning => "inactivity_warning",
            Deadline::InactivityClose => "inactivity_close",
            Deadline::SurveyAnswer => "survey_answer",
        }
    }

    pub fn parse(text: &str) -> Option<Deadline> {
        Deadline::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The service time it waits (the warning and the close wait the same inactivity time:
    /// silent that long, the customer is warned; silent as long again, the chat is closed).
    fn time(self) -> TimeKind {
        match self {
            Deadline::QueueWait => TimeKind::QueueWait,
            Deadline::FirstResponse => TimeKind::FirstResponseAlert,
            Deadline::InactivityWarning | Deadline::InactivityClose => TimeKind::InactivityClose,
            Deadline::SurveyAnswer => TimeKind::SurveyTimeout,
        }
    }

    /// When it falls due if armed at `from`, by the service's times (custom or default).
    pub fn due(self, times: &ServiceTimes, from: DateTime<Utc>) -> DateTime<Utc> {
        let kind = self.time();
        let value = i64::from(times.effective(kind));
        let wait = if kind.in_seconds() {
            Duration::seconds(value)
        } else {
            Duration::minutes(value)
        };
        from + wait
    }
}

/// Whether a deadline due at `due_at` fires at `now` (a deadline never fires early).
pub fn is_due(due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    due_at <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The controllable clock: every test says what time it is.
    fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, hour, minute, second)
            .single()
            .expect("a valid instant")
    }

    #[test]
    fn deadlines_fall_due_after_the_services_times_or_the_defaults() {
        let defaults = ServiceTimes::default();
        let armed = at(10, 0, 0);
        assert_eq!(Deadline::QueueWait.due(&defaults, armed), at(10, 10, 0));
        assert_eq!(Deadline::FirstResponse.due(&defaults, armed), at(10, 2, 0));
        assert_eq!(
            Deadline::InactivityWarning.due(&defaults, armed),
            at(10, 30, 0)
        );
        assert_eq!(Deadline::SurveyAnswer.due(&defaults, armed), at(10, 10, 0));
        let custom = ServiceTimes {
            queue_wait_minutes: Some(1),
            inactivity_close_minutes: Some(7 * 24 * 60),
            first_response_alert_minutes: Some(5),
            wrap_up_seconds: Some(30),
            survey_timeout_minutes: Some(3),
        };
        assert_eq!(Deadline::QueueWait.due(&custom, armed), at(10, 1, 0));
        assert_eq!(Deadline::FirstResponse.due(&custom, armed), at(10, 5, 0));
        assert_eq!(Deadline::SurveyAnswer.due(&custom, armed), at(10, 3, 0));
        let a_week = Deadline::InactivityClose.due(&custom, armed);
        assert_eq!(a_week - armed, Duration::days(7));
    }

    #[test]
    fn a_deadline_fires_at_its_time_and_never_before() {
        let due = Deadline::FirstResponse.due(&ServiceTimes::default(), at(23, 59, 0));
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 11, 22, 0, 1, 0).unwrap());
        assert!(!is_due(due, at(23, 59, 59)));
        assert!(is_due(due, due));
        assert!(
            is_due(due, due + Duration::hours(5)),
            "late (after a restart) still fires"
        );
    }

    #[test]
    fn kinds_are_stored_by_name() {
        for kind in Deadline::ALL {
            assert_eq!(Deadline::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Deadline::parse("lunch"), None);
    }
}
