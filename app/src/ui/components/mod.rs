mod admin_nav;
mod app_header;
mod delivery_issues;
mod error_message;
mod language_switch;
mod loading;
mod require_role;
mod supervision;
mod user_editor;

pub use admin_nav::AdminNav;
pub use app_header::AppHeader;
pub use delivery_issues::DeliveryIssues;
pub use error_message::ErrorMessage;
pub use language_switch::LanguageSwitch;
pub use loading::Loading;
pub use require_role::RequireRole;
pub use supervision::Supervision;
pub use user_editor::UserEditor;
