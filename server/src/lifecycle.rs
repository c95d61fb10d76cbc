//! The instance's shutdown, as a signal: long-lived connections (the consoles' WebSockets)
//! are told to reconnect elsewhere the moment shutdown begins, while HTTP drains.

use std::sync::Arc;

use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(watch::Sender::new(false)))
    }
}

impl Shutdown {
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn is_begun(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once shutdown has begun (at once if it already has).
    pub async fn begun(&self) {
        let mut receiver = self.0.subscribe();
        // `wait_for` fails only if the sender is gone, which `self` prevents.
        let _ = receiver.wait_for(|begun| *begun).await;
    }
}
