//! The Today page: what is due, who needs a visit, what happened lately.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{AccountToVisit, Due, InteractionItem};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Today {
    pub today: NaiveDate,
    pub overdue: Vec<InteractionItem>,
    pub due_today: Vec<InteractionItem>,
    pub this_week: Vec<InteractionItem>,
    /// A-priority accounts not visited for 30 days or more (the first few), and how many in all.
    pub to_visit: Vec<AccountToVisit>,
    pub to_visit_total: i64,
    /// The user's latest interactions.
    pub recent: Vec<InteractionItem>,
}

impl Today {
    /// Sorts the open follow-ups into overdue / today / the next 7 days.
    pub fn new(today: NaiveDate, follow_ups: Vec<InteractionItem>) -> Self {
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
            let Some(day) = item.interaction.open_follow_up() else { continue };
            match Due::of(day, today) {
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
