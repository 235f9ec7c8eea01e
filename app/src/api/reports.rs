//! Reports: weekly activity per rep, interaction volume by kind and outcome, pipeline
//! status and organization performance, for a date range (and optionally one rep).

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::dashboard::{OrganizationResult, Period};
use crate::model::{InteractionKind, Outcome, StageTotal, UserSummary};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reports {
    pub period: Period,
    pub rep: Option<Uuid>,
    /// Per rep: name, interactions per week (weeks start Monday).
    pub weekly: Vec<(String, Vec<(NaiveDate, i64)>)>,
    pub volume: Vec<(InteractionKind, Option<Outcome>, i64)>,
    pub stages: Vec<StageTotal>,
    pub top_organizations: Vec<OrganizationResult>,
    pub users: Vec<UserSummary>,
}

#[server(endpoint = "reports", input = GetUrl)]
pub async fn get_reports(rep: Option<Uuid>, from: Option<String>, to: Option<String>) -> Result<Reports, AppError> {
    let access = super::server::access()?;
    let period = super::dashboard::period(from, to)?;
    let (weekly, volume, stages, top_organizations) = access.reports(rep, period).await?;
    let names = super::dashboard::Reps::load(&access, weekly.iter().map(|(id, _)| *id).collect()).await?;
    let weekly = weekly.into_iter().map(|(id, weeks)| (names.name(id), weeks)).collect();
    let rep = crate::policy::organization_scope(access.user()).or(rep);
    Ok(Reports { period, rep, weekly, volume, stages, top_organizations, users: names.choices })
}
