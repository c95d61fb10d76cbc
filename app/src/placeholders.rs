//! The placeholders a service's messages may hold ({date} {time} {agent} {service}
//! {protocol}): checked when the admin saves, previewed in the admin, filled in at run time.

use std::collections::HashMap;

use crate::model::service::MessageKind;

/// Every placeholder a message may use.
pub const NAMES: [&str; 5] = ["date", "time", "agent", "service", "protocol"];

/// The closing message when the service sets none.
pub const DEFAULT_CLOSING_PT_BR: &str = "Conversa concluída pelo atendente em {date} às {time}";
pub const DEFAULT_CLOSING_EN: &str = "Conversation closed by the agent on {date} at {time}";

/// The text sent when a service leaves a message empty, in Portuguese and English; `None` for
/// the messages that are then not sent at all.
pub fn default_text(kind: MessageKind) -> Option<(&'static str, &'static str)> {
    match kind {
        MessageKind::Closing => Some((DEFAULT_CLOSING_PT_BR, DEFAULT_CLOSING_EN)),
        MessageKind::Queue => Some((
            "Todos os nossos atendentes ainda estão ocupados. Você continua na fila e logo será atendido.",
            "All our agents are still busy. You are still in the queue and will be answered soon.",
        )),
        MessageKind::InactivityWarning => Some((
            "Você ainda está aí? Sem resposta, esta conversa será encerrada em breve.",
            "Are you still there? Without an answer this conversation will be closed soon.",
        )),
        MessageKind::InactivityClose => Some((
            "Conversa encerrada por falta de resposta em {date} às {time}. Protocolo {protocol}.",
            "Conversation closed for lack of an answer on {date} at {time}. Protocol {protocol}.",
        )),
        MessageKind::SurveyThanks => Some((
            "Obrigado pela sua avaliação!",
            "Thank you for your feedback!",
        )),
        MessageKind::Welcome | MessageKind::OutOfHours => None,
    }
}

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
        for kind in MessageKind::ALL {
            if let Some((pt_br, en)) = default_text(kind) {
                assert!(is_valid(pt_br) && is_valid(en), "{kind:?}");
            }
        }
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
