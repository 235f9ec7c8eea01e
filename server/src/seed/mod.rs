//! Data for demos and benchmarks.

pub mod demo;
pub mod generator;
pub mod names;

use uuid::Uuid;

use app::model::Role;
use app::store::{NewUser, Store, StoreError};

/// The sales reps to share generated organizations between: `count` of them, reusing the
/// seed reps already there and creating the rest.
pub async fn seed_reps(store: &Store, count: u32) -> Result<Vec<Uuid>, StoreError> {
    let mut reps = Vec::new();
    for n in 1..=count {
        let email = format!("seed.rep{n:03}@kitchenpantry.test");
        let id = match store.user_by_email(&email).await? {
            Some(user) => user.id,
            None => {
                let user = NewUser {
                    id: Uuid::now_v7(),
                    email,
                    full_name: format!("Seed Rep {n:03}"),
                    role: Role::SalesRep,
                    manager_id: None,
                    territory: None,
                };
                store.create_user(user).await?.id
            }
        };
        reps.push(id);
    }
    Ok(reps)
}
