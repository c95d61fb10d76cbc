//! Server functions of the admin area.

mod delivery_issues;

pub use delivery_issues::*;
