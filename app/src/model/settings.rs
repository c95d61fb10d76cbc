//! General settings (admin only): Tactium's external and internal links, the webhook Meta
//! calls, the Meta app's credentials, attachments and the sandbox.

use serde::{Deserialize, Serialize};

/// The largest attachment Meta's Send API takes, and so the highest limit an admin can set.
pub const ATTACHMENT_MAX_MB: u32 = 25;
/// Webhook bodies (customers' messages as Meta sent them) are kept this many days after
/// they were processed, unless an admin sets otherwise.
pub const DELIVERY_RETENTION_DAYS: u32 = 30;
/// The longest retention an admin can set (ten years); 0 means "keep for ever" for media.
pub const RETENTION_MAX_DAYS: u32 = 3650;

fn delivery_retention_default() -> u32 {
    DELIVERY_RETENTION_DAYS
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralSettings {
    /// How Meta and customers reach Atende (the webhook and attachment links use it).
    pub external_url: String,
    /// How agents reach it inside the company network ("link interno"); may be empty.
    pub internal_url: String,
    /// The callback URLs to paste into Meta's app dashboard.
    pub messenger_webhook_url: String,
    pub instagram_webhook_url: String,
    /// The verify token to paste next to them (None until generated).
    pub verify_token: Option<String>,
    /// Set by the environment (ATENDE_META_VERIFY_TOKEN): shown, not changeable here.
    pub verify_token_fixed: bool,
    /// The app secret is write-only: only whether one is set.
    pub app_secret_set: bool,
    pub app_secret_fixed: bool,
    /// Where attachments are kept (set in the configuration: moving it means moving files).
    pub attachments_dir: String,
    pub attachment_max_mb: u32,
    /// Whether this installation was started with the sandbox available (ATENDE_SANDBOX=1).
    pub sandbox_available: bool,
    pub sandbox_enabled: bool,
    /// Hosts Graph calls may go to besides Meta's: the admin's list, one per line.
    pub graph_hosts: String,
    /// What is allowed whatever the list says (Meta's hosts, the sandbox, the configuration).
    pub graph_hosts_fixed: Vec<String>,
    /// Days webhook bodies are kept after processing (at least 1).
    pub delivery_retention_days: u32,
    /// Days attachments are kept after their conversation closed; 0 keeps them for ever.
    pub media_retention_days: u32,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralSettingsForm {
    pub external_url: String,
    pub internal_url: String,
    /// A new app secret; None keeps the stored one.
    pub app_secret: Option<String>,
    pub attachment_max_mb: u32,
    pub sandbox_enabled: bool,
    #[serde(default)]
    pub graph_hosts: String,
    #[serde(default = "delivery_retention_default")]
    pub delivery_retention_days: u32,
    #[serde(default)]
    pub media_retention_days: u32,
    pub version: i64,
}
