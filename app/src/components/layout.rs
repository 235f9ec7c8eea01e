//! The frame around every page.

use leptos::prelude::*;

use leptos::server_fn::ServerFn;

use crate::api::session::SignOut;
use crate::model::CurrentUser;

/// Who is signed in on this page. The server knows it from the request (its session layer
/// put the user there) and sends it along with the page, so the browser has the same value
/// while hydrating: no request and no loading state.
#[derive(Debug, Clone)]
pub struct Session(pub Option<CurrentUser>);

pub fn provide_session() {
    let user = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
        }
        // Not hydrating: the offline shell, where only this device can say who is signed in.
        #[cfg(not(feature = "ssr"))]
        {
            remembered_session()
        }
    });
    let session = Session(user.into_inner());
    // Counted on the server as the page is made and sent along like the user.
    let firing = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            let desk = use_context::<std::sync::Arc<dyn crate::api::alerts::AlertDesk>>();
            session.0.as_ref().filter(|u| crate::policy::can_monitor(u)).and(desk).map(|d| d.firing_now())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None
        }
    });
    provide_context(FiringAlerts(RwSignal::new(firing.into_inner())));
    provide_context(session);
}

/// How many alerts are firing, for those who may see alerts (`None` for others): the nav's
/// badge. Counted when the page was made, and again after each client-side navigation.
#[derive(Debug, Clone, Copy)]
pub struct FiringAlerts(pub RwSignal<Option<usize>>);

/// Where the browser keeps who is signed in, for the offline shell (`frontend`), which has no
/// server to ask. Forgotten on sign-out.
#[cfg(feature = "hydrate")]
const REMEMBERED_SESSION: &str = "kp.session";

#[cfg(feature = "hydrate")]
fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Keeps the signed-in user on this device (the app calls it once hydrated).
#[cfg(feature = "hydrate")]
pub fn remember_session(user: &CurrentUser) {
    if let (Some(storage), Ok(json)) = (local_storage(), serde_json::to_string(user)) {
        let _ = storage.set_item(REMEMBERED_SESSION, &json);
    }
}

/// The user this device last saw signed in, if they have not signed out since.
#[cfg(feature = "hydrate")]
pub fn remembered_session() -> Option<CurrentUser> {
    local_storage()?.get_item(REMEMBERED_SESSION).ok().flatten().and_then(|json| serde_json::from_str(&json).ok())
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn remembered_session() -> Option<CurrentUser> {
    None
}

/// The signed-in user of this page, if any.
pub fn use_session() -> Option<CurrentUser> {
    use_context::<Session>().and_then(|session| session.0)
}

/// The top bar: the product, the main sections, and who is signed in.
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
            {match use_session() {
                Some(user) => view! {
                    <nav aria-label="Main">
                        <a href="/search">"Search"</a>
                        <a href="/today">"Today"</a>
                        <a href="/organizations">"Organizations"</a>
                        <a href="/interactions">"Interactions"</a>
                        <a href="/pipeline">"Pipeline"</a>
                        <a href="/dashboard">"Dashboard"</a>
                        <a href="/reports">"Reports"</a>
                        {crate::policy::can_monitor(&user).then(|| view! {
                            <a href="/monitoring">"Monitoring"</a>
                            <a href="/alerts">"Alerts"<AlertBadge/></a>
                        })}
                        {crate::policy::can_administer(&user).then(|| view! { <a href="/admin/users">"Users"</a> })}
                    </nav>
                    {crate::policy::can_write(&user).then(|| view! {
                        <a class="button primary log-visit" href="/log">
                            <span aria-hidden="true">"+ "</span>"Log visit"
                        </a>
                    })}
                    <crate::components::SyncIndicator/>
                    <UserMenu user/>
                }.into_any(),
                None => view! { <a class="sign-in-link" href="/login">"Sign in"</a> }.into_any(),
            }}
        </header>
    }
}

/// The number of firing alerts beside "Alerts", when there are any.
#[component]
fn AlertBadge() -> impl IntoView {
    let firing = use_context::<FiringAlerts>().map(|f| f.0);
    #[cfg(feature = "hydrate")]
    if let Some(firing) = firing.filter(|f| f.get_untracked().is_some()) {
        count_again_on_navigation(firing);
    }
    move || {
        firing.and_then(|f| f.get()).filter(|n| *n > 0).map(|n| {
            let words = if n == 1 { "1 alert firing".to_owned() } else { format!("{n} alerts firing") };
            view! {
                <span class="nav-badge" title=words.clone()>
                    <span aria-hidden="true">{n}</span>
                    <span class="visually-hidden">{format!(", {words}")}</span>
                </span>
            }
        })
    }
}

/// Asks the server for the count whenever the path changes without a page load; a failed
/// ask (offline) keeps the last count.
#[cfg(feature = "hydrate")]
fn count_again_on_navigation(firing: RwSignal<Option<usize>>) {
    let path = leptos_router::hooks::use_location().pathname;
    Effect::new(move |before: Option<String>| {
        let now = path.get();
        if before.is_some_and(|before| before != now) {
            leptos::task::spawn_local(async move {
                if let Ok(count) = crate::api::alerts::firing_alerts().await {
                    firing.set(Some(count));
                }
            });
        }
        now
    });
}

/// The signed-in person and the sign-out button: a plain form the browser posts itself (the
/// server answers with the sign-in page), so it needs no code in the main bundle.
#[component]
fn UserMenu(user: CurrentUser) -> impl IntoView {
    let first_name = user.full_name.split_whitespace().next().unwrap_or("Account").to_owned();
    view! {
        <div class="user-menu">
            <a class="user-name" href="/account" title=format!("Your account ({})", user.email)>
                <span class="name-full">{user.full_name.clone()}<span class="muted">" · "{user.role.label()}</span></span>
                <span class="name-short">{first_name}</span>
            </a>
            <form class="sign-out" method="post" action=SignOut::url() on:submit=forget_session>
                <button type="submit" class="button subtle">"Sign out"</button>
            </form>
        </div>
    }
}

fn forget_session(_: leptos::ev::SubmitEvent) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(REMEMBERED_SESSION);
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
