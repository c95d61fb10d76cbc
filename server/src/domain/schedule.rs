//! Business hours ("Horário Padrão"): the weekly intervals in which a service attends, the
//! zone they are read in and the holidays that replace them, checked once and then asked
//! "open at this instant?" and "when does that change?".
//!
//! Hours are wall-clock times in the schedule's own zone, so "08:00–18:00" stays 08:00–18:00
//! local on both sides of a daylight-saving change; it is the UTC instants that move.

use std::collections::HashMap;

use chrono::{
    DateTime, Datelike, Days, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

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

/// What `schedules.definition` holds (and the provisioning file's schedules become). These
/// are the database's format, fixed by the golden test below; the schedule form has its own
/// copies (`app::model::schedule`), converted in `admin/schedules.rs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Definition {
    pub intervals: Vec<WeeklyInterval>,
    pub exceptions: Vec<ScheduleException>,
}

/// More weekly intervals than this is a mistake (or an attack), not a timetable.
pub const MAX_INTERVALS: usize = 200;
/// Enough for a year of holidays and then some.
pub const MAX_EXCEPTIONS: usize = 400;
/// Exception names are labels in a list ("Natal", "Carnaval").
pub const MAX_EXCEPTION_NAME: usize = 80;
/// How far `next_change` looks before it gives up: a little over a year, so a schedule
/// closed by a year of holidays still shows when it reopens.
pub const LOOKAHEAD_DAYS: u64 = 400;

const MINUTES_PER_DAY: u32 = 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error("the time zone must be an IANA zone name such as America/Sao_Paulo")]
    TimeZone,
    #[error(
        "interval {index}: the weekday is 0 (Monday) to 6 (Sunday), the times are HH:MM \
         (24:00 only as an end) and start and end differ; at most 200 intervals"
    )]
    Interval { index: usize },
    #[error("two intervals on weekday {weekday} (0 is Monday) overlap")]
    Overlap { weekday: u8 },
    #[error(
        "exception {index}: the date is YYYY-MM-DD, the name has at most 80 characters and \
         the spans are HH:MM to HH:MM without overlapping; at most 400 exceptions"
    )]
    Exception { index: usize },
    #[error("exception {index} repeats the date of an earlier one")]
    DuplicateDate { index: usize },
}

/// One opening within a day, in minutes from local midnight: `start` is 0..1440 and `end`
/// 1..=1440. An end before the start runs past midnight and closes at `end` on the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn parse(start: &str, end: &str) -> Option<Span> {
        let start = parse_time(start, false)?;
        let end = parse_time(end, true)?;
        if start == end {
            // Closed or open all day? Neither reading is safe to guess.
            return None;
        }
        // An end of "00:00" is the same midnight as "24:00"; storing it as 24:00 keeps the
        // span on its own day instead of spilling an empty piece into the next.
        let end = if end == 0 { MINUTES_PER_DAY } else { end };
        Some(Span { start, end })
    }

    fn crosses_midnight(self) -> bool {
        self.end < self.start
    }

    /// The part on the span's own day: [start, end), or [start, 24:00) when it crosses midnight.
    fn same_day(self) -> (u32, u32) {
        if self.crosses_midnight() {
            (self.start, MINUTES_PER_DAY)
        } else {
            (self.start, self.end)
        }
    }

    /// The part after midnight on the next day, [00:00, end), when it crosses midnight.
    fn spill(self) -> Option<(u32, u32)> {
        self.crosses_midnight().then_some((0, self.end))
    }
}

/// "HH:MM" in 24-hour time, minutes from midnight; "24:00" only when it ends a span.
fn parse_time(raw: &str, is_end: bool) -> Option<u32> {
    let bytes = raw.trim().as_bytes();
    let [h1, h2, b':', m1, m2] = *bytes else {
        return None;
    };
    let hours = two_digits(h1, h2)?;
    let minutes = two_digits(m1, m2)?;
    match (hours, minutes) {
        (24, 0) if is_end => Some(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

fn two_digits(tens: u8, units: u8) -> Option<u32> {
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    Some(digit(tens)? * 10 + digit(units)?)
}

/// "YYYY-MM-DD", a date that exists.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    let bytes = raw.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

/// Whether any two of these [start, end) ranges share a minute; touching ends are fine.
fn overlaps(ranges: &mut [(u32, u32)]) -> bool {
    ranges.sort_unstable();
    ranges.windows(2).any(|pair| pair[1].0 < pair[0].1)
}

/// A checked schedule: its zone, the spans of each weekday (0 is Monday) and the dates whose
/// spans replace their weekday's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    zone: Tz,
    weekly: [Vec<Span>; 7],
    exceptions: HashMap<NaiveDate, Vec<Span>>,
}

impl Schedule {
    pub fn parse(
        time_zone: &str,
        intervals: &[WeeklyInterval],
        exceptions: &[ScheduleException],
    ) -> Result<Schedule, ScheduleError> {
        let zone: Tz = time_zone
            .trim()
            .parse()
            .map_err(|_| ScheduleError::TimeZone)?;

        if intervals.len() > MAX_INTERVALS {
            return Err(ScheduleError::Interval {
                index: MAX_INTERVALS,
            });
        }
        let mut weekly: [Vec<Span>; 7] = Default::default();
        for (index, interval) in intervals.iter().enumerate() {
            let span = Span::parse(&interval.start, &interval.end)
                .filter(|_| interval.weekday < 7)
                .ok_or(ScheduleError::Interval { index })?;
            weekly[usize::from(interval.weekday)].push(span);
        }
        // A weekday holds its own spans plus what the previous day's crossing spans spill
        // into it (Sunday spills into Monday): none of those may share a minute.
        for weekday in 0..7u8 {
            let day = usize::from(weekday);
            let previous = (day + 6) % 7;
            let mut ranges: Vec<(u32, u32)> = weekly[day]
                .iter()
                .map(|span| span.same_day())
                .chain(weekly[previous].iter().filter_map(|span| span.spill()))
                .collect();
            if overlaps(&mut ranges) {
                return Err(ScheduleError::Overlap { weekday });
            }
        }
        for spans in &mut weekly {
            spans.sort_unstable();
        }

        if exceptions.len() > MAX_EXCEPTIONS {
            return Err(ScheduleError::Exception {
                index: MAX_EXCEPTIONS,
            });
        }
        let mut by_date = HashMap::with_capacity(exceptions.len());
        for (index, exception) in exceptions.iter().enumerate() {
            let (date, spans) =
                parse_exception(exception).ok_or(ScheduleError::Exception { index })?;
            if by_date.insert(date, spans).is_some() {
                return Err(ScheduleError::DuplicateDate { index });
            }
        }

        Ok(Schedule {
            zone,
            weekly,
            exceptions: by_date,
        })
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Whether it is open at this instant.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.is_open_local(at.with_timezone(&self.zone).naive_local())
    }

    /// The first instant after `at` at which `is_open` changes, looking at most 400 days
    /// ahead (None if it never changes, e.g. no intervals at all or open 24/7).
    ///
    /// `is_open` can only change where the local clock reaches a span's start or end, or
    /// where the clock itself jumps (a daylight-saving change). So each local date's
    /// boundaries become UTC candidates, tried in order until one flips the answer; dates are
    /// walked one at a time so the usual answer, hours away, costs a day or two of work.
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let has_hours = self.weekly.iter().any(|spans| !spans.is_empty())
            || self.exceptions.values().any(|spans| !spans.is_empty());
        if !has_hours {
            return None;
        }
        let open = self.is_open(at);
        let today = at.with_timezone(&self.zone).date_naive();
        // Start two dates back: the previous day's crossing spans end today, and a clock
        // turned back over midnight can put yesterday's boundaries after `at`.
        let mut date = today.checked_sub_days(Days::new(2))?;
        let last = today.checked_add_days(Days::new(LOOKAHEAD_DAYS))?;
        let mut day_start = self.first_instant_at_or_after(date.and_time(NaiveTime::MIN))?;
        let mut pending: Vec<DateTime<Utc>> = Vec::new();
        while date <= last {
            let next_date = date.succ_opt()?;
            let next_start = self.first_instant_at_or_after(next_date.and_time(NaiveTime::MIN))?;
            pending.push(day_start);
            if let Some(jump) = self.offset_change(day_start, next_start) {
                pending.push(jump);
            }
            for span in self.rules(date) {
                self.push_instants(&mut pending, date, span.start);
                match (span.crosses_midnight(), span.end) {
                    (true, end) => self.push_instants(&mut pending, next_date, end),
                    (false, MINUTES_PER_DAY) => self.push_instants(&mut pending, next_date, 0),
                    (false, end) => self.push_instants(&mut pending, date, end),
                }
            }
            pending.retain(|candidate| *candidate > at);
            pending.sort_unstable();
            pending.dedup();
            // Every boundary of a later date is at or after `next_start`, so the candidates
            // before it are complete and can be decided now.
            let ready = pending.partition_point(|candidate| *candidate < next_start);
            if let Some(change) = pending[..ready]
                .iter()
                .find(|candidate| self.is_open(**candidate) != open)
            {
                return Some(*change);
            }
            pending.drain(..ready);
            date = next_date;
            day_start = next_start;
        }
        None
    }

    /// The spans of a local date: its exception's, if it has one, else its weekday's.
    fn rules(&self, date: NaiveDate) -> &[Span] {
        match self.exceptions.get(&date) {
            Some(spans) => spans,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    fn is_open_local(&self, local: NaiveDateTime) -> bool {
        let date = local.date();
        let minute = local.hour() * 60 + local.minute();
        let today = self.rules(date).iter().any(|span| {
            let (start, end) = span.same_day();
            start <= minute && minute < end
        });
        // The part of a span after midnight belongs to the day the span started on: it
        // follows that day's rules (its exception, or else its weekday) and applies whether
        // or not today has an exception of its own. So a holiday on Saturday does not cut
        // short Friday's 22:00–02:00, while a holiday on Friday (no spans) leaves nothing to
        // spill into Saturday.
        let spill = date.pred_opt().is_some_and(|yesterday| {
            self.rules(yesterday)
                .iter()
                .filter_map(|span| span.spill())
                .any(|(_, end)| minute < end)
        });
        today || spill
    }

    /// The UTC instants at which the local clock reads `minute` on `date`: one normally, both
    /// in the hour repeated when clocks go back, and in a spring-forward gap the instant the
    /// clock jumps past it.
    fn push_instants(&self, into: &mut Vec<DateTime<Utc>>, date: NaiveDate, minute: u32) {
        let Some(time) = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0) else {
            return;
        };
        let local = date.and_time(time);
        match self.zone.from_local_datetime(&local) {
            MappedLocalTime::Single(instant) => into.push(instant.with_timezone(&Utc)),
            MappedLocalTime::Ambiguous(earliest, latest) => {
                into.push(earliest.with_timezone(&Utc));
                into.push(latest.with_timezone(&Utc));
            }
            MappedLocalTime::None => into.extend(self.first_instant_at_or_after(local)),
        }
    }

    /// The first instant whose local time is `local` or later: the earliest reading of an
    /// ambiguous time, and for a time skipped by a spring-forward gap the first valid
    /// instant after the gap (02:30 on a night that jumps from 02:00 to 03:00 gives 03:00).
    fn first_instant_at_or_after(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.zone.from_local_datetime(&local) {
            MappedLocalTime::Single(instant) | MappedLocalTime::Ambiguous(instant, _) => {
                return Some(instant.with_timezone(&Utc));
            }
            MappedLocalTime::None => {}
        }
        // UTC offsets stay within ±26 hours, so these seconds bracket the answer; halve the
        // bracket until it is one second wide.
        const BRACKET: i64 = 30 * 3600;
        let target = local.and_utc().timestamp();
        let (mut before, mut after) = (target - BRACKET, target + BRACKET);
        while after - before > 1 {
            let middle = before + (after - before) / 2;
            let reached = DateTime::from_timestamp(middle, 0)?
                .with_timezone(&self.zone)
                .naive_local()
                >= local;
            if reached {
                after = middle;
            } else {
                before = middle;
            }
        }
        DateTime::from_timestamp(after, 0)
    }

    /// The instant in (from, to] at which the zone's UTC offset changes, if it differs at the
    /// two ends. Two changes that cancel out within one day would go unseen; no zone does that.
    fn offset_change(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let offset_at = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0).map(|instant| {
                self.zone
                    .offset_from_utc_datetime(&instant.naive_utc())
                    .fix()
            })
        };
        let (mut before, mut after) = (from.timestamp(), to.timestamp());
        let first = offset_at(before)?;
        if offset_at(after)? == first {
            return None;
        }
        while after - before > 1 {
            let middle = before + (after - before) / 2;
            if offset_at(middle)? == first {
                before = middle;
            } else {
                after = middle;
            }
        }
        DateTime::from_timestamp(after, 0)
    }
}

/// An exception's date and sorted spans, or None if anything in it is invalid.
fn parse_exception(exception: &ScheduleException) -> Option<(NaiveDate, Vec<Span>)> {
    let date = parse_date(&exception.date)?;
    if exception.name.trim().chars().count() > MAX_EXCEPTION_NAME {
        return None;
    }
    let mut spans = exception
        .spans
        .iter()
        .map(|TimeSpan { start, end }| Span::parse(start, end))
        .collect::<Option<Vec<Span>>>()?;
    // Only the spans' parts on the exception's own date are compared: what spills past
    // midnight joins the next date, whose own spans are its business.
    let mut ranges: Vec<(u32, u32)> = spans.iter().map(|span| span.same_day()).collect();
    if overlaps(&mut ranges) {
        return None;
    }
    spans.sort_unstable();
    Some((date, spans))
}

#[cfg(test)]
mod stored_format {
    use super::Definition;

    /// A definition with every field set, as `schedules.definition` holds it: the database's
    /// format, to read and write back exactly like this.
    const GOLDEN: &str = r#"{"intervals":[{"weekday":0,"start":"08:00","end":"18:00"},
        {"weekday":5,"start":"22:00","end":"02:00"}],
        "exceptions":[{"date":"2026-12-25","name":"Natal","spans":[]},
        {"date":"2026-12-24","name":"Véspera","spans":[{"start":"08:00","end":"12:00"}]}]}"#;

    #[test]
    fn a_stored_definition_reads_and_writes_back_unchanged() {
        let definition: Definition = serde_json::from_str(GOLDEN).expect("it reads");
        let written = serde_json::to_value(&definition).expect("it writes");
        let golden: serde_json::Value = serde_json::from_str(GOLDEN).expect("golden JSON");
        assert_eq!(written, golden);
        assert_eq!(definition.exceptions[1].spans[0].end, "12:00");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Europe};

    fn interval(weekday: u8, start: &str, end: &str) -> WeeklyInterval {
        WeeklyInterval {
            weekday,
            start: start.to_owned(),
            end: end.to_owned(),
        }
    }

    fn exception(date: &str, spans: &[(&str, &str)]) -> ScheduleException {
        ScheduleException {
            date: date.to_owned(),
            name: "Feriado".to_owned(),
            spans: spans
                .iter()
                .map(|(start, end)| TimeSpan {
                    start: (*start).to_owned(),
                    end: (*end).to_owned(),
                })
                .collect(),
        }
    }

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .expect("a valid UTC time")
    }

    fn local(zone: Tz, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .expect("an unambiguous local time")
            .with_timezone(&Utc)
    }

    fn sao_paulo(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        local(America::Sao_Paulo, year, month, day, hour, minute)
    }

    /// Monday to Friday, 08:00–18:00, São Paulo (UTC-3 all year since 2019).
    fn office_hours(exceptions: &[ScheduleException]) -> Schedule {
        let intervals: Vec<WeeklyInterval> = (0..5)
            .map(|weekday| interval(weekday, "08:00", "18:00"))
            .collect();
        Schedule::parse("America/Sao_Paulo", &intervals, exceptions).expect("a valid schedule")
    }

    // 2026-03-02 is a Monday, 2026-03-06 a Friday.

    #[test]
    fn office_hours_open_at_eight_and_close_at_six_local_time() {
        let schedule = office_hours(&[]);
        assert_eq!(schedule.zone(), America::Sao_Paulo);
        assert!(schedule.is_open(sao_paulo(2026, 3, 2, 10, 0)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 2, 7, 59)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 2, 8, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 2, 17, 59)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 2, 18, 0)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 7, 10, 0)), "Saturday");
        assert!(!schedule.is_open(sao_paulo(2026, 3, 8, 10, 0)), "Sunday");
        // Read in the zone, not in UTC: 08:00 in São Paulo is 11:00 UTC.
        assert!(!schedule.is_open(utc(2026, 3, 2, 10, 59)));
        assert!(schedule.is_open(utc(2026, 3, 2, 11, 0)));
        assert!(schedule.is_open(utc(2026, 3, 2, 20, 59)));
        assert!(!schedule.is_open(utc(2026, 3, 2, 21, 0)));
    }

    #[test]
    fn the_next_change_is_todays_close_or_the_opening_after_the_weekend() {
        let schedule = office_hours(&[]);
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 2, 10, 0)),
            Some(sao_paulo(2026, 3, 2, 18, 0))
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 6, 19, 0)),
            Some(sao_paulo(2026, 3, 9, 8, 0))
        );
        // Strictly after: at the closing instant the next change is the next opening.
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 2, 18, 0)),
            Some(sao_paulo(2026, 3, 3, 8, 0))
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 3, 7, 0)),
            Some(sao_paulo(2026, 3, 3, 8, 0))
        );
    }

    #[test]
    fn an_interval_ending_before_it_starts_runs_past_midnight() {
        let schedule = Schedule::parse(
            "America/Sao_Paulo",
            &[interval(4, "22:00", "02:00"), interval(6, "23:00", "01:00")],
            &[],
        )
        .expect("a valid schedule");
        assert!(!schedule.is_open(sao_paulo(2026, 3, 6, 21, 59)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 6, 23, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 7, 0, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 7, 1, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 3, 7, 1, 59)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 7, 2, 0)));
        assert!(
            !schedule.is_open(sao_paulo(2026, 3, 8, 1, 0)),
            "Sunday has no spill"
        );
        assert!(
            !schedule.is_open(sao_paulo(2026, 3, 6, 1, 0)),
            "nor does Friday"
        );
        // Sunday's crossing interval spills into Monday.
        assert!(schedule.is_open(sao_paulo(2026, 3, 9, 0, 30)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 9, 1, 0)));
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 6, 23, 0)),
            Some(sao_paulo(2026, 3, 7, 2, 0))
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 7, 2, 0)),
            Some(sao_paulo(2026, 3, 8, 23, 0))
        );
    }

    #[test]
    fn an_end_of_24_00_closes_at_the_following_midnight() {
        let schedule = Schedule::parse("America/Sao_Paulo", &[interval(0, "20:00", "24:00")], &[])
            .expect("a valid schedule");
        assert!(schedule.is_open(sao_paulo(2026, 3, 2, 23, 59)));
        assert!(!schedule.is_open(sao_paulo(2026, 3, 3, 0, 0)));
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 3, 2, 21, 0)),
            Some(sao_paulo(2026, 3, 3, 0, 0))
        );
        // "00:00" as an end means the same midnight.
        let same = Schedule::parse("America/Sao_Paulo", &[interval(0, "20:00", "00:00")], &[])
            .expect("a valid schedule");
        assert_eq!(same, schedule);
    }

    #[test]
    fn all_day_every_day_is_always_open_and_never_changes() {
        let intervals: Vec<WeeklyInterval> = (0..7)
            .map(|weekday| interval(weekday, "00:00", "24:00"))
            .collect();
        let schedule =
            Schedule::parse("America/Sao_Paulo", &intervals, &[]).expect("a valid schedule");
        for at in [
            sao_paulo(2026, 3, 2, 0, 0),
            sao_paulo(2026, 3, 4, 23, 59),
            sao_paulo(2026, 3, 8, 12, 0),
            utc(2026, 12, 31, 23, 59),
        ] {
            assert!(schedule.is_open(at), "{at}");
            assert_eq!(schedule.next_change(at), None, "{at}");
        }
        // Also across daylight-saving changes, where the clock jumps.
        let new_york = Schedule::parse("America/New_York", &intervals, &[]).expect("valid");
        assert_eq!(new_york.next_change(utc(2026, 3, 1, 0, 0)), None);
    }

    #[test]
    fn a_schedule_without_hours_is_always_closed_and_never_changes() {
        let schedule = Schedule::parse("America/Sao_Paulo", &[], &[exception("2026-12-25", &[])])
            .expect("a valid schedule");
        assert!(!schedule.is_open(sao_paulo(2026, 3, 2, 10, 0)));
        assert_eq!(schedule.next_change(sao_paulo(2026, 3, 2, 10, 0)), None);
    }

    // 2026-12-24 is a Thursday, 2026-12-25 a Friday.

    #[test]
    fn a_holiday_without_spans_closes_the_whole_day() {
        let schedule = office_hours(&[exception("2026-12-25", &[])]);
        assert!(schedule.is_open(sao_paulo(2026, 12, 24, 10, 0)));
        assert!(!schedule.is_open(sao_paulo(2026, 12, 25, 10, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 12, 28, 10, 0)));
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 12, 24, 19, 0)),
            Some(sao_paulo(2026, 12, 28, 8, 0))
        );
    }

    #[test]
    fn an_exception_with_spans_replaces_that_days_hours() {
        let schedule = office_hours(&[
            exception("2026-12-24", &[("09:00", "13:00")]),
            exception("2026-12-26", &[("10:00", "12:00")]),
        ]);
        assert!(!schedule.is_open(sao_paulo(2026, 12, 24, 8, 30)));
        assert!(schedule.is_open(sao_paulo(2026, 12, 24, 9, 0)));
        assert!(schedule.is_open(sao_paulo(2026, 12, 24, 12, 59)));
        assert!(!schedule.is_open(sao_paulo(2026, 12, 24, 13, 0)));
        assert!(!schedule.is_open(sao_paulo(2026, 12, 24, 17, 0)));
        assert!(
            schedule.is_open(sao_paulo(2026, 12, 23, 17, 0)),
            "the day before keeps its hours"
        );
        assert!(
            schedule.is_open(sao_paulo(2026, 12, 26, 11, 0)),
            "it can open a Saturday"
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 12, 24, 8, 0)),
            Some(sao_paulo(2026, 12, 24, 9, 0))
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 12, 24, 10, 0)),
            Some(sao_paulo(2026, 12, 24, 13, 0))
        );
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 12, 24, 13, 0)),
            Some(sao_paulo(2026, 12, 25, 8, 0))
        );
    }

    #[test]
    fn what_spills_past_midnight_follows_the_day_it_started_on() {
        // Friday 22:00–02:00; a holiday on Saturday does not cut Friday night short.
        let saturday_off = Schedule::parse(
            "America/Sao_Paulo",
            &[interval(4, "22:00", "02:00")],
            &[exception("2026-03-07", &[])],
        )
        .expect("a valid schedule");
        assert!(saturday_off.is_open(sao_paulo(2026, 3, 7, 1, 0)));
        assert_eq!(
            saturday_off.next_change(sao_paulo(2026, 3, 7, 1, 0)),
            Some(sao_paulo(2026, 3, 7, 2, 0))
        );
        // A holiday on Friday closes Friday night, after midnight too.
        let friday_off = Schedule::parse(
            "America/Sao_Paulo",
            &[interval(4, "22:00", "02:00")],
            &[exception("2026-03-06", &[])],
        )
        .expect("a valid schedule");
        assert!(!friday_off.is_open(sao_paulo(2026, 3, 6, 23, 0)));
        assert!(!friday_off.is_open(sao_paulo(2026, 3, 7, 1, 0)));
        // An exception's own span may cross midnight: New Year's Eve 20:00–01:00.
        let new_year = office_hours(&[exception("2026-12-31", &[("20:00", "01:00")])]);
        assert!(!new_year.is_open(sao_paulo(2026, 12, 31, 10, 0)));
        assert!(new_year.is_open(sao_paulo(2027, 1, 1, 0, 30)));
        assert!(!new_year.is_open(sao_paulo(2027, 1, 1, 1, 0)));
        assert_eq!(
            new_year.next_change(sao_paulo(2026, 12, 31, 21, 0)),
            Some(sao_paulo(2027, 1, 1, 1, 0))
        );
    }

    #[test]
    fn a_year_of_holidays_still_finds_the_reopening() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        let holidays: Vec<ScheduleException> = first
            .iter_days()
            .take(365)
            .map(|date| exception(&date.format("%Y-%m-%d").to_string(), &[]))
            .collect();
        let schedule = office_hours(&holidays);
        assert_eq!(
            schedule.next_change(sao_paulo(2026, 1, 1, 0, 0)),
            // 2027-01-01 is a Friday.
            Some(sao_paulo(2027, 1, 1, 8, 0))
        );
    }

    // New York: clocks go from 02:00 EST to 03:00 EDT on Sunday 2026-03-08, and from 02:00
    // EDT back to 01:00 EST on Sunday 2026-11-01.

    fn new_york_sundays(start: &str, end: &str) -> Schedule {
        Schedule::parse("America/New_York", &[interval(6, start, end)], &[])
            .expect("a valid schedule")
    }

    #[test]
    fn hours_follow_the_wall_clock_across_spring_forward() {
        let schedule = new_york_sundays("08:00", "18:00");
        // A week before the change, 08:00 EST is 13:00 UTC.
        assert_eq!(
            schedule.next_change(utc(2026, 3, 1, 5, 0)),
            Some(utc(2026, 3, 1, 13, 0))
        );
        assert!(!schedule.is_open(utc(2026, 3, 1, 12, 30)));
        // On the day of the change, 08:00 EDT is 12:00 UTC.
        assert_eq!(
            schedule.next_change(utc(2026, 3, 8, 5, 0)),
            Some(utc(2026, 3, 8, 12, 0))
        );
        assert!(schedule.is_open(utc(2026, 3, 8, 12, 30)));
        assert_eq!(
            schedule.next_change(utc(2026, 3, 8, 12, 30)),
            Some(utc(2026, 3, 8, 22, 0))
        );
    }

    #[test]
    fn an_opening_inside_the_spring_forward_gap_starts_when_the_clocks_jump() {
        // 02:30 never happens on 2026-03-08; the first instant after the gap is 03:00 EDT.
        let schedule = new_york_sundays("02:30", "05:00");
        assert_eq!(
            schedule.next_change(utc(2026, 3, 8, 6, 0)),
            Some(utc(2026, 3, 8, 7, 0))
        );
        assert!(!schedule.is_open(utc(2026, 3, 8, 6, 59)));
        assert!(schedule.is_open(utc(2026, 3, 8, 7, 0)));
        // And a closing inside the gap closes when the clocks jump.
        let closing = new_york_sundays("00:00", "02:30");
        assert_eq!(
            closing.next_change(utc(2026, 3, 8, 6, 0)),
            Some(utc(2026, 3, 8, 7, 0))
        );
        assert!(!closing.is_open(utc(2026, 3, 8, 7, 0)));
    }

    #[test]
    fn the_hour_repeated_at_fall_back_is_read_by_the_wall_clock() {
        // 01:30–05:00 local: open at 01:30 EDT, closed again when the clock goes back to
        // 01:00 EST, open at 01:30 EST, closed at 05:00 EST.
        let schedule = new_york_sundays("01:30", "05:00");
        let mut at = utc(2026, 11, 1, 5, 0);
        let mut changes = Vec::new();
        for _ in 0..4 {
            at = schedule.next_change(at).expect("a change");
            changes.push((at, schedule.is_open(at)));
        }
        assert_eq!(
            changes,
            [
                (utc(2026, 11, 1, 5, 30), true),
                (utc(2026, 11, 1, 6, 0), false),
                (utc(2026, 11, 1, 6, 30), true),
                (utc(2026, 11, 1, 10, 0), false),
            ]
        );
    }

    #[test]
    fn lisbon_opens_an_hour_earlier_in_utc_after_the_clocks_go_forward() {
        // Lisbon goes from WET (UTC+0) to WEST (UTC+1) on Sunday 2026-03-29.
        let intervals: Vec<WeeklyInterval> = (0..5)
            .map(|weekday| interval(weekday, "09:00", "18:00"))
            .collect();
        let schedule = Schedule::parse("Europe/Lisbon", &intervals, &[]).expect("valid");
        assert_eq!(schedule.zone(), Europe::Lisbon);
        assert!(schedule.is_open(utc(2026, 3, 27, 9, 0)));
        assert!(!schedule.is_open(utc(2026, 3, 27, 8, 30)));
        assert_eq!(
            schedule.next_change(utc(2026, 3, 27, 18, 0)),
            Some(utc(2026, 3, 30, 8, 0))
        );
        assert!(schedule.is_open(utc(2026, 3, 30, 8, 30)));
    }

    #[test]
    fn the_zone_must_be_an_iana_name() {
        assert_eq!(
            Schedule::parse("Mars/Olympus", &[], &[]),
            Err(ScheduleError::TimeZone)
        );
        assert_eq!(Schedule::parse("", &[], &[]), Err(ScheduleError::TimeZone));
        assert!(Schedule::parse(" Europe/Lisbon ", &[], &[]).is_ok());
    }

    #[test]
    fn intervals_need_a_weekday_and_hh_mm_times() {
        let parse = |bad: WeeklyInterval| {
            Schedule::parse(
                "America/Sao_Paulo",
                &[interval(0, "08:00", "12:00"), bad],
                &[],
            )
        };
        let at_one = Err(ScheduleError::Interval { index: 1 });
        assert_eq!(parse(interval(7, "08:00", "12:00")), at_one);
        assert_eq!(parse(interval(1, "25:00", "26:00")), at_one);
        assert_eq!(parse(interval(1, "08:00", "25:00")), at_one);
        assert_eq!(parse(interval(1, "08:60", "12:00")), at_one);
        assert_eq!(parse(interval(1, "8h", "12:00")), at_one);
        assert_eq!(parse(interval(1, "8:00", "12:00")), at_one);
        assert_eq!(parse(interval(1, "", "12:00")), at_one);
        assert_eq!(
            parse(interval(1, "24:00", "12:00")),
            at_one,
            "24:00 only ends"
        );
        assert_eq!(parse(interval(1, "08:00", "08:00")), at_one);
        assert!(parse(interval(1, " 08:00 ", " 24:00 ")).is_ok());
        let too_many: Vec<WeeklyInterval> = (0..=MAX_INTERVALS)
            .map(|minute| {
                let start = format!("{:02}:{:02}", minute / 60, minute % 60);
                let end = format!("{:02}:{:02}", (minute + 1) / 60, (minute + 1) % 60);
                interval(0, &start, &end)
            })
            .collect();
        assert_eq!(
            Schedule::parse("America/Sao_Paulo", &too_many, &[]),
            Err(ScheduleError::Interval { index: 200 })
        );
        assert!(Schedule::parse("America/Sao_Paulo", &too_many[..MAX_INTERVALS], &[]).is_ok());
    }

    #[test]
    fn intervals_of_a_weekday_may_touch_but_not_overlap() {
        let parse =
            |intervals: &[WeeklyInterval]| Schedule::parse("America/Sao_Paulo", intervals, &[]);
        assert!(parse(&[interval(0, "08:00", "12:00"), interval(0, "12:00", "18:00")]).is_ok());
        assert!(parse(&[interval(0, "08:00", "12:00"), interval(1, "11:00", "18:00")]).is_ok());
        assert_eq!(
            parse(&[interval(2, "08:00", "12:00"), interval(2, "11:59", "18:00")]),
            Err(ScheduleError::Overlap { weekday: 2 })
        );
        // Friday night spills into Saturday's early opening.
        assert_eq!(
            parse(&[interval(4, "22:00", "02:00"), interval(5, "01:00", "08:00")]),
            Err(ScheduleError::Overlap { weekday: 5 })
        );
        assert!(parse(&[interval(4, "22:00", "02:00"), interval(5, "02:00", "08:00")]).is_ok());
        // Sunday night spills into Monday.
        assert_eq!(
            parse(&[interval(6, "23:00", "01:00"), interval(0, "00:30", "08:00")]),
            Err(ScheduleError::Overlap { weekday: 0 })
        );
    }

    #[test]
    fn exceptions_need_a_real_date_a_short_name_and_valid_spans() {
        let parse = |bad: ScheduleException| {
            Schedule::parse(
                "America/Sao_Paulo",
                &[],
                &[exception("2026-12-25", &[]), bad],
            )
        };
        let at_one = Err(ScheduleError::Exception { index: 1 });
        assert_eq!(parse(exception("2026-02-30", &[])), at_one);
        assert_eq!(parse(exception("26-12-31", &[])), at_one);
        assert_eq!(parse(exception("2026/12/31", &[])), at_one);
        assert_eq!(parse(exception("2026-12-31", &[("09:00", "9h")])), at_one);
        assert_eq!(
            parse(exception("2026-12-31", &[("09:00", "09:00")])),
            at_one
        );
        assert_eq!(
            parse(exception(
                "2026-12-31",
                &[("09:00", "13:00"), ("12:00", "15:00")]
            )),
            at_one
        );
        assert_eq!(
            parse(exception(
                "2026-12-31",
                &[("20:00", "02:00"), ("23:00", "23:30")]
            )),
            at_one
        );
        assert!(parse(exception(
            " 2026-12-31 ",
            &[("09:00", "13:00"), ("13:00", "15:00")]
        ))
        .is_ok());
        let mut long_name = exception("2026-12-31", &[]);
        long_name.name = "x".repeat(MAX_EXCEPTION_NAME + 1);
        assert_eq!(parse(long_name.clone()), at_one);
        long_name.name = "ç".repeat(MAX_EXCEPTION_NAME);
        assert!(parse(long_name).is_ok(), "characters, not bytes");
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        let too_many: Vec<ScheduleException> = first
            .iter_days()
            .take(MAX_EXCEPTIONS + 1)
            .map(|date| exception(&date.format("%Y-%m-%d").to_string(), &[]))
            .collect();
        assert_eq!(
            Schedule::parse("America/Sao_Paulo", &[], &too_many),
            Err(ScheduleError::Exception { index: 400 })
        );
        assert!(Schedule::parse("America/Sao_Paulo", &[], &too_many[..MAX_EXCEPTIONS]).is_ok());
    }

    #[test]
    fn an_exception_date_appears_only_once() {
        assert_eq!(
            Schedule::parse(
                "America/Sao_Paulo",
                &[],
                &[
                    exception("2026-12-24", &[("09:00", "13:00")]),
                    exception("2026-12-25", &[]),
                    exception("2026-12-24", &[]),
                ],
            ),
            Err(ScheduleError::DuplicateDate { index: 2 })
        );
    }
}
