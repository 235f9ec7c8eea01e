//! The outbound alert channels (webhook, Slack, email) as administrators set them up on the
//! alerts page, beside the server's environment variables, which win where they are set.
//! Pure: the saved value, the form that changes it, and how a channel is shown without its
//! secrets.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert_rules::Channel;
use super::validate::{Checker, FieldErrors, normalize_email};

/// What the alerts page saved, kept as one JSON value; `None`: that channel is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedChannels {
    #[serde(default)]
    pub webhook: Option<WebhookSetup>,
    #[serde(default)]
    pub slack: Option<SlackSetup>,
    #[serde(default)]
    pub email: Option<EmailSetup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSetup {
    pub url: String,
    /// Signs each post (HMAC-SHA256) when set.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackSetup {
    /// The incoming webhook's address, which is its secret too.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSetup {
    /// `smtp://` or `smtps://`, with the relay's user and password when it needs them.
    pub smtp_url: String,
    /// The sender; the server's `ALERT_EMAIL_FROM` when `None`.
    pub from: Option<String>,
    /// Addresses, comma-separated.
    pub to: String,
}

/// Where an outbound channel's settings come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSource {
    /// The server's environment; changed there, not on the page.
    Environment,
    /// Saved on the alerts page.
    Page {
        by: String,
        at: DateTime<Utc>,
    },
    Off,
}

/// One outbound channel as the alerts page shows it: never a secret, nor a webhook's path
/// (for Slack the path is the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelLine {
    pub channel: Channel,
    pub source: ChannelSource,
    /// "posts to hooks.example.com, signed", "mails ops@example.com via smtp.example.com:587".
    pub target: Option<String>,
}

impl SavedChannels {
    /// Where `channel` goes, in words without secrets; `None` when it is off.
    pub fn target(&self, channel: Channel) -> Option<String> {
        match channel {
            Channel::Webhook => self.webhook.as_ref().map(|w| {
                let signed = if w.secret.is_some() { ", signed" } else { "" };
                format!("posts to {}{signed}", host_of(&w.url))
            }),
            Channel::Slack => self.slack.as_ref().map(|s| format!("posts to {}", host_of(&s.url))),
            Channel::Email => self.email.as_ref().map(|e| format!("mails {} via {}", e.to, host_of(&e.smtp_url))),
            Channel::InApp | Channel::Log => None,
        }
    }
}

/// The host (and port) of an address: no scheme, user, password, path or query.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_owned()
}

/// The form of one channel on the alerts page (and the body of `PUT /api/v1/alert-channels/{channel}`).
/// Secrets are never shown back, so saving a channel sets all of its fields again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelForm {
    pub channel: String,
    /// "save", or "off" to turn the channel off.
    #[serde(default)]
    pub action: String,
    /// The webhook's, Slack's or the mail relay's address.
    #[serde(default)]
    pub address: String,
    /// The webhook's signing secret (optional).
    #[serde(default)]
    pub secret: String,
    /// Email only: the sender (optional) and the recipients.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl ChannelForm {
    /// The outbound channel the form is for.
    pub fn channel(&self) -> Result<Channel, FieldErrors> {
        Channel::parse(&self.channel).filter(|c| c.is_outbound()).ok_or_else(|| {
            let message = "Only the webhook, Slack and email channels are set up here.";
            FieldErrors::from([("channel".to_owned(), message.to_owned())])
        })
    }

    /// `saved` with this form's change, or what is wrong with each field.
    pub fn apply(&self, saved: &SavedChannels) -> Result<SavedChannels, FieldErrors> {
        let channel = self.channel()?;
        let mut next = saved.clone();
        if self.action.trim() == "off" {
            match channel {
                Channel::Webhook => next.webhook = None,
                Channel::Slack => next.slack = None,
                _ => next.email = None,
            }
            return Ok(next);
        }
        let mut check = Checker::new();
        let address = self.address.trim().to_owned();
        match channel {
            Channel::Webhook => {
                web_address(&mut check, &address);
                let secret = Some(self.secret.trim().to_owned()).filter(|s| !s.is_empty());
                next.webhook = Some(WebhookSetup { url: address, secret });
            }
            Channel::Slack => {
                web_address(&mut check, &address);
                next.slack = Some(SlackSetup { url: address });
            }
            _ => {
                if !(address.starts_with("smtp://") || address.starts_with("smtps://")) || host_of(&address).is_empty()
                {
                    check.fail("address", "Give the mail relay as smtp://host:port or smtps://user:password@host.");
                }
                let from = check.optional_email("from", Some(&self.from));
                let to = recipients(&mut check, &self.to);
                next.email = Some(EmailSetup { smtp_url: address, from, to });
            }
        }
        check.finish(next)
    }
}

fn web_address(check: &mut Checker, address: &str) {
    let web = address.starts_with("https://") || address.starts_with("http://");
    if !web || host_of(address).is_empty() || address.chars().any(char::is_whitespace) {
        check.fail("address", "Give an http:// or https:// address.");
    }
}

/// The recipients, checked and joined with ", ".
fn recipients(check: &mut Checker, to: &str) -> String {
    let addresses: Vec<&str> = to.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
    if addresses.is_empty() {
        check.fail("to", "Give at least one address to send alerts to.");
    }
    let mut normalized = Vec::new();
    for address in addresses {
        match normalize_email(address) {
            Ok(address) => normalized.push(address),
            Err(_) => check.fail("to", format!("“{address}” is not an email address.")),
        }
    }
    normalized.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(channel: &str, address: &str) -> ChannelForm {
        ChannelForm {
            channel: channel.into(),
            action: "save".into(),
            address: address.into(),
            ..ChannelForm::default()
        }
    }

    #[test]
    fn a_channel_is_shown_by_its_host_only() {
        let saved = SavedChannels {
            webhook: Some(WebhookSetup {
                url: "https://ops.example.test/hooks/kp?token=t".into(),
                secret: Some("s".into()),
            }),
            slack: Some(SlackSetup { url: "https://hooks.slack.com/services/T0/B0/XYZ".into() }),
            email: Some(EmailSetup {
                smtp_url: "smtps://user:pa%40ss@smtp.example.test:465".into(),
                from: None,
                to: "ops@example.test".into(),
            }),
        };
        assert_eq!(saved.target(Channel::Webhook).as_deref(), Some("posts to ops.example.test, signed"));
        assert_eq!(saved.target(Channel::Slack).as_deref(), Some("posts to hooks.slack.com"));
        assert_eq!(saved.target(Channel::Email).as_deref(), Some("mails ops@example.test via smtp.example.test:465"));
        assert_eq!(SavedChannels::default().target(Channel::Slack), None);
    }

    #[test]
    fn saving_a_channel_replaces_it_and_leaves_the_others() {
        let slack = form("slack", " https://hooks.slack.com/services/T0/B0/XYZ ").apply(&SavedChannels::default());
        let slack = slack.expect("valid");
        let webhook = ChannelForm { secret: "  ".into(), ..form("webhook", "http://127.0.0.1:9/in") };
        let both = webhook.apply(&slack).expect("valid");
        assert_eq!(both.slack, slack.slack);
        assert_eq!(both.webhook, Some(WebhookSetup { url: "http://127.0.0.1:9/in".into(), secret: None }));
        let off = ChannelForm { action: "off".into(), ..form("slack", "") }.apply(&both).expect("off");
        assert_eq!((off.slack, off.webhook), (None, both.webhook));
    }

    #[test]
    fn bad_fields_are_refused_each_with_its_message() {
        let refused = |f: ChannelForm| f.apply(&SavedChannels::default()).err().unwrap_or_default();
        assert_eq!(refused(form("slack", "hooks.slack.com/x"))["address"], "Give an http:// or https:// address.");
        assert_eq!(refused(form("webhook", "https://"))["address"], "Give an http:// or https:// address.");
        let mail = ChannelForm { to: "ops@example.test, nobody".into(), ..form("email", "http://smtp.example.test") };
        let errors = refused(mail);
        assert!(errors["address"].starts_with("Give the mail relay as smtp://"), "{errors:?}");
        assert_eq!(errors["to"], "“nobody” is not an email address.");
        assert_eq!(refused(form("email", "smtp://relay:25"))["to"], "Give at least one address to send alerts to.");
        assert!(refused(form("log", "x")).contains_key("channel"));
    }

    #[test]
    fn recipients_are_normalized() {
        let mail = ChannelForm { to: " Ops@Example.test ,, b@example.test".into(), ..form("email", "smtp://relay:25") };
        let saved = mail.apply(&SavedChannels::default()).expect("valid");
        assert_eq!(saved.email.map(|e| e.to), Some("ops@example.test, b@example.test".to_owned()));
    }
}
