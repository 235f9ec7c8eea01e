//! One module per route. The home page and the organizations list are entry pages, in the
//! main bundle; every other page is a lazy route whose code arrives when it is opened.

pub mod account;
pub mod alerts;
pub mod contacts;
pub mod dashboard;
pub mod home;
pub mod interactions;
pub mod login;
pub mod monitoring;
pub mod not_found;
pub mod offline_shell;
pub mod opportunities;
pub mod organizations;
pub mod reports;
pub mod search;
pub mod sync;
pub mod today;
pub mod users;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// The `:id` of the current route, if it is a UUID.
pub(crate) fn id_param(name: &'static str) -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get_str(name).and_then(|id| Uuid::parse_str(id).ok())))
}
