//! Meta's messaging window: within 24 hours of the customer's last message a page may answer
//! freely (`RESPONSE`); a human agent may still answer for up to 7 days with the `HUMAN_AGENT`
//! tag; after that, or for automated messages after 24 hours, Meta refuses the send, so we
//! refuse it first, with the reason.

use chrono::{DateTime, Duration, Utc};

pub const STANDARD_WINDOW: Duration = Duration::hours(24);
pub const HUMAN_AGENT_WINDOW: Duration = Duration::days(7);

/// Who wrote the message: the `HUMAN_AGENT` tag is only for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Human,
    Automated,
}

/// How a message may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    /// `messaging_type: RESPONSE`.
    Response,
    /// `messaging_type: MESSAGE_TAG`, `tag: HUMAN_AGENT`.
    HumanAgentTag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowRefusal {
    /// The customer never wrote: a page cannot start a Messenger conversation.
    NoCustomerMessage,
    /// Automated messages only within 24 hours.
    AutomatedAfter24Hours,
    /// Nobody may answer after 7 days.
    After7Days,
}

/// The send mode for a message written by `writer` at `now`, or why it cannot be sent.
pub fn send_mode(
    last_customer_message_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    writer: Writer,
) -> Result<SendMode, WindowRefusal> {
    let last = last_customer_message_at.ok_or(WindowRefusal::NoCustomerMessage)?;
    let elapsed = now - last;
    if elapsed < STANDARD_WINDOW {
        return Ok(SendMode::Response);
    }
    match writer {
        Writer::Automated => Err(WindowRefusal::AutomatedAfter24Hours),
        Writer::Human if elapsed < HUMAN_AGENT_WINDOW => Ok(SendMode::HumanAgentTag),
        Writer::Human => Err(WindowRefusal::After7Days),
    }
}

/// When the current mode stops applying (for the console's countdown).
pub fn window_closes_at(
    last_customer_message_at: DateTime<Utc>,
    writer: Writer,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let standard = last_customer_message_at + STANDARD_WINDOW;
    let human = last_customer_message_at + HUMAN_AGENT_WINDOW;
    match writer {
        _ if now < standard => Some(standard),
        Writer::Human if now < human => Some(human),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .expect("date")
            .with_timezone(&Utc)
            + Duration::hours(hours)
    }

    #[test]
    fn within_24_hours_everyone_answers_as_a_response() {
        let last = Some(at(0));
        assert_eq!(
            send_mode(last, at(0), Writer::Automated),
            Ok(SendMode::Response)
        );
        assert_eq!(
            send_mode(last, at(23) + Duration::minutes(59), Writer::Human),
            Ok(SendMode::Response)
        );
    }

    #[test]
    fn from_24_hours_to_7_days_only_people_answer_with_the_human_agent_tag() {
        let last = Some(at(0));
        assert_eq!(
            send_mode(last, at(24), Writer::Human),
            Ok(SendMode::HumanAgentTag)
        );
        assert_eq!(
            send_mode(last, at(24), Writer::Automated),
            Err(WindowRefusal::AutomatedAfter24Hours)
        );
        assert_eq!(
            send_mode(last, at(7 * 24) - Duration::seconds(1), Writer::Human),
            Ok(SendMode::HumanAgentTag)
        );
    }

    #[test]
    fn after_7_days_or_before_any_customer_message_nothing_goes_out() {
        assert_eq!(
            send_mode(Some(at(0)), at(7 * 24), Writer::Human),
            Err(WindowRefusal::After7Days)
        );
        assert_eq!(
            send_mode(None, at(0), Writer::Human),
            Err(WindowRefusal::NoCustomerMessage)
        );
    }

    #[test]
    fn the_countdown_points_at_the_end_of_the_mode_in_force() {
        assert_eq!(window_closes_at(at(0), Writer::Human, at(1)), Some(at(24)));
        assert_eq!(
            window_closes_at(at(0), Writer::Human, at(30)),
            Some(at(7 * 24))
        );
        assert_eq!(window_closes_at(at(0), Writer::Automated, at(30)), None);
        assert_eq!(window_closes_at(at(0), Writer::Human, at(8 * 24)), None);
    }
}
