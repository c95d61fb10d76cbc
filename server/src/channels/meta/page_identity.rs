//! Whose page access token this is: `GET {graph}/{version}/me?fields=id,name`, which Meta
//! answers with the page (or Instagram account) the token belongs to. The admin's "Test
//! connection" compares that ID with the service's cifra.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::graph::{describe, GraphClient};
use super::graph_error::GraphError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageIdentity {
    Page {
        id: String,
        name: String,
    },
    /// Meta refused the token: its message.
    Refused(String),
    /// No usable answer (connection, timeout, an integration URL that is not a Send API URL).
    Unreachable(String),
    /// The URL's host is not one Atende may call (see `domain::graph_hosts`): nothing sent.
    HostNotAllowed,
}

#[derive(Deserialize)]
struct Me {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

/// The `/me` URL next to the Send API URL `…/{version}/me/messages`.
fn me_url(integration_url: &str) -> Option<url::Url> {
    let mut url = url::Url::parse(integration_url).ok()?;
    let path = url.path().trim_end_matches('/').strip_suffix("/messages")?;
    if !path.ends_with("/me") {
        return None;
    }
    let path = path.to_owned();
    url.set_path(&path);
    Some(url)
}

impl GraphClient {
    pub async fn page_identity(&self, integration_url: &str, token: &SecretString) -> PageIdentity {
        let Some(mut url) = me_url(integration_url) else {
            return PageIdentity::Unreachable("not a …/me/messages URL".to_owned());
        };
        if !self.allowed(&url).await {
            return PageIdentity::HostNotAllowed;
        }
        url.query_pairs_mut()
            .append_pair("fields", "id,name")
            .append_pair("access_token", token.expose_secret());
        let response = match self.http.get(url).send().await {
            Ok(response) => response,
            Err(error) => return PageIdentity::Unreachable(describe(&error)),
        };
        let ok = response.status().is_success();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return PageIdentity::Unreachable(describe(&error)),
        };
        if ok {
            return match serde_json::from_slice::<Me>(&bytes) {
                Ok(me) => PageIdentity::Page {
                    id: me.id,
                    name: me.name,
                },
                Err(_) => PageIdentity::Unreachable("unexpected answer".to_owned()),
            };
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => PageIdentity::Refused(body.error.message),
            Err(_) => PageIdentity::Unreachable("unexpected answer".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::me_url;

    #[test]
    fn the_me_url_sits_next_to_the_send_api() {
        let url = me_url("https://graph.facebook.com/v21.0/me/messages").map(|u| u.to_string());
        assert_eq!(url.as_deref(), Some("https://graph.facebook.com/v21.0/me"));
        let sandbox = me_url("http://127.0.0.1:3000/sandbox/graph/v19.0/me/messages/");
        assert_eq!(
            sandbox.map(|u| u.to_string()).as_deref(),
            Some("http://127.0.0.1:3000/sandbox/graph/v19.0/me")
        );
        assert_eq!(
            me_url("https://graph.facebook.com/v21.0/12345/messages"),
            None
        );
        assert_eq!(me_url("https://example.com/hook"), None);
    }
}
