use std::sync::Arc;

use app::model::Role;
use atende_server::auth::accounts::AccountService;
use atende_server::config::Settings;
use atende_server::domain::account::{DisplayName, NewPassword, Username};
use atende_server::startup::{throttle_policy, Application};
use atende_server::store::Store;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::Connection;

pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const META_APP_SECRET: &str = "test-app-secret";
pub const META_VERIFY_TOKEN: &str = "test-verify-token";
/// The key that seals page tokens in tests (64 hex digits).
pub const SECRET_KEY_HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";

pub fn secret_box() -> atende_server::secret_box::SecretBox {
    atende_server::secret_box::SecretBox::from_key(&[7; 32])
}

/// Runs each listed scenario as two tests, `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::helpers::TestDb::sqlite();
                    $crate::helpers::within_limit(super::$scenario(db)).await;
                }

                #[tokio::test]
                async fn postgres() {
                    match $crate::helpers::TestDb::postgres().await {
                        Some(db) => $crate::helpers::within_limit(super::$scenario(db)).await,
                        None => eprintln!("skipped: ATENDE_TEST_POSTGRES_URL is not set"),
                    }
                }
            }
        )*
    };
}

/// A scenario still running after this long has hung: it fails (and libtest names it)
/// instead of holding the whole suite until CI's limit. The slowest take about 40 s under load.
pub const SCENARIO_LIMIT: std::time::Duration = std::time::Duration::from_secs(180);

pub async fn within_limit(scenario: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(SCENARIO_LIMIT, scenario)
        .await
        .is_err()
    {
        panic!("still running after {SCENARIO_LIMIT:?}: the scenario hangs");
    }
}

/// A fresh database: a SQLite file in a temporary folder, or a new PostgreSQL database.
pub struct TestDb {
    pub url: String,
    _dir: Option<Arc<tempfile::TempDir>>,
    /// The attachment storage of this test.
    pub files: Arc<tempfile::TempDir>,
    /// For PostgreSQL: the server URL and the database to drop when the test ends.
    postgres: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: use a thread with its own to wait for the DROP.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&server).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(&sql).execute(&mut conn).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop test database");
        }
    }
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("atende.db").display());
        TestDb {
            url,
            _dir: Some(Arc::new(dir)),
            files: Arc::new(tempfile::tempdir().expect("temporary folder")),
            postgres: None,
        }
    }

    pub async fn postgres() -> Option<TestDb> {
        let server = std::env::var("ATENDE_TEST_POSTGRES_URL").ok()?;
        let name = format!("atende_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&server)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let mut url = url::Url::parse(&server).expect("PostgreSQL URL");
        url.set_path(&name);
        Some(TestDb {
            url: url.to_string(),
            _dir: None,
            files: Arc::new(tempfile::tempdir().expect("temporary folder")),
            postgres: Some((server, name)),
        })
    }

    pub fn settings(&self) -> Settings {
        let mut settings = Settings::for_tests(&self.url);
        settings.admin_password = Some(SecretString::from(ADMIN_PASSWORD.to_owned()));
        settings.meta_app_secret = Some(SecretString::from(META_APP_SECRET.to_owned()));
        settings.meta_verify_token = Some(SecretString::from(META_VERIFY_TOKEN.to_owned()));
        settings.secret_key = Some(SecretString::from(SECRET_KEY_HEX.to_owned()));
        // The Graph stand-ins of the tests listen on 127.0.0.1 (any port); the token-leak
        // tests use other loopback addresses, which stay refused.
        settings.graph_hosts = "127.0.0.1".to_owned();
        settings.attachments_dir = self.files.path().to_owned();
        settings
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub accounts: AccountService,
    pub db: TestDb,
}

pub async fn spawn_app(db: TestDb) -> TestApp {
    let settings = db.settings();
    spawn_app_with(db, settings).await
}

/// An app that stops gracefully (as on SIGTERM) when the returned sender is used.
pub async fn spawn_stoppable_app(db: TestDb) -> (TestApp, tokio::sync::oneshot::Sender<()>) {
    let settings = db.settings();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = spawn_app_until(db, settings, async move {
        let _ = stopped.await;
    })
    .await;
    (app, stop)
}

pub async fn spawn_app_with(db: TestDb, settings: Settings) -> TestApp {
    spawn_app_until(db, settings, std::future::pending()).await
}

async fn spawn_app_until(
    db: TestDb,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> TestApp {
    // `TEST_LOG=1 cargo test …` shows the server's logs.
    if std::env::var_os("TEST_LOG").is_some() {
        atende_server::telemetry::init(&settings.log_format);
    }
    let accounts_policy = throttle_policy(&settings);
    let application = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://{}", application.local_addr().expect("address"));
    let store = application.store().clone();
    tokio::spawn(application.run_until(shutdown));
    TestApp {
        address,
        client: client(),
        accounts: AccountService::new(store.clone(), accounts_policy),
        store,
        db,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, and gives up on an
/// answer after a minute (a test that waits for ever hides which request hung).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn create_user(&self, username: &str, role: Role, password: &str) -> i64 {
        self.accounts
            .create_user(
                &Username::parse(username).expect("username"),
                &DisplayName::parse(&format!("User {username}")).expect("name"),
                NewPassword::parse(SecretString::from(password.to_owned())).expect("password"),
                role,
                "pt-BR",
            )
            .await
            .expect("insert user")
            .expect("new user")
    }

    /// POSTs a form to a server function the way the browser does (with our Origin).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("Origin", &self.address)
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "auth/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    pub async fn current_user(&self, client: &reqwest::Client) -> Value {
        let response = self.call(client, "auth/current_user", &[]).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON body")
    }
}

pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("atende_session="))
        .map(str::to_owned)
}

/// An active Messenger service for `page` whose integration URL is `integration_url` and,
/// when given, whose page token is `token` (sealed with the tests' key); returns its id.
pub async fn bind_service(
    app: &TestApp,
    page: &str,
    integration_url: &str,
    token: Option<&str>,
) -> i64 {
    bind_service_in(&app.store, page, integration_url, token).await
}

/// `bind_service` on a store (with no `TestApp` at hand).
pub async fn bind_service_in(
    store: &Store,
    page: &str,
    integration_url: &str,
    token: Option<&str>,
) -> i64 {
    use atende_server::domain::service::{Cifra, IntegrationUrl, ServiceName};
    use atende_server::store::services::{self, ServiceSpec};
    use atende_server::store::webhook_deliveries::Channel;

    let spec = ServiceSpec {
        name: &ServiceName::parse("Loja Demo").expect("name"),
        channel: Channel::Messenger,
        cifra: &Cifra::parse(page).expect("cifra"),
        integration_url: &IntegrationUrl::parse(integration_url).expect("url"),
        active: true,
    };
    let pool = store.pool();
    services::upsert(pool, &spec, chrono::Utc::now())
        .await
        .expect("service");
    let service = services::access_token_of(pool, Channel::Messenger, page)
        .await
        .expect("query")
        .expect("service")
        .id;
    if let Some(token) = token {
        let sealed = secret_box()
            .seal(&SecretString::from(token.to_owned()))
            .expect("sealed");
        services::set_access_token(pool, service, &sealed, chrono::Utc::now())
            .await
            .expect("token");
    }
    service
}

/// POSTs `body` to the Messenger webhook signed with the tests' app secret.
pub async fn post_signed(app: &TestApp, body: &str) -> reqwest::Response {
    use atende_server::channels::meta::signature;
    app.client
        .post(app.url("/hook/messageFacebook"))
        .header(
            "X-Hub-Signature-256",
            signature::sign(META_APP_SECRET.as_bytes(), body.as_bytes()),
        )
        .body(body.to_owned())
        .send()
        .await
        .expect("sent")
}

/// Delivers a signed body (it must get its 200) and processes what is pending.
pub async fn deliver_and_process(app: &TestApp, body: &str) {
    assert_eq!(post_signed(app, body).await.status(), 200);
    atende_server::channels::meta::ingest::Ingest::new(app.store.clone())
        .process_pending()
        .await
        .expect("processed");
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A group serving `service` whose members are new agents `names` (password
/// `agent-password-2026`), each with `positions` positions; returns their ids.
pub async fn agents_serving(
    app: &TestApp,
    service: i64,
    names: &[&str],
    positions: i64,
) -> Vec<i64> {
    use app::model::Role;

    let pool = app.store.pool();
    let group: i64 = sqlx::query_scalar(
        "INSERT INTO agent_groups (name, created_at) VALUES ('Atendimento', 0) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .expect("group");
    sqlx::query("INSERT INTO service_groups (service_id, group_id) VALUES ($1, $2)")
        .bind(service)
        .bind(group)
        .execute(pool)
        .await
        .expect("service group");
    let mut ids = Vec::new();
    for name in names {
        let id = app
            .create_user(name, Role::Agent, "agent-password-2026")
            .await;
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group)
            .bind(id)
            .execute(pool)
            .await
            .expect("member");
        sqlx::query("INSERT INTO agent_states (user_id, positions) VALUES ($1, $2)")
            .bind(id)
            .bind(positions)
            .execute(pool)
            .await
            .expect("positions");
        ids.push(id);
    }
    ids
}

/// The Messenger page (the service's cifra) most scenarios write to.
pub const PAGE_ID: &str = "104719482392816";
/// The customer (page-scoped id) who writes in most scenarios.
pub const CUSTOMER_PSID: &str = "7300112233445566";

/// A Messenger webhook delivery of `events` (JSON objects, comma-separated) to `page`.
pub fn page_delivery(page: &str, events: &str) -> String {
    format!(
        r#"{{"object":"page","entry":[{{"id":"{page}","time":1732190000000,"messaging":[{events}]}}]}}"#
    )
}

/// The customer's text to the page, as one messaging event.
pub fn customer_text(mid: &str, text: &str, timestamp: i64) -> String {
    format!(
        r#"{{"sender":{{"id":"{CUSTOMER_PSID}"}},"recipient":{{"id":"{PAGE_ID}"}},"timestamp":{timestamp},"message":{{"mid":"{mid}","text":"{text}"}}}}"#
    )
}
