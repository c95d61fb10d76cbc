//! The admin area's services (ManagerADM): each implements one of the app's admin ports.

pub mod groups;
pub mod users;
