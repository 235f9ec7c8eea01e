//! The code of the page a form leads to, loaded while the form is filled in.

use leptos_router::LazyRoute;

/// Loads `R`'s lazily loaded code (its route chunk and the shared chunks it needs) once the
/// page is idle, so that the page a save leads to opens without first fetching and compiling
/// them. On a phone that work fell inside the tap on "Save visit" and set the quick log's INP
/// (docs/benchmarks.md). Loading twice is free: the loader keeps each module. Nothing on the
/// server.
pub fn preload_route<R: LazyRoute>() {
    #[cfg(feature = "hydrate")]
    crate::browser::when_idle(|| leptos::task::spawn_local(R::preload()));
}
