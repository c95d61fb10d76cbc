//! The admin's pause reasons (implements the app's `PauseReasonAdmin` port): names are unique
//! whatever the case, saves are versioned and audited, and the console offers the active ones
//! from its next status read.

use app::error::{AppError, Field};
use app::model::admin::PauseReason;
use app::model::CurrentUser;
use app::server::PauseReasonAdmin;
use async_trait::async_trait;
use chrono::Utc;
use serde_json::{json, Value};

use crate::error::internal;
use crate::store::audit;
use crate::store::pause_reasons::{self, PauseReasonRow};
use crate::store::Store;

const NAME_MAX: usize = 60;

pub struct PauseReasonAdminService {
    store: Store,
}

impl PauseReasonAdminService {
    pub fn new(store: Store) -> Self {
        PauseReasonAdminService { store }
    }

    async fn find(&self, id: i64) -> Result<PauseReason, AppError> {
        self.list()
            .await?
            .into_iter()
            .find(|reason| reason.id == id)
            .ok_or(AppError::NotFound)
    }
}

#[async_trait]
impl PauseReasonAdmin for PauseReasonAdminService {
    async fn list(&self) -> Result<Vec<PauseReason>, AppError> {
        let rows = pause_reasons::all(self.store.pool())
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row: PauseReasonRow| PauseReason {
                id: row.id,
                name: row.name,
                active: row.active == 1,
                version: row.version,
            })
            .collect())
    }

    async fn save(
        &self,
        actor: &CurrentUser,
        id: Option<i64>,
        name: String,
        version: i64,
    ) -> Result<i64, AppError> {
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(AppError::Required { field: Field::Name });
        }
        if name.chars().count() > NAME_MAX {
            return Err(AppError::TooLong {
                field: Field::Name,
                max: NAME_MAX,
            });
        }
        let all = self.list().await?;
        if all
            .iter()
            .any(|r| Some(r.id) != id && r.name.to_lowercase() == name.to_lowercase())
        {
            return Err(AppError::Taken { field: Field::Name });
        }
        let before = match id {
            Some(id) => Some(self.find(id).await?),
            None => None,
        };
        let now = Utc::now();
        let mut tx = self.store.pool().begin().await.map_err(internal)?;
        let saved = match id {
            None => pause_reasons::insert(&mut tx, &name)
                .await
                .map_err(internal)?,
            Some(id) => {
                if !pause_reasons::rename(&mut tx, id, &name, version)
                    .await
                    .map_err(internal)?
                {
                    return Err(AppError::Conflict);
                }
                id
            }
        };
        let (action, was) = match before {
            None => ("create", Value::Null),
            Some(before) => ("update", json!(before.name)),
        };
        let changes = json!({ "name": [was, name] });
        audit::write(
            &mut tx,
            actor.id,
            "pause_reason",
            saved,
            action,
            &changes,
            now,
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(saved)
    }

    async fn set_active(
        &self,
        actor: &CurrentUser,
        id: i64,
        active: bool,
        version: i64,
    ) -> Result<(), AppError> {
        let record = (super::Switchable::PauseReason, id);
        super::switch_active(&self.store, actor.id, record, active, version).await
    }
}
