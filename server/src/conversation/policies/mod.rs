//! Service policies at run time: what the admin configured (schedules, messages, …) applied
//! to conversations. Read from the database on use, so an admin's change applies at once.

pub mod bot;
pub mod closing;
pub mod hours;
pub mod notice;
pub mod survey;
pub mod timeouts;

use std::collections::HashMap;

use crate::domain::policy::{Localized, MessageKind, ServicePolicy};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;

use crate::domain::business_hours::ServiceHours;
use crate::domain::schedule::Definition;
use crate::domain::schedule::Schedule;
use crate::store::service_runtime::{self, StoredSchedule};

/// A service as its policies need it.
pub struct ServiceRuntime {
    pub id: i64,
    pub name: String,
    pub policy: ServicePolicy,
    schedule: Option<Schedule>,
    groups: Vec<Option<Schedule>>,
}

/// A stored schedule, checked again (one that no longer parses counts as none, and is logged).
fn parse(stored: Option<StoredSchedule>) -> Option<Schedule> {
    let stored = stored?;
    let definition: Definition = serde_json::from_str(&stored.definition).ok()?;
    Schedule::parse(
        &stored.time_zone,
        &definition.intervals,
        &definition.exceptions,
    )
    .inspect_err(|error| tracing::warn!(%error, "A stored schedule no longer parses"))
    .ok()
}

impl ServiceRuntime {
    pub async fn load(conn: &mut AnyConnection, service_id: i64) -> anyhow::Result<Self> {
        let row = service_runtime::load(conn, service_id).await?;
        Ok(ServiceRuntime {
            id: service_id,
            name: row.name,
            policy: policy_from(&row.policy),
            schedule: parse(row.schedule),
            groups: row.groups.into_iter().map(parse).collect(),
        })
    }

    pub fn hours(&self) -> ServiceHours<'_> {
        ServiceHours {
            service: self.schedule.as_ref(),
            groups: self.groups.iter().map(Option::as_ref).collect(),
        }
    }

    /// The service's text of this kind in the customer's language (else the other one), else
    /// the default (if it has one).
    pub fn message(&self, kind: MessageKind, english: bool) -> Option<&str> {
        text_for_customer(self.policy.messages.get(kind), english).or_else(|| {
            app::placeholders::default_text(catalogue_kind(kind)).map(|(pt_br, en)| {
                if english {
                    en
                } else {
                    pt_br
                }
            })
        })
    }

    /// The zone the service's dates are written in: its schedule's, else `default`.
    pub fn zone(&self, default: Tz) -> Tz {
        self.schedule
            .as_ref()
            .or(self.groups.iter().flatten().next())
            .map_or(default, Schedule::zone)
    }
}

/// A stored policy document (an unreadable one counts as the defaults, and is logged).
pub fn policy_from(json: &str) -> ServicePolicy {
    serde_json::from_str(json).unwrap_or_else(|error| {
        tracing::warn!(%error, "Unreadable service policy: defaults");
        ServicePolicy::default()
    })
}

/// The text in the customer's language if it has one, else in the other: English for a
/// customer Meta says speaks English, else Portuguese (Brazilian contact centers are our
/// first users, and Meta tells a page the language only with a permission).
pub fn text_for_customer(text: &Localized, english: bool) -> Option<&str> {
    let (first, second) = if english {
        (&text.en, &text.pt_br)
    } else {
        (&text.pt_br, &text.en)
    };
    [first.as_str(), second.as_str()]
        .into_iter()
        .find(|t| !t.trim().is_empty())
}

/// Whether Meta's `locale` ("en_US", "en_GB") says English.
pub fn is_english(locale: Option<&str>) -> bool {
    locale.is_some_and(|l| l.to_ascii_lowercase().starts_with("en"))
}

/// Whether the conversation's customer is known to speak English.
pub async fn customer_english(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> anyhow::Result<bool> {
    let facts = crate::store::conversations::notice_facts(conn, conversation_id).await?;
    Ok(is_english(facts.locale.as_deref()))
}

/// The placeholders' values at `at`, in the service's zone.
pub fn values(
    runtime: &ServiceRuntime,
    zone: Tz,
    at: DateTime<Utc>,
    agent: &str,
    protocol: &str,
) -> HashMap<String, String> {
    let local = at.with_timezone(&zone);
    [
        ("date", local.format("%d/%m/%Y").to_string()),
        ("time", local.format("%H:%M").to_string()),
        ("agent", agent.to_owned()),
        ("service", runtime.name.clone()),
        ("protocol", protocol.to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// The default texts are one catalogue with the admin's form (`app::placeholders`), which names
/// them by the browser's kind.
fn catalogue_kind(kind: MessageKind) -> app::model::service::MessageKind {
    use app::model::service::MessageKind as Catalogue;
    match kind {
        MessageKind::Closing => Catalogue::Closing,
        MessageKind::OutOfHours => Catalogue::OutOfHours,
        MessageKind::Welcome => Catalogue::Welcome,
        MessageKind::Queue => Catalogue::Queue,
        MessageKind::InactivityWarning => Catalogue::InactivityWarning,
        MessageKind::InactivityClose => Catalogue::InactivityClose,
        MessageKind::SurveyThanks => Catalogue::SurveyThanks,
    }
}
