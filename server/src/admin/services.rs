//! The admin's service pages (implements the app's `ServiceAdmin` port): ManagerADM's
//! "Cadastrar Serviço" with its tabs. A save is one transaction with its audit entry and a
//! version check. Ingest, the sender and routing read services on every use, so a save
//! applies at once; routing is woken for the group changes.

use app::error::{AppError, Field};
use app::model::service::{
    Channel, ConnectionCheck, ServiceChoices, ServiceDetail, ServiceFilter, ServiceForm,
    ServiceGroup, ServicePage, ServiceSummary,
};
use app::model::CurrentUser;
use app::server::ServiceAdmin;
use async_trait::async_trait;
use chrono::Utc;
use secrecy::SecretString;
use serde_json::{json, Map, Value};

use super::service_form::Valid;
use crate::channels::meta::graph::GraphClient;
use crate::channels::meta::page_identity::PageIdentity;
use crate::conversation::routing::Router;
use crate::domain::graph_hosts::same_origin;
use crate::domain::policy::ServicePolicy;
use crate::domain::service::{Cifra, IntegrationUrl};
use crate::error::internal;
use crate::secret_box::SecretBox;
use crate::store::audit;
use crate::store::service_admin::{
    self as queries, Filter, ServiceGroupRow, ServiceRow, ServiceValues,
};
use crate::store::{names_by_owner, Page, Store};

const PER_PAGE: i64 = 25;

pub struct ServiceAdminService {
    store: Store,
    router: Router,
    secrets: SecretBox,
    graph: GraphClient,
}

impl ServiceAdminService {
    pub fn new(store: Store, router: Router, secrets: SecretBox, graph: GraphClient) -> Self {
        ServiceAdminService {
            store,
            router,
            secrets,
            graph,
        }
    }

    async fn row(&self, id: i64) -> Result<ServiceRow, AppError> {
        queries::one(self.store.pool(), id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)
    }

    /// Refuses an integration URL whose host Graph calls may not go to.
    async fn check_host(&self, integration_url: &str) -> Result<(), AppError> {
        if self.graph.hosts().allows_str(integration_url).await {
            return Ok(());
        }
        Err(host_not_allowed(integration_url))
    }

    /// The token to test: the one typed, else the one stored for the service, which only
    /// ever goes to the origin it was saved for (a new host needs the token typed again).
    async fn token_to_test(
        &self,
        id: Option<i64>,
        integration_url: &str,
        typed: Option<String>,
    ) -> Result<Option<SecretString>, AppError> {
        if let Some(typed) = typed.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
            return Ok(Some(SecretString::from(typed)));
        }
        let Some(id) = id else { return Ok(None) };
        if !same_origin(&self.row(id).await?.integration_url, integration_url) {
            return Err(AppError::Required {
                field: Field::AccessToken,
            });
        }
        let sealed = queries::sealed_token(self.store.pool(), id)
            .await
            .map_err(internal)?;
        sealed
            .map(|sealed| self.secrets.open(&sealed))
            .transpose()
            .map_err(internal)
    }
}

fn host_not_allowed(integration_url: &str) -> AppError {
    let host = url::Url::parse(integration_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    AppError::HostNotAllowed { host }
}

/// The audit entry's changes: each field before and after (the token only as "replaced").
fn changes(before: Option<&ServiceDetail>, after: &Valid, token_replaced: bool) -> Value {
    let now = [
        ("name", json!(after.name)),
        ("channel", json!(after.channel)),
        ("cifra", json!(after.cifra)),
        ("integration_url", json!(after.integration_url)),
        ("active", json!(after.active)),
        ("schedule", json!(after.schedule_id)),
        ("groups", json!(after.groups)),
        ("policy", json!(after.policy)),
    ];
    let mut changes = Map::new();
    for (field, value) in now {
        let was = match before {
            None => Value::Null,
            Some(old) => match field {
                "name" => json!(old.name),
                "channel" => json!(old.channel),
                "cifra" => json!(old.cifra),
                "integration_url" => json!(old.integration_url),
                "active" => json!(old.active),
                "schedule" => json!(old.schedule_id),
                "groups" => json!(old
                    .groups
                    .iter()
                    .map(|g| (g.group_id, g.schedule_id))
                    .collect::<Vec<_>>()),
                _ => json!(ServicePolicy::from(old.policy.clone())),
            },
        };
        if was != value {
            changes.insert(field.to_owned(), json!([was, value]));
        }
    }
    if token_replaced {
        changes.insert("access_token".to_owned(), json!([Value::Null, "replaced"]));
    }
    Value::Object(changes)
}

fn detail(row: ServiceRow, groups: Vec<ServiceGroupRow>, has_conversations: bool) -> ServiceDetail {
    let policy: ServicePolicy = serde_json::from_str(&row.policy).unwrap_or_else(|error| {
        tracing::warn!(service = row.id, %error, "Unreadable service policy: defaults shown");
        Default::default()
    });
    ServiceDetail {
        id: row.id,
        channel: Channel::parse(&row.channel).unwrap_or_default(),
        name: row.name,
        cifra: row.cifra,
        active: row.active == 1,
        integration_url: row.integration_url,
        token_set: row.token_set == 1,
        groups: groups
            .into_iter()
            .map(|link| ServiceGroup {
                group_id: link.group_id,
                schedule_id: link.schedule_id,
            })
            .collect(),
        schedule_id: row.schedule_id,
        policy: policy.into(),
        has_conversations,
        version: row.version,
    }
}

#[async_trait]
impl ServiceAdmin for ServiceAdminService {
    async fn list(&self, filter: ServiceFilter) -> Result<ServicePage, AppError> {
        let page = filter.page.max(1);
        let query = Filter {
            search: &filter.search,
            channel: filter.channel.map_or("", Channel::as_str),
            active: filter.active.map_or(-1, i64::from),
        };
        let pool = self.store.pool();
        let Page { rows, total } = queries::page(pool, &query, (page - 1) * PER_PAGE, PER_PAGE)
            .await
            .map_err(internal)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let groups = queries::group_names(pool, &ids).await.map_err(internal)?;
        let mut groups = names_by_owner(groups);
        let services = rows
            .into_iter()
            .map(|row| ServiceSummary {
                groups: groups.remove(&row.id).unwrap_or_default(),
                id: row.id,
                channel: Channel::parse(&row.channel).unwrap_or_default(),
                name: row.name,
                cifra: row.cifra,
                active: row.active == 1,
                schedule: row.schedule,
            })
            .collect();
        Ok(ServicePage {
            services,
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    async fn get(&self, id: i64) -> Result<ServiceDetail, AppError> {
        let row = self.row(id).await?;
        let pool = self.store.pool();
        let groups = queries::groups_of(pool, id).await.map_err(internal)?;
        let has_conversations = queries::has_conversations(pool, id)
            .await
            .map_err(internal)?;
        Ok(detail(row, groups, has_conversations))
    }

    async fn save(&self, actor: &CurrentUser, form: ServiceForm) -> Result<i64, AppError> {
        let (id, version) = (form.id, form.version);
        let valid = Valid::check(&self.store, form).await?;
        self.check_host(&valid.integration_url).await?;
        let before = match id {
            Some(id) => Some(self.get(id).await?),
            None => None,
        };
        // The stored token was given for its URL's host: moving the service to another host
        // needs the token typed again, or a supervisor could send it anywhere.
        if let (Some(before), None) = (&before, &valid.token) {
            if before.token_set && !same_origin(&before.integration_url, &valid.integration_url) {
                return Err(AppError::Required {
                    field: Field::AccessToken,
                });
            }
        }
        let sealed = match &valid.token {
            Some(token) => Some(self.secrets.seal(token).map_err(internal)?),
            None => None,
        };
        let policy = serde_json::to_string(&valid.policy).map_err(internal)?;
        let values = ServiceValues {
            name: &valid.name,
            channel: valid.channel.as_str(),
            cifra: &valid.cifra,
            integration_url: &valid.integration_url,
            active: valid.active,
            schedule_id: valid.schedule_id,
            policy: &policy,
        };
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let id = match id {
            None => queries::insert(&mut tx, &values, now)
                .await
                .map_err(internal)?,
            Some(id) => {
                if !queries::update(&mut tx, id, version, &values, now)
                    .await
                    .map_err(internal)?
                {
                    return Err(AppError::Conflict);
                }
                id
            }
        };
        if let Some(sealed) = &sealed {
            queries::set_token(&mut tx, id, sealed)
                .await
                .map_err(internal)?;
        }
        queries::set_groups(&mut tx, id, &valid.groups)
            .await
            .map_err(internal)?;
        let action = if before.is_some() { "update" } else { "create" };
        let changes = changes(before.as_ref(), &valid, sealed.is_some());
        audit::write(&mut tx, actor.id, "service", id, action, &changes, now)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(actor = actor.id, service = id, "Service saved");
        self.router.wake();
        Ok(id)
    }

    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError> {
        let record = (super::Switchable::Service, id);
        super::switch_active(&self.store, actor.id, record, active, version).await?;
        self.router.wake();
        Ok(())
    }

    async fn delete(&self, actor: &CurrentUser, id: i64, version: i64) -> Result<(), AppError> {
        let before = self.get(id).await?;
        if before.has_conversations {
            return Err(AppError::InUse);
        }
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        if !queries::delete(&mut tx, id, version)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Conflict);
        }
        let changes =
            json!({ "name": [before.name, Value::Null], "cifra": [before.cifra, Value::Null] });
        audit::write(
            &mut tx,
            actor.id,
            "service",
            id,
            "delete",
            &changes,
            Utc::now(),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(actor = actor.id, service = id, "Service deleted");
        self.router.wake();
        Ok(())
    }

    async fn test_connection(
        &self,
        id: Option<i64>,
        integration_url: String,
        cifra: String,
        token: Option<String>,
    ) -> Result<ConnectionCheck, AppError> {
        let url = IntegrationUrl::parse(&integration_url).map_err(|_| AppError::Invalid {
            field: Field::IntegrationUrl,
        })?;
        let cifra = Cifra::parse(&cifra).map_err(|_| AppError::Invalid {
            field: Field::Cifra,
        })?;
        self.check_host(url.as_str()).await?;
        let Some(token) = self.token_to_test(id, url.as_str(), token).await? else {
            return Ok(ConnectionCheck::NoToken);
        };
        Ok(match self.graph.page_identity(url.as_str(), &token).await {
            PageIdentity::Page { id, name } if id == cifra.as_str() => {
                ConnectionCheck::Matches { name }
            }
            PageIdentity::Page { id, name } => ConnectionCheck::OtherPage { id, name },
            PageIdentity::Refused(message) => ConnectionCheck::Refused { message },
            // Only if an admin took the host off the list since `check_host`.
            PageIdentity::HostNotAllowed => return Err(host_not_allowed(url.as_str())),
            PageIdentity::Unreachable(why) => {
                tracing::info!(%why, "Test connection: no answer");
                ConnectionCheck::Unreachable
            }
        })
    }

    async fn choices(&self) -> Result<ServiceChoices, AppError> {
        let choices = queries::choices(self.store.pool())
            .await
            .map_err(internal)?;
        Ok(ServiceChoices {
            groups: super::choices_of(choices.groups),
            schedules: super::choices_of(choices.schedules),
        })
    }

    async fn preview_script(
        &self,
        script: app::model::script::Script,
        inputs: Vec<String>,
    ) -> Result<Vec<app::model::script::PreviewLine>, AppError> {
        let groups = queries::choices(self.store.pool())
            .await
            .map_err(internal)?
            .groups;
        let name = |id: i64| {
            groups
                .iter()
                .find(|group| group.id == id)
                .map(|group| group.name.clone())
        };
        Ok(super::script_preview::replay(&script.into(), &inputs, name))
    }
}
