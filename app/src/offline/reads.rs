//! Page data built from the copy on this device, for when the server cannot be reached.
//! Each builds the same value its server function returns, so the page renders unchanged.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::OfflineError;
use super::database::{row, rows};
use crate::api::interactions::{FollowUpToComplete, LogForm, OrganizationChoice};
use crate::api::today::Today;
use crate::model::interaction::{NEGLECTED_AFTER_DAYS, TODAY_LIMIT};
use crate::model::sync::SyncEntity;
use crate::model::{AccountToVisit, Contact, Due, Interaction, InteractionItem, Organization, Priority};

/// How many organizations the quick log's first step offers (as online).
const CHOICES: usize = 8;

/// The quick log's data: the organization with its contacts, or step 1's choices for `q`.
pub async fn log_form(
    organization: Option<Uuid>,
    completes: Option<Uuid>,
    q: Option<String>,
) -> Result<LogForm, OfflineError> {
    let search = q.unwrap_or_default();
    let (organization, contacts, choices) = match organization {
        Some(id) => {
            let org: Organization =
                row(SyncEntity::Organization, &id.to_string()).await?.ok_or(OfflineError::NotCopied)?;
            let mut contacts: Vec<Contact> = rows::<Contact>(SyncEntity::Contact)
                .await?
                .into_iter()
                .filter(|c| c.organization_id == id && c.deleted_at.is_none())
                .collect();
            contacts.sort_by_key(|c| c.full_name().to_lowercase());
            (Some(OrganizationChoice::from(org)), contacts, Vec::new())
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
        interaction: None,
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

/// The Today page of `user`: their open follow-ups by when they are due, the A accounts not
/// visited for a month, their latest interactions; as the server computes them, over the copy.
pub async fn today(user: Uuid) -> Result<Today, OfflineError> {
    let now = Utc::now();
    let today = now.date_naive();
    let organizations: Vec<Organization> = rows(SyncEntity::Organization).await?;
    let contacts: Vec<Contact> = rows(SyncEntity::Contact).await?;
    let interactions: Vec<Interaction> = rows(SyncEntity::Interaction).await?;
    let names: HashMap<Uuid, &str> = organizations.iter().map(|o| (o.id, o.name.as_str())).collect();
    let people: HashMap<Uuid, &Contact> = contacts.iter().map(|c| (c.id, c)).collect();
    let item = |interaction: Interaction| {
        let contact = interaction.contact_id.and_then(|id| people.get(&id));
        InteractionItem {
            organization_name: names.get(&interaction.organization_id).copied().unwrap_or("—").to_owned(),
            contact_first_name: contact.map(|c| c.first_name.clone()),
            contact_last_name: contact.and_then(|c| c.last_name.clone()),
            author_name: None,
            interaction,
        }
    };
    let mine: Vec<Interaction> =
        interactions.into_iter().filter(|i| i.user_id == user && i.deleted_at.is_none()).collect();

    let until = Due::horizon(today);
    let mut follow_ups: Vec<&Interaction> =
        mine.iter().filter(|i| i.open_follow_up().is_some_and(|due| due < until)).collect();
    follow_ups.sort_by_key(|i| (i.follow_up_at, i.id));
    follow_ups.truncate(TODAY_LIMIT as usize);
    let follow_ups = follow_ups.into_iter().cloned().map(&item).collect();

    let neglected = now - Duration::days(NEGLECTED_AFTER_DAYS);
    let mut to_visit: Vec<&Organization> = organizations
        .iter()
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
