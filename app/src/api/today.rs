//! The Today page: what is due, who needs a visit, what happened lately.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{AccountToVisit, Due, FollowUp, InteractionItem};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Today {
    pub today: NaiveDate,
    pub overdue: Vec<FollowUp>,
    pub due_today: Vec<FollowUp>,
    pub this_week: Vec<FollowUp>,
    /// A-priority accounts not visited for 30 days or more (the first few), and how many in all.
    pub to_visit: Vec<AccountToVisit>,
    pub to_visit_total: i64,
    /// The user's latest interactions.
    pub recent: Vec<InteractionItem>,
}

impl Today {
    /// Sorts the open follow-ups into overdue / today / the next 7 days.
    pub fn new(today: NaiveDate, follow_ups: Vec<FollowUp>) -> Self {
        let mut out = Today {
            today,
            overdue: Vec::new(),
            due_today: Vec::new(),
            this_week: Vec::new(),
            to_visit: Vec::new(),
            to_visit_total: 0,
            recent: Vec::new(),
        };
        for item in follow_ups {
            match Due::of(item.due_on(), today) {
                Due::Overdue => out.overdue.push(item),
                Due::Today => out.due_today.push(item),
                Due::ThisWeek => out.this_week.push(item),
                Due::Later => {}
            }
        }
        out
    }
}

#[server(endpoint = "today", input = GetUrl)]
pub async fn get_today() -> Result<Today, AppError> {
    use crate::model::{InteractionQuery, interaction::NEGLECTED_AFTER_DAYS};
    let access = super::server::access()?;
    let now = crate::store::now();
    let today = now.date_naive();
    let recent_query = InteractionQuery { user_id: Some(access.user().id), per_page: 10, ..Default::default() };
    let (follow_ups, (to_visit, to_visit_total), recent) = tokio::try_join!(
        access.my_follow_ups(Due::horizon(today)),
        access.accounts_to_visit(now - chrono::Duration::days(NEGLECTED_AFTER_DAYS)),
        access.interactions(&recent_query),
    )?;
    Ok(Today { to_visit, to_visit_total, recent, ..Today::new(today, follow_ups) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn due(n: u128, day: NaiveDate) -> FollowUp {
        FollowUp {
            id: Uuid::from_u128(n),
            organization_id: Uuid::from_u128(100),
            organization_name: "Golden Fork".into(),
            contact_first_name: None,
            contact_last_name: None,
            follow_up_at: day.and_time(chrono::NaiveTime::MIN).and_utc(),
            follow_up_notes: None,
        }
    }

    #[test]
    fn follow_ups_are_sorted_into_overdue_today_and_this_week_in_order() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let on = |days: i64| today + chrono::Duration::days(days);
        let sorted =
            Today::new(today, vec![due(1, on(-30)), due(2, on(-1)), due(3, on(0)), due(4, on(7)), due(5, on(8))]);
        let ids = |list: &[FollowUp]| list.iter().map(|f| f.id.as_u128()).collect::<Vec<_>>();
        assert_eq!(ids(&sorted.overdue), [1, 2]);
        assert_eq!(ids(&sorted.due_today), [3]);
        assert_eq!(ids(&sorted.this_week), [4], "the eighth day is past the page's horizon");
    }
}
