//! The demo data set `make run` starts with: five people (one per role, two reps) and a
//! few hundred accounts shared by the reps, with contacts, visits and deals.

use uuid::Uuid;

use app::auth::{hash_password, verify_password};
use app::error::AppError;
use app::model::Role;
use app::store::{NewUser, Store, StoreError};

use super::generator::{Plan, generate};

/// The demo people: (email, name, role, territory).
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@kitchenpantry.test", "Avery Admin", Role::Admin, None),
    ("manager@kitchenpantry.test", "Morgan Manager", Role::Manager, Some("Central Texas")),
    ("rep1@kitchenpantry.test", "Riley Rep", Role::SalesRep, Some("Austin metro")),
    ("rep2@kitchenpantry.test", "Sam Seller", Role::SalesRep, Some("Houston metro")),
    ("viewer@kitchenpantry.test", "Vic Viewer", Role::ReadOnly, None),
];

pub const DEMO_PLAN: Plan = Plan {
    organizations: 300,
    contacts_per_organization: 3,
    interactions: 2_400,
    opportunities: 120,
    seed: 7,
    history_days: 120,
};

/// Seeds the demo unless its people already exist. Returns whether it seeded.
pub async fn seed_if_empty(store: &Store) -> Result<bool, StoreError> {
    if store.user_by_email(DEMO_USERS[0].0).await?.is_some() {
        return Ok(false);
    }
    let mut manager = None;
    let mut reps = Vec::new();
    for (email, name, role, territory) in DEMO_USERS {
        let user = NewUser {
            id: Uuid::now_v7(),
            email: (*email).into(),
            full_name: (*name).into(),
            role: *role,
            manager_id: if *role == Role::SalesRep { manager } else { None },
            territory: territory.map(Into::into),
        };
        let id = store.create_user(user).await?.id;
        match role {
            Role::Manager => manager = Some(id),
            Role::SalesRep => reps.push(id),
            _ => {}
        }
    }
    let summary = generate(store, &reps, &DEMO_PLAN, |_| {}).await?;
    tracing::info!(
        organizations = summary.organizations,
        contacts = summary.contacts,
        interactions = summary.interactions,
        opportunities = summary.opportunities,
        "seeded the demo data"
    );
    Ok(true)
}

/// Gives every demo account the demo password (unless it already has it, so sessions
/// survive restarts). Only ever called in demo mode.
pub async fn set_demo_passwords(store: &Store, password: &str) -> Result<(), AppError> {
    for (email, ..) in DEMO_USERS {
        let Some(account) = store.login_account(email).await? else { continue };
        if !verify_password(account.password_hash.clone(), password.to_owned()).await {
            let hash = hash_password(password.to_owned()).await?;
            store.set_password_hash(account.user.id, Some(&hash)).await?;
        }
    }
    Ok(())
}
