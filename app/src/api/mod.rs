//! Server functions, one per file: thin adapters from the page to the server's ports.

pub mod admin;
pub mod auth;
pub mod console;
