//! Types the browser and the server exchange.

pub mod admin;
pub mod console;
pub mod schedule;
pub mod script;
pub mod service;
pub mod settings;
pub mod survey;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        }
    }

    /// Where a user of this role lands after logging in.
    pub fn landing_path(self) -> &'static str {
        match self {
            Role::Agent => "/console",
            Role::Admin | Role::Supervisor => "/admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// The signed-in user, as pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The saved interface language, e.g. `pt-BR` or `en`.
    pub locale: String,
    /// When this session signed in, in the installation's display time zone.
    pub signed_in_at: chrono::DateTime<chrono::FixedOffset>,
}

/// A webhook delivery an admin should look at (see `DeliveryProblem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryIssue {
    pub id: i64,
    pub received_at: chrono::DateTime<chrono::FixedOffset>,
    /// `messenger` or `instagram`.
    pub channel: String,
    pub problem: DeliveryProblem,
    /// What the server noted (e.g. the unknown page IDs, the parse error).
    pub note: Option<String>,
    /// The start of the body as received (verified, so it came from Meta).
    pub preview: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryProblem {
    /// Signed, but not JSON.
    Malformed,
    /// JSON, but not a webhook payload (or it kept failing to process).
    Failed,
    /// Every event was for a page no active service has.
    UnknownPage,
    /// Processed, with notes: events for unknown pages, or of kinds Atende does not handle.
    PartlyUnknown,
    /// Failing for a passing reason (the database): being retried, with growing pauses.
    Retrying,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn agents_land_on_the_console_and_the_others_on_the_admin() {
        assert_eq!(Role::Agent.landing_path(), "/console");
        assert_eq!(Role::Supervisor.landing_path(), "/admin");
        assert_eq!(Role::Admin.landing_path(), "/admin");
    }
}
