//! Real-user monitoring in the browser: the Core Web Vitals computed from the performance
//! entries (`compute`, pure) the way Google's `web-vitals` library defines them, collected
//! and sent by beacon (`observer`, browser only). What the browser sends and how the server
//! checks it is in `model::vitals`.

pub mod compute;
#[cfg(feature = "hydrate")]
mod observer;

#[cfg(feature = "hydrate")]
pub use observer::start;
