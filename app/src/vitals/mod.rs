//! Real-user monitoring in the browser: the Core Web Vitals computed from the performance
//! entries (`compute`, pure) the way Google's `web-vitals` library defines them, collected
//! and sent by beacon (`observer`, browser only). What the browser sends and how the server
//! checks it is in `model::vitals`.

pub mod compute;
#[cfg(feature = "hydrate")]
mod observer;

#[cfg(feature = "hydrate")]
pub use observer::{record_error, report_pending_ops, start};

use leptos::prelude::*;

/// Measures each route change inside the app (a soft navigation) by the router's
/// `is_routing`: from the change to the frame that shows the new route, its code and data
/// loaded. Effects run only in the browser.
pub fn measure_route_changes(is_routing: ReadSignal<bool>) {
    Effect::new(move |was: Option<bool>| {
        let routing = is_routing.get();
        #[cfg(feature = "hydrate")]
        if was.is_some_and(|was| was != routing) {
            observer::routing(routing);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = was;
        routing
    });
}
