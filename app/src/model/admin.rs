//! What the admin area's pages and the server exchange.

use serde::{Deserialize, Serialize};

use super::Role;

/// How a conversation reaches an agent: opened at once, or offered to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerMode {
    #[default]
    Automatic,
    Manual,
}

/// A user as the list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub active: bool,
    /// Agents only.
    pub positions: Option<u8>,
    pub answer_mode: Option<AnswerMode>,
    pub groups: Vec<String>,
}

/// One page of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    /// Users matching the search, on every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A user as the edit form shows them; `version` comes back with the save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub active: bool,
    pub positions: u8,
    pub answer_mode: AnswerMode,
    pub group_ids: Vec<i64>,
    pub version: i64,
}

/// What the user form sends: a new user (`id` None, with a password) or changes to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    pub id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub positions: u8,
    pub answer_mode: AnswerMode,
    pub group_ids: Vec<i64>,
    /// Only for a new user (an existing one's is reset apart).
    pub password: Option<String>,
    /// The version the form was opened at (0 for a new user).
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOption {
    pub id: i64,
    pub name: String,
}

/// A group as the list shows it: who is in it and which services it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub members: Vec<String>,
    pub services: Vec<String>,
}

/// One page of the group list (search by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPage {
    pub groups: Vec<GroupSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A group as its form shows it; `version` comes back with the save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub member_ids: Vec<i64>,
    pub service_ids: Vec<i64>,
    pub version: i64,
}

/// What the group form sends: a new group (`id` None) or changes to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupForm {
    pub id: Option<i64>,
    pub name: String,
    pub member_ids: Vec<i64>,
    pub service_ids: Vec<i64>,
    pub version: i64,
}

/// What a group can hold: the active agents and the services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChoices {
    pub agents: Vec<Choice>,
    pub services: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// A reason agents can give for a pause. The four built in (lunch, break, training,
/// feedback) are codes each language names; the others are shown as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseReason {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub version: i64,
}

/// One change in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::FixedOffset>,
    /// Who made the change (their display name), if they still exist.
    pub actor: Option<String>,
    /// user, group, pause_reason, …
    pub entity: String,
    pub entity_id: i64,
    /// create, update, enable, disable, reset_password
    pub action: String,
    /// JSON {field: [before, after]}.
    pub changes: String,
}
