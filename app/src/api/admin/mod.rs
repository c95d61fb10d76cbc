//! Server functions of the admin area.

mod delivery_issues;
mod groups;
mod overview;
mod users;

pub use delivery_issues::*;
pub use groups::*;
pub use overview::*;
pub use users::*;
