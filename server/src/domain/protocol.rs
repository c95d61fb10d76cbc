//! A conversation's protocol number: the date it opened (in the installation's zone) and its
//! id, e.g. "20261121-000042". Shown to the agent, usable in messages as {protocol}, unique
//! because the id is.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub fn protocol(conversation_id: i64, opened_at: DateTime<Utc>, zone: Tz) -> String {
    let date = opened_at.with_timezone(&zone).format("%Y%m%d");
    format!("{date}-{conversation_id:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_protocol_is_the_local_opening_date_and_the_id() {
        let late = Utc
            .with_ymd_and_hms(2026, 11, 22, 1, 30, 0)
            .single()
            .expect("instant");
        let zone: Tz = "America/Sao_Paulo".parse().expect("zone");
        assert_eq!(
            protocol(42, late, zone),
            "20261121-000042",
            "still the 21st in São Paulo"
        );
        assert_eq!(
            protocol(1_234_567, late, chrono_tz::UTC),
            "20261122-1234567"
        );
    }
}
