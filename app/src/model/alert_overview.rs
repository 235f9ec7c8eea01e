//! What the alerts page shows, as one value the server assembles: the alerts needing eyes,
//! silences, rules, history, deliveries and the month's statistics; and what the page's
//! buttons ask for.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::alert_channels::ChannelLine;
use super::alert_rules::Channel;
use super::alerts::{AlertState, Severity, Silence};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsOverview {
    /// Administrators change and test rules.
    pub can_edit_rules: bool,
    /// Pending, firing or failing, most severe first.
    pub active: Vec<AlertLine>,
    pub silences: Vec<Silence>,
    pub rules: Vec<RuleLine>,
    /// The latest events first.
    pub history: Vec<EventLine>,
    /// The latest notifications first.
    pub deliveries: Vec<DeliveryLine>,
    /// The outbound channels and how each is set up.
    pub channels: Vec<ChannelLine>,
    /// Firings in the last 30 days, per severity, and the mean time to resolve.
    pub fired: u64,
    pub fired_by_severity: Vec<(String, u64)>,
    pub mean_time_to_resolve_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLine {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub severity: Severity,
    pub condition: String,
    /// The route, or "" for all requests.
    pub labels: String,
    pub state: AlertState,
    /// The value as people read it.
    pub shown: Option<String>,
    pub evaluated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleLine {
    pub id: Uuid,
    pub name: String,
    pub severity: Severity,
    pub condition: String,
    pub channels: Vec<Channel>,
    pub enabled: bool,
    pub firing: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLine {
    pub at: DateTime<Utc>,
    pub rule_name: String,
    pub labels: String,
    pub severity: String,
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub at: DateTime<Utc>,
    /// The rule's name, or "a deleted rule" when it is gone; with the alerts it was about.
    pub rule_name: String,
    pub labels: String,
    pub notice: String,
    pub channel: String,
    pub status: String,
    pub attempts: i64,
    pub detail: String,
}

/// What a button on the alerts page asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertAction {
    Acknowledge { rule_id: Uuid, labels: String },
    Resolve { rule_id: Uuid, labels: String },
    Silence { rule_id: Uuid, labels: String, minutes: i64 },
    EndSilence { id: Uuid },
    SetEnabled { rule_id: Uuid, enabled: bool },
    Test { rule_id: Uuid },
}

/// The form every button posts (hidden fields; works without JavaScript).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertActionForm {
    pub action: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub labels: String,
    #[serde(default)]
    pub minutes: String,
    /// The page the button was on (the alerts page or the monitoring dashboard).
    #[serde(default)]
    pub back: String,
}

/// The pages an alert button may return to: never an address from elsewhere.
const RETURN_PAGES: [&str; 2] = ["/alerts", "/monitoring"];

impl AlertActionForm {
    /// Where the button returns to: the page it was on, else the alerts page.
    pub fn back_to(&self) -> &'static str {
        RETURN_PAGES.into_iter().find(|page| *page == self.back).unwrap_or(RETURN_PAGES[0])
    }

    /// The action asked for, or why the form makes no sense.
    pub fn parse(&self) -> Result<AlertAction, String> {
        let id = Uuid::parse_str(self.id.trim()).map_err(|_| "That alert or rule does not exist.".to_owned());
        let labels = self.labels.clone();
        match self.action.as_str() {
            "acknowledge" => Ok(AlertAction::Acknowledge { rule_id: id?, labels }),
            "resolve" => Ok(AlertAction::Resolve { rule_id: id?, labels }),
            "silence" => {
                let minutes = self.minutes.trim().parse::<i64>().map_err(|_| "Say for how long.".to_owned())?;
                Ok(AlertAction::Silence { rule_id: id?, labels, minutes })
            }
            "end-silence" => Ok(AlertAction::EndSilence { id: id? }),
            "enable" => Ok(AlertAction::SetEnabled { rule_id: id?, enabled: true }),
            "disable" => Ok(AlertAction::SetEnabled { rule_id: id?, enabled: false }),
            "test" => Ok(AlertAction::Test { rule_id: id? }),
            other => Err(format!("Unknown action “{other}”.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_button_reads_as_its_action() {
        let id = Uuid::from_u128(7);
        let form = |action: &str, minutes: &str| AlertActionForm {
            action: action.into(),
            id: id.to_string(),
            labels: "/today".into(),
            minutes: minutes.into(),
            back: String::new(),
        };
        assert_eq!(
            form("silence", "60").parse(),
            Ok(AlertAction::Silence { rule_id: id, labels: "/today".into(), minutes: 60 })
        );
        assert_eq!(form("disable", "").parse(), Ok(AlertAction::SetEnabled { rule_id: id, enabled: false }));
        assert_eq!(form("silence", "soon").parse(), Err("Say for how long.".into()));
        assert_eq!(form("explode", "").parse(), Err("Unknown action “explode”.".into()));
        let no_id = AlertActionForm { id: "x".into(), ..form("test", "") };
        assert_eq!(no_id.parse(), Err("That alert or rule does not exist.".into()));
    }

    #[test]
    fn a_button_returns_only_to_a_page_of_ours() {
        let back = |page: &str| AlertActionForm { back: page.into(), ..AlertActionForm::default() }.back_to();
        assert_eq!(back("/monitoring"), "/monitoring");
        assert_eq!(back(""), "/alerts");
        assert_eq!(back("https://evil.example/"), "/alerts");
    }
}
