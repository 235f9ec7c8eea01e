//! The frame around every page.

use leptos::prelude::*;

/// The top bar: the product, the main sections, and the primary action.
#[component]
pub fn AppHeader() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">
                <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" width="28" height="28">
                    <rect x="3" y="9" width="26" height="20" rx="3" fill="currentColor" opacity="0.18"></rect>
                    <path d="M6 9h20l-2-5H8z" fill="currentColor"></path>
                    <rect x="9" y="14" width="14" height="3" rx="1.5" fill="currentColor"></rect>
                </svg>
                <span>"Kitchen Pantry"</span>
            </a>
            <nav aria-label="Main">
                <a href="/organizations">"Organizations"</a>
            </nav>
        </header>
    }
}

/// A page's title row with its actions.
#[component]
pub fn PageHeader(#[prop(into)] title: String, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <div class="page-header">
            <h1>{title}</h1>
            {children.map(|c| view! { <div class="actions">{c()}</div> })}
        </div>
    }
}
