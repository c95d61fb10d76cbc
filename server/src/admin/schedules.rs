//! The admin's schedules (implements the app's `ScheduleAdmin` port): "Horário Padrão" with
//! weekly intervals, an IANA zone and holidays, checked by `domain::schedule` before a save.

use app::error::{AppError, Field};
use app::model::schedule as wire;
use app::model::schedule::{
    OpenPreview, ScheduleDetail, ScheduleForm, SchedulePage, ScheduleSummary,
};
use app::model::CurrentUser;
use app::server::ScheduleAdmin;
use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Map, Value};

use crate::domain::schedule::{
    Definition, Schedule, ScheduleError, ScheduleException, TimeSpan, WeeklyInterval,
};
use crate::error::internal;
use crate::store::audit;
use crate::store::schedules::{self as queries, ScheduleRow};
use crate::store::{names_by_owner, Page, Store};

const NAME_MAX: usize = 80;
const PER_PAGE: i64 = 25;

pub struct ScheduleAdminService {
    store: Store,
}

fn schedule_error(error: ScheduleError) -> AppError {
    let field = match error {
        ScheduleError::TimeZone => Field::TimeZone,
        ScheduleError::Interval { .. } | ScheduleError::Overlap { .. } => Field::Intervals,
        ScheduleError::Exception { .. } | ScheduleError::DuplicateDate { .. } => Field::Exceptions,
    };
    AppError::Invalid { field }
}

/// The form's intervals and exceptions as the server's definition, trimmed and in a stable
/// order (the form's types are the browser's; the definition is what is stored).
fn normalised(form: &ScheduleForm) -> Definition {
    let span = |s: &wire::TimeSpan| TimeSpan {
        start: s.start.trim().to_owned(),
        end: s.end.trim().to_owned(),
    };
    let mut intervals: Vec<WeeklyInterval> = form
        .intervals
        .iter()
        .map(|i| WeeklyInterval {
            weekday: i.weekday,
            start: i.start.trim().to_owned(),
            end: i.end.trim().to_owned(),
        })
        .collect();
    intervals.sort_by(|a, b| (a.weekday, &a.start).cmp(&(b.weekday, &b.start)));
    let mut exceptions: Vec<ScheduleException> = form
        .exceptions
        .iter()
        .map(|e| ScheduleException {
            date: e.date.trim().to_owned(),
            name: e.name.trim().to_owned(),
            spans: e.spans.iter().map(span).collect(),
        })
        .collect();
    exceptions.sort_by(|a, b| a.date.cmp(&b.date));
    Definition {
        intervals,
        exceptions,
    }
}

fn parse(time_zone: &str, definition: &Definition) -> Result<Schedule, ScheduleError> {
    Schedule::parse(
        time_zone.trim(),
        &definition.intervals,
        &definition.exceptions,
    )
}

/// The stored definition (an unreadable one reads as empty: closed, and logged).
fn definition_of(row: &ScheduleRow) -> Definition {
    serde_json::from_str(&row.definition).unwrap_or_else(|error| {
        tracing::warn!(schedule = row.id, %error, "Unreadable schedule definition");
        Definition::default()
    })
}

fn wire_interval(interval: WeeklyInterval) -> wire::WeeklyInterval {
    wire::WeeklyInterval {
        weekday: interval.weekday,
        start: interval.start,
        end: interval.end,
    }
}

fn wire_exception(exception: ScheduleException) -> wire::ScheduleException {
    wire::ScheduleException {
        date: exception.date,
        name: exception.name,
        spans: exception
            .spans
            .into_iter()
            .map(|span| wire::TimeSpan {
                start: span.start,
                end: span.end,
            })
            .collect(),
    }
}

impl ScheduleAdminService {
    pub fn new(store: Store) -> Self {
        ScheduleAdminService { store }
    }

    async fn validate(&self, form: &ScheduleForm) -> Result<(String, Definition), AppError> {
        let name = form.name.trim().to_owned();
        if name.is_empty() {
            return Err(AppError::Required { field: Field::Name });
        }
        if name.chars().count() > NAME_MAX {
            return Err(AppError::TooLong {
                field: Field::Name,
                max: NAME_MAX,
            });
        }
        let definition = normalised(form);
        parse(&form.time_zone, &definition).map_err(schedule_error)?;
        if queries::name_taken(self.store.pool(), &name, form.id)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Taken { field: Field::Name });
        }
        Ok((name, definition))
    }
}

#[async_trait]
impl ScheduleAdmin for ScheduleAdminService {
    async fn list(&self, search: &str, page: i64) -> Result<SchedulePage, AppError> {
        let pool = self.store.pool();
        let page = page.max(1);
        let Page { rows, total } = queries::page(pool, search, (page - 1) * PER_PAGE, PER_PAGE)
            .await
            .map_err(internal)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let services = queries::users(pool, &ids).await.map_err(internal)?;
        let mut services = names_by_owner(services);
        let now = Utc::now();
        let schedules = rows
            .into_iter()
            .map(|row| ScheduleSummary {
                open_now: parse(&row.time_zone, &definition_of(&row))
                    .is_ok_and(|schedule| schedule.is_open(now)),
                services: services.remove(&row.id).unwrap_or_default(),
                id: row.id,
                name: row.name,
                time_zone: row.time_zone,
                active: row.active == 1,
            })
            .collect();
        Ok(SchedulePage {
            schedules,
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    async fn get(&self, id: i64) -> Result<ScheduleDetail, AppError> {
        let row = queries::one(self.store.pool(), id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let definition = definition_of(&row);
        Ok(ScheduleDetail {
            id: row.id,
            name: row.name,
            time_zone: row.time_zone,
            intervals: definition
                .intervals
                .into_iter()
                .map(wire_interval)
                .collect(),
            exceptions: definition
                .exceptions
                .into_iter()
                .map(wire_exception)
                .collect(),
            active: row.active == 1,
            version: row.version,
        })
    }

    async fn save(&self, actor: &CurrentUser, form: ScheduleForm) -> Result<i64, AppError> {
        let (name, definition) = self.validate(&form).await?;
        let time_zone = form.time_zone.trim();
        let stored = serde_json::to_string(&definition).map_err(internal)?;
        // The stored row and its definition, to compare in the audit.
        let before = match form.id {
            Some(id) => {
                let row = queries::one(self.store.pool(), id)
                    .await
                    .map_err(internal)?
                    .ok_or(AppError::NotFound)?;
                let definition = definition_of(&row);
                Some((row, definition))
            }
            None => None,
        };
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let id = match form.id {
            None => queries::insert(&mut tx, &name, time_zone, &stored, now)
                .await
                .map_err(internal)?,
            Some(id) => {
                if !queries::update(&mut tx, id, form.version, &name, time_zone, &stored)
                    .await
                    .map_err(internal)?
                {
                    return Err(AppError::Conflict);
                }
                id
            }
        };
        let mut changes = Map::new();
        for (field, now) in [
            ("name", json!(name)),
            ("time_zone", json!(time_zone)),
            ("intervals", json!(definition.intervals)),
            ("exceptions", json!(definition.exceptions)),
        ] {
            let was = match &before {
                None => Value::Null,
                Some((old, old_definition)) => match field {
                    "name" => json!(old.name),
                    "time_zone" => json!(old.time_zone),
                    "intervals" => json!(old_definition.intervals),
                    _ => json!(old_definition.exceptions),
                },
            };
            if was != now {
                changes.insert(field.to_owned(), json!([was, now]));
            }
        }
        let action = if before.is_some() { "update" } else { "create" };
        audit::write(
            &mut tx,
            actor.id,
            "schedule",
            id,
            action,
            &Value::Object(changes),
            now,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(actor = actor.id, schedule = id, "Schedule saved");
        Ok(id)
    }

    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError> {
        let record = (super::Switchable::Schedule, id);
        super::switch_active(&self.store, actor.id, record, active, version).await
    }

    async fn preview(&self, form: ScheduleForm) -> Result<OpenPreview, AppError> {
        let schedule = parse(&form.time_zone, &normalised(&form)).map_err(schedule_error)?;
        let now = Utc::now();
        let zone = schedule.zone();
        Ok(OpenPreview {
            open: schedule.is_open(now),
            next_change: schedule
                .next_change(now)
                .map(|at| at.with_timezone(&zone).fixed_offset()),
        })
    }
}
