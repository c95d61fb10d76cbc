//! Server functions of the admin area.

mod delivery_issues;
mod groups;
mod overview;
mod pause_reasons;
mod users;

pub use delivery_issues::*;
pub use groups::*;
pub use overview::*;
pub use pause_reasons::*;
pub use users::*;
