//! The Messenger sandbox: a stand-in for Meta that speaks its HTTP contract, for the demo, the
//! browser tests and operators without a Meta app yet. Mounted only with `ATENDE_SANDBOX=1`.
//!
//! - `graph_api`: the Graph API under `/sandbox/graph/…` (Send API, User Profile API, error
//!   injection), which a service's integration URL can point at.
//! - `customer_api`: the customer's chat page at `/sandbox` and its JSON API.
//! - `webhooks`: the signed, batched webhook deliveries to our own `/hook/…` URLs.
//!
//! Meta's side of things (customers, their chats, media) is kept in the `sandbox_*` tables.
//! The pages are the active services whose integration URL points at the sandbox; a page
//! access token is recognised by opening the services' sealed tokens, as Meta knows its tokens.

mod customer_api;
mod graph_api;
pub mod store;
pub mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;

use crate::channels::meta::credentials::MetaCredentials;
use crate::secret_box::SecretBox;
use crate::store::{services, Store};
use webhooks::{Outgoing, WebhookEmitter};

/// Integration URLs containing this are served by the sandbox.
pub const GRAPH_PATH: &str = "/sandbox/graph/";

/// A failure the Graph stand-in answers every call with, until it is switched off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Injection {
    #[default]
    None,
    WindowClosed,
    RateLimit,
    Transient,
    BadToken,
}

/// A sandbox page: an active service bound to the sandbox.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub cifra: String,
    pub name: String,
    pub instagram: bool,
}

/// What the customer page hears about: a chat changed, or the page is typing.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub psid: String,
    pub page: String,
    pub typing: bool,
}

#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secrets: SecretBox,
    emitter: WebhookEmitter,
    http: reqwest::Client,
    injection: Mutex<Injection>,
    /// The last `sender_action` each chat got (what Messenger would show the customer).
    last_actions: Mutex<HashMap<(String, String), String>>,
    changes: broadcast::Sender<Change>,
    /// Where this instance answers (`http://127.0.0.1:PORT`): its webhook, media and avatars.
    base_url: String,
}

impl Sandbox {
    pub fn start(
        store: Store,
        secrets: SecretBox,
        credentials: MetaCredentials,
        base_url: String,
    ) -> anyhow::Result<Sandbox> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(20))
            .build()?;
        let (changes, _) = broadcast::channel(256);
        Ok(Sandbox {
            inner: Arc::new(Inner {
                emitter: WebhookEmitter::spawn(base_url.clone(), credentials),
                store,
                secrets,
                http,
                injection: Mutex::new(Injection::None),
                last_actions: Mutex::new(HashMap::new()),
                changes,
                base_url,
            }),
        })
    }

    pub fn router<S>(&self) -> Router<S> {
        Router::new()
            .merge(graph_api::routes())
            .merge(customer_api::routes())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                switched_on,
            ))
            .with_state(self.clone())
    }

    fn pool(&self) -> &sqlx::AnyPool {
        self.inner.store.pool()
    }

    fn injection(&self) -> Injection {
        self.inner
            .injection
            .lock()
            .map(|injection| *injection)
            .unwrap_or_default()
    }

    fn set_injection(&self, injection: Injection) {
        if let Ok(mut current) = self.inner.injection.lock() {
            *current = injection;
        }
    }

    fn note_action(&self, psid: &str, page: &str, action: &str) {
        if let Ok(mut actions) = self.inner.last_actions.lock() {
            actions.insert((psid.to_owned(), page.to_owned()), action.to_owned());
        }
    }

    fn last_action(&self, psid: &str, page: &str) -> Option<String> {
        let actions = self.inner.last_actions.lock().ok()?;
        actions.get(&(psid.to_owned(), page.to_owned())).cloned()
    }

    fn emit(&self, page: &Page, event: serde_json::Value) {
        self.inner.emitter.emit(Outgoing {
            instagram: page.instagram,
            page_id: page.cifra.clone(),
            event,
        });
    }

    fn changed(&self, psid: &str, page: &str, typing: bool) {
        // Nobody listening is fine: the customer page reloads the chat when it connects.
        let _ = self.inner.changes.send(Change {
            psid: psid.to_owned(),
            page: page.to_owned(),
            typing,
        });
    }

    /// The active services whose integration URL points at the sandbox.
    async fn pages(&self) -> anyhow::Result<Vec<Page>> {
        let all = services::active_with_tokens(self.pool()).await?;
        Ok(all
            .into_iter()
            .filter(|s| s.integration_url.contains(GRAPH_PATH))
            .map(|s| Page {
                instagram: s.channel == "instagram",
                cifra: s.cifra,
                name: s.name,
            })
            .collect())
    }

    async fn page(&self, cifra: &str) -> anyhow::Result<Option<Page>> {
        Ok(self.pages().await?.into_iter().find(|p| p.cifra == cifra))
    }

    /// The page a Graph API access token belongs to.
    async fn page_for_token(&self, token: &str) -> anyhow::Result<Option<Page>> {
        let all = services::active_with_tokens(self.pool()).await?;
        for service in all {
            let Some(sealed) = service.access_token_sealed.as_deref() else {
                continue;
            };
            let Ok(opened) = self.inner.secrets.open(sealed) else {
                continue;
            };
            let same: bool = secrecy::ExposeSecret::expose_secret(&opened)
                .as_bytes()
                .ct_eq(token.as_bytes())
                .into();
            if same {
                return Ok(Some(Page {
                    instagram: service.channel == "instagram",
                    cifra: service.cifra,
                    name: service.name,
                }));
            }
        }
        Ok(None)
    }
}

/// A Meta-like message ID.
fn new_mid() -> String {
    format!("m_{}", uuid::Uuid::new_v4().simple())
}

/// An admin can switch the sandbox off in the general settings: its paths are then 404s, at
/// once (read on each request; the sandbox is never on a hot path).
async fn switched_on(
    axum::extract::State(sandbox): axum::extract::State<Sandbox>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;

    match crate::live_settings::sandbox_enabled(sandbox.pool()).await {
        Ok(true) => next.run(request).await,
        Ok(false) => axum::http::StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(error = ?error, "Reading the sandbox switch failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
