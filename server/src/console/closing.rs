//! What closing needs from the service's policy: a classification code where the service has
//! codes (required or not), and the wrap-up time during which the position takes no new chat.

use app::error::{AppError, Field};
use chrono::{DateTime, Utc};

use super::ConsoleService;
use crate::conversation::policies::ServiceRuntime;
use crate::error::internal;
use crate::store::to_millis;

/// A close as the service's policy allows it.
pub(super) struct Closing {
    pub classification: Option<String>,
    pub wrap_up_until: Option<i64>,
    /// The service as read for these terms (the closing message uses it too).
    pub runtime: ServiceRuntime,
}

impl ConsoleService {
    pub(super) async fn closing_terms(
        &self,
        conversation_id: i64,
        classification: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Closing, AppError> {
        let mut conn = self.store.pool().acquire().await.map_err(internal)?;
        let service_id = crate::store::conversations::service_of(&mut conn, conversation_id)
            .await
            .map_err(internal)?;
        let runtime = ServiceRuntime::load(&mut conn, service_id)
            .await
            .map_err(internal)?;
        let rules = &runtime.policy.classification;
        let picked = classification
            .map(|code| code.trim().to_owned())
            .filter(|code| !code.is_empty());
        let field = Field::ClassificationCodes;
        match &picked {
            Some(code) if !rules.codes.contains(code) => return Err(AppError::Invalid { field }),
            None if rules.required && !rules.codes.is_empty() => {
                return Err(AppError::Required { field })
            }
            _ => {}
        }
        let wrap_up = runtime.policy.times.wrap_up_seconds.filter(|s| *s > 0);
        Ok(Closing {
            classification: picked,
            wrap_up_until: wrap_up
                .map(|seconds| to_millis(now + chrono::Duration::seconds(i64::from(seconds)))),
            runtime,
        })
    }
}
