//! The audit log's codes (records, actions, fields) in the reader's language. A code not
//! listed is shown as it is stored.

use crate::i18n::*;

pub fn term(locale: Locale, code: &str) -> Option<&'static str> {
    Some(match code {
        // records
        "user" => td_string!(locale, audit_terms.user),
        "group" => td_string!(locale, audit_terms.group),
        "pause_reason" => td_string!(locale, fields.pause_reason),
        "service" => td_string!(locale, audit_terms.service),
        "schedule" => td_string!(locale, fields.schedule),
        "settings" => td_string!(locale, admin.nav.settings),
        // actions
        "create" => td_string!(locale, audit_terms.create),
        "update" => td_string!(locale, audit_terms.update),
        "enable" => td_string!(locale, audit_terms.enable),
        "disable" => td_string!(locale, audit_terms.disable),
        "delete" => td_string!(locale, audit_terms.delete),
        "reset_password" => td_string!(locale, audit_terms.reset_password),
        // fields
        "name" => td_string!(locale, fields.name),
        "username" => td_string!(locale, fields.username),
        "display_name" => td_string!(locale, fields.display_name),
        "role" => td_string!(locale, fields.role),
        "locale" => td_string!(locale, fields.locale),
        "positions" => td_string!(locale, fields.positions),
        "answer_mode" => td_string!(locale, fields.answer_mode),
        "groups" => td_string!(locale, fields.groups),
        "members" => td_string!(locale, fields.members),
        "services" => td_string!(locale, fields.services),
        "active" => td_string!(locale, audit_terms.active),
        "channel" => td_string!(locale, fields.channel),
        "cifra" => td_string!(locale, fields.cifra),
        "integration_url" => td_string!(locale, fields.integration_url),
        "access_token" => td_string!(locale, fields.access_token),
        "policy" => td_string!(locale, audit_terms.policy),
        "time_zone" => td_string!(locale, fields.time_zone),
        "intervals" => td_string!(locale, fields.intervals),
        "exceptions" => td_string!(locale, fields.exceptions),
        "external_url" => td_string!(locale, fields.external_url),
        "internal_url" => td_string!(locale, fields.internal_url),
        "app_secret" => td_string!(locale, fields.app_secret),
        "attachment_max_mb" => td_string!(locale, fields.attachment_limit),
        "sandbox_enabled" => td_string!(locale, admin.settings.sandbox),
        "verify_token" => td_string!(locale, admin.settings.verify_token),
        _ => return None,
    })
}

/// The term, or the code itself.
pub fn term_or_code(locale: Locale, code: &str) -> String {
    term(locale, code).map_or_else(|| code.to_owned(), str::to_owned)
}
