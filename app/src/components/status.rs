//! Small status pieces: priority badges and error panels.

use super::page_data::PageData;
use leptos::prelude::*;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::model::Priority;

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let class = format!("badge priority-{}", priority.code().to_lowercase());
    view! {
        <span class=class title=format!("Priority {}", priority.code())>
            <span class="visually-hidden">"Priority "</span>
            {priority.code()}
        </span>
    }
}

/// Shows an error in place of a page's content and, on the server, answers with its
/// HTTP status (404 for a missing record, and so on) and, for an internal error, its
/// reference for the error tracking.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(error.status()))
    {
        response.set_status(status);
        if let AppError::Internal { reference } = &error
            && let Ok(value) = http::HeaderValue::from_str(reference)
        {
            response.insert_header(http::HeaderName::from_static(crate::incidents::REFERENCE_HEADER), value);
        }
    }
    let title = match &error {
        AppError::NotFound { .. } => "Not found",
        AppError::BadRequest { .. } | AppError::Invalid { .. } => "That request could not be read",
        AppError::Unreachable { .. } => "You seem to be offline",
        AppError::Unauthorized { .. } => "Please sign in",
        AppError::Forbidden { .. } => "Not allowed",
        AppError::TooManyRequests { .. } => "Slow down",
        _ => "Something went wrong",
    };
    let next = match &error {
        AppError::Unauthorized { .. } => view! { <a href="/login">"Sign in"</a> }.into_any(),
        // What works without the server: the copy on this device and the pages kept offline.
        AppError::Unreachable { .. } => view! {
            <a href="/log">"Log a visit"</a>" · "<a href="/sync">"Changes on this device"</a>" · "
            <a href="/offline.html" rel="external">"Pages kept offline"</a>
        }
        .into_any(),
        _ => view! { <a href="/organizations">"Go to organizations"</a> }.into_any(),
    };
    view! {
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            <p>{next}</p>
        </section>
    }
}

/// A page's content once its data has loaded: `render` it, or show the error (with its
/// HTTP status). Shows "Loading…" meanwhile (only ever seen on client-side navigation:
/// the server sends complete pages).
pub fn loaded<T>(resource: PageData<T>, render: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static) -> AnyView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>{rendered_or_error(resource, render)}</Suspense>
    }
    .into_any()
}

/// The inside of a page's `<Suspense>` ([`loaded`]) or `<Transition>` (a live page, which
/// keeps showing the last figures while it refetches): `render` of the data, or the error.
pub fn rendered_or_error<T>(
    resource: PageData<T>,
    render: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl Fn() -> Suspend<AnyView> + Send + Sync + 'static
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    move || {
        let render = render.clone();
        Suspend::new(async move {
            match resource.await {
                Ok(data) => render(data),
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            }
        })
    }
}

/// With JavaScript, a form whose server function answers with a page address (sign-in,
/// sign-out, user changes) opens that page as a full load, since what it shows depends on
/// the change. Without JavaScript the server's redirect does the same.
pub fn open_page_on_success(value: impl Fn() -> Option<Result<String, AppError>> + Send + Sync + 'static) {
    Effect::new(move |_| {
        if let Some(Ok(next)) = value() {
            let _ = window().location().assign(&next);
        }
    });
}
