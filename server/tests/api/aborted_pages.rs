//! Browsers abort page loads all the time (a click elsewhere, a closed tab). An aborted
//! server-side render must end quietly: no panic in the server's workers, which once showed
//! as "Tried to access a reactive value that has already been disposed" under load.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::helpers::{client, spawn_app, TestApp, TestDb, ADMIN_PASSWORD};

const PAGES: [&str; 9] = [
    "/admin",
    "/admin/services",
    "/admin/groups",
    "/admin/users",
    "/admin/schedules",
    "/admin/settings",
    "/admin/surveys",
    "/admin/pause-reasons",
    "/admin/audit",
];

/// Panics anywhere in this test process that name a disposed reactive value (other tests'
/// failed assertions do not).
fn disposed_panics() -> Arc<AtomicUsize> {
    static COUNT: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
    COUNT
        .get_or_init(|| {
            let count = Arc::new(AtomicUsize::new(0));
            let counted = count.clone();
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if info.to_string().contains("disposed") {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                previous(info);
            }));
            count
        })
        .clone()
}

/// An app on SQLite and a browser signed in to it as the admin.
async fn admin_signed_in() -> (TestApp, reqwest::Client) {
    let app = spawn_app(TestDb::sqlite()).await;
    let browser = client();
    assert_eq!(
        app.login(&browser, "admin", ADMIN_PASSWORD).await.status(),
        200
    );
    (app, browser)
}

// Several worker threads, as in production: a render's tasks may run on any of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aborted_page_loads_never_panic_the_server() {
    let panics = disposed_panics();
    let (app, browser) = admin_signed_in().await;
    let before = panics.load(Ordering::SeqCst);
    let mut loads = tokio::task::JoinSet::new();
    for n in 0..1500u64 {
        let url = app.url(PAGES[n as usize % PAGES.len()]);
        let browser = browser.clone();
        // Cut at every point of the render: before the answer, mid-stream, near the end.
        let cut = Duration::from_micros((n * 7919) % 4_000);
        loads.spawn(async move {
            let load = async {
                let response = browser
                    .get(url)
                    .header("Accept", "text/html")
                    .send()
                    .await?;
                response.bytes().await
            };
            let _ = tokio::time::timeout(cut, load).await;
        });
        if n % 32 == 0 {
            tokio::task::yield_now().await;
        }
    }
    while loads.join_next().await.is_some() {}
    // Renders whose client left finish (or are dropped) in the background.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (status, _) = {
        let response = browser.get(app.url("/admin")).send().await.expect("sent");
        (response.status(), ())
    };
    assert_eq!(status, 200, "the server still serves pages");
    assert_eq!(
        panics.load(Ordering::SeqCst) - before,
        0,
        "renders panicked after their client left"
    );
}

/// Pages, 404s and server-function calls side by side on one thread, as on a busy worker:
/// each must read only its own reactive values. The page title was once computed after the
/// render had yielded, in whichever request's reactive arena the thread had touched last,
/// and panicked ("already been disposed") when that one had just finished. Panics are what
/// is counted: under the whole suite's load some answers come late or cut (printed), which
/// is not this test's concern.
#[tokio::test]
async fn pages_served_side_by_side_read_only_their_own_values() {
    let panics = disposed_panics();
    let (app, browser) = admin_signed_in().await;
    let before = panics.load(Ordering::SeqCst);
    for _round in 0..15 {
        let mut loads = tokio::task::JoinSet::new();
        for n in 0..45usize {
            let path = match n % 5 {
                3 => "/no-such-page",
                4 => "/login",
                _ => PAGES[n % PAGES.len()],
            };
            let request = browser
                .get(app.url(path))
                .header("Accept", "text/html")
                .header("Accept-Language", if n % 2 == 0 { "en" } else { "pt-BR" });
            loads.spawn(async move {
                // A render that stalls is cut by the server (limits::stalled_body) and by
                // the client's timeout: neither lets this test hang.
                let load = async { request.send().await?.bytes().await };
                (path, load.await.is_ok())
            });
        }
        for _ in 0..15 {
            let call = browser
                .post(app.url("/api/auth/current_user"))
                .header("Origin", &app.address)
                .send();
            loads.spawn(async move { ("/api/auth/current_user", call.await.is_ok()) });
        }
        while let Some(done) = loads.join_next().await {
            if let Ok((path, false)) = done {
                eprintln!("incomplete answer: {path}");
            }
        }
    }
    assert_eq!(
        panics.load(Ordering::SeqCst) - before,
        0,
        "a request read another one's reactive values"
    );
    let page = browser.get(app.url("/admin")).send().await.expect("sent");
    let body = page.text().await.expect("body");
    assert!(
        body.contains("<title>Atende</title>"),
        "the title is still there"
    );
}
