//! The error every server function returns. Variants are codes, not sentences: the page
//! translates them into the user's language (see `ui::components::error_message`).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("too many failed logins; retry in {retry_after_minutes} min")]
    TooManyAttempts { retry_after_minutes: i64 },
    #[error("{field} is required")]
    Required { field: Field },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("{field} is not valid")]
    Invalid { field: Field },
    /// An integration URL whose host Atende may not call (Meta's hosts, the sandbox, and
    /// the general settings' allowlist are the only ones).
    #[error("{host} is not an allowed Graph API host")]
    HostNotAllowed { host: String },
    /// A new password shorter than `min` characters, or one of the commonly used ones.
    #[error("the password is too short or too common (at least {min} characters)")]
    WeakPassword { min: usize },
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Someone else saved the record since it was read: nothing was overwritten.
    #[error("changed by someone else")]
    Conflict,
    #[error("{field} is already in use")]
    Taken { field: Field },
    /// The record is referenced (e.g. a service with conversations): deactivate it instead.
    #[error("in use: deactivate it instead")]
    InUse,
    /// Every position of the agent holds a chat: conclude one first.
    #[error("no free position")]
    NoFreePosition,
    /// More than 7 days since the customer's last message: Meta refuses any message.
    #[error("the messaging window has closed")]
    WindowClosed,
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    Request(String),
}

/// Form fields an error can point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Username,
    Password,
    DisplayName,
    Locale,
    Message,
    PauseReason,
    TransferTarget,
    Attachment,
    Role,
    Positions,
    AnswerMode,
    Groups,
    Name,
    Members,
    Services,
    Channel,
    Cifra,
    IntegrationUrl,
    AccessToken,
    Schedule,
    TimeZone,
    Intervals,
    Exceptions,
    Times,
    SurveyQuestions,
    Messages,
    ClassificationCodes,
    Script,
    ExternalUrl,
    InternalUrl,
    AppSecret,
    AttachmentLimit,
    Date,
    GraphHosts,
    Retention,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Field::Username => "username",
            Field::Password => "password",
            Field::DisplayName => "display_name",
            Field::Locale => "locale",
            Field::Message => "message",
            Field::PauseReason => "pause_reason",
            Field::TransferTarget => "transfer_target",
            Field::Attachment => "attachment",
            Field::Role => "role",
            Field::Positions => "positions",
            Field::AnswerMode => "answer_mode",
            Field::Groups => "groups",
            Field::Name => "name",
            Field::Members => "members",
            Field::Services => "services",
            Field::Channel => "channel",
            Field::Cifra => "cifra",
            Field::IntegrationUrl => "integration_url",
            Field::AccessToken => "access_token",
            Field::Schedule => "schedule",
            Field::TimeZone => "time_zone",
            Field::Intervals => "intervals",
            Field::Exceptions => "exceptions",
            Field::Times => "times",
            Field::SurveyQuestions => "survey_questions",
            Field::Messages => "messages",
            Field::ClassificationCodes => "classification_codes",
            Field::Script => "script",
            Field::ExternalUrl => "external_url",
            Field::InternalUrl => "internal_url",
            Field::AppSecret => "app_secret",
            Field::AttachmentLimit => "attachment_limit",
            Field::Date => "date",
            Field::GraphHosts => "graph_hosts",
            Field::Retention => "retention",
        };
        f.write_str(name)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Transport and (de)serialisation failures: the text has no secrets, only what went wrong
        // with the request itself; the page shows a generic message.
        AppError::Request(value.to_string())
    }
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::InvalidCredentials | AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict | AppError::InUse | AppError::NoFreePosition => 409,
            AppError::WindowClosed => 422,
            AppError::Taken { .. } => 422,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Required { .. }
            | AppError::TooLong { .. }
            | AppError::Invalid { .. }
            | AppError::WeakPassword { .. }
            | AppError::HostNotAllowed { .. } => 422,
            AppError::Request(_) => 400,
            AppError::Internal => 500,
        }
    }
}
