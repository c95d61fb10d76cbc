mod current_user;
mod login;
mod logout;
mod set_locale;

pub use current_user::*;
pub use login::*;
pub use logout::*;
pub use set_locale::*;
