//! Server functions, grouped by resource. Pages call them; on the server they run in
//! process, in the browser they become HTTP calls under `/api/…`.

pub mod alerts;
pub mod contacts;
pub mod dashboard;
pub mod home;
pub mod imports;
pub mod interactions;
pub mod monitoring;
pub mod opportunities;
pub mod organizations;
pub mod reports;
pub mod search;
#[cfg(feature = "ssr")]
pub mod server;
pub mod session;
pub mod today;
pub mod users;
