//! Service registration values (ManagerADM "Cadastrar Serviço"), valid once parsed.

use thiserror::Error;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ServiceError {
    #[error("the service name is required and has at most 100 characters")]
    Name,
    #[error("the cifra is the page (or Instagram account) ID: digits only, at most 32")]
    Cifra,
    #[error("the integration URL must be an http(s) URL such as https://graph.facebook.com/v19.0/me/messages")]
    IntegrationUrl,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceName(String);

impl ServiceName {
    pub fn parse(raw: &str) -> Result<ServiceName, ServiceError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ServiceError::Name);
        }
        Ok(ServiceName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Facebook page ID (the digits in the page's URL) or Instagram account ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cifra(String);

impl Cifra {
    pub fn parse(raw: &str) -> Result<Cifra, ServiceError> {
        let digits = raw.trim();
        if digits.is_empty() || digits.len() > 32 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::Cifra);
        }
        Ok(Cifra(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Graph Send API URL, with its version (or the sandbox's stand-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationUrl(Url);

impl IntegrationUrl {
    pub fn parse(raw: &str) -> Result<IntegrationUrl, ServiceError> {
        let url = Url::parse(raw.trim()).map_err(|_| ServiceError::IntegrationUrl)?;
        let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
        if !web || url.query().is_some() || url.fragment().is_some() {
            return Err(ServiceError::IntegrationUrl);
        }
        Ok(IntegrationUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cifra_is_the_digits_of_the_page_id() {
        assert_eq!(
            Cifra::parse(" 104719482392816 ").map(|c| c.0),
            Ok("104719482392816".to_owned())
        );
        assert_eq!(
            Cifra::parse("facebook.com/104719"),
            Err(ServiceError::Cifra)
        );
        assert_eq!(Cifra::parse(""), Err(ServiceError::Cifra));
        assert_eq!(Cifra::parse(&"1".repeat(33)), Err(ServiceError::Cifra));
    }

    #[test]
    fn the_integration_url_is_a_web_url_without_a_query() {
        assert!(IntegrationUrl::parse("https://graph.facebook.com/v11.0/me/messages").is_ok());
        assert!(
            IntegrationUrl::parse("http://127.0.0.1:3000/sandbox/graph/v19.0/me/messages").is_ok()
        );
        assert_eq!(
            IntegrationUrl::parse("ftp://graph.facebook.com/x"),
            Err(ServiceError::IntegrationUrl)
        );
        assert_eq!(
            IntegrationUrl::parse("https://graph.facebook.com/v11.0/me/messages?access_token=x"),
            Err(ServiceError::IntegrationUrl),
            "the token never goes in the stored URL"
        );
    }

    #[test]
    fn service_names_are_required_and_bounded() {
        assert!(ServiceName::parse("Atendimento Loja").is_ok());
        assert_eq!(ServiceName::parse("  "), Err(ServiceError::Name));
        assert_eq!(
            ServiceName::parse(&"n".repeat(101)),
            Err(ServiceError::Name)
        );
    }
}
