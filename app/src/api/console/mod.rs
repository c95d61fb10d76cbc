//! Server functions of the agent console. Each checks that a signed-in agent calls it; the
//! `Console` port checks that the conversation is theirs.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::console::TransferTo;
use crate::model::console::{
    AgentStatus, ChatHistory, ConversationTile, Presence, TransferTargets,
};

/// The signed-in agent's id, or the error to answer with.
#[cfg(feature = "ssr")]
async fn agent() -> Result<(i64, crate::server::Services), AppError> {
    use crate::model::Role;
    use crate::server::{fail, services, session, session::current_user};

    let services = services()?;
    match current_user(&session().await?, &services).await? {
        Some(user) if user.role == Role::Agent => Ok((user.id, services)),
        Some(_) => Err(fail(AppError::Forbidden)),
        None => Err(fail(AppError::Unauthenticated)),
    }
}

#[server(endpoint = "console/status")]
pub async fn console_status() -> Result<AgentStatus, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .status(agent)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/presence")]
pub async fn set_presence(
    presence: Presence,
    pause_reason: Option<String>,
) -> Result<AgentStatus, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .set_presence(agent, presence, pause_reason)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/conversations")]
pub async fn my_conversations() -> Result<Vec<ConversationTile>, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .conversations(agent)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/messages")]
pub async fn conversation_messages(conversation: i64) -> Result<ChatHistory, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .messages(agent, conversation)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/send")]
pub async fn send_text(conversation: i64, text: String) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .send_text(agent, conversation, text)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/close")]
pub async fn close_conversation(
    conversation: i64,
    classification: Option<String>,
) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .close(agent, conversation, classification)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/typing")]
pub async fn agent_typing(conversation: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .typing(agent, conversation)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/seen")]
pub async fn mark_seen(conversation: i64, message: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .seen(agent, conversation, message)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/send_media")]
pub async fn send_media(conversation: i64, media: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .send_media(agent, conversation, media)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/accept")]
pub async fn accept_offer(conversation: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .accept(agent, conversation)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/decline")]
pub async fn decline_offer(conversation: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .decline(agent, conversation)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/transfer_targets")]
pub async fn list_transfer_targets() -> Result<TransferTargets, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .transfer_targets(agent)
        .await
        .map_err(crate::server::fail)
}

#[server(endpoint = "console/transfer")]
pub async fn transfer(
    conversation: i64,
    group: Option<i64>,
    to_agent: Option<i64>,
) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    // Exactly one target: a form cannot carry an enum, so it names one of the two.
    let to = match (group, to_agent) {
        (Some(group), None) => TransferTo::Group(group),
        (None, Some(to_agent)) => TransferTo::Agent(to_agent),
        _ => {
            return Err(crate::server::fail(AppError::Required {
                field: crate::error::Field::TransferTarget,
            }))
        }
    };
    services
        .console
        .transfer(agent, conversation, to)
        .await
        .map_err(crate::server::fail)
}

/// The out-of-hours folder (JSON in: the filter's fields are optional).
#[server(endpoint = "console/out_of_hours", input = leptos::server_fn::codec::Json)]
pub async fn out_of_hours(
    filter: crate::model::console::OutOfHoursFilter,
) -> Result<Vec<crate::model::console::OutOfHoursConversation>, AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .out_of_hours(agent, filter)
        .await
        .map_err(crate::server::fail)
}

/// Takes an out-of-hours conversation (an active contact): it becomes the agent's.
#[server(endpoint = "console/resume")]
pub async fn resume(conversation: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .resume(agent, conversation)
        .await
        .map_err(crate::server::fail)
}
