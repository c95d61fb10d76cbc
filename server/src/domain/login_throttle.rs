//! Login throttling: once the attempts in a sliding window (failures, plus the attempt being
//! made) go over the limit, per account name or per client IP, attempts are refused until the
//! oldest failure leaves the window.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_per_account: u32,
    pub max_per_ip: u32,
    pub window: Duration,
}

/// Recent attempts for one key, the current one included.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecentFailures {
    pub count: u32,
    pub oldest: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; the caller may try again after this long.
    Locked {
        retry_after: Duration,
    },
}

impl ThrottlePolicy {
    /// The start of the window that counts at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    pub fn check(
        &self,
        now: DateTime<Utc>,
        account: RecentFailures,
        ip: RecentFailures,
    ) -> Verdict {
        let waits = [(account, self.max_per_account), (ip, self.max_per_ip)]
            .into_iter()
            .filter(|(attempts, max)| attempts.count > *max)
            .map(|(failures, _)| self.wait_until_unlocked(now, failures));
        match waits.max() {
            Some(retry_after) => Verdict::Locked { retry_after },
            None => Verdict::Allowed,
        }
    }

    fn wait_until_unlocked(&self, now: DateTime<Utc>, failures: RecentFailures) -> Duration {
        let oldest = failures.oldest.unwrap_or(now);
        (oldest + self.window - now).max(Duration::seconds(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            max_per_account: 5,
            max_per_ip: 20,
            window: Duration::minutes(15),
        }
    }

    fn failures(count: u32, minutes_ago: i64, now: DateTime<Utc>) -> RecentFailures {
        RecentFailures {
            count,
            oldest: Some(now - Duration::minutes(minutes_ago)),
        }
    }

    #[test]
    fn allows_below_both_limits() {
        let now = Utc::now();
        assert_eq!(
            policy().check(now, failures(5, 10, now), failures(20, 10, now)),
            Verdict::Allowed
        );
    }

    #[test]
    fn locks_an_account_at_its_limit_until_the_oldest_failure_expires() {
        let now = Utc::now();
        let verdict = policy().check(now, failures(6, 10, now), RecentFailures::default());
        assert_eq!(
            verdict,
            Verdict::Locked {
                retry_after: Duration::minutes(5)
            }
        );
    }

    #[test]
    fn locks_an_ip_at_its_limit_whatever_the_account() {
        let now = Utc::now();
        let verdict = policy().check(now, RecentFailures::default(), failures(21, 1, now));
        assert_eq!(
            verdict,
            Verdict::Locked {
                retry_after: Duration::minutes(14)
            }
        );
    }

    #[test]
    fn the_longer_wait_wins_when_both_are_locked() {
        let now = Utc::now();
        let verdict = policy().check(now, failures(6, 14, now), failures(21, 2, now));
        assert_eq!(
            verdict,
            Verdict::Locked {
                retry_after: Duration::minutes(13)
            }
        );
    }
}
