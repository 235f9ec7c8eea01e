//! The dashboard: the team's (or a rep's own) key figures for a date range, per rep,
//! weekly activity and the pipeline by stage.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::dashboard::{Kpis, Period, RepKpis};
use crate::model::{StageTotal, UserSummary};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub period: Period,
    pub rep: Option<Uuid>,
    /// The sum of the rows below.
    pub team: Kpis,
    pub reps: Vec<RepKpis>,
    /// Interactions per week (week starting Monday).
    pub weekly: Vec<(NaiveDate, i64)>,
    pub stages: Vec<StageTotal>,
    /// The reps the dashboard can be narrowed to (empty for a rep, who sees their own).
    pub users: Vec<UserSummary>,
}

/// `from` and `to` (YYYY-MM-DD, both included; default this quarter to today) and `rep`.
#[server(endpoint = "dashboard", input = GetUrl)]
pub async fn get_dashboard(rep: Option<Uuid>, from: Option<String>, to: Option<String>) -> Result<Dashboard, AppError> {
    let access = super::server::access()?;
    let period = super::reports::period_from(from, to)?;
    let (rows, weekly, stages) = access.dashboard(rep, period).await?;
    let active = access.assignable_users().await?;
    let mut names: std::collections::BTreeMap<Uuid, String> =
        active.iter().map(|u| (u.id, u.full_name.clone())).collect();
    for (id, _) in &rows {
        if let Some(id) = id
            && !names.contains_key(id)
            && let Ok(user) = access.user_summary(*id).await
        {
            names.insert(*id, user.full_name);
        }
    }
    let reps = crate::store::name_rows(rows, &names);
    let team = Kpis::total(reps.iter().map(|r| &r.kpis));
    let scoped = crate::policy::organization_scope(access.user());
    let users = if scoped.is_some() { Vec::new() } else { active };
    Ok(Dashboard { period, rep: scoped.or(rep), team, reps, weekly, stages, users })
}
