//! The one place where the domain's enums meet their stored codes. Each enum is read and
//! written as its code (TEXT) by sqlx, so rows carry the enum and no caller compares strings;
//! a code the enum does not know is a decoding error, not a silent default.

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::conversation::ConversationStatus;
use crate::domain::ids::{AgentId, ConversationId, GroupId};
use crate::domain::routing::{AnswerMode, Presence};

/// An enum stored as a fixed text code.
pub trait StoredCode: Sized + Copy + 'static {
    const ALL: &'static [Self];

    fn code(self) -> &'static str;

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.code() == code)
    }
}

impl StoredCode for ConversationStatus {
    const ALL: &'static [Self] = &[
        ConversationStatus::Queued,
        ConversationStatus::Assigned,
        ConversationStatus::OutOfHours,
        ConversationStatus::Closed,
    ];

    fn code(self) -> &'static str {
        match self {
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::OutOfHours => "out_of_hours",
            ConversationStatus::Closed => "closed",
        }
    }
}

impl StoredCode for Presence {
    const ALL: &'static [Self] = &[Presence::Offline, Presence::Operating, Presence::Paused];

    fn code(self) -> &'static str {
        match self {
            Presence::Offline => "offline",
            Presence::Operating => "operating",
            Presence::Paused => "paused",
        }
    }
}

/// Also the provisioning file's spelling (`answer_mode: manual`).
impl StoredCode for AnswerMode {
    const ALL: &'static [Self] = &[AnswerMode::Automatic, AnswerMode::Manual];

    fn code(self) -> &'static str {
        match self {
            AnswerMode::Automatic => "automatic",
            AnswerMode::Manual => "manual",
        }
    }
}

macro_rules! stored_as_text {
    ($($enum:ty),*) => {$(
        impl Type<Any> for $enum {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <str as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $enum {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Any>>::encode(self.code(), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $enum {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let code = <&str as Decode<'r, Any>>::decode(value)?;
                <$enum>::from_code(code).ok_or_else(|| {
                    format!("unknown {} code {code:?}", stringify!($enum)).into()
                })
            }
        }
    )*};
}

stored_as_text!(ConversationStatus, Presence, AnswerMode);

/// The id newtypes, stored as the integers they wrap.
macro_rules! stored_as_integer {
    ($($id:ident),*) => {$(
        impl Type<Any> for $id {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $id {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <i64 as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> Decode<'r, Any> for $id {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                <i64 as Decode<'r, Any>>::decode(value).map($id)
            }
        }
    )*};
}

stored_as_integer!(ConversationId, AgentId, GroupId);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: StoredCode + PartialEq + std::fmt::Debug>() {
        for value in T::ALL {
            assert_eq!(T::from_code(value.code()), Some(*value));
        }
        assert_eq!(T::from_code("no such code"), None);
    }

    #[test]
    fn every_code_reads_back_as_its_value_and_unknown_codes_are_refused() {
        round_trips::<ConversationStatus>();
        round_trips::<Presence>();
        round_trips::<AnswerMode>();
    }

    /// `column IN ('a', 'b')`, as the migrations' CHECK constraints write it.
    fn check_list<T: StoredCode>(column: &str) -> String {
        let codes: Vec<String> = T::ALL.iter().map(|v| format!("'{}'", v.code())).collect();
        format!("{column} IN ({})", codes.join(", "))
    }

    #[test]
    fn the_codes_are_exactly_the_ones_the_migrations_allow() {
        let conversations =
            include_str!("../../../migrations/sqlite/20261121000006_conversations.sql");
        let routing = include_str!("../../../migrations/sqlite/20261121000016_routing.sql");
        for (sql, check) in [
            (conversations, check_list::<ConversationStatus>("status")),
            (routing, check_list::<Presence>("presence")),
            (routing, check_list::<AnswerMode>("answer_mode")),
        ] {
            assert!(sql.contains(&check), "the migration has no CHECK ({check})");
        }
    }
}
