//! HTTP plumbing shared by every area: the cross-cutting middleware, the session store, the
//! accept loop and the health probes. The areas' routes are put together in `routes.rs`.

pub mod health;
pub mod json_error;
pub mod middleware;
pub mod serve;
pub mod session;
