//! Server functions of the admin area.

mod delivery_issues;
mod overview;

pub use delivery_issues::*;
pub use overview::*;
