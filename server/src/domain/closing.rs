//! What an agent's close must say, by the service's policy: a classification code where the
//! service has codes (one of them; required if the service says so), and the wrap-up time
//! during which the agent's position takes no new chat.

use chrono::{DateTime, Duration, Utc};

use crate::domain::policy::Classification;

/// Why a close was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClassificationError {
    #[error("the service requires a classification code")]
    Required,
    #[error("the classification code is not one of the service's")]
    Unknown,
}

/// A close as the policy allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTerms {
    /// The code picked, trimmed (None when none was picked).
    pub classification: Option<String>,
    /// Until then the position takes no new chat (None: no wrap-up).
    pub wrap_up_until: Option<DateTime<Utc>>,
}

pub fn terms(
    rules: &Classification,
    wrap_up_seconds: Option<u32>,
    picked: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CloseTerms, ClassificationError> {
    let picked = picked.map(str::trim).filter(|code| !code.is_empty());
    match picked {
        Some(code) if !rules.codes.iter().any(|known| known == code) => {
            return Err(ClassificationError::Unknown)
        }
        None if rules.required && !rules.codes.is_empty() => {
            return Err(ClassificationError::Required)
        }
        _ => {}
    }
    let wrap_up = wrap_up_seconds.filter(|seconds| *seconds > 0);
    Ok(CloseTerms {
        classification: picked.map(str::to_owned),
        wrap_up_until: wrap_up.map(|seconds| now + Duration::seconds(i64::from(seconds))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(codes: &[&str], required: bool) -> Classification {
        Classification {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            required,
        }
    }

    #[test]
    fn a_code_must_be_one_of_the_services_and_is_trimmed() {
        let now = Utc::now();
        let venda = rules(&["Venda", "Dúvida"], false);
        let terms_of = |picked| terms(&venda, None, picked, now);
        assert_eq!(
            terms_of(Some("  Venda ")).map(|t| t.classification),
            Ok(Some("Venda".to_owned()))
        );
        assert_eq!(terms_of(Some("venda")), Err(ClassificationError::Unknown));
        assert_eq!(terms_of(Some("   ")).map(|t| t.classification), Ok(None));
        assert_eq!(terms_of(None).map(|t| t.classification), Ok(None));
    }

    #[test]
    fn a_required_code_is_required_only_where_the_service_has_codes() {
        let now = Utc::now();
        let required = rules(&["Venda"], true);
        assert_eq!(
            terms(&required, None, None, now),
            Err(ClassificationError::Required)
        );
        assert_eq!(
            terms(&required, None, Some(" "), now),
            Err(ClassificationError::Required)
        );
        let no_codes = rules(&[], true);
        assert!(terms(&no_codes, None, None, now).is_ok());
        assert_eq!(
            terms(&no_codes, None, Some("Venda"), now),
            Err(ClassificationError::Unknown)
        );
    }

    #[test]
    fn the_wrap_up_runs_from_the_close_and_zero_means_none() {
        let now = Utc::now();
        let none = rules(&[], false);
        let wrap = |seconds| terms(&none, seconds, None, now).map(|t| t.wrap_up_until);
        assert_eq!(wrap(Some(30)), Ok(Some(now + Duration::seconds(30))));
        assert_eq!(wrap(Some(0)), Ok(None));
        assert_eq!(wrap(None), Ok(None));
    }
}
