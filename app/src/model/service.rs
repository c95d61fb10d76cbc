//! Services ("Serviços e processos > Cadastrar Serviço"): what the admin's service tabs edit.
//! The policy (times, survey, messages, classification) is one document the run time reads.

use serde::{Deserialize, Serialize};

/// Where the customers of a service write from (ManagerADM's integration type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    #[default]
    Messenger,
    Instagram,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Messenger, Channel::Instagram];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Messenger => "messenger",
            Channel::Instagram => "instagram",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// Meta serves each Graph API version for about two years: an integration URL naming an
/// older one than this gets a hint in the admin (Meta would move it up, or refuse it).
pub const OLDEST_CURRENT_GRAPH_VERSION: u32 = 22;

/// The major Graph API version an integration URL names ("…/v21.0/me/messages" → 21).
pub fn graph_version(url: &str) -> Option<u32> {
    url.split('/').find_map(|segment| {
        let (major, minor) = segment.strip_prefix('v')?.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(major) && digits(minor))
            .then(|| major.parse().ok())
            .flatten()
    })
}

/// The list's filters; `page` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServiceFilter {
    pub search: String,
    pub channel: Option<Channel>,
    pub active: Option<bool>,
    pub page: i64,
}

/// A service as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub id: i64,
    pub name: String,
    pub channel: Channel,
    pub cifra: String,
    pub active: bool,
    pub groups: Vec<String>,
    pub schedule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePage {
    pub services: Vec<ServiceSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A group serving the service, with the schedule it attends by (None: the service's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceGroup {
    pub group_id: i64,
    pub schedule_id: Option<i64>,
}

/// A service as its tabs show it. The page access token never leaves the server: only
/// whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDetail {
    pub id: i64,
    pub name: String,
    pub channel: Channel,
    pub cifra: String,
    pub active: bool,
    pub integration_url: String,
    pub token_set: bool,
    pub groups: Vec<ServiceGroup>,
    pub schedule_id: Option<i64>,
    pub policy: ServicePolicy,
    /// Only a service without conversations can be deleted.
    pub has_conversations: bool,
    pub version: i64,
}

/// What the service tabs send: a new service (`id` None) or changes to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceForm {
    pub id: Option<i64>,
    pub name: String,
    pub channel: Channel,
    pub cifra: String,
    pub active: bool,
    pub integration_url: String,
    /// A new page access token; None keeps the stored one.
    pub access_token: Option<String>,
    pub groups: Vec<ServiceGroup>,
    pub schedule_id: Option<i64>,
    pub policy: ServicePolicy,
    pub version: i64,
}

/// What a service's tabs can pick: the groups and the (active) schedules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChoices {
    pub groups: Vec<super::admin::Choice>,
    pub schedules: Vec<super::admin::Choice>,
}

/// The Integration tab's "Test connection": whose token it is, asked of the Graph API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionCheck {
    /// The token belongs to the page (or account) named by the cifra.
    Matches { name: String },
    /// The token works, but for another page.
    OtherPage { id: String, name: String },
    /// Meta refused the token (expired, revoked, malformed): its message.
    Refused { message: String },
    /// No answer from the integration URL.
    Unreachable,
    /// No token typed and none stored.
    NoToken,
}

/// What the service's tabs beyond registration configure. Missing fields take their
/// defaults, so older documents stay readable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePolicy {
    pub times: ServiceTimes,
    pub survey: Survey,
    pub messages: ServiceMessages,
    pub classification: Classification,
    /// Where a conversation goes once it has waited the queue wait limit (None: it stays).
    pub overflow_group_id: Option<i64>,
    /// The chatbot that talks to new conversations before a human (off by default).
    pub script: super::script::Script,
}

/// The service's custom times; None takes the default (`ServiceTimes::DEFAULTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceTimes {
    /// How long a customer waits in the queue before the queue message / overflow.
    pub queue_wait_minutes: Option<u32>,
    /// A customer silent this long is warned, then the conversation is closed.
    pub inactivity_close_minutes: Option<u32>,
    /// An agent who has not answered this long is alerted (the tile turns urgent).
    pub first_response_alert_minutes: Option<u32>,
    /// After closing, the position stays free of new chats this long.
    pub wrap_up_seconds: Option<u32>,
    /// How long the survey waits for each answer.
    pub survey_timeout_minutes: Option<u32>,
}

/// One of the custom times, to name it in forms and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeKind {
    QueueWait,
    InactivityClose,
    FirstResponseAlert,
    WrapUp,
    SurveyTimeout,
}

impl TimeKind {
    pub const ALL: [TimeKind; 5] = [
        TimeKind::QueueWait,
        TimeKind::InactivityClose,
        TimeKind::FirstResponseAlert,
        TimeKind::WrapUp,
        TimeKind::SurveyTimeout,
    ];

    /// The default, and the largest value accepted, in the kind's unit.
    pub fn default_and_max(self) -> (u32, u32) {
        match self {
            TimeKind::QueueWait => (10, 24 * 60),
            TimeKind::InactivityClose => (30, 7 * 24 * 60),
            TimeKind::FirstResponseAlert => (2, 24 * 60),
            TimeKind::WrapUp => (0, 3600),
            TimeKind::SurveyTimeout => (10, 24 * 60),
        }
    }

    /// Whether the value is in seconds (else minutes).
    pub fn in_seconds(self) -> bool {
        self == TimeKind::WrapUp
    }
}

impl ServiceTimes {
    pub fn get(&self, kind: TimeKind) -> Option<u32> {
        match kind {
            TimeKind::QueueWait => self.queue_wait_minutes,
            TimeKind::InactivityClose => self.inactivity_close_minutes,
            TimeKind::FirstResponseAlert => self.first_response_alert_minutes,
            TimeKind::WrapUp => self.wrap_up_seconds,
            TimeKind::SurveyTimeout => self.survey_timeout_minutes,
        }
    }

    pub fn set(&mut self, kind: TimeKind, value: Option<u32>) {
        let slot = match kind {
            TimeKind::QueueWait => &mut self.queue_wait_minutes,
            TimeKind::InactivityClose => &mut self.inactivity_close_minutes,
            TimeKind::FirstResponseAlert => &mut self.first_response_alert_minutes,
            TimeKind::WrapUp => &mut self.wrap_up_seconds,
            TimeKind::SurveyTimeout => &mut self.survey_timeout_minutes,
        };
        *slot = value;
    }

    /// The value in force: the custom one or the default.
    pub fn effective(&self, kind: TimeKind) -> u32 {
        self.get(kind).unwrap_or(kind.default_and_max().0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    #[default]
    None,
    /// One question: satisfaction from 1 to 5.
    Standard,
    /// The configured questions, in order.
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    #[default]
    Scale,
    YesNo,
    FreeText,
}

impl AnswerType {
    pub const ALL: [AnswerType; 3] = [AnswerType::Scale, AnswerType::YesNo, AnswerType::FreeText];
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveyQuestion {
    pub text: Localized,
    pub answer: AnswerType,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Survey {
    pub kind: SurveyKind,
    /// Custom surveys only, asked in this order.
    pub questions: Vec<SurveyQuestion>,
}

/// A text in each language the product speaks; the customer's language picks one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Localized {
    pub pt_br: String,
    pub en: String,
}

/// The messages the service sends on its own. An empty text means the default
/// (`placeholders::default_text`); the welcome and out-of-hours messages have none, so an empty
/// one is not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceMessages {
    pub closing: Localized,
    pub out_of_hours: Localized,
    pub welcome: Localized,
    pub queue: Localized,
    pub inactivity_warning: Localized,
    pub inactivity_close: Localized,
    pub survey_thanks: Localized,
}

/// One of the service's messages, to name it in forms and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Closing,
    OutOfHours,
    Welcome,
    Queue,
    InactivityWarning,
    InactivityClose,
    SurveyThanks,
}

impl MessageKind {
    pub const ALL: [MessageKind; 7] = [
        MessageKind::Closing,
        MessageKind::OutOfHours,
        MessageKind::Welcome,
        MessageKind::Queue,
        MessageKind::InactivityWarning,
        MessageKind::InactivityClose,
        MessageKind::SurveyThanks,
    ];
}

impl ServiceMessages {
    pub fn get(&self, kind: MessageKind) -> &Localized {
        match kind {
            MessageKind::Closing => &self.closing,
            MessageKind::OutOfHours => &self.out_of_hours,
            MessageKind::Welcome => &self.welcome,
            MessageKind::Queue => &self.queue,
            MessageKind::InactivityWarning => &self.inactivity_warning,
            MessageKind::InactivityClose => &self.inactivity_close,
            MessageKind::SurveyThanks => &self.survey_thanks,
        }
    }

    pub fn get_mut(&mut self, kind: MessageKind) -> &mut Localized {
        match kind {
            MessageKind::Closing => &mut self.closing,
            MessageKind::OutOfHours => &mut self.out_of_hours,
            MessageKind::Welcome => &mut self.welcome,
            MessageKind::Queue => &mut self.queue,
            MessageKind::InactivityWarning => &mut self.inactivity_warning,
            MessageKind::InactivityClose => &mut self.inactivity_close,
            MessageKind::SurveyThanks => &mut self.survey_thanks,
        }
    }
}

/// Classification codes the agent picks on closing (required or not).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Classification {
    pub codes: Vec<String>,
    pub required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_version_is_read_from_the_url() {
        assert_eq!(
            graph_version("https://graph.facebook.com/v11.0/me/messages"),
            Some(11)
        );
        assert_eq!(
            graph_version("http://127.0.0.1:3000/sandbox/graph/v19.0/me/messages"),
            Some(19)
        );
        assert_eq!(
            graph_version("https://graph.facebook.com/me/messages"),
            None
        );
        assert_eq!(graph_version("https://example.com/vx.1/me"), None);
    }
}
