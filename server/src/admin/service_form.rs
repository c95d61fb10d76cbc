//! Checking a service form: every tab, on the server, before anything is written.

use app::error::{AppError, Field};
use app::model::service::{Channel, ServiceForm};
use secrecy::SecretString;

use crate::domain::policy::ServicePolicy;
use crate::domain::service::{Cifra, IntegrationUrl, ServiceName};
use crate::domain::service_policy::{self, PolicyError};
use crate::error::internal;
use crate::store::schedules;
use crate::store::service_admin as queries;
use crate::store::Store;

/// Page access tokens are a few hundred characters; this bounds what we seal.
const TOKEN_MAX: usize = 2048;

/// A service form that passed every check, normalised (trimmed, deduplicated).
pub(super) struct Valid {
    pub name: String,
    pub channel: Channel,
    pub cifra: String,
    pub integration_url: String,
    pub active: bool,
    pub token: Option<SecretString>,
    /// (group, its schedule), once each.
    pub groups: Vec<(i64, Option<i64>)>,
    pub schedule_id: Option<i64>,
    pub policy: ServicePolicy,
}

fn required_or_invalid(raw: &str, field: Field) -> AppError {
    if raw.trim().is_empty() {
        AppError::Required { field }
    } else {
        AppError::Invalid { field }
    }
}

fn policy_error(error: PolicyError) -> AppError {
    let field = match error {
        PolicyError::Time(_) => Field::Times,
        PolicyError::SurveyQuestions => Field::SurveyQuestions,
        PolicyError::Message(_) => Field::Messages,
        PolicyError::ClassificationCodes => Field::ClassificationCodes,
        PolicyError::Script => Field::Script,
    };
    AppError::Invalid { field }
}

/// A typed token: one line of printable characters, not too long.
fn token(raw: Option<String>) -> Result<Option<SecretString>, AppError> {
    let Some(raw) = raw else { return Ok(None) };
    let token = raw.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > TOKEN_MAX || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::Invalid {
            field: Field::AccessToken,
        });
    }
    Ok(Some(SecretString::from(token.to_owned())))
}

impl Valid {
    pub async fn check(store: &Store, form: ServiceForm) -> Result<Valid, AppError> {
        let name = ServiceName::parse(&form.name)
            .map_err(|_| required_or_invalid(&form.name, Field::Name))?;
        let cifra = Cifra::parse(&form.cifra)
            .map_err(|_| required_or_invalid(&form.cifra, Field::Cifra))?;
        let url = IntegrationUrl::parse(&form.integration_url)
            .map_err(|_| required_or_invalid(&form.integration_url, Field::IntegrationUrl))?;
        let token = token(form.access_token)?;
        let stored = ServicePolicy::from(form.policy);
        let policy = service_policy::check(&stored).map_err(policy_error)?;
        let pool = store.pool();
        if queries::cifra_taken(pool, form.channel.as_str(), cifra.as_str(), form.id)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Taken {
                field: Field::Cifra,
            });
        }
        let groups = queries::choices(pool).await.map_err(internal)?.groups;
        let schedule_ids = schedules::ids(pool).await.map_err(internal)?;
        let known_schedule = |id: Option<i64>| id.is_none_or(|id| schedule_ids.contains(&id));
        if !known_schedule(form.schedule_id) {
            return Err(AppError::Invalid {
                field: Field::Schedule,
            });
        }
        let mut links: Vec<(i64, Option<i64>)> = Vec::new();
        for link in form.groups {
            let known = groups.iter().any(|group| group.id == link.group_id);
            let repeated = links.iter().any(|(id, _)| *id == link.group_id);
            if !known || repeated || !known_schedule(link.schedule_id) {
                return Err(AppError::Invalid {
                    field: Field::Groups,
                });
            }
            links.push((link.group_id, link.schedule_id));
        }
        let scripted = service_policy::script_groups(&policy.script.menu);
        if scripted
            .iter()
            .any(|id| !groups.iter().any(|known| known.id == *id))
        {
            return Err(AppError::Invalid {
                field: Field::Script,
            });
        }
        let overflow = policy.overflow_group_id;
        if overflow.is_some_and(|id| !groups.iter().any(|known| known.id == id)) {
            return Err(AppError::Invalid {
                field: Field::Times,
            });
        }
        Ok(Valid {
            name: name.as_str().to_owned(),
            channel: form.channel,
            cifra: cifra.as_str().to_owned(),
            integration_url: url.as_str().to_owned(),
            active: form.active,
            token,
            groups: links,
            schedule_id: form.schedule_id,
            policy,
        })
    }
}
