//! Determines the client's IP (for login throttling and logs) once per request.

use std::net::SocketAddr;
use std::sync::Arc;

use app::server::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::Settings;

pub async fn client_ip(
    State(settings): State<Arc<Settings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let forwarded = settings
        .trust_forwarded_for
        .then(|| last_forwarded_hop(request.headers()))
        .flatten();
    let ip = forwarded
        .or(peer)
        .map(|ip| throttle_key(&ip))
        .unwrap_or_else(|| "unknown".to_owned());
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

/// One key per client: an IPv4 address, or the /64 network of an IPv6 address (one customer
/// line gets a whole /64, so single v6 addresses are free to rotate).
fn throttle_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        _ => ip.to_owned(),
    }
}

/// The hop our trusted proxy appended: the last entry of `X-Forwarded-For`.
fn last_forwarded_hop(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let hop = value.rsplit(',').next()?.trim();
    hop.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_network() {
        assert_eq!(throttle_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(throttle_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(throttle_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(throttle_key("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn the_last_forwarded_hop_is_taken_and_must_be_an_ip() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().expect("header"),
        );
        assert_eq!(
            last_forwarded_hop(&headers).as_deref(),
            Some("198.51.100.7")
        );
        headers.insert("x-forwarded-for", "not-an-ip".parse().expect("header"));
        assert_eq!(last_forwarded_hop(&headers), None);
    }
}
