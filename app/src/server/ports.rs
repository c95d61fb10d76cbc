//! What server functions need from the domain, as traits the `server` crate implements.
//! Server functions stay thin adapters: take `Services` from context, call a port, map the result.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::AppError;
use crate::model::admin::{
    AuditEntry, GroupChoices, GroupDetail, GroupForm, GroupOption, GroupPage, PauseReason,
    UserDetail, UserForm, UserPage,
};
use crate::model::console::{
    AgentStatus, ChatHistory, ConversationTile, OutOfHoursConversation, OutOfHoursFilter, Overview,
    Presence, TransferTargets, TransferTo,
};
use crate::model::schedule::{OpenPreview, ScheduleDetail, ScheduleForm, SchedulePage};
use crate::model::service::{
    ConnectionCheck, ServiceChoices, ServiceDetail, ServiceFilter, ServiceForm, ServicePage,
};
use crate::model::settings::{GeneralSettings, GeneralSettingsForm};
use crate::model::survey::{SurveyReport, SurveyReportChoices, SurveyReportFilter};
use crate::model::{CurrentUser, DeliveryIssue, Role};

/// A login attempt as typed by the user (validated by the implementation).
pub struct LoginAttempt {
    pub username: String,
    pub password: String,
    pub ip: ClientIp,
}

/// The account behind a session, as the session needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    /// Changes when the password changes or the account is disabled: older sessions end.
    pub auth_version: i64,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    /// Checks credentials (throttled per account and per IP).
    async fn login(&self, attempt: LoginAttempt) -> Result<SessionUser, AppError>;
    /// The active account with this id and auth version, if it still is one.
    async fn session_user(
        &self,
        user_id: i64,
        auth_version: i64,
    ) -> Result<Option<SessionUser>, AppError>;
    /// Saves the user's interface language.
    async fn set_locale(&self, user_id: i64, locale: &str) -> Result<(), AppError>;
}

/// What admins can inspect of the webhook.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// The newest deliveries that were not (fully) turned into messages.
    async fn delivery_issues(&self, limit: i64) -> Result<Vec<DeliveryIssue>, AppError>;
    /// Queues a delivery set aside as failed again; `NotFound` if it is not failed.
    async fn retry(&self, id: i64) -> Result<(), AppError>;
}

/// The agent console: status, the agent's conversations, their messages, answering.
/// Every call names the signed-in agent; a conversation not theirs is `Forbidden`.
#[async_trait]
pub trait Console: Send + Sync {
    async fn status(&self, agent_id: i64) -> Result<AgentStatus, AppError>;
    async fn set_presence(
        &self,
        agent_id: i64,
        presence: Presence,
        pause_reason: Option<String>,
    ) -> Result<AgentStatus, AppError>;
    async fn conversations(&self, agent_id: i64) -> Result<Vec<ConversationTile>, AppError>;
    /// The conversation's messages (with the customer's earlier conversations), oldest first;
    /// marks the customer's messages seen by the agent.
    async fn messages(&self, agent_id: i64, conversation_id: i64) -> Result<ChatHistory, AppError>;
    /// The agent saw the conversation up to this message (it arrived while shown).
    async fn seen(
        &self,
        agent_id: i64,
        conversation_id: i64,
        message_id: i64,
    ) -> Result<(), AppError>;
    async fn send_text(
        &self,
        agent_id: i64,
        conversation_id: i64,
        text: String,
    ) -> Result<(), AppError>;
    /// Sends an attachment the agent uploaded (`POST /media`).
    async fn send_media(
        &self,
        agent_id: i64,
        conversation_id: i64,
        media_id: i64,
    ) -> Result<(), AppError>;
    /// Concludes the conversation, with a classification code where the service has codes.
    async fn close(
        &self,
        agent_id: i64,
        conversation_id: i64,
        classification: Option<String>,
    ) -> Result<(), AppError>;
    /// Accepts a conversation offered to the agent (manual answer mode).
    async fn accept(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError>;
    /// Lets an offered conversation go to the next agent at once.
    async fn decline(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError>;
    /// The groups and agents the agent can transfer to.
    async fn transfer_targets(&self, agent_id: i64) -> Result<TransferTargets, AppError>;
    /// Hands the conversation to a group or an agent (it waits in the queue for them).
    async fn transfer(
        &self,
        agent_id: i64,
        conversation_id: i64,
        to: TransferTo,
    ) -> Result<(), AppError>;
    /// Shows the customer that the agent is typing (Messenger's typing indicator).
    async fn typing(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError>;
    /// Every agent's state and load and every service's queue (for supervisors).
    async fn overview(&self) -> Result<Overview, AppError>;
    /// The out-of-hours folder: conversations of the agent's services that came in closed.
    async fn out_of_hours(
        &self,
        agent_id: i64,
        filter: OutOfHoursFilter,
    ) -> Result<Vec<OutOfHoursConversation>, AppError>;
    /// Assigns an out-of-hours conversation to the agent (an active contact).
    async fn resume(&self, agent_id: i64, conversation_id: i64) -> Result<(), AppError>;
    /// The agent signed out: their open conversations go back to the queue.
    async fn signed_out(&self, agent_id: i64) -> Result<(), AppError>;
}

/// The admin's user pages. `actor` is the signed-in admin or supervisor; a supervisor cannot
/// see to admin accounts. Every change is audited.
#[async_trait]
pub trait UserAdmin: Send + Sync {
    async fn list(
        &self,
        actor: &CurrentUser,
        search: &str,
        page: i64,
    ) -> Result<UserPage, AppError>;
    async fn get(&self, actor: &CurrentUser, id: i64) -> Result<UserDetail, AppError>;
    /// Creates or updates (checking `version`); returns the user's id.
    async fn save(&self, actor: &CurrentUser, form: UserForm) -> Result<i64, AppError>;
    /// Sets a new password and ends the user's sessions.
    async fn reset_password(
        &self,
        actor: &CurrentUser,
        id: i64,
        password: String,
    ) -> Result<(), AppError>;
    /// Disabling ends the user's sessions and gives their chats back to the queue.
    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError>;
    async fn groups(&self) -> Result<Vec<GroupOption>, AppError>;
    /// The newest audit entries (every admin change), newest first, `before` an id to page.
    async fn audit(&self, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError>;
}

/// The admin's group pages: a group's members (agents) and the services it serves. Every
/// change is audited and versioned like the users'.
#[async_trait]
pub trait GroupAdmin: Send + Sync {
    async fn list(&self, search: &str, page: i64) -> Result<GroupPage, AppError>;
    async fn get(&self, id: i64) -> Result<GroupDetail, AppError>;
    async fn save(&self, actor: &CurrentUser, form: GroupForm) -> Result<i64, AppError>;
    /// A deactivated group routes nothing (its conversations wait for the service's others).
    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError>;
    async fn choices(&self) -> Result<GroupChoices, AppError>;
}

/// The admin's pause reasons: the list agents choose from when they pause.
#[async_trait]
pub trait PauseReasonAdmin: Send + Sync {
    async fn list(&self) -> Result<Vec<PauseReason>, AppError>;
    /// Adds (`id` None) or renames a reason; returns its id.
    async fn save(
        &self,
        actor: &CurrentUser,
        id: Option<i64>,
        name: String,
        version: i64,
    ) -> Result<i64, AppError>;
    /// An inactive reason is no longer offered; agents paused with it stay paused.
    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError>;
}

/// The admin's service pages (ManagerADM's "Cadastrar Serviço" and its tabs). The page access
/// token is write-only: sealed at rest, never returned. Every change is versioned and audited.
#[async_trait]
pub trait ServiceAdmin: Send + Sync {
    async fn list(&self, filter: ServiceFilter) -> Result<ServicePage, AppError>;
    async fn get(&self, id: i64) -> Result<ServiceDetail, AppError>;
    async fn save(&self, actor: &CurrentUser, form: ServiceForm) -> Result<i64, AppError>;
    /// An inactive service's page is no longer answered (deliveries for it are set aside).
    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError>;
    /// Only a service that never had a conversation can be deleted (else: deactivate it).
    async fn delete(&self, actor: &CurrentUser, id: i64, version: i64) -> Result<(), AppError>;
    /// Asks the Graph API whose the token is (the typed one, else the stored one of `id`).
    async fn test_connection(
        &self,
        id: Option<i64>,
        integration_url: String,
        cifra: String,
        token: Option<String>,
    ) -> Result<ConnectionCheck, AppError>;
    /// What a service's tabs can pick: the groups and the schedules.
    async fn choices(&self) -> Result<ServiceChoices, AppError>;
    /// The Automation script tab's test chat: the script as typed, over these messages.
    async fn preview_script(
        &self,
        script: crate::model::script::Script,
        inputs: Vec<String>,
    ) -> Result<Vec<crate::model::script::PreviewLine>, AppError>;
}

/// The admin's schedules ("Horário Padrão"), versioned and audited.
#[async_trait]
pub trait ScheduleAdmin: Send + Sync {
    async fn list(&self, search: &str, page: i64) -> Result<SchedulePage, AppError>;
    async fn get(&self, id: i64) -> Result<ScheduleDetail, AppError>;
    async fn save(&self, actor: &CurrentUser, form: ScheduleForm) -> Result<i64, AppError>;
    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError>;
    /// Whether the form's schedule is open now, and when that changes (checks it like a save).
    async fn preview(&self, form: ScheduleForm) -> Result<OpenPreview, AppError>;
}

/// The admin's general settings (admins only). Secrets are write-only, except the verify
/// token, which the admin copies into Meta's dashboard.
#[async_trait]
pub trait GeneralSettingsAdmin: Send + Sync {
    async fn get(&self) -> Result<GeneralSettings, AppError>;
    async fn save(&self, actor: &CurrentUser, form: GeneralSettingsForm) -> Result<(), AppError>;
    /// A new random verify token (Meta's handshake must then present it).
    async fn regenerate_verify_token(&self, actor: &CurrentUser) -> Result<(), AppError>;
}

/// The survey report (supervisors and admins).
#[async_trait]
pub trait SurveyReports: Send + Sync {
    async fn choices(&self) -> Result<SurveyReportChoices, AppError>;
    async fn report(&self, filter: SurveyReportFilter) -> Result<SurveyReport, AppError>;
}

/// Session limits beyond the store's idle expiry.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub absolute_timeout: chrono::Duration,
}

/// Everything server functions reach, provided as Leptos context by the server.
#[derive(Clone)]
pub struct Services {
    pub accounts: Arc<dyn Accounts>,
    pub webhooks: Arc<dyn Webhooks>,
    pub console: Arc<dyn Console>,
    pub users: Arc<dyn UserAdmin>,
    pub groups: Arc<dyn GroupAdmin>,
    pub pause_reasons: Arc<dyn PauseReasonAdmin>,
    pub service_admin: Arc<dyn ServiceAdmin>,
    pub schedules: Arc<dyn ScheduleAdmin>,
    pub general_settings: Arc<dyn GeneralSettingsAdmin>,
    pub surveys: Arc<dyn SurveyReports>,
    pub session_policy: SessionPolicy,
    /// The zone times are shown in (until users and services carry their own).
    pub time_zone: chrono_tz::Tz,
}

/// The client's IP address as the server determined it (peer, or trusted proxy header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);
