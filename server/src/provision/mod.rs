//! `atende provision FILE`: idempotent upsert of the entities described in a TOML file.
//! Users, services (with their policy tabs), agent groups, schedules and pause reasons.

mod agent_settings;
pub mod groups;
pub mod schedules;

use std::path::Path;

use anyhow::Context;
use app::model::Role;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::accounts::AccountService;
use crate::auth::password;
use crate::domain::account::{DisplayName, NewPassword, Username};
use crate::domain::service::{Cifra, IntegrationUrl, ServiceName};
use crate::secret_box::SecretBox;
use crate::store::services::{self, ServiceSpec, Upserted};
use crate::store::users;
use crate::store::webhook_deliveries::Channel;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionFile {
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub services: Vec<ServiceEntry>,
    #[serde(default)]
    pub groups: Vec<groups::GroupEntry>,
    #[serde(default)]
    pub schedules: Vec<schedules::ScheduleEntry>,
    #[serde(default)]
    pub pause_reasons: Vec<String>,
}

/// A service as the file describes it (see `demo/demo.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub name: String,
    /// `messenger` or `instagram`.
    pub channel: String,
    /// The page (or Instagram account) ID.
    pub cifra: String,
    pub integration_url: String,
    /// The page access token: stored sealed, never printed.
    pub access_token: Option<SecretString>,
    #[serde(default = "default_active")]
    pub active: bool,
    /// The name of its default schedule (from this file or already stored).
    pub schedule: Option<String>,
    /// The policy tabs (times, survey, messages, classification), as the admin saves them.
    pub policy: Option<crate::domain::policy::ServicePolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Set when the user is created, or changed when it no longer matches.
    pub password: Option<SecretString>,
    #[serde(default = "default_active")]
    pub active: bool,
    /// Agents only: simultaneous chats, 1–8 (default 8).
    pub positions: Option<i64>,
    /// Agents only: `automatic` (default) or `manual` (chats are offered to accept).
    pub answer_mode: Option<String>,
}

fn default_locale() -> String {
    "pt-BR".to_owned()
}

fn default_active() -> bool {
    true
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProvisionReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
}

struct ValidService {
    name: ServiceName,
    channel: Channel,
    cifra: Cifra,
    integration_url: IntegrationUrl,
    access_token: Option<SecretString>,
    active: bool,
    schedule: Option<String>,
    /// The policy checked, as JSON.
    policy: Option<String>,
}

fn validate_service(entry: ServiceEntry) -> anyhow::Result<ValidService> {
    let context = || format!("service {:?}", entry.name);
    Ok(ValidService {
        name: ServiceName::parse(&entry.name).with_context(context)?,
        channel: entry.channel.parse().with_context(context)?,
        cifra: Cifra::parse(&entry.cifra).with_context(context)?,
        integration_url: IntegrationUrl::parse(&entry.integration_url).with_context(context)?,
        access_token: entry.access_token,
        active: entry.active,
        policy: entry
            .policy
            .as_ref()
            .map(|policy| {
                let checked = crate::domain::service_policy::check(policy).with_context(context)?;
                anyhow::Ok(serde_json::to_string(&checked)?)
            })
            .transpose()?,
        schedule: entry.schedule,
    })
}

/// Reads a provisioning file. `{external_url}` in an integration URL becomes this
/// installation's external URL (the demo's sandbox service follows the port it runs on).
pub fn read(path: &Path, external_url: &str) -> anyhow::Result<ProvisionFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read {}", path.display()))?;
    let mut file: ProvisionFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid provisioning file", path.display()))?;
    let external_url = external_url.trim_end_matches('/');
    for service in &mut file.services {
        service.integration_url = service
            .integration_url
            .replace("{external_url}", external_url);
    }
    Ok(file)
}

/// A user entry whose values have all been checked.
struct ValidUser {
    username: Username,
    name: DisplayName,
    role: Role,
    locale: String,
    password: Option<NewPassword>,
    active: bool,
    agent: Option<agent_settings::AgentSettings>,
}

fn validate(spec: UserSpec) -> anyhow::Result<ValidUser> {
    let username =
        Username::parse(&spec.username).with_context(|| format!("user {:?}", spec.username))?;
    let name =
        DisplayName::parse(&spec.display_name).with_context(|| format!("user {username}"))?;
    anyhow::ensure!(
        app::locale::parse_locale(&spec.locale).is_some(),
        "user {username}: locale must be pt-BR or en"
    );
    let password = spec
        .password
        .map(NewPassword::parse)
        .transpose()
        .with_context(|| format!("user {username}"))?;
    let agent = agent_settings::validate(
        username.as_str(),
        spec.role,
        spec.positions,
        spec.answer_mode.as_deref(),
    )?;
    Ok(ValidUser {
        agent,
        username,
        name,
        role: spec.role,
        locale: spec.locale,
        password,
        active: spec.active,
    })
}

/// Applies the file; running it twice changes nothing the second time. Every entry is checked
/// before anything is written, so an invalid file changes nothing.
pub async fn apply(
    accounts: &AccountService,
    secrets: &SecretBox,
    file: ProvisionFile,
) -> anyhow::Result<ProvisionReport> {
    let users: Vec<ValidUser> = file
        .users
        .into_iter()
        .map(validate)
        .collect::<anyhow::Result<_>>()?;
    let file_groups = file.groups;
    let service_entries: Vec<ValidService> = file
        .services
        .into_iter()
        .map(validate_service)
        .collect::<anyhow::Result<_>>()?;
    let valid_schedules: Vec<schedules::ValidSchedule> = file
        .schedules
        .into_iter()
        .map(schedules::validate)
        .collect::<anyhow::Result<_>>()?;
    let pool = accounts.store().pool();
    // A service's schedule must exist (in this file or already) before anything is written.
    for service in &service_entries {
        let Some(name) = &service.schedule else {
            continue;
        };
        let in_file = valid_schedules.iter().any(|s| s.name() == name);
        if !in_file
            && crate::store::schedules::id_by_name(pool, name)
                .await?
                .is_none()
        {
            anyhow::bail!(
                "service {}: no schedule named {name:?}",
                service.cifra.as_str()
            );
        }
    }
    let mut report = ProvisionReport::default();
    report
        .created
        .extend(schedules::apply(pool, &valid_schedules).await?);
    report
        .created
        .extend(schedules::apply_pause_reasons(pool, &file.pause_reasons).await?);
    for user in users {
        let name = user.username.to_string();
        match apply_user(accounts, user).await? {
            Outcome::Created => report.created.push(name),
            Outcome::Updated => report.updated.push(name),
            Outcome::Unchanged => {}
        }
    }
    for service in service_entries {
        let spec = ServiceSpec {
            name: &service.name,
            channel: service.channel,
            cifra: &service.cifra,
            integration_url: &service.integration_url,
            active: service.active,
        };
        let label = format!("service {}", service.cifra.as_str());
        let mut outcome = services::upsert(pool, &spec, Utc::now()).await?;
        if let Some(token) = &service.access_token {
            let stored =
                services::access_token_of(pool, service.channel, service.cifra.as_str()).await?;
            let Some(stored) = stored else {
                anyhow::bail!("{label} vanished while being provisioned");
            };
            let id = stored.id;
            let current = stored
                .access_token_sealed
                .and_then(|s| secrets.open(&s).ok());
            if current.as_ref().map(ExposeSecret::expose_secret) != Some(token.expose_secret()) {
                services::set_access_token(pool, id, &secrets.seal(token)?, Utc::now()).await?;
                if outcome == Upserted::Unchanged {
                    outcome = Upserted::Updated;
                }
            }
        }
        let policy_changed = services::set_schedule_and_policy(
            pool,
            service.channel,
            service.cifra.as_str(),
            service.schedule.as_deref(),
            service.policy.as_deref(),
        )
        .await
        .with_context(|| label.clone())?;
        if policy_changed && outcome == Upserted::Unchanged {
            outcome = Upserted::Updated;
        }
        match outcome {
            Upserted::Created => report.created.push(label),
            Upserted::Updated => report.updated.push(label),
            Upserted::Unchanged => {}
        }
    }
    report
        .created
        .extend(groups::apply(pool, &file_groups).await?);
    Ok(report)
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
}

async fn apply_user(accounts: &AccountService, user: ValidUser) -> anyhow::Result<Outcome> {
    let pool = accounts.store().pool();
    let username = &user.username;
    let Some(existing) = users::find_by_username(pool, username.as_str()).await? else {
        let password = user
            .password
            .with_context(|| format!("user {username}: a new user needs a password"))?;
        let id = accounts
            .create_user(username, &user.name, password, user.role, &user.locale)
            .await?
            .with_context(|| format!("user {username} was created concurrently"))?;
        if !user.active {
            users::set_active(pool, id, false, Utc::now()).await?;
        }
        if let Some(settings) = user.agent {
            agent_settings::apply(pool, id, settings).await?;
        }
        return Ok(Outcome::Created);
    };
    let mut changed = false;
    if existing.display_name != user.name.as_str()
        || existing.role != user.role
        || existing.locale != user.locale
    {
        users::update_profile(
            pool,
            existing.id,
            &user.name,
            user.role,
            &user.locale,
            Utc::now(),
        )
        .await?;
        changed = true;
    }
    if let Some(password) = user.password {
        let current = password::verify(
            password.secret().clone(),
            Some(existing.password_hash.clone()),
        )
        .await?;
        if !current {
            accounts.set_password(existing.id, password).await?;
            changed = true;
        }
    }
    if existing.active != user.active {
        users::set_active(pool, existing.id, user.active, Utc::now()).await?;
        changed = true;
    }
    if let Some(settings) = user.agent {
        changed |= agent_settings::apply(pool, existing.id, settings).await?;
    }
    Ok(if changed {
        Outcome::Updated
    } else {
        Outcome::Unchanged
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_is_valid_and_its_sandbox_service_follows_the_external_url() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/demo.toml");
        let file = read(&demo, "http://127.0.0.1:3100/").expect("demo file");
        let service = file.services.into_iter().next().expect("a service");
        assert_eq!(
            service.integration_url,
            "http://127.0.0.1:3100/sandbox/graph/v22.0/me/messages"
        );
        assert!(validate_service(service).is_ok());
    }
}
