//! The store's behaviour, checked the same way on both backends: every test runs on a fresh
//! SQLite file, and on a fresh PostgreSQL schema when `TEST_POSTGRES_URL` is set.

use app::model::{
    AuditAction, ContactDraft, ContactQuery, CurrentUser, InteractionDraft, InteractionItem, InteractionKind,
    InteractionQuery, OrganizationDraft, OrganizationKind, OrganizationQuery, OrganizationSort, Outcome, Page,
    Priority, Role, Segment, SortDirection, query::parse_query_string,
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
        /// PostgreSQL only: a connection outside the store, and the store's schema.
        pub fn postgres_schema(&self) -> Option<(&sqlx::PgPool, &str)> {
            self.cleanup.as_ref().map(|(pool, schema)| (pool, schema.as_str()))
        }

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

/// Logging a visit rewrites its account's row, and with it the row's entries in the trigram
/// indexes: no GIN pending list there (every search would read through it), and a vacuum
/// after 2 % of the table changed (migration 20261215000001). A migration that rebuilds one
/// of these indexes must keep its setting.
#[tokio::test]
async fn postgres_organization_search_indexes_take_visits_in_place() {
    let Some(store) = harness::postgres().await else {
        eprintln!("skipped postgres_organization_search_indexes_take_visits_in_place: TEST_POSTGRES_URL is not set");
        return;
    };
    let (pool, schema) = store.postgres_schema().expect("a PostgreSQL store");
    let options: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT c.relname::text, c.reloptions::text[] FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND (c.relname = 'organizations' OR c.relname LIKE 'organizations%trgm_idx') ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    let set = |option: &str| Some(vec![option.to_owned()]);
    let expected = [
        ("organizations", set("autovacuum_vacuum_scale_factor=0.02")),
        ("organizations_name_trgm_idx", set("fastupdate=off")),
        ("organizations_phone_trgm_idx", set("fastupdate=off")),
        ("organizations_place_trgm_idx", set("fastupdate=off")),
    ];
    assert_eq!(options, expected.map(|(relation, options)| (relation.to_owned(), options)));
    store.finish().await;
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
    logging_a_visit_keeps_the_organization_in_step,
    interaction_lists_filter_page_and_follow_the_roles,
    today_reads_follow_ups_and_neglected_accounts,
    interactions_name_only_their_organizations_records,
    deals_move_through_the_pipeline_with_their_history,
    the_board_totals_value_and_weighted_value_per_stage,
    dashboard_figures_are_pinned_on_a_fixture,
    reports_count_by_kind_and_rank_accounts,
    search_finds_names_places_phones_and_emails_and_forgives_typos,
    a_search_with_more_matches_than_it_weighs_keeps_the_best,
    a_reps_contact_comes_first_among_many_of_that_name,
    the_health_check_ping_answers,
    deleting_an_account_takes_its_interactions_and_deals_along_and_restoring_brings_them_back,
    an_import_checks_each_row_and_creates_updates_or_skips_in_batches,
    only_managers_and_admins_import_and_unreadable_files_are_kept_as_refused,
    a_stopped_import_resumes_where_it_stopped,
    sync_ops_apply_once_and_answer_a_replay_with_their_result,
    sync_merges_one_sided_changes_and_reports_conflicts,
    sync_rejects_what_the_online_path_refuses,
    sync_moves_deals_and_completes_follow_ups,
    delta_pulls_page_through_a_reps_records_and_carry_deletions,
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

fn visit(org: Uuid, days_ago: i64) -> InteractionDraft {
    InteractionDraft {
        occurred_at: Some(app::store::now() - chrono::Duration::days(days_ago)),
        outcome: Some(Outcome::Positive),
        ..InteractionDraft::new(org, InteractionKind::Visit)
    }
}

fn in_days(days: i64) -> chrono::NaiveDate {
    (app::store::now() + chrono::Duration::days(days)).date_naive()
}

fn kinds(page: &Page<InteractionItem>) -> Vec<InteractionKind> {
    page.items.iter().map(|i| i.interaction.kind).collect()
}

async fn logging_a_visit_keeps_the_organization_in_step(store: &Store) {
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let admin = person(store, "Ada Admin", Role::Admin).await;
    let org = store.create_organization(&Actor::system(), None, draft_for("Trattoria", ann.id)).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());

    let first_draft = InteractionDraft {
        kind: InteractionKind::Tasting,
        follow_up_on: Some(in_days(3)),
        follow_up_notes: Some("Tasting".into()),
        ..visit(org.id, 2)
    };
    let first = access.create_interaction(None, first_draft, None).await.unwrap();
    assert_eq!((first.user_id, first.created_by, first.version), (ann.id, Some(ann.id), 1));
    let read = store.organization(org.id).await.unwrap();
    assert_eq!(read.last_interaction_at, Some(first.occurred_at));
    assert_eq!(read.next_follow_up_at.map(|at| at.date_naive()), Some(in_days(3)));
    assert_eq!(read.version, org.version, "derived dates do not make an edit of the account conflict");

    // The follow-up visit completes the first one's follow-up, in one transaction.
    let second = access.create_interaction(None, visit(org.id, 0), Some(first.id)).await.unwrap();
    let first_now = store.interaction(first.id).await.unwrap();
    assert!(first_now.follow_up_done);
    assert_eq!(first_now.version, 2);
    let history = store.history("interaction", first.id).await.unwrap();
    assert_eq!(history[0].changes["follow_up_done"]["new"], true);
    let read = store.organization(org.id).await.unwrap();
    assert_eq!(read.last_interaction_at, Some(second.occurred_at));
    assert_eq!(read.next_follow_up_at, None, "no open follow-up is left");

    // Editing the newest back in time, then deleting it, moves the last interaction back.
    let mut older = second.to_draft();
    older.occurred_at = Some(first.occurred_at - chrono::Duration::days(1));
    let edited = access.update_interaction(second.id, second.version, older).await.unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(store.organization(org.id).await.unwrap().last_interaction_at, Some(first.occurred_at));
    let stale = access.update_interaction(second.id, 1, second.to_draft()).await;
    assert!(matches!(stale, Err(StoreError::Stale { current: 2, .. })), "{stale:?}");
    assert!(matches!(access.delete_interaction(first.id, None).await, Err(StoreError::Forbidden(_))));
    store.access(admin, Actor::default()).delete_interaction(first.id, Some(2)).await.unwrap();
    assert_eq!(store.organization(org.id).await.unwrap().last_interaction_at, Some(edited.occurred_at));
    let actions: Vec<AuditAction> =
        store.history("interaction", first.id).await.unwrap().iter().map(|h| h.action).collect();
    assert_eq!(actions, [AuditAction::Delete, AuditAction::Update, AuditAction::Create]);
}

async fn interaction_lists_filter_page_and_follow_the_roles(store: &Store) {
    let (ann, bob) = (person(store, "Ann Rep", Role::SalesRep).await, person(store, "Bob Rep", Role::SalesRep).await);
    let system = Actor::system();
    let mine = store.create_organization(&system, None, draft_for("Ann Cafe", ann.id)).await.unwrap();
    let theirs = store.create_organization(&system, None, draft_for("Bob Cafe", bob.id)).await.unwrap();
    let ann_access = store.access(ann.clone(), Actor::default());
    for (days, kind) in [(3, InteractionKind::Call), (2, InteractionKind::Tasting), (1, InteractionKind::Visit)] {
        ann_access.create_interaction(None, InteractionDraft { kind, ..visit(mine.id, days) }, None).await.unwrap();
    }
    let follow_up = InteractionDraft {
        outcome: Some(Outcome::FollowUpNeeded),
        follow_up_on: Some(in_days(5)),
        ..visit(theirs.id, 0)
    };
    store.access(bob.clone(), Actor::default()).create_interaction(None, follow_up, None).await.unwrap();

    let all = store.list_interactions(&InteractionQuery::default()).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        kinds(&all),
        [InteractionKind::Visit, InteractionKind::Visit, InteractionKind::Tasting, InteractionKind::Call],
        "newest first"
    );
    let ann_sees = ann_access.list_interactions(&InteractionQuery::default()).await.unwrap();
    assert_eq!(ann_sees.total, 3, "a rep sees only their accounts' interactions");
    assert!(
        ann_sees.items.iter().all(|i| i.organization_name == "Ann Cafe" && i.author_name.as_deref() == Some("Ann Rep"))
    );
    // The page without its count (Today, exports) is the same page, in the same scope.
    let ann_first_two = InteractionQuery { per_page: 2, ..Default::default() };
    assert_eq!(ann_access.interactions(&ann_first_two).await.unwrap(), ann_sees.items[..2]);
    let tastings = InteractionQuery { kind: Some(InteractionKind::Tasting), ..Default::default() };
    assert_eq!(store.list_interactions(&tastings).await.unwrap().total, 1);
    let open =
        store.list_interactions(&InteractionQuery { open_follow_ups: true, ..Default::default() }).await.unwrap();
    assert_eq!(open.items.iter().map(|i| i.organization_name.as_str()).collect::<Vec<_>>(), ["Bob Cafe"]);
    let by_bob =
        InteractionQuery { user_id: Some(bob.id), outcome: Some(Outcome::FollowUpNeeded), ..Default::default() };
    assert_eq!(store.list_interactions(&by_bob).await.unwrap().total, 1);
    let page_two = InteractionQuery {
        organization_id: Some(mine.id),
        per_page: 2,
        page: 2,
        direction: app::model::SortDirection::Asc,
        ..Default::default()
    };
    let page = store.list_interactions(&page_two).await.unwrap();
    assert_eq!((page.total, kinds(&page)), (3, vec![InteractionKind::Visit]), "oldest first, second page");

    // A deleted organization takes its interactions out of every list.
    store.delete_organization(&system, theirs.id, None).await.unwrap();
    assert_eq!(store.list_interactions(&InteractionQuery::default()).await.unwrap().total, 3);
}

async fn today_reads_follow_ups_and_neglected_accounts(store: &Store) {
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let system = Actor::system();
    let a = |name: &str, user: Uuid| OrganizationDraft { priority: app::model::Priority::A, ..draft_for(name, user) };
    let never = store.create_organization(&system, None, a("Never Visited", ann.id)).await.unwrap();
    let long_ago = store.create_organization(&system, None, a("Long Ago", ann.id)).await.unwrap();
    let recent = store.create_organization(&system, None, a("Seen Lately", ann.id)).await.unwrap();
    store.create_organization(&system, None, draft_for("Priority C", ann.id)).await.unwrap();
    store.create_organization(&system, None, a("Bob's Account", bob.id)).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());
    let with_follow_up = |org: Uuid, days_ago: i64, due_in: i64| InteractionDraft {
        follow_up_on: Some(in_days(due_in)),
        ..visit(org, days_ago)
    };
    let overdue = access.create_interaction(None, with_follow_up(long_ago.id, 40, -2), None).await.unwrap();
    let today = access.create_interaction(None, with_follow_up(recent.id, 1, 0), None).await.unwrap();
    let soon = access.create_interaction(None, with_follow_up(recent.id, 0, 7), None).await.unwrap();
    access.create_interaction(None, with_follow_up(recent.id, 0, 9), None).await.unwrap();

    let due = access.my_follow_ups(app::model::Due::horizon(in_days(0))).await.unwrap();
    assert_eq!(due.iter().map(|f| f.id).collect::<Vec<_>>(), [overdue.id, today.id, soon.id]);
    assert!(store.follow_ups_due(bob.id, in_days(30), None).await.unwrap().is_empty(), "only the author's");

    let (accounts, total) = access.accounts_to_visit(app::store::now() - chrono::Duration::days(30)).await.unwrap();
    assert_eq!(accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Never Visited", "Long Ago"]);
    assert_eq!(total, 2);
    assert_eq!(accounts[0].id, never.id);
    let manager = person(store, "Max Manager", Role::Manager).await;
    let (_, team_total) = store
        .access(manager, Actor::default())
        .accounts_to_visit(app::store::now() - chrono::Duration::days(30))
        .await
        .unwrap();
    assert_eq!(team_total, 3, "a manager sees the team's");
}

async fn interactions_name_only_their_organizations_records(store: &Store) {
    let (ann, bob) = (person(store, "Ann Rep", Role::SalesRep).await, person(store, "Bob Rep", Role::SalesRep).await);
    let system = Actor::system();
    let mine = store.create_organization(&system, None, draft_for("Ann Cafe", ann.id)).await.unwrap();
    let other = store.create_organization(&system, None, draft_for("Ann Bistro", ann.id)).await.unwrap();
    let theirs = store.create_organization(&system, None, draft_for("Bob Cafe", bob.id)).await.unwrap();
    let elsewhere = store.create_contact(&system, None, contact(other.id, "Olga")).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());

    let wrong_contact = InteractionDraft { contact_id: Some(elsewhere.id), ..visit(mine.id, 0) };
    let refused = access.create_interaction(None, wrong_contact, None).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref f)) if f.contains_key("contact_id")), "{refused:?}");
    let planted = access.create_interaction(None, visit(theirs.id, 0), None).await;
    assert!(matches!(planted, Err(StoreError::Invalid(ref f)) if f.contains_key("organization_id")), "{planted:?}");
    let future =
        InteractionDraft { occurred_at: Some(app::store::now() + chrono::Duration::days(1)), ..visit(mine.id, 0) };
    let refused = access.create_interaction(None, future, None).await;
    assert!(matches!(refused, Err(StoreError::Invalid(ref f)) if f.contains_key("occurred_at")), "{refused:?}");

    let promised = InteractionDraft { follow_up_on: Some(in_days(2)), ..visit(other.id, 0) };
    let promised = access.create_interaction(None, promised, None).await.unwrap();
    let crossed = access.create_interaction(None, visit(mine.id, 0), Some(promised.id)).await;
    assert!(matches!(crossed, Err(StoreError::Invalid(ref f)) if f.contains_key("completes")), "{crossed:?}");
    assert!(
        store
            .list_interactions(&InteractionQuery { organization_id: Some(mine.id), ..Default::default() })
            .await
            .unwrap()
            .items
            .is_empty(),
        "a refused log leaves nothing behind"
    );

    let id = Uuid::now_v7();
    access.create_interaction(Some(id), visit(mine.id, 0), None).await.unwrap();
    let again = access.create_interaction(Some(id), visit(mine.id, 0), None).await;
    assert!(matches!(again, Err(StoreError::Exists { .. })), "{again:?}");
    let viewer = store.access(person(store, "Vera Viewer", Role::ReadOnly).await, Actor::default());
    assert!(matches!(viewer.create_interaction(None, visit(mine.id, 0), None).await, Err(StoreError::Forbidden(_))));
    assert_eq!(viewer.interaction(id).await.unwrap().id, id);
    let bob_access = store.access(bob, Actor::default());
    assert!(matches!(bob_access.interaction(id).await, Err(StoreError::NotFound(_))));
}

fn deal(org: Uuid, name: &str, stage: app::model::Stage, value_dollars: i64) -> app::model::OpportunityDraft {
    app::model::OpportunityDraft {
        stage,
        estimated_value_cents: Some(value_dollars * 100),
        close_reason: match stage {
            app::model::Stage::ClosedWon => Some(app::model::CloseReason::Relationship),
            app::model::Stage::ClosedLost => Some(app::model::CloseReason::Competitor),
            _ => None,
        },
        ..app::model::OpportunityDraft::new(org, name)
    }
}

async fn deals_move_through_the_pipeline_with_their_history(store: &Store) {
    use app::model::{CloseReason, Stage};
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let org = store.create_organization(&Actor::system(), None, draft_for("Deal Diner", ann.id)).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());
    let created =
        access.create_opportunity(None, deal(org.id, "Holiday menu", Stage::Prospecting, 12_000)).await.unwrap();
    assert_eq!((created.owner_id, created.probability, created.version), (ann.id, 10, 1));

    let moved = access.move_opportunity(created.id, 1, Stage::Proposal, None).await.unwrap();
    assert_eq!((moved.stage, moved.probability), (Stage::Proposal, 50), "the stage's default probability");
    assert!(moved.stage_entered_at > created.stage_entered_at);
    let mut edited = moved.to_draft();
    edited.probability = Some(65);
    let edited = access.update_opportunity(moved.id, moved.version, edited).await.unwrap();
    assert_eq!((edited.probability, edited.stage_entered_at), (65, moved.stage_entered_at), "a set value stands");

    let no_reason = access.move_opportunity(created.id, edited.version, Stage::ClosedWon, None).await;
    assert!(matches!(no_reason, Err(StoreError::Invalid(ref f)) if f.contains_key("close_reason")), "{no_reason:?}");
    let wrong_side =
        access.move_opportunity(created.id, edited.version, Stage::ClosedWon, Some(CloseReason::Competitor));
    assert!(matches!(wrong_side.await, Err(StoreError::Invalid(_))));
    let won =
        access.move_opportunity(created.id, edited.version, Stage::ClosedWon, Some(CloseReason::Price)).await.unwrap();
    assert_eq!((won.probability, won.close_reason), (100, Some(CloseReason::Price)));
    assert_eq!(won.actual_close_date, Some(app::store::now().date_naive()));

    let reopened = access.move_opportunity(created.id, won.version, Stage::Negotiation, None).await.unwrap();
    assert_eq!((reopened.probability, reopened.close_reason, reopened.actual_close_date), (75, None, None));
    let stale = access.move_opportunity(created.id, won.version, Stage::Proposal, None).await;
    assert!(matches!(stale, Err(StoreError::Stale { .. })), "{stale:?}");

    let read = access.opportunity(created.id).await.unwrap();
    assert_eq!((read.organization_name.as_str(), read.assigned_user_id), ("Deal Diner", Some(ann.id)));
    let (changes, audit) = access.opportunity_history(&read).await.unwrap();
    let path: Vec<(Option<Stage>, Stage)> = changes.iter().map(|c| (c.from_stage, c.to_stage)).collect();
    assert_eq!(
        path,
        [
            (Some(Stage::ClosedWon), Stage::Negotiation),
            (Some(Stage::Proposal), Stage::ClosedWon),
            (Some(Stage::Prospecting), Stage::Proposal),
            (None, Stage::Prospecting),
        ]
    );
    assert!(changes.iter().all(|c| c.changed_by_name.as_deref() == Some("Ann Rep")));
    assert_eq!(audit.len(), 5);

    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let bob_access = store.access(bob, Actor::default());
    assert!(matches!(bob_access.opportunity(created.id).await, Err(StoreError::NotFound(_))));
    assert!(matches!(access.delete_opportunity(created.id, None).await, Err(StoreError::Forbidden(_))));
}

async fn the_board_totals_value_and_weighted_value_per_stage(store: &Store) {
    use app::model::Stage;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let system = Actor::system();
    let mine = store.create_organization(&system, None, draft_for("Ann Cafe", ann.id)).await.unwrap();
    let theirs = store.create_organization(&system, None, draft_for("Bob Cafe", bob.id)).await.unwrap();
    let create = |owner: Uuid, d: app::model::OpportunityDraft| async move {
        store.create_opportunity(&Actor::user(owner), owner, None, d).await.unwrap()
    };
    create(ann.id, deal(mine.id, "A1", Stage::Prospecting, 1_000)).await;
    create(ann.id, deal(mine.id, "A2", Stage::Proposal, 3_000)).await;
    create(ann.id, deal(mine.id, "A3", Stage::Proposal, 1_001)).await;
    create(ann.id, deal(mine.id, "A4", Stage::ClosedWon, 5_000)).await;
    let unpriced =
        app::model::OpportunityDraft { estimated_value_cents: None, ..deal(mine.id, "A5", Stage::Proposal, 0) };
    create(ann.id, unpriced).await;
    create(bob.id, deal(theirs.id, "B1", Stage::Negotiation, 10_000)).await;

    let today = app::store::now().date_naive();
    let all = app::store::BoardQuery { visible_to: None, owner_id: None, closed_since: today };
    let totals = store.pipeline_totals(&all).await.unwrap();
    let row = |stage: Stage| *totals.iter().find(|t| t.stage == stage).unwrap();
    assert_eq!(totals.len(), 6, "every stage, empty ones too");
    assert_eq!((row(Stage::Prospecting).deals, row(Stage::Prospecting).value_cents), (1, 100_000));
    assert_eq!(row(Stage::Prospecting).weighted_cents, 10_000);
    assert_eq!((row(Stage::Proposal).deals, row(Stage::Proposal).value_cents), (3, 400_100));
    assert_eq!(row(Stage::Proposal).weighted_cents, 200_050);
    assert_eq!(row(Stage::Negotiation).weighted_cents, 750_000);
    assert_eq!((row(Stage::ClosedWon).deals, row(Stage::ClosedWon).value_cents), (1, 500_000));
    assert_eq!(row(Stage::Qualification).deals, 0);
    assert_eq!(store.opportunity_board(&all).await.unwrap().len(), 6);

    let later = app::store::BoardQuery { closed_since: today.succ_opt().unwrap(), ..all };
    assert_eq!(
        store.pipeline_totals(&later).await.unwrap().iter().find(|t| t.stage == Stage::ClosedWon).unwrap().deals,
        0
    );
    let ann_access = store.access(ann.clone(), Actor::default());
    let (board, totals) = ann_access.opportunity_board(None, today).await.unwrap();
    assert_eq!(board.len(), 5, "a rep's board holds their accounts' deals");
    assert_eq!(totals.iter().map(|t| t.deals).sum::<i64>(), 5);
    assert_eq!(board[0].organization_name, "Ann Cafe");
    assert_eq!(board[0].owner_name.as_deref(), Some("Ann Rep"));
    store.delete_organization(&system, mine.id, None).await.unwrap();
    assert_eq!(store.opportunity_board(&all).await.unwrap().len(), 1, "deals of deleted accounts leave the board");
    // The team's totals read no account: a deleted account's deals are deleted with it.
    let totals = store.pipeline_totals(&all).await.unwrap();
    assert_eq!(
        totals.iter().map(|t| (t.deals, t.value_cents)).fold((0, 0), |a, t| (a.0 + t.0, a.1 + t.1)),
        (1, 1_000_000)
    );
}

/// Moves a record's dates back in time (what a test cannot wait for).
async fn backdate(store: &Store, table: &str, column: &str, id: Uuid, to: chrono::DateTime<chrono::Utc>) {
    let text = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    let sql = app::store::Sql::new("test.backdate", text).bind(to).bind(id);
    store.db().execute(sql).await.expect("backdate");
}

/// The KPIs of domain.md on a small data set built to catch every known mistake of the
/// seeds' SQL: a won deal at an account with several contacts and interactions (a join
/// would multiply its value), soft-deleted rows and a deleted account (to be left out),
/// interactions counted by when they happened (not when they were typed in), open and won
/// deals apart.
async fn dashboard_figures_are_pinned_on_a_fixture(store: &Store) {
    use app::model::dashboard::{Kpis, Period};
    use app::model::{Priority, Stage};
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let manager = person(store, "Max Manager", Role::Manager).await;
    let admin = person(store, "Ada Admin", Role::Admin).await;
    let system = Actor::system();
    let now = app::store::now();
    let today = now.date_naive();
    let days = chrono::Duration::days;
    let a = |name: &str, user: Option<Uuid>| OrganizationDraft {
        priority: Priority::A,
        assigned_user_id: user,
        ..draft(name)
    };
    let org1 = store.create_organization(&system, None, a("Ann A", Some(ann.id))).await.unwrap();
    let org2 = store.create_organization(&system, None, draft_for("Ann C", ann.id)).await.unwrap();
    let org3 = store.create_organization(&system, None, a("Bob A", Some(bob.id))).await.unwrap();
    store.create_organization(&system, None, draft("Nobody's")).await.unwrap();
    let gone = store.create_organization(&system, None, a("Closed Down", Some(ann.id))).await.unwrap();
    for (org, name) in [(org1.id, "Cleo"), (org1.id, "Dan"), (org2.id, "Eve"), (org3.id, "Finn"), (gone.id, "Gus")] {
        store.create_contact(&system, None, contact(org, name)).await.unwrap();
    }
    let dropped = store.create_contact(&system, None, contact(org1.id, "Hal")).await.unwrap();
    store.delete_contact(&system, dropped.id, None).await.unwrap();

    let ann_logs = |draft: InteractionDraft| {
        let actor = Actor::user(ann.id);
        async move { store.create_interaction(&actor, ann.id, None, draft, None).await.unwrap() }
    };
    let dated = [0, 1, 40];
    ann_logs(InteractionDraft { follow_up_on: Some(in_days(1)), ..visit(org1.id, 0) }).await;
    ann_logs(InteractionDraft { follow_up_on: Some(in_days(-1)), ..visit(org1.id, 1) }).await;
    ann_logs(InteractionDraft { follow_up_on: Some(in_days(-30)), follow_up_done: true, ..visit(org1.id, 40) }).await;
    // Typed in today about a visit 70 days ago: outside the range, whatever its created_at.
    ann_logs(visit(org1.id, 70)).await;
    let deleted = ann_logs(visit(org1.id, 0)).await;
    store.delete_interaction(&system, deleted.id, None).await.unwrap();
    ann_logs(visit(gone.id, 0)).await;
    store.create_interaction(&Actor::user(bob.id), bob.id, None, visit(org3.id, 0), None).await.unwrap();

    let owned = |owner: Uuid, d: app::model::OpportunityDraft| async move {
        store.create_opportunity(&Actor::user(owner), owner, None, d).await.unwrap()
    };
    owned(ann.id, deal(org1.id, "Won at Ann A", Stage::ClosedWon, 1_000)).await;
    owned(ann.id, deal(org1.id, "Open at Ann A", Stage::Proposal, 2_000)).await;
    let stale = owned(ann.id, deal(org2.id, "Dragging on", Stage::Negotiation, 4_000)).await;
    backdate(store, "opportunities", "stage_entered_at", stale.id, now - days(50)).await;
    backdate(store, "opportunities", "created_at", stale.id, now - days(60)).await;
    owned(ann.id, deal(gone.id, "Won at a closed account", Stage::ClosedWon, 9_999)).await;
    let old_win = owned(bob.id, deal(org3.id, "Won long ago", Stage::ClosedWon, 500)).await;
    let text = "UPDATE opportunities SET actual_close_date = $1 WHERE id = $2";
    let sql = app::store::Sql::new("test.backdate", text).bind(today - days(200)).bind(old_win.id);
    store.db().execute(sql).await.unwrap();
    owned(bob.id, deal(org3.id, "Small start", Stage::Prospecting, 100)).await;
    store.delete_organization(&system, gone.id, None).await.unwrap();

    let period = Period::new(today, Some(today - days(50)), Some(today)).unwrap();
    let this_week = dated.iter().filter(|d| today - days(**d) >= period.week_start()).count() as i64;
    let this_month = dated.iter().filter(|d| today - days(**d) >= period.month_start()).count() as i64;
    let team = store.access(manager.clone(), Actor::default());
    let (rows, weekly, stages) = team.dashboard(None, period).await.unwrap();
    let row = |id: Option<Uuid>| rows.iter().find(|(rep, _)| *rep == id).map(|(_, k)| *k).unwrap_or_default();
    let expected_ann = Kpis {
        organizations: 2,
        a_priority: 1,
        contacts: 3,
        interactions_this_week: this_week,
        interactions_this_month: this_month,
        interactions_in_range: 3,
        open_opportunities: 2,
        pipeline_cents: 600_000,
        weighted_cents: 400_000,
        won_deals: 1,
        won_cents: 100_000,
        follow_ups_due: 1,
        stale_deals: 1,
    };
    assert_eq!(row(Some(ann.id)), expected_ann);
    let expected_bob = Kpis {
        organizations: 1,
        a_priority: 1,
        contacts: 1,
        interactions_this_week: 1,
        interactions_this_month: 1,
        interactions_in_range: 1,
        open_opportunities: 1,
        pipeline_cents: 10_000,
        weighted_cents: 1_000,
        ..Kpis::default()
    };
    assert_eq!(row(Some(bob.id)), expected_bob);
    assert_eq!(row(None), Kpis { organizations: 1, ..Kpis::default() }, "unassigned accounts count for the team");
    let total = Kpis::total(rows.iter().map(|(_, k)| k));
    assert_eq!((total.organizations, total.contacts, total.won_cents), (4, 4, 100_000));
    assert_eq!(weekly.iter().map(|w| w.1).sum::<i64>(), 4, "70 days ago is outside the 8 weeks");
    let negotiation = stages.iter().find(|s| s.stage == Stage::Negotiation).unwrap();
    assert_eq!((negotiation.deals, negotiation.weighted_cents), (1, 300_000));

    // One rep: the filter for a manager, the only choice for a rep.
    let (rows, _, _) = team.dashboard(Some(ann.id), period).await.unwrap();
    assert_eq!(rows.iter().map(|(rep, _)| *rep).collect::<Vec<_>>(), [Some(ann.id)]);
    let (rows, _, _) = store.access(bob.clone(), Actor::default()).dashboard(Some(ann.id), period).await.unwrap();
    assert_eq!(rows, vec![(Some(bob.id), expected_bob)], "a rep sees only their own figures");
    let (rows, _, _) =
        store.access(admin, Actor::default()).dashboard(None, Period::this_quarter(today)).await.unwrap();
    assert!(rows.iter().any(|(rep, k)| *rep == Some(ann.id) && k.won_cents == 100_000));
}

async fn reports_count_by_kind_and_rank_accounts(store: &Store) {
    use app::model::Stage;
    use app::model::dashboard::Period;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let manager = person(store, "Max Manager", Role::Manager).await;
    let system = Actor::system();
    let big = store.create_organization(&system, None, draft_for("Big Account", ann.id)).await.unwrap();
    let small = store.create_organization(&system, None, draft_for("Small Account", ann.id)).await.unwrap();
    let quiet = store.create_organization(&system, None, draft_for("Quiet Account", ann.id)).await.unwrap();
    let log = |draft: InteractionDraft| {
        let actor = Actor::user(ann.id);
        async move { store.create_interaction(&actor, ann.id, None, draft, None).await.unwrap() }
    };
    log(InteractionDraft { kind: InteractionKind::Tasting, ..visit(big.id, 0) }).await;
    log(InteractionDraft { kind: InteractionKind::Tasting, outcome: Some(Outcome::OrderPlaced), ..visit(big.id, 1) })
        .await;
    log(InteractionDraft { outcome: None, ..visit(small.id, 2) }).await;
    log(visit(quiet.id, 100)).await;
    for (org, value) in [(big.id, 9_000), (big.id, 1_000), (small.id, 2_500)] {
        store
            .create_opportunity(&Actor::user(ann.id), ann.id, None, deal(org, "Won", Stage::ClosedWon, value))
            .await
            .unwrap();
    }
    store
        .create_opportunity(&Actor::user(ann.id), ann.id, None, deal(big.id, "Next", Stage::Proposal, 700))
        .await
        .unwrap();

    let today = app::store::now().date_naive();
    let period = Period::new(today, Some(today - chrono::Duration::days(30)), Some(today)).unwrap();
    let (weekly, volume, _, top) = store.access(manager, Actor::default()).reports(None, period).await.unwrap();
    let mut volume = volume;
    volume.sort_by_key(|(k, o, _)| (*k, *o));
    assert_eq!(
        volume,
        [
            (InteractionKind::Visit, None, 1),
            (InteractionKind::Tasting, Some(Outcome::Positive), 1),
            (InteractionKind::Tasting, Some(Outcome::OrderPlaced), 1),
        ]
    );
    let ranked: Vec<(&str, i64, i64, i64, i64)> = top
        .iter()
        .map(|o| (o.name.as_str(), o.won_deals, o.won_cents, o.interactions, o.open_pipeline_cents))
        .collect();
    assert_eq!(ranked, [("Big Account", 2, 1_000_000, 2, 70_000), ("Small Account", 1, 250_000, 1, 0)]);
    assert_eq!(weekly.len(), 1);
    assert_eq!(weekly[0].0, Some(ann.id));
    assert_eq!(weekly[0].1.iter().map(|w| w.1).sum::<i64>(), 3, "100 days ago is outside the 8 weeks");
}

async fn search_finds_names_places_phones_and_emails_and_forgives_typos(store: &Store) {
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let system = Actor::system();
    let titles = |hits: Vec<app::model::search::SearchHit>| hits.into_iter().map(|h| h.title).collect::<Vec<_>>();
    let find = |text: &'static str| async move {
        let query = app::model::search::SearchQuery::parse(text).unwrap().unwrap();
        titles(store.search(&query, None, 20).await.unwrap())
    };
    let trattoria = OrganizationDraft {
        city: Some("Austin".into()),
        region: Some("TX".into()),
        ..draft_for("La Trattoria di Marco", ann.id)
    };
    let trattoria = store.create_organization(&system, None, trattoria).await.unwrap();
    let pizza = OrganizationDraft {
        phone: Some("(555) 123-4567".into()),
        email: Some("info@joespizza.com".into()),
        city: Some("Houston".into()),
        ..draft("Joe's Pizza")
    };
    let pizza = store.create_organization(&system, None, pizza).await.unwrap();
    let giuseppe = store.create_contact(&system, None, contact(pizza.id, "Giuseppe")).await.unwrap();
    let carla = store.create_contact(&system, None, contact(pizza.id, "Carla")).await.unwrap();
    store.create_organization(&system, None, draft("Big Burger Barn")).await.unwrap();
    store.create_organization(&system, None, draft("Burger Palace")).await.unwrap();
    let mario = ContactDraft { email: Some("mario@trattoria.example".into()), ..contact(trattoria.id, "Mario") };
    let mario = ContactDraft { last_name: Some("Rossi".into()), ..mario };
    store.create_contact(&system, None, mario).await.unwrap();

    assert_eq!(find("trattoria").await, ["La Trattoria di Marco"]);
    assert_eq!(find("TRATTORAI").await, ["La Trattoria di Marco"], "a typo in a name is forgiven");
    assert_eq!(find("trattora").await, ["La Trattoria di Marco"], "and a letter left out");
    assert_eq!(find("burger").await, ["Burger Palace", "Big Burger Barn"], "names that start with it first");
    assert_eq!(find("austin").await, ["La Trattoria di Marco"], "by city");
    assert_eq!(find("555 123").await, ["Joe's Pizza"], "by phone digits");
    assert_eq!(find("info@joes").await, ["Joe's Pizza"], "by email prefix");
    assert_eq!(find("mario ros").await, ["Mario Rossi"], "contacts by name");
    assert_eq!(find("jo").await, ["Joe's Pizza"], "short queries match the start of names");
    assert!(find("zzzz").await.is_empty());
    assert!(matches!(
        store.access(ann.clone(), Actor::default()).search(&"x".repeat(101), 20).await,
        Err(StoreError::Invalid(_))
    ));

    // A rep finds only their accounts and their contacts; renames and deletes are seen at once.
    let as_ann = |text: &'static str| {
        let ann = ann.clone();
        async move { titles(store.access(ann, Actor::default()).search(text, 20).await.unwrap()) }
    };
    assert!(as_ann("pizza").await.is_empty(), "not Ann's account");
    assert!(as_ann("giuseppe").await.is_empty(), "nor its contacts");
    assert_eq!(as_ann("rossi").await, ["Mario Rossi"]);
    // An account handed to Ann brings its contacts into her search, and takes them back.
    let handed = OrganizationDraft { assigned_user_id: Some(ann.id), ..pizza.to_draft() };
    let handed = store.update_organization(&system, pizza.id, pizza.version, handed).await.unwrap();
    assert_eq!(as_ann("pizza").await, ["Joe's Pizza"]);
    assert_eq!(as_ann("giuseppe").await, ["Giuseppe"]);
    let back = OrganizationDraft { assigned_user_id: None, ..handed.to_draft() };
    let back = store.update_organization(&system, handed.id, handed.version, back).await.unwrap();
    assert!(as_ann("giuseppe").await.is_empty(), "handed back");
    // A contact moved to one of Ann's accounts comes along; one deleted while its account was
    // handed to her comes into her search when restored.
    let moved = ContactDraft { organization_id: trattoria.id, ..carla.to_draft() };
    store.update_contact(&system, carla.id, carla.version, moved).await.unwrap();
    assert_eq!(as_ann("carla").await, ["Carla"]);
    store.delete_contact(&system, giuseppe.id, None).await.unwrap();
    let again = OrganizationDraft { assigned_user_id: Some(ann.id), ..back.to_draft() };
    store.update_organization(&system, back.id, back.version, again).await.unwrap();
    assert!(as_ann("giuseppe").await.is_empty(), "deleted");
    store.restore_contact(&system, giuseppe.id).await.unwrap();
    assert_eq!(as_ann("giuseppe").await, ["Giuseppe"], "restored under Ann's account");
    let renamed = OrganizationDraft { name: "Osteria di Marco".into(), ..trattoria.to_draft() };
    let renamed = store.update_organization(&system, trattoria.id, trattoria.version, renamed).await.unwrap();
    assert_eq!(find("osteria").await, ["Osteria di Marco"]);
    assert!(find("trattoria di").await.is_empty());
    store.delete_organization(&system, renamed.id, None).await.unwrap();
    assert!(find("osteria").await.is_empty());
    assert!(find("mario rossi").await.is_empty(), "its contacts went with it");
}

/// Past the candidates a search weighs (60), the best matches are kept, not the first
/// written: past 60 matches, a search takes names that start with the query first, then names
/// that contain it, on both databases.
async fn a_search_with_more_matches_than_it_weighs_keeps_the_best(store: &Store) {
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let system = Actor::system();
    for i in 0..65 {
        let cafe =
            OrganizationDraft { city: Some("Pizzaville".into()), ..draft_for(&format!("Corner Cafe {i}"), ann.id) };
        store.create_organization(&system, None, cafe).await.unwrap();
    }
    store.create_organization(&system, None, draft_for("Pizza Barn", ann.id)).await.unwrap();
    let query = app::model::search::SearchQuery::parse("pizza").unwrap().unwrap();
    let hits = store.search(&query, None, 20).await.unwrap();
    assert_eq!(hits.len(), 20);
    assert_eq!(hits[0].title, "Pizza Barn", "the name beats 65 places written before it");
    let hits = store.access(ann.clone(), Actor::default()).search("pizza", 20).await.unwrap();
    assert_eq!(hits[0].title, "Pizza Barn", "and so in the rep's own search");
    assert!(hits[1..].iter().all(|h| h.title.starts_with("Corner Cafe")));
    // Past 60 names that contain the query, a name that starts with it still comes first.
    for i in 0..65 {
        store.create_organization(&system, None, draft_for(&format!("Corner Pizza {i}"), ann.id)).await.unwrap();
    }
    store.create_organization(&system, None, draft_for("Pizza Oven", ann.id)).await.unwrap();
    let hits = store.access(ann, Actor::default()).search("pizza", 20).await.unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles[..2], ["Pizza Barn", "Pizza Oven"], "{titles:?}");
    assert!(titles[2..].iter().all(|t| t.starts_with("Corner Pizza")), "then names containing it: {titles:?}");
}

/// Past 60 matches, a rep's contact whose name starts with the query still comes first when
/// other reps have more contacts of that name than a search reads (100): PostgreSQL reads the
/// rep's names only, SQLite finds it among the rep's names containing the query.
async fn a_reps_contact_comes_first_among_many_of_that_name(store: &Store) {
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let system = Actor::system();
    let bobs = store.create_organization(&system, None, draft_for("Bob's Diner", bob.id)).await.unwrap();
    for i in 0..120 {
        // "maria a0" sorts before "maria ann": these are read first by name.
        let namesake = ContactDraft { last_name: Some(format!("A{i}")), ..contact(bobs.id, "Maria") };
        store.create_contact(&system, None, namesake).await.unwrap();
    }
    for i in 0..65 {
        let cafe =
            OrganizationDraft { city: Some("Santa Maria".into()), ..draft_for(&format!("Corner Cafe {i}"), ann.id) };
        store.create_organization(&system, None, cafe).await.unwrap();
    }
    let anns = store.create_organization(&system, None, draft_for("Ann's Bistro", ann.id)).await.unwrap();
    let maria = ContactDraft { last_name: Some("Ann".into()), ..contact(anns.id, "Maria") };
    store.create_contact(&system, None, maria).await.unwrap();
    let hits = store.access(ann, Actor::default()).search("maria", 20).await.unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles[0], "Maria Ann", "{titles:?}");
    assert!(titles[1..].iter().all(|t| t.starts_with("Corner Cafe")), "then her accounts in Santa Maria: {titles:?}");
}

/// `/health` asks the store whether the database answers; on PostgreSQL a bare `SELECT 1`
/// (a 4-byte integer) once failed to decode, so the check said "unhealthy" on every call.
async fn the_health_check_ping_answers(store: &Store) {
    store.ping().await.expect("the database answers");
}

async fn deleting_an_account_takes_its_interactions_and_deals_along_and_restoring_brings_them_back(store: &Store) {
    use app::model::Stage;
    let system = Actor::system();
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let org = store.create_organization(&system, None, draft_for("Seasonal Cafe", ann.id)).await.unwrap();
    let earlier = store.create_interaction(&system, ann.id, None, visit(org.id, 3), None).await.unwrap();
    store.delete_interaction(&system, earlier.id, None).await.unwrap();
    let kept = store.create_interaction(&system, ann.id, None, visit(org.id, 1), None).await.unwrap();
    let deal = store
        .create_opportunity(&system, ann.id, None, deal(org.id, "Summer menu", Stage::Proposal, 900))
        .await
        .unwrap();

    store.delete_organization(&system, org.id, None).await.unwrap();
    assert!(store.interaction(kept.id).await.is_err(), "gone with its account");
    assert!(store.opportunity(deal.id).await.is_err());
    store.restore_organization(&system, org.id).await.unwrap();
    assert_eq!(store.interaction(kept.id).await.unwrap().version, 3, "back, with the two changes counted");
    assert_eq!(store.opportunity(deal.id).await.unwrap().stage, Stage::Proposal);
    assert!(store.interaction(earlier.id).await.is_err(), "deleted before its account, it stays deleted");
}

// --- CSV import ---

const IMPORT_HEADER: &str = "Name,City,Priority,Assigned to,Contact first name,Contact last name,Contact email,Notes";

/// `n` new organizations, one row each, with a contact.
fn import_rows(n: usize) -> String {
    (1..=n).map(|i| format!("Imported Diner {i},Townsville,B,,Pat,Cook{i},pat{i}@diner.test,\n")).collect()
}

async fn an_import_checks_each_row_and_creates_updates_or_skips_in_batches(store: &Store) {
    use app::model::{ImportStatus, OnDuplicate};
    let system = Actor::system();
    let admin = store.access(person(store, "Ada Admin", Role::Admin).await, Actor::default());
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let joes = store
        .create_organization(
            &system,
            None,
            OrganizationDraft { city: Some("Springfield".into()), ..draft("Joe's Pizza") },
        )
        .await
        .unwrap();
    let bistro = store.create_organization(&system, None, draft("Le Bistro")).await.unwrap();
    let chef = ContactDraft { email: Some("chef@bistro.test".into()), ..contact(bistro.id, "Chef") };
    let chef = store.create_contact(&system, None, chef).await.unwrap();
    let file = format!(
        "{IMPORT_HEADER}\n{}JOE'S PIZZA , springfield,A,,,,,Now a key account\n\
         Bistro Two,Paris,,,Marie,Curie,CHEF@bistro.test,\n\
         ,Nowhere,,,,,,\n\
         Ghost Diner,Nowhere,,Nobody Known,,,,\n\
         Ann's Diner,Shelbyville,C,{},Sam,,,\n",
        import_rows(450),
        ann.email,
    );

    let id = admin.stage_import("accounts.csv", file.as_bytes()).await.unwrap();
    let detail = admin.import_detail(id).await.unwrap();
    let s = &detail.summary;
    assert_eq!(
        (s.status, s.total_rows, s.new_rows, s.duplicate_rows, s.invalid_rows),
        (ImportStatus::Ready, 455, 451, 2, 2)
    );
    assert_eq!(detail.preview.rows.len(), 20);
    assert_eq!(detail.preview.rows[0].name, "Imported Diner 1");
    let (header, errors) = admin.import_errors(id).await.unwrap();
    assert_eq!(header[0], "Name");
    assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), [454, 455]);
    assert!(errors[1].problems[0].contains("no active user “Nobody Known”"), "{:?}", errors[1]);

    assert!(admin.start_import(id, OnDuplicate::Update).await.unwrap());
    assert!(!admin.start_import(id, OnDuplicate::Update).await.unwrap(), "a second start changes nothing");
    admin.run_import(id).await.unwrap();
    let s = admin.import_detail(id).await.unwrap().summary;
    assert_eq!(s.status, ImportStatus::Done);
    assert_eq!(
        (s.processed_rows, s.created_count, s.updated_count, s.skipped_count, s.failed_count),
        (455, 451, 2, 0, 0)
    );
    assert!(s.finished_at.is_some());

    let joes = store.organization(joes.id).await.unwrap();
    assert_eq!((joes.priority, joes.name.as_str(), joes.version), (Priority::A, "JOE'S PIZZA", 2));
    assert_eq!(joes.notes.as_deref(), Some("Now a key account"));
    let chef = store.contact(chef.id).await.unwrap();
    assert_eq!((chef.first_name.as_str(), chef.last_name.as_deref()), ("Marie", Some("Curie")), "matched by email");
    assert_eq!(store.organization(bistro.id).await.unwrap().city.as_deref(), Some("Paris"));
    let anns = names(store, "q=Ann's Diner").await;
    assert_eq!(anns, ["Ann's Diner"]);
    assert_eq!(names(store, "q=Imported Diner 45").await, ["Imported Diner 45", "Imported Diner 450"]);
    let diner = store.list_organizations(&query("q=Imported Diner 7")).await.unwrap().page.items;
    let diner = diner.iter().find(|o| o.name == "Imported Diner 7").expect("imported");
    assert_eq!(diner.contact_count, 1);
    let contacts =
        store.list_contacts(&ContactQuery { organization_id: Some(diner.id), ..Default::default() }).await.unwrap();
    assert!(contacts.items[0].is_primary);
    assert_eq!(contacts.items[0].email.as_deref(), Some("pat7@diner.test"));
    let history = store.history("organization", diner.id).await.unwrap();
    assert_eq!(history.len(), 1, "created with its audit row");
    let ann_list = store.access(ann.clone(), Actor::default()).list_organizations(&OrganizationQuery::default()).await;
    assert_eq!(ann_list.unwrap().page.items.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Ann's Diner"]);
    assert!(matches!(admin.start_import(id, OnDuplicate::Skip).await, Err(StoreError::Invalid(_))), "finished");

    // The same file again: everything it brings exists now.
    let again = admin.stage_import("accounts.csv", file.as_bytes()).await.unwrap();
    let s = admin.import_detail(again).await.unwrap().summary;
    assert_eq!((s.new_rows, s.duplicate_rows, s.invalid_rows), (0, 453, 2));
    admin.start_import(again, OnDuplicate::Skip).await.unwrap();
    admin.run_import(again).await.unwrap();
    let s = admin.import_detail(again).await.unwrap().summary;
    assert_eq!((s.created_count, s.updated_count, s.skipped_count), (0, 0, 453));
    assert_eq!(store.organization(joes.id).await.unwrap().version, 2, "skipped, not touched");
}

async fn only_managers_and_admins_import_and_unreadable_files_are_kept_as_refused(store: &Store) {
    use app::model::{ImportStatus, OnDuplicate};
    let rep = store.access(person(store, "Ann Rep", Role::SalesRep).await, Actor::default());
    let refused = rep.stage_import("a.csv", b"Name\nX\n").await;
    assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
    assert!(matches!(rep.recent_imports().await, Err(StoreError::Forbidden(_))));
    let manager = store.access(person(store, "Max Manager", Role::Manager).await, Actor::default());
    let id = manager.stage_import("C:\\exports\\book.xlsx", b"PK\x03\x04 not a csv").await.unwrap();
    let detail = manager.import_detail(id).await.unwrap();
    assert_eq!(detail.summary.status, ImportStatus::Rejected);
    assert_eq!(detail.summary.file_name, "book.xlsx");
    assert!(detail.summary.message.unwrap().contains("Excel workbook"));
    assert!(matches!(manager.start_import(id, OnDuplicate::Skip).await, Err(StoreError::Invalid(_))));
    let recent = manager.recent_imports().await.unwrap();
    assert_eq!(recent[0].id, id);
    assert_eq!(recent[0].created_by_name.as_deref(), Some("Max Manager"));
    assert!(matches!(manager.import_detail(Uuid::now_v7()).await, Err(StoreError::NotFound(_))));
}

/// A server that stops mid-import leaves the import "running" with an old heartbeat: it
/// reads as stopped, resumes from its recorded offset, and never redoes a batch.
async fn a_stopped_import_resumes_where_it_stopped(store: &Store) {
    use app::model::{ImportStatus, OnDuplicate};
    use app::store::Sql;
    let admin = store.access(person(store, "Ada Admin", Role::Admin).await, Actor::default());
    let file = format!("{IMPORT_HEADER}\n{}", import_rows(450));
    let id = admin.stage_import("big.csv", file.as_bytes()).await.unwrap();
    assert!(admin.start_import(id, OnDuplicate::Skip).await.unwrap());
    // As if the first batch had been imported by a server that then went away.
    let long_ago = app::store::now() - chrono::Duration::minutes(10);
    let sql = Sql::new("test.stall", "UPDATE imports SET processed_rows = 200, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(long_ago);
    store.db().execute(sql).await.unwrap();
    let stalled = admin.import_detail(id).await.unwrap().summary;
    assert_eq!(stalled.status, ImportStatus::Failed);
    assert!(stalled.message.clone().unwrap().contains("after 200 of 450 rows"));
    assert!(stalled.can_start());

    assert!(admin.start_import(id, OnDuplicate::Skip).await.unwrap(), "resumed");
    admin.run_import(id).await.unwrap();
    admin.run_import(id).await.unwrap();
    let done = admin.import_detail(id).await.unwrap().summary;
    assert_eq!((done.status, done.processed_rows, done.created_count), (ImportStatus::Done, 450, 250));
    let created = names(store, "q=Imported Diner 2&per_page=100").await;
    assert_eq!(created.len(), 99, "201–299: not 2, 20–29 or 200, which the stopped server had");
    assert_eq!(created[0], "Imported Diner 201");
}

// --- offline sync ---

mod sync_ops {
    use app::model::sync::{OpOutcome, OpResult, SyncAction, SyncBatch, SyncEntity, SyncOp};
    use serde_json::{Map, Value};
    use uuid::Uuid;

    pub fn op(entity: SyncEntity, action: SyncAction, entity_id: Uuid, changes: Value) -> SyncOp {
        SyncOp {
            op_id: Uuid::new_v4(),
            entity,
            action,
            entity_id,
            base_version: None,
            changes: changes.as_object().cloned().unwrap_or_default(),
            base: Map::new(),
            client_time: chrono::Utc::now(),
        }
    }

    /// An update made from `version`, when the changed fields held `base`.
    pub fn edit(entity: SyncEntity, id: Uuid, version: i64, base: Value, changes: Value) -> SyncOp {
        SyncOp {
            base_version: Some(version),
            base: base.as_object().cloned().unwrap_or_default(),
            ..op(entity, SyncAction::Update, id, changes)
        }
    }

    pub fn batch(ops: &[SyncOp]) -> SyncBatch {
        SyncBatch { ops: ops.to_vec() }
    }

    pub fn applied(result: &OpResult) -> Option<i64> {
        match &result.outcome {
            OpOutcome::Applied { version } => *version,
            other => panic!("expected applied, got {other:?}"),
        }
    }
}

async fn audit_rows(store: &Store, entity: &str, id: Uuid) -> usize {
    store.history(entity, id).await.expect("history").len()
}

/// Idempotency: an op sent twice (its answer lost), or raced by the page and the service
/// worker, is applied once and answered with its first result.
async fn sync_ops_apply_once_and_answer_a_replay_with_their_result(store: &Store) {
    use app::model::sync::{OpOutcome, SyncAction::*, SyncEntity::*};
    use serde_json::json;
    use sync_ops::*;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let access = store.access(ann.clone(), Actor::default());
    let org_id = Uuid::new_v4();
    let contact_id = Uuid::new_v4();
    let visit_id = Uuid::new_v4();
    let ops = [
        op(Organization, Create, org_id, json!({"name": "Basement Bistro", "city": "Austin"})),
        op(Contact, Create, contact_id, json!({"organization_id": org_id, "first_name": "Rosa"})),
        op(Interaction, Create, visit_id, json!({"organization_id": org_id, "kind": "visit", "outcome": "positive"})),
        edit(Contact, contact_id, 1, json!({"phone": null}), json!({"phone": "(512) 555-0101"})),
    ];
    let first = access.apply_sync(&batch(&ops)).await;
    assert_eq!(first.iter().map(|r| r.replayed).collect::<Vec<_>>(), [false; 4], "{first:?}");
    assert_eq!(applied(&first[0]), Some(1));
    assert_eq!(applied(&first[3]), Some(2), "the edit applies on top of the create of the same batch");
    let org = access.organization(org_id).await.unwrap();
    assert_eq!(org.assigned_user_id, Some(ann.id), "an offline account is the rep's like an online one");
    assert!(org.last_interaction_at.is_some(), "the visit keeps the account in step");

    let again = access.apply_sync(&batch(&ops)).await;
    assert!(again.iter().all(|r| r.replayed), "{again:?}");
    assert_eq!(
        again.iter().map(|r| r.outcome.clone()).collect::<Vec<_>>(),
        first.iter().map(|r| r.outcome.clone()).collect::<Vec<_>>()
    );
    assert_eq!(audit_rows(store, "organization", org_id).await, 1);
    assert_eq!(audit_rows(store, "contact", contact_id).await, 2);
    assert_eq!(audit_rows(store, "interaction", visit_id).await, 1);
    assert_eq!(access.contact(contact_id).await.unwrap().version, 2);

    // Applied but not recorded (the server stopped in between): the op applies as a no-op.
    let lost = op(Organization, Create, Uuid::new_v4(), json!({"name": "Second Try"}));
    let direct = access
        .create_organization(
            Some(lost.entity_id),
            app::model::OrganizationDraft { name: "Second Try".into(), ..Default::default() },
        )
        .await
        .unwrap();
    let result = access.apply_sync(&batch(std::slice::from_ref(&lost))).await;
    assert_eq!(applied(&result[0]), Some(direct.version));
    assert_eq!(audit_rows(store, "organization", lost.entity_id).await, 1);
    let repeat_edit = edit(Contact, contact_id, 1, json!({"phone": null}), json!({"phone": "+15125550101"}));
    let result = access.apply_sync(&batch(&[repeat_edit])).await;
    assert_eq!(applied(&result[0]), Some(2), "a field already as asked is nothing to write");
    assert_eq!(audit_rows(store, "contact", contact_id).await, 2);

    // Another user cannot read or reuse someone's op.
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let stolen = store.access(bob, Actor::default()).apply_sync(&batch(&ops[..1])).await;
    assert!(matches!(stolen[0].outcome, OpOutcome::Rejected { .. }), "{stolen:?}");
}

/// The fixed merge rules: fields changed by one side merge, a field changed by both is a
/// conflict that keeps the server's value and reports both.
async fn sync_merges_one_sided_changes_and_reports_conflicts(store: &Store) {
    use app::model::sync::{FieldConflict, OpOutcome, SyncEntity::*};
    use serde_json::json;
    use sync_ops::*;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let max = person(store, "Max Manager", Role::Manager).await;
    let draft = OrganizationDraft {
        city: Some("Austin".into()),
        phone: Some("+15125550100".into()),
        ..draft_for("Corner Deli", ann.id)
    };
    let org = store.create_organization(&Actor::system(), None, draft).await.unwrap();
    // Online, the manager changes the city and the notes.
    let online =
        OrganizationDraft { city: Some("Round Rock".into()), notes: Some("Closed Mondays".into()), ..org.to_draft() };
    let org2 = store.access(max, Actor::default()).update_organization(org.id, org.version, online).await.unwrap();

    // Offline, from version 1, Ann changed the phone and the city.
    let access = store.access(ann, Actor::default());
    let offline = edit(
        Organization,
        org.id,
        org.version,
        json!({"phone": "+15125550100", "city": "Austin"}),
        json!({"phone": "+15125550199", "city": "Georgetown"}),
    );
    let result = access.apply_sync(&batch(&[offline])).await;
    let OpOutcome::Conflict { version, conflicts } = &result[0].outcome else { panic!("{result:?}") };
    assert_eq!(*version, org2.version + 1);
    assert_eq!(
        conflicts,
        &[FieldConflict { field: "city".into(), mine: json!("Georgetown"), theirs: json!("Round Rock") }]
    );
    let now = access.organization(org.id).await.unwrap();
    assert_eq!(now.phone.as_deref(), Some("+15125550199"), "the phone only Ann changed is hers");
    assert_eq!(now.city.as_deref(), Some("Round Rock"), "the city both changed keeps the server's value");
    assert_eq!(now.notes.as_deref(), Some("Closed Mondays"), "the manager's other change stays");

    // "Keep mine" is a new edit made from the version the conflict reported.
    let keep_mine = edit(Organization, org.id, *version, json!({"city": "Round Rock"}), json!({"city": "Georgetown"}));
    let result = access.apply_sync(&batch(&[keep_mine])).await;
    assert_eq!(applied(&result[0]), Some(version + 1));
    assert_eq!(access.organization(org.id).await.unwrap().city.as_deref(), Some("Georgetown"));
}

/// Validation and permission failures come back rejected with a reason (and the batch goes
/// on); a delete of a record already gone is done.
async fn sync_rejects_what_the_online_path_refuses(store: &Store) {
    use app::model::sync::{OpOutcome, SyncAction::*, SyncEntity::*};
    use serde_json::json;
    use sync_ops::*;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let viewer = person(store, "Vera Viewer", Role::ReadOnly).await;
    let system = Actor::system();
    let mine = store.create_organization(&system, None, draft_for("Ann Cafe", ann.id)).await.unwrap();
    let theirs = store.create_organization(&system, None, draft_for("Bob Cafe", bob.id)).await.unwrap();
    let doomed = store.create_contact(&system, None, contact(mine.id, "Gone")).await.unwrap();
    store.delete_contact(&system, doomed.id, None).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());

    let ops = [
        edit(Organization, mine.id, mine.version, json!({"email": null}), json!({"email": "not an email"})),
        edit(Organization, theirs.id, theirs.version, json!({"name": "Bob Cafe"}), json!({"name": "Mine now"})),
        op(Contact, Create, Uuid::new_v4(), json!({"organization_id": theirs.id, "first_name": "Eve"})),
        op(Organization, Move, mine.id, json!({"stage": "won"})),
        edit(Organization, mine.id, mine.version, json!({}), json!({"nmae": "typo"})),
        op(Contact, Delete, doomed.id, json!({})),
        edit(Organization, mine.id, mine.version, json!({"city": null}), json!({"city": "Austin"})),
    ];
    let results = access.apply_sync(&batch(&ops)).await;
    let reason = |i: usize| match &results[i].outcome {
        OpOutcome::Rejected { reason, fields } => (reason.clone(), fields.keys().cloned().collect::<Vec<_>>()),
        other => panic!("op {i}: expected rejected, got {other:?}"),
    };
    assert_eq!(reason(0).1, ["email"]);
    assert!(reason(1).0.contains("not found"), "another rep's account is out of sight: {:?}", reason(1));
    assert_eq!(reason(2).1, ["organization_id"]);
    assert_eq!(reason(3).1, ["action"]);
    assert_eq!(reason(4).1, ["nmae"]);
    assert_eq!(applied(&results[5]), None, "deleting a deleted contact is done");
    assert_eq!(applied(&results[6]), Some(mine.version + 1), "the batch goes on after refusals");
    assert_eq!(store.organization(theirs.id).await.unwrap().name, "Bob Cafe");

    let read_only = store.access(viewer, Actor::default());
    let refused = read_only.apply_sync(&batch(&[op(Organization, Create, Uuid::new_v4(), json!({"name": "X"}))])).await;
    assert!(matches!(refused[0].outcome, OpOutcome::Rejected { .. }), "{refused:?}");
    // A rejection is final too: sent again, it is answered the same without a second try.
    let again = access.apply_sync(&batch(&ops[..1])).await;
    assert!(again[0].replayed && again[0].outcome == results[0].outcome);
}

/// A stage change and a follow-up completion are ops like any edit.
async fn sync_moves_deals_and_completes_follow_ups(store: &Store) {
    use app::model::sync::{OpOutcome, SyncAction::*, SyncEntity::*, SyncOp};
    use app::model::{CloseReason, Stage};
    use serde_json::json;
    use sync_ops::*;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let org = store.create_organization(&Actor::system(), None, draft_for("Deal Diner", ann.id)).await.unwrap();
    let access = store.access(ann.clone(), Actor::default());
    let deal = access.create_opportunity(None, deal(org.id, "Holiday menu", Stage::Proposal, 5_000)).await.unwrap();
    let tasting = InteractionDraft { follow_up_on: Some(in_days(2)), ..visit(org.id, 1) };
    let earlier = access.create_interaction(None, tasting, None).await.unwrap();

    let won = SyncOp {
        base_version: Some(deal.version),
        base: json!({"stage": "proposal", "close_reason": null}).as_object().cloned().unwrap(),
        ..op(Opportunity, Move, deal.id, json!({"stage": "closed_won", "close_reason": "relationship"}))
    };
    let no_reason = SyncOp { op_id: Uuid::new_v4(), ..op(Opportunity, Move, deal.id, json!({"stage": "closed_lost"})) };
    let done = edit(
        Interaction,
        earlier.id,
        earlier.version,
        json!({"follow_up_done": false}),
        json!({"follow_up_done": true}),
    );
    let results = access.apply_sync(&batch(&[won, done])).await;
    assert_eq!(applied(&results[0]), Some(deal.version + 1));
    let moved = access.opportunity_to_edit(deal.id).await.unwrap();
    assert_eq!((moved.stage, moved.close_reason), (Stage::ClosedWon, Some(CloseReason::Relationship)));
    assert!(moved.actual_close_date.is_some());
    assert_eq!(store.stage_changes(deal.id).await.unwrap().len(), 2, "the move is in the deal's history");
    assert_eq!(applied(&results[1]), Some(earlier.version + 1));
    assert!(access.interaction(earlier.id).await.unwrap().follow_up_done);

    // From a stale version, a move the other side did not make is a conflict on the stage.
    let results = access.apply_sync(&batch(&[no_reason])).await;
    assert!(
        matches!(&results[0].outcome, OpOutcome::Conflict { conflicts, .. } if conflicts[0].field == "stage"),
        "{results:?}"
    );
    // A visit logged offline can complete a follow-up, like the quick log online.
    let follow_up = access
        .create_interaction(None, InteractionDraft { follow_up_on: Some(in_days(1)), ..visit(org.id, 0) }, None)
        .await
        .unwrap();
    let logged_at = app::store::now() - chrono::Duration::hours(3);
    let logged = SyncOp {
        client_time: logged_at,
        ..op(
            Interaction,
            Create,
            Uuid::new_v4(),
            json!({"organization_id": org.id, "kind": "call", "completes": follow_up.id}),
        )
    };
    let results = access.apply_sync(&batch(std::slice::from_ref(&logged))).await;
    assert_eq!(applied(&results[0]), Some(1));
    assert!(access.interaction(follow_up.id).await.unwrap().follow_up_done);
    let call = access.interaction(logged.entity_id).await.unwrap();
    assert_eq!(call.occurred_at, logged_at, "logged offline three hours ago, it happened then");
}

/// Moves every row's `updated_at` back a minute, as if the writes had settled.
async fn settle(store: &Store, at: chrono::DateTime<chrono::Utc>) {
    for table in ["organizations", "contacts", "interactions", "opportunities"] {
        let sql =
            app::store::Sql::new("test.settle", format!("UPDATE {table} SET updated_at = $1 WHERE updated_at > $1"))
                .bind(at);
        store.db().execute(sql).await.expect("settle");
    }
}

/// The delta pull: a rep's own accounts with what hangs off them, paged in `(updated_at, id)`
/// order through rows of equal time, deletions carried once the copy has a cursor.
async fn delta_pulls_page_through_a_reps_records_and_carry_deletions(store: &Store) {
    use app::model::Stage;
    use app::model::sync::SyncCursor;
    let ann = person(store, "Ann Rep", Role::SalesRep).await;
    let bob = person(store, "Bob Rep", Role::SalesRep).await;
    let system = Actor::system();
    let mut orgs = Vec::new();
    for name in ["Alpha", "Bravo", "Charlie"] {
        orgs.push(store.create_organization(&system, None, draft_for(name, ann.id)).await.unwrap());
    }
    let other = store.create_organization(&system, None, draft_for("Bob's", bob.id)).await.unwrap();
    store.create_contact(&system, None, contact(orgs[0].id, "Rosa")).await.unwrap();
    store.create_contact(&system, None, contact(other.id, "Not Ann's")).await.unwrap();
    store.create_interaction(&system, ann.id, None, visit(orgs[0].id, 3), None).await.unwrap();
    store.create_interaction(&system, ann.id, None, visit(orgs[1].id, 200), None).await.unwrap();
    store.create_interaction(&system, bob.id, None, visit(other.id, 2), None).await.unwrap();
    let old_follow_up = InteractionDraft { follow_up_on: Some(in_days(-100)), ..visit(orgs[2].id, 120) };
    store.create_interaction(&system, ann.id, None, old_follow_up, None).await.unwrap();
    store.create_opportunity(&system, ann.id, None, deal(orgs[0].id, "Open", Stage::Proposal, 10)).await.unwrap();
    store.create_opportunity(&system, ann.id, None, deal(orgs[0].id, "Won", Stage::ClosedWon, 10)).await.unwrap();
    let gone = store.create_organization(&system, None, draft_for("Deleted Deli", ann.id)).await.unwrap();
    store.delete_organization(&system, gone.id, None).await.unwrap();
    let settled_at = app::store::now() - chrono::Duration::minutes(1);
    settle(store, settled_at).await;
    let access = store.access(ann.clone(), Actor::default());

    // A fresh copy, two rows of each kind at a time, through rows of one and the same time.
    let mut cursor = SyncCursor::default();
    let (mut names, mut contacts, mut visits, mut deals) = (Vec::new(), 0, 0, Vec::new());
    for _ in 0..5 {
        let page = access.changes_since(&cursor, 2).await.unwrap();
        names.extend(page.organizations.iter().map(|o| o.name.clone()));
        contacts += page.contacts.len();
        visits += page.interactions.len();
        deals.extend(page.opportunities.iter().map(|d| d.name.clone()));
        cursor = SyncCursor::decode(&page.cursor).unwrap();
        if !page.more {
            break;
        }
    }
    names.sort();
    assert_eq!(names, ["Alpha", "Bravo", "Charlie"], "own live accounts only");
    assert_eq!(contacts, 1);
    assert_eq!(visits, 2, "the visit of 3 days ago and the open follow-up, not the 200-day-old visit nor Bob's");
    assert_eq!(deals, ["Open"], "a fresh copy holds open deals");

    // Nothing new: an empty page. A change shows once it has settled, a deletion as a tombstone.
    // (The test moves time back a minute, so the copy is taken to have begun then too.)
    assert!(cursor.started.is_some_and(|t| t > settled_at));
    cursor.started = Some(settled_at);
    let page = access.changes_since(&cursor, 2).await.unwrap();
    assert!(page.organizations.is_empty() && !page.more && !page.settling, "{page:?}");
    // Another rep's write of the last seconds is none of Ann's business.
    store.create_contact(&system, None, contact(other.id, "Bob's new")).await.unwrap();
    assert!(!access.changes_since(&cursor, 2).await.unwrap().settling);
    store.delete_organization(&system, orgs[1].id, None).await.unwrap();
    let page = access.changes_since(&cursor, 2).await.unwrap();
    assert!(page.organizations.is_empty(), "a write of the last seconds waits for the next pull");
    assert!(page.settling, "and the page says so, for the client to pull again shortly");
    // The copy was read up to the last pull's horizon; the deletion settles just after it.
    let horizon = cursor.organizations.expect("a mark").at;
    assert!(horizon > settled_at, "a table read to the end is marked at the pull's horizon, not its last row");
    settle(store, horizon + chrono::Duration::milliseconds(1)).await;
    let page = access.changes_since(&cursor, 2).await.unwrap();
    assert!(!page.settling);
    assert_eq!(
        page.organizations.iter().map(|o| (o.name.as_str(), o.deleted_at.is_some())).collect::<Vec<_>>(),
        [("Bravo", true)]
    );
    assert!(page.contacts.is_empty(), "Bravo had no contacts to take along");
}
