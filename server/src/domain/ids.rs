//! Ids of the records the rules talk about, each its own type so that an agent's id can
//! never be passed where a conversation's is expected. Stored as plain integers
//! (`store/codes.rs` reads and writes them).

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A conversation (`conversations.id`).
    ConversationId
);
id_type!(
    /// A user who answers conversations (`users.id` of an agent).
    AgentId
);
id_type!(
    /// A group of agents (`agent_groups.id`).
    GroupId
);
