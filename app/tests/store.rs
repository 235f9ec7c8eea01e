//! The store's behaviour, checked the same way on both backends: every test runs on a fresh
//! SQLite file, and on a fresh PostgreSQL schema when `TEST_POSTGRES_URL` is set.

use app::model::{
    AuditAction, ContactDraft, ContactQuery, CurrentUser, OrganizationDraft, OrganizationKind, OrganizationQuery,
    OrganizationSort, Priority, Role, Segment, SortDirection, query::parse_query_string,
};
use app::store::{Actor, BackendKind, DbOptions, NewUser, Store, StoreError};
use uuid::Uuid;

mod harness {
    use super::*;

    pub struct TestStore {
        pub store: Store,
        cleanup: Option<(sqlx::PgPool, String)>,
        _dir: Option<tempfile::TempDir>,
    }

    impl std::ops::Deref for TestStore {
        type Target = Store;
        fn deref(&self) -> &Store {
            &self.store
        }
    }

    impl TestStore {
        pub async fn finish(self) {
            self.store.close().await;
            if let Some((pool, schema)) = self.cleanup {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&pool).await;
            }
        }
    }

    pub async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("crm.db").display());
        let store = Store::open(&DbOptions::new(url)).await.expect("open sqlite store");
        TestStore { store, cleanup: None, _dir: Some(dir) }
    }

    /// A store in its own schema of the `TEST_POSTGRES_URL` database, or `None` (skip).
    pub async fn postgres() -> Option<TestStore> {
        let url = std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        let schema = format!("kp_test_{}", Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&url).await.expect("connect to TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create schema");
        let options = DbOptions { pg_schema: Some(schema.clone()), max_connections: 4, ..DbOptions::new(url) };
        let store = Store::open(&options).await.expect("open postgres store");
        Some(TestStore { store, cleanup: Some((admin, schema)), _dir: None })
    }
}

/// Declares each test once per backend.
macro_rules! store_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let store = super::harness::sqlite().await;
                    assert_eq!(store.backend(), super::BackendKind::Sqlite);
                    super::$name(&store).await;
                    store.finish().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(store) = super::harness::postgres().await else {
                        eprintln!("skipped {}: TEST_POSTGRES_URL is not set", stringify!($name));
                        return;
                    };
                    assert_eq!(store.backend(), super::BackendKind::Postgres);
                    super::$name(&store).await;
                    store.finish().await;
                }
            )+
        }
    };
}

store_tests!(
    create_normalizes_and_audits,
    update_bumps_version_and_audits_only_changed_fields,
    saving_without_changes_keeps_the_version,
    stale_updates_are_refused_and_change_nothing,
    concurrent_updates_from_one_version_let_exactly_one_win,
    invalid_drafts_come_back_as_field_errors,
    assignees_must_be_active_users,
    a_chosen_id_is_created_once,
    delete_hides_and_restore_brings_back_with_contacts,
    list_filters_sorts_pages_and_counts,
    search_ignores_case_accents_and_wildcards,
    one_primary_contact_per_organization,
    contacts_belong_to_live_organizations,
    contact_list_searches_names_and_email_prefixes,
    user_emails_are_unique_regardless_of_case,
    times_round_trip_exactly,
    a_rep_sees_and_changes_only_their_accounts,
    read_only_and_managers_follow_the_roles_table,
    sessions_and_lockout_state_round_trip,
);

fn draft(name: &str) -> OrganizationDraft {
    OrganizationDraft { name: name.into(), ..Default::default() }
}

/// An organization draft assigned to `user`.
fn draft_for(name: &str, user: Uuid) -> OrganizationDraft {
    OrganizationDraft { assigned_user_id: Some(user), ..draft(name) }
}

fn contact(org: Uuid, first: &str) -> ContactDraft {
    ContactDraft { organization_id: org, first_name: first.into(), ..Default::default() }
}

async fn rep(store: &Store, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    let email = format!("{}@kitchenpantry.test", name.to_lowercase().replace(' ', "."));
    store
        .create_user(NewUser {
            id,
            email,
            full_name: name.into(),
            role: Role::SalesRep,
            manager_id: None,
            territory: None,
        })
        .await
        .expect("create user");
    id
}

fn query(qs: &str) -> OrganizationQuery {
    let pairs = parse_query_string(qs);
    OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).expect("valid query")
}

async fn names(store: &Store, qs: &str) -> Vec<String> {
    let page = store.list_organizations(&query(qs)).await.expect("list");
    page.page.items.into_iter().map(|o| o.name).collect()
}

async fn create_normalizes_and_audits(store: &Store) {
    let user = rep(store, "Rita Rep").await;
    let actor = Actor { user_id: Some(user), ip: Some("10.0.0.7".into()), user_agent: Some("test".into()) };
    let org = store
        .create_organization(
            &actor,
            None,
            OrganizationDraft {
                name: "  Joe's   Pizza ".into(),
                phone: Some("(555) 123-4567".into()),
                email: Some("Joe@JoesPizza.COM".into()),
                tags: vec!["pizza".into(), "Pizza".into()],
                assigned_user_id: Some(user),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    assert_eq!(org.name, "Joe's Pizza");
    assert_eq!(org.phone.as_deref(), Some("+15551234567"));
    assert_eq!(org.email.as_deref(), Some("joe@joespizza.com"));
    assert_eq!(org.tags, vec!["pizza"]);
    assert_eq!((org.version, org.priority, org.kind), (1, Priority::C, OrganizationKind::Prospect));
    assert_eq!((org.created_by, org.updated_by), (Some(user), Some(user)));
    assert_eq!(store.organization(org.id).await.unwrap(), org);

    let history = store.history("organization", org.id).await.unwrap();
    assert_eq!(history.len(), 1);
    let entry = &history[0];
    assert_eq!(entry.action, AuditAction::Create);
    assert_eq!((entry.user_id, entry.user_name.as_deref()), (Some(user), Some("Rita Rep")));
    assert_eq!(entry.ip.as_deref(), Some("10.0.0.7"));
    assert_eq!(entry.changes["name"]["new"], "Joe's Pizza");
    assert_eq!(entry.at, org.created_at);
}

async fn update_bumps_version_and_audits_only_changed_fields(store: &Store) {
    let actor = Actor::system();
    let org = store.create_organization(&actor, None, draft("Blue Plate")).await.unwrap();
    let mut next = org.to_draft();
    next.priority = Priority::A;
    next.city = Some("Austin".into());
    let updated = store.update_organization(&actor, org.id, 1, next).await.unwrap();
    assert_eq!((updated.version, updated.priority), (2, Priority::A));
    assert!(updated.updated_at >= org.updated_at);
    assert_eq!(updated.created_at, org.created_at);

    let history = store.history("organization", org.id).await.unwrap();
    assert_eq!(history.iter().map(|h| h.action).collect::<Vec<_>>(), vec![AuditAction::Update, AuditAction::Create]);
    let changed: Vec<&String> = history[0].changes.keys().collect();
    assert_eq!(changed, vec!["city", "priority"]);
    assert_eq!(history[0].changes["priority"]["old"], "C");
    assert_eq!(history[0].changes["priority"]["new"], "A");
}

async fn saving_without_changes_keeps_the_version(store: &Store) {
    let org = store.create_organization(&Actor::system(), None, draft("Corner Deli")).await.unwrap();
    let same = store.update_organization(&Actor::system(), org.id, 1, org.to_draft()).await.unwrap();
    assert_eq!(same, org);
    assert_eq!(store.history("organization", org.id).await.unwrap().len(), 1);
}

async fn stale_updates_are_refused_and_change_nothing(store: &Store) {
    let org = store.create_organization(&Actor::system(), None, draft("Harbor Grill")).await.unwrap();
    let mut first = org.to_draft();
    first.city = Some("Boston".into());
    store.update_organization(&Actor::system(), org.id, 1, first).await.unwrap();
    let mut late = org.to_draft();
    late.city = Some("Salem".into());
    match store.update_organization(&Actor::system(), org.id, 1, late).await {
        Err(StoreError::Stale { current: 2, expected: 1, .. }) => {}
        other => panic!("expected a stale error, got {other:?}"),
    }
    let now = store.organization(org.id).await.unwrap();
    assert_eq!((now.version, now.city.as_deref()), (2, Some("Boston")));
    assert!(matches!(
        store.delete_organization(&Actor::system(), org.id, Some(1)).await,
        Err(StoreError::Stale { .. })
    ));
}

async fn concurrent_updates_from_one_version_let_exactly_one_win(store: &Store) {
    let org = store.create_organization(&Actor::system(), None, draft("Race Kitchen")).await.unwrap();
    let actor = Actor::system();
    let attempts = (0..6).map(|i| {
        let mut d = org.to_draft();
        d.notes = Some(format!("writer {i}"));
        store.update_organization(&actor, org.id, 1, d)
    });
    // Polled together, so they truly overlap on the pool.
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let stale = results.iter().filter(|r| matches!(r, Err(StoreError::Stale { .. }))).count();
    assert_eq!((won, stale), (1, 5), "{results:?}");
    assert_eq!(store.organization(org.id).await.unwrap().version, 2);
}

async fn invalid_drafts_come_back_as_field_errors(store: &Store) {
    let bad = OrganizationDraft {
        name: " ".into(),
        phone: Some("12".into()),
        email: Some("nope".into()),
        annual_revenue_cents: Some(-5),
        ..Default::default()
    };
    match store.create_organization(&Actor::system(), None, bad).await {
        Err(StoreError::Invalid(fields)) => {
            let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
            assert_eq!(keys, vec!["annual_revenue_cents", "email", "name", "phone"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let page = store.list_organizations(&OrganizationQuery::default()).await.unwrap();
    assert_eq!(page.page.total, 0, "nothing half-written");
}

async fn assignees_must_be_active_users(store: &Store) {
    let stranger = Uuid::new_v4();
    let result = store
        .create_organization(
            &Actor::system(),
            None,
            OrganizationDraft { assigned_user_id: Some(stranger), ..draft("Lone Diner") },
        )
        .await;
    match result {
        Err(StoreError::Invalid(fields)) => assert!(fields["assigned_user_id"].contains("Choose a user")),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn a_chosen_id_is_created_once(store: &Store) {
    let id = Uuid::new_v4();
    let org = store.create_organization(&Actor::system(), Some(id), draft("Twice Cafe")).await.unwrap();
    assert_eq!(org.id, id);
    assert!(matches!(
        store.create_organization(&Actor::system(), Some(id), draft("Twice Cafe")).await,
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(store.list_organizations(&OrganizationQuery::default()).await.unwrap().page.total, 1);
}

async fn delete_hides_and_restore_brings_back_with_contacts(store: &Store) {
    let actor = Actor::system();
    let org = store.create_organization(&actor, None, draft("Gone Bistro")).await.unwrap();
    let kept = store.create_contact(&actor, None, contact(org.id, "Ana")).await.unwrap();
    let earlier = store.create_contact(&actor, None, contact(org.id, "Ben")).await.unwrap();
    store.delete_contact(&actor, earlier.id, Some(1)).await.unwrap();

    let deleted = store.delete_organization(&actor, org.id, Some(1)).await.unwrap();
    assert_eq!(deleted.version, 2);
    assert!(deleted.deleted_at.is_some());
    assert!(matches!(store.organization(org.id).await, Err(StoreError::NotFound("Organization"))));
    assert!(matches!(store.contact(kept.id).await, Err(StoreError::NotFound("Contact"))));
    assert_eq!(store.list_organizations(&OrganizationQuery::default()).await.unwrap().page.total, 0);
    assert!(matches!(store.update_organization(&actor, org.id, 2, org.to_draft()).await, Err(StoreError::NotFound(_))));

    let restored = store.restore_organization(&actor, org.id).await.unwrap();
    assert_eq!((restored.version, restored.deleted_at), (3, None));
    // Contacts deleted along with the organization come back; one deleted before stays deleted.
    assert_eq!(store.contact(kept.id).await.unwrap().version, 3);
    assert!(store.contact(earlier.id).await.is_err());
    let history = store.history("organization", org.id).await.unwrap();
    let actions: Vec<AuditAction> = history.iter().map(|h| h.action).collect();
    assert_eq!(actions, vec![AuditAction::Restore, AuditAction::Delete, AuditAction::Create]);
    let contact_actions: Vec<AuditAction> =
        store.history("contact", kept.id).await.unwrap().iter().map(|h| h.action).collect();
    assert_eq!(contact_actions, vec![AuditAction::Restore, AuditAction::Delete, AuditAction::Create]);
}

async fn list_filters_sorts_pages_and_counts(store: &Store) {
    let actor = Actor::system();
    let rita = rep(store, "Rita Rep").await;
    let rows = [
        (
            "Alpha Cafe",
            Priority::A,
            Some(Segment::CasualDining),
            OrganizationKind::Customer,
            Some("Austin"),
            Some(rita),
        ),
        ("Bravo Burgers", Priority::B, Some(Segment::FastFood), OrganizationKind::Prospect, Some("Boston"), None),
        ("Charlie Clinic", Priority::A, Some(Segment::Healthcare), OrganizationKind::Customer, None, Some(rita)),
        ("Delta Deli", Priority::D, None, OrganizationKind::Prospect, Some("Albany"), None),
        ("Echo Eatery", Priority::C, Some(Segment::CasualDining), OrganizationKind::Prospect, Some("Austin"), None),
    ];
    for (name, priority, segment, kind, city, assigned) in rows {
        let d = OrganizationDraft {
            name: name.into(),
            priority,
            segment,
            kind,
            city: city.map(Into::into),
            assigned_user_id: assigned,
            ..Default::default()
        };
        store.create_organization(&actor, None, d).await.unwrap();
    }
    assert_eq!(names(store, "").await, ["Alpha Cafe", "Bravo Burgers", "Charlie Clinic", "Delta Deli", "Echo Eatery"]);
    assert_eq!(names(store, "priority=A").await, ["Alpha Cafe", "Charlie Clinic"]);
    assert_eq!(names(store, "priority=A,D").await, ["Alpha Cafe", "Charlie Clinic", "Delta Deli"]);
    assert_eq!(names(store, "segment=casual_dining").await, ["Alpha Cafe", "Echo Eatery"]);
    assert_eq!(names(store, "kind=customer").await, ["Alpha Cafe", "Charlie Clinic"]);
    assert_eq!(names(store, &format!("assigned_to={rita}")).await, ["Alpha Cafe", "Charlie Clinic"]);
    assert_eq!(names(store, "sort=name&dir=desc").await[0], "Echo Eatery");
    assert_eq!(
        names(store, "sort=priority").await,
        ["Alpha Cafe", "Charlie Clinic", "Bravo Burgers", "Echo Eatery", "Delta Deli"]
    );
    // Unknown cities sort last in both directions.
    assert_eq!(names(store, "sort=city").await.last().map(String::as_str), Some("Charlie Clinic"));
    assert_eq!(names(store, "sort=city&dir=desc").await.last().map(String::as_str), Some("Charlie Clinic"));
    assert_eq!(names(store, "sort=city").await[0], "Delta Deli");

    let page = store.list_organizations(&query("per_page=2&page=2&sort=name")).await.unwrap();
    assert_eq!(page.page.items.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Charlie Clinic", "Delta Deli"]);
    assert_eq!((page.page.total, page.page.page_count()), (5, 3));

    let filtered = store.list_organizations(&query("priority=A&segment=casual_dining")).await.unwrap();
    assert_eq!(filtered.page.total, 1);
    let counts: Vec<(Priority, i64)> = filtered.priority_counts;
    assert_eq!(counts, vec![(Priority::A, 1), (Priority::B, 0), (Priority::C, 1), (Priority::D, 0)]);

    let first = &store.list_organizations(&OrganizationQuery::default()).await.unwrap().page.items[0];
    assert_eq!(first.assigned_user_name.as_deref(), Some("Rita Rep"));
    assert_eq!(first.place().as_deref(), Some("Austin"));

    let sorted_updated =
        OrganizationQuery { sort: OrganizationSort::Updated, direction: SortDirection::Desc, ..Default::default() };
    let items = store.list_organizations(&sorted_updated).await.unwrap().page.items;
    assert_eq!(items[0].name, "Echo Eatery");
}

async fn search_ignores_case_accents_and_wildcards(store: &Store) {
    for name in ["Café Rouge", "CAFÉ NOIR", "Cafeteria 50% Off", "Fifty_Fifty Diner"] {
        store.create_organization(&Actor::system(), None, draft(name)).await.unwrap();
    }
    assert_eq!(names(store, "q=café").await, ["CAFÉ NOIR", "Café Rouge"]);
    assert_eq!(names(store, "q=ROUGE").await, ["Café Rouge"]);
    assert_eq!(names(store, "q=50%25").await, ["Cafeteria 50% Off"]);
    assert_eq!(names(store, "q=y_f").await, ["Fifty_Fifty Diner"]);
    assert!(names(store, "q=y%25f").await.is_empty());
    assert!(names(store, "q=zzz").await.is_empty());
}

async fn one_primary_contact_per_organization(store: &Store) {
    let actor = Actor::system();
    let org = store.create_organization(&actor, None, draft("Primary Place")).await.unwrap();
    let ana =
        store.create_contact(&actor, None, ContactDraft { is_primary: true, ..contact(org.id, "Ana") }).await.unwrap();
    let ben =
        store.create_contact(&actor, None, ContactDraft { is_primary: true, ..contact(org.id, "Ben") }).await.unwrap();
    let ana_now = store.contact(ana.id).await.unwrap();
    assert!(!ana_now.is_primary && ben.is_primary);
    assert_eq!(ana_now.version, 2, "losing the flag is a change of its own");
    let history = store.history("contact", ana.id).await.unwrap();
    assert_eq!(history[0].changes["is_primary"]["new"], false);

    let page = store
        .list_contacts(&app::model::ContactQuery { organization_id: Some(org.id), ..Default::default() })
        .await
        .unwrap();
    let order: Vec<&str> = page.items.iter().map(|c| c.first_name.as_str()).collect();
    assert_eq!(order, ["Ben", "Ana"], "primary first");

    // Giving Ana the flag back through an update takes it from Ben.
    let mut d = ana_now.to_draft();
    d.is_primary = true;
    store.update_contact(&actor, ana.id, 2, d).await.unwrap();
    assert!(!store.contact(ben.id).await.unwrap().is_primary);
}

async fn contacts_belong_to_live_organizations(store: &Store) {
    let actor = Actor::system();
    match store.create_contact(&actor, None, contact(Uuid::new_v4(), "Nobody")).await {
        Err(StoreError::Invalid(fields)) => assert!(fields.contains_key("organization_id")),
        other => panic!("expected a field error, got {other:?}"),
    }
    let first = store.create_organization(&actor, None, draft("First Org")).await.unwrap();
    let second = store.create_organization(&actor, None, draft("Second Org")).await.unwrap();
    let c = store.create_contact(&actor, None, contact(first.id, "Mover")).await.unwrap();
    let moved = store
        .update_contact(&actor, c.id, 1, ContactDraft { organization_id: second.id, ..c.to_draft() })
        .await
        .unwrap();
    assert_eq!((moved.organization_id, moved.version), (second.id, 2));

    store.delete_contact(&actor, c.id, None).await.unwrap();
    store.delete_organization(&actor, second.id, None).await.unwrap();
    match store.restore_contact(&actor, c.id).await {
        Err(StoreError::Invalid(fields)) => {
            assert!(fields["organization_id"].contains("Restore the contact's organization"))
        }
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn contact_list_searches_names_and_email_prefixes(store: &Store) {
    let actor = Actor::system();
    let org = store.create_organization(&actor, None, draft("Search House")).await.unwrap();
    let other = store.create_organization(&actor, None, draft("Other House")).await.unwrap();
    let d = |org: Uuid, first: &str, last: &str, email: &str| ContactDraft {
        last_name: Some(last.into()),
        email: Some(email.into()),
        ..contact(org, first)
    };
    store.create_contact(&actor, None, d(org.id, "Mario", "Rossi", "mario@search.house")).await.unwrap();
    store.create_contact(&actor, None, d(org.id, "Luigi", "Verdi", "buyer@search.house")).await.unwrap();
    store.create_contact(&actor, None, d(other.id, "Maria", "Bianchi", "maria@other.house")).await.unwrap();
    let search = |q: &str, org: Option<Uuid>| app::model::ContactQuery {
        search: Some(q.into()),
        organization_id: org,
        ..Default::default()
    };
    let first_names =
        |page: app::model::Page<app::model::Contact>| page.items.into_iter().map(|c| c.first_name).collect::<Vec<_>>();
    assert_eq!(first_names(store.list_contacts(&search("mari", None)).await.unwrap()), ["Maria", "Mario"]);
    assert_eq!(first_names(store.list_contacts(&search("mari", Some(org.id))).await.unwrap()), ["Mario"]);
    assert_eq!(first_names(store.list_contacts(&search("BUYER@", None)).await.unwrap()), ["Luigi"]);
    assert_eq!(first_names(store.list_contacts(&search("rossi", None)).await.unwrap()), ["Mario"]);
    assert!(
        store.list_contacts(&search("house", None)).await.unwrap().items.is_empty(),
        "email matches from its start only"
    );
    // Contacts of a deleted organization leave the list with it.
    store.delete_organization(&actor, other.id, None).await.unwrap();
    assert_eq!(store.list_contacts(&search("mari", None)).await.unwrap().total, 1);
}

async fn user_emails_are_unique_regardless_of_case(store: &Store) {
    rep(store, "Sam Seller").await;
    let again = NewUser {
        id: Uuid::new_v4(),
        email: "SAM.Seller@KitchenPantry.test".into(),
        full_name: "Sam Again".into(),
        role: Role::SalesRep,
        manager_id: None,
        territory: None,
    };
    match store.create_user(again).await {
        Err(StoreError::Invalid(fields)) => assert!(fields["email"].contains("already exists")),
        other => panic!("expected a duplicate email error, got {other:?}"),
    }
    let found = store.user_by_email(" sam.seller@kitchenpantry.TEST ").await.unwrap().expect("found");
    assert_eq!(found.full_name, "Sam Seller");
    assert_eq!(store.active_users().await.unwrap().len(), 1);
}

async fn times_round_trip_exactly(store: &Store) {
    let org = store.create_organization(&Actor::system(), None, draft("Clock Shop")).await.unwrap();
    let read = store.organization(org.id).await.unwrap();
    assert_eq!(read.created_at, org.created_at);
    assert_eq!(read.created_at.timestamp_subsec_nanos() % 1_000, 0, "microsecond precision");
}

async fn person(store: &Store, name: &str, role: Role) -> CurrentUser {
    let id = match role {
        Role::SalesRep => rep(store, name).await,
        _ => {
            let id = Uuid::new_v4();
            let email = format!("{}@kitchenpantry.test", name.to_lowercase().replace(' ', "."));
            let user = NewUser { id, email, full_name: name.into(), role, manager_id: None, territory: None };
            store.create_user(user).await.expect("create user");
            id
        }
    };
    let user = store.user(id).await.expect("user");
    CurrentUser { id, email: user.email, full_name: user.full_name, role }
}

/// The store side of the roles table: scoped lists and counts, hidden records, refused changes.
async fn a_rep_sees_and_changes_only_their_accounts(store: &Store) {
    let (ann, bob) = (person(store, "Ann Rep", Role::SalesRep).await, person(store, "Bob Rep", Role::SalesRep).await);
    let system = Actor::system();
    let mine = store.create_organization(&system, None, draft_for("Ann Cafe", ann.id)).await.unwrap();
    let theirs = store.create_organization(&system, None, draft_for("Bob Cafe", bob.id)).await.unwrap();
    let their_contact = store.create_contact(&system, None, contact(theirs.id, "Cleo")).await.unwrap();
    store.create_contact(&system, None, contact(mine.id, "Dan")).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());

    let list = access.list_organizations(&OrganizationQuery::default()).await.unwrap();
    assert_eq!(list.page.items.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Ann Cafe"]);
    assert_eq!(list.priority_counts.iter().map(|(_, n)| n).sum::<i64>(), 1, "counts are scoped too");
    let contacts = access.list_contacts(&ContactQuery::default()).await.unwrap();
    assert_eq!(contacts.items.iter().map(|c| c.first_name.as_str()).collect::<Vec<_>>(), ["Dan"]);
    assert_eq!(access.count_contacts().await.unwrap(), 1);
    assert!(matches!(access.organization(theirs.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(access.contact(their_contact.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(access.organization_history(theirs.id).await, Err(StoreError::NotFound(_))));
    let taken = access.update_organization(theirs.id, theirs.version, draft("Mine now")).await;
    assert!(matches!(taken, Err(StoreError::NotFound(_))), "{taken:?}");
    let given = access.update_organization(mine.id, mine.version, draft_for("Ann Cafe", bob.id)).await;
    assert!(matches!(given, Err(StoreError::Forbidden(_))), "{given:?}");
    let planted = access.create_contact(None, contact(theirs.id, "Eve")).await;
    assert!(matches!(planted, Err(StoreError::Invalid(ref f)) if f.contains_key("organization_id")), "{planted:?}");
    assert!(matches!(access.delete_organization(mine.id, Some(mine.version)).await, Err(StoreError::Forbidden(_))));

    let created = access.create_organization(None, draft("Ann's new account")).await.unwrap();
    assert_eq!(created.assigned_user_id, Some(ann.id), "a rep's new account is theirs");
    assert_eq!(created.created_by, Some(ann.id), "and the audit names them");
    let renamed = access.update_organization(mine.id, mine.version, draft_for("Ann's Cafe", ann.id)).await;
    assert_eq!(renamed.unwrap().name, "Ann's Cafe");
    let users = access.assignable_users().await.unwrap();
    assert_eq!(users.iter().map(|u| u.id).collect::<Vec<_>>(), [ann.id]);
}

async fn read_only_and_managers_follow_the_roles_table(store: &Store) {
    let viewer = person(store, "Vera Viewer", Role::ReadOnly).await;
    let manager = person(store, "Max Manager", Role::Manager).await;
    let admin = person(store, "Ada Admin", Role::Admin).await;
    let org = store.create_organization(&Actor::system(), None, draft("Shared Diner")).await.unwrap();
    let read_only = store.access(viewer, Actor::default());
    assert_eq!(read_only.organization(org.id).await.unwrap().id, org.id);
    assert!(matches!(read_only.organization_to_edit(org.id).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(read_only.create_organization(None, draft("No")).await, Err(StoreError::Forbidden(_))));
    assert!(matches!(read_only.check_may_create_organization(), Err(StoreError::Forbidden(_))));
    let managing = store.access(manager, Actor::default());
    let org = managing.update_organization(org.id, org.version, draft("Shared Diner & Bar")).await.unwrap();
    assert!(matches!(managing.delete_organization(org.id, Some(org.version)).await, Err(StoreError::Forbidden(_))));
    let administering = store.access(admin, Actor::default());
    let deleted = administering.delete_organization(org.id, Some(org.version)).await.unwrap();
    assert!(deleted.deleted_at.is_some());
    assert!(matches!(managing.restore_organization(org.id).await, Err(StoreError::Forbidden(_))));
    administering.restore_organization(org.id).await.unwrap();
}

async fn sessions_and_lockout_state_round_trip(store: &Store) {
    use app::auth::SessionKind;
    let user = person(store, "Sid Session", Role::Manager).await;
    let account = store.login_account("SID.session@kitchenpantry.test").await.unwrap().expect("by email, any case");
    assert_eq!((account.user.id, account.failed_login_count, account.locked_until), (user.id, 0, None));
    let until = app::store::now() + chrono::Duration::minutes(30);
    store.record_failed_login(user.id, 3, Some(until)).await.unwrap();
    let account = store.login_account(&user.email).await.unwrap().unwrap();
    assert_eq!((account.failed_login_count, account.locked_until), (3, Some(until)));

    let hash = "a".repeat(64);
    let now = app::store::now();
    store.create_session(&hash, user.id, SessionKind::Remembered, &Actor::default(), now).await.unwrap();
    let session = store.session(&hash).await.unwrap().expect("session");
    assert_eq!((session.kind(), session.created_at, session.last_seen_at), (SessionKind::Remembered, now, now));
    assert_eq!(session.user(), user);
    let account = store.login_account(&user.email).await.unwrap().unwrap();
    assert_eq!((account.failed_login_count, account.locked_until), (0, None), "a sign-in clears the failures");
    store.set_password_hash(user.id, Some("$argon2id$new")).await.unwrap();
    assert!(store.session(&hash).await.unwrap().is_none(), "a new password ends every session");
}
