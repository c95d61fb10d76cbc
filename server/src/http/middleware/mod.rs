//! Cross-cutting request handling, applied to every route in `routes::router`.

pub mod client_ip;
pub mod limits;
pub mod origin;
pub mod security_headers;
