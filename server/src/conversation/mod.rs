//! The conversation core, below the adapters (webhook, console, admin, sandbox) and above the
//! store and the domain: routing, the service policies applied to conversations, queueing
//! outbound messages for any channel, and the signal that live events were written.

pub mod assignment;
pub mod channel;
pub mod handover;
pub mod inbound;
pub mod live_signal;
pub mod outbox;
pub mod policies;
pub mod profiles;
pub mod routing;
pub mod sending;
