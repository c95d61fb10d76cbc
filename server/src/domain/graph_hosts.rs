//! Where Atende may send a page's access token: Meta's Graph hosts, the sandbox's own address
//! when the sandbox is on, and hosts an admin added to the allowlist. Anything else is refused
//! before a request is made, so that a typed integration URL can never carry a stored token
//! (or any request) to a host of an attacker's choosing.

use url::Url;

/// Meta's Graph API hosts (Facebook Login and Instagram Login), always over https.
pub const META_GRAPH_HOSTS: [&str; 2] = ["graph.facebook.com", "graph.instagram.com"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphHostError {
    #[error("line {line}: a host is a name or address, optionally with :port")]
    NotAHost { line: usize },
}

/// One allowlist entry: a host, and the port when one is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRule {
    host: String,
    port: Option<u16>,
}

impl HostRule {
    pub fn parse(raw: &str) -> Option<HostRule> {
        let raw = raw.trim().to_lowercase();
        if raw.is_empty() || raw.contains(['/', '?', '#', '@', ' ']) {
            return None;
        }
        // Parsed as a URL so that names, IPv4 and [IPv6] follow the same rules as requests.
        let url = Url::parse(&format!("http://{raw}")).ok()?;
        let host = url.host_str()?.to_owned();
        Some(HostRule {
            host,
            port: url.port(),
        })
    }

    fn matches(&self, url: &Url) -> bool {
        url.host_str() == Some(self.host.as_str())
            && self
                .port
                .is_none_or(|port| url.port_or_known_default() == Some(port))
    }
}

impl std::fmt::Display for HostRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// An admin's allowlist as typed: one host per line (commas also separate); blank lines skip.
pub fn parse_list(text: &str) -> Result<Vec<HostRule>, GraphHostError> {
    let mut rules = Vec::new();
    for (index, entry) in text.split(['\n', ',']).enumerate() {
        if entry.trim().is_empty() {
            continue;
        }
        let rule = HostRule::parse(entry).ok_or(GraphHostError::NotAHost { line: index + 1 })?;
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// Everything allowed on this instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphHosts {
    /// The sandbox's origins (`scheme://host:port`), when the sandbox is on.
    pub sandbox: Vec<String>,
    /// From the configuration (`graph_hosts`) and the general settings.
    pub extra: Vec<HostRule>,
}

impl GraphHosts {
    pub fn allows(&self, url: &Url) -> bool {
        let meta = url.scheme() == "https"
            && url.port().is_none()
            && url
                .host_str()
                .is_some_and(|h| META_GRAPH_HOSTS.contains(&h));
        let web = matches!(url.scheme(), "http" | "https");
        meta || self
            .sandbox
            .iter()
            .any(|origin| url.origin().ascii_serialization() == *origin)
            || (web && self.extra.iter().any(|rule| rule.matches(url)))
    }

    pub fn allows_str(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| self.allows(&url))
    }
}

/// Whether two URLs name the same origin (scheme, host and port): a stored token may be
/// tested against a new URL only on the origin it was saved for.
pub fn same_origin(one: &str, other: &str) -> bool {
    match (Url::parse(one), Url::parse(other)) {
        (Ok(one), Ok(other)) => one.origin() == other.origin(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(extra: &str) -> GraphHosts {
        GraphHosts {
            sandbox: vec!["http://127.0.0.1:3000".to_owned()],
            extra: parse_list(extra).expect("list"),
        }
    }

    #[test]
    fn meta_hosts_over_https_are_always_allowed() {
        let allowed = hosts("");
        assert!(allowed.allows_str("https://graph.facebook.com/v22.0/me/messages"));
        assert!(allowed.allows_str("https://graph.instagram.com/v22.0/me/messages"));
        assert!(!allowed.allows_str("http://graph.facebook.com/v22.0/me/messages"));
        assert!(!allowed.allows_str("https://graph.facebook.com:8443/v22.0/me/messages"));
        assert!(!allowed.allows_str("https://graph.facebook.com.evil.example/v22.0/me"));
        assert!(!allowed.allows_str("https://evil.example/graph.facebook.com"));
    }

    #[test]
    fn the_sandbox_is_allowed_on_its_own_origin_only() {
        let allowed = hosts("");
        assert!(allowed.allows_str("http://127.0.0.1:3000/sandbox/graph/v22.0/me/messages"));
        assert!(!allowed.allows_str("http://127.0.0.1:9999/collect"));
        assert!(!allowed.allows_str("http://localhost:3000/sandbox/graph/v22.0/me/messages"));
    }

    #[test]
    fn an_admin_allowlist_adds_hosts_with_or_without_a_port() {
        let allowed = hosts("graph.proxy.example\n10.0.0.7:8080, [::1]:9000");
        assert!(allowed.allows_str("https://graph.proxy.example/v22.0/me/messages"));
        assert!(allowed.allows_str("http://graph.proxy.example:81/v22.0/me/messages"));
        assert!(allowed.allows_str("http://10.0.0.7:8080/v22.0/me/messages"));
        assert!(!allowed.allows_str("http://10.0.0.7:8081/v22.0/me/messages"));
        assert!(allowed.allows_str("http://[::1]:9000/x"));
        assert!(!allowed.allows_str("ftp://graph.proxy.example/x"));
    }

    #[test]
    fn a_list_refuses_what_is_not_a_host() {
        assert_eq!(
            parse_list("ok.example\nhttps://bad.example/path"),
            Err(GraphHostError::NotAHost { line: 2 })
        );
        assert_eq!(parse_list(" \n\n").map(|l| l.len()), Ok(0));
        let rules = parse_list("A.Example, a.example").expect("list");
        assert_eq!(rules.len(), 1, "case and duplicates fold");
        assert_eq!(rules[0].to_string(), "a.example");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            "https://graph.facebook.com/v19.0/me/messages",
            "https://graph.facebook.com/v22.0/me/messages"
        ));
        assert!(!same_origin(
            "https://graph.facebook.com/v22.0/me/messages",
            "http://127.0.0.1:9/v22.0/me/messages"
        ));
    }
}
