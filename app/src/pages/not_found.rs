use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ErrorPanel;
use crate::error::AppError;

/// Any address no route matches; answered with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <ErrorPanel error=AppError::not_found("This page")/>
    }
}
