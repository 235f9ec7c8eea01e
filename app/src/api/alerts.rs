//! The alerts page's data and buttons. Alerting runs in the server crate; it hands this
//! crate an [`AlertDesk`] through the request's context (the dependency points from the
//! server to the app, as everywhere else).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::alert_channels::ChannelForm;
use crate::model::alert_overview::{AlertActionForm, AlertsOverview};

/// Where the alert buttons return to.
pub const ALERTS_PAGE: &str = "/alerts";

#[cfg(feature = "ssr")]
pub use desk::{AlertDesk, Answer};

#[cfg(feature = "ssr")]
mod desk {
    use std::future::Future;
    use std::pin::Pin;

    use crate::error::AppError;
    use crate::model::CurrentUser;
    use crate::model::alert_channels::ChannelForm;
    use crate::model::alert_overview::{AlertAction, AlertsOverview};

    pub type Answer<T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send>>;

    /// What the server's alerting offers the alerts page. The caller has checked that `user`
    /// may see alerts; the desk checks what only administrators may do.
    pub trait AlertDesk: Send + Sync {
        fn overview(&self, user: CurrentUser) -> Answer<AlertsOverview>;
        fn act(&self, user: CurrentUser, action: AlertAction) -> Answer<()>;
        /// How many alerts are firing (the nav's badge); answered from memory.
        fn firing_now(&self) -> usize;
        /// Sets up or turns off an outbound channel (administrators).
        fn save_channel(&self, user: CurrentUser, form: ChannelForm) -> Answer<()>;
    }
}

#[cfg(feature = "ssr")]
fn desk() -> Result<(std::sync::Arc<dyn AlertDesk>, crate::model::CurrentUser), AppError> {
    super::server::monitoring_desk("alert-desk", "Alerts are for managers and administrators.")
}

/// Everything the alerts page shows (managers and administrators).
#[server(endpoint = "alerts/overview", input = GetUrl)]
pub async fn get_alerts() -> Result<AlertsOverview, AppError> {
    let (desk, user) = desk()?;
    desk.overview(user).await
}

/// How many alerts are firing: the nav's badge counts again with it after a client-side
/// navigation (the page's count was made with the page).
#[server(endpoint = "alerts/firing", input = GetUrl)]
pub async fn firing_alerts() -> Result<usize, AppError> {
    let (desk, _) = desk()?;
    Ok(desk.firing_now())
}

/// One of the page's buttons: acknowledge, resolve, silence, end a silence, enable or
/// disable a rule, send a rule's test notification.
#[server(endpoint = "alerts/act")]
pub async fn act_on_alert(form: AlertActionForm) -> Result<String, AppError> {
    let action = form.parse().map_err(AppError::bad_request)?;
    let (desk, user) = desk()?;
    let back = form.back_to();
    desk.act(user, action).await?;
    super::server::redirect_plain_form(back);
    Ok(back.to_owned())
}

/// Sets up or turns off the webhook, Slack or email channel (administrators); back to the
/// alerts page.
#[server(endpoint = "alerts/channel")]
pub async fn save_alert_channel(form: ChannelForm) -> Result<String, AppError> {
    let (desk, user) = desk()?;
    desk.save_channel(user, form).await?;
    super::server::redirect_plain_form(ALERTS_PAGE);
    Ok(ALERTS_PAGE.to_owned())
}
