//! The home page's overview.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{OrganizationSummary, Priority};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeSummary {
    pub organizations: i64,
    pub priority_counts: Vec<(Priority, i64)>,
    pub contacts: i64,
    pub recently_updated: Vec<OrganizationSummary>,
}

#[server(endpoint = "home/summary", input = GetUrl)]
pub async fn get_home_summary() -> Result<HomeSummary, AppError> {
    use crate::model::OrganizationQuery;
    let access = super::server::access()?;
    let recent = OrganizationQuery::recently_updated();
    let (list, contacts) = tokio::try_join!(access.list_organizations(&recent), access.count_contacts())?;
    Ok(HomeSummary {
        organizations: list.page.total,
        priority_counts: list.priority_counts,
        contacts,
        recently_updated: list.page.items,
    })
}
