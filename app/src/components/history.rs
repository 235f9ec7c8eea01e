//! A record's history as its page shows it: who changed what, from what to what.

use leptos::prelude::*;
use serde_json::Value;

use super::format::date_time;
use crate::model::AuditEntry;

/// A stored value as a person reads it.
pub fn readable_value(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items.iter().map(readable_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `follow_up_on` → "Follow up on".
pub fn field_label(field: &str) -> String {
    let text = field.trim_end_matches("_id").trim_end_matches("_cents").replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The newest `limit` changes, newest first.
#[component]
pub fn History(entries: Vec<AuditEntry>, #[prop(default = 30)] limit: usize) -> impl IntoView {
    let more = entries.len().saturating_sub(limit);
    if entries.is_empty() {
        return view! { <p class="empty">"No changes recorded yet."</p> }.into_any();
    }
    view! {
        <ol class="history">
            {entries.into_iter().take(limit).map(|entry| {
                let who = entry.user_name.clone().unwrap_or_else(|| "The system".to_owned());
                let changes: Vec<(String, String, String)> = entry
                    .changes
                    .iter()
                    .map(|(field, pair)| {
                        (field_label(field), readable_value(&pair["old"]), readable_value(&pair["new"]))
                    })
                    .collect();
                view! {
                    <li>
                        <p class="history-head">
                            <strong>{entry.action.label()}</strong>" by "{who}" · "
                            <time datetime=entry.at.to_rfc3339()>{date_time(entry.at)}</time>
                        </p>
                        <ul class="history-changes">
                            {changes.into_iter().map(|(field, old, new)| view! {
                                <li><span class="field-name">{field}</span>": "<del>{old}</del>" → "<ins>{new}</ins></li>
                            }).collect_view()}
                        </ul>
                    </li>
                }
            }).collect_view()}
        </ol>
        {(more > 0).then(|| view! { <p class="muted">{format!("{more} older changes not shown.")}</p> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_fields_read_as_words() {
        assert_eq!(readable_value(&json!(null)), "—");
        assert_eq!(readable_value(&json!(true)), "yes");
        assert_eq!(readable_value(&json!("Visit")), "Visit");
        assert_eq!(readable_value(&json!(["a", "b"])), "a, b");
        assert_eq!(readable_value(&json!(42)), "42");
        assert_eq!(field_label("follow_up_on"), "Follow up on");
        assert_eq!(field_label("assigned_user_id"), "Assigned user");
        assert_eq!(field_label("annual_revenue_cents"), "Annual revenue");
    }
}
