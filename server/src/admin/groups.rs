//! The admin's group pages (implements the app's `GroupAdmin` port): a group's name, its
//! members (active agents) and the services it serves. Each save is one transaction with its
//! audit entry and a version check; routing reads groups on every pass and is woken at once.

use app::error::{AppError, Field};
use app::model::admin::{GroupChoices, GroupDetail, GroupForm, GroupPage, GroupSummary};
use app::model::CurrentUser;
use app::server::GroupAdmin;
use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Map, Value};

use crate::conversation::routing::Router;
use crate::error::internal;
use crate::store::audit;
use crate::store::groups as queries;
use crate::store::{names_by_owner, Page, Store};

const NAME_MAX: usize = 80;
const PER_PAGE: i64 = 25;

pub struct GroupAdminService {
    store: Store,
    router: Router,
}

/// Ids once each, in order.
fn distinct(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl GroupAdminService {
    pub fn new(store: Store, router: Router) -> Self {
        GroupAdminService { store, router }
    }

    /// Checks the form; nothing is written until all of it is valid.
    async fn validate(&self, form: GroupForm) -> Result<(String, Vec<i64>, Vec<i64>), AppError> {
        let name = form.name.trim().to_owned();
        if name.is_empty() {
            return Err(AppError::Required { field: Field::Name });
        }
        if name.chars().count() > NAME_MAX {
            return Err(AppError::TooLong {
                field: Field::Name,
                max: NAME_MAX,
            });
        }
        let pool = self.store.pool();
        if queries::name_taken(pool, &name, form.id)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Taken { field: Field::Name });
        }
        let choices = queries::choices(pool).await.map_err(internal)?;
        let (agents, services) = (&choices.agents, &choices.services);
        let members = distinct(form.member_ids);
        if !members.iter().all(|m| agents.iter().any(|a| a.id == *m)) {
            return Err(AppError::Invalid {
                field: Field::Members,
            });
        }
        let served = distinct(form.service_ids);
        if !served
            .iter()
            .all(|s| services.iter().any(|known| known.id == *s))
        {
            return Err(AppError::Invalid {
                field: Field::Services,
            });
        }
        Ok((name, members, served))
    }
}

#[async_trait]
impl GroupAdmin for GroupAdminService {
    async fn list(&self, search: &str, page: i64) -> Result<GroupPage, AppError> {
        let pool = self.store.pool();
        let page = page.max(1);
        let Page {
            rows: groups,
            total,
        } = queries::page(pool, search, (page - 1) * PER_PAGE, PER_PAGE)
            .await
            .map_err(internal)?;
        let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
        let members = queries::members(pool, &ids).await.map_err(internal)?;
        let mut members = names_by_owner(members);
        let services = queries::services(pool, &ids).await.map_err(internal)?;
        let mut services = names_by_owner(services);
        let groups = groups
            .into_iter()
            .map(|g| GroupSummary {
                members: members.remove(&g.id).unwrap_or_default(),
                services: services.remove(&g.id).unwrap_or_default(),
                id: g.id,
                name: g.name,
                active: g.active == 1,
            })
            .collect();
        Ok(GroupPage {
            groups,
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    async fn get(&self, id: i64) -> Result<GroupDetail, AppError> {
        let group = queries::one(self.store.pool(), id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let contents = queries::contents(self.store.pool(), id)
            .await
            .map_err(internal)?;
        let (member_ids, service_ids) = (contents.member_ids, contents.service_ids);
        Ok(GroupDetail {
            id: group.id,
            name: group.name,
            active: group.active == 1,
            member_ids,
            service_ids,
            version: group.version,
        })
    }

    async fn save(&self, actor: &CurrentUser, form: GroupForm) -> Result<i64, AppError> {
        let (id, version) = (form.id, form.version);
        let (name, members, served) = self.validate(form).await?;
        let now = Utc::now();
        let before = match id {
            Some(id) => Some(self.get(id).await?),
            None => None,
        };
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let id = match id {
            None => queries::insert(&mut tx, &name, now)
                .await
                .map_err(internal)?,
            Some(id) => {
                if !queries::rename(&mut tx, id, version, &name)
                    .await
                    .map_err(internal)?
                {
                    return Err(AppError::Conflict);
                }
                id
            }
        };
        queries::set_contents(&mut tx, id, &members, &served)
            .await
            .map_err(internal)?;
        let (action, changes) = match before {
            None => (
                "create",
                json!({ "name": [Value::Null, name], "members": [Value::Null, members],
                        "services": [Value::Null, served] }),
            ),
            Some(old) => {
                let mut changes = Map::new();
                for (field, was, now) in [
                    ("name", json!(old.name), json!(name)),
                    ("members", json!(old.member_ids), json!(members)),
                    ("services", json!(old.service_ids), json!(served)),
                ] {
                    if was != now {
                        changes.insert(field.to_owned(), json!([was, now]));
                    }
                }
                ("update", Value::Object(changes))
            }
        };
        audit::write(&mut tx, actor.id, "group", id, action, &changes, now)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        tracing::info!(actor = actor.id, group = id, "Group saved");
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
        let record = (super::Switchable::Group, id);
        super::switch_active(&self.store, actor.id, record, active, version).await?;
        self.router.wake();
        Ok(())
    }

    async fn choices(&self) -> Result<GroupChoices, AppError> {
        let choices = queries::choices(self.store.pool())
            .await
            .map_err(internal)?;
        Ok(GroupChoices {
            agents: super::choices_of(choices.agents),
            services: super::choices_of(choices.services),
        })
    }
}
