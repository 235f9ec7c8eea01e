//! The dashboard's key figures (domain.md, "Manager dashboard and reports"), per rep and
//! for the team, and the date arithmetic behind "this week", "this month", "this quarter".
//! Each figure comes from its own table's aggregate, never from a join of several tables
//! (which would multiply sums: the seeds' dashboard view got won revenue wrong that way).

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The figures of one rep, or of the team (their sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Kpis {
    pub organizations: i64,
    pub a_priority: i64,
    pub contacts: i64,
    pub interactions_this_week: i64,
    pub interactions_this_month: i64,
    pub interactions_in_range: i64,
    pub open_opportunities: i64,
    pub pipeline_cents: i64,
    pub weighted_cents: i64,
    pub won_deals: i64,
    pub won_cents: i64,
    pub follow_ups_due: i64,
    pub stale_deals: i64,
}

impl Kpis {
    pub fn add(&mut self, other: &Kpis) {
        self.organizations += other.organizations;
        self.a_priority += other.a_priority;
        self.contacts += other.contacts;
        self.interactions_this_week += other.interactions_this_week;
        self.interactions_this_month += other.interactions_this_month;
        self.interactions_in_range += other.interactions_in_range;
        self.open_opportunities += other.open_opportunities;
        self.pipeline_cents += other.pipeline_cents;
        self.weighted_cents += other.weighted_cents;
        self.won_deals += other.won_deals;
        self.won_cents += other.won_cents;
        self.follow_ups_due += other.follow_ups_due;
        self.stale_deals += other.stale_deals;
    }

    pub fn total<'a>(rows: impl IntoIterator<Item = &'a Kpis>) -> Kpis {
        let mut sum = Kpis::default();
        for row in rows {
            sum.add(row);
        }
        sum
    }
}

/// One rep's row (`rep` is `None` for records assigned to nobody).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepKpis {
    pub rep: Option<Uuid>,
    pub name: String,
    pub kpis: Kpis,
}

/// An account's results in a period (the reports' organization performance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationResult {
    pub id: Uuid,
    pub name: String,
    pub won_deals: i64,
    pub won_cents: i64,
    pub interactions: i64,
    pub open_pipeline_cents: i64,
}

/// The period the date-dependent figures cover, and the calendar around today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub today: NaiveDate,
    /// First and last day of the range (both included).
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The range a dashboard opens with: this quarter up to today.
    pub fn this_quarter(today: NaiveDate) -> Period {
        Period { today, from: quarter_start(today), to: today }
    }

    /// A range from the filter; refused when it ends before it starts or spans more than
    /// five years.
    pub fn new(today: NaiveDate, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Period, String> {
        let default = Period::this_quarter(today);
        let (from, to) = (from.unwrap_or(default.from), to.unwrap_or(default.to));
        if to < from {
            return Err("The range ends before it starts.".to_owned());
        }
        if (to - from).num_days() > 5 * 366 {
            return Err("Choose a range of at most five years.".to_owned());
        }
        Ok(Period { today, from, to })
    }

    /// The range of a filter as the address gives it (`YYYY-MM-DD`, empty for the default).
    pub fn parse(today: NaiveDate, from: Option<&str>, to: Option<&str>) -> Result<Period, String> {
        let day = |text: Option<&str>, what: &str| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("The {what} date must look like 2026-12-31.")),
        };
        Period::new(today, day(from, "start")?, day(to, "end")?)
    }

    /// Monday of this week.
    pub fn week_start(&self) -> NaiveDate {
        monday_of(self.today)
    }

    pub fn month_start(&self) -> NaiveDate {
        self.today.with_day(1).unwrap_or(self.today)
    }

    /// The day after the range (its exclusive end).
    pub fn after(&self) -> NaiveDate {
        self.to.succ_opt().unwrap_or(self.to)
    }
}

pub fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// Interactions per week (weeks starting on Monday) for the `weeks` weeks ending with the
/// one holding `today`, from counts per day. Days outside are ignored; empty weeks are 0.
pub fn weekly_counts(per_day: &[(NaiveDate, i64)], today: NaiveDate, weeks: u32) -> Vec<(NaiveDate, i64)> {
    let first = activity_start(today, weeks);
    let mut out: Vec<(NaiveDate, i64)> = (0..weeks).map(|w| (first + Days::new(7 * w as u64), 0)).collect();
    for (day, n) in per_day {
        if *day < first || *day > today {
            continue;
        }
        let index = ((*day - first).num_days() / 7) as usize;
        if let Some(week) = out.get_mut(index) {
            week.1 += n;
        }
    }
    out
}

/// The Monday that starts the first of the `weeks` weeks ending with the one holding `today`
/// (this week's Monday when `weeks` is 0 or 1).
pub fn activity_start(today: NaiveDate, weeks: u32) -> NaiveDate {
    monday_of(today) - Days::new(7 * weeks.saturating_sub(1) as u64)
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(day.weekday().num_days_from_monday() as u64)
}

/// Interactions this week, this month and in the range (`(week, month, range)`), from counts
/// per day: what the dashboard shows beside the weekly activity, read in the same pass.
pub fn interaction_counts(per_day: &[(NaiveDate, i64)], period: &Period) -> (i64, i64, i64) {
    let (week, month, after) = (period.week_start(), period.month_start(), period.after());
    per_day.iter().fold((0, 0, 0), |(w, m, r), &(day, n)| {
        (
            w + if day >= week { n } else { 0 },
            m + if day >= month { n } else { 0 },
            r + if day >= period.from && day < after { n } else { 0 },
        )
    })
}

/// The first day the dashboard's counts per day must cover: the range's, this month's, this
/// week's or the weekly activity's first day, whichever is earliest.
pub fn counts_since(period: &Period, activity_weeks: u32) -> NaiveDate {
    period.from.min(period.week_start()).min(period.month_start()).min(activity_start(period.today, activity_weeks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn calendar_periods() {
        let period = Period::this_quarter(day(2026, 12, 4));
        assert_eq!((period.from, period.to), (day(2026, 10, 1), day(2026, 12, 4)));
        assert_eq!(period.week_start(), day(2026, 11, 30), "Dec 4, 2026 is a Friday");
        assert_eq!(period.month_start(), day(2026, 12, 1));
        assert_eq!(period.after(), day(2026, 12, 5));
        assert_eq!(quarter_start(day(2026, 3, 31)), day(2026, 1, 1));
        assert_eq!(quarter_start(day(2026, 4, 1)), day(2026, 4, 1));
    }

    #[test]
    fn ranges_must_make_sense() {
        let today = day(2026, 12, 4);
        assert!(Period::new(today, Some(day(2026, 12, 5)), Some(day(2026, 12, 1))).is_err());
        assert!(Period::new(today, Some(day(2010, 1, 1)), None).is_err());
        let p = Period::new(today, Some(day(2026, 11, 1)), None).unwrap();
        assert_eq!((p.from, p.to), (day(2026, 11, 1), today));
    }

    #[test]
    fn filters_parse_into_ranges() {
        let today = day(2026, 12, 4);
        assert_eq!(Period::parse(today, None, Some(" ")).unwrap(), Period::this_quarter(today));
        assert_eq!(Period::parse(today, Some("2026-11-01"), None).unwrap().from, day(2026, 11, 1));
        assert!(Period::parse(today, Some("11/01/2026"), None).unwrap_err().contains("start date"));
        assert!(Period::parse(today, None, Some("soon")).unwrap_err().contains("end date"));
    }

    #[test]
    fn team_figures_are_the_sum_of_the_reps() {
        let a = Kpis { organizations: 3, won_cents: 100, stale_deals: 1, ..Default::default() };
        let b = Kpis { organizations: 2, won_cents: 50, follow_ups_due: 4, ..Default::default() };
        let team = Kpis::total([&a, &b]);
        assert_eq!((team.organizations, team.won_cents, team.stale_deals, team.follow_ups_due), (5, 150, 1, 4));
    }

    #[test]
    fn counts_per_day_make_the_week_month_and_range() {
        // Friday Dec 4; the range is November; a day after today counts in the week and month
        // (an interaction logged ahead), not in a range that ended before it.
        let period = Period::new(day(2026, 12, 4), Some(day(2026, 11, 1)), Some(day(2026, 11, 30))).unwrap();
        let per_day = [
            (day(2026, 12, 5), 1),
            (day(2026, 12, 1), 2),
            (day(2026, 11, 30), 4),
            (day(2026, 11, 29), 8),
            (day(2026, 11, 1), 16),
            (day(2026, 10, 31), 32),
        ];
        assert_eq!(interaction_counts(&per_day, &period), (1 + 2 + 4, 1 + 2, 4 + 8 + 16));
        assert_eq!(interaction_counts(&[], &period), (0, 0, 0));
    }

    #[test]
    fn counts_cover_the_earliest_day_any_figure_needs() {
        let today = day(2026, 12, 4);
        // This quarter starts Oct 1, before the 8 weeks of activity (from Oct 12).
        assert_eq!(counts_since(&Period::this_quarter(today), 8), day(2026, 10, 1));
        // A range of this week only: the activity's 8 weeks reach furthest back.
        let this_week = Period::new(today, Some(day(2026, 12, 1)), None).unwrap();
        assert_eq!(counts_since(&this_week, 8), day(2026, 10, 12));
        // Without weeks of activity, this week's Monday (before the month and the range).
        assert_eq!(counts_since(&this_week, 0), day(2026, 11, 30));
    }

    #[test]
    fn days_fall_into_their_weeks() {
        let today = day(2026, 12, 4);
        let per_day = [
            (day(2026, 12, 4), 2),
            (day(2026, 11, 30), 1),
            (day(2026, 11, 29), 5),
            (day(2026, 11, 16), 7),
            (day(2026, 11, 1), 9),
        ];
        let weeks = weekly_counts(&per_day, today, 3);
        assert_eq!(weeks, vec![(day(2026, 11, 16), 7), (day(2026, 11, 23), 5), (day(2026, 11, 30), 3)]);
    }
}
