//! A service's chatbot script ("script de automação"): a greeting, an optional question whose
//! answer is kept on the conversation, and a menu tree whose options lead to a group, a
//! message or a sub-menu. A keyword reaches a human at any time.

use serde::{Deserialize, Serialize};

use super::service::Localized;

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

    pub fn at_mut(&mut self, path: &[usize]) -> Option<&mut Menu> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => match &mut self.options.get_mut(*first)?.action {
                MenuAction::SubMenu { menu } => menu.at_mut(rest),
                _ => None,
            },
        }
    }
}

/// One line of the admin's test chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreviewLine {
    Customer(String),
    Bot {
        text: String,
        buttons: Vec<String>,
    },
    /// The bot handed the customer to a human (in this group, if named).
    HandedOver {
        group: Option<String>,
        answer: Option<String>,
    },
}
