mod admin;
mod admin_audit;
pub mod admin_groups;
mod admin_pause_reasons;
pub mod admin_users;
mod console;
mod home;
mod login;
mod not_found;

pub use admin::AdminPage;
pub use admin_audit::AdminAuditPage;
pub use admin_groups::AdminGroupsPage;
pub use admin_pause_reasons::AdminPauseReasonsPage;
pub use admin_users::AdminUsersPage;
pub use console::ConsolePage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
