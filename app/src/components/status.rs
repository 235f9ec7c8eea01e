//! Small status pieces: priority badges and error panels.

use leptos::prelude::*;

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
/// HTTP status (404 for a missing record, and so on).
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(error.status()))
    {
        response.set_status(status);
    }
    let title = match &error {
        AppError::NotFound { .. } => "Not found",
        AppError::BadRequest { .. } | AppError::Invalid { .. } => "That request could not be read",
        AppError::Unreachable { .. } => "You seem to be offline",
        _ => "Something went wrong",
    };
    view! {
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            <p><a href="/organizations">"Go to organizations"</a></p>
        </section>
    }
}
