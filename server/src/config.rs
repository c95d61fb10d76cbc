//! Typed settings: built-in defaults < optional `atende.toml` < `ATENDE_*` environment variables.
//!
//! Every key is flat so that the TOML key and the environment variable map one to one
//! (`database_url` ↔ `ATENDE_DATABASE_URL`); the README lists them all.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub host: String,
    pub port: u16,
    /// The URL users and Meta reach us at; decides the cookie's Secure flag and allowed Origins.
    pub external_url: Url,
    /// `sqlite://…` (default, embedded) or `postgres://…`.
    pub database_url: String,
    pub database_max_connections: u32,
    pub log_format: LogFormat,
    /// Password for the `admin` account created on first start; random (and printed once) if unset.
    pub admin_password: Option<SecretString>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_ip: u32,
    pub login_failure_window_minutes: i64,
    /// Take the client IP from the last `X-Forwarded-For` hop (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Where cargo-leptos put the compiled site (`pkg/`, CSS, assets).
    pub site_root: PathBuf,
    /// Enables the Messenger sandbox (customer page and Graph API stand-in).
    pub sandbox: bool,
    /// The Meta app's secret: the key of the webhook signatures.
    pub meta_app_secret: Option<SecretString>,
    /// The token Meta's webhook handshake must present (`hub.verify_token`).
    pub meta_verify_token: Option<SecretString>,
    /// The key that encrypts page tokens at rest (64 hex digits); else `secret_key_file`.
    pub secret_key: Option<SecretString>,
    /// Where the generated key is kept when `secret_key` is not set (never in the database).
    pub secret_key_file: PathBuf,
    /// IANA zone dates are shown in, e.g. `America/Sao_Paulo`.
    pub time_zone: String,
    /// The attachment storage: the folder attachments are kept in.
    pub attachments_dir: PathBuf,
    /// How long an agent's console may be disconnected before their chats return to the queue.
    pub console_grace_seconds: u64,
    /// How long a conversation is offered to an agent in manual answer mode.
    pub offer_seconds: u64,
    /// Hosts Graph calls may go to besides Meta's (e.g. a company proxy), comma-separated;
    /// admins can add more in the general settings.
    pub graph_hosts: String,
    /// How long a send whose answer was lost waits for Meta's echo before it goes again.
    pub echo_wait_seconds: u64,
    /// A client must send a request's headers within this time.
    pub http_header_timeout_seconds: u64,
    /// A request must be answered (its body read, the handler done) within this time.
    pub http_request_timeout_seconds: u64,
    /// Open connections at most (idle consoles' WebSockets included).
    pub http_max_connections: usize,
    /// Requests handled at once at most; the next get 503 at once.
    pub http_max_in_flight: usize,
    /// Webhook requests handled at once at most (each may buffer up to 10 MiB).
    pub webhook_max_in_flight: usize,
}

/// Environment variables read as they are, never parsed (see `Settings::load`).
const VERBATIM_SECRETS: [&str; 4] = [
    "admin_password",
    "meta_app_secret",
    "meta_verify_token",
    "secret_key",
];

/// The defaults, as TOML so the README and the code cannot disagree about them.
pub const DEFAULTS: &str = r#"
host = "127.0.0.1"
port = 3000
external_url = "http://127.0.0.1:3000"
database_url = "sqlite://data/atende.db"
database_max_connections = 8
log_format = "pretty"
session_idle_minutes = 30
session_absolute_hours = 12
login_max_failures_per_account = 5
login_max_failures_per_ip = 20
login_failure_window_minutes = 15
trust_forwarded_for = false
site_root = "target/site"
sandbox = false
time_zone = "America/Sao_Paulo"
secret_key_file = "data/secret.key"
attachments_dir = "data/attachments"
console_grace_seconds = 60
offer_seconds = 30
graph_hosts = ""
echo_wait_seconds = 45
http_header_timeout_seconds = 10
http_request_timeout_seconds = 30
http_max_connections = 20000
http_max_in_flight = 2048
webhook_max_in_flight = 256
"#;

impl Settings {
    /// Loads defaults, then `config_file` if it exists, then `ATENDE_*` variables.
    /// `extract_lossy` accepts `1`/`yes`/`on` for booleans, as operators write them.
    pub fn load(config_file: &Path) -> anyhow::Result<Settings> {
        let mut settings: Settings = Self::figment(config_file)
            .extract_lossy()
            .map_err(|e| anyhow::anyhow!("invalid settings: {e}"))?;
        // Secrets are taken verbatim: figment would parse an all-digit value as a number (and
        // quote it back in its error message) or trim and unquote it.
        let verbatim = |key: &str| std::env::var(format!("ATENDE_{}", key.to_uppercase())).ok();
        if let Some(value) = verbatim("admin_password") {
            settings.admin_password = Some(SecretString::from(value));
        }
        if let Some(value) = verbatim("meta_app_secret") {
            settings.meta_app_secret = Some(SecretString::from(value));
        }
        if let Some(value) = verbatim("meta_verify_token") {
            settings.meta_verify_token = Some(SecretString::from(value));
        }
        if let Some(value) = verbatim("secret_key") {
            settings.secret_key = Some(SecretString::from(value));
        }
        Ok(settings)
    }

    pub fn figment(config_file: &Path) -> Figment {
        Figment::new()
            .merge(Toml::string(DEFAULTS))
            .merge(Toml::file(config_file))
            .merge(Env::prefixed("ATENDE_").ignore(&VERBATIM_SECRETS))
    }

    /// Settings for tests: defaults plus the given overrides, ignoring files and environment.
    pub fn for_tests(database_url: &str) -> Settings {
        Figment::new()
            .merge(Toml::string(DEFAULTS))
            .merge(Serialized::default("database_url", database_url))
            .merge(Serialized::default("port", 0))
            .merge(Serialized::default("database_max_connections", 4))
            .extract()
            .expect("built-in defaults are valid")
    }

    /// Refuses secrets that are set but empty: an empty `ATENDE_META_APP_SECRET=` would be a
    /// known HMAC key, with which anyone could sign webhooks.
    pub fn check_secrets(&self) -> anyhow::Result<()> {
        let set_but_blank = |value: &Option<SecretString>| {
            value
                .as_ref()
                .is_some_and(|v| v.expose_secret().trim().is_empty())
        };
        for (name, value) in [
            ("ATENDE_META_APP_SECRET", &self.meta_app_secret),
            ("ATENDE_META_VERIFY_TOKEN", &self.meta_verify_token),
            ("ATENDE_SECRET_KEY", &self.secret_key),
            ("ATENDE_ADMIN_PASSWORD", &self.admin_password),
        ] {
            anyhow::ensure!(
                !set_but_blank(value),
                "{name} is set but empty: give it a value, or unset it"
            );
        }
        Ok(())
    }

    pub fn uses_https(&self) -> bool {
        self.external_url.scheme() == "https"
    }

    /// `scheme://host[:port]` of the external URL, as browsers send it in `Origin`.
    pub fn external_origin(&self) -> String {
        self.external_url.origin().ascii_serialization()
    }
}

#[cfg(test)]
// figment::Jail's closures must return figment's (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_app_secret_is_refused() {
        let mut settings = Settings::for_tests("sqlite://data/atende.db");
        assert!(settings.check_secrets().is_ok());
        settings.meta_app_secret = Some(SecretString::from(String::new()));
        let refused = settings.check_secrets().expect_err("refused");
        assert!(
            refused.to_string().contains("ATENDE_META_APP_SECRET"),
            "{refused}"
        );
        settings.meta_app_secret = Some(SecretString::from("  ".to_owned()));
        assert!(settings.check_secrets().is_err());
        settings.meta_app_secret = Some(SecretString::from("s3cret".to_owned()));
        assert!(settings.check_secrets().is_ok());
    }

    #[test]
    fn defaults_parse_and_use_sqlite_under_data() {
        let settings = Settings::for_tests("sqlite://data/atende.db");
        assert_eq!(settings.database_url, "sqlite://data/atende.db");
        assert_eq!(settings.session_idle_minutes, 30);
        assert!(!settings.uses_https());
        assert_eq!(settings.external_origin(), "http://127.0.0.1:3000");
    }

    #[test]
    fn file_values_override_defaults_and_env_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("atende.toml", "port = 4000\nlog_format = \"json\"")?;
            jail.set_env("ATENDE_PORT", "5000");
            let settings = Settings::load(Path::new("atende.toml")).map_err(|e| e.to_string())?;
            assert_eq!(settings.port, 5000);
            assert_eq!(settings.log_format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn the_admin_password_is_taken_verbatim_and_booleans_read_like_operators_write_them() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ATENDE_ADMIN_PASSWORD", "20261121");
            jail.set_env("ATENDE_SANDBOX", "1");
            let settings = Settings::load(Path::new("missing.toml")).map_err(|e| e.to_string())?;
            let password = settings
                .admin_password
                .as_ref()
                .map(|p| p.expose_secret().to_owned());
            assert_eq!(password.as_deref(), Some("20261121"));
            assert!(settings.sandbox);
            Ok(())
        });
    }

    #[test]
    fn the_admin_password_never_prints() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ATENDE_ADMIN_PASSWORD", "s3cret-value");
            let settings = Settings::load(Path::new("missing.toml")).map_err(|e| e.to_string())?;
            assert!(!format!("{settings:?}").contains("s3cret-value"));
            Ok(())
        });
    }
}
