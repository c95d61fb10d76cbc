//! The one store API of the server. SQLite (embedded default) and PostgreSQL (scale-out) run
//! the same SQL through sqlx's `Any` driver: portable types only (BIGINT, TEXT; flags as BIGINT
//! 0/1 because `Any` cannot decode SQLite booleans; times as UTC epoch milliseconds) and
//! `$n` placeholders, which both backends accept. Where the dialects differ, `Backend` says so.

pub mod agents;
pub mod audit;
pub mod bot;
pub mod codes;
mod connect;
pub mod console;
pub mod conversation_status;
pub mod conversations;
pub mod deadlines;
pub mod events;
pub mod general_settings;
pub mod groups;
pub mod login_failures;
pub mod media;
pub mod messages;
pub mod out_of_hours;
pub mod outbox;
pub mod pause_reasons;
pub mod routing;
pub mod schedules;
pub mod service_admin;
pub mod service_runtime;
pub mod services;
pub mod surveys;
pub mod switchable;
pub mod timeouts;
pub mod user_admin;
pub mod users;
pub mod webhook_deliveries;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::AnyPool;

pub use connect::connect;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// A record's id and name: a choice in a list.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdName {
    pub id: i64,
    pub name: String,
}

/// A name that belongs to another record, for lists of many records at once: one of a group's
/// members, one of a service's groups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct NameOf {
    pub owner_id: i64,
    pub name: String,
}

/// One page of a searchable list, and how many match in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// The names, grouped by the record they belong to, in the order given.
pub fn names_by_owner(rows: Vec<NameOf>) -> std::collections::HashMap<i64, Vec<String>> {
    let mut by_owner: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for row in rows {
        by_owner.entry(row.owner_id).or_default().push(row.name);
    }
    by_owner
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL scheme: expected sqlite:// or postgres://")
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with (for a second, typed pool such as the session store's).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Applies the pending migrations of this backend.
    #[tracing::instrument(skip(self))]
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("Failed to apply database migrations")
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .context("Failed to reach the database")?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Timestamps are stored as UTC milliseconds since the epoch.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Rows of `sql` for these ids: `sql` has `{ids}` where the `IN (…)` list goes.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fetch_with_ids<T>(pool: &AnyPool, sql: &str, ids: &[i64]) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (1..=ids.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = sql.replace("{ids}", &list);
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(pool).await
}
