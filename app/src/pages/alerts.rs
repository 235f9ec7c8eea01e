//! `/alerts`: what needs attention now (acknowledge, resolve, silence for an hour), the
//! running silences, the rules (administrators enable, disable and test them), and what
//! happened and was sent, and the notification channels (administrators set up the webhook,
//! Slack and email). Managers and administrators; a lazy route. Every button is a
//! plain form, so it works without JavaScript too.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::alerts::{ALERTS_PAGE, ActOnAlert, SaveAlertChannel, get_alerts};
use crate::components::format::date_time;
use crate::components::{loaded, open_page_on_success};
use crate::error::AppError;
use crate::model::alert_channels::{ChannelLine, ChannelSource};
use crate::model::alert_overview::{AlertLine, AlertsOverview, DeliveryLine, EventLine, RuleLine};
use crate::model::alert_rules::Channel;
use crate::model::alerts::{AlertState, Severity, Silence};

pub struct AlertsPage {
    overview: PageData<AlertsOverview>,
}

#[lazy_route]
impl LazyRoute for AlertsPage {
    fn data() -> Self {
        AlertsPage { overview: page_data(|| (), |_| get_alerts()) }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.overview, |overview| view! { <Alerts overview/> }.into_any())
    }
}

#[component]
fn Alerts(overview: AlertsOverview) -> impl IntoView {
    let act = ServerAction::<ActOnAlert>::new();
    open_page_on_success(move || act.value().get());
    let error = move || act.value().get().and_then(Result::err);
    let save = ServerAction::<SaveAlertChannel>::new();
    open_page_on_success(move || save.value().get());
    let AlertsOverview { can_edit_rules, active, silences, rules, history, deliveries, channels, .. } =
        overview.clone();
    view! {
        <Title text="Alerts"/>
        <div class="page-header">
            <h1>"Alerts"</h1>
            <p class="muted">{month_summary(&overview)}</p>
        </div>
        {move || error().map(|e| view! { <div class="alert error" role="alert"><p>{e.to_string()}</p></div> })}
        <section class="card" aria-labelledby="alerts-now">
            <h2 id="alerts-now">"Needs attention"</h2>
            {if active.is_empty() {
                view! { <p class="muted">"Nothing is pending or firing."</p> }.into_any()
            } else {
                view! {
                    <ul class="alert-list">{active.into_iter().map(|a| alert_item(a, act, ALERTS_PAGE)).collect_view()}</ul>
                }.into_any()
            }}
        </section>
        {(!silences.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="alerts-silences">
                <h2 id="alerts-silences">"Silences"</h2>
                <ul class="alert-list">{silences.into_iter().map(|s| silence_item(s, act)).collect_view()}</ul>
            </section>
        })}
        <section class="card" aria-labelledby="alerts-rules">
            <h2 id="alerts-rules">"Rules"</h2>
            <div class="table-wrap">
                <table class="data-table rules">
                    <thead><tr>
                        <th scope="col">"Rule"</th><th scope="col">"Severity"</th>
                        <th scope="col">"Channels"</th><th scope="col">"Status"</th>
                    </tr></thead>
                    <tbody>{rules.into_iter().map(|r| rule_row(r, can_edit_rules, act)).collect_view()}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="alerts-channels">
            <h2 id="alerts-channels">"Notification channels"</h2>
            <p class="muted">"In-app (the badge and this page) and the server's log are always on."</p>
            {move || save.value().get().and_then(Result::err).map(|e| channel_error(&e))}
            <ul class="channel-list">
                {channels.into_iter().map(|c| channel_item(c, can_edit_rules, save)).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="alerts-history">
            <h2 id="alerts-history">"What happened"</h2>
            {if history.is_empty() {
                view! { <p class="muted">"No alert has changed state yet."</p> }.into_any()
            } else {
                view! { <ul class="event-list">{history.into_iter().map(event_item).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="alerts-sent">
            <h2 id="alerts-sent">"Notifications"</h2>
            {if deliveries.is_empty() {
                view! { <p class="muted">"Nothing sent yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table deliveries">
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Rule"</th><th scope="col">"Channel"</th>
                                <th scope="col">"Status"</th><th scope="col">"Detail"</th>
                            </tr></thead>
                            <tbody>{deliveries.into_iter().map(delivery_row).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// "4 alerts fired in the last 30 days (1 critical, 3 warning) · resolved in 12 min on average".
fn month_summary(overview: &AlertsOverview) -> String {
    if overview.fired == 0 {
        return "No alert fired in the last 30 days.".to_owned();
    }
    let by: Vec<String> = overview.fired_by_severity.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let mut text = format!(
        "{} fired in the last 30 days ({})",
        if overview.fired == 1 { "1 alert".to_owned() } else { format!("{} alerts", overview.fired) },
        by.join(", ")
    );
    if let Some(seconds) = overview.mean_time_to_resolve_seconds {
        text.push_str(&format!(" · resolved in {} on average", duration(seconds)));
    }
    text
}

fn duration(seconds: f64) -> String {
    match seconds.round() as i64 {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3_600.0),
    }
}

fn severity_tag(severity: Severity) -> AnyView {
    view! { <span class=format!("tag severity-{}", severity.code())>{severity.code()}</span> }.into_any()
}

fn state_text(state: &AlertState) -> String {
    match state {
        AlertState::Pending { since } => format!("Pending since {}", date_time(*since)),
        AlertState::Firing { since, acknowledged: Some(ack), .. } => {
            format!("Firing since {} · acknowledged by {} at {}", date_time(*since), ack.by, date_time(ack.at))
        }
        AlertState::Firing { since, notified_at: None, .. } => {
            format!("Firing since {} · silenced, not sent", date_time(*since))
        }
        AlertState::Firing { since, .. } => format!("Firing since {}", date_time(*since)),
        AlertState::Error { since, message } => format!("Cannot be evaluated since {}: {message}", date_time(*since)),
        AlertState::NoData { since } => format!("No data since {}", date_time(*since)),
        AlertState::Resolved { at } => format!("Resolved at {}", date_time(*at)),
        AlertState::Inactive => "Inactive".to_owned(),
    }
}

/// One button of the page: a form with the action's fields.
fn button(
    act: ServerAction<ActOnAlert>,
    back: &'static str,
    action: &'static str,
    id: String,
    labels: String,
    text: String,
    what: String,
) -> AnyView {
    let minutes = (action == "silence").then(|| view! { <input type="hidden" name="form[minutes]" value="60"/> });
    view! {
        <ActionForm action=act attr:class="inline-form">
            <input type="hidden" name="form[action]" value=action/>
            <input type="hidden" name="form[id]" value=id/>
            <input type="hidden" name="form[labels]" value=labels/>
            <input type="hidden" name="form[back]" value=back/>
            {minutes}
            <button type="submit" class="button small">{text}<span class="visually-hidden">{what}</span></button>
        </ActionForm>
    }
    .into_any()
}

/// An alert needing attention with its buttons, which return to `back` (this page or the dashboard).
pub(crate) fn alert_item(alert: AlertLine, act: ServerAction<ActOnAlert>, back: &'static str) -> AnyView {
    let place = if alert.labels.is_empty() { "all requests".to_owned() } else { alert.labels.clone() };
    let what = format!(" {} on {place}", alert.rule_name);
    let (id, labels) = (alert.rule_id.to_string(), alert.labels.clone());
    let firing_unacknowledged = matches!(alert.state, AlertState::Firing { acknowledged: None, .. });
    let acknowledge = firing_unacknowledged
        .then(|| button(act, back, "acknowledge", id.clone(), labels.clone(), "Acknowledge".into(), what.clone()));
    view! {
        <li class="alert-item" data-state=alert.state.kind()>
            <div>
                {severity_tag(alert.severity)}
                <strong>{alert.rule_name.clone()}</strong>
                <span class="muted">{format!(" · {place}")}</span>
            </div>
            <div>{alert.shown.clone().map(|v| format!("Now {v} · ")).unwrap_or_default()}{alert.condition.clone()}</div>
            <div class="muted">{state_text(&alert.state)}</div>
            <div class="button-row">
                {acknowledge}
                {button(act, back, "resolve", id.clone(), labels.clone(), "Resolve".into(), what.clone())}
                {button(act, back, "silence", id, labels, "Silence 1 h".into(), what)}
            </div>
        </li>
    }
    .into_any()
}

fn silence_item(silence: Silence, act: ServerAction<ActOnAlert>) -> AnyView {
    let matches = match (&silence.rule_id, &silence.labels) {
        (Some(_), Some(route)) => format!("one rule on {route}"),
        (Some(_), None) => "one rule, every route".to_owned(),
        (None, Some(route)) => format!("every rule on {route}"),
        (None, None) => "everything".to_owned(),
    };
    let comment = (!silence.comment.is_empty()).then(|| format!(" · “{}”", silence.comment));
    view! {
        <li class="alert-item">
            <div>{format!("Silenced: {matches}, until {}", date_time(silence.ends_at))}</div>
            <div class="muted">{format!("by {}", silence.created_by)}{comment}</div>
            <div class="button-row">
                {button(act, ALERTS_PAGE, "end-silence", silence.id.to_string(), String::new(), "End now".into(), format!(" the silence of {matches}"))}
            </div>
        </li>
    }
    .into_any()
}

fn rule_row(rule: RuleLine, can_edit: bool, act: ServerAction<ActOnAlert>) -> AnyView {
    let channels: Vec<&str> = rule.channels.iter().map(|c| c.code()).collect();
    let status = match (rule.enabled, rule.firing) {
        (false, _) => "Disabled".to_owned(),
        (true, 0) => "Enabled".to_owned(),
        (true, n) => format!("Enabled · {n} firing"),
    };
    let what = format!(" {}", rule.name);
    let id = rule.id.to_string();
    let buttons = can_edit.then(|| {
        let toggle = if rule.enabled { ("disable", "Disable") } else { ("enable", "Enable") };
        view! {
            <div class="button-row">
                {button(act, ALERTS_PAGE, toggle.0, id.clone(), String::new(), toggle.1.into(), what.clone())}
                {button(act, ALERTS_PAGE, "test", id.clone(), String::new(), "Send test".into(), what.clone())}
            </div>
        }
    });
    view! {
        <tr class:inactive=!rule.enabled>
            <th scope="row" data-label="Rule">
                <strong>{rule.name.clone()}</strong>
                <span class="sub">{rule.condition.clone()}</span>
            </th>
            <td data-label="Severity">{severity_tag(rule.severity)}</td>
            <td data-label="Channels">{channels.join(", ")}</td>
            <td data-label="Status"><span>{status}</span>{buttons}</td>
        </tr>
    }
    .into_any()
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Webhook => "Webhook",
        Channel::Slack => "Slack",
        Channel::Email => "Email",
        Channel::InApp => "In-app",
        Channel::Log => "Log",
    }
}

/// A refused channel form's message and each field's.
fn channel_error(error: &AppError) -> AnyView {
    let fields: Vec<String> = error.fields().into_values().collect();
    view! {
        <div class="alert error" role="alert">
            <p>{error.to_string()}</p>
            {(!fields.is_empty()).then(|| view! { <ul>{fields.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> })}
        </div>
    }
    .into_any()
}

/// One outbound channel: how it is set up and, for administrators, a form to set it up,
/// change it or turn it off (unless the server's environment sets it). Secrets are never
/// shown back: saving sets every field again.
fn channel_item(line: ChannelLine, can_edit: bool, save: ServerAction<SaveAlertChannel>) -> AnyView {
    let name = channel_name(line.channel);
    let code = line.channel.code();
    let status = match &line.source {
        ChannelSource::Environment => {
            format!("{} · set by the server's environment", line.target.clone().unwrap_or_default())
        }
        ChannelSource::Page { by, at } => {
            format!("{} · set up by {by} on {}", line.target.clone().unwrap_or_default(), date_time(*at))
        }
        ChannelSource::Off => "Off".to_owned(),
    };
    let on_page = matches!(line.source, ChannelSource::Page { .. });
    let editable = can_edit && line.source != ChannelSource::Environment;
    let id = |field: &str| format!("channel-{code}-{field}");
    let fields = match line.channel {
        Channel::Webhook => view! {
            <div class="field">
                <label for=id("address")>"Address"</label>
                <input id=id("address") type="url" name="form[address]" required placeholder="https://ops.example.com/hooks/crm"/>
            </div>
            <div class="field">
                <label for=id("secret")>"Signing secret (optional)"</label>
                <input id=id("secret") type="password" name="form[secret]" autocomplete="new-password"/>
            </div>
        }
        .into_any(),
        Channel::Slack => view! {
            <div class="field">
                <label for=id("address")>"Incoming webhook address"</label>
                <input id=id("address") type="url" name="form[address]" required placeholder="https://hooks.slack.com/services/…"/>
            </div>
        }
        .into_any(),
        _ => view! {
            <div class="field">
                <label for=id("address")>"Mail relay"</label>
                <input id=id("address") type="text" name="form[address]" required autocomplete="off"
                    placeholder="smtps://user:password@smtp.example.com:465"/>
            </div>
            <div class="field">
                <label for=id("from")>"From (optional)"</label>
                <input id=id("from") type="email" name="form[from]"/>
            </div>
            <div class="field">
                <label for=id("to")>"To (addresses, comma-separated)"</label>
                <input id=id("to") type="text" name="form[to]" required placeholder="ops@example.com"/>
            </div>
        }
        .into_any(),
    };
    let forms = editable.then(|| {
        let off = on_page.then(|| view! {
            <ActionForm action=save attr:class="inline-form">
                <input type="hidden" name="form[channel]" value=code/>
                <input type="hidden" name="form[action]" value="off"/>
                <button type="submit" class="button small">"Turn off"<span class="visually-hidden">{format!(" {name}")}</span></button>
            </ActionForm>
        });
        view! {
            <details class="channel-setup">
                <summary>{if on_page { "Change" } else { "Set up" }}<span class="visually-hidden">{format!(" {name}")}</span></summary>
                <ActionForm action=save attr:class="channel-form">
                    <input type="hidden" name="form[channel]" value=code/>
                    <input type="hidden" name="form[action]" value="save"/>
                    {fields}
                    <p class="muted">"Secrets are not shown again: saving sets every field."</p>
                    <div class="button-row"><button type="submit" class="button primary">"Save "{name}</button></div>
                </ActionForm>
            </details>
            {off}
        }
    });
    view! {
        <li class="channel-item" data-channel=code>
            <div><strong>{name}</strong>" "<span class="muted channel-status">{status}</span></div>
            {forms}
        </li>
    }
    .into_any()
}

pub(crate) fn event_item(event: EventLine) -> AnyView {
    let place = if event.labels.is_empty() { String::new() } else { format!(" · {}", event.labels) };
    view! {
        <li>
            <span class="muted">{date_time(event.at)}</span>" "
            <strong>{format!("{} {}", event.rule_name, event.kind.replace('_', " "))}</strong>
            <span class="muted">{place}</span>
            <div>{event.message}</div>
        </li>
    }
    .into_any()
}

fn delivery_row(delivery: DeliveryLine) -> AnyView {
    view! {
        <tr>
            <td data-label="When">{date_time(delivery.at)}<span class="sub">{delivery.notice}</span></td>
            <td data-label="Rule">
                {delivery.rule_name}
                {(!delivery.labels.is_empty()).then(|| view! { <span class="sub">{delivery.labels}</span> })}
            </td>
            <td data-label="Channel">{delivery.channel}</td>
            <td data-label="Status">{format!("{} ({}×)", delivery.status, delivery.attempts)}</td>
            <td data-label="Detail"><span class="delivery-detail">{delivery.detail}</span></td>
        </tr>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(
            (duration(42.0), duration(720.0), duration(9_000.0)),
            ("42 s".into(), "12 min".into(), "2.5 h".into())
        );
    }
}
