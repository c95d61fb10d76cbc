use leptos::prelude::*;

use crate::error::{AppError, Field};
use crate::i18n::*;

/// An `AppError` in the user's language.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    move || message(i18n.get_locale(), &error)
}

fn field_name(locale: Locale, field: Field) -> &'static str {
    match field {
        Field::Username => td_string!(locale, fields.username),
        Field::Password => td_string!(locale, fields.password),
        Field::DisplayName => td_string!(locale, fields.display_name),
        Field::Locale => td_string!(locale, fields.locale),
        Field::Message => td_string!(locale, fields.message),
        Field::PauseReason => td_string!(locale, fields.pause_reason),
        Field::TransferTarget => td_string!(locale, fields.transfer_target),
        Field::Attachment => td_string!(locale, fields.attachment),
        Field::Role => td_string!(locale, fields.role),
        Field::Positions => td_string!(locale, fields.positions),
        Field::AnswerMode => td_string!(locale, fields.answer_mode),
        Field::Groups => td_string!(locale, fields.groups),
        Field::Name => td_string!(locale, fields.name),
        Field::Members => td_string!(locale, fields.members),
        Field::Services => td_string!(locale, fields.services),
        Field::Channel => td_string!(locale, fields.channel),
        Field::Cifra => td_string!(locale, fields.cifra),
        Field::IntegrationUrl => td_string!(locale, fields.integration_url),
        Field::AccessToken => td_string!(locale, fields.access_token),
        Field::Schedule => td_string!(locale, fields.schedule),
        Field::TimeZone => td_string!(locale, fields.time_zone),
        Field::Intervals => td_string!(locale, fields.intervals),
        Field::Exceptions => td_string!(locale, fields.exceptions),
        Field::Times => td_string!(locale, fields.times),
        Field::SurveyQuestions => td_string!(locale, fields.survey_questions),
        Field::Messages => td_string!(locale, fields.messages),
        Field::ClassificationCodes => td_string!(locale, fields.classification_codes),
        Field::Script => td_string!(locale, fields.script),
        Field::ExternalUrl => td_string!(locale, fields.external_url),
        Field::InternalUrl => td_string!(locale, fields.internal_url),
        Field::AppSecret => td_string!(locale, fields.app_secret),
        Field::AttachmentLimit => td_string!(locale, fields.attachment_limit),
        Field::Date => td_string!(locale, fields.date),
        Field::GraphHosts => td_string!(locale, fields.graph_hosts),
        Field::Retention => td_string!(locale, fields.retention),
    }
}

pub fn message(locale: Locale, error: &AppError) -> String {
    match error {
        AppError::InvalidCredentials => td_string!(locale, errors.invalid_credentials).to_owned(),
        AppError::TooManyAttempts {
            retry_after_minutes,
        } => {
            td_string!(
                locale,
                errors.too_many_attempts,
                minutes = retry_after_minutes
            )
        }
        AppError::Required { field } => {
            td_string!(locale, errors.required, field = field_name(locale, *field))
        }
        AppError::TooLong { field, max } => {
            td_string!(
                locale,
                errors.too_long,
                field = field_name(locale, *field),
                max = max
            )
        }
        AppError::Invalid { field } => {
            td_string!(locale, errors.invalid, field = field_name(locale, *field))
        }
        AppError::HostNotAllowed { host } => {
            td_string!(locale, errors.host_not_allowed, host = host)
        }
        AppError::WeakPassword { min } => {
            td_string!(locale, errors.weak_password, min = min)
        }
        AppError::Unauthenticated => td_string!(locale, errors.unauthenticated).to_owned(),
        AppError::Forbidden => td_string!(locale, errors.forbidden).to_owned(),
        AppError::NotFound => td_string!(locale, errors.not_found).to_owned(),
        AppError::Conflict => td_string!(locale, errors.conflict).to_owned(),
        AppError::Taken { field } => {
            td_string!(locale, errors.taken, field = field_name(locale, *field))
        }
        AppError::InUse => td_string!(locale, errors.in_use).to_owned(),
        AppError::NoFreePosition => td_string!(locale, errors.no_free_position).to_owned(),
        AppError::WindowClosed => td_string!(locale, errors.window_closed).to_owned(),
        AppError::Internal => td_string!(locale, errors.internal).to_owned(),
        AppError::Request(_) => td_string!(locale, errors.request).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_reads_in_both_languages() {
        let error = AppError::TooLong {
            field: Field::Username,
            max: 64,
        };
        assert_eq!(
            message(Locale::en, &error),
            "Username accepts at most 64 characters."
        );
        assert_eq!(
            message(Locale::pt_BR, &error),
            "O campo Usuário aceita no máximo 64 caracteres."
        );
        let locked = AppError::TooManyAttempts {
            retry_after_minutes: 3,
        };
        assert!(message(Locale::pt_BR, &locked).contains("3 minuto"));
    }
}
