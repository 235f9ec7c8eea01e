//! The read cache. L1 is in-process (`moka`): the hot reads — organization list pages (the
//! list, its total and the counts per priority: the costliest read of the app), single
//! organizations, contact lists and contact counts (the home page's numbers), and the
//! dashboard's and reports' figures (aggregates over every interaction of the period). L2
//! ([`shared`]) is Redis, when configured, shared by every instance.
//!
//! Keys are `kind|scope|…`: a list or a count is scoped by what its user may see (`all`,
//! or the rep's id), so a rep never gets a page cached for someone who sees more. Single
//! records are `kind|id`, unscoped: the store's callers check who may see them.
//!
//! Writes invalidate precisely ([`Change`]): the changed records, and the scoped entries of
//! the scopes that can see them (everyone's, and the assigned reps'). A generation number
//! makes that safe against a read that was under way during a change: what was read before
//! the change is not stored after it. Misses of one key at the same time share one read
//! ([`flights`]).

mod flights;
pub mod shared;

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::notification::RemovalCause;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use flights::{Flights, Landed, Role};
pub use shared::{SharedCache, SharedCacheSettings, SharedStatus};

/// What the cache holds, each kind with its own statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    OrganizationLists,
    Organizations,
    ContactLists,
    ContactCounts,
    Figures,
}

impl Kind {
    pub const ALL: [Kind; 5] =
        [Kind::OrganizationLists, Kind::Organizations, Kind::ContactLists, Kind::ContactCounts, Kind::Figures];

    /// Its name in keys, metrics and statistics.
    pub fn name(self) -> &'static str {
        match self {
            Kind::OrganizationLists => "organization_lists",
            Kind::Organizations => "organizations",
            Kind::ContactLists => "contact_lists",
            Kind::ContactCounts => "contact_counts",
            Kind::Figures => "figures",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn of_key(key: &str) -> Option<Kind> {
        let name = key.split('|').next()?;
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A cache key: `kind|scope|what` for scoped reads, `kind|id` for single records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    kind: Kind,
    text: String,
}

impl CacheKey {
    /// A read whose result depends on who reads it: `visible_to` is the reader's scope
    /// (`None`: everything), `what` everything else that shapes it.
    pub fn scoped(kind: Kind, visible_to: Option<Uuid>, what: &impl Serialize) -> CacheKey {
        let what = serde_json::to_string(what).unwrap_or_default();
        CacheKey { kind, text: format!("{}|{}|{what}", kind.name(), scope_name(visible_to)) }
    }

    /// One record by id.
    pub fn record(kind: Kind, id: Uuid) -> CacheKey {
        CacheKey { kind, text: format!("{}|{id}", kind.name()) }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn scope_name(visible_to: Option<Uuid>) -> String {
    visible_to.map_or_else(|| "all".to_owned(), |user| user.to_string())
}

/// The scope of a scoped key (`None` for single records).
fn scope_of(key: &str) -> Option<&str> {
    let mut parts = key.splitn(3, '|');
    let _kind = parts.next()?;
    let scope = parts.next()?;
    parts.next().map(|_| scope)
}

/// What a committed write makes stale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// Scoped entries of these scopes (`None`: everyone's) and these single records (keys).
    Records { scopes: Vec<Option<Uuid>>, records: Vec<String> },
    /// Every entry whose key starts with this (all of them for an empty prefix).
    Prefix(String),
}

impl Change {
    /// A change to organizations or what is under them (contacts) assigned to `assignees`:
    /// everyone's view and those reps' views, plus the organizations' own entries.
    pub fn organizations(assignees: &[Option<Uuid>], organizations: &[Uuid]) -> Change {
        let mut scopes = vec![None];
        scopes.extend(assignees.iter().flatten().map(|user| Some(*user)));
        scopes.dedup();
        let records = organizations.iter().map(|id| CacheKey::record(Kind::Organizations, *id).text).collect();
        Change::Records { scopes, records }
    }

    pub fn everything() -> Change {
        Change::Prefix(String::new())
    }

    /// Does this change make the entry under `key` stale?
    pub fn affects(&self, key: &str) -> bool {
        match self {
            Change::Prefix(prefix) => key.starts_with(prefix.as_str()),
            Change::Records { scopes, records } => match scope_of(key) {
                Some(scope) => scopes.iter().any(|s| scope_name(*s) == scope),
                None => records.iter().any(|record| record == key),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub ttl: Duration,
    pub max_entries: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings { ttl: Duration::from_secs(30), max_entries: 10_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheStats {
    pub name: &'static str,
    pub entries: u64,
    /// Lookups answered by this instance's memory.
    pub hits: u64,
    /// Lookups answered by the shared cache (Redis) after missing in memory.
    pub shared_hits: u64,
    /// Lookups that missed and waited for the same read already under way instead of
    /// reading again.
    pub joined: u64,
    /// Lookups that went to the database.
    pub misses: u64,
    /// Entries pushed out by the size bound or expired by the TTL.
    pub evictions: u64,
    /// Lookups answered without a read of their own (either cache, or a joined read) over all
    /// lookups since start (`None` before the first).
    pub hit_ratio: Option<f64>,
    pub ttl_seconds: u64,
    pub max_entries: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    shared_hits: AtomicU64,
    joined: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

type Value = Arc<dyn Any + Send + Sync>;

type Counts = [Counters; Kind::ALL.len()];

/// The in-process part, which the shared cache's listener reaches by a weak reference.
struct Local {
    entries: moka::sync::Cache<String, Value>,
    generation: AtomicU64,
    flights: Flights,
    /// Shared with the eviction listener.
    counters: Arc<Counts>,
}

fn count(counters: &Counts, kind: Kind, pick: impl Fn(&Counters) -> &AtomicU64) {
    pick(&counters[kind.index()]).fetch_add(1, Ordering::Relaxed);
}

impl Local {
    fn forget(&self, change: &Change) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        match change {
            Change::Prefix(prefix) if prefix.is_empty() => self.entries.invalidate_all(),
            _ => {
                let change = change.clone();
                // Applies to entries present now, not to those stored afterwards.
                if self.entries.invalidate_entries_if(move |key, _| change.affects(key)).is_err() {
                    self.entries.invalidate_all();
                }
            }
        }
    }
}

#[derive(Clone)]
pub struct ReadCache {
    local: Arc<Local>,
    shared: Option<SharedCache>,
    settings: CacheSettings,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// A ticket for storing what was read: the generations the read started in. Memory takes
/// the value only if nothing changed meanwhile; Redis files it under the shared generation
/// of the start, which a change in between has already left behind.
pub struct Ticket {
    local: u64,
    shared: u64,
}

impl ReadCache {
    pub fn new(settings: CacheSettings) -> Self {
        let counters: Arc<Counts> = Arc::new(std::array::from_fn(|_| Counters::default()));
        let evictions = Arc::clone(&counters);
        let entries = moka::sync::Cache::builder()
            .max_capacity(settings.max_entries)
            .time_to_live(settings.ttl)
            .support_invalidation_closures()
            .eviction_listener(move |key: Arc<String>, _value, cause| {
                if !matches!(cause, RemovalCause::Size | RemovalCause::Expired) {
                    return;
                }
                let Some(kind) = Kind::of_key(&key) else { return };
                metrics::counter!("cache_evictions_total", "cache" => kind.name()).increment(1);
                count(&evictions, kind, |c| &c.evictions);
            })
            .build();
        let local = Arc::new(Local { entries, generation: AtomicU64::new(0), flights: Flights::default(), counters });
        ReadCache { local, shared: None, settings }
    }

    /// Adds the shared cache (Redis) behind this one, and starts listening for the changes
    /// other instances announce.
    pub fn with_shared(mut self, shared: SharedCache) -> Self {
        let local = Arc::downgrade(&self.local);
        shared.listen(Arc::new(move |change: Option<&Change>| match local.upgrade() {
            Some(local) => {
                if let Some(change) = change {
                    local.forget(change);
                }
                true
            }
            None => false,
        }));
        self.shared = Some(shared);
        self
    }

    pub fn shared(&self) -> Option<&SharedCache> {
        self.shared.as_ref()
    }

    /// The cached value under `key` (from memory, else from the shared cache, which is then
    /// kept in memory too), or a ticket to read it with [`ReadCache::read_once`].
    pub async fn get<T>(&self, key: &CacheKey) -> Result<T, Ticket>
    where
        T: Clone + Send + Sync + DeserializeOwned + 'static,
    {
        // Taken before the lookup: a change from here on makes the ticket worthless.
        let ticket = Ticket {
            local: self.local.generation.load(Ordering::Acquire),
            shared: self.shared.as_ref().map_or(0, SharedCache::generation),
        };
        let kind = key.kind();
        if let Some(value) = self.local.entries.get(key.as_str()).and_then(|v| v.downcast_ref::<T>().cloned()) {
            count(&self.local.counters, kind, |c| &c.hits);
            metrics::counter!("cache_hits_total", "cache" => kind.name(), "layer" => "memory").increment(1);
            return Ok(value);
        }
        if let Some(shared) = &self.shared
            && let Some(value) = shared.get::<T>(key).await
        {
            count(&self.local.counters, kind, |c| &c.shared_hits);
            metrics::counter!("cache_hits_total", "cache" => kind.name(), "layer" => "shared").increment(1);
            self.keep_local(&ticket, key, &value);
            return Ok(value);
        }
        Err(ticket)
    }

    /// After a miss: `read`s and keeps the value, or waits for the same read already under
    /// way (started in the ticket's generation) and takes its value.
    pub async fn read_once<T, E, F>(&self, ticket: Ticket, key: &CacheKey, read: impl FnOnce() -> F) -> Result<T, E>
    where
        T: Clone + Send + Sync + Serialize + 'static,
        F: std::future::Future<Output = Result<T, E>>,
    {
        let kind = key.kind();
        let lead = loop {
            match self.local.flights.join(key.as_str(), ticket.local) {
                Role::Lead(lead) => break Some(lead),
                Role::Follow(follow) => match follow.landed().await {
                    Landed::Read(value) => match value.downcast_ref::<T>() {
                        Some(value) => {
                            count(&self.local.counters, kind, |c| &c.joined);
                            metrics::counter!("cache_hits_total", "cache" => kind.name(), "layer" => "joined")
                                .increment(1);
                            return Ok(value.clone());
                        }
                        None => break None,
                    },
                    Landed::Failed => break None,
                    Landed::Abandoned => continue,
                },
            }
        };
        count(&self.local.counters, kind, |c| &c.misses);
        metrics::counter!("cache_misses_total", "cache" => kind.name()).increment(1);
        let read = read().await;
        if let Some(lead) = lead {
            lead.land(read.as_ref().ok().map(|value| Arc::new(value.clone()) as Value));
        }
        if let Ok(value) = &read {
            self.put(ticket, key, value);
        }
        read
    }

    /// Stores what was read under `ticket`, unless something changed since.
    fn put<T>(&self, ticket: Ticket, key: &CacheKey, value: &T)
    where
        T: Clone + Send + Sync + Serialize + 'static,
    {
        if self.keep_local(&ticket, key, value)
            && let Some(shared) = &self.shared
        {
            shared.put(ticket.shared, key, value);
        }
    }

    fn keep_local<T: Clone + Send + Sync + 'static>(&self, ticket: &Ticket, key: &CacheKey, value: &T) -> bool {
        if self.local.generation.load(Ordering::Acquire) != ticket.local {
            return false;
        }
        self.local.entries.insert(key.as_str().to_owned(), Arc::new(value.clone()));
        true
    }

    /// A write was committed: forget what it made stale, here and (through the shared
    /// cache) on every other instance.
    pub async fn changed(&self, change: Change) {
        self.local.forget(&change);
        if let Some(shared) = &self.shared {
            shared.announce(&change).await;
        }
    }

    pub fn stats(&self) -> Vec<CacheStats> {
        self.local.entries.run_pending_tasks();
        let mut entries = [0_u64; Kind::ALL.len()];
        for (key, _) in self.local.entries.iter() {
            if let Some(kind) = Kind::of_key(&key) {
                entries[kind.index()] += 1;
            }
        }
        Kind::ALL
            .into_iter()
            .map(|kind| {
                let counters = &self.local.counters[kind.index()];
                let hits = counters.hits.load(Ordering::Relaxed);
                let shared_hits = counters.shared_hits.load(Ordering::Relaxed);
                let joined = counters.joined.load(Ordering::Relaxed);
                let misses = counters.misses.load(Ordering::Relaxed);
                let answered = hits + shared_hits + joined;
                let lookups = answered + misses;
                CacheStats {
                    name: kind.name(),
                    entries: entries[kind.index()],
                    hits,
                    shared_hits,
                    joined,
                    misses,
                    evictions: counters.evictions.load(Ordering::Relaxed),
                    hit_ratio: (lookups > 0).then(|| answered as f64 / lookups as f64),
                    ttl_seconds: self.settings.ttl.as_secs(),
                    max_entries: self.settings.max_entries,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_key(visible_to: Option<Uuid>, page: u32) -> CacheKey {
        CacheKey::scoped(Kind::OrganizationLists, visible_to, &page)
    }

    async fn read(cache: &ReadCache, key: &CacheKey) -> Option<i64> {
        cache.get::<i64>(key).await.ok()
    }

    async fn fill(cache: &ReadCache, key: &CacheKey, value: i64) {
        let ticket = cache.get::<i64>(key).await.expect_err("a miss");
        let read: Result<i64, ()> = cache.read_once(ticket, key, || async move { Ok(value) }).await;
        assert_eq!(read, Ok(value));
    }

    /// `readers` look `key` up at once; each miss reads through a read that counts its runs
    /// and ends only once every reader has started.
    async fn many_at_once(
        cache: &ReadCache,
        key: &CacheKey,
        readers: usize,
        fail: bool,
    ) -> (Vec<Result<i64, &'static str>>, usize) {
        let runs = AtomicU64::new(0);
        let (open, opened) = tokio::sync::watch::channel(false);
        let lookups = (0..readers).map(|_| {
            let mut opened = opened.clone();
            let runs = &runs;
            async move {
                let ticket = match cache.get::<i64>(key).await {
                    Ok(value) => return Ok(value),
                    Err(ticket) => ticket,
                };
                cache
                    .read_once(ticket, key, || async move {
                        let run = runs.fetch_add(1, Ordering::SeqCst);
                        let _ = opened.wait_for(|open| *open).await;
                        if fail { Err("the database is down") } else { Ok(41 + run as i64) }
                    })
                    .await
            }
        });
        let opening = async {
            // join_all polls every lookup once before this runs again.
            tokio::task::yield_now().await;
            let _ = open.send(true);
        };
        let (results, ()) = tokio::join!(futures::future::join_all(lookups), opening);
        (results, runs.load(Ordering::SeqCst) as usize)
    }

    fn figures_stats(cache: &ReadCache) -> CacheStats {
        cache.stats().into_iter().find(|s| s.name == "figures").unwrap()
    }

    #[tokio::test]
    async fn misses_of_one_key_at_once_share_one_read() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = CacheKey::scoped(Kind::Figures, None, &"team dashboard");
        let (results, runs) = many_at_once(&cache, &key, 16, false).await;
        assert_eq!(runs, 1, "one read for sixteen misses");
        assert!(results.iter().all(|r| *r == Ok(41)), "everyone got the one read's value: {results:?}");
        let stats = figures_stats(&cache);
        assert_eq!((stats.misses, stats.joined, stats.hits), (1, 15, 0));
        assert_eq!(stats.hit_ratio, Some(15.0 / 16.0));
        assert_eq!(cache.local.flights.under_way(), 0, "the flight is over");
        assert_eq!(read(&cache, &key).await, Some(41), "and its value is kept");
    }

    #[tokio::test]
    async fn a_failed_read_is_not_handed_to_those_who_waited() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = CacheKey::scoped(Kind::Figures, None, &"team dashboard");
        let (results, runs) = many_at_once(&cache, &key, 4, true).await;
        assert!(results.iter().all(|r| r.is_err()), "{results:?}");
        assert_eq!(runs, 4, "each reader tried itself after the first read failed");
        assert_eq!(read(&cache, &key).await, None);
    }

    #[tokio::test]
    async fn a_reader_arriving_after_a_change_does_not_take_a_read_begun_before_it() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = CacheKey::scoped(Kind::Figures, None, &"team dashboard");
        let before = cache.get::<i64>(&key).await.expect_err("a miss");
        let (open, mut opened) = tokio::sync::watch::channel(false);
        let first = cache.read_once(before, &key, || async move {
            let _ = opened.wait_for(|open| *open).await;
            Ok::<_, ()>(1)
        });
        let after_a_change = async {
            tokio::task::yield_now().await;
            cache.changed(Change::organizations(&[], &[Uuid::now_v7()])).await;
            let ticket = cache.get::<i64>(&key).await.expect_err("a miss");
            let second = cache.read_once(ticket, &key, || async { Ok::<_, ()>(2) }).await;
            let _ = open.send(true);
            second
        };
        let (first, second) = tokio::join!(first, after_a_change);
        assert_eq!((first, second), (Ok(1), Ok(2)), "the later reader read for itself");
        // (The later read is kept unless it lands in the clock tick of the change, whose
        // invalidation then covers it too: a miss, never a stale value.)
        assert_ne!(read(&cache, &key).await, Some(1), "the read begun before the change is not kept");
    }

    #[tokio::test]
    async fn when_the_reader_goes_away_a_waiting_one_reads() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = CacheKey::scoped(Kind::Figures, None, &"team dashboard");
        let ticket = cache.get::<i64>(&key).await.expect_err("a miss");
        let abandoned = cache.read_once(ticket, &key, std::future::pending::<Result<i64, ()>>);
        let waiting = async {
            let ticket = cache.get::<i64>(&key).await.expect_err("a miss");
            cache.read_once(ticket, &key, || async { Ok::<_, ()>(3) }).await
        };
        tokio::pin!(waiting);
        // The first reader starts its read and the second waits for it; then the first's
        // request is cancelled.
        tokio::select! {
            biased;
            _ = abandoned => unreachable!("the read never ends"),
            _ = &mut waiting => unreachable!("it waits for the first"),
            () = tokio::task::yield_now() => {}
        }
        assert_eq!(waiting.await, Ok(3));
        assert_eq!(cache.local.flights.under_way(), 0);
    }

    #[tokio::test]
    async fn a_value_is_served_from_memory_once_stored() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = list_key(None, 1);
        fill(&cache, &key, 7).await;
        assert_eq!(cache.get::<i64>(&key).await.ok(), Some(7));
        let stats = cache.stats().into_iter().find(|s| s.name == "organization_lists").unwrap();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        assert_eq!(stats.hit_ratio, Some(0.5));
    }

    #[tokio::test]
    async fn scopes_never_share_an_entry() {
        let cache = ReadCache::new(CacheSettings::default());
        fill(&cache, &list_key(None, 1), 100).await;
        assert_eq!(read(&cache, &list_key(Some(Uuid::now_v7()), 1)).await, None, "a rep's page is not the manager's");
    }

    #[tokio::test]
    async fn a_change_forgets_only_what_it_made_stale() {
        let cache = ReadCache::new(CacheSettings::default());
        let (rep, other_rep) = (Uuid::now_v7(), Uuid::now_v7());
        let (org, other_org) = (Uuid::now_v7(), Uuid::now_v7());
        let everyone = list_key(None, 1);
        let reps_page = list_key(Some(rep), 1);
        let other_reps_page = list_key(Some(other_rep), 1);
        let detail = CacheKey::record(Kind::Organizations, org);
        let other_detail = CacheKey::record(Kind::Organizations, other_org);
        for (i, key) in [&everyone, &reps_page, &other_reps_page, &detail, &other_detail].into_iter().enumerate() {
            fill(&cache, key, i as i64).await;
        }
        cache.changed(Change::organizations(&[Some(rep)], &[org])).await;
        assert_eq!(read(&cache, &everyone).await, None, "managers see every organization");
        assert_eq!(read(&cache, &reps_page).await, None, "the assignee's view");
        assert_eq!(read(&cache, &detail).await, None, "the record itself");
        assert_eq!(read(&cache, &other_reps_page).await, Some(2), "another rep cannot see it");
        assert_eq!(read(&cache, &other_detail).await, Some(4), "another organization");
    }

    #[tokio::test]
    async fn a_read_under_way_during_a_change_is_not_kept() {
        let cache = ReadCache::new(CacheSettings::default());
        let key = list_key(None, 1);
        let before_the_change = cache.get::<i64>(&key).await.expect_err("a miss");
        let read_meanwhile = cache
            .read_once(before_the_change, &key, || async {
                cache.changed(Change::organizations(&[], &[Uuid::now_v7()])).await;
                Ok::<_, ()>(1)
            })
            .await;
        assert_eq!(read_meanwhile, Ok(1));
        assert_eq!(read(&cache, &key).await, None, "a value read before a change is not kept");
    }

    #[tokio::test]
    async fn clearing_by_prefix_keeps_the_rest() {
        let cache = ReadCache::new(CacheSettings::default());
        let org = Uuid::now_v7();
        fill(&cache, &list_key(None, 1), 1).await;
        fill(&cache, &CacheKey::record(Kind::Organizations, org), 2).await;
        cache.changed(Change::Prefix("organization_lists|".into())).await;
        assert_eq!(read(&cache, &list_key(None, 1)).await, None);
        assert_eq!(read(&cache, &CacheKey::record(Kind::Organizations, org)).await, Some(2));
        cache.changed(Change::everything()).await;
        assert_eq!(read(&cache, &CacheKey::record(Kind::Organizations, org)).await, None);
    }

    #[test]
    fn keys_name_their_kind_and_scope() {
        let rep = Uuid::nil();
        let key = CacheKey::scoped(Kind::ContactCounts, Some(rep), &());
        assert_eq!(key.as_str(), format!("contact_counts|{rep}|null"));
        assert_eq!(scope_of(key.as_str()), Some(rep.to_string().as_str()));
        assert_eq!(scope_of(CacheKey::record(Kind::Organizations, rep).as_str()), None);
        assert_eq!(Kind::of_key(key.as_str()), Some(Kind::ContactCounts));
    }
}
