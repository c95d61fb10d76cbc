//! Authentication: password hashing and the accounts service behind the login page.

pub mod accounts;
pub mod password;
