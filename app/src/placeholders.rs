//! The placeholders a service's messages may hold ({date} {time} {agent} {service}
//! {protocol}): checked when the admin saves, previewed in the admin, filled in at run time.

use std::collections::HashMap;

/// Every placeholder a message may use.
pub const NAMES: [&str; 5] = ["date", "time", "agent", "service", "protocol"];

/// The closing message when the service sets none.
pub const DEFAULT_CLOSING_PT_BR: &str = "Conversa concluída pelo atendente em {date} às {time}";
pub const DEFAULT_CLOSING_EN: &str = "Conversation closed by the agent on {date} at {time}";

/// Fills in the placeholders; `None` if the text names an unknown one or has a stray brace
/// (`{{` and `}}` write a brace).
pub fn render(template: &str, values: &HashMap<String, String>) -> Option<String> {
    strfmt::strfmt(template, values).ok()
}

/// Whether the text only names known placeholders.
pub fn is_valid(template: &str) -> bool {
    render(template, &sample_values()).is_some()
}

/// Example values, for the admin's preview and for checking a text.
pub fn sample_values() -> HashMap<String, String> {
    [
        ("date", "21/11/2026"),
        ("time", "14:30"),
        ("agent", "Ana"),
        ("service", "Loja"),
        ("protocol", "20261121-000042"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_closing_messages_fill_in_date_and_time() {
        let text = render(DEFAULT_CLOSING_PT_BR, &sample_values());
        assert_eq!(
            text.as_deref(),
            Some("Conversa concluída pelo atendente em 21/11/2026 às 14:30")
        );
        assert!(is_valid(DEFAULT_CLOSING_EN));
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_refused() {
        assert!(!is_valid("Olá {cliente}"));
        assert!(!is_valid("Olá {agent"));
        assert!(is_valid("Protocolo {protocol} {{literal}}"));
        assert_eq!(
            render("{{x}} {agent}", &sample_values()).as_deref(),
            Some("{x} Ana")
        );
    }
}
