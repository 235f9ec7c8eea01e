//! Server functions, grouped by resource. Pages call them; on the server they run in
//! process, in the browser they become HTTP calls under `/api/…`.

pub mod contacts;
pub mod home;
pub mod organizations;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;
pub mod users;
