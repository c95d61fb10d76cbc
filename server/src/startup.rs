//! Builds the whole application from `Settings`, so tests can start it on port 0 with their
//! own database exactly as `main` does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::server::{Services, SessionPolicy};
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use crate::admin::groups::GroupAdminService;
use crate::admin::pause_reasons::PauseReasonAdminService;
use crate::admin::schedules::ScheduleAdminService;
use crate::admin::services::ServiceAdminService;
use crate::admin::settings::GeneralSettingsService;
use crate::admin::survey_report::SurveyReportService;
use crate::admin::users::UserAdminService;
use crate::auth::accounts::AccountService;
use crate::channels::meta::credentials::{Credentials, MetaCredentials};
use crate::channels::meta::delivery_writer::DeliveryWriter;
use crate::channels::meta::graph::{GraphClient, HostPolicy};
use crate::channels::meta::ingest::Ingest;
use crate::channels::meta::inspection::WebhookInspection;
use crate::channels::meta::sender::Sender;
use crate::config::Settings;
use crate::console::hub::Hub;
use crate::console::ConsoleService;
use crate::conversation::channel::Channel;
use crate::conversation::live_signal::LiveSignal;
use crate::conversation::policies::timeouts::Timeouts;
use crate::conversation::profiles::ProfileFetcher;
use crate::conversation::routing::Router;
use crate::conversation::sending::OutboxWorker;
use crate::domain::graph_hosts::{self, GraphHosts};
use crate::domain::login_throttle::ThrottlePolicy;
use crate::http;
use crate::lifecycle::Shutdown;
use crate::media::fetcher::MediaFetcher;
use crate::media::MediaFiles;
use crate::sandbox::Sandbox;
use crate::secret_box::SecretBox;
use crate::state::AppState;
use crate::store::{self, Store};
use crate::worker::Workers;

/// How long shutdown waits for the workers' items in hand.
const WORKER_DRAIN: Duration = Duration::from_secs(10);

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Store,
    workers: Workers,
    shutdown: Shutdown,
    limits: http::serve::ConnectionLimits,
}

impl Application {
    /// Opens and migrates the database, makes sure an admin exists, binds the port.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.check_secrets()?;
        let store =
            store::connect(&settings.database_url, settings.database_max_connections).await?;
        store.migrate().await?;
        let accounts = AccountService::new(store.clone(), throttle_policy(&settings));
        // Unknown-user logins verify against a dummy hash; make it now so that the first such
        // login takes no longer than a wrong password does.
        crate::auth::password::warm_up().await?;
        accounts.spawn_failure_pruning();
        crate::bootstrap::ensure_admin(&accounts, settings.admin_password.clone()).await?;

        let sessions = http::session::SqlSessionStore::open(&store).await?;
        sessions.spawn_cleanup();
        let time_zone = settings
            .time_zone
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid time_zone: {e}"))?;
        let address = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&address)
            .await
            .with_context(|| format!("Failed to listen on {address}"))?;
        let live = LiveSignal::default();
        let workers = Workers::default();
        let shutdown = Shutdown::default();
        let deliveries = DeliveryWriter::spawn(store.clone(), &workers);
        let ingest = Ingest::new(store.clone())
            .with_live(live.clone())
            .with_time_zone(time_zone)
            .yielding_to(deliveries.backlog());
        ingest.spawn(&workers);
        let router = Router::new(store.clone(), ingest.processed())
            .with_live(live.clone())
            .with_grace(Duration::from_secs(settings.console_grace_seconds))
            .with_offer_time(Duration::from_secs(settings.offer_seconds));
        router.spawn(&workers);
        Timeouts::new(store.clone(), router.clone(), live.clone(), time_zone).spawn(&workers);
        let sealed = store::general_settings::any_sealed_secret(store.pool()).await?;
        let secrets = SecretBox::load_for(
            settings.secret_key.as_ref(),
            &settings.secret_key_file,
            sealed.as_deref(),
        )?;
        let meta = MetaCredentials::new(
            store.clone(),
            secrets.clone(),
            Credentials {
                app_secret: settings.meta_app_secret.clone(),
                verify_token: settings.meta_verify_token.clone(),
            },
        );
        // Tests listen on port 0: their external URL cannot be known before binding.
        let public_url = if settings.port == 0 {
            loopback_url(listener.local_addr()?)
        } else {
            settings.external_url.to_string()
        };
        let graph = GraphClient::new(HostPolicy::new(
            store.clone(),
            graph_hosts(&settings, listener.local_addr()?)?,
        ))?;
        let meta_channel: Arc<dyn Channel> =
            Arc::new(Sender::new(store.clone(), secrets.clone(), graph.clone()));
        let outbox = OutboxWorker::new(
            store.clone(),
            meta_channel.clone(),
            public_url,
            live.clone(),
            Duration::from_secs(settings.echo_wait_seconds),
        );
        outbox.spawn(&workers);
        let service_admin = ServiceAdminService::new(
            store.clone(),
            router.clone(),
            secrets.clone(),
            graph.clone(),
        );
        ProfileFetcher::new(store.clone(), meta_channel.clone())
            .with_live(live.clone())
            .spawn(&workers);
        let media_files = MediaFiles::new(&settings.attachments_dir);
        crate::retention::Retention::new(store.clone(), media_files.clone()).spawn(&workers);
        MediaFetcher::new(store.clone(), media_files.clone())?
            .with_live(live.clone())
            .spawn(&workers);
        let sandbox = if settings.sandbox {
            let base_url = loopback_url(listener.local_addr()?);
            tracing::warn!(%base_url, "The Messenger sandbox is on: never in production");
            Some(Sandbox::start(
                store.clone(),
                secrets.clone(),
                meta.clone(),
                base_url,
            )?)
        } else {
            None
        };
        let hub = Hub::new(store.clone(), time_zone, live.clone());
        hub.spawn(&workers);
        let console = ConsoleService::new(
            store.clone(),
            outbox.clone(),
            meta_channel,
            router.clone(),
            live.clone(),
            time_zone,
        );
        let console: Arc<dyn app::server::Console> = Arc::new(console);
        let users =
            UserAdminService::new(store.clone(), router.clone(), console.clone(), time_zone);
        let services = Services {
            accounts: Arc::new(accounts),
            webhooks: Arc::new(WebhookInspection::new(
                store.clone(),
                time_zone,
                ingest.clone(),
            )),
            console,
            users: Arc::new(users),
            groups: Arc::new(GroupAdminService::new(store.clone(), router.clone())),
            pause_reasons: Arc::new(PauseReasonAdminService::new(store.clone())),
            service_admin: Arc::new(service_admin),
            schedules: Arc::new(ScheduleAdminService::new(store.clone())),
            general_settings: Arc::new(GeneralSettingsService::new(
                store.clone(),
                meta.clone(),
                graph.hosts().clone(),
                settings.clone(),
            )),
            surveys: Arc::new(SurveyReportService::new(store.clone(), time_zone)),
            session_policy: SessionPolicy {
                absolute_timeout: chrono::Duration::hours(settings.session_absolute_hours),
            },
            time_zone,
        };
        let state = AppState {
            leptos_options: leptos_options(&settings, listener.local_addr()?),
            store: store.clone(),
            services,
            settings: Arc::new(settings),
            ingest,
            deliveries,
            outbox,
            meta,
            sandbox,
            media_files,
            live,
            hub,
            workers: workers.clone(),
            sessions: sessions.clone(),
            shutdown: shutdown.clone(),
        };
        let limits = http::serve::ConnectionLimits {
            header_read: Duration::from_secs(state.settings.http_header_timeout_seconds),
            max_connections: state.settings.http_max_connections,
            drain: WORKER_DRAIN,
        };
        let router = crate::routes::router(state, sessions);
        Ok(Application {
            listener,
            router,
            store,
            workers,
            shutdown,
            limits,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` resolves; in-flight requests finish first.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "Atende is listening");
        let begin = self.shutdown.clone();
        let shutdown = async move {
            shutdown.await;
            // Consoles hear it first: they reconnect (to another instance) at once.
            begin.begin();
        };
        http::serve::serve(self.listener, self.router, self.limits, shutdown)
            .await
            .context("HTTP server failed")?;
        // The workers finish the item in hand (a delivery, a send) before the database closes.
        self.workers.shut_down(WORKER_DRAIN).await;
        self.store.close().await;
        tracing::info!("Atende stopped");
        Ok(())
    }
}

/// Where Graph calls may go besides Meta's hosts: the configured extra hosts and, with the
/// sandbox on, the sandbox's own origins (loopback and the external URL).
fn graph_hosts(settings: &Settings, address: SocketAddr) -> anyhow::Result<GraphHosts> {
    let extra = graph_hosts::parse_list(&settings.graph_hosts)
        .map_err(|e| anyhow::anyhow!("invalid graph_hosts: {e}"))?;
    let sandbox = if settings.sandbox {
        let loopback = url::Url::parse(&loopback_url(address))?;
        vec![
            loopback.origin().ascii_serialization(),
            settings.external_url.origin().ascii_serialization(),
        ]
    } else {
        Vec::new()
    };
    Ok(GraphHosts { sandbox, extra })
}

/// How this process reaches itself over HTTP (the sandbox calls our own webhook).
fn loopback_url(address: SocketAddr) -> String {
    let mut address = address;
    if address.ip().is_unspecified() {
        let loopback = match address {
            SocketAddr::V4(_) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            SocketAddr::V6(_) => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        address.set_ip(loopback);
    }
    format!("http://{address}")
}

pub fn throttle_policy(settings: &Settings) -> ThrottlePolicy {
    ThrottlePolicy {
        max_per_account: settings.login_max_failures_per_account,
        max_per_ip: settings.login_max_failures_per_ip,
        window: chrono::Duration::minutes(settings.login_failure_window_minutes),
    }
}

/// Leptos' own options, from our settings (cargo-leptos' `LEPTOS_*` variables still apply to
/// the site folder when it runs the server).
fn leptos_options(settings: &Settings, address: SocketAddr) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT")
        .unwrap_or_else(|_| settings.site_root.display().to_string());
    LeptosOptions::builder()
        .output_name("atende")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(address)
        .build()
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %error, "Failed to listen for Ctrl-C");
            // Never shut down because a signal could not be watched.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(error = %error, "Failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("Shutting down: finishing in-flight requests");
}
