//! The monitoring dashboard's data and its one button (empty the read caches). The
//! measurements live in the server crate; it hands this crate a [`MonitoringDesk`] through
//! the request's context, as alerting does with its desk.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::monitoring::{MonitoringOverview, RouteDetail};

/// The dashboard's address.
pub const MONITORING_PAGE: &str = "/monitoring";

#[cfg(feature = "ssr")]
pub use desk::MonitoringDesk;

#[cfg(feature = "ssr")]
mod desk {
    use crate::api::alerts::Answer;
    use crate::model::CurrentUser;
    use crate::model::monitoring::{MonitoringOverview, Period, RouteDetail};

    /// What the server's monitoring offers the dashboard. The caller has checked that `user`
    /// may monitor; the desk checks what only administrators may do.
    pub trait MonitoringDesk: Send + Sync {
        fn overview(&self, user: CurrentUser, period: Period) -> Answer<MonitoringOverview>;
        fn route(&self, user: CurrentUser, route: String, period: Period) -> Answer<RouteDetail>;
        fn clear_caches(&self, user: CurrentUser) -> Answer<()>;
    }
}

#[cfg(feature = "ssr")]
fn desk() -> Result<(std::sync::Arc<dyn MonitoringDesk>, crate::model::CurrentUser), AppError> {
    super::server::monitoring_desk("monitoring-desk", "Monitoring is for managers and administrators.")
}

/// Everything the dashboard shows for `period` (`1h`, `24h` or `7d`; none: `1h`).
#[server(endpoint = "monitoring/overview", input = GetUrl)]
pub async fn get_monitoring(period: Option<String>) -> Result<MonitoringOverview, AppError> {
    let period = crate::model::monitoring::Period::parse(period.as_deref()).map_err(AppError::bad_request)?;
    let (desk, user) = desk()?;
    desk.overview(user, period).await
}

/// One route's figures, charts and errors for `period`.
#[server(endpoint = "monitoring/route", input = GetUrl)]
pub async fn get_route_detail(route: Option<String>, period: Option<String>) -> Result<RouteDetail, AppError> {
    use crate::model::monitoring::{Period, route_param};
    let period = Period::parse(period.as_deref()).map_err(AppError::bad_request)?;
    let route = route_param(route.as_deref()).map_err(AppError::bad_request)?;
    let (desk, user) = desk()?;
    desk.route(user, route, period).await
}

/// Empties every instance's read caches (administrators).
#[server(endpoint = "monitoring/clear-caches")]
pub async fn clear_caches() -> Result<String, AppError> {
    let (desk, user) = desk()?;
    desk.clear_caches(user).await?;
    super::server::redirect_plain_form(MONITORING_PAGE);
    Ok(MONITORING_PAGE.to_owned())
}
