//! Kitchen Pantry CRM: the Leptos app shared by the server (feature `ssr`) and the browser
//! (feature `hydrate`).
//!
//! - [`model`]: the CRM's types and validation (everywhere);
//! - [`api`]: server functions by resource;
//! - [`pages`], [`components`]: what people see;
//! - [`store`]: the database layer (server only).

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use components::AppHeader;
use pages::contacts::{EditContactPage, NewContactPage};
use pages::home::HomePage;
use pages::not_found::NotFound;
use pages::organizations::{EditOrganizationPage, NewOrganizationPage, OrganizationDetailPage, OrganizationsPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The text of the `<title>` for a page. `leptos_meta` writes the title into the server's
/// HTML without escaping it, so a record named `</title><script>…` would inject markup: the
/// server escapes it here (the browser sets `document.title`, which needs no escaping).
fn page_title(page: String) -> String {
    let title = format!("{page} · Kitchen Pantry CRM");
    if cfg!(feature = "ssr") { title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { title }
}

/// The app and its routes. Pages wait for their data before the server sends them
/// (`SsrMode::Async`), so every page is complete HTML that works without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects only run in the browser, once the page is live: mark it, so tests and
    // scripts can wait for interactivity rather than guess.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=page_title/>
        <Meta name="description" content="Kitchen Pantry CRM: accounts, contacts and visits for food-service sales reps."/>
        <Meta name="theme-color" content="#1f6f50"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Router>
            <AppHeader/>
            <main id="main" class="container">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/organizations") view=OrganizationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/new") view={Lazy::<NewOrganizationPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id") view={Lazy::<OrganizationDetailPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id/edit") view={Lazy::<EditOrganizationPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id/contacts/new") view={Lazy::<NewContactPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/contacts/:id/edit") view={Lazy::<EditContactPage>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
