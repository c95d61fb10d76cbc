//! argon2id with OWASP's minimum parameters (19 MiB, t=2, p=1), always off the async runtime.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A hash of a random password, verified against when the account does not exist, so that
/// "unknown user" and "wrong password" take the same time.
static DUMMY_HASH: LazyLock<Option<SecretString>> = LazyLock::new(|| {
    let random: String = uuid::Uuid::new_v4().to_string();
    hash_blocking(&SecretString::from(random)).ok()
});

fn hash_blocking(password: &SecretString) -> anyhow::Result<SecretString> {
    let hash = hasher()?
        .hash_password(password.expose_secret().as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2 failed to hash: {e}"))?;
    Ok(SecretString::from(hash.to_string()))
}

fn verify_blocking(password: &SecretString, stored: &SecretString) -> bool {
    match hasher() {
        Ok(argon2) => argon2
            .verify_password(password.expose_secret().as_bytes(), stored.expose_secret())
            .is_ok(),
        Err(_) => false,
    }
}

/// Computes the dummy hash ahead of the first login.
pub async fn warm_up() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).is_some())
        .await
        .context("Failed to prepare password hashing")?
        .then_some(())
        .context("Failed to compute the dummy password hash")
}

/// At most this many hashes run at once (each takes 19 MiB and a core for a moment); further
/// logins wait their turn instead of exhausting memory.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(cores * 2)
});

/// Hashes a new password into a PHC string.
pub async fn hash(password: SecretString) -> anyhow::Result<SecretString> {
    let _permit = HASHING
        .acquire()
        .await
        .context("Password hashing is shut down")?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("Failed to run password hashing")?
}

/// Checks a candidate password; `stored = None` (unknown user) checks against a dummy hash
/// and always fails, in the same time as a real check.
pub async fn verify(candidate: SecretString, stored: Option<SecretString>) -> anyhow::Result<bool> {
    let _permit = HASHING
        .acquire()
        .await
        .context("Password hashing is shut down")?;
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify_blocking(&candidate, &stored),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_ref() {
                verify_blocking(&candidate, dummy);
            }
            false
        }
    })
    .await
    .context("Failed to run password verification")
}

/// A random password for generated accounts (the first admin): 20 URL-safe characters.
pub fn random_password() -> SecretString {
    use rand::distr::{Alphanumeric, SampleString};
    SecretString::from(Alphanumeric.sample_string(&mut rand::rng(), 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash(secret("correct horse")).await.expect("hash");
        assert!(stored
            .expose_secret()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(secret("correct horse"), Some(stored.clone()))
            .await
            .expect("verify"));
        assert!(!verify(secret("wrong horse"), Some(stored))
            .await
            .expect("verify"));
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(!verify(secret("anything"), None).await.expect("verify"));
    }

    #[test]
    fn random_passwords_differ() {
        assert_ne!(
            random_password().expose_secret(),
            random_password().expose_secret()
        );
    }
}
