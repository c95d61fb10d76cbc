//! Whether a service attends now: its groups each attend by their own schedule or, without
//! one, by the service's; a service without groups attends by its own. No schedule at all
//! means always open (a service nobody gave hours to is never turned away).

use chrono::{DateTime, Utc};

use super::schedule::Schedule;

/// The schedules that decide a service's hours.
pub struct ServiceHours<'a> {
    pub service: Option<&'a Schedule>,
    /// One entry per group serving the service: the group's own schedule, if it has one.
    pub groups: Vec<Option<&'a Schedule>>,
}

impl ServiceHours<'_> {
    /// Each group's schedule in force (its own, else the service's; None: always open).
    fn effective(&self) -> Vec<Option<&Schedule>> {
        if self.groups.is_empty() {
            return vec![self.service];
        }
        self.groups.iter().map(|own| own.or(self.service)).collect()
    }

    /// Open if any group attends at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.effective()
            .into_iter()
            .any(|schedule| schedule.is_none_or(|s| s.is_open(at)))
    }

    /// Whether the service opened at some point after `from` and up to `to`: a customer who
    /// was told "we are closed" at `from` is told again only in a new closed period.
    pub fn opened_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        let mut at = from;
        while let Some(change) = self.next_change_after(at) {
            if change > to {
                return false;
            }
            if self.is_open(change) {
                return true;
            }
            at = change;
        }
        false
    }

    /// The first instant after `at` at which any group's schedule changes.
    fn next_change_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.effective()
            .into_iter()
            .flatten()
            .filter_map(|s| s.next_change(at))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::WeeklyInterval;
    use chrono::TimeZone;

    fn weekdays(start: &str, end: &str) -> Schedule {
        let intervals: Vec<WeeklyInterval> = (0..5)
            .map(|weekday| WeeklyInterval {
                weekday,
                start: start.to_owned(),
                end: end.to_owned(),
            })
            .collect();
        Schedule::parse("America/Sao_Paulo", &intervals, &[]).expect("schedule")
    }

    /// 2026-11-23 is a Monday; São Paulo is UTC-3.
    fn monday(hour: u32, minute: u32) -> DateTime<Utc> {
        let midnight = Utc
            .with_ymd_and_hms(2026, 11, 23, 3, 0, 0)
            .single()
            .expect("instant");
        midnight + chrono::Duration::minutes(i64::from(hour * 60 + minute))
    }

    #[test]
    fn no_schedule_is_always_open() {
        let hours = ServiceHours {
            service: None,
            groups: vec![],
        };
        assert!(hours.is_open(monday(3, 0)));
    }

    #[test]
    fn the_service_schedule_applies_without_groups_and_to_groups_without_their_own() {
        let office = weekdays("08:00", "18:00");
        let alone = ServiceHours {
            service: Some(&office),
            groups: vec![],
        };
        assert!(alone.is_open(monday(9, 0)));
        assert!(!alone.is_open(monday(19, 0)));
        let grouped = ServiceHours {
            service: Some(&office),
            groups: vec![None],
        };
        assert!(!grouped.is_open(monday(19, 0)));
    }

    #[test]
    fn any_group_attending_keeps_the_service_open() {
        let office = weekdays("08:00", "18:00");
        let evening = weekdays("18:00", "22:00");
        let hours = ServiceHours {
            service: Some(&office),
            groups: vec![None, Some(&evening)],
        };
        assert!(hours.is_open(monday(9, 0)));
        assert!(hours.is_open(monday(20, 0)), "the evening group attends");
        assert!(!hours.is_open(monday(23, 0)));
    }

    #[test]
    fn a_new_closed_period_starts_once_the_service_has_opened_in_between() {
        let office = weekdays("08:00", "18:00");
        let hours = ServiceHours {
            service: Some(&office),
            groups: vec![],
        };
        assert!(
            !hours.opened_between(monday(19, 0), monday(23, 0)),
            "the same evening"
        );
        let tuesday_night = monday(19, 0) + chrono::Duration::days(1);
        assert!(hours.opened_between(monday(19, 0), tuesday_night));
        let never = Schedule::parse("UTC", &[], &[]).expect("closed");
        let closed = ServiceHours {
            service: Some(&never),
            groups: vec![],
        };
        assert!(!closed.opened_between(monday(10, 0), tuesday_night));
    }
}
