//! L2: Redis, shared by every instance (`REDIS_URL`). Values are JSON under
//! `{prefix}:cache:{generation}:{key}` with the same TTL as L1.
//!
//! Invalidation: a write increments the shared generation (so every L2 entry written
//! before it is out of reach at once, even one a slower instance stores late) and
//! publishes what changed on `{prefix}:cache:changes`; every instance listens and drops
//! the same entries from its memory. Keeping L2 coarse this way makes it race-free; L1,
//! where almost every hit is served, stays precise.
//!
//! Redis is a help, never a need: every operation has a short timeout, a failure turns it
//! off for a moment (requests go on with L1 and the database), and the status says why for
//! `/health`. A write made while Redis is away bumps the generation once it is back, and
//! an instance that lost its subscription forgets its memory when it resubscribes (it may
//! have missed changes meanwhile).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{CacheKey, Change};

/// After a failure, Redis is left alone this long.
const BACK_OFF: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCacheSettings {
    pub url: String,
    /// Namespaces the keys and the channel (several installations, or test runs, on one Redis).
    pub prefix: String,
    pub ttl: Duration,
    /// For each Redis operation, connecting included.
    pub timeout: Duration,
}

/// How the shared cache is doing, for `/health` and the statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedStatus {
    pub reachable: bool,
    /// Why it is not, when it is not.
    pub error: Option<String>,
    pub generation: u64,
    pub listening: bool,
}

/// A change as published to the other instances.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    origin: String,
    generation: u64,
    change: Change,
}

/// Told about changes other instances announce; `None` asks whether it still wants to be
/// told (it returns `false` once its cache is gone).
pub type ChangeListener = Arc<dyn Fn(Option<&Change>) -> bool + Send + Sync>;

#[derive(Clone)]
pub struct SharedCache(Arc<Inner>);

struct Inner {
    client: redis::Client,
    connection: ConnectionManager,
    settings: SharedCacheSettings,
    /// Tells this instance's announcements from the others'.
    instance: String,
    generation: AtomicU64,
    /// Milliseconds since `epoch` before which Redis is left alone.
    quiet_until: AtomicI64,
    epoch: Instant,
    /// A change could not be announced: bump the generation first thing once Redis is back.
    bump_owed: AtomicBool,
    listening: AtomicBool,
    error: Mutex<Option<String>>,
}

impl std::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCache").field("prefix", &self.0.settings.prefix).finish_non_exhaustive()
    }
}

impl SharedCache {
    /// Prepares the connection (made on first use, so the app starts without Redis).
    pub fn new(settings: SharedCacheSettings) -> Result<SharedCache, String> {
        let client = redis::Client::open(settings.url.as_str())
            .map_err(|e| format!("REDIS_URL is not a valid Redis URL: {e}"))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let connection = client
            .get_connection_manager_lazy(config)
            .map_err(|e| format!("cannot prepare the Redis connection: {e}"))?;
        Ok(SharedCache(Arc::new(Inner {
            client,
            connection,
            settings,
            instance: uuid::Uuid::new_v4().simple().to_string(),
            generation: AtomicU64::new(0),
            quiet_until: AtomicI64::new(0),
            epoch: Instant::now(),
            bump_owed: AtomicBool::new(false),
            listening: AtomicBool::new(false),
            error: Mutex::new(None),
        })))
    }

    fn generation_key(&self) -> String {
        format!("{}:cache:generation", self.0.settings.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:cache:changes", self.0.settings.prefix)
    }

    /// The shared generation as this instance knows it now.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    fn value_key(&self, generation: u64, key: &CacheKey) -> String {
        format!("{}:cache:{generation}:{}", self.0.settings.prefix, key.as_str())
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.0.epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    fn quiet(&self) -> bool {
        self.now_ms() < self.0.quiet_until.load(Ordering::Relaxed)
    }

    fn failed(&self, what: &str, error: impl std::fmt::Display) {
        let message = format!("{what}: {error}");
        let mut last = self.0.error.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_deref() != Some(message.as_str()) {
            tracing::warn!(error = %message, "shared cache (Redis) unavailable; serving from memory and the database");
        }
        *last = Some(message);
        self.0.quiet_until.store(self.now_ms() + BACK_OFF.as_millis() as i64, Ordering::Relaxed);
        metrics::counter!("cache_shared_errors_total").increment(1);
    }

    fn succeeded(&self) {
        let mut last = self.0.error.lock().unwrap_or_else(|p| p.into_inner());
        if last.take().is_some() {
            tracing::info!("shared cache (Redis) reachable again");
        }
    }

    /// Runs one command with the timeout; failures are remembered and reported as `None`.
    async fn run<T: redis::FromRedisValue>(&self, what: &str, command: &redis::Cmd) -> Option<T> {
        let mut connection = self.0.connection.clone();
        match tokio::time::timeout(self.0.settings.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(error)) => {
                self.failed(what, error);
                None
            }
            Err(_) => {
                self.failed(what, format!("no answer within {} ms", self.0.settings.timeout.as_millis()));
                None
            }
        }
    }

    /// The value under `key`, if Redis has it and answers in time.
    pub async fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<T> {
        if self.quiet() || !self.settle_owed_bump().await {
            return None;
        }
        let bytes: Option<Vec<u8>> =
            self.run("reading", redis::cmd("GET").arg(self.value_key(self.generation(), key))).await?;
        serde_json::from_slice(&bytes?).ok()
    }

    /// Stores `value`, read while the shared generation was `generation`, in the background
    /// (the request does not wait for Redis).
    pub fn put<T: Serialize>(&self, generation: u64, key: &CacheKey, value: &T) {
        if self.quiet() {
            return;
        }
        let Ok(bytes) = serde_json::to_vec(value) else { return };
        let (this, key) = (self.clone(), self.value_key(generation, key));
        let ttl = self.0.settings.ttl.as_secs().max(1);
        tokio::spawn(async move {
            let _: Option<()> = this.run("storing", redis::cmd("SET").arg(key).arg(bytes).arg("EX").arg(ttl)).await;
        });
    }

    /// Moves every instance past `change`: a new generation, and the change published.
    pub async fn announce(&self, change: &Change) {
        match self.bump().await {
            Some(generation) => self.publish(generation, change).await,
            None => self.0.bump_owed.store(true, Ordering::Release),
        }
    }

    async fn publish(&self, generation: u64, change: &Change) {
        let announcement = Announcement { origin: self.0.instance.clone(), generation, change: change.clone() };
        let payload = serde_json::to_string(&announcement).unwrap_or_default();
        let _: Option<i64> =
            self.run("announcing a change", redis::cmd("PUBLISH").arg(self.channel()).arg(payload)).await;
    }

    async fn bump(&self) -> Option<u64> {
        let generation: u64 =
            self.run("moving to a new generation", redis::cmd("INCR").arg(self.generation_key())).await?;
        self.0.generation.fetch_max(generation, Ordering::AcqRel);
        Some(generation)
    }

    /// Pays a bump owed from a change made while Redis was away; `false` while it cannot.
    async fn settle_owed_bump(&self) -> bool {
        if !self.0.bump_owed.load(Ordering::Acquire) {
            return true;
        }
        let Some(generation) = self.bump().await else { return false };
        self.0.bump_owed.store(false, Ordering::Release);
        // The other instances missed the change too.
        self.publish(generation, &Change::everything()).await;
        true
    }

    /// Answers a PING in time? For `/health`: the round trip, or why not.
    pub async fn check(&self) -> Result<Duration, String> {
        let started = Instant::now();
        match self.run::<String>("answering a ping", &redis::cmd("PING")).await {
            Some(_) => Ok(started.elapsed()),
            None => Err(self.status().error.unwrap_or_else(|| "no answer".to_owned())),
        }
    }

    pub fn status(&self) -> SharedStatus {
        let error = self.0.error.lock().unwrap_or_else(|p| p.into_inner()).clone();
        SharedStatus {
            reachable: error.is_none(),
            error,
            generation: self.0.generation.load(Ordering::Acquire),
            listening: self.0.listening.load(Ordering::Acquire),
        }
    }

    /// Listens for the changes other instances announce, resubscribing after a loss, until
    /// `listener` says its cache is gone.
    pub fn listen(&self, listener: ChangeListener) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut subscribed_before = false;
            while listener(None) {
                match this.subscribe().await {
                    Ok(mut pubsub) => {
                        if let Some(generation) = this
                            .run::<Option<u64>>("reading the generation", redis::cmd("GET").arg(this.generation_key()))
                            .await
                        {
                            this.0.generation.fetch_max(generation.unwrap_or(0), Ordering::AcqRel);
                        }
                        // Changes announced while we were not listening were missed.
                        if subscribed_before && !listener(Some(&Change::everything())) {
                            return;
                        }
                        subscribed_before = true;
                        this.0.listening.store(true, Ordering::Release);
                        let mut messages = pubsub.on_message();
                        while let Some(message) = messages.next().await {
                            let Ok(payload) = message.get_payload::<String>() else { continue };
                            let Ok(announcement) = serde_json::from_str::<Announcement>(&payload) else {
                                tracing::warn!("ignored an unreadable cache announcement");
                                continue;
                            };
                            this.0.generation.fetch_max(announcement.generation, Ordering::AcqRel);
                            if announcement.origin != this.0.instance && !listener(Some(&announcement.change)) {
                                return;
                            }
                        }
                        this.0.listening.store(false, Ordering::Release);
                        this.failed("listening for changes", "the subscription ended");
                    }
                    Err(error) => this.failed("subscribing to changes", error),
                }
                tokio::time::sleep(BACK_OFF).await;
            }
        });
    }

    async fn subscribe(&self) -> Result<redis::aio::PubSub, String> {
        let connect = async {
            let mut pubsub = self.0.client.get_async_pubsub().await?;
            pubsub.subscribe(self.channel()).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        match tokio::time::timeout(self.0.settings.timeout, connect).await {
            Ok(Ok(pubsub)) => Ok(pubsub),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {} ms", self.0.settings.timeout.as_millis())),
        }
    }
}
