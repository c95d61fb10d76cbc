//! Sending an outbound message, for any channel: why one fails for good (a reason the agent
//! can read) and how long a transient failure waits before the next attempt.

use std::time::Duration;

/// Why a message could not be delivered; the channel adapter maps its errors onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// Outside the channel's messaging window.
    OutsideWindow,
    /// The person is not available right now.
    PersonUnavailable,
    /// The service's access token is invalid, expired or missing.
    InvalidToken,
    /// The channel refused the message as sent.
    InvalidRequest,
    /// Retries ran out on transient errors.
    GaveUp,
}

impl FailureReason {
    /// A stable code the console translates.
    pub fn code(&self) -> &'static str {
        match self {
            FailureReason::OutsideWindow => "outside_window",
            FailureReason::PersonUnavailable => "person_unavailable",
            FailureReason::InvalidToken => "invalid_token",
            FailureReason::InvalidRequest => "invalid_request",
            FailureReason::GaveUp => "gave_up",
        }
    }
}

/// After this many transient failures a message fails with `GaveUp`.
pub const MAX_ATTEMPTS: u32 = 12;

/// Exponential backoff with full jitter: attempt 1 waits up to 1 s, doubling to a 5 min cap.
/// `unit` in [0, 1) is the random draw, passed in so the policy stays testable.
pub fn backoff(attempt: u32, unit: f64) -> Duration {
    let ceiling = 2f64
        .powi(attempt.saturating_sub(1).min(20) as i32)
        .min(300.0);
    Duration::from_secs_f64(ceiling * unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_and_jitters_below_it() {
        assert_eq!(backoff(1, 0.999_999).as_millis(), 999);
        assert_eq!(backoff(4, 0.5), Duration::from_secs(4));
        assert_eq!(backoff(30, 1.0), Duration::from_secs(300));
        assert_eq!(backoff(3, 0.0), Duration::ZERO);
    }
}
