//! The store: every read and write of CRM records, on SQLite or PostgreSQL, behind one API.
//! Server-only. Every write validates, bumps `version`, and writes its `audit_log` row in
//! the same transaction.

mod access;
mod audit;
pub mod cache;
mod contacts;
mod dashboard;
pub mod db;
mod error;
mod imports;
mod interactions;
mod opportunities;
mod organizations;
mod search;
mod sessions;
mod sync;
mod table;
pub mod trace;
mod users;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

pub use access::Access;
pub use cache::{
    CacheKey, CacheSettings, CacheStats, Change, Kind, ReadCache, SharedCache, SharedCacheSettings, SharedStatus,
};
pub use dashboard::{ACTIVITY_WEEKS, DashboardFigures, DashboardQuery};
pub use db::{Arg, BackendKind, Db, DbOptions, PoolStats, QueryObserver, Record, SlowQuery, Sql, Tx};
pub use error::StoreError;
pub use opportunities::BoardQuery;
pub use organizations::OrganizationPage;
pub use sessions::{LoginAccount, SessionRecord};
pub use trace::{CacheOutcome, RequestTrace, TraceSummary};
pub use users::NewUser;

/// Who makes a change, and from where, as the audit log records it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Actor {
    /// `None` for changes made by the system itself (seeding, imports run by operators).
    pub user_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor::default()
    }

    pub fn user(user_id: Uuid) -> Self {
        Actor { user_id: Some(user_id), ..Actor::default() }
    }
}

/// The CRM's records on one database.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    cache: Option<ReadCache>,
}

impl Store {
    /// Connects and migrates.
    pub async fn open(options: &DbOptions) -> Result<Store, StoreError> {
        let db = Db::connect(options).await?;
        db.migrate().await?;
        Ok(Store { db, cache: None })
    }

    /// The same store reading hot lists through an in-process cache, and the shared one
    /// (Redis) behind it when given.
    pub fn with_cache(self, settings: CacheSettings, shared: Option<SharedCache>) -> Store {
        let cache = ReadCache::new(settings);
        let cache = match shared {
            Some(shared) => cache.with_shared(shared),
            None => cache,
        };
        Store { cache: Some(cache), ..self }
    }

    /// The store for one request: tallying its statements and cache lookups into the
    /// request's trace when it carries a [`RequestTrace`].
    pub fn for_request(&self, extensions: &http::Extensions) -> Store {
        match extensions.get::<RequestTrace>() {
            Some(trace) => Store { db: self.db.traced(trace.clone()), cache: self.cache.clone() },
            None => self.clone(),
        }
    }

    pub fn cache(&self) -> Option<&ReadCache> {
        self.cache.as_ref()
    }

    /// A change to what the cache holds was committed.
    async fn changed(&self, change: Change) {
        if let Some(cache) = &self.cache {
            cache.changed(change).await;
        }
    }

    /// Records under `organizations` (contacts, deals) changed: the scoped lists, counts and
    /// figures of everyone's view and their assignees' (an unknown assignee empties every
    /// view).
    async fn under_organizations_changed(&self, organizations: &[Uuid]) {
        if self.cache.is_none() {
            return;
        }
        let mut assignees = Vec::new();
        for (i, id) in organizations.iter().enumerate() {
            // A record moved within one account names it twice: read it once.
            if organizations[..i].contains(id) {
                continue;
            }
            match self.organization_any(*id).await {
                Ok(org) => assignees.push(org.assigned_user_id),
                Err(_) => return self.changed(Change::everything()).await,
            }
        }
        self.changed(Change::organizations(&assignees, &[])).await;
    }

    /// `read` through the cache, when the store has one; the lookup goes into the request's
    /// trace (`X-Cache`, `Server-Timing`).
    async fn cached<T, F>(&self, key: CacheKey, read: impl FnOnce() -> F) -> Result<T, StoreError>
    where
        T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
        F: std::future::Future<Output = Result<T, StoreError>>,
    {
        let Some(cache) = &self.cache else { return read().await };
        let started = std::time::Instant::now();
        let found = cache.get::<T>(&key).await;
        if let Some(trace) = self.db.trace() {
            trace.cache_lookup(found.is_ok(), started.elapsed());
        }
        match found {
            Ok(value) => Ok(value),
            Err(ticket) => cache.read_once(ticket, &key, read).await,
        }
    }

    /// Reads the home page's numbers for managers into the cache, so the first visit after
    /// a start does not pay for them.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        if self.cache.is_some() {
            self.list_organizations(&crate::model::OrganizationQuery::recently_updated()).await?;
            self.count_contacts(None).await?;
        }
        Ok(())
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn backend(&self) -> BackendKind {
        self.db.kind()
    }

    /// Whether the database answers a statement. (A plain `SELECT 1` is a 4-byte integer on
    /// PostgreSQL and an 8-byte one on SQLite; the cast makes both the same.)
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.fetch_one::<(i64,)>(Sql::new("health.ping", "SELECT CAST(1 AS BIGINT)")).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.db.close().await;
    }
}

/// The current time at the precision both databases keep (microseconds), so a value
/// read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A `LIKE` pattern matching `text` anywhere, with the wildcards in `text` taken literally
/// (use with `ESCAPE '\'`).
pub(crate) fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// A `LIKE` pattern matching values that start with `text`.
pub(crate) fn prefix_pattern(text: &str) -> String {
    format!("{}%", escape_like(text))
}

/// The least string above every string that starts with `text` (in code point order, which is
/// SQLite's byte order for UTF-8), so an index can find those strings by range; `None` when
/// there is none (`text` is empty or only the last code point).
pub(crate) fn after_prefix(text: &str) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    while let Some(last) = chars.pop() {
        // The next code point, stepping over the surrogates, which are not chars.
        if let Some(next) = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_searches_are_literal() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(prefix_pattern("ana"), "ana%");
    }

    #[test]
    fn the_end_of_a_prefix_range_is_the_next_string() {
        assert_eq!(after_prefix("ana").as_deref(), Some("anb"));
        assert_eq!(after_prefix("joe's ").as_deref(), Some("joe's!"));
        assert_eq!(after_prefix("caf\u{e9}").as_deref(), Some("caf\u{ea}"));
        assert_eq!(after_prefix("a\u{d7ff}").as_deref(), Some("a\u{e000}"), "past the surrogates");
        assert_eq!(after_prefix("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(after_prefix("\u{10ffff}"), None);
        assert_eq!(after_prefix(""), None);
        let (low, high) = ("kitchen", after_prefix("kitchen").unwrap());
        for inside in ["kitchen", "kitchen & bar", "kitchen\u{10ffff}"] {
            assert!(low <= inside && inside < high.as_str(), "{inside}");
        }
        assert!("kitcheo" >= high.as_str() && "kitche" < low);
    }
}
