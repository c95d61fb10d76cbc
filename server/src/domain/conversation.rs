//! Where a conversation is in its life.

/// A conversation's status. It is queued until routing gives it to an agent (assigned), waits
/// out of hours while the service is closed, and ends closed; a customer's next message after
/// that opens a new conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationStatus {
    Queued,
    Assigned,
    OutOfHours,
    Closed,
}
