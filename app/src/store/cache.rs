//! The in-process read cache (L1, `moka`): organization list pages — the list, its total and
//! the counts per priority, the costliest read of the app — keyed by everything that shapes
//! them, the user's scope included, so a rep never sees a page cached for someone who sees
//! more. Entries live for a TTL and within a size bound.
//!
//! Every committed change to organizations, contacts or users empties it. A generation
//! number makes that safe against a read that was under way during the change: a page read
//! before the change is not stored after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::notification::RemovalCause;
use serde::Serialize;

use super::OrganizationPage;
use crate::model::OrganizationQuery;

/// The cache's name in metrics and statistics.
pub const ORGANIZATION_LISTS: &str = "organization_lists";

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
    pub hits: u64,
    pub misses: u64,
    /// Entries pushed out by the size bound or expired by the TTL.
    pub evictions: u64,
    /// Hits over lookups since start (`None` before the first lookup).
    pub hit_ratio: Option<f64>,
    pub ttl_seconds: u64,
    pub max_entries: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

#[derive(Clone)]
pub struct ReadCache {
    lists: moka::sync::Cache<String, OrganizationPage>,
    generation: Arc<AtomicU64>,
    counters: Arc<Counters>,
    settings: CacheSettings,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// A ticket for storing what was read: only valid if nothing changed meanwhile.
pub struct Ticket(u64);

impl ReadCache {
    pub fn new(settings: CacheSettings) -> Self {
        let counters = Arc::new(Counters::default());
        let evictions = Arc::clone(&counters);
        let lists = moka::sync::Cache::builder()
            .max_capacity(settings.max_entries)
            .time_to_live(settings.ttl)
            .eviction_listener(move |_key, _value, cause| {
                if matches!(cause, RemovalCause::Size | RemovalCause::Expired) {
                    evictions.evictions.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("cache_evictions_total", "cache" => ORGANIZATION_LISTS).increment(1);
                }
            })
            .build();
        ReadCache { lists, generation: Arc::new(AtomicU64::new(0)), counters, settings }
    }

    /// The cached page for `query`, or a ticket to store the page once read.
    pub fn organization_page(&self, query: &OrganizationQuery) -> Result<OrganizationPage, Ticket> {
        // Taken before the lookup: a change from here on makes the ticket worthless.
        let ticket = Ticket(self.generation.load(Ordering::Acquire));
        match self.lists.get(&list_key(query)) {
            Some(page) => {
                self.counters.hits.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("cache_hits_total", "cache" => ORGANIZATION_LISTS).increment(1);
                Ok(page)
            }
            None => {
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("cache_misses_total", "cache" => ORGANIZATION_LISTS).increment(1);
                Err(ticket)
            }
        }
    }

    pub fn store_organization_page(&self, ticket: Ticket, query: &OrganizationQuery, page: &OrganizationPage) {
        if self.generation.load(Ordering::Acquire) == ticket.0 {
            self.lists.insert(list_key(query), page.clone());
        }
    }

    /// Something the cached pages show changed: forget them all.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.lists.invalidate_all();
    }

    pub fn stats(&self) -> Vec<CacheStats> {
        self.lists.run_pending_tasks();
        let hits = self.counters.hits.load(Ordering::Relaxed);
        let misses = self.counters.misses.load(Ordering::Relaxed);
        vec![CacheStats {
            name: ORGANIZATION_LISTS,
            entries: self.lists.entry_count(),
            hits,
            misses,
            evictions: self.counters.evictions.load(Ordering::Relaxed),
            hit_ratio: (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64),
            ttl_seconds: self.settings.ttl.as_secs(),
            max_entries: self.settings.max_entries,
        }]
    }
}

/// Everything that shapes a list page, the scope included (it is not serialized with the query).
fn list_key(query: &OrganizationQuery) -> String {
    let scope = query.visible_to.map_or_else(|| "all".to_owned(), |user| user.to_string());
    format!("{scope}|{}", serde_json::to_string(query).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Page;

    fn page(total: i64) -> OrganizationPage {
        OrganizationPage { page: Page { items: vec![], total, page: 1, per_page: 25 }, priority_counts: vec![] }
    }

    #[test]
    fn a_page_is_served_from_the_cache_once_stored() {
        let cache = ReadCache::new(CacheSettings::default());
        let query = OrganizationQuery::default();
        let ticket = cache.organization_page(&query).unwrap_err();
        cache.store_organization_page(ticket, &query, &page(7));
        assert_eq!(cache.organization_page(&query).ok(), Some(page(7)));
        let stats = &cache.stats()[0];
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        assert_eq!(stats.hit_ratio, Some(0.5));
    }

    #[test]
    fn scopes_never_share_a_page() {
        let cache = ReadCache::new(CacheSettings::default());
        let everyone = OrganizationQuery::default();
        let ticket = cache.organization_page(&everyone).unwrap_err();
        cache.store_organization_page(ticket, &everyone, &page(100));
        let rep = OrganizationQuery { visible_to: Some(uuid::Uuid::now_v7()), ..OrganizationQuery::default() };
        assert!(cache.organization_page(&rep).is_err(), "a rep's page is not the manager's");
    }

    #[test]
    fn a_change_empties_it_and_voids_reads_under_way() {
        let cache = ReadCache::new(CacheSettings::default());
        let query = OrganizationQuery::default();
        let ticket = cache.organization_page(&query).unwrap_err();
        cache.store_organization_page(ticket, &query, &page(1));
        cache.changed();
        assert!(cache.organization_page(&query).is_err(), "emptied");

        let before_the_change = cache.organization_page(&query).unwrap_err();
        cache.changed();
        cache.store_organization_page(before_the_change, &query, &page(1));
        assert!(cache.organization_page(&query).is_err(), "a page read before a change is not kept");
    }
}
