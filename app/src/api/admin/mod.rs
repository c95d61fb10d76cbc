//! Server functions of the admin area.

mod delivery_issues;
mod overview;
mod users;

pub use delivery_issues::*;
pub use overview::*;
pub use users::*;
