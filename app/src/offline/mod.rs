//! Offline: the copy of the user's records on this device, the outbox of changes made
//! without a network, and the loop that sends them and keeps the copy fresh
//! (architecture.md, "Offline and sync").
//!
//! - [`outbox`], [`status`]: the rules and the indicator's state, pure and shared;
//! - `database`, `replay` (browser only): IndexedDB and the requests, under one lock.
//!
//! Online, forms save straight to the server as before (it answers at once, field errors
//! included). A save that cannot reach the server becomes an op in the outbox, committed to
//! IndexedDB before the page says it is saved, and is sent when the network is back: by the
//! service worker's `sync` event where the browser has Background Sync, and by the page on
//! start, on `online` and every 30 s. The server applies each op once (by `op_id`).

mod form;
pub mod outbox;
pub mod preview;
pub mod status;

#[cfg(feature = "hydrate")]
mod database;
#[cfg(feature = "hydrate")]
mod driver;
#[cfg(feature = "hydrate")]
pub(crate) mod reads;
#[cfg(feature = "hydrate")]
mod replay;

pub use form::{KeptOffline, OfflineSave, ToKeep};
pub use status::{SyncStatus, provide_sync_status, use_sync_status};

#[cfg(feature = "hydrate")]
pub use driver::{outbox_records, queue, replace, start, sync_now};

/// The server's answer; when the server cannot be reached, the same page data read from the
/// copy on this device (a function of `reads`), so the page renders unchanged. If the copy
/// cannot answer either, the server's error stays (and the copy's reason is logged). IndexedDB lives on the page's one thread
/// while resources want `Send` futures: in the browser nothing else could run it.
macro_rules! or_from_copy {
    ($online:expr, $read:ident($($arg:expr),* $(,)?)) => {{
        let online = $online;
        #[cfg(feature = "hydrate")]
        let online = match online {
            Err(unreachable @ $crate::error::AppError::Unreachable { .. }) => {
                send_wrapper::SendWrapper::new($crate::offline::reads::$read($($arg),*)).await.map_err(|copy| {
                    // The page shows the server's error; why the copy could not stand in goes to the console.
                    leptos::logging::warn!("{}: not from the copy on this device: {copy}", stringify!($read));
                    unreachable
                })
            }
            other => other,
        };
        online
    }};
}
pub(crate) use or_from_copy;

/// Why the copy on this device could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OfflineError {
    #[error(
        "This device is out of storage space for offline use. Free some space (or send what waits), then try again."
    )]
    Full,
    #[error("This browser's offline storage failed: {0}. Your change was not saved on this device.")]
    Storage(String),
    #[error("This record is not in the copy on this device yet. Open it once online, or wait for the next sync.")]
    NotCopied,
    #[error("Offline use needs the app loaded in a browser.")]
    Unsupported,
}

/// Why sending or pulling did not happen; each says what the user can do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    #[error("Cannot reach the server. Your changes are kept on this device and go when the network is back.")]
    Unreachable,
    #[error("Sign in again to send your changes; they are kept on this device until then.")]
    SignIn,
    #[error("The server did not take the changes yet: {0} They are kept and sent again.")]
    Server(String),
    #[error(transparent)]
    Device(#[from] OfflineError),
}
