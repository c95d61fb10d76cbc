//! The Graph Send API over HTTP (reqwest, rustls): `POST {integration URL}?access_token=…`.
//! The URL carries the token, so it is never logged.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::graph_error::GraphError;
use crate::domain::graph_hosts::{self, GraphHosts, HostRule};
use crate::store::{general_settings, Store};

/// The general setting with the admin's extra Graph hosts (one per line).
pub const GRAPH_HOSTS_KEY: &str = "graph_hosts";
/// How long an admin's change to the allowlist may take to reach another instance.
const HOSTS_REFRESH: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct GraphClient {
    pub(super) http: reqwest::Client,
    hosts: HostPolicy,
}

/// Where Graph calls may go (see `domain::graph_hosts`): the fixed part of this instance, plus
/// the admin's list, read from the database at most every few seconds.
#[derive(Clone)]
pub struct HostPolicy {
    fixed: GraphHosts,
    store: Option<Store>,
    admin: Arc<Mutex<Option<AdminHosts>>>,
}

/// The admin's list as last read, and when.
#[derive(Clone)]
struct AdminHosts {
    read: Instant,
    rules: Vec<HostRule>,
}

impl HostPolicy {
    pub fn new(store: Store, fixed: GraphHosts) -> HostPolicy {
        HostPolicy {
            fixed,
            store: Some(store),
            admin: Arc::default(),
        }
    }

    /// A policy with no admin list (tools and tests without a database).
    pub fn fixed(fixed: GraphHosts) -> HostPolicy {
        HostPolicy {
            fixed,
            store: None,
            admin: Arc::default(),
        }
    }

    /// Whether a Graph call may go to `url`: the fixed part first (Meta's hosts, the common
    /// case, cost nothing), then the admin's list.
    pub async fn allows(&self, url: &url::Url) -> bool {
        if self.fixed.allows(url) {
            return true;
        }
        let extra = self.admin_rules().await;
        GraphHosts {
            sandbox: Vec::new(),
            extra,
        }
        .allows(url)
    }

    pub async fn allows_str(&self, url: &str) -> bool {
        match url::Url::parse(url) {
            Ok(url) => self.allows(&url).await,
            Err(_) => false,
        }
    }

    /// The admin's list, read again once it is older than `HOSTS_REFRESH`. A database error
    /// keeps the last list read (or none).
    async fn admin_rules(&self) -> Vec<HostRule> {
        let cached = self.admin.lock().ok().and_then(|cache| cache.clone());
        if let Some(hosts) = cached.as_ref().filter(|h| h.read.elapsed() < HOSTS_REFRESH) {
            return hosts.rules.clone();
        }
        let Some(store) = &self.store else {
            return Vec::new();
        };
        match general_settings::get(store.pool(), GRAPH_HOSTS_KEY).await {
            Ok(text) => {
                let rules = graph_hosts::parse_list(text.as_deref().unwrap_or_default())
                    .unwrap_or_default();
                if let Ok(mut cache) = self.admin.lock() {
                    *cache = Some(AdminHosts {
                        read: Instant::now(),
                        rules: rules.clone(),
                    });
                }
                rules
            }
            Err(error) => {
                tracing::warn!(error = ?error, "Failed to read the Graph host allowlist");
                cached.map(|hosts| hosts.rules).unwrap_or_default()
            }
        }
    }

    /// An admin just changed the list on this instance: read it again at the next call.
    pub fn forget(&self) {
        if let Ok(mut cache) = self.admin.lock() {
            *cache = None;
        }
    }

    /// The fixed part, for the settings page.
    pub fn fixed_hosts(&self) -> &GraphHosts {
        &self.fixed
    }
}

/// The longest a Graph call may take, answer included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    Accepted {
        message_id: String,
    },
    /// Meta answered with an error status (and usually an error body).
    Refused {
        status: u16,
        error: Option<GraphError>,
    },
    /// Nothing reached Meta (no connection, or no usable URL): safe to send again.
    NotSent(String),
    /// The request went out but no answer came back (a timeout, a dropped connection): Meta
    /// may have the message, and its echo would tell.
    Unanswered(String),
    /// The integration URL's host is not one Atende may call: nothing was sent.
    HostNotAllowed,
}

#[derive(Deserialize)]
struct Accepted {
    message_id: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

impl GraphClient {
    pub fn new(hosts: HostPolicy) -> anyhow::Result<GraphClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(SEND_TIMEOUT)
            // A redirect could take the token elsewhere: Graph never redirects API calls.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(GraphClient { http, hosts })
    }

    pub fn hosts(&self) -> &HostPolicy {
        &self.hosts
    }

    /// Whether a request to `url` may be made (the token goes in its query).
    pub(super) async fn allowed(&self, url: &url::Url) -> bool {
        let allowed = self.hosts.allows(url).await;
        if !allowed {
            tracing::warn!(
                host = url.host_str().unwrap_or("-"),
                "Graph call refused: host not allowed"
            );
        }
        allowed
    }

    pub async fn send(
        &self,
        integration_url: &str,
        token: &SecretString,
        body: &serde_json::Value,
    ) -> SendOutcome {
        let mut url = match url::Url::parse(integration_url) {
            Ok(url) => url,
            Err(error) => return SendOutcome::NotSent(format!("invalid integration URL: {error}")),
        };
        if !self.allowed(&url).await {
            return SendOutcome::HostNotAllowed;
        }
        url.query_pairs_mut()
            .append_pair("access_token", token.expose_secret());
        let response = match self.http.post(url).json(body).send().await {
            Ok(response) => response,
            // reqwest's error text includes the URL (and so the token): keep only its kind.
            Err(error) if error.is_connect() => return SendOutcome::NotSent(describe(&error)),
            Err(error) => return SendOutcome::Unanswered(describe(&error)),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return SendOutcome::Unanswered(describe(&error)),
        };
        if (200..300).contains(&status) {
            return match serde_json::from_slice::<Accepted>(&bytes) {
                Ok(accepted) => SendOutcome::Accepted {
                    message_id: accepted.message_id,
                },
                Err(_) => SendOutcome::Refused {
                    status,
                    error: None,
                },
            };
        }
        let error = serde_json::from_slice::<ErrorBody>(&bytes)
            .ok()
            .map(|body| body.error);
        SendOutcome::Refused { status, error }
    }
}

impl GraphClient {
    /// A `sender_action` call: Meta answers `{"recipient_id": …}` with no message id.
    pub async fn sender_action(
        &self,
        integration_url: &str,
        token: &SecretString,
        body: &serde_json::Value,
    ) -> Result<(), String> {
        let mut url = url::Url::parse(integration_url)
            .map_err(|error| format!("invalid integration URL: {error}"))?;
        if !self.allowed(&url).await {
            return Err("the integration URL's host is not allowed".to_owned());
        }
        url.query_pairs_mut()
            .append_pair("access_token", token.expose_secret());
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|error| describe(&error))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let error = response
            .json::<ErrorBody>()
            .await
            .ok()
            .map(|body| body.error);
        Err(match error {
            Some(e) => format!("HTTP {status}: code {} {}", e.code, e.message),
            None => format!("HTTP {status}"),
        })
    }
}

/// What the User Profile API said about a customer.
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileOutcome {
    Found {
        first_name: Option<String>,
        last_name: Option<String>,
        profile_pic: Option<String>,
    },
    /// Meta will not give this profile (e.g. 2018218, or a permanent error): stop asking.
    Unavailable(String),
    /// Try again later (transient error, rate limit, timeout).
    Retry(String),
}

#[derive(Deserialize)]
struct Profile {
    first_name: Option<String>,
    last_name: Option<String>,
    /// Instagram gives `name` and `username` instead of first and last names.
    name: Option<String>,
    username: Option<String>,
    profile_pic: Option<String>,
}

impl GraphClient {
    /// `GET {graph}/{psid}?fields=first_name,last_name,profile_pic` (Instagram:
    /// `fields=name,username,profile_pic`), where `{graph}` is the integration URL without its
    /// `/me/messages`.
    pub async fn profile(
        &self,
        integration_url: &str,
        psid: &str,
        instagram: bool,
        token: &SecretString,
    ) -> ProfileOutcome {
        let fields = if instagram {
            "name,username,profile_pic"
        } else {
            "first_name,last_name,profile_pic"
        };
        let url = match user_url(integration_url, psid, fields, token) {
            Ok(url) => url,
            Err(error) => {
                return ProfileOutcome::Unavailable(format!("invalid profile URL: {error}"))
            }
        };
        if !self.allowed(&url).await {
            return ProfileOutcome::Unavailable(
                "the integration URL's host is not allowed".to_owned(),
            );
        }
        let response = match self.http.get(url).send().await {
            Ok(response) => response,
            Err(error) => return ProfileOutcome::Retry(describe(&error)),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return ProfileOutcome::Retry(describe(&error)),
        };
        if (200..300).contains(&status) {
            return match serde_json::from_slice::<Profile>(&bytes) {
                Ok(p) => ProfileOutcome::Found {
                    // An Instagram name goes whole into first_name; a username stands in for it.
                    first_name: p.first_name.or(p.name).or(p.username),
                    last_name: p.last_name,
                    profile_pic: p.profile_pic,
                },
                Err(_) => ProfileOutcome::Unavailable("unreadable profile".to_owned()),
            };
        }
        let error = serde_json::from_slice::<ErrorBody>(&bytes)
            .ok()
            .map(|body| body.error);
        let detail = match &error {
            Some(e) => format!("HTTP {status}: code {} {}", e.code, e.message),
            None => format!("HTTP {status}"),
        };
        match super::graph_error::classify(status, error.as_ref()) {
            super::graph_error::Verdict::Retry => ProfileOutcome::Retry(detail),
            super::graph_error::Verdict::Fail(_) => ProfileOutcome::Unavailable(detail),
        }
    }
}

/// `{graph}/{psid}?fields=…`, where `{graph}` is the integration URL without `/me/messages`.
fn user_url(
    integration_url: &str,
    psid: &str,
    fields: &str,
    token: &SecretString,
) -> Result<url::Url, url::ParseError> {
    let base = integration_url
        .trim_end_matches('/')
        .trim_end_matches("/me/messages");
    let mut url = url::Url::parse(&format!("{base}/{psid}"))?;
    url.query_pairs_mut()
        .append_pair("fields", fields)
        .append_pair("access_token", token.expose_secret());
    Ok(url)
}

#[derive(Deserialize)]
struct Locale {
    locale: Option<String>,
}

impl GraphClient {
    /// `GET {graph}/{psid}?fields=locale` (Messenger): the customer's language ("en_US"), or
    /// None. Meta answers it only to pages with the `pages_user_locale` permission, so it is
    /// asked apart from the name, and any refusal just leaves the language unknown.
    pub async fn locale(
        &self,
        integration_url: &str,
        psid: &str,
        token: &SecretString,
    ) -> Option<String> {
        let url = user_url(integration_url, psid, "locale", token).ok()?;
        if !self.allowed(&url).await {
            return None;
        }
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let locale = response.json::<Locale>().await.ok()?.locale?;
        let plausible = (2..=16).contains(&locale.len())
            && locale
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-');
        plausible.then_some(locale)
    }
}

pub(super) fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    }
}
