//! Domain rules in plain Rust: no HTTP and no SQL here, tested directly.

pub mod account;
pub mod attachment;
pub mod business_hours;
pub mod closing;
pub mod contact_name;
pub mod conversation;
pub mod delivery;
pub mod graph_hosts;
pub mod ids;
pub mod login_throttle;
pub mod messaging_window;
pub mod policy;
pub mod protocol;
pub mod routing;
pub mod schedule;
pub mod script;
pub mod service;
pub mod service_policy;
pub mod survey;
pub mod timeouts;
