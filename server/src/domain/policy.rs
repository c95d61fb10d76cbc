//! A service's policy: its times, survey, messages, classification codes, overflow group and
//! chatbot script. These types are also the document `services.policy` stores (and the
//! provisioning file's `policy:`): their serde names are the database's format, fixed by the
//! golden test in `service_policy.rs`. The browser has its own copies (`app::model::service`,
//! `app::model::script`), converted in `admin/policy_wire.rs`, so renaming a form's field never
//! changes what is stored.

use serde::{Deserialize, Serialize};

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
    pub script: Script,
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

// The chatbot script ("script de automação"): a greeting, an optional question whose answer
// is kept on the conversation, and a menu tree whose options lead to a group, a message or a
// sub-menu. A keyword reaches a human at any time.

/// Options a menu may have (numbered 1 to 9; Meta shows up to 13 quick replies).
pub const MAX_OPTIONS: usize = 9;
/// How deep sub-menus may nest.
pub const MAX_DEPTH: usize = 5;
/// Meta's limit for a quick reply's title.
pub const LABEL_MAX_CHARS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Script {
    /// Off: conversations go straight to the queue.
    pub enabled: bool,
    /// Options as quick-reply buttons (they are numbered in the text either way).
    pub buttons: bool,
    pub greeting: Localized,
    /// Asked after the greeting (e.g. "your order number?"); the answer is shown to the agent.
    pub question: Option<ScriptQuestion>,
    pub menu: Menu,
    /// Typed at any time, hands the customer to a human ("atendente").
    pub human_keyword: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptQuestion {
    pub text: Localized,
    /// What the agent sees next to the answer ("Pedido").
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Menu {
    pub prompt: Localized,
    pub options: Vec<MenuOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MenuOption {
    pub label: Localized,
    pub action: MenuAction,
}

/// Where an option leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MenuAction {
    /// To a human, in this group (None: the service's groups).
    Group {
        group_id: Option<i64>,
    },
    /// A message, then the same menu again.
    Message {
        text: Localized,
    },
    SubMenu {
        menu: Menu,
    },
}

impl Default for MenuAction {
    fn default() -> Self {
        MenuAction::Group { group_id: None }
    }
}

impl Menu {
    /// The menu at `path` (option indexes from the root), if there is one.
    pub fn at(&self, path: &[usize]) -> Option<&Menu> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => match &self.options.get(*first)?.action {
                MenuAction::SubMenu { menu } => menu.at(rest),
                _ => None,
            },
        }
    }
}
