//! What to do with a Send API failure: retry later (transient) or give up with a reason the
//! agent can read (permanent). Codes from Meta's error reference.

use crate::domain::delivery::FailureReason;

/// A Graph API error body: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct GraphError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: i64,
    pub error_subcode: Option<i64>,
    pub fbtrace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Retry,
    Fail(FailureReason),
}

/// Classifies an HTTP status and (when Meta sent one) its error body.
pub fn classify(status: u16, error: Option<&GraphError>) -> Verdict {
    if let Some(error) = error {
        match (error.code, error.error_subcode) {
            // 1 unknown, 2 service temporarily unavailable, 4 app rate limit, 17 user rate
            // limit, 32 page rate limit, 613 calls over the limit
            (1 | 2 | 4 | 17 | 32 | 613, _) => return Verdict::Retry,
            (10, _) | (_, Some(2018278)) => return Verdict::Fail(FailureReason::OutsideWindow),
            (551, _) => return Verdict::Fail(FailureReason::PersonUnavailable),
            (190, _) => return Verdict::Fail(FailureReason::InvalidToken),
            _ => {}
        }
    }
    match status {
        429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Fail(FailureReason::InvalidRequest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: i64, subcode: Option<i64>) -> GraphError {
        GraphError {
            message: "x".into(),
            code,
            error_subcode: subcode,
            fbtrace_id: None,
        }
    }

    #[test]
    fn rate_limits_and_transient_errors_are_retried() {
        for code in [2, 4, 613] {
            assert_eq!(
                classify(400, Some(&error(code, None))),
                Verdict::Retry,
                "code {code}"
            );
        }
        assert_eq!(classify(503, None), Verdict::Retry);
        assert_eq!(classify(429, None), Verdict::Retry);
    }

    #[test]
    fn window_availability_and_token_errors_fail_with_their_reason() {
        assert_eq!(
            classify(400, Some(&error(10, Some(2018278)))),
            Verdict::Fail(FailureReason::OutsideWindow)
        );
        assert_eq!(
            classify(400, Some(&error(551, None))),
            Verdict::Fail(FailureReason::PersonUnavailable)
        );
        assert_eq!(
            classify(400, Some(&error(190, None))),
            Verdict::Fail(FailureReason::InvalidToken)
        );
        assert_eq!(
            classify(400, Some(&error(100, None))),
            Verdict::Fail(FailureReason::InvalidRequest)
        );
        assert_eq!(
            classify(404, None),
            Verdict::Fail(FailureReason::InvalidRequest)
        );
    }
}
