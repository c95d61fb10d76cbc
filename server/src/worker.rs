//! The background workers, supervised. Each loop does the pending work, then sleeps until
//! woken (new work was just stored) or until the next tick (work left by a crash, another
//! instance, or a retry coming due).
//!
//! A worker that panics is restarted after a growing pause (and the panic logged as an
//! error), never silently gone; each records its progress, so `/readyz` can tell an instance
//! whose worker is stuck from a healthy one; at shutdown each finishes the item in hand.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::lifecycle::Shutdown;

/// The pause before the first restart after a panic; it doubles up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest pause before a loop whose pass failed tries again (its tick, if shorter).
const RETRY_PAUSE: Duration = Duration::from_secs(1);

tokio::task_local! {
    static CURRENT: Current;
}

/// What a worker's own code can reach while it runs (see `progress` and `stopping`).
#[derive(Clone)]
struct Current {
    name: &'static str,
    workers: Workers,
}

/// Records that the worker running this code moved one item on (a delivery, a send): long
/// drains are progress too. Outside a worker (tests calling the work directly) it does nothing.
pub fn progress() {
    let _ = CURRENT.try_with(|current| current.workers.note_progress(current.name));
}

/// Whether the instance is shutting down: a worker finishes the item in hand and stops
/// taking new ones. Always false outside a worker.
pub fn stopping() -> bool {
    CURRENT
        .try_with(|current| current.workers.inner.stop.is_begun())
        .unwrap_or(false)
}

#[derive(Debug, Clone)]
struct Health {
    last_progress: Instant,
    restarts: u32,
}

/// A worker that has not moved on for longer than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    pub name: &'static str,
    pub idle_seconds: u64,
    pub restarts: u32,
}

/// The workers of one instance (tests run several instances in one process: nothing global).
#[derive(Clone)]
pub struct Workers {
    inner: Arc<Inner>,
}

struct Inner {
    health: Mutex<BTreeMap<&'static str, Health>>,
    /// Begins after HTTP has drained (unlike the instance's, which begins at the signal).
    stop: Shutdown,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Default for Workers {
    fn default() -> Self {
        Workers {
            inner: Arc::new(Inner {
                health: Mutex::new(BTreeMap::new()),
                stop: Shutdown::default(),
                tasks: Mutex::new(Vec::new()),
            }),
        }
    }
}

impl Workers {
    /// Runs `work` now, then each time `wake` is notified or `tick` has passed.
    pub fn spawn_loop<F, Fut>(&self, name: &'static str, tick: Duration, wake: Arc<Notify>, work: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let mut work = work;
        let stop = self.inner.stop.clone();
        self.supervise(name, move || {
            let pass = work();
            let wake = wake.clone();
            let stop = stop.clone();
            async move {
                if let Err(error) = pass.await {
                    tracing::error!(worker = name, error = ?error, "Background work failed; retrying shortly");
                    // A failure can come back without ever waiting (a closed pool answers at
                    // once): without this pause the loop would spin and starve the runtime.
                    tokio::select! {
                        () = tokio::time::sleep(tick.min(RETRY_PAUSE)) => {}
                        () = stop.begun() => {}
                    }
                    return;
                }
                progress();
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(tick) => {}
                    () = stop.begun() => {}
                }
            }
        });
    }

    /// Runs `round` again and again until shutdown, restarting it after a panic with a
    /// growing pause. A round that returns is simply started again.
    pub fn supervise<F, Fut>(&self, name: &'static str, mut round: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        self.note_progress(name);
        let current = Current {
            name,
            workers: self.clone(),
        };
        let workers = self.clone();
        let task = tokio::spawn(CURRENT.scope(current, async move {
            let mut backoff = FIRST_BACKOFF;
            while !stopping() {
                match AssertUnwindSafe(round()).catch_unwind().await {
                    Ok(()) => backoff = FIRST_BACKOFF,
                    Err(panic) => {
                        let restarts = workers.note_restart(name);
                        tracing::error!(
                            worker = name,
                            restarts,
                            panic = panic_text(panic.as_ref()),
                            pause_ms = backoff.as_millis() as u64,
                            "A background worker panicked; restarting it"
                        );
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
            tracing::info!(worker = name, "Worker stopped");
        }));
        if let Ok(mut tasks) = self.inner.tasks.lock() {
            tasks.push(task);
        }
    }

    /// The workers that have made no progress for longer than `limit`.
    pub fn stalled(&self, limit: Duration) -> Vec<Stalled> {
        let Ok(health) = self.inner.health.lock() else {
            return Vec::new();
        };
        health
            .iter()
            .filter(|(_, h)| h.last_progress.elapsed() > limit)
            .map(|(name, h)| Stalled {
                name,
                idle_seconds: h.last_progress.elapsed().as_secs(),
                restarts: h.restarts,
            })
            .collect()
    }

    /// Asks every worker to stop after the item in hand and waits (at most `limit`).
    pub async fn shut_down(&self, limit: Duration) {
        self.inner.stop.begin();
        let tasks = match self.inner.tasks.lock() {
            Ok(mut tasks) => std::mem::take(&mut *tasks),
            Err(_) => return,
        };
        let all = futures::future::join_all(tasks);
        if tokio::time::timeout(limit, all).await.is_err() {
            tracing::warn!(limit_s = limit.as_secs(), "Workers still busy at shutdown");
        }
    }

    fn note_progress(&self, name: &'static str) {
        if let Ok(mut health) = self.inner.health.lock() {
            let entry = health.entry(name).or_insert(Health {
                last_progress: Instant::now(),
                restarts: 0,
            });
            entry.last_progress = Instant::now();
        }
    }

    fn note_restart(&self, name: &'static str) -> u32 {
        match self.inner.health.lock() {
            Ok(mut health) => health.get_mut(name).map_or(0, |h| {
                h.restarts += 1;
                h.restarts
            }),
            Err(_) => 0,
        }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_worker_that_panics_is_restarted() {
        let workers = Workers::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        workers.spawn_loop(
            "flaky",
            Duration::from_millis(10),
            Arc::new(Notify::new()),
            move || {
                let runs = counted.clone();
                async move {
                    if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                        panic!("first pass breaks");
                    }
                    Ok(())
                }
            },
        );
        // A panic's backtrace can take long to print on a busy machine: wait for the runs.
        let started = Instant::now();
        while runs.load(Ordering::SeqCst) < 3 && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(runs.load(Ordering::SeqCst) >= 3, "it kept working");
        assert!(workers.stalled(Duration::from_secs(5)).is_empty());
    }

    #[test]
    fn a_failing_pass_waits_before_it_runs_again() {
        // The loop runs on its own runtime and is counted from this thread: a loop that spins
        // starves its runtime, and the test must fail, not hang with it.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let _workers = runtime.block_on(async move {
            let workers = Workers::default();
            workers.spawn_loop(
                "failing",
                Duration::from_millis(100),
                Arc::new(Notify::new()),
                move || {
                    let runs = counted.clone();
                    // Fails at once, never awaiting: as every query does once the pool is
                    // closed.
                    async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        Err(anyhow::anyhow!("pool closed"))
                    }
                },
            );
            workers
        });
        let driver = std::thread::spawn(move || {
            runtime.block_on(async { tokio::time::sleep(Duration::from_millis(350)).await });
            runtime.shutdown_background();
        });
        std::thread::sleep(Duration::from_millis(500));
        let seen = runs.load(Ordering::SeqCst);
        assert!((1..=6).contains(&seen), "{seen} passes in 350 ms: it spun");
        driver.join().expect("the runtime stopped");
    }

    #[tokio::test]
    async fn a_stuck_worker_shows_as_stalled_with_its_restarts() {
        let workers = Workers::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        workers.spawn_loop(
            "stuck",
            Duration::from_millis(10),
            Arc::new(Notify::new()),
            move || {
                let runs = counted.clone();
                async move {
                    if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                        panic!("breaks twice");
                    }
                    std::future::pending::<()>().await;
                    Ok(())
                }
            },
        );
        let started = Instant::now();
        let mut stalled = Vec::new();
        while started.elapsed() < Duration::from_secs(20) {
            stalled = workers.stalled(Duration::from_millis(200));
            if stalled.first().is_some_and(|s| s.restarts == 2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(stalled.len(), 1, "{stalled:?}");
        assert_eq!(stalled[0].name, "stuck");
        assert_eq!(stalled[0].restarts, 2);
    }

    #[tokio::test]
    async fn shutdown_lets_the_item_in_hand_finish() {
        let workers = Workers::default();
        let finished = Arc::new(AtomicUsize::new(0));
        let counted = finished.clone();
        workers.spawn_loop(
            "slow",
            Duration::from_secs(60),
            Arc::new(Notify::new()),
            move || {
                let finished = counted.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            },
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        workers.shut_down(Duration::from_secs(5)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            1,
            "the pass in hand finished"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 1, "no new pass began");
    }
}
