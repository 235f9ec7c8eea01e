//! The one search box over organizations and contacts. Each database finds candidates with
//! its own index — SQLite's FTS5 trigram index (`search_index`), PostgreSQL's pg_trgm
//! indexes — then both load the same rows and rank them with the same pure rules
//! (`model::search`), so the two behave alike.

use uuid::Uuid;

use super::{BackendKind, Sql, Store, StoreError};
use crate::model::contact::full_name;
use crate::model::organization::place;
use crate::model::search::{FUZZY_MIN_SIMILARITY, HitKind, OtherFields, SearchHit, SearchQuery, rank, sort_hits};
use crate::model::{Position, validate::search_key};

/// How many candidates a search weighs before ranking.
const CANDIDATES: i64 = 60;
/// Below this many hits, a search looks for near misses too.
const FEW: usize = 8;

/// PostgreSQL's two passes over the trigram indexes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Contains,
    Similar,
}

impl Store {
    /// Organizations and contacts matching `query`, best first, at most `limit`; only those
    /// under accounts assigned to `visible_to` when given.
    pub async fn search(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        // Records containing the query first; near misses only when those are few, on both
        // databases (the fuzzy pass is the costly one).
        let mut candidates = match (self.db.kind(), query.fts_exact()) {
            (_, None) => self.prefix_candidates(query, visible_to).await?,
            (BackendKind::Sqlite, Some(fts)) => self.fts_candidates(&fts, visible_to).await?,
            (BackendKind::Postgres, Some(_)) => self.trigram_candidates(query, visible_to, Pass::Contains).await?,
        };
        if candidates.len() < FEW
            && let Some(fuzzy) = query.fts_fuzzy()
        {
            let near = match self.db.kind() {
                BackendKind::Sqlite => self.fts_candidates(&fuzzy, visible_to).await?,
                BackendKind::Postgres => self.trigram_candidates(query, visible_to, Pass::Similar).await?,
            };
            for hit in near {
                if !candidates.contains(&hit) {
                    candidates.push(hit);
                }
            }
        }
        let mut hits = self.load_hits(query, &candidates, visible_to).await?;
        sort_hits(&mut hits);
        hits.truncate(limit);
        Ok(hits)
    }

    /// SQLite: the best matches of an FTS5 query. A rep's search usually has fewer matches
    /// than `CANDIDATES`, and then all of them are the candidates, in any order: that is asked
    /// first, without `bm25`, which costs as much again as the match itself (it counts each
    /// term's documents over the whole index). Only when there are more are the best chosen.
    async fn fts_candidates(&self, fts: &str, visible_to: Option<Uuid>) -> Result<Vec<(String, Uuid)>, StoreError> {
        let matches = |name: &'static str| {
            let mut sql = Sql::new(
                name,
                "SELECT d.entity, d.ref FROM search_index s JOIN search_docs d ON d.doc = s.rowid \
                 WHERE search_index MATCH $1",
            )
            .bind(fts);
            // The owner narrows the matches (migration 20261211000002); `load_hits` checks who
            // may see each record on the record itself.
            if let Some(user) = visible_to {
                sql.push(" AND d.owner = ").push_bind(user);
            }
            sql
        };
        let mut all = matches("search.fts");
        all.push(" LIMIT ").push_bind(CANDIDATES + 1);
        let found = self.db.fetch_all(all).await?;
        if found.len() as i64 <= CANDIDATES {
            return Ok(found);
        }
        let mut best = matches("search.fts_best");
        best.push(" ORDER BY bm25(search_index, 10.0, 2.0, 3.0, 3.0) LIMIT ").push_bind(CANDIDATES);
        self.db.fetch_all(best).await
    }

    /// Queries too short for trigrams: names that start with them.
    async fn prefix_candidates(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let pattern = super::prefix_pattern(&query.text);
        let mut sql = Sql::new(
            "search.prefix",
            "SELECT 'organization', o.id FROM organizations o WHERE o.deleted_at IS NULL AND o.name_search LIKE $1 ESCAPE '\\'",
        )
        .bind(pattern.clone());
        if let Some(user) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(
            " UNION ALL SELECT 'contact', c.id FROM contacts c JOIN organizations o ON o.id = c.organization_id \
                  AND o.deleted_at IS NULL WHERE c.deleted_at IS NULL AND c.name_search LIKE ",
        )
        .push_bind(pattern)
        .push(" ESCAPE '\\'");
        if let Some(user) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(" LIMIT ").push_bind(CANDIDATES);
        self.db.fetch_all(sql).await
    }

    /// PostgreSQL, through the trigram indexes: records containing the query (in the name or
    /// the place, an email starting with it, phone digits), or names similar to it by word
    /// similarity (typos included).
    async fn trigram_candidates(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
        pass: Pass,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let (name, organization_match, contact_match) = match pass {
            Pass::Contains => (
                "search.contains",
                "o.name_search LIKE $2 ESCAPE '\\' \
                 OR lower(coalesce(o.city, '') || ' ' || coalesce(o.region, '')) LIKE $2 ESCAPE '\\' \
                 OR o.email LIKE $3 ESCAPE '\\' OR o.phone LIKE $4 ESCAPE '\\'",
                "c.name_search LIKE $2 ESCAPE '\\' OR c.email LIKE $3 ESCAPE '\\' \
                 OR (coalesce(c.phone, '') || ' ' || coalesce(c.mobile, '')) LIKE $4 ESCAPE '\\'",
            ),
            Pass::Similar => {
                ("search.similar", "$1 OPERATOR(public.<%) o.name_search", "$1 OPERATOR(public.<%) c.name_search")
            }
        };
        let mut sql = Sql::new(
            name,
            format!(
                "SELECT entity, ref FROM (\
                 SELECT 'organization' AS entity, o.id AS ref, public.word_similarity($1, o.name_search) AS score \
                 FROM organizations o WHERE o.deleted_at IS NULL AND ({organization_match})"
            ),
        )
        .bind(query.text.as_str());
        if pass == Pass::Contains {
            let digits = query.digits.as_deref().map(super::contains_pattern);
            sql = sql.bind(super::contains_pattern(&query.text)).bind(super::prefix_pattern(&query.text)).bind(digits);
        }
        if let Some(user) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(&format!(
            " UNION ALL SELECT 'contact', c.id, public.word_similarity($1, c.name_search) \
             FROM contacts c JOIN organizations o ON o.id = c.organization_id AND o.deleted_at IS NULL \
             WHERE c.deleted_at IS NULL AND ({contact_match})"
        ));
        // The contact's copy of its account's rep lets the trigram indexes keep the rep's
        // contacts only (migration 20261214000001); the account's own column stays the check.
        if let Some(user) = visible_to {
            sql.push(" AND c.assigned_user_id = ").push_bind(user).push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(") hits ORDER BY score DESC LIMIT ").push_bind(CANDIDATES);
        // The planner prices the trigram indexes far above what they cost and scans every row
        // instead (165 ms against 30 ms for one table at 100k organizations): not here.
        // And near misses as near as the ranking keeps (pg_trgm's default, 0.6, would drop a
        // name with one letter left out, which SQLite's pass finds).
        let mut tx = self.db.begin().await?;
        tx.execute(Sql::new("search.plan", "SET LOCAL enable_seqscan = off")).await?;
        if pass == Pass::Similar {
            let threshold = format!("SET LOCAL pg_trgm.word_similarity_threshold = {FUZZY_MIN_SIMILARITY}");
            tx.execute(Sql::new("search.threshold", threshold)).await?;
        }
        let candidates = tx.fetch_all(sql).await?;
        tx.commit().await?;
        Ok(candidates)
    }

    /// The candidates' rows (live, visible), ranked; candidates too far from the query drop out.
    async fn load_hits(
        &self,
        query: &SearchQuery,
        candidates: &[(String, Uuid)],
        visible_to: Option<Uuid>,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let ids =
            |entity: &str| -> Vec<Uuid> { candidates.iter().filter(|(e, _)| e == entity).map(|(_, id)| *id).collect() };
        let (org_ids, contact_ids) = (ids("organization"), ids("contact"));
        let mut hits = Vec::new();
        if !org_ids.is_empty() {
            let mut sql = Sql::new(
                "search.organizations",
                "SELECT id, name, name_search, city, region, email, phone FROM organizations \
                 WHERE deleted_at IS NULL AND id IN ",
            );
            sql.push_bind_list(org_ids);
            if let Some(user) = visible_to {
                sql.push(" AND assigned_user_id = ").push_bind(user);
            }
            type Row = (Uuid, String, String, Option<String>, Option<String>, Option<String>, Option<String>);
            for (id, name, key, city, region, email, phone) in self.db.fetch_all::<Row>(sql).await? {
                let place = place(city.as_deref(), region.as_deref());
                let fields =
                    OtherFields { place: place.as_deref(), email: email.as_deref(), phones: [phone.as_deref(), None] };
                if let Some((tier, similarity)) = rank(query, &key, fields) {
                    hits.push(SearchHit {
                        kind: HitKind::Organization,
                        id,
                        title: name,
                        detail: place,
                        email,
                        phone,
                        organization_id: id,
                        tier,
                        similarity,
                    });
                }
            }
        }
        if !contact_ids.is_empty() {
            let mut sql = Sql::new(
                "search.contacts",
                "SELECT c.id, c.first_name, c.last_name, c.position, c.email, c.phone, c.mobile, c.organization_id, \
                 o.name FROM contacts c JOIN organizations o ON o.id = c.organization_id AND o.deleted_at IS NULL \
                 WHERE c.deleted_at IS NULL AND c.id IN ",
            );
            sql.push_bind_list(contact_ids);
            if let Some(user) = visible_to {
                sql.push(" AND o.assigned_user_id = ").push_bind(user);
            }
            type Row = (
                Uuid,
                String,
                Option<String>,
                Option<Position>,
                Option<String>,
                Option<String>,
                Option<String>,
                Uuid,
                String,
            );
            for (id, first, last, position, email, phone, mobile, organization_id, organization) in
                self.db.fetch_all::<Row>(sql).await?
            {
                let name = full_name(&first, last.as_deref());
                let fields =
                    OtherFields { place: None, email: email.as_deref(), phones: [phone.as_deref(), mobile.as_deref()] };
                if let Some((tier, similarity)) = rank(query, &search_key(&name), fields) {
                    let detail = match position {
                        Some(position) => format!("{} · {organization}", position.label()),
                        None => organization,
                    };
                    hits.push(SearchHit {
                        kind: HitKind::Contact,
                        id,
                        title: name,
                        detail: Some(detail),
                        email,
                        phone: mobile.or(phone),
                        organization_id,
                        tier,
                        similarity,
                    });
                }
            }
        }
        Ok(hits)
    }
}
