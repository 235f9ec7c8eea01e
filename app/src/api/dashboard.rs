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

/// The period a figures page asks for.
#[cfg(feature = "ssr")]
pub(crate) fn period(from: Option<String>, to: Option<String>) -> Result<Period, AppError> {
    Period::parse(crate::store::now().date_naive(), from.as_deref(), to.as_deref()).map_err(AppError::bad_request)
}

/// The people figure rows belong to, by name, and the reps the figures can be narrowed to
/// (none for a rep, who sees only their own).
#[cfg(feature = "ssr")]
pub(crate) struct Reps {
    names: std::collections::BTreeMap<Uuid, String>,
    pub choices: Vec<UserSummary>,
}

#[cfg(feature = "ssr")]
impl Reps {
    /// Active users' names, and those of former users among `ids`.
    pub async fn load(access: &crate::store::Access, ids: Vec<Option<Uuid>>) -> Result<Reps, AppError> {
        let active = access.assignable_users().await?;
        let mut names: std::collections::BTreeMap<Uuid, String> =
            active.iter().map(|u| (u.id, u.full_name.clone())).collect();
        for id in ids.into_iter().flatten() {
            if !names.contains_key(&id)
                && let Ok(user) = access.user_summary(id).await
            {
                names.insert(id, user.full_name);
            }
        }
        let scoped = crate::policy::organization_scope(access.user()).is_some();
        Ok(Reps { names, choices: if scoped { Vec::new() } else { active } })
    }

    pub fn name(&self, id: Option<Uuid>) -> String {
        match id {
            Some(id) => self.names.get(&id).cloned().unwrap_or_else(|| "Former user".to_owned()),
            None => "Unassigned".to_owned(),
        }
    }
}

/// `from` and `to` (YYYY-MM-DD, both included; default this quarter to today) and `rep`.
#[server(endpoint = "dashboard", input = GetUrl)]
pub async fn get_dashboard(rep: Option<Uuid>, from: Option<String>, to: Option<String>) -> Result<Dashboard, AppError> {
    let access = super::server::access()?;
    let period = period(from, to)?;
    let (rows, weekly, stages) = access.dashboard(rep, period).await?;
    let names = Reps::load(&access, rows.iter().map(|(id, _)| *id).collect()).await?;
    let reps: Vec<RepKpis> = rows.into_iter().map(|(rep, kpis)| RepKpis { name: names.name(rep), rep, kpis }).collect();
    let team = Kpis::total(reps.iter().map(|r| &r.kpis));
    let rep = crate::policy::organization_scope(access.user()).or(rep);
    Ok(Dashboard { period, rep, team, reps, weekly, stages, users: names.choices })
}
