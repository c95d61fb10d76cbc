//! Cross-cutting request handling, applied to every route in `http::router`.

pub mod client_ip;
pub mod origin;
pub mod security_headers;
