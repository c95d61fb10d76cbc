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
}
