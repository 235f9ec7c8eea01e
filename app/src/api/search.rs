//! The one search box.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::search::SearchHit;

/// How many results the search shows.
pub const RESULTS: usize = 20;

/// Organizations and contacts matching `q` (name, city, phone, email prefix; small typos in
/// names forgiven), best first.
#[server(endpoint = "search", input = GetUrl)]
pub async fn search(q: String) -> Result<Vec<SearchHit>, AppError> {
    let access = super::server::access()?;
    Ok(access.search(&q, RESULTS).await?)
}
