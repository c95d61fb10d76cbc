//! Account values that cannot hold invalid data once parsed.

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

pub const USERNAME_MAX: usize = 64;
pub const DISPLAY_NAME_MAX: usize = 100;
/// ASVS 4.0 L2 (2.1.1): at least 12 characters.
pub const PASSWORD_MIN: usize = 12;
/// Argon2 cost grows with the input; the cap keeps a login request cheap to refuse.
pub const PASSWORD_MAX: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    #[error("the user name is required")]
    UsernameRequired,
    #[error("the user name is longer than {USERNAME_MAX} characters")]
    UsernameTooLong,
    #[error("the user name may only hold letters, digits and . _ - @")]
    UsernameInvalid,
    #[error("the display name is required")]
    DisplayNameRequired,
    #[error("the display name is longer than {DISPLAY_NAME_MAX} characters")]
    DisplayNameTooLong,
    #[error("the password must have at least {PASSWORD_MIN} characters")]
    PasswordTooShort,
    #[error("the password is longer than {PASSWORD_MAX} characters")]
    PasswordTooLong,
    /// One of the passwords crackers try first (ASVS 2.1.7).
    #[error("the password is one of the commonly used ones")]
    PasswordTooCommon,
}

/// A login name: trimmed, lower-case, `[a-z0-9._@-]`, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, AccountError> {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Err(AccountError::UsernameRequired);
        }
        if name.chars().count() > USERNAME_MAX {
            return Err(AccountError::UsernameTooLong);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c);
        if !name.chars().all(allowed) {
            return Err(AccountError::UsernameInvalid);
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown to colleagues and customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, AccountError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AccountError::DisplayNameRequired);
        }
        if name.chars().count() > DISPLAY_NAME_MAX || name.chars().any(char::is_control) {
            return Err(AccountError::DisplayNameTooLong);
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password chosen for an account (not a login attempt: those are only length-capped).
#[derive(Debug, Clone)]
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: SecretString) -> Result<NewPassword, AccountError> {
        let length = raw.expose_secret().chars().count();
        if length < PASSWORD_MIN {
            return Err(AccountError::PasswordTooShort);
        }
        if length > PASSWORD_MAX {
            return Err(AccountError::PasswordTooLong);
        }
        if is_common(raw.expose_secret()) {
            return Err(AccountError::PasswordTooCommon);
        }
        Ok(NewPassword(raw))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// zxcvbn (Dropbox's estimator) knows 30k leaked passwords, names, words, dates, keyboard
/// walks and l33t speak; under 10^8 guesses (its score 0 to 2) a password is one a cracker
/// tries early, whatever its length.
fn is_common(password: &str) -> bool {
    u8::from(zxcvbn::zxcvbn(password, &[]).score()) < 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(
            Username::parse("  Ana.Souza ").map(|u| u.0),
            Ok("ana.souza".to_owned())
        );
    }

    #[test]
    fn usernames_refuse_empty_long_and_odd_characters() {
        assert_eq!(Username::parse("   "), Err(AccountError::UsernameRequired));
        assert_eq!(
            Username::parse(&"a".repeat(65)),
            Err(AccountError::UsernameTooLong)
        );
        assert_eq!(
            Username::parse("ana souza"),
            Err(AccountError::UsernameInvalid)
        );
        assert_eq!(
            Username::parse("ana<script>"),
            Err(AccountError::UsernameInvalid)
        );
        assert!(Username::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn display_names_refuse_control_characters_and_length() {
        assert!(DisplayName::parse("Ana Souza").is_ok());
        assert_eq!(
            DisplayName::parse(""),
            Err(AccountError::DisplayNameRequired)
        );
        assert_eq!(
            DisplayName::parse(&"x".repeat(101)),
            Err(AccountError::DisplayNameTooLong)
        );
        assert_eq!(
            DisplayName::parse("a\u{7}b"),
            Err(AccountError::DisplayNameTooLong)
        );
    }

    #[test]
    fn new_passwords_have_a_minimum_and_a_maximum_length() {
        let parse = |s: &str| NewPassword::parse(SecretString::from(s.to_owned())).map(|_| ());
        assert_eq!(parse("short"), Err(AccountError::PasswordTooShort));
        assert_eq!(parse("eleven-char"), Err(AccountError::PasswordTooShort));
        assert_eq!(parse(&"p".repeat(129)), Err(AccountError::PasswordTooLong));
        assert!(parse("twelve-chars").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_length() {
        let parse = |s: &str| NewPassword::parse(SecretString::from(s.to_owned())).map(|_| ());
        for common in [
            "password1234",
            "123456789012",
            "qwertyuiopasdf",
            "aaaaaaaaaaaa",
            "iloveyou2026",
            "Password123!",
        ] {
            assert_eq!(
                parse(common),
                Err(AccountError::PasswordTooCommon),
                "{common}"
            );
        }
        // The passwords of the tests and the demo data must stay acceptable.
        for fine in [
            "senha-da-ana",
            "senha-da-bia",
            "agent-password-2026",
            "correct horse battery",
            "admin-demo-2026",
            "ana-demo-2026",
            "carlos-demo-2026",
            "dora-demo-2026",
            "edu-demo-2026",
            "reviewer-demo-2026",
            "supervisor-demo-2026",
            "nova-senha-da-ana",
        ] {
            assert_eq!(parse(fine), Ok(()), "{fine}");
        }
    }
}
