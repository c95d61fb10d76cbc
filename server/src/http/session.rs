//! Sessions live in our own database (they survive restarts and are shared by every instance),
//! through tower-sessions' sqlx stores. The store needs a typed pool, so it gets its own small one.

use anyhow::Context;
use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::str::FromStr;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::config::Settings;
use crate::store::{Backend, Store};

pub const COOKIE_NAME: &str = "atende_session";

#[derive(Debug, Clone)]
pub enum SqlSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SqlSessionStore {
    /// Opens the session store next to the application's tables and creates its table.
    pub async fn open(store: &Store) -> anyhow::Result<SqlSessionStore> {
        let session_store = match store.backend() {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(store.url())
                    .context("Failed to read the SQLite URL")?
                    .busy_timeout(std::time::Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options)
                    .await?;
                SqlSessionStore::Sqlite(SqliteStore::new(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .connect(store.url())
                    .await?;
                SqlSessionStore::Postgres(PostgresStore::new(pool))
            }
        };
        session_store
            .migrate()
            .await
            .context("Failed to create the session table")?;
        Ok(session_store)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            SqlSessionStore::Sqlite(store) => store.migrate().await,
            SqlSessionStore::Postgres(store) => store.migrate().await,
        }
    }

    /// Removes expired sessions every few minutes, for as long as the server runs.
    pub fn spawn_cleanup(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let period = tokio::time::Duration::from_secs(300);
            if let Err(error) = store.continuously_delete_expired(period).await {
                tracing::error!(error = %error, "Expired-session cleanup stopped");
            }
        });
    }
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SqlSessionStore::Sqlite(store) => store.create(record).await,
            SqlSessionStore::Postgres(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SqlSessionStore::Sqlite(store) => store.save(record).await,
            SqlSessionStore::Postgres(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SqlSessionStore::Sqlite(store) => store.load(id).await,
            SqlSessionStore::Postgres(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SqlSessionStore::Sqlite(store) => store.delete(id).await,
            SqlSessionStore::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SqlSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SqlSessionStore::Sqlite(store) => store.delete_expired().await,
            SqlSessionStore::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// HttpOnly, SameSite=Lax, Secure behind https; expires after the idle timeout, which every
/// request renews (`always_save`).
pub fn layer(store: SqlSessionStore, settings: &Settings) -> SessionManagerLayer<SqlSessionStore> {
    let idle = time::Duration::minutes(settings.session_idle_minutes);
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.uses_https())
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true)
}
