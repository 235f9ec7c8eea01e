//! Organizations: the list, one organization with its contacts, and saving the form.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{
    AuditEntry, Contact, InteractionItem, OpportunityItem, Organization, OrganizationForm, OrganizationSummary, Page,
    Priority, UserSummary,
};

/// The organizations list page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationList {
    pub page: Page<OrganizationSummary>,
    pub priority_counts: Vec<(Priority, i64)>,
    /// The people the list can be filtered by (assignees).
    pub users: Vec<UserSummary>,
}

/// One organization as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationDetail {
    pub organization: Organization,
    pub contacts: Vec<Contact>,
    pub assigned_user: Option<UserSummary>,
    /// The latest interactions, and how many there are in all.
    pub interactions: Page<InteractionItem>,
    /// Its deals, open ones first.
    pub opportunities: Vec<OpportunityItem>,
    /// Who changed what, newest first.
    pub history: Vec<AuditEntry>,
    /// The server's time, for the deals' stale flags.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Whether the user may edit it, add contacts and log visits (to show those buttons).
    pub can_edit: bool,
}

/// What the edit form needs: the record (or, for a new one, the id it will get) and who it
/// can be assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationEdit {
    pub organization: Option<Organization>,
    pub new_id: Uuid,
    pub users: Vec<UserSummary>,
}

/// The list for a query string (`q, priority, segment, kind, assigned_to, sort, dir, page,
/// per_page`), as the address bar holds it.
#[server(endpoint = "organizations/list", input = GetUrl)]
pub async fn list_organizations(query: String) -> Result<OrganizationList, AppError> {
    use crate::model::{OrganizationQuery, query::parse_query_string};
    let access = super::server::access()?;
    let pairs = parse_query_string(&query);
    let query = OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|fields| AppError::bad_request(fields.into_values().collect::<Vec<_>>().join(" ")))?;
    let (list, users) = tokio::try_join!(access.list_organizations(&query), access.assignable_users())?;
    Ok(OrganizationList { page: list.page, priority_counts: list.priority_counts, users })
}

#[server(endpoint = "organizations/detail", input = GetUrl)]
pub async fn get_organization(id: Uuid) -> Result<OrganizationDetail, AppError> {
    use crate::model::{ContactQuery, InteractionQuery};
    let access = super::server::access()?;
    let organization = access.organization(id).await?;
    let contacts_query = ContactQuery { organization_id: Some(id), per_page: 100, ..Default::default() };
    let interactions_query = InteractionQuery { organization_id: Some(id), per_page: 10, ..Default::default() };
    let (contacts, interactions, opportunities, history) = tokio::try_join!(
        access.list_contacts(&contacts_query),
        access.list_interactions(&interactions_query),
        access.organization_opportunities(&organization),
        access.organization_history_of(&organization),
    )?;
    let contacts = contacts.items;
    let assigned_user = match organization.assigned_user_id {
        Some(user) => access.user_summary(user).await.ok(),
        None => None,
    };
    let can_edit =
        crate::policy::decide(access.user(), crate::policy::Action::Update, organization.assigned_user_id).is_allowed();
    Ok(OrganizationDetail {
        organization,
        contacts,
        assigned_user,
        interactions,
        opportunities,
        history,
        now: crate::store::now(),
        can_edit,
    })
}

/// The organization to edit (`None` for a new one) and the assignable users.
#[server(endpoint = "organizations/edit", input = GetUrl)]
pub async fn get_organization_form(id: Option<Uuid>) -> Result<OrganizationEdit, AppError> {
    let access = super::server::access()?;
    let organization = match id {
        Some(id) => Some(access.organization_to_edit(id).await?),
        None => {
            access.check_may_create_organization()?;
            None
        }
    };
    Ok(OrganizationEdit { organization, new_id: Uuid::now_v7(), users: access.assignable_users().await? })
}

/// Creates (no `version`) or updates the organization from its form, then sends the
/// browser to its page. Errors carry what was typed, so the form can show it again.
#[server(endpoint = "organizations/save")]
pub async fn save_organization(form: OrganizationForm) -> Result<Uuid, AppError> {
    use super::server::{access, redirect_to};
    use crate::model::form::FormFields;
    use crate::store::StoreError;

    let echo = |e: AppError| e.with_values(&form);
    let access = access()?;
    let id = form.parsed_id().map_err(|f| echo(AppError::invalid(f)))?;
    let draft = form.to_draft().map_err(|f| echo(AppError::invalid(f)))?;
    let saved = if form.version.trim().is_empty() {
        match access.create_organization(Some(id), draft).await {
            // The same form posted twice (a double tap, a retried request): it is saved.
            Err(StoreError::Exists { .. }) => Ok(id),
            other => other.map(|org| org.id),
        }
    } else {
        let version = form.parsed_version().map_err(|f| echo(AppError::invalid(f)))?;
        access.update_organization(id, version, draft).await.map(|org| org.id)
    };
    let id = saved.map_err(|e| echo(e.into()))?;
    redirect_to(&format!("/organizations/{id}"));
    Ok(id)
}
