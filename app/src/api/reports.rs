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

/// Parses the `from`/`to` filter (YYYY-MM-DD) into a period ending today by default.
#[cfg(feature = "ssr")]
pub(crate) fn period_from(from: Option<String>, to: Option<String>) -> Result<Period, AppError> {
    let day = |text: Option<String>, what: &str| -> Result<Option<NaiveDate>, AppError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::bad_request(format!("The {what} date must look like 2026-12-31."))),
        }
    };
    let today = crate::store::now().date_naive();
    Period::new(today, day(from, "start")?, day(to, "end")?).map_err(AppError::bad_request)
}

#[server(endpoint = "reports", input = GetUrl)]
pub async fn get_reports(rep: Option<Uuid>, from: Option<String>, to: Option<String>) -> Result<Reports, AppError> {
    let access = super::server::access()?;
    let period = period_from(from, to)?;
    let (weekly, volume, stages, top_organizations) = access.reports(rep, period).await?;
    let users = access.assignable_users().await?;
    let name = |id: Option<Uuid>| match id {
        Some(id) => {
            users.iter().find(|u| u.id == id).map(|u| u.full_name.clone()).unwrap_or_else(|| "Former user".into())
        }
        None => "Nobody".into(),
    };
    let weekly = weekly.into_iter().map(|(id, weeks)| (name(id), weeks)).collect();
    let scoped = crate::policy::organization_scope(access.user());
    let users = if scoped.is_some() { Vec::new() } else { users };
    Ok(Reports { period, rep: scoped.or(rep), weekly, volume, stages, top_organizations, users })
}
