//! Opportunities: the pipeline board and its moves, one deal with its history, and the
//! deal form.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{
    AuditEntry, Contact, Opportunity, OpportunityForm, OpportunityItem, StageChange, StageMoveForm, StageTotal,
    UserSummary,
};

/// How long closed deals stay on the board.
pub const CLOSED_ON_BOARD_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub deals: Vec<OpportunityItem>,
    pub totals: Vec<StageTotal>,
    pub owner_id: Option<Uuid>,
    /// The owners the board can be narrowed to (managers and admins).
    pub owners: Vec<UserSummary>,
    pub can_move: bool,
    /// The server's time, for the stale flags.
    pub now: DateTime<Utc>,
}

/// The board: open deals and those closed in the last 30 days, optionally of one owner.
#[server(endpoint = "opportunities/pipeline", input = GetUrl)]
pub async fn get_pipeline(owner_id: Option<Uuid>) -> Result<Pipeline, AppError> {
    let access = super::server::access()?;
    let now = crate::store::now();
    let since = (now - chrono::Duration::days(CLOSED_ON_BOARD_DAYS)).date_naive();
    let ((deals, totals), owners) =
        tokio::try_join!(access.opportunity_board(owner_id, since), access.assignable_users())?;
    let owners = if crate::policy::organization_scope(access.user()).is_some() { Vec::new() } else { owners };
    Ok(Pipeline { deals, totals, owner_id, owners, can_move: crate::policy::can_write(access.user()), now })
}

/// Moves a deal to another stage (with the reason when closing). A plain form post (no
/// JavaScript) returns to the board.
#[server(endpoint = "opportunities/move")]
pub async fn move_opportunity(form: StageMoveForm) -> Result<Opportunity, AppError> {
    let access = super::server::access()?;
    let (id, version, stage, reason) = form.parse().map_err(AppError::invalid)?;
    let moved = access.move_opportunity(id, version, stage, reason).await?;
    super::server::redirect_plain_form(&format!("/pipeline#deal-{id}"));
    Ok(moved)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpportunityDetail {
    pub deal: OpportunityItem,
    pub stage_changes: Vec<StageChange>,
    pub history: Vec<AuditEntry>,
    pub can_edit: bool,
    pub now: DateTime<Utc>,
}

#[server(endpoint = "opportunities/detail", input = GetUrl)]
pub async fn get_opportunity(id: Uuid) -> Result<OpportunityDetail, AppError> {
    let access = super::server::access()?;
    let deal = access.opportunity(id).await?;
    let (stage_changes, history) = access.opportunity_history(&deal).await?;
    let can_edit =
        crate::policy::decide(access.user(), crate::policy::Action::Update, deal.assigned_user_id).is_allowed();
    Ok(OpportunityDetail { deal, stage_changes, history, can_edit, now: crate::store::now() })
}

/// What the deal form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpportunityEdit {
    pub opportunity: Option<Opportunity>,
    pub new_id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub contacts: Vec<Contact>,
    /// Who may own it: empty for a rep (their deals are theirs).
    pub owners: Vec<UserSummary>,
}

/// Loads a deal to edit (`id`) or the organization a new one is for.
#[server(endpoint = "opportunities/edit", input = GetUrl)]
pub async fn get_opportunity_form(
    id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<OpportunityEdit, AppError> {
    use crate::model::ContactQuery;
    let access = super::server::access()?;
    let (opportunity, organization) = match (id, organization_id) {
        (Some(id), _) => {
            let deal = access.opportunity_to_edit(id).await?;
            let organization = access.organization(deal.organization_id).await?;
            (Some(deal), organization)
        }
        (None, Some(org)) => (None, access.organization_to_add_to(org).await?),
        (None, None) => return Err(AppError::bad_request("Say which organization the deal is with.")),
    };
    let query = ContactQuery { organization_id: Some(organization.id), per_page: 100, ..Default::default() };
    let (contacts, owners) = tokio::try_join!(access.list_contacts(&query), access.assignable_users())?;
    let owners = if crate::policy::organization_scope(access.user()).is_some() { Vec::new() } else { owners };
    Ok(OpportunityEdit {
        opportunity,
        new_id: Uuid::now_v7(),
        organization_id: organization.id,
        organization_name: organization.name,
        contacts: contacts.items,
        owners,
    })
}

/// Creates or updates a deal from its form, then opens its page.
#[server(endpoint = "opportunities/save")]
pub async fn save_opportunity(form: OpportunityForm) -> Result<Uuid, AppError> {
    use super::server::{access, redirect_to};
    use crate::model::form::FormFields;
    use crate::store::StoreError;

    let echo = |e: AppError| e.with_values(&form);
    let access = access()?;
    let id = form.parsed_id().map_err(|f| echo(AppError::invalid(f)))?;
    let draft = form.to_draft().map_err(|f| echo(AppError::invalid(f)))?;
    let saved = if form.version.trim().is_empty() {
        match access.create_opportunity(Some(id), draft).await {
            Err(StoreError::Exists { .. }) => Ok(()),
            other => other.map(|_| ()),
        }
    } else {
        let version = form.parsed_version().map_err(|f| echo(AppError::invalid(f)))?;
        access.update_opportunity(id, version, draft).await.map(|_| ())
    };
    saved.map_err(|e| echo(e.into()))?;
    redirect_to(&format!("/opportunities/{id}"));
    Ok(id)
}
