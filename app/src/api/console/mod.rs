//! Server functions of the agent console. Each checks that a signed-in agent calls it; the
//! `Console` port checks that the conversation is theirs.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::console::{AgentStatus, ChatMessage, ConversationTile, Presence};

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
pub async fn conversation_messages(conversation: i64) -> Result<Vec<ChatMessage>, AppError> {
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
pub async fn close_conversation(conversation: i64) -> Result<(), AppError> {
    let (agent, services) = agent().await?;
    services
        .console
        .close(agent, conversation)
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
