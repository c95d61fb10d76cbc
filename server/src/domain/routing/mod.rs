//! Routing: which waiting conversation goes to which agent. Plain Rust over snapshots; the
//! store loads the snapshots and writes the plan in the same transaction that checks capacity,
//! so concurrent arrivals (and other instances) can never push an agent past their positions.
//!
//! The rules:
//! - Only Operating agents receive conversations; Paused agents keep the ones they have.
//! - An agent never holds more conversations than positions (1–8). An offer (manual answer
//!   mode) holds a position while it stands.
//! - The queue is served oldest first, except that conversations taken back from an agent who
//!   left go to the front. A conversation nobody can take now does not hold up younger ones
//!   that others can take.
//! - Among the agents who can take a conversation, the least loaded (fewest open chats) gets
//!   it; ties go to the one free the longest.

#[cfg(test)]
mod tests;

use std::cmp::Reverse;

pub use crate::domain::ids::{AgentId, ConversationId, GroupId};

/// The most positions (simultaneous chats) an agent can have.
pub const MAX_POSITIONS: u8 = 8;

/// How a conversation reaches an agent: opened at once, or offered for them to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerMode {
    #[default]
    Automatic,
    /// Offered for a while (holding a position); if not accepted, offered to the next agent.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Offline,
    Operating,
    Paused,
}

/// An agent as routing sees them at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSnapshot {
    pub id: AgentId,
    pub presence: Presence,
    /// 1–8, set by an admin.
    pub positions: u8,
    /// Conversations assigned or offered to the agent now.
    pub open: u8,
    /// When the agent last had a position freed or filled (epoch ms): the longest free wins ties.
    pub free_since: i64,
    pub groups: Vec<GroupId>,
    pub answer_mode: AnswerMode,
}

impl AgentSnapshot {
    fn has_room(&self) -> bool {
        self.room() > 0
    }

    /// Positions free for new conversations (none unless Operating).
    pub fn room(&self) -> usize {
        match self.presence {
            Presence::Operating => {
                usize::from(self.positions.min(MAX_POSITIONS).saturating_sub(self.open))
            }
            _ => 0,
        }
    }
}

/// Who may take a waiting conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Any member of these groups (a service's groups, or the group it was transferred to).
    Groups(Vec<GroupId>),
    /// This agent only (a transfer to a person): it waits for them to have room.
    Agent(AgentId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingConversation {
    pub id: ConversationId,
    pub route: Route,
    /// When it joined the queue (epoch ms).
    pub queued_at: i64,
    /// Taken back from an agent who logged out or lost their connection: served first.
    pub front: bool,
    /// Agents who let an offer of it expire (manual answer mode): offered to others first.
    pub declined_by: Vec<AgentId>,
}

impl WaitingConversation {
    fn routable_to(&self, agent: &AgentSnapshot) -> bool {
        match &self.route {
            Route::Groups(groups) => groups.iter().any(|g| agent.groups.contains(g)),
            Route::Agent(id) => agent.id == *id,
        }
    }

    /// Queue order: the front first, then oldest, then by id (stable across instances).
    fn order_key(&self) -> (Reverse<bool>, i64, ConversationId) {
        (Reverse(self.front), self.queued_at, self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub conversation: ConversationId,
    pub agent: AgentId,
    /// Only offered (the agent answers manually): it returns to the queue unless accepted.
    pub offer: bool,
}

/// Assigns as many waiting conversations as the agents' free positions allow, in queue order;
/// `now` (epoch ms) marks the agents who received one as just busy, for the tie-breaks that
/// follow. Deterministic: the same snapshots always give the same plan.
pub fn plan(
    agents: &[AgentSnapshot],
    waiting: &[WaitingConversation],
    now: i64,
) -> Vec<Assignment> {
    let mut agents = agents.to_vec();
    let mut queue: Vec<&WaitingConversation> = waiting.iter().collect();
    queue.sort_by_key(|w| w.order_key());
    let mut assignments = Vec::new();
    for conversation in queue {
        let Some(chosen) = choose(&agents, conversation) else {
            continue;
        };
        let agent = &mut agents[chosen];
        agent.open += 1;
        agent.free_since = now;
        assignments.push(Assignment {
            conversation: conversation.id,
            agent: agent.id,
            offer: agent.answer_mode == AnswerMode::Manual,
        });
    }
    assignments
}

/// The index of the agent who should take `conversation`, if anyone can.
fn choose(agents: &[AgentSnapshot], conversation: &WaitingConversation) -> Option<usize> {
    let candidates = || {
        agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.has_room() && conversation.routable_to(a))
    };
    let best = |declines_count: bool| {
        candidates()
            .filter(|(_, a)| !declines_count || !conversation.declined_by.contains(&a.id))
            .min_by_key(|(_, a)| (a.open, a.free_since, a.id))
            .map(|(index, _)| index)
    };
    // Everyone who could take it let it expire: start the round again.
    best(true).or_else(|| best(false))
}

/// Whether an offer made until `offered_until` (epoch ms) has run out.
pub fn offer_expired(offered_until: i64, now_ms: i64) -> bool {
    now_ms >= offered_until
}

/// Whether an agent whose console was last heard from at `last_seen_ms` has left: a console
/// that stays away longer than the grace period gives its chats back to the queue.
pub fn has_left(presence: Presence, last_seen_ms: i64, now_ms: i64, grace_ms: i64) -> bool {
    presence != Presence::Offline && now_ms - last_seen_ms > grace_ms
}
