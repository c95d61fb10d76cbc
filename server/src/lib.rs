//! The Atende server: HTTP, domain, store. `main.rs` only parses the command line.

pub mod admin;
pub mod auth;
pub mod bootstrap;
pub mod channels;
pub mod cli;
pub mod config;
pub mod console;
pub mod conversation;
pub mod domain;
pub mod error;
pub mod http;
pub mod lifecycle;
pub mod live_settings;
pub mod media;
pub mod provision;
pub mod retention;
pub mod routes;
pub mod sandbox;
pub mod secret_box;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod worker;
