mod admin;
mod console;
mod home;
mod login;
mod not_found;

pub use admin::AdminPage;
pub use console::ConsolePage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
