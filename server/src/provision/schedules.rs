//! Schedules and pause reasons in a provisioning file. Schedules are matched by name and
//! rewritten when they differ; pause reasons are added when missing (and switched back on).
//!
//! ```toml
//! pause_reasons = ["Reunião"]
//!
//! [[schedules]]
//! name = "Comercial"
//! time_zone = "America/Sao_Paulo"
//! hours = [{ days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", end = "18:00" }]
//! holidays = [{ date = "2026-12-25", name = "Natal" }, { date = "2026-12-24", name = "Véspera", hours = ["09:00-13:00"] }]
//! ```

use anyhow::Context;
use chrono::Utc;
use serde::Deserialize;
use sqlx::AnyPool;

use crate::domain::schedule::{Definition, Schedule, ScheduleException, TimeSpan, WeeklyInterval};
use crate::store::pause_reasons;
use crate::store::schedules::{self as queries, ScheduleVersion};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    pub name: String,
    #[serde(default = "default_zone")]
    pub time_zone: String,
    #[serde(default)]
    pub hours: Vec<HoursEntry>,
    #[serde(default)]
    pub holidays: Vec<HolidayEntry>,
}

fn default_zone() -> String {
    app::model::schedule::DEFAULT_TIME_ZONE.to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursEntry {
    /// mon … sun
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayEntry {
    pub date: String,
    pub name: String,
    /// "09:00-13:00"; none: closed all day.
    #[serde(default)]
    pub hours: Vec<String>,
}

/// A schedule entry checked by the domain: (name, zone, definition).
pub struct ValidSchedule {
    name: String,
    time_zone: String,
    definition: Definition,
}

impl ValidSchedule {
    pub fn name(&self) -> &str {
        &self.name
    }
}

pub fn validate(entry: ScheduleEntry) -> anyhow::Result<ValidSchedule> {
    let name = entry.name.trim().to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 80,
        "schedule {name:?}: the name must have 1 to 80 characters"
    );
    let mut intervals = Vec::new();
    for hours in &entry.hours {
        for day in &hours.days {
            let weekday = DAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(day.trim()))
                .with_context(|| format!("schedule {name}: {day:?} is not one of {DAYS:?}"))?;
            intervals.push(WeeklyInterval {
                weekday: u8::try_from(weekday)?,
                start: hours.start.clone(),
                end: hours.end.clone(),
            });
        }
    }
    let mut exceptions = Vec::new();
    for holiday in &entry.holidays {
        let spans = holiday
            .hours
            .iter()
            .map(|span| {
                let (start, end) = span.split_once('-').with_context(|| {
                    format!("schedule {name}: {span:?} is not like \"09:00-13:00\"")
                })?;
                Ok(TimeSpan {
                    start: start.trim().to_owned(),
                    end: end.trim().to_owned(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        exceptions.push(ScheduleException {
            date: holiday.date.clone(),
            name: holiday.name.clone(),
            spans,
        });
    }
    Schedule::parse(&entry.time_zone, &intervals, &exceptions)
        .with_context(|| format!("schedule {name}"))?;
    Ok(ValidSchedule {
        name,
        time_zone: entry.time_zone.trim().to_owned(),
        definition: Definition {
            intervals,
            exceptions,
        },
    })
}

/// Creates or rewrites the schedules; returns the labels of what changed.
pub async fn apply(pool: &AnyPool, schedules: &[ValidSchedule]) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    for schedule in schedules {
        let stored = serde_json::to_string(&schedule.definition)?;
        let label = format!("schedule {}", schedule.name);
        let existing = queries::id_by_name(pool, &schedule.name).await?;
        // Read before taking a connection for the write (SQLite pools may have just one).
        let current = match existing {
            Some(found) => queries::one(pool, found.id).await?,
            None => None,
        };
        let mut conn = pool.acquire().await?;
        match existing {
            None => {
                let zone = &schedule.time_zone;
                queries::insert(&mut conn, &schedule.name, zone, &stored, Utc::now()).await?;
                changed.push(label);
            }
            Some(ScheduleVersion { id, version }) => {
                let current = current.context("schedule vanished")?;
                let same_definition = serde_json::from_str::<Definition>(&current.definition)
                    .is_ok_and(|d| d == schedule.definition);
                if current.time_zone != schedule.time_zone || !same_definition {
                    let (name, zone) = (&schedule.name, &schedule.time_zone);
                    queries::update(&mut conn, id, version, name, zone, &stored).await?;
                    changed.push(label);
                }
            }
        }
    }
    Ok(changed)
}

/// Adds the pause reasons that are missing and reactivates those switched off.
pub async fn apply_pause_reasons(pool: &AnyPool, names: &[String]) -> anyhow::Result<Vec<String>> {
    let mut changed = Vec::new();
    for name in names {
        let name = name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.chars().count() <= 60,
            "pause reason {name:?}: the name must have 1 to 60 characters"
        );
        match pause_reasons::find_by_name(pool, name).await? {
            Some(reason) if reason.active == 1 => {}
            Some(reason) => {
                pause_reasons::reactivate(pool, reason.id).await?;
                changed.push(format!("pause reason {name}"));
            }
            None => {
                let mut conn = pool
                    .acquire()
                    .await
                    .context("Failed to reach the database")?;
                pause_reasons::insert(&mut conn, name).await?;
                changed.push(format!("pause reason {name}"));
            }
        }
    }
    Ok(changed)
}
