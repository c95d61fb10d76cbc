//! The one application state, built once at start-up and injected; nothing global.

use std::sync::Arc;

use app::server::Services;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::channels::meta::credentials::MetaCredentials;
use crate::channels::meta::delivery_writer::DeliveryWriter;
use crate::channels::meta::ingest::Ingest;
use crate::config::Settings;
use crate::console::hub::Hub;
use crate::conversation::live_signal::LiveSignal;
use crate::conversation::sending::OutboxWorker;
use crate::http::session::SqlSessionStore;
use crate::lifecycle::Shutdown;
use crate::media::MediaFiles;
use crate::sandbox::Sandbox;
use crate::store::Store;
use crate::worker::Workers;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub services: Services,
    pub settings: Arc<Settings>,
    pub ingest: Ingest,
    pub deliveries: DeliveryWriter,
    /// Delivers what conversations queue, through their channel.
    pub outbox: OutboxWorker,
    /// The webhook's app secret and verify token, read live.
    pub meta: MetaCredentials,
    /// The Messenger sandbox, when `ATENDE_SANDBOX` is on.
    pub sandbox: Option<Sandbox>,
    /// The attachment storage.
    pub media_files: MediaFiles,
    /// Tells open consoles that something may have changed.
    pub live: LiveSignal,
    /// Feeds the consoles connected to this instance.
    pub hub: Hub,
    /// The background workers, for readiness and shutdown.
    pub workers: Workers,
    /// The session store, for connections that outlive their request (the live channel).
    pub sessions: SqlSessionStore,
    /// Begins when the instance starts shutting down.
    pub shutdown: Shutdown,
}
