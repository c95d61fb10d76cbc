//! Meta's webhook contract (Messenger, Instagram Direct): the subscription handshake, signed
//! deliveries, durable ingest, and the typed events inside a delivery.

mod apply;
pub mod credentials;
pub mod delivery_writer;
pub mod events;
mod events_raw;
pub mod graph;
pub mod graph_error;
pub mod ingest;
pub mod inspection;
pub mod outbound;
pub mod page_identity;
pub mod sender;
pub mod signature;
pub mod webhook;
