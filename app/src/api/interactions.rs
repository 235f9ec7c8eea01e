//! Interactions: the quick log's data and saving it, the type-ahead that finds the
//! organization, and the lists.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{AuditEntry, Contact, Interaction, InteractionItem, OrganizationSummary, Page, UserSummary};

/// An organization to log a visit for, as the first step lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationChoice {
    pub id: Uuid,
    pub name: String,
    pub place: Option<String>,
    pub last_interaction_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<crate::model::Organization> for OrganizationChoice {
    fn from(org: crate::model::Organization) -> Self {
        OrganizationChoice {
            place: org.place(),
            id: org.id,
            name: org.name,
            last_interaction_at: org.last_interaction_at,
        }
    }
}

impl From<OrganizationSummary> for OrganizationChoice {
    fn from(org: OrganizationSummary) -> Self {
        OrganizationChoice {
            place: org.place(),
            id: org.id,
            name: org.name,
            last_interaction_at: org.last_interaction_at,
        }
    }
}

/// The follow-up a log completes, as the form names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpToComplete {
    pub id: Uuid,
    pub due: NaiveDate,
    pub note: Option<String>,
}

/// What the quick log (or an interaction's edit form) needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogForm {
    /// The interaction being edited, with its history.
    pub interaction: Option<Interaction>,
    pub history: Vec<AuditEntry>,
    /// The id a new log will get (chosen now, so a double submit saves one interaction).
    pub new_id: Uuid,
    /// The organization chosen (step 1 done), with its contacts.
    pub organization: Option<OrganizationChoice>,
    pub contacts: Vec<Contact>,
    pub completes: Option<FollowUpToComplete>,
    /// Step 1's choices: matches of `q`, or the recently visited accounts.
    pub search: String,
    pub choices: Vec<OrganizationChoice>,
    /// Today (UTC), for the date fields' defaults and limits.
    pub today: NaiveDate,
}

#[cfg(feature = "ssr")]
async fn organization_choices(
    access: &crate::store::Access,
    search: &str,
) -> Result<Vec<OrganizationChoice>, AppError> {
    use crate::model::{OrganizationQuery, OrganizationSort, SortDirection, query::SEARCH_MAX};
    /// How many organizations the first step offers.
    const CHOICES: u32 = 8;
    if search.chars().count() > SEARCH_MAX {
        return Err(AppError::bad_request(format!("Search for at most {SEARCH_MAX} characters.")));
    }
    // Recently visited first, for a search too: the account a rep looks for is usually one
    // they see often.
    let query = OrganizationQuery {
        search: Some(search.trim().to_owned()).filter(|s| !s.is_empty()),
        sort: OrganizationSort::LastInteraction,
        direction: SortDirection::Desc,
        per_page: CHOICES,
        ..Default::default()
    };
    Ok(access.list_organizations(&query).await?.page.items.into_iter().map(OrganizationChoice::from).collect())
}

/// The quick log: for an organization (`organization_id`), optionally completing a
/// follow-up (`completes`), or editing an interaction (`interaction_id`). Without an
/// organization, step 1's choices for `q`.
#[server(endpoint = "interactions/form", input = GetUrl)]
pub async fn get_log_form(
    organization_id: Option<Uuid>,
    interaction_id: Option<Uuid>,
    completes: Option<Uuid>,
    q: Option<String>,
) -> Result<LogForm, AppError> {
    use crate::model::ContactQuery;
    let access = super::server::access()?;
    let (interaction, history) = match interaction_id {
        Some(id) => {
            let interaction = access.interaction_to_edit(id).await?;
            let history = access.interaction_history(&interaction).await?;
            (Some(interaction), history)
        }
        None => (None, Vec::new()),
    };
    let organization_id = interaction.as_ref().map(|i| i.organization_id).or(organization_id);
    let (organization, contacts) = match organization_id {
        Some(id) => {
            let org = match &interaction {
                Some(_) => access.organization(id).await?,
                None => access.organization_to_add_to(id).await?,
            };
            let query = ContactQuery { organization_id: Some(id), per_page: 100, ..Default::default() };
            let contacts = access.list_contacts(&query).await?.items;
            (Some(OrganizationChoice::from(org)), contacts)
        }
        None => (None, Vec::new()),
    };
    let completes = match (completes, &organization) {
        (Some(id), Some(org)) => {
            let earlier = access.interaction(id).await?;
            match earlier.open_follow_up() {
                Some(due) if earlier.organization_id == org.id => {
                    Some(FollowUpToComplete { id, due, note: earlier.follow_up_notes.clone() })
                }
                // Done meanwhile, or not this account's: log a plain visit.
                _ => None,
            }
        }
        _ => None,
    };
    let search = q.unwrap_or_default();
    let choices = if organization.is_none() { organization_choices(&access, &search).await? } else { Vec::new() };
    Ok(LogForm {
        interaction,
        history,
        new_id: Uuid::now_v7(),
        organization,
        contacts,
        completes,
        search,
        choices,
        today: crate::store::now().date_naive(),
    })
}

/// The type-ahead of the quick log's first step.
#[server(endpoint = "interactions/organizations", input = GetUrl)]
pub async fn find_organizations_to_log(q: String) -> Result<Vec<OrganizationChoice>, AppError> {
    let access = super::server::access()?;
    organization_choices(&access, &q).await
}

/// Logs or updates an interaction from its form, then opens its organization's activity.
#[server(endpoint = "interactions/save")]
pub async fn save_interaction(form: crate::model::InteractionForm) -> Result<Uuid, AppError> {
    use super::server::{access, redirect_to};
    use crate::model::form::FormFields;
    use crate::store::{StoreError, now};

    let echo = |e: AppError| e.with_values(&form);
    let access = access()?;
    let id = form.parsed_id().map_err(|f| echo(AppError::invalid(f)))?;
    let saved = if form.version.trim().is_empty() {
        let draft = form.to_draft(now(), None).map_err(|f| echo(AppError::invalid(f)))?;
        let completes = form.completes().map_err(|f| echo(AppError::invalid(f)))?;
        match access.create_interaction(Some(id), draft.clone(), completes).await {
            // Sent twice (a double tap, a retry after a lost answer): it is saved once.
            Err(StoreError::Exists { .. }) => Ok(draft.organization_id),
            other => other.map(|i| i.organization_id),
        }
    } else {
        let version = form.parsed_version().map_err(|f| echo(AppError::invalid(f)))?;
        let current = access.interaction_to_edit(id).await.map_err(|e| echo(e.into()))?;
        let draft = form.to_draft(now(), Some(current.occurred_at)).map_err(|f| echo(AppError::invalid(f)))?;
        access.update_interaction(id, version, draft).await.map(|i| i.organization_id)
    };
    let organization_id = saved.map_err(|e| echo(e.into()))?;
    redirect_to(&format!("/organizations/{organization_id}#activity"));
    Ok(id)
}

/// The interactions page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionList {
    pub page: Page<InteractionItem>,
    /// The query the page shows (`user=me` made the caller's id), for its links.
    pub query: crate::model::InteractionQuery,
    pub organization_name: Option<String>,
    pub users: Vec<UserSummary>,
    pub can_log: bool,
}

/// Interactions for a query string (`organization, user, kind, outcome, follow_ups, dir,
/// page, per_page`; `user=me` is the caller).
#[server(endpoint = "interactions/list", input = GetUrl)]
pub async fn list_interactions(query: String) -> Result<InteractionList, AppError> {
    use crate::model::{InteractionQuery, query::parse_query_string};
    let access = super::server::access()?;
    let me = access.user().id.to_string();
    let pairs: Vec<(String, String)> = parse_query_string(&query)
        .into_iter()
        .map(|(k, v)| if k == "user" && v == "me" { (k, me.clone()) } else { (k, v) })
        .collect();
    let query = InteractionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|fields| AppError::bad_request(fields.into_values().collect::<Vec<_>>().join(" ")))?;
    let organization_name = match query.organization_id {
        Some(id) => Some(access.organization(id).await?.name),
        None => None,
    };
    let (page, users) = tokio::try_join!(access.list_interactions(&query), access.assignable_users())?;
    let can_log = crate::policy::can_write(access.user());
    Ok(InteractionList { page, query, organization_name, users, can_log })
}
