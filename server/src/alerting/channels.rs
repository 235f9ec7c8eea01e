//! The channels that reach outside: a generic webhook (JSON, signed with HMAC-SHA256 when a
//! secret is set), a Slack incoming webhook (a message coloured by severity) and email over
//! SMTP (`lettre`, text and HTML parts). What each sends is built by plain functions; the
//! deliverer (`delivery.rs`) calls [`Channels::send`] off the request path, with retries.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{Value, json};
use sha2::Sha256;

use app::model::alert_channels::{EmailSetup, SavedChannels, SlackSetup, WebhookSetup};
use app::model::alert_rules::Channel;
use app::model::alerts::{Notice, Severity};

use super::Notification;

/// The header that carries a webhook post's signature.
pub const SIGNATURE_HEADER: &str = "X-Kitchen-Pantry-Signature";
/// How long one attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where notifications may go, from the configuration (unset: that channel is off).
#[derive(Debug, Clone, Default)]
pub struct ChannelSettings {
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub slack_webhook_url: Option<String>,
    pub smtp_url: Option<String>,
    pub email_from: String,
    pub email_to: Option<String>,
}

impl ChannelSettings {
    /// Whether these settings (the environment's) set `channel` up: then the alerts page
    /// shows it but cannot change it.
    pub fn sets(&self, channel: Channel) -> bool {
        match channel {
            Channel::Webhook => self.webhook_url.is_some(),
            Channel::Slack => self.slack_webhook_url.is_some(),
            Channel::Email => self.smtp_url.is_some() || self.email_to.is_some(),
            Channel::InApp | Channel::Log => true,
        }
    }

    /// These settings, with what the alerts page saved for each channel they leave unset.
    pub fn with_saved(&self, saved: &SavedChannels) -> ChannelSettings {
        let mut merged = self.clone();
        if let Some(webhook) = saved.webhook.as_ref().filter(|_| !self.sets(Channel::Webhook)) {
            merged.webhook_url = Some(webhook.url.clone());
            merged.webhook_secret = webhook.secret.clone();
        }
        if let Some(slack) = saved.slack.as_ref().filter(|_| !self.sets(Channel::Slack)) {
            merged.slack_webhook_url = Some(slack.url.clone());
        }
        if let Some(email) = saved.email.as_ref().filter(|_| !self.sets(Channel::Email)) {
            merged.smtp_url = Some(email.smtp_url.clone());
            merged.email_to = Some(email.to.clone());
            merged.email_from = email.from.clone().unwrap_or_else(|| self.email_from.clone());
        }
        merged
    }

    /// The same settings in the page's terms, to show them as the page shows its own.
    pub fn as_saved(&self) -> SavedChannels {
        SavedChannels {
            webhook: self.webhook_url.clone().map(|url| WebhookSetup { url, secret: self.webhook_secret.clone() }),
            slack: self.slack_webhook_url.clone().map(|url| SlackSetup { url }),
            email: self.smtp_url.clone().map(|smtp_url| EmailSetup {
                smtp_url,
                from: Some(self.email_from.clone()),
                to: self.email_to.clone().unwrap_or_default(),
            }),
        }
    }
}

pub struct Channels {
    http: reqwest::Client,
    webhook: Option<(reqwest::Url, Option<String>)>,
    slack: Option<reqwest::Url>,
    email: Option<Mailer>,
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Channels {
    /// The channels of `settings`, or what is wrong with them.
    pub fn new(settings: &ChannelSettings) -> Result<Channels, String> {
        // reqwest and lettre share rustls; its crypto provider is chosen once per process.
        // ring builds from Rust and a little C with no other tools (aws-lc-rs needs more);
        // rustls deprecates it for lacking post-quantum key exchange, which alert posts do
        // not need.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("kitchen-pantry/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make the HTTP client for alert notifications: {e}"))?;
        let webhook = match &settings.webhook_url {
            Some(url) => Some((web_address("ALERT_WEBHOOK_URL", url)?, settings.webhook_secret.clone())),
            None if settings.webhook_secret.is_some() => {
                return Err("ALERT_WEBHOOK_SECRET is set without ALERT_WEBHOOK_URL".into());
            }
            None => None,
        };
        let slack =
            settings.slack_webhook_url.as_deref().map(|u| web_address("ALERT_SLACK_WEBHOOK_URL", u)).transpose()?;
        let email = match (&settings.smtp_url, &settings.email_to) {
            (Some(url), Some(to)) => Some(Mailer::new(url, &settings.email_from, to)?),
            (None, None) => None,
            _ => return Err("SMTP_URL and ALERT_EMAIL_TO are set together, or neither".into()),
        };
        Ok(Channels { http, webhook, slack, email })
    }

    /// Why `channel` cannot send, when it cannot.
    pub fn unavailable(&self, channel: Channel) -> Option<&'static str> {
        match channel {
            Channel::Webhook if self.webhook.is_none() => {
                Some("not set up: set ALERT_WEBHOOK_URL, or the webhook under Notification channels on the alerts page")
            }
            Channel::Slack if self.slack.is_none() => {
                Some("not set up: set ALERT_SLACK_WEBHOOK_URL, or Slack under Notification channels on the alerts page")
            }
            Channel::Email if self.email.is_none() => Some(
                "not set up: set SMTP_URL and ALERT_EMAIL_TO, or email under Notification channels on the alerts page",
            ),
            _ => None,
        }
    }

    /// Sends one notification: what the receiver answered, or why it failed.
    pub async fn send(&self, channel: Channel, notification: &Notification) -> Result<String, String> {
        match channel {
            Channel::Webhook => {
                let (url, secret) = self.webhook.as_ref().ok_or("the webhook is not set up")?;
                let body = serde_json::to_vec(&webhook_body(notification)).map_err(|e| e.to_string())?;
                let mut request = self.http.post(url.clone()).header(reqwest::header::CONTENT_TYPE, "application/json");
                if let Some(secret) = secret {
                    request = request.header(SIGNATURE_HEADER, signature(secret, &body));
                }
                answered(request.body(body).send().await).await
            }
            Channel::Slack => {
                let url = self.slack.as_ref().ok_or("Slack is not set up")?;
                answered(self.http.post(url.clone()).json(&slack_body(notification)).send().await).await
            }
            Channel::Email => {
                let mailer = self.email.as_ref().ok_or("email is not set up")?;
                mailer.send(notification).await
            }
            Channel::InApp | Channel::Log => Ok("kept on the server".into()),
        }
    }
}

impl Mailer {
    fn new(url: &str, from: &str, to: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not a mail server address ({e})"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from = from.parse::<Mailbox>().map_err(|e| format!("ALERT_EMAIL_FROM “{from}” is not an address ({e})"))?;
        let to = to
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| a.parse::<Mailbox>().map_err(|e| format!("ALERT_EMAIL_TO: “{a}” is not an address ({e})")))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err("ALERT_EMAIL_TO names no address".into());
        }
        Ok(Mailer { transport, from, to })
    }

    async fn send(&self, notification: &Notification) -> Result<String, String> {
        let (subject, text, html) = email_parts(notification);
        let mut message = Message::builder().from(self.from.clone()).subject(subject);
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("cannot write the email: {e}"))?;
        let response = self.transport.send(message).await.map_err(|e| format!("the mail server refused: {e}"))?;
        Ok(format!("mail server answered {}", response.code()))
    }
}

fn web_address(setting: &str, url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{setting} is not an address ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!("{setting} must be an http:// or https:// address"));
    }
    Ok(parsed)
}

async fn answered(response: Result<reqwest::Response, reqwest::Error>) -> Result<String, String> {
    let response = response.map_err(|e| format!("could not post: {e}"))?;
    let status = response.status();
    if status.is_success() {
        return Ok(format!("answered {status}"));
    }
    let body = response.text().await.unwrap_or_default();
    Err(format!("answered {status}: {}", body.chars().take(200).collect::<String>()))
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`, as GitHub signs its webhooks.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhook's JSON: the notification itself, under a version number.
pub fn webhook_body(notification: &Notification) -> Value {
    json!({"version": 1, "source": "kitchen-pantry", "notification": notification})
}

/// Slack's colour bar per severity; green for a resolve.
fn colour(notification: &Notification) -> &'static str {
    if notification.notice == Notice::Resolved {
        return "#2eb67d";
    }
    match notification.severity {
        Severity::Info => "#439fe0",
        Severity::Warning => "#daa038",
        Severity::High => "#e8742f",
        Severity::Critical => "#d00000",
    }
}

/// The title line: "[CRITICAL] High error rate firing" (a test says so).
pub fn title(notification: &Notification) -> String {
    if notification.notice == Notice::Digest {
        return format!("{}{}", if notification.test { "Test: " } else { "" }, notification.rule_name);
    }
    let what = match notification.notice {
        Notice::Firing => "firing",
        Notice::Repeat => "still firing",
        Notice::Resolved => "resolved",
        Notice::Escalation => "firing and not acknowledged",
        Notice::Digest => "digest",
    };
    let test = if notification.test { "Test: " } else { "" };
    format!("{test}[{}] {} {what}", notification.severity.code().to_uppercase(), notification.rule_name)
}

/// Each alert as "route: figure".
pub fn alert_lines(notification: &Notification) -> Vec<String> {
    notification
        .alerts
        .iter()
        .map(|a| {
            let place = if a.labels.is_empty() { "all requests" } else { a.labels.as_str() };
            format!("{place}: {}", a.shown.as_deref().unwrap_or("no data"))
        })
        .collect()
}

/// A Slack incoming-webhook message: the title as text, and an attachment coloured by
/// severity with the condition and each alert.
pub fn slack_body(notification: &Notification) -> Value {
    let lines: Vec<String> = alert_lines(notification).into_iter().map(|l| format!("• {l}")).collect();
    json!({
        "text": title(notification),
        "attachments": [{
            "color": colour(notification),
            "title": notification.condition,
            "text": lines.join("\n"),
            "footer": "Kitchen Pantry CRM",
            "ts": notification.at.timestamp(),
        }],
    })
}

/// Subject, text part and HTML part of an alert email.
pub fn email_parts(notification: &Notification) -> (String, String, String) {
    let subject = title(notification);
    let lines = alert_lines(notification);
    let sent = notification.at.format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "{subject}\n\nRule: {}\n{}\n\nSent {sent} by Kitchen Pantry CRM.\n",
        notification.condition,
        lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"),
    );
    let items: String = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif\">\
         <h2 style=\"border-left: 6px solid {}; padding-left: 8px\">{}</h2>\
         <p>Rule: {}</p><ul>{items}</ul>\
         <p style=\"color: #666\">Sent {sent} by Kitchen Pantry CRM.</p></body></html>",
        colour(notification),
        escape(&subject),
        escape(&notification.condition),
    );
    (subject, text, html)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::alerting::AlertFigure;

    fn notification() -> Notification {
        Notification {
            rule_id: Uuid::nil(),
            rule_name: "Slow <responses>".into(),
            severity: Severity::Critical,
            notice: Notice::Firing,
            condition: "p95 latency above 1000 ms over 5 min".into(),
            alerts: vec![
                AlertFigure { labels: "/organizations".into(), value: Some(1_250.0), shown: Some("1250 ms".into()) },
                AlertFigure { labels: String::new(), value: None, shown: None },
            ],
            text: "text".into(),
            at: Utc.with_ymd_and_hms(2026, 12, 5, 9, 30, 0).unwrap(),
            test: false,
        }
    }

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn slack_gets_the_title_and_a_bar_in_the_severitys_colour() {
        let body = slack_body(&notification());
        assert_eq!(body["text"], "[CRITICAL] Slow <responses> firing");
        assert_eq!(body["attachments"][0]["color"], "#d00000");
        assert_eq!(body["attachments"][0]["text"], "• /organizations: 1250 ms\n• all requests: no data");
        let resolved = Notification { notice: Notice::Resolved, ..notification() };
        assert_eq!(slack_body(&resolved)["attachments"][0]["color"], "#2eb67d");
    }

    #[test]
    fn the_email_has_a_text_and_an_escaped_html_part() {
        let (subject, text, html) = email_parts(&Notification { test: true, ..notification() });
        assert_eq!(subject, "Test: [CRITICAL] Slow <responses> firing");
        assert!(text.contains("- /organizations: 1250 ms\n- all requests: no data"), "{text}");
        assert!(html.contains("Slow &lt;responses&gt;") && !html.contains("<responses>"), "{html}");
        assert!(html.contains("<li>/organizations: 1250 ms</li>"), "{html}");
    }

    #[test]
    fn the_environment_wins_over_the_page_channel_by_channel() {
        let environment = ChannelSettings {
            slack_webhook_url: Some("https://hooks.slack.com/services/ENV".into()),
            email_from: "alerts@example.test".into(),
            ..ChannelSettings::default()
        };
        let saved = SavedChannels {
            webhook: Some(WebhookSetup { url: "https://ops.example.test/in".into(), secret: Some("s".into()) }),
            slack: Some(SlackSetup { url: "https://hooks.slack.com/services/PAGE".into() }),
            email: Some(EmailSetup { smtp_url: "smtp://relay:25".into(), from: None, to: "ops@example.test".into() }),
        };
        let merged = environment.with_saved(&saved);
        assert_eq!(merged.slack_webhook_url.as_deref(), Some("https://hooks.slack.com/services/ENV"));
        assert_eq!(merged.webhook_url.as_deref(), Some("https://ops.example.test/in"));
        assert_eq!(merged.webhook_secret.as_deref(), Some("s"));
        assert_eq!(
            (merged.smtp_url.as_deref(), merged.email_to.as_deref()),
            (Some("smtp://relay:25"), Some("ops@example.test"))
        );
        assert_eq!(merged.email_from, "alerts@example.test", "the environment's sender when the page names none");
        assert!(environment.sets(Channel::Slack) && !environment.sets(Channel::Webhook));
        assert!(Channels::new(&merged).is_ok());
    }

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_setting_named() {
        let wrong = |settings: ChannelSettings| Channels::new(&settings).err().unwrap_or_default();
        let base = ChannelSettings { email_from: "alerts@example.test".into(), ..ChannelSettings::default() };
        assert!(Channels::new(&base).is_ok());
        let ftp = ChannelSettings { webhook_url: Some("ftp://example.test/x".into()), ..base.clone() };
        assert_eq!(wrong(ftp), "ALERT_WEBHOOK_URL must be an http:// or https:// address");
        let secret_alone = ChannelSettings { webhook_secret: Some("s".into()), ..base.clone() };
        assert_eq!(wrong(secret_alone), "ALERT_WEBHOOK_SECRET is set without ALERT_WEBHOOK_URL");
        let smtp_alone = ChannelSettings { smtp_url: Some("smtp://127.0.0.1:2525".into()), ..base.clone() };
        assert_eq!(wrong(smtp_alone), "SMTP_URL and ALERT_EMAIL_TO are set together, or neither");
        let bad_to = ChannelSettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            email_to: Some("ops@example.test, nobody".into()),
            ..base
        };
        assert!(wrong(bad_to).starts_with("ALERT_EMAIL_TO: “nobody” is not an address"));
    }
}
