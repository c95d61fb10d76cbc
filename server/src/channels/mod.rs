//! Customer channels. Meta's Messenger and Instagram Direct share one webhook contract.

pub mod meta;
