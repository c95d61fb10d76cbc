//! "Live events were written": a counter the console hub (and tests) wait on, bumped by
//! whatever writes conversation events, so a console learns of them at once instead of on
//! the hub's next tick.

use std::sync::Arc;

use tokio::sync::watch;

/// "Something the consoles show may have changed": bumped by ingest, routing and the sender.
#[derive(Clone)]
pub struct LiveSignal {
    sender: Arc<watch::Sender<u64>>,
}

impl Default for LiveSignal {
    fn default() -> Self {
        LiveSignal {
            sender: Arc::new(watch::channel(0).0),
        }
    }
}

impl LiveSignal {
    pub fn bump(&self) {
        self.sender.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }
}
