//! Secrets at rest, such as page access tokens: XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`) under a key kept outside the database: `ATENDE_SECRET_KEY` (64 hex
//! digits) or a key file created on first start with owner-only permissions. A stolen database
//! alone does not reveal the tokens; losing the key means entering the tokens again.

use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};

const VERSION: &str = "v1:";
const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> SecretBox {
        SecretBox {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The key from `configured` (hex), else from `file`, which is created when missing.
    pub fn load_or_create(
        configured: Option<&SecretString>,
        file: &Path,
    ) -> anyhow::Result<SecretBox> {
        Self::load(configured, file, KeyFileMissing::Create)
    }

    /// Like `load_or_create`, for a database that already holds `sealed`: the key must open
    /// it. A lost key file is never silently replaced by a new key: every stored token would
    /// stop opening (and with a sealed app secret, every webhook would answer 503).
    pub fn load_for(
        configured: Option<&SecretString>,
        file: &Path,
        sealed: Option<&str>,
    ) -> anyhow::Result<SecretBox> {
        let Some(sealed) = sealed else {
            return Self::load_or_create(configured, file);
        };
        let from = match configured {
            Some(_) => "ATENDE_SECRET_KEY".to_owned(),
            None => format!("the key file {}", file.display()),
        };
        let secrets = Self::load(configured, file, KeyFileMissing::Refuse)?;
        secrets.open(sealed).map(drop).map_err(|_| {
            anyhow::anyhow!(
                "The secret key from {from} does not open the tokens stored in the database: \
                 restore the key they were sealed with (the key file backed up with the \
                 database, or ATENDE_SECRET_KEY) and start again"
            )
        })?;
        Ok(secrets)
    }

    fn load(
        configured: Option<&SecretString>,
        file: &Path,
        missing: KeyFileMissing,
    ) -> anyhow::Result<SecretBox> {
        let hex_key = match configured {
            Some(key) => key.expose_secret().trim().to_owned(),
            None if file.exists() => read_key_file(file)?,
            None if missing == KeyFileMissing::Refuse => anyhow::bail!(
                "The secret key file {} is missing, but the database holds tokens sealed with \
                 it: restore the file (or set ATENDE_SECRET_KEY) and start again",
                file.display()
            ),
            None => create_key_file(file)?,
        };
        let bytes = hex::decode(&hex_key).ok().filter(|b| b.len() == 32);
        let key: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .context("The secret key must be 64 hexadecimal digits")?;
        Ok(SecretBox::from_key(&key))
    }

    /// `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &SecretString) -> anyhow::Result<String> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(nonce, plain.expose_secret().as_bytes())
            .map_err(|_| anyhow::anyhow!("Failed to encrypt a secret"))?;
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION}{}", BASE64.encode(sealed)))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<SecretString> {
        let encoded = sealed
            .strip_prefix(VERSION)
            .context("Unknown secret format")?;
        let bytes = BASE64.decode(encoded).context("Corrupt sealed secret")?;
        anyhow::ensure!(bytes.len() > NONCE_LEN, "Corrupt sealed secret");
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| anyhow::anyhow!("The secret does not open with this key"))?;
        let text = String::from_utf8(plain).context("A sealed secret is not text")?;
        Ok(SecretString::from(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFileMissing {
    Create,
    Refuse,
}

/// Reads the key file, refusing one that others than its owner can read (like ssh does).
fn read_key_file(file: &Path) -> anyhow::Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)
            .with_context(|| format!("Failed to read the secret key file {}", file.display()))?
            .permissions()
            .mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "The secret key file {} can be read by other users (mode {:o}): \
             run `chmod 600 {}` and start again",
            file.display(),
            mode & 0o777,
            file.display()
        );
    }
    Ok(std::fs::read_to_string(file)
        .with_context(|| format!("Failed to read the secret key file {}", file.display()))?
        .trim()
        .to_owned())
}

fn create_key_file(file: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("Failed to create {}", parent.display()))?;
    }
    let key = hex::encode(rand::random::<[u8; 32]>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut handle = options
        .open(file)
        .with_context(|| format!("Failed to create the secret key file {}", file.display()))?;
    handle.write_all(key.as_bytes())?;
    tracing::warn!(file = %file.display(), "Created a new secret key: back it up with the database");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let one = SecretBox::from_key(&[7; 32]);
        let sealed = one.seal(&secret("EAAG-page-token")).expect("sealed");
        assert!(sealed.starts_with("v1:") && !sealed.contains("EAAG"));
        assert_eq!(
            one.open(&sealed).expect("opened").expose_secret(),
            "EAAG-page-token"
        );
        assert!(SecretBox::from_key(&[8; 32]).open(&sealed).is_err());
        assert_ne!(
            sealed,
            one.seal(&secret("EAAG-page-token")).expect("sealed"),
            "fresh nonce each time"
        );
    }

    #[test]
    fn tampering_is_detected() {
        let one = SecretBox::from_key(&[7; 32]);
        let sealed = one.seal(&secret("token")).expect("sealed");
        let mut bytes = BASE64.decode(&sealed[3..]).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(one.open(&format!("v1:{}", BASE64.encode(bytes))).is_err());
        assert!(one.open("v2:abc").is_err());
    }

    #[test]
    fn the_key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("keys/secret.key");
        let first = SecretBox::load_or_create(None, &file).expect("created");
        let sealed = first.seal(&secret("token")).expect("sealed");
        let again = SecretBox::load_or_create(None, &file).expect("loaded");
        assert_eq!(
            again.open(&sealed).expect("opened").expose_secret(),
            "token"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(SecretBox::load_or_create(Some(&secret("not-hex")), &file).is_err());
    }

    #[test]
    fn a_lost_or_other_key_is_refused_when_sealed_data_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("secret.key");
        let first = SecretBox::load_or_create(None, &file).expect("created");
        let sealed = first.seal(&secret("token")).expect("sealed");
        assert!(SecretBox::load_for(None, &file, Some(&sealed)).is_ok());

        std::fs::remove_file(&file).expect("lost");
        let lost = SecretBox::load_for(None, &file, Some(&sealed)).expect_err("refused");
        assert!(lost.to_string().contains("is missing"), "{lost}");
        assert!(!file.exists(), "no new key was made");

        let other = SecretBox::load_or_create(None, &file).expect("another key");
        drop(other);
        let wrong = SecretBox::load_for(None, &file, Some(&sealed)).expect_err("refused");
        assert!(wrong.to_string().contains("does not open"), "{wrong}");
        let configured = secret(&"07".repeat(32));
        let wrong = SecretBox::load_for(Some(&configured), &file, Some(&sealed)).expect_err("no");
        assert!(wrong.to_string().contains("ATENDE_SECRET_KEY"), "{wrong}");
        // Nothing sealed yet: a new key is fine.
        assert!(SecretBox::load_for(None, &dir.path().join("new.key"), None).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("secret.key");
        SecretBox::load_or_create(None, &file).expect("created");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = SecretBox::load_or_create(None, &file).expect_err("refused");
        assert!(refused.to_string().contains("chmod 600"), "{refused}");
    }
}
