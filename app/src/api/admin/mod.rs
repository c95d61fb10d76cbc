//! Server functions of the admin area.

mod delivery_issues;
mod groups;
mod overview;
mod pause_reasons;
mod schedules;
mod services;
mod settings;
mod surveys;
mod users;

pub use delivery_issues::*;
pub use groups::*;
pub use overview::*;
pub use pause_reasons::*;
pub use schedules::*;
pub use services::*;
pub use settings::*;
pub use surveys::*;
pub use users::*;
