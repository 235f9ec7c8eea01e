//! Generates realistic CRM data in bulk: organizations with contacts, a history of
//! interactions, and opportunities across the pipeline, with the derived fields
//! (`last_interaction_at`, `next_follow_up_at`) consistent with the interactions.
//! The same seed always makes the same data. Rows are written with multi-row inserts,
//! one transaction per chunk of organizations, so 100k organizations take seconds.

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use app::model::validate::search_key;
use app::model::{
    CloseReason, ContactMethod, InteractionKind, OrganizationKind, Outcome, Position, Priority, Segment, Stage,
};
use app::store::{Arg, Sql, Store, StoreError, now};

use super::names::{self, CITIES};

/// Bind parameters per statement. SQLite looks numbered parameters up by a linear scan, so
/// a statement with thousands of them parses in quadratic time; a few hundred keeps
/// parsing cheap, and the fixed size lets both databases reuse the prepared statement.
const MAX_PARAMS: usize = 999;
/// Organizations written per transaction.
const CHUNK: usize = 2_000;

#[derive(Debug, Clone)]
pub struct Plan {
    pub organizations: u32,
    pub contacts_per_organization: u32,
    pub interactions: u32,
    pub opportunities: u32,
    pub seed: u64,
    /// How far back interactions go.
    pub history_days: i64,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub organizations: u64,
    pub contacts: u64,
    pub interactions: u64,
    pub opportunities: u64,
    pub elapsed: Duration,
}

/// Rows of one table waiting to be inserted.
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Arg>>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Rows { table, columns, rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<Arg>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.table);
        self.rows.push(row);
    }

    /// Multi-row INSERT statements, each within the parameter limit.
    fn statements(self) -> Vec<Sql> {
        let per_statement = (MAX_PARAMS / self.columns.len()).max(1);
        let head = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        let mut out = Vec::new();
        let mut rows = self.rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut sql = Sql::new("seed.insert", head.clone());
            for (i, row) in rows.by_ref().take(per_statement).enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                for (j, value) in row.into_iter().enumerate() {
                    if j > 0 {
                        sql.push(", ");
                    }
                    sql.push_bind(value);
                }
                sql.push(")");
            }
            out.push(sql);
        }
        out
    }
}

const ORGANIZATION_COLUMNS: &[&str] = &[
    "id",
    "name",
    "name_search",
    "priority",
    "segment",
    "kind",
    "phone",
    "email",
    "website",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "annual_revenue_cents",
    "distributor",
    "assigned_user_id",
    "notes",
    "tags",
    "last_interaction_at",
    "next_follow_up_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
];
const CONTACT_COLUMNS: &[&str] = &[
    "id",
    "organization_id",
    "first_name",
    "last_name",
    "name_search",
    "position",
    "email",
    "phone",
    "mobile",
    "is_primary",
    "is_decision_maker",
    "preferred_contact_method",
    "notes",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
];
const OPPORTUNITY_COLUMNS: &[&str] = &[
    "id",
    "organization_id",
    "primary_contact_id",
    "owner_id",
    "name",
    "stage",
    "stage_entered_at",
    "probability",
    "estimated_value_cents",
    "expected_close_date",
    "actual_close_date",
    "close_reason",
    "principal",
    "notes",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
];
const STAGE_CHANGE_COLUMNS: &[&str] = &["id", "opportunity_id", "from_stage", "to_stage", "changed_by", "changed_at"];
const INTERACTION_COLUMNS: &[&str] = &[
    "id",
    "organization_id",
    "contact_id",
    "user_id",
    "opportunity_id",
    "kind",
    "occurred_at",
    "duration_minutes",
    "subject",
    "notes",
    "outcome",
    "follow_up_at",
    "follow_up_notes",
    "follow_up_done",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
];

/// Writes `plan` into `store`, sharing the organizations between `reps` (each rep gets
/// the cities of their own territory). `progress` hears the organizations written so far.
pub async fn generate(
    store: &Store,
    reps: &[Uuid],
    plan: &Plan,
    mut progress: impl FnMut(u64),
) -> Result<Summary, StoreError> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let today = now();
    let mut summary = Summary::default();
    let total = plan.organizations as usize;
    let interactions_per_org = plan.interactions as f64 / total.max(1) as f64;
    let opportunity_chance = (plan.opportunities as f64 / total.max(1) as f64).min(4.0);
    let mut done = 0;
    while done < total {
        let size = CHUNK.min(total - done);
        let mut chunk = Chunk::default();
        for i in done..done + size {
            let rep = reps[i % reps.len().max(1)];
            let territory = i % reps.len().max(1);
            chunk.organization(
                &mut rng,
                plan,
                today,
                rep,
                territory,
                reps.len(),
                interactions_per_org,
                opportunity_chance,
            );
        }
        summary.organizations += size as u64;
        summary.contacts += chunk.contacts.rows.len() as u64;
        summary.interactions += chunk.interactions.rows.len() as u64;
        summary.opportunities += chunk.opportunities.rows.len() as u64;
        let mut tx = store.db().begin().await?;
        for rows in [chunk.organizations, chunk.contacts, chunk.opportunities, chunk.stage_changes, chunk.interactions]
        {
            for sql in rows.statements() {
                tx.execute(sql).await?;
            }
        }
        tx.commit().await?;
        done += size;
        progress(done as u64);
    }
    store.db().analyze().await?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

struct Chunk {
    organizations: Rows,
    contacts: Rows,
    opportunities: Rows,
    stage_changes: Rows,
    interactions: Rows,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            organizations: Rows::new("organizations", ORGANIZATION_COLUMNS),
            contacts: Rows::new("contacts", CONTACT_COLUMNS),
            opportunities: Rows::new("opportunities", OPPORTUNITY_COLUMNS),
            stage_changes: Rows::new("opportunity_stage_changes", STAGE_CHANGE_COLUMNS),
            interactions: Rows::new("interactions", INTERACTION_COLUMNS),
        }
    }
}

fn weighted<T: Copy>(rng: &mut impl Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (value, weight) in choices {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    choices[0].0
}

fn some_of<T: Copy>(rng: &mut impl Rng, percent: u32, value: T) -> Option<T> {
    (rng.random_range(0..100) < percent).then_some(value)
}

/// A moment in the past `days`, more often recent than old.
fn past(rng: &mut impl Rng, today: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let skew: f64 = rng.random::<f64>().powf(1.7);
    let minutes = (skew * (days * 24 * 60) as f64) as i64;
    let at = today - Span::minutes(minutes);
    // Working hours, so the data looks like visits and calls; never later than now (an
    // interaction cannot have happened in the future).
    let hour = rng.random_range(8..18);
    at.date_naive().and_hms_opt(hour, rng.random_range(0..60), 0).map(|t| t.and_utc()).unwrap_or(at).min(today)
}

impl Chunk {
    #[allow(clippy::too_many_arguments)]
    fn organization(
        &mut self,
        rng: &mut StdRng,
        plan: &Plan,
        today: DateTime<Utc>,
        rep: Uuid,
        territory: usize,
        territories: usize,
        interactions_per_org: f64,
        opportunity_chance: f64,
    ) {
        let cities: Vec<&names::City> =
            CITIES.iter().enumerate().filter(|(i, _)| i % territories.max(1) == territory).map(|(_, c)| c).collect();
        let city = *cities.choose(rng).unwrap_or(&&CITIES[0]);
        let segment = weighted(
            rng,
            &[
                (Segment::CasualDining, 30),
                (Segment::FineDining, 10),
                (Segment::FastFood, 15),
                (Segment::Healthcare, 10),
                (Segment::Education, 10),
                (Segment::CorporateCatering, 8),
                (Segment::Hospitality, 8),
                (Segment::Institutional, 5),
                (Segment::Other, 4),
            ],
        );
        let priority = weighted(rng, &[(Priority::A, 10), (Priority::B, 25), (Priority::C, 45), (Priority::D, 20)]);
        let kind = weighted(
            rng,
            &[
                (OrganizationKind::Customer, 45),
                (OrganizationKind::Prospect, 50),
                (OrganizationKind::Distributor, 3),
                (OrganizationKind::Principal, 2),
            ],
        );
        let id = Uuid::now_v7();
        let name = names::organization_name(rng, segment, city);
        let domain = names::domain(&name);
        let created_at = past(rng, today, plan.history_days.max(30) * 2);
        let tag_count = rng.random_range(0..3);
        let mut tags: Vec<&str> = names::TAGS.choose_multiple(rng, tag_count).copied().collect();
        tags.sort_unstable();

        // Contacts first: interactions and deals name them.
        let contact_count = match plan.contacts_per_organization {
            0 => 0,
            avg => rng.random_range(1..=avg * 2 - 1),
        };
        let mut contact_ids = Vec::new();
        for n in 0..contact_count {
            let contact_id = Uuid::now_v7();
            let first = *names::FIRST_NAMES.choose(rng).unwrap_or(&"Alex");
            let last = *names::LAST_NAMES.choose(rng).unwrap_or(&"Smith");
            let position = weighted(
                rng,
                &[
                    (Position::ExecutiveChef, 20),
                    (Position::Chef, 15),
                    (Position::Buyer, 15),
                    (Position::Owner, 15),
                    (Position::GeneralManager, 12),
                    (Position::KitchenManager, 10),
                    (Position::FoodBeverageDirector, 5),
                    (Position::PurchasingManager, 5),
                    (Position::Other, 3),
                ],
            );
            let email =
                some_of(rng, 85, ()).map(|_| format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()));
            let mobile = some_of(rng, 70, ()).map(|_| names::phone(rng, city));
            let method = match (&email, &mobile) {
                (Some(_), Some(_)) => Some(weighted(
                    rng,
                    &[(ContactMethod::Text, 4), (ContactMethod::Email, 4), (ContactMethod::InPerson, 2)],
                )),
                (Some(_), None) => Some(ContactMethod::Email),
                (None, Some(_)) => Some(ContactMethod::Text),
                (None, None) => None,
            };
            self.contacts.push(vec![
                contact_id.into(),
                id.into(),
                first.into(),
                last.into(),
                search_key(&format!("{first} {last}")).into(),
                position.code().into(),
                email.into(),
                some_of(rng, 40, ()).map(|_| names::phone(rng, city)).into(),
                mobile.into(),
                (n == 0).into(),
                matches!(position, Position::Owner | Position::Buyer | Position::ExecutiveChef).into(),
                method.map(|m| m.code()).into(),
                Arg::Text(None),
                created_at.into(),
                created_at.into(),
                rep.into(),
                rep.into(),
                1_i64.into(),
            ]);
            contact_ids.push(contact_id);
        }

        // Deals in every stage, with their stage history.
        let mut opportunity_ids = Vec::new();
        let mut deals = opportunity_chance.floor() as u32;
        if rng.random::<f64>() < opportunity_chance.fract() {
            deals += 1;
        }
        for _ in 0..deals {
            let opportunity_id = Uuid::now_v7();
            let stage = names::stage(rng);
            let principal = *names::PRINCIPALS.choose(rng).unwrap_or(&"Heritage Meats");
            let opened = past(rng, today, plan.history_days.max(30));
            let entered = opened + Span::days(rng.random_range(0..=(today - opened).num_days().max(0)));
            let (closed_on, reason) = if stage.is_closed() {
                let reasons: &[CloseReason] = if stage == Stage::ClosedWon {
                    &[CloseReason::Relationship, CloseReason::ProductQuality, CloseReason::Price, CloseReason::Timing]
                } else {
                    &[
                        CloseReason::PriceTooHigh,
                        CloseReason::Competitor,
                        CloseReason::ProductFit,
                        CloseReason::NoResponse,
                    ]
                };
                (Some(entered.date_naive()), reasons.choose(rng).copied())
            } else {
                (None, None)
            };
            let expected: NaiveDate = (today + Span::days(rng.random_range(-20..120))).date_naive();
            self.opportunities.push(vec![
                opportunity_id.into(),
                id.into(),
                contact_ids.first().copied().into(),
                rep.into(),
                names::opportunity_name(rng, principal).into(),
                stage.code().into(),
                entered.into(),
                (stage.default_probability() as i64).into(),
                (rng.random_range(20..2_500) as i64 * 10_000).into(),
                expected.into(),
                closed_on.into(),
                reason.map(|r| r.code()).into(),
                principal.into(),
                Arg::Text(None),
                opened.into(),
                entered.into(),
                rep.into(),
                rep.into(),
                1_i64.into(),
            ]);
            let path: Vec<Stage> = Stage::ALL
                .iter()
                .copied()
                .take_while(|s| *s != stage && !s.is_closed())
                .chain(std::iter::once(stage))
                .collect();
            let mut from: Option<Stage> = None;
            for (step, to) in path.iter().enumerate() {
                let at = if step + 1 == path.len() {
                    entered
                } else {
                    opened + (entered - opened) * step as i32 / path.len() as i32
                };
                self.stage_changes.push(vec![
                    Uuid::now_v7().into(),
                    opportunity_id.into(),
                    from.map(|s| s.code()).into(),
                    to.code().into(),
                    rep.into(),
                    at.into(),
                ]);
                from = Some(*to);
            }
            if !stage.is_closed() {
                opportunity_ids.push(opportunity_id);
            }
        }

        // Interactions: key accounts are visited more often.
        let weight = match priority {
            Priority::A => 2.0,
            Priority::B => 1.3,
            Priority::C => 0.8,
            Priority::D => 0.4,
        };
        // 0.965 is the mean of these weights over the priority mix, so the total matches the plan.
        let mean = interactions_per_org * weight / 0.965;
        let count = rng.random_range(0.0..(2.0 * mean).max(0.0) + 1.0).floor() as u32;
        let mut last_interaction: Option<DateTime<Utc>> = None;
        let mut next_follow_up: Option<DateTime<Utc>> = None;
        for _ in 0..count {
            let occurred = past(rng, today, plan.history_days).max(created_at);
            let kind = weighted(
                rng,
                &[
                    (InteractionKind::Visit, 35),
                    (InteractionKind::Call, 25),
                    (InteractionKind::Email, 15),
                    (InteractionKind::Tasting, 8),
                    (InteractionKind::Meeting, 7),
                    (InteractionKind::Demo, 4),
                    (InteractionKind::Proposal, 3),
                    (InteractionKind::FollowUp, 3),
                ],
            );
            let outcome = weighted(
                rng,
                &[
                    (Outcome::Positive, 35),
                    (Outcome::Neutral, 30),
                    (Outcome::FollowUpNeeded, 20),
                    (Outcome::OrderPlaced, 8),
                    (Outcome::Negative, 4),
                    (Outcome::NoInterest, 3),
                ],
            );
            let follow_up = (outcome == Outcome::FollowUpNeeded || rng.random_range(0..100) < 15)
                .then(|| occurred + Span::days(*[3, 5, 7, 14].choose(rng).unwrap_or(&7)));
            // Drawn even when unused: a draw only for follow-ups before now made every later
            // name and count depend on the hour the seed ran.
            let done_roll = rng.random_range(0..100);
            let follow_up_done = follow_up.is_some_and(|at| at < today && done_roll < 85);
            if let Some(at) = follow_up.filter(|_| !follow_up_done) {
                next_follow_up = Some(next_follow_up.map_or(at, |n: DateTime<Utc>| n.min(at)));
            }
            last_interaction = Some(last_interaction.map_or(occurred, |l: DateTime<Utc>| l.max(occurred)));
            let duration = match kind {
                InteractionKind::Email => None,
                InteractionKind::Call => Some(rng.random_range(3..30) as i64),
                _ => Some(rng.random_range(15..90) as i64),
            };
            self.interactions.push(vec![
                Uuid::now_v7().into(),
                id.into(),
                contact_ids.choose(rng).copied().into(),
                rep.into(),
                opportunity_ids.choose(rng).copied().filter(|_| rng.random_range(0..100) < 30).into(),
                kind.code().into(),
                occurred.into(),
                duration.into(),
                names::SUBJECTS.choose(rng).copied().into(),
                names::NOTES.choose(rng).copied().into(),
                outcome.code().into(),
                follow_up.into(),
                follow_up.map(|_| "Bring samples and the price sheet.").into(),
                follow_up_done.into(),
                occurred.into(),
                occurred.into(),
                rep.into(),
                rep.into(),
                1_i64.into(),
            ]);
        }

        let street = names::street(rng);
        self.organizations.push(vec![
            id.into(),
            name.as_str().into(),
            search_key(&name).into(),
            priority.code().into(),
            segment.code().into(),
            kind.code().into(),
            names::phone(rng, city).into(),
            some_of(rng, 60, ()).map(|_| format!("info@{domain}")).into(),
            some_of(rng, 50, ()).map(|_| format!("https://www.{domain}")).into(),
            street.into(),
            city.name.into(),
            city.region.into(),
            format!("{}{:02}", city.postal_prefix, rng.random_range(0..100)).into(),
            "USA".into(),
            some_of(rng, 60, ()).map(|_| rng.random_range(200..20_000) as i64 * 100_000).into(),
            some_of(rng, 80, ()).and_then(|_| names::DISTRIBUTORS.choose(rng).copied()).into(),
            rep.into(),
            Arg::Text(None),
            json!(tags).into(),
            last_interaction.into(),
            next_follow_up.into(),
            created_at.into(),
            last_interaction.unwrap_or(created_at).into(),
            rep.into(),
            rep.into(),
            1_i64.into(),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_respect_the_parameter_limit() {
        let mut rows = Rows::new("t", &["a", "b", "c"]);
        for i in 0..25_000_i64 {
            rows.push(vec![i.into(), i.into(), i.into()]);
        }
        let statements = rows.statements();
        assert_eq!(statements.len(), 75_000_usize.div_ceil(999 / 3 * 3));
        assert!(statements.iter().all(|s| s.args.len() <= MAX_PARAMS));
        assert_eq!(statements.iter().map(|s| s.args.len()).sum::<usize>(), 75_000);
        assert!(statements[0].text.starts_with("INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6)"));
    }

    #[test]
    fn past_moments_are_never_in_the_future() {
        let mut rng = StdRng::seed_from_u64(3);
        // Early in the morning, "working hours" today would be later than now.
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap().and_hms_opt(7, 30, 0).unwrap().and_utc();
        for _ in 0..10_000 {
            let at = past(&mut rng, today, 30);
            assert!(at <= today && at > today - Span::days(31), "{at}");
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_data_whatever_the_hour() {
        let plan = Plan {
            organizations: 200,
            contacts_per_organization: 3,
            interactions: 4_000,
            opportunities: 100,
            seed: 7,
            history_days: 90,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let [morning, evening] = [7, 19].map(|hour| day.and_hms_opt(hour, 30, 0).unwrap().and_utc());
        let generate = |today| {
            let mut rng = StdRng::seed_from_u64(plan.seed);
            let mut chunk = Chunk::default();
            for i in 0..plan.organizations as usize {
                chunk.organization(&mut rng, &plan, today, Uuid::nil(), i % 4, 4, 20.0, 0.5);
            }
            chunk
        };
        // Names, codes, notes: what does not move with the clock.
        let texts = |chunk: Chunk| {
            [chunk.organizations, chunk.contacts, chunk.opportunities, chunk.interactions].map(|rows| {
                rows.rows.into_iter().flatten().filter(|arg| matches!(arg, Arg::Text(_))).collect::<Vec<_>>()
            })
        };
        let early = generate(morning);
        // Follow-ups due between the two hours: past for one run, still ahead for the other.
        let follow_up_at = INTERACTION_COLUMNS.iter().position(|c| *c == "follow_up_at").unwrap();
        let between = early
            .interactions
            .rows
            .iter()
            .filter(|row| matches!(row[follow_up_at], Arg::Time(Some(at)) if at > morning && at <= evening));
        assert!(between.count() > 0, "no follow-up falls between the two hours: the test proves nothing");
        assert!(texts(early) == texts(generate(evening)), "the data changed with the hour the seed ran");
    }

    #[test]
    fn weights_pick_every_choice_in_proportion() {
        let mut rng = StdRng::seed_from_u64(9);
        let picks: Vec<u8> = (0..10_000).map(|_| weighted(&mut rng, &[(0u8, 1), (1, 3)])).collect();
        let ones = picks.iter().filter(|p| **p == 1).count();
        assert!((7_000..8_000).contains(&ones), "{ones}");
    }
}
