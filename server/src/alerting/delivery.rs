//! The deliverer: sends the webhook, Slack and email notifications waiting in
//! `alert_deliveries`, each on its own task (a slow or failing channel holds up no other),
//! retrying a failed attempt with backoff and recording every attempt's outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use app::model::alert_rules::Channel;
use app::store::{Store, StoreError};

use super::Notification;
use super::channels::Channels;
use super::storage::{self, DueDelivery};

/// How often due deliveries are looked for when nothing wakes the deliverer.
pub const POLL: Duration = Duration::from_secs(2);
/// Waits before the 2nd, 3rd, 4th and 5th attempt (seconds); after the 5th, it has failed.
const RETRY_AFTER: [i64; 4] = [5, 30, 120, 600];
/// How long a claimed delivery is this deliverer's (an attempt takes at most 10 s).
const LEASE_SECONDS: i64 = 60;
/// The most deliveries attempted at once.
const BATCH: i64 = 50;

/// The wait before the next attempt after `attempts` failed ones, or `None`: give up.
pub fn retry_after(attempts: i64) -> Option<i64> {
    usize::try_from(attempts - 1).ok().and_then(|i| RETRY_AFTER.get(i).copied())
}

/// Attempts every delivery due at `now`; how many were attempted.
pub async fn deliver_due(store: &Store, channels: &Arc<Channels>, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let due = storage::due_deliveries(store, now.timestamp(), BATCH).await?;
    let mut attempts = JoinSet::new();
    for delivery in due {
        if !storage::claim_delivery(store, &delivery, now.timestamp() + LEASE_SECONDS).await? {
            continue;
        }
        let (store, channels) = (store.clone(), channels.clone());
        attempts.spawn(async move { attempt(&store, &channels, delivery, now).await });
    }
    let mut attempted = 0;
    while let Some(outcome) = attempts.join_next().await {
        attempted += 1;
        match outcome {
            Ok(Err(error)) => tracing::warn!(%error, "could not record an alert delivery"),
            Err(error) => tracing::error!(%error, "an alert delivery stopped"),
            Ok(Ok(())) => {}
        }
    }
    Ok(attempted)
}

async fn attempt(store: &Store, channels: &Channels, due: DueDelivery, now: DateTime<Utc>) -> Result<(), StoreError> {
    let attempts = due.attempts + 1;
    let sent = match (Channel::parse(&due.channel), notification(&due)) {
        (Some(channel), Ok(notification)) => channels.send(channel, &notification).await,
        (None, _) => Err(format!("unknown channel “{}”", due.channel)),
        (_, Err(error)) => Err(error),
    };
    match sent {
        Ok(answer) => storage::finish_attempt(store, due.id, "sent", attempts, &answer, None).await,
        Err(error) => {
            let retry = retry_after(attempts);
            let (status, detail) = match retry {
                Some(wait) => ("pending", format!("attempt {attempts} failed, next in {wait} s: {error}")),
                None => ("failed", format!("gave up after {attempts} attempts: {error}")),
            };
            tracing::warn!(channel = due.channel, attempts, "alert notification not delivered: {error}");
            let next = retry.map(|wait| now.timestamp() + wait);
            storage::finish_attempt(store, due.id, status, attempts, &detail, next).await
        }
    }
}

fn notification(due: &DueDelivery) -> Result<Notification, String> {
    let payload = due.payload.as_deref().ok_or("the notification was not kept")?;
    serde_json::from_str(payload).map_err(|e| format!("the notification cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_delivery_is_retried_four_times_further_apart_then_given_up() {
        let waits: Vec<Option<i64>> = (1..=6).map(retry_after).collect();
        assert_eq!(waits, [Some(5), Some(30), Some(120), Some(600), None, None]);
        assert_eq!(retry_after(0), None);
    }
}
