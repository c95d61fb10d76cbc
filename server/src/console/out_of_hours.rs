//! The out-of-hours folder: conversations that came in while their service was closed, and
//! resuming one by an active contact. The agent's answer then goes out as RESPONSE within 24
//! hours of the customer's last message, with the HUMAN_AGENT tag up to 7 days, and not later.

use app::error::AppError;
use app::model::console::{OutOfHoursConversation, OutOfHoursFilter, ReplyWindow};
use chrono::{DateTime, NaiveDate, Utc};

use super::ConsoleService;
use crate::conversation::handover;
use crate::domain::contact_name;
use crate::domain::messaging_window::{
    send_mode, SendMode, Writer, HUMAN_AGENT_WINDOW, STANDARD_WINDOW,
};
use crate::domain::protocol::protocol;
use crate::error::internal;
use crate::store::{from_millis, out_of_hours as queries};

const LIST_LIMIT: i64 = 200;

impl ConsoleService {
    /// How the agent may answer now, given the customer's last message.
    pub(super) fn reply_window(
        &self,
        last_customer: Option<i64>,
        now: DateTime<Utc>,
    ) -> ReplyWindow {
        let last = last_customer.map(from_millis);
        match (send_mode(last, now, Writer::Human), last) {
            (Ok(SendMode::Response), Some(last)) => ReplyWindow::Standard {
                until: self.local((last + STANDARD_WINDOW).timestamp_millis()),
            },
            (Ok(SendMode::HumanAgentTag), Some(last)) => ReplyWindow::HumanAgent {
                until: self.local((last + HUMAN_AGENT_WINDOW).timestamp_millis()),
            },
            _ => ReplyWindow::Closed,
        }
    }

    pub(super) async fn out_of_hours_list(
        &self,
        agent_id: i64,
        filter: OutOfHoursFilter,
    ) -> Result<Vec<OutOfHoursConversation>, AppError> {
        let day = match filter
            .day
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => None,
            Some(day) => {
                let date =
                    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| AppError::Invalid {
                        field: app::error::Field::Date,
                    })?;
                let start = |d: NaiveDate| {
                    d.and_hms_opt(0, 0, 0)
                        .and_then(|t| t.and_local_timezone(self.time_zone).earliest())
                        .map(|t| t.with_timezone(&Utc))
                };
                let next = date.succ_opt().and_then(start);
                start(date).zip(next)
            }
        };
        let rows = queries::list(
            self.store.pool(),
            agent_id,
            filter.service_id,
            day,
            LIST_LIMIT,
        )
        .await
        .map_err(internal)?;
        let now = Utc::now();
        Ok(rows
            .into_iter()
            .map(|row| OutOfHoursConversation {
                id: row.id,
                protocol: protocol(row.id, from_millis(row.opened_at), self.time_zone),
                contact_name: contact_name::profile_name(
                    row.first_name.as_deref(),
                    row.last_name.as_deref(),
                ),
                contact_external_id: row.external_id,
                service_id: row.service_id,
                service_name: row.service_name,
                channel: row.channel,
                opened_at: self.local(row.opened_at),
                last_text: row.last_text.map(|t| t.chars().take(140).collect()),
                reply: self.reply_window(row.last_customer_message_at, now),
            })
            .collect())
    }

    /// Assigns the conversation to the agent (the core checks their groups, Meta's 7 days
    /// and their positions).
    pub(super) async fn resume_out_of_hours(
        &self,
        agent_id: i64,
        conversation_id: i64,
    ) -> Result<(), AppError> {
        handover::resume(&self.router, (conversation_id, agent_id), Utc::now())
            .await
            .map_err(super::handover::refusal)?;
        self.live.bump();
        Ok(())
    }
}
