//! The dashboard's and the reports' figures. Each table is aggregated on its own, grouped by the rep it
//! belongs to (organizations and contacts: the account's assignee; interactions and
//! follow-ups: who logged them; deals: their owner), soft-deleted rows and rows under
//! deleted accounts left out, interactions counted by when they happened. The rows are
//! merged per rep in Rust, so no sum is ever multiplied by a join.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use super::{BackendKind, Sql, Store, StoreError};
use crate::model::dashboard::{
    Kpis, OrganizationResult, Period, activity_start, counts_since, interaction_counts, weekly_counts,
};
use crate::model::opportunity::{NEGOTIATION_STALE_AFTER_DAYS, QUIET_AFTER_DAYS};
use crate::model::{InteractionKind, Outcome};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DashboardQuery {
    /// A rep's scope: only accounts assigned to them.
    pub visible_to: Option<Uuid>,
    /// Only this rep's figures.
    pub rep: Option<Uuid>,
    pub period: Period,
    pub now: DateTime<Utc>,
}

/// The dashboard's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardFigures {
    /// Per rep (`None`: accounts no one is assigned).
    pub reps: Vec<(Option<Uuid>, Kpis)>,
    /// Everyone's interactions per week, the last [`ACTIVITY_WEEKS`] weeks.
    pub weekly_activity: Vec<(NaiveDate, i64)>,
}

/// How many weeks the weekly activity covers.
pub const ACTIVITY_WEEKS: u32 = 8;

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

impl DashboardQuery {
    /// The scope and rep filters of a table under an account (interactions, deals), without
    /// joining the account: deleting an account deletes those along with it. On SQLite the
    /// scope's accounts come from the to-visit index, which holds their ids: its own choice
    /// read each of the rep's 5,000 accounts' rows (a rep's weekly activity 74 → 38 ms, open
    /// follow-ups 26 → 12 ms at 100k accounts).
    fn filter_under_account(&self, kind: BackendKind, sql: &mut Sql, alias: &str, rep_column: &str) {
        if let Some(user) = self.visible_to {
            sql.push(&format!(
                " AND {alias}.organization_id IN (SELECT id FROM {} WHERE deleted_at IS NULL \
                 AND assigned_user_id = ",
                kind.indexed_by("organizations", "organizations_to_visit_idx")
            ))
            .push_bind(user)
            .push(")");
        }
        if let Some(rep) = self.rep {
            sql.push(&format!(" AND {rep_column} = ")).push_bind(rep);
        }
    }

    /// The scope and rep filters, `rep_column` naming the table's rep.
    fn filter(&self, sql: &mut Sql, rep_column: &str) {
        if let Some(user) = self.visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        if let Some(rep) = self.rep {
            sql.push(&format!(" AND {rep_column} = ")).push_bind(rep);
        }
    }
}

impl Store {
    /// Every rep's figures (including "unassigned" when there is any), and everyone's weekly
    /// activity.
    pub async fn dashboard(&self, q: &DashboardQuery) -> Result<DashboardFigures, StoreError> {
        let p = q.period;
        let kind = self.db.kind();
        // SQLite read each account's row for its priority (170 ms at 100k accounts) where this
        // index holds the live accounts' rep and priority (16 ms).
        let mut organizations = Sql::new(
            "dashboard.organizations",
            format!(
                "SELECT o.assigned_user_id, COUNT(*), COALESCE(SUM(CASE WHEN o.priority = 'A' THEN 1 ELSE 0 END), 0) \
                 FROM {} WHERE o.deleted_at IS NULL",
                kind.indexed_by("organizations o", "organizations_to_visit_idx")
            ),
        );
        q.filter(&mut organizations, "o.assigned_user_id");
        organizations.push(" GROUP BY o.assigned_user_id");

        // Account by account, each live account's live contacts, from two indexes of live rows
        // only, so SQLite reads no row (SQLite migration 20261217000001: 370 → 180 ms at 100k
        // accounts; its own plans read every contact's or every account's row).
        let mut contacts = Sql::new(
            "dashboard.contacts",
            format!(
                "SELECT o.assigned_user_id, COUNT(*) FROM {} JOIN {} \
                 ON c.organization_id = o.id AND c.deleted_at IS NULL WHERE o.deleted_at IS NULL",
                kind.indexed_by("organizations o", "organizations_to_visit_idx"),
                kind.indexed_by("contacts c", "contacts_organization_idx"),
            ),
        );
        q.filter(&mut contacts, "o.assigned_user_id");
        contacts.push(" GROUP BY o.assigned_user_id");

        let mut follow_ups = Sql::new(
            "dashboard.follow_ups_due",
            "SELECT i.user_id, COUNT(*) FROM interactions i \
             WHERE i.deleted_at IS NULL AND i.follow_up_at IS NOT NULL AND NOT i.follow_up_done AND i.follow_up_at < $1",
        )
        .bind(start_of(p.today.succ_opt().unwrap_or(p.today)));
        q.filter_under_account(kind, &mut follow_ups, "i", "i.user_id");
        follow_ups.push(" GROUP BY i.user_id");

        // The stale rule of `model::opportunity::staleness`, in SQL.
        let quiet = q.now - chrono::Duration::days(QUIET_AFTER_DAYS);
        let negotiating = q.now - chrono::Duration::days(NEGOTIATION_STALE_AFTER_DAYS);
        let mut open = Sql::new(
            "dashboard.open_opportunities",
            "SELECT p.owner_id, COUNT(*), CAST(COALESCE(SUM(p.estimated_value_cents), 0) AS BIGINT), \
             CAST(COALESCE(SUM(COALESCE(p.estimated_value_cents, 0) * p.probability), 0) AS BIGINT) / 100, \
             COALESCE(SUM(CASE WHEN (p.stage = 'negotiation' AND p.stage_entered_at <= $1) \
                 OR (p.created_at <= $2 AND p.stage_entered_at <= $2 \
                     AND (o.last_interaction_at IS NULL OR o.last_interaction_at <= $2)) THEN 1 ELSE 0 END), 0) \
             FROM opportunities p JOIN organizations o ON o.id = p.organization_id AND o.deleted_at IS NULL \
             WHERE p.deleted_at IS NULL AND p.stage NOT IN ('closed_won', 'closed_lost')",
        )
        .bind(negotiating)
        .bind(quiet);
        q.filter(&mut open, "p.owner_id");
        open.push(" GROUP BY p.owner_id");

        let mut won = Sql::new(
            "dashboard.won",
            "SELECT p.owner_id, COUNT(*), CAST(COALESCE(SUM(p.estimated_value_cents), 0) AS BIGINT) \
             FROM opportunities p WHERE p.deleted_at IS NULL AND p.stage = 'closed_won' AND p.actual_close_date >= $1 \
             AND p.actual_close_date <= $2",
        )
        .bind(p.from)
        .bind(p.to);
        q.filter_under_account(kind, &mut won, "p", "p.owner_id");
        won.push(" GROUP BY p.owner_id");

        // The interactions of this week, month and range and the weekly activity, from one read
        // of the counts per day: two reads of the same ~480k interactions (the default range,
        // this quarter, and the last 8 weeks) were the costliest two statements of the team's.
        let (organizations, contacts, per_day, follow_ups, open, won) = tokio::try_join!(
            self.db.fetch_all::<(Option<Uuid>, i64, i64)>(organizations),
            self.db.fetch_all::<(Option<Uuid>, i64)>(contacts),
            self.interactions_per_day(q, counts_since(&p, ACTIVITY_WEEKS)),
            self.db.fetch_all::<(Option<Uuid>, i64)>(follow_ups),
            self.db.fetch_all::<(Option<Uuid>, i64, i64, i64, i64)>(open),
            self.db.fetch_all::<(Option<Uuid>, i64, i64)>(won),
        )?;
        let mut rows: BTreeMap<Option<Uuid>, Kpis> = BTreeMap::new();
        for (rep, n, a) in organizations {
            let row = rows.entry(rep).or_default();
            (row.organizations, row.a_priority) = (n, a);
        }
        for (rep, n) in contacts {
            rows.entry(rep).or_default().contacts = n;
        }
        for (rep, days) in &per_day {
            let row = rows.entry(*rep).or_default();
            (row.interactions_this_week, row.interactions_this_month, row.interactions_in_range) =
                interaction_counts(days, &p);
        }
        for (rep, n) in follow_ups {
            rows.entry(rep).or_default().follow_ups_due = n;
        }
        for (rep, n, value, weighted, stale) in open {
            let row = rows.entry(rep).or_default();
            (row.open_opportunities, row.pipeline_cents, row.weighted_cents, row.stale_deals) =
                (n, value, weighted, stale);
        }
        for (rep, n, value) in won {
            let row = rows.entry(rep).or_default();
            (row.won_deals, row.won_cents) = (n, value);
        }
        let everyone: Vec<(NaiveDate, i64)> = per_day.into_values().flatten().collect();
        Ok(DashboardFigures {
            reps: rows.into_iter().collect(),
            weekly_activity: weekly_counts(&everyone, p.today, ACTIVITY_WEEKS),
        })
    }

    /// Interactions per week for the last [`ACTIVITY_WEEKS`] weeks, by when they happened,
    /// per rep (who logged them).
    pub async fn weekly_activity_by_rep(
        &self,
        q: &DashboardQuery,
    ) -> Result<Vec<(Option<Uuid>, Vec<(NaiveDate, i64)>)>, StoreError> {
        let today = q.period.today;
        let per_day = self.interactions_per_day(q, activity_start(today, ACTIVITY_WEEKS)).await?;
        Ok(per_day.into_iter().map(|(rep, days)| (rep, weekly_counts(&days, today, ACTIVITY_WEEKS))).collect())
    }

    /// Interactions per rep (who logged them) and UTC day (when they happened), from `since` on.
    async fn interactions_per_day(
        &self,
        q: &DashboardQuery,
        since: NaiveDate,
    ) -> Result<BTreeMap<Option<Uuid>, Vec<(NaiveDate, i64)>>, StoreError> {
        // PostgreSQL groups by the date and formats only the groups: `to_char` on each of
        // ~480k rows, sorted by that text, took most of the statement's time.
        let (select, day, close) = match self.db.kind() {
            BackendKind::Sqlite => {
                ("SELECT i.user_id, substr(i.occurred_at, 1, 10), COUNT(*)", "substr(i.occurred_at, 1, 10)", "")
            }
            BackendKind::Postgres => (
                "SELECT user_id, to_char(day, 'YYYY-MM-DD'), n FROM (SELECT i.user_id, \
                 (i.occurred_at AT TIME ZONE 'UTC')::date AS day, COUNT(*) AS n",
                "(i.occurred_at AT TIME ZONE 'UTC')::date",
                ") per_day",
            ),
        };
        let mut sql = Sql::new(
            "dashboard.interactions_per_day",
            format!("{select} FROM interactions i WHERE i.deleted_at IS NULL AND i.occurred_at >= $1"),
        )
        .bind(start_of(since));
        q.filter_under_account(self.db.kind(), &mut sql, "i", "i.user_id");
        sql.push(&format!(" GROUP BY i.user_id, {day}{close}"));
        let rows: Vec<(Option<Uuid>, String, i64)> = self.db.fetch_all(sql).await?;
        let mut per_rep: BTreeMap<Option<Uuid>, Vec<(NaiveDate, i64)>> = BTreeMap::new();
        for (rep, day, n) in rows {
            if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
                per_rep.entry(rep).or_default().push((day, n));
            }
        }
        Ok(per_rep)
    }

    /// Interactions in the range by kind and outcome (`None`: no outcome recorded).
    pub async fn interaction_volume(
        &self,
        q: &DashboardQuery,
    ) -> Result<Vec<(InteractionKind, Option<Outcome>, i64)>, StoreError> {
        let mut sql = Sql::new(
            "reports.interaction_volume",
            "SELECT i.kind, i.outcome, COUNT(*) FROM interactions i \
             WHERE i.deleted_at IS NULL AND i.occurred_at >= $1 AND i.occurred_at < $2",
        )
        .bind(start_of(q.period.from))
        .bind(start_of(q.period.after()));
        q.filter_under_account(self.db.kind(), &mut sql, "i", "i.user_id");
        sql.push(" GROUP BY i.kind, i.outcome");
        self.db.fetch_all(sql).await
    }

    /// The accounts that brought the most won value in the range, with their interactions
    /// in the range and their open pipeline (each from its own aggregate).
    pub async fn top_organizations(
        &self,
        q: &DashboardQuery,
        limit: i64,
    ) -> Result<Vec<OrganizationResult>, StoreError> {
        let mut won = Sql::new(
            "reports.top_organizations",
            "SELECT o.id, o.name, COUNT(*) AS won_deals, \
             CAST(COALESCE(SUM(p.estimated_value_cents), 0) AS BIGINT) AS won_cents \
             FROM opportunities p JOIN organizations o ON o.id = p.organization_id AND o.deleted_at IS NULL \
             WHERE p.deleted_at IS NULL AND p.stage = 'closed_won' AND p.actual_close_date >= $1 \
             AND p.actual_close_date <= $2",
        )
        .bind(q.period.from)
        .bind(q.period.to);
        q.filter_under_account(self.db.kind(), &mut won, "p", "p.owner_id");
        won.push(" GROUP BY o.id, o.name ORDER BY won_cents DESC, won_deals DESC, o.name ASC LIMIT ").push_bind(limit);
        let top: Vec<(Uuid, String, i64, i64)> = self.db.fetch_all(won).await?;
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = top.iter().map(|t| t.0).collect();
        let mut interactions = Sql::new(
            "reports.organization_interactions",
            "SELECT i.organization_id, COUNT(*) FROM interactions i WHERE i.deleted_at IS NULL \
             AND i.occurred_at >= $1 AND i.occurred_at < $2 AND i.organization_id IN ",
        )
        .bind(start_of(q.period.from))
        .bind(start_of(q.period.after()));
        interactions.push_bind_list(ids.iter().copied()).push(" GROUP BY i.organization_id");
        let mut open = Sql::new(
            "reports.organization_pipeline",
            "SELECT p.organization_id, CAST(COALESCE(SUM(p.estimated_value_cents), 0) AS BIGINT) FROM opportunities p \
             WHERE p.deleted_at IS NULL AND p.stage NOT IN ('closed_won', 'closed_lost') AND p.organization_id IN ",
        );
        open.push_bind_list(ids.iter().copied()).push(" GROUP BY p.organization_id");
        let (interactions, open) =
            tokio::try_join!(self.db.fetch_all::<(Uuid, i64)>(interactions), self.db.fetch_all::<(Uuid, i64)>(open))?;
        let find = |rows: &[(Uuid, i64)], id: Uuid| rows.iter().find(|r| r.0 == id).map(|r| r.1).unwrap_or(0);
        Ok(top
            .into_iter()
            .map(|(id, name, won_deals, won_cents)| OrganizationResult {
                id,
                name,
                won_deals,
                won_cents,
                interactions: find(&interactions, id),
                open_pipeline_cents: find(&open, id),
            })
            .collect())
    }
}
