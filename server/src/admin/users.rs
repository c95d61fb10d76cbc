//! The admin's user pages (implements the app's `UserAdmin` port): validation is here and
//! authoritative, each save is one transaction with its audit entry and a version check, and
//! routing sees the result on its next pass (woken at once).

use std::sync::Arc;

use app::error::{AppError, Field};
use app::model::admin::{
    AnswerMode, AuditEntry, GroupOption, UserDetail, UserForm, UserPage, UserSummary,
};
use app::model::CurrentUser;
use app::model::Role;
use app::server::{Console, UserAdmin};
use async_trait::async_trait;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};

use crate::conversation::routing::Router;
use crate::domain::account::{
    AccountError, DisplayName, NewPassword, Username, DISPLAY_NAME_MAX, PASSWORD_MIN, USERNAME_MAX,
};
use crate::domain::routing::{AnswerMode as RoutingMode, MAX_POSITIONS};
use crate::error::internal;
use crate::store::audit;
use crate::store::codes::StoredCode;
use crate::store::user_admin::{self as queries, NewUserRow, UserRow};
use crate::store::{agents, groups, names_by_owner, users, NameOf, Page, Store};

const PER_PAGE: i64 = 25;

pub struct UserAdminService {
    store: Store,
    router: Router,
    console: Arc<dyn Console>,
    time_zone: chrono_tz::Tz,
}

/// The form error for an account value that did not parse.
fn field_error(field: Field, error: AccountError) -> AppError {
    match error {
        AccountError::UsernameRequired | AccountError::DisplayNameRequired => {
            AppError::Required { field }
        }
        AccountError::UsernameTooLong => AppError::TooLong {
            field,
            max: USERNAME_MAX,
        },
        AccountError::DisplayNameTooLong => AppError::TooLong {
            field,
            max: DISPLAY_NAME_MAX,
        },
        AccountError::PasswordTooShort | AccountError::PasswordTooCommon => {
            AppError::WeakPassword { min: PASSWORD_MIN }
        }
        // Too long a password, or a username with characters it cannot have.
        AccountError::PasswordTooLong | AccountError::UsernameInvalid => {
            AppError::Invalid { field }
        }
    }
}

fn role_of(text: &str) -> Role {
    text.parse().unwrap_or(Role::Agent)
}

/// The server's answer mode for the browser's (and back): the wire types stay the browser's.
fn domain_mode(mode: AnswerMode) -> RoutingMode {
    match mode {
        AnswerMode::Automatic => RoutingMode::Automatic,
        AnswerMode::Manual => RoutingMode::Manual,
    }
}

fn wire_mode(mode: RoutingMode) -> AnswerMode {
    match mode {
        RoutingMode::Automatic => AnswerMode::Automatic,
        RoutingMode::Manual => AnswerMode::Manual,
    }
}

impl UserAdminService {
    pub fn new(
        store: Store,
        router: Router,
        console: Arc<dyn Console>,
        time_zone: chrono_tz::Tz,
    ) -> Self {
        UserAdminService {
            store,
            router,
            console,
            time_zone,
        }
    }

    /// The user, if the actor may manage them (supervisors do not manage admins).
    async fn manageable(&self, actor: &CurrentUser, id: i64) -> Result<UserRow, AppError> {
        let user = queries::one(self.store.pool(), id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        if actor.role != Role::Admin && role_of(&user.role) == Role::Admin {
            return Err(AppError::Forbidden);
        }
        Ok(user)
    }

    async fn group_ids(&self, id: i64) -> Result<Vec<i64>, AppError> {
        let rows = queries::memberships(self.store.pool(), &[id])
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|row| row.group_id).collect())
    }

    async fn create(&self, actor: &CurrentUser, form: &ValidForm) -> Result<i64, AppError> {
        let password = form.password.clone().ok_or(AppError::Required {
            field: Field::Password,
        })?;
        let hash = crate::auth::password::hash(password.secret().clone())
            .await
            .map_err(internal)?;
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let row = NewUserRow {
            username: form.username.as_str(),
            display_name: form.display_name.as_str(),
            password_hash: hash.expose_secret(),
            role: form.role.as_str(),
            locale: &form.locale,
        };
        let id = queries::insert(&mut tx, &row, now)
            .await
            .map_err(internal)?
            .ok_or(AppError::Taken {
                field: Field::Username,
            })?;
        self.write_routing(&mut tx, id, form).await?;
        let changes = json!({
            "username": [Value::Null, form.username.as_str()],
            "display_name": [Value::Null, form.display_name.as_str()],
            "role": [Value::Null, form.role.as_str()],
            "locale": [Value::Null, &form.locale],
            "positions": [Value::Null, form.positions],
            "answer_mode": [Value::Null, form.answer_mode.code()],
            "groups": [Value::Null, &form.group_ids],
        });
        audit::write(&mut tx, actor.id, "user", id, "create", &changes, now)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn update(
        &self,
        actor: &CurrentUser,
        id: i64,
        form: &ValidForm,
        version: i64,
    ) -> Result<i64, AppError> {
        let before = self.manageable(actor, id).await?;
        let before_groups = self.group_ids(id).await?;
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let saved = queries::update(
            &mut tx,
            id,
            version,
            form.display_name.as_str(),
            form.role.as_str(),
            &form.locale,
            now,
        )
        .await
        .map_err(internal)?;
        if !saved {
            return Err(AppError::Conflict);
        }
        self.write_routing(&mut tx, id, form).await?;
        let mut changes = Map::new();
        let mut note = |field: &str, old: Value, new: Value| {
            if old != new {
                changes.insert(field.to_owned(), json!([old, new]));
            }
        };
        note(
            "display_name",
            json!(before.display_name),
            json!(form.display_name.as_str()),
        );
        note("role", json!(before.role), json!(form.role.as_str()));
        note("locale", json!(before.locale), json!(form.locale));
        note(
            "positions",
            json!(before.positions.unwrap_or(8)),
            json!(form.positions),
        );
        let old_mode = before.answer_mode.unwrap_or_default();
        note(
            "answer_mode",
            json!(old_mode.code()),
            json!(form.answer_mode.code()),
        );
        note("groups", json!(before_groups), json!(form.group_ids));
        audit::write(
            &mut tx,
            actor.id,
            "user",
            id,
            "update",
            &Value::Object(changes),
            now,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(id)
    }

    async fn write_routing(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: i64,
        form: &ValidForm,
    ) -> Result<(), AppError> {
        agents::set_agent_settings(tx, id, form.positions, form.answer_mode)
            .await
            .map_err(internal)?;
        queries::set_groups(tx, id, &form.group_ids)
            .await
            .map_err(internal)
    }

    /// Checks every field of the form; nothing is written until all are valid.
    async fn validate(&self, actor: &CurrentUser, form: UserForm) -> Result<ValidForm, AppError> {
        let username =
            Username::parse(&form.username).map_err(|e| field_error(Field::Username, e))?;
        let display_name = DisplayName::parse(&form.display_name)
            .map_err(|e| field_error(Field::DisplayName, e))?;
        if app::locale::parse_locale(&form.locale).is_none() {
            return Err(AppError::Invalid {
                field: Field::Locale,
            });
        }
        if actor.role != Role::Admin && form.role == Role::Admin {
            return Err(AppError::Forbidden);
        }
        if !(1..=MAX_POSITIONS).contains(&form.positions) {
            return Err(AppError::Invalid {
                field: Field::Positions,
            });
        }
        let mut group_ids = form.group_ids.clone();
        group_ids.sort_unstable();
        group_ids.dedup();
        let known = queries::active_groups_among(self.store.pool(), &group_ids)
            .await
            .map_err(internal)?;
        if known != group_ids.len() {
            return Err(AppError::Invalid {
                field: Field::Groups,
            });
        }
        let password = match (form.id, form.password) {
            (None, Some(password)) => Some(
                NewPassword::parse(SecretString::from(password))
                    .map_err(|e| field_error(Field::Password, e))?,
            ),
            _ => None,
        };
        Ok(ValidForm {
            username,
            display_name,
            role: form.role,
            locale: form.locale,
            positions: form.positions,
            answer_mode: domain_mode(form.answer_mode),
            group_ids,
            password,
        })
    }
}

struct ValidForm {
    username: Username,
    display_name: DisplayName,
    role: Role,
    locale: String,
    positions: u8,
    answer_mode: RoutingMode,
    group_ids: Vec<i64>,
    password: Option<NewPassword>,
}

#[async_trait]
impl UserAdmin for UserAdminService {
    async fn list(
        &self,
        actor: &CurrentUser,
        search: &str,
        page: i64,
    ) -> Result<UserPage, AppError> {
        let page = page.max(1);
        let pool = self.store.pool();
        let with_admins = actor.role == Role::Admin;
        let Page { rows, total } =
            queries::page(pool, search, with_admins, (page - 1) * PER_PAGE, PER_PAGE)
                .await
                .map_err(internal)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let memberships = queries::memberships(pool, &ids).await.map_err(internal)?;
        let mut groups = names_by_owner(
            memberships
                .into_iter()
                .map(|m| NameOf {
                    owner_id: m.user_id,
                    name: m.group_name,
                })
                .collect(),
        );
        let users = rows
            .into_iter()
            .map(|row| {
                let agent = role_of(&row.role) == Role::Agent;
                UserSummary {
                    groups: groups.remove(&row.id).unwrap_or_default(),
                    positions: agent.then(|| detail_positions(&row)),
                    answer_mode: agent.then(|| detail_mode(&row)),
                    id: row.id,
                    role: role_of(&row.role),
                    username: row.username,
                    display_name: row.display_name,
                    locale: row.locale,
                    active: row.active == 1,
                }
            })
            .collect();
        Ok(UserPage {
            users,
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    async fn get(&self, actor: &CurrentUser, id: i64) -> Result<UserDetail, AppError> {
        let row = self.manageable(actor, id).await?;
        let group_ids = self.group_ids(id).await?;
        Ok(UserDetail {
            positions: detail_positions(&row),
            answer_mode: detail_mode(&row),
            id: row.id,
            role: role_of(&row.role),
            username: row.username,
            display_name: row.display_name,
            locale: row.locale,
            active: row.active == 1,
            group_ids,
            version: row.version,
        })
    }

    async fn save(&self, actor: &CurrentUser, form: UserForm) -> Result<i64, AppError> {
        let (id, version) = (form.id, form.version);
        let valid = self.validate(actor, form).await?;
        let saved = match id {
            None => self.create(actor, &valid).await?,
            Some(id) => self.update(actor, id, &valid, version).await?,
        };
        tracing::info!(actor = actor.id, user = saved, "User saved");
        // Positions, answer mode or groups may let waiting conversations move now.
        self.router.wake();
        Ok(saved)
    }

    async fn reset_password(
        &self,
        actor: &CurrentUser,
        id: i64,
        password: String,
    ) -> Result<(), AppError> {
        self.manageable(actor, id).await?;
        let password = NewPassword::parse(SecretString::from(password))
            .map_err(|e| field_error(Field::Password, e))?;
        let hash = crate::auth::password::hash(password.secret().clone())
            .await
            .map_err(internal)?;
        let now = Utc::now();
        users::set_password(self.store.pool(), id, &hash, now)
            .await
            .map_err(internal)?;
        let mut conn = self.store.pool().acquire().await.map_err(internal)?;
        audit::write(
            &mut conn,
            actor.id,
            "user",
            id,
            "reset_password",
            &json!({}),
            now,
        )
        .await
        .map_err(internal)?;
        tracing::info!(actor = actor.id, user = id, "Password reset");
        Ok(())
    }

    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError> {
        let before = self.manageable(actor, id).await?;
        if id == actor.id && !active {
            // Nobody locks themselves out.
            return Err(AppError::Forbidden);
        }
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        if !queries::set_active(&mut tx, id, version, active, now)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Conflict);
        }
        let action = if active { "enable" } else { "disable" };
        let changes = json!({ "active": [before.active == 1, active] });
        audit::write(&mut tx, actor.id, "user", id, action, &changes, now)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        if !active {
            // Their sessions ended with the version bump; their chats go back to the queue.
            self.console.signed_out(id).await?;
        }
        tracing::info!(
            actor = actor.id,
            user = id,
            active,
            "User enabled or disabled"
        );
        Ok(())
    }

    async fn audit(&self, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
        let rows = audit::page(self.store.pool(), before.unwrap_or(i64::MAX), 50)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEntry {
                id: row.id,
                at: crate::store::from_millis(row.at)
                    .with_timezone(&self.time_zone)
                    .fixed_offset(),
                actor: row.actor,
                entity: row.entity,
                entity_id: row.entity_id,
                action: row.action,
                changes: row.changes,
            })
            .collect())
    }

    async fn groups(&self) -> Result<Vec<GroupOption>, AppError> {
        let groups = groups::active(self.store.pool()).await.map_err(internal)?;
        Ok(groups
            .into_iter()
            .map(|group| GroupOption {
                id: group.id,
                name: group.name,
            })
            .collect())
    }
}

fn detail_positions(row: &UserRow) -> u8 {
    row.positions
        .and_then(|p| u8::try_from(p).ok())
        .unwrap_or(MAX_POSITIONS)
}

fn detail_mode(row: &UserRow) -> AnswerMode {
    wire_mode(row.answer_mode.unwrap_or_default())
}
