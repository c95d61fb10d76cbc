//! Dates and times in the user's language. The pattern is part of the catalogue
//! (`formats.datetime`), so each locale writes dates its own way.

use chrono::{DateTime, FixedOffset};

use crate::i18n::{td_string, Locale};

pub fn format_datetime(locale: Locale, at: DateTime<FixedOffset>) -> String {
    at.format(td_string!(locale, formats.datetime)).to_string()
}

/// The time of day only (messages, tiles).
pub fn format_time(locale: Locale, at: DateTime<FixedOffset>) -> String {
    at.format(td_string!(locale, formats.time)).to_string()
}

/// Now, in epoch milliseconds, on either side (the browser's clock in the console).
pub fn now_millis() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A countdown as "5h 07m", "12m" or "45s" (the window's remaining time, an offer's).
pub fn format_remaining(millis: i64) -> String {
    let seconds = (millis.max(0) + 999) / 1000;
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m"),
        _ => format!("{hours}h {minutes:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-21T14:05:00-03:00").expect("valid date")
    }

    #[test]
    fn brazilian_portuguese_writes_day_month_year_and_24_hours() {
        assert_eq!(
            format_datetime(Locale::pt_BR, sample()),
            "21/11/2026 às 14:05"
        );
    }

    #[test]
    fn english_writes_the_month_name_and_12_hours() {
        assert_eq!(
            format_datetime(Locale::en, sample()),
            "Nov 21, 2026 at 2:05 PM"
        );
    }

    #[test]
    fn countdowns_show_the_largest_units_that_matter() {
        assert_eq!(format_remaining(86_400_000 - 60_000), "23h 59m");
        assert_eq!(format_remaining(3 * 60_000 + 10), "3m");
        assert_eq!(format_remaining(45_000), "45s");
        assert_eq!(format_remaining(-5), "0s");
    }
}
