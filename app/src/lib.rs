//! Kitchen Pantry CRM: the Leptos app shared by the server (feature `ssr`) and the browser
//! (feature `hydrate`).
//!
//! - [`model`]: the CRM's types and validation (everywhere);
//! - [`api`]: server functions by resource;
//! - [`offline`]: the copy on the device, the outbox and the sync loop (browser);
//! - [`vitals`]: the Core Web Vitals of real users, measured in the browser;
//! - [`pages`], [`components`]: what people see;
//! - [`store`]: the database layer (server only).

pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "hydrate")]
pub(crate) mod browser;
pub mod components;
pub mod error;
#[cfg(feature = "ssr")]
pub mod incidents;
pub mod model;
pub mod offline;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod store;
pub mod vitals;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use components::{AppHeader, provide_session};
use pages::account::AccountPage;
use pages::alerts::AlertsPage;
use pages::contacts::{EditContactPage, NewContactPage};
use pages::dashboard::DashboardPage;
use pages::home::HomePage;
use pages::interactions::{EditInteractionPage, InteractionsPage, LogVisitPage};
use pages::login::LoginPage;
use pages::monitoring::{MonitoringPage, MonitoringRoutePage};
use pages::not_found::NotFound;
use pages::offline_shell::OfflineShellPage;
use pages::opportunities::{EditOpportunityPage, NewOpportunityPage, OpportunityDetailPage, PipelinePage};
use pages::organizations::{
    EditOrganizationPage, ImportDetailPage, ImportPage, NewOrganizationPage, OrganizationDetailPage, OrganizationsPage,
};
use pages::reports::ReportsPage;
use pages::search::SearchPage;
use pages::sync::SyncPage;
use pages::today::TodayPage;
use pages::users::UsersPage;

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

/// The Content-Security-Policy of a page: scripts only from this site or inline with this
/// response's nonce (Leptos puts it on its hydration scripts), WebAssembly allowed to compile,
/// nothing from elsewhere, no framing. The server sets it (`server::security::headers`) with
/// the nonce this response was rendered with.
pub fn page_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of the `<title>` for a page, escaped (see [`components::format::raw_text_content`]).
fn page_title(page: String) -> String {
    components::format::raw_text_content(format!("{page} · Kitchen Pantry CRM"))
}

/// The app and its routes. Pages wait for their data before the server sends them
/// (`SsrMode::Async`), so every page is complete HTML that works without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();
    let sync = offline::provide_sync_status();
    // The offline copy and the outbox belong to whoever is signed in on this page.
    #[cfg(feature = "hydrate")]
    if let Some(user) = components::use_session() {
        Effect::new(move |_| {
            components::remember_session(&user);
            offline::start(sync, user.id);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = sync;
    let (is_routing, set_is_routing) = signal(false);
    vitals::measure_route_changes(is_routing);
    view! {
        <Title formatter=page_title/>
        <Meta name="description" content="Kitchen Pantry CRM: accounts, contacts and visits for food-service sales reps."/>
        <Meta name="theme-color" content="#1f6f50"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
        <Router set_is_routing>
            <AppHeader/>
            <main id="main" class="container">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/offline-shell") view=OfflineShellPage/>
                    <Route path=path!("/login") view={Lazy::<LoginPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations") view=OrganizationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/new") view={Lazy::<NewOrganizationPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/import") view={Lazy::<ImportPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/import/:id") view={Lazy::<ImportDetailPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id") view={Lazy::<OrganizationDetailPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id/edit") view={Lazy::<EditOrganizationPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/organizations/:id/contacts/new") view={Lazy::<NewContactPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/contacts/:id/edit") view={Lazy::<EditContactPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/today") view={Lazy::<TodayPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/log") view={Lazy::<LogVisitPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/interactions") view={Lazy::<InteractionsPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/interactions/:id/edit") view={Lazy::<EditInteractionPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view={Lazy::<DashboardPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/search") view={Lazy::<SearchPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reports") view={Lazy::<ReportsPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/pipeline") view={Lazy::<PipelinePage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/opportunities/new") view={Lazy::<NewOpportunityPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/opportunities/:id") view={Lazy::<OpportunityDetailPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/opportunities/:id/edit") view={Lazy::<EditOpportunityPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<AccountPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sync") view={Lazy::<SyncPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<UsersPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/alerts") view={Lazy::<AlertsPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/monitoring") view={Lazy::<MonitoringPage>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/monitoring/route") view={Lazy::<MonitoringRoutePage>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
