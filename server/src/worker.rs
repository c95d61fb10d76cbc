//! The loop every background worker runs: do the pending work, then sleep until woken (new
//! work was just stored) or until the next tick (work left by a crash, another instance, or a
//! retry coming due).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub fn spawn_loop<F, Fut>(name: &'static str, tick: Duration, wake: Arc<Notify>, mut work: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    tokio::spawn(async move {
        loop {
            if let Err(error) = work().await {
                tracing::error!(worker = name, error = ?error, "Background work failed; retrying shortly");
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(tick) => {}
            }
        }
    });
}
