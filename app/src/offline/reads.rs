//! Page data built from the copy on this device, for when the server cannot be reached.
//! Each builds the same value its server function returns, so the page renders unchanged.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::OfflineError;
use super::database::{row, rows};
use crate::api::contacts::ContactEdit;
use crate::api::interactions::{FollowUpToComplete, LogForm, OrganizationChoice};
use crate::api::opportunities::{CLOSED_ON_BOARD_DAYS, OpportunityDetail, OpportunityEdit, Pipeline};
use crate::api::organizations::{OrganizationDetail, OrganizationEdit, OrganizationList};
use crate::api::today::Today;
use crate::model::interaction::{NEGLECTED_AFTER_DAYS, TODAY_LIMIT};
use crate::model::query::parse_query_string;
use crate::model::sync::SyncEntity;
use crate::model::validate::search_key;
use crate::model::{
    AccountToVisit, Contact, CurrentUser, Due, FollowUp, Interaction, InteractionItem, Opportunity, OpportunityItem,
    Organization, OrganizationQuery, OrganizationSort, OrganizationSummary, Page, Priority, SortDirection, Stage,
    StageTotal, UserSummary,
};
use crate::policy;

/// How many organizations the quick log's first step offers (as online).
const CHOICES: usize = 8;

/// The quick log's data: the interaction to edit, or the organization with its contacts, or
/// step 1's choices for `q` (the arguments of `get_log_form`).
pub async fn log_form(
    organization: Option<Uuid>,
    interaction: Option<Uuid>,
    completes: Option<Uuid>,
    q: Option<String>,
) -> Result<LogForm, OfflineError> {
    let search = q.unwrap_or_default();
    let interaction = match interaction {
        Some(id) => Some(found(row::<Interaction>(SyncEntity::Interaction, &id.to_string()).await?)?),
        None => None,
    };
    let (organization, contacts, choices) = match interaction.as_ref().map(|i| i.organization_id).or(organization) {
        Some(id) => {
            let org = organization_of(id).await?;
            (Some(OrganizationChoice::from(org)), contacts_of(id).await?, Vec::new())
        }
        None => (None, Vec::new(), choices(rows(SyncEntity::Organization).await?, &search)),
    };
    let completes = match (completes, &organization) {
        (Some(id), Some(org)) => row::<Interaction>(SyncEntity::Interaction, &id.to_string())
            .await?
            .filter(|earlier| earlier.organization_id == org.id)
            .and_then(|earlier| {
                earlier.open_follow_up().map(|due| FollowUpToComplete {
                    id,
                    due,
                    note: earlier.follow_up_notes.clone(),
                })
            }),
        _ => None,
    };
    Ok(LogForm {
        interaction,
        history: Vec::new(),
        new_id: Uuid::now_v7(),
        organization,
        contacts,
        completes,
        search,
        choices,
        today: Utc::now().date_naive(),
    })
}

/// The contact form: the contact to edit, or the organization a new one goes under.
pub async fn contact_form(contact: Option<Uuid>, organization: Option<Uuid>) -> Result<ContactEdit, OfflineError> {
    let contact = match contact {
        Some(id) => Some(found(row::<Contact>(SyncEntity::Contact, &id.to_string()).await?)?),
        None => None,
    };
    let org =
        organization_of(contact.as_ref().map(|c| c.organization_id).or(organization).ok_or(OfflineError::NotCopied)?)
            .await?;
    Ok(ContactEdit { contact, new_id: Uuid::now_v7(), organization_id: org.id, organization_name: org.name })
}

/// The organization form (`None`: a new one).
pub async fn organization_form(id: Option<Uuid>) -> Result<OrganizationEdit, OfflineError> {
    let me = &me()?;
    let organization = match id {
        Some(id) => Some(organization_of(id).await?),
        None => None,
    };
    let users = assignable(me, organization.as_ref().and_then(|o| o.assigned_user_id), true);
    Ok(OrganizationEdit { organization, new_id: Uuid::now_v7(), users })
}

/// The deal form: the deal to edit, or the organization a new one is with.
pub async fn opportunity_form(id: Option<Uuid>, organization: Option<Uuid>) -> Result<OpportunityEdit, OfflineError> {
    let me = &me()?;
    let opportunity = match id {
        Some(id) => Some(found(row::<Opportunity>(SyncEntity::Opportunity, &id.to_string()).await?)?),
        None => None,
    };
    let org = organization_of(
        opportunity.as_ref().map(|o| o.organization_id).or(organization).ok_or(OfflineError::NotCopied)?,
    )
    .await?;
    Ok(OpportunityEdit {
        owners: assignable(me, opportunity.as_ref().map(|o| o.owner_id), false),
        opportunity,
        new_id: Uuid::now_v7(),
        organization_id: org.id,
        organization_name: org.name,
        contacts: contacts_of(org.id).await?,
    })
}

/// The organizations list for the address's query string, filtered, sorted and paged as the
/// server does it (`list_organizations`), over the user's accounts in the copy.
pub async fn organization_list(query_string: String) -> Result<OrganizationList, OfflineError> {
    let me = &me()?;
    let pairs = parse_query_string(&query_string);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (query, _) = OrganizationQuery::from_pairs_lenient(&refs);
    let key = query.search_key();
    let mut contact_counts: HashMap<Uuid, i64> = HashMap::new();
    for contact in rows::<Contact>(SyncEntity::Contact).await?.into_iter().filter(|c| c.deleted_at.is_none()) {
        *contact_counts.entry(contact.organization_id).or_default() += 1;
    }
    let matching: Vec<Organization> = rows::<Organization>(SyncEntity::Organization)
        .await?
        .into_iter()
        .filter(|o| o.deleted_at.is_none())
        .filter(|o| key.as_deref().is_none_or(|key| search_key(&o.name).contains(key)))
        .filter(|o| query.segment.is_none_or(|s| o.segment == Some(s)))
        .filter(|o| query.kind.is_none_or(|k| o.kind == k))
        .filter(|o| query.assigned_user_id.is_none_or(|u| o.assigned_user_id == Some(u)))
        .collect();
    // Each chip says how many it would show: counted before the priority filter.
    let priority_counts =
        Priority::ALL.iter().map(|p| (*p, matching.iter().filter(|o| o.priority == *p).count() as i64)).collect();
    let mut listed: Vec<Organization> = matching
        .into_iter()
        .filter(|o| query.priorities.is_empty() || query.priorities.contains(&o.priority))
        .collect();
    listed.sort_by(|a, b| list_order(&query, a, b));
    let total = listed.len() as i64;
    let items = listed
        .into_iter()
        .skip(query.offset().max(0) as usize)
        .take(query.per_page as usize)
        .map(|o| OrganizationSummary {
            assigned_user_name: (o.assigned_user_id == Some(me.id)).then(|| me.full_name.clone()),
            contact_count: contact_counts.get(&o.id).copied().unwrap_or(0),
            id: o.id,
            name: o.name,
            priority: o.priority,
            segment: o.segment,
            kind: o.kind,
            city: o.city,
            region: o.region,
            phone: o.phone,
            assigned_user_id: o.assigned_user_id,
            last_interaction_at: o.last_interaction_at,
            next_follow_up_at: o.next_follow_up_at,
            updated_at: o.updated_at,
            version: o.version,
        })
        .collect();
    Ok(OrganizationList {
        page: Page { items, total, page: query.page, per_page: query.per_page },
        priority_counts,
        users: vec![summary_of(me)],
    })
}

/// The list's order (the server's `ORDER BY`): the chosen column in the chosen direction,
/// empty values last, then by name.
fn list_order(query: &OrganizationQuery, a: &Organization, b: &Organization) -> Ordering {
    fn directed(order: Ordering, direction: SortDirection) -> Ordering {
        if direction == SortDirection::Desc { order.reverse() } else { order }
    }
    fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>, direction: SortDirection) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => directed(a.cmp(&b), direction),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    let by_name = || search_key(&a.name).cmp(&search_key(&b.name)).then(a.id.cmp(&b.id));
    let dir = query.direction;
    match query.sort {
        OrganizationSort::Name => directed(by_name(), dir),
        OrganizationSort::Priority => directed(a.priority.code().cmp(b.priority.code()), dir).then_with(by_name),
        OrganizationSort::City => nulls_last(a.city.as_deref(), b.city.as_deref(), dir).then_with(by_name),
        OrganizationSort::LastInteraction => {
            nulls_last(a.last_interaction_at, b.last_interaction_at, dir).then_with(by_name)
        }
        OrganizationSort::NextFollowUp => nulls_last(a.next_follow_up_at, b.next_follow_up_at, dir).then_with(by_name),
        OrganizationSort::Updated => directed(a.updated_at.cmp(&b.updated_at).then(a.id.cmp(&b.id)), dir),
    }
}

/// How many of an organization's latest interactions its page lists (as online).
const ORGANIZATION_INTERACTIONS: usize = 10;

/// An organization's page: its contacts, latest interactions and deals. The change history
/// stays on the server.
pub async fn organization_detail(id: Uuid) -> Result<OrganizationDetail, OfflineError> {
    let me = &me()?;
    let organization = organization_of(id).await?;
    let names = Names::load().await?;
    let mut interactions: Vec<Interaction> = rows::<Interaction>(SyncEntity::Interaction)
        .await?
        .into_iter()
        .filter(|i| i.organization_id == id && i.deleted_at.is_none())
        .collect();
    interactions.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then_with(|| b.id.cmp(&a.id)));
    let total = interactions.len() as i64;
    interactions.truncate(ORGANIZATION_INTERACTIONS);
    let mut opportunities: Vec<Opportunity> = rows::<Opportunity>(SyncEntity::Opportunity)
        .await?
        .into_iter()
        .filter(|o| o.organization_id == id && o.deleted_at.is_none())
        .collect();
    opportunities.sort_by_key(|o| (o.stage.is_closed(), o.expected_close_date.is_none(), o.expected_close_date, o.id));
    Ok(OrganizationDetail {
        assigned_user: (organization.assigned_user_id == Some(me.id)).then(|| summary_of(me)),
        can_edit: policy::decide(me, policy::Action::Update, organization.assigned_user_id).is_allowed(),
        contacts: contacts_of(id).await?,
        interactions: Page {
            items: interactions.into_iter().map(|i| names.interaction(i)).collect(),
            total,
            page: 1,
            per_page: ORGANIZATION_INTERACTIONS as u32,
        },
        opportunities: opportunities.into_iter().map(|o| names.deal(o, me)).collect(),
        history: Vec::new(),
        now: Utc::now(),
        organization,
    })
}

/// A deal's page. Its way through the pipeline and its history stay on the server.
pub async fn opportunity_detail(id: Uuid) -> Result<OpportunityDetail, OfflineError> {
    let me = &me()?;
    let deal = found(row::<Opportunity>(SyncEntity::Opportunity, &id.to_string()).await?)?;
    let deal = Names::load().await?.deal(deal, me);
    Ok(OpportunityDetail {
        can_edit: policy::decide(me, policy::Action::Update, deal.assigned_user_id).is_allowed(),
        deal,
        stage_changes: Vec::new(),
        history: Vec::new(),
        now: Utc::now(),
    })
}

/// The board of `owner`'s deals (everyone's when `None`): open ones and those closed in the
/// last 30 days, with the columns' totals, as the server computes them.
pub async fn pipeline(owner: Option<Uuid>) -> Result<Pipeline, OfflineError> {
    let me = &me()?;
    let now = Utc::now();
    let since = (now - Duration::days(CLOSED_ON_BOARD_DAYS)).date_naive();
    let names = Names::load().await?;
    let mut deals: Vec<Opportunity> = rows::<Opportunity>(SyncEntity::Opportunity)
        .await?
        .into_iter()
        .filter(|o| o.deleted_at.is_none() && owner.is_none_or(|owner| o.owner_id == owner))
        .filter(|o| !o.stage.is_closed() || o.actual_close_date.is_some_and(|on| on >= since))
        .collect();
    deals.sort_by_key(|o| {
        (o.expected_close_date.is_none(), o.expected_close_date, std::cmp::Reverse(o.estimated_value_cents), o.id)
    });
    let totals = stage_totals(&deals);
    Ok(Pipeline {
        deals: deals.into_iter().map(|o| names.deal(o, me)).collect(),
        totals,
        owner_id: owner,
        owners: Vec::new(),
        can_move: policy::can_write(me),
        now,
    })
}

/// Each stage's deals, value and weighted value (every stage, empty ones with zeros).
fn stage_totals(deals: &[Opportunity]) -> Vec<StageTotal> {
    Stage::ALL
        .iter()
        .map(|&stage| {
            let column = deals.iter().filter(|o| o.stage == stage);
            StageTotal {
                stage,
                deals: column.clone().count() as i64,
                value_cents: column.clone().filter_map(|o| o.estimated_value_cents).sum(),
                weighted_cents: column.map(|o| o.weighted_cents()).sum(),
            }
        })
        .collect()
}

/// The user this device last saw signed in: the copy is theirs.
fn me() -> Result<CurrentUser, OfflineError> {
    crate::components::layout::remembered_session().ok_or(OfflineError::NotCopied)
}

/// The record the copy holds, or why the page cannot be shown from it.
fn found<T>(row: Option<T>) -> Result<T, OfflineError> {
    row.ok_or(OfflineError::NotCopied)
}

async fn organization_of(id: Uuid) -> Result<Organization, OfflineError> {
    found(row::<Organization>(SyncEntity::Organization, &id.to_string()).await?).and_then(|o| match o.deleted_at {
        None => Ok(o),
        Some(_) => Err(OfflineError::NotCopied),
    })
}

/// An organization's contacts by name, as its forms list them.
async fn contacts_of(organization: Uuid) -> Result<Vec<Contact>, OfflineError> {
    let mut contacts: Vec<Contact> = rows::<Contact>(SyncEntity::Contact)
        .await?
        .into_iter()
        .filter(|c| c.organization_id == organization && c.deleted_at.is_none())
        .collect();
    contacts.sort_by_key(|c| c.full_name().to_lowercase());
    Ok(contacts)
}

/// Who a record can be given to, offline: the user's own accounts for a rep; otherwise the
/// user and whoever has it now (the server checks the choice again). Other users' names
/// stay on the server, so the current one shows as "Current owner".
fn assignable(me: &CurrentUser, current: Option<Uuid>, reps_choose: bool) -> Vec<UserSummary> {
    if policy::organization_scope(me).is_some() {
        return if reps_choose { vec![summary_of(me)] } else { Vec::new() };
    }
    let mut users = vec![summary_of(me)];
    if let Some(current) = current.filter(|id| *id != me.id) {
        users.push(UserSummary { id: current, full_name: "Current owner".into(), ..summary_of(me) });
    }
    users
}

fn summary_of(me: &CurrentUser) -> UserSummary {
    UserSummary { id: me.id, full_name: me.full_name.clone(), email: me.email.clone(), role: me.role, is_active: true }
}

/// The names the lists show beside a record, from the copy's organizations and contacts.
struct Names {
    organizations: HashMap<Uuid, Organization>,
    contacts: HashMap<Uuid, Contact>,
}

impl Names {
    async fn load() -> Result<Self, OfflineError> {
        let organizations =
            rows::<Organization>(SyncEntity::Organization).await?.into_iter().map(|o| (o.id, o)).collect();
        let contacts = rows::<Contact>(SyncEntity::Contact).await?.into_iter().map(|c| (c.id, c)).collect();
        Ok(Names { organizations, contacts })
    }

    fn interaction(&self, interaction: Interaction) -> InteractionItem {
        let contact = interaction.contact_id.and_then(|id| self.contacts.get(&id));
        InteractionItem {
            organization_name: self.organization_name(interaction.organization_id),
            contact_first_name: contact.map(|c| c.first_name.clone()),
            contact_last_name: contact.and_then(|c| c.last_name.clone()),
            author_name: None,
            interaction,
        }
    }

    fn deal(&self, opportunity: Opportunity, me: &CurrentUser) -> OpportunityItem {
        let organization = self.organizations.get(&opportunity.organization_id);
        let contact = opportunity.primary_contact_id.and_then(|id| self.contacts.get(&id));
        OpportunityItem {
            organization_name: self.organization_name(opportunity.organization_id),
            assigned_user_id: organization.and_then(|o| o.assigned_user_id),
            owner_name: (opportunity.owner_id == me.id).then(|| me.full_name.clone()),
            contact_first_name: contact.map(|c| c.first_name.clone()),
            contact_last_name: contact.and_then(|c| c.last_name.clone()),
            last_interaction_at: organization.and_then(|o| o.last_interaction_at),
            opportunity,
        }
    }

    fn organization_name(&self, id: Uuid) -> String {
        self.organizations.get(&id).map(|o| o.name.clone()).unwrap_or_else(|| "—".into())
    }
}

/// Step 1's choices as the server orders them: matches of the name or place, recently
/// visited first.
fn choices(organizations: Vec<Organization>, search: &str) -> Vec<OrganizationChoice> {
    let needle = search.trim().to_lowercase();
    let mut found: Vec<OrganizationChoice> = organizations
        .into_iter()
        .filter(|o| o.deleted_at.is_none())
        .map(OrganizationChoice::from)
        .filter(|o| {
            needle.is_empty()
                || o.name.to_lowercase().contains(&needle)
                || o.place.as_deref().is_some_and(|p| p.to_lowercase().contains(&needle))
        })
        .collect();
    found.sort_by(|a, b| b.last_interaction_at.cmp(&a.last_interaction_at).then_with(|| a.name.cmp(&b.name)));
    found.truncate(CHOICES);
    found
}

/// How many of the user's latest interactions Today lists (as online).
const RECENT: usize = 10;

/// The Today page of the user: their open follow-ups by when they are due, the A accounts not
/// visited for a month, their latest interactions; as the server computes them, over the copy.
pub async fn today() -> Result<Today, OfflineError> {
    let user = me()?.id;
    let now = Utc::now();
    let today = now.date_naive();
    let names = Names::load().await?;
    let interactions: Vec<Interaction> = rows(SyncEntity::Interaction).await?;
    let item = |interaction: Interaction| names.interaction(interaction);
    let mine: Vec<Interaction> =
        interactions.into_iter().filter(|i| i.user_id == user && i.deleted_at.is_none()).collect();

    let until = Due::horizon(today);
    let mut follow_ups: Vec<&Interaction> =
        mine.iter().filter(|i| i.open_follow_up().is_some_and(|due| due < until)).collect();
    follow_ups.sort_by_key(|i| (i.follow_up_at, i.id));
    follow_ups.truncate(TODAY_LIMIT as usize);
    let follow_ups = follow_ups.into_iter().cloned().map(&item).filter_map(FollowUp::of).collect();

    let neglected = now - Duration::days(NEGLECTED_AFTER_DAYS);
    let mut to_visit: Vec<&Organization> = names
        .organizations
        .values()
        .filter(|o| o.deleted_at.is_none() && o.priority == Priority::A)
        .filter(|o| o.last_interaction_at.is_none_or(|at| at < neglected))
        .collect();
    to_visit.sort_by_key(|o| (o.last_interaction_at.is_some(), o.last_interaction_at, o.name.to_lowercase(), o.id));
    let to_visit_total = to_visit.len() as i64;
    let to_visit = to_visit
        .into_iter()
        .take(TODAY_LIMIT as usize)
        .map(|o| AccountToVisit {
            id: o.id,
            name: o.name.clone(),
            city: o.city.clone(),
            region: o.region.clone(),
            last_interaction_at: o.last_interaction_at,
            next_follow_up_at: o.next_follow_up_at,
        })
        .collect();

    let mut recent = mine;
    recent.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then_with(|| b.id.cmp(&a.id)));
    recent.truncate(RECENT);
    let recent = recent.into_iter().map(item).collect();
    Ok(Today { to_visit, to_visit_total, recent, ..Today::new(today, follow_ups) })
}
