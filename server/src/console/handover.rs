//! The console's side of handing a conversation over: accepting or declining an offer (manual
//! answer mode) and transferring to a group or an agent, done by the core
//! (`conversation::assignment`, `conversation::handover`); routing is woken so the freed
//! position (or the transferred conversation) moves at once.

use app::error::{AppError, Field};
use app::model::console::{TransferGroup, TransferTargets, TransferTo};
use chrono::Utc;

use super::{agent_load, ConsoleService};
use crate::conversation::assignment;
use crate::conversation::handover::{self as core_handover, HandoverError};
use crate::domain::closing::ClassificationError;
use crate::error::internal;
use crate::store::conversation_status::TransferTarget;
use crate::store::{agents, groups};

impl ConsoleService {
    /// Accepts (`true`) or passes on an offer made to the agent.
    pub(super) async fn settle_offer(
        &self,
        agent_id: i64,
        conversation_id: i64,
        accept: bool,
    ) -> Result<(), AppError> {
        self.offered_or_own(agent_id, conversation_id).await?;
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let now = Utc::now();
        let settled = if accept {
            assignment::accept_offer(&mut tx, conversation_id, agent_id, now).await
        } else {
            assignment::return_offer(&mut tx, conversation_id, agent_id, now).await
        }
        .map_err(internal)?;
        if !settled {
            // Not an offer (any more): accepted already, or it ran out a moment ago.
            return Err(AppError::Forbidden);
        }
        tx.commit().await.map_err(internal)?;
        tracing::info!(
            agent = agent_id,
            conversation = conversation_id,
            accept,
            "Offer settled"
        );
        if !accept {
            self.router.wake();
        }
        self.live.bump();
        Ok(())
    }

    pub(super) async fn targets(&self, agent_id: i64) -> Result<TransferTargets, AppError> {
        let pool = self.store.pool();
        let groups = groups::active(pool).await.map_err(internal)?;
        let agents = agents::agent_loads(pool).await.map_err(internal)?;
        Ok(TransferTargets {
            groups: groups
                .into_iter()
                .map(|group| TransferGroup {
                    id: group.id,
                    name: group.name,
                })
                .collect(),
            agents: agents
                .into_iter()
                .filter(|agent| agent.id != agent_id)
                .map(agent_load)
                .collect(),
        })
    }

    pub(super) async fn transfer_to(
        &self,
        agent_id: i64,
        conversation_id: i64,
        to: TransferTo,
    ) -> Result<(), AppError> {
        self.own(agent_id, conversation_id).await?;
        let target = match to {
            TransferTo::Agent(to_agent) => TransferTarget::Agent(to_agent),
            TransferTo::Group(group) => TransferTarget::Group(group),
        };
        core_handover::transfer(&self.store, (conversation_id, agent_id), target, Utc::now())
            .await
            .map_err(refusal)?;
        self.router.wake();
        self.live.bump();
        Ok(())
    }
}

/// What the agent is told when the core refuses a close or a transfer.
pub(super) fn refusal(error: HandoverError) -> AppError {
    let classification = Field::ClassificationCodes;
    match error {
        HandoverError::Classification(ClassificationError::Required) => AppError::Required {
            field: classification,
        },
        HandoverError::Classification(ClassificationError::Unknown) => AppError::Invalid {
            field: classification,
        },
        HandoverError::NotTheirs => AppError::Forbidden,
        HandoverError::UnknownTarget => AppError::Invalid {
            field: Field::TransferTarget,
        },
        HandoverError::NotWaiting => AppError::NotFound,
        HandoverError::NotServed => AppError::Forbidden,
        HandoverError::WindowClosed => AppError::WindowClosed,
        HandoverError::NoFreePosition => AppError::NoFreePosition,
        HandoverError::Failed(error) => internal(error),
    }
}
