//! Schedules ("Horário Padrão"): when a service or a service's group attends. The server's
//! `domain::schedule` checks and evaluates them; the admin's schedule page edits them.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The zone a new schedule starts with.
pub const DEFAULT_TIME_ZONE: &str = "America/Sao_Paulo";

/// A span of the day, "HH:MM" to "HH:MM". An end before the start runs past midnight into
/// the next day (22:00–02:00); an end of "24:00" or "00:00" is midnight; start = end is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSpan {
    pub start: String,
    pub end: String,
}

/// One weekly opening: `weekday` 0 is Monday … 6 is Sunday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyInterval {
    pub weekday: u8,
    pub start: String,
    pub end: String,
}

/// A holiday or exception: on `date` ("YYYY-MM-DD", in the schedule's zone) these spans
/// replace the weekday's; none means closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleException {
    pub date: String,
    pub name: String,
    pub spans: Vec<TimeSpan>,
}

/// What the schedule form sends: a new schedule (`id` None) or changes to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub id: Option<i64>,
    pub name: String,
    /// IANA zone, e.g. America/Sao_Paulo.
    pub time_zone: String,
    pub intervals: Vec<WeeklyInterval>,
    pub exceptions: Vec<ScheduleException>,
    pub version: i64,
}

/// A schedule as its form shows it; `version` comes back with the save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDetail {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub intervals: Vec<WeeklyInterval>,
    pub exceptions: Vec<ScheduleException>,
    pub active: bool,
    pub version: i64,
}

/// A schedule as the list shows it, with whether it is open right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub active: bool,
    pub open_now: bool,
    /// The services that use it (as their default or a group's).
    pub services: Vec<String>,
}

/// The "open now?" preview of a form not yet saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPreview {
    pub open: bool,
    /// When it next opens or closes (in the schedule's zone), within a year.
    pub next_change: Option<DateTime<FixedOffset>>,
}

/// One page of the schedule list (search by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulePage {
    pub schedules: Vec<ScheduleSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}
