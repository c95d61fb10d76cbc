//! Meta's webhook contract (Messenger, Instagram Direct): the subscription handshake, signed
//! deliveries, durable ingest.

pub mod signature;
pub mod webhook;
