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
/// How many contacts' names (of all reps) a rep's search reads for names starting with the
/// query, when it has more matches than it weighs.
const CONTACT_NAMES_READ: i64 = 100;
/// Below this many hits, a search looks for near misses too.
const FEW: usize = 8;

/// Which of SQLite's full-text matches a query keeps.
#[derive(Clone, Copy)]
enum Order {
    /// The first found (by rowid).
    Any,
    /// The best by FTS5's `bm25`, name first.
    Bm25,
}

/// Where records containing the query are looked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// Names, places, emails and phones.
    All,
    /// Names only (which `rank` puts before other fields' matches).
    Names,
}

/// PostgreSQL's two trigram searches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trigram {
    /// Records containing the query, the first `CANDIDATES` + 1 found.
    Contains(Fields),
    /// Names similar to the query, the `CANDIDATES` most similar.
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
        let mut candidates = match query.fts_exact() {
            None => self.prefix_candidates(query, visible_to, None).await?,
            Some(_) => self.contains_candidates(query, visible_to).await?,
        };
        if candidates.len() < FEW
            && let Some(fuzzy) = query.fts_fuzzy()
        {
            let near = match self.db.kind() {
                BackendKind::Sqlite => self.fts_similar(&fuzzy, visible_to).await?,
                BackendKind::Postgres => self.trigram_matches(query, visible_to, Trigram::Similar).await?,
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

    /// Records containing the query. A rep's search usually has fewer matches than
    /// `CANDIDATES`, and then all of them are the candidates. Past that, names that start with
    /// the query come first, then names that contain it, then the rest: what `rank` puts
    /// first, without weighing every match (SQLite's `bm25`, counting each term over the whole
    /// index, took 6 ms for a common word; PostgreSQL's word similarity of the 1,694 accounts
    /// in a rep's town, 8 ms).
    async fn contains_candidates(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let all = self.containing(query, Fields::All, visible_to).await?;
        if all.len() as i64 <= CANDIDATES {
            return Ok(all);
        }
        // Reading every contact named `maria…` to find a rep's took 2.9 ms on SQLite at 100k
        // organizations (a table row and its account's for each), 500 of them 2.4 ms. 100 hold
        // ~5 of one rep's (one of 20 reps); names containing the query fill the rest.
        let mut best = self.prefix_candidates(query, visible_to, Some(CONTACT_NAMES_READ)).await?;
        if (best.len() as i64) < CANDIDATES {
            best.extend(self.containing(query, Fields::Names, visible_to).await?);
        }
        best.extend(all);
        let mut seen = std::collections::HashSet::new();
        best.retain(|hit| seen.insert(hit.1));
        best.truncate(CANDIDATES as usize);
        Ok(best)
    }

    /// Up to `CANDIDATES` + 1 records containing the query in `fields`, the first found (one
    /// more than is weighed tells there are more).
    async fn containing(
        &self,
        query: &SearchQuery,
        fields: Fields,
        visible_to: Option<Uuid>,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let (name, fts) = match fields {
            Fields::All => ("search.fts", query.fts_exact()),
            Fields::Names => ("search.fts_names", query.fts_names()),
        };
        // Phone numbers are not looked for in names.
        let Some(fts) = fts else { return Ok(Vec::new()) };
        match self.db.kind() {
            BackendKind::Sqlite => self.fts_matches(name, &fts, visible_to, Order::Any).await,
            BackendKind::Postgres => self.trigram_matches(query, visible_to, Trigram::Contains(fields)).await,
        }
    }

    /// SQLite: near misses; past `CANDIDATES` of them, those sharing the most trigrams by
    /// `bm25`, which is worth its cost there.
    async fn fts_similar(&self, fuzzy: &str, visible_to: Option<Uuid>) -> Result<Vec<(String, Uuid)>, StoreError> {
        let all = self.fts_matches("search.fts_similar", fuzzy, visible_to, Order::Any).await?;
        if all.len() as i64 <= CANDIDATES {
            return Ok(all);
        }
        self.fts_matches("search.fts_best", fuzzy, visible_to, Order::Bm25).await
    }

    /// SQLite: up to `CANDIDATES` matches of an FTS5 query (one more for `Order::Any`, which
    /// tells there are more). A rep's are read from the rep's own rowid range of the index
    /// (SQLite migration 20261216000001); `load_hits` checks who may see each record on the record.
    async fn fts_matches(
        &self,
        name: &'static str,
        fts: &str,
        visible_to: Option<Uuid>,
        order: Order,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let mut sql = Sql::new(
            name,
            "SELECT d.entity, d.ref FROM search_index s JOIN search_docs d ON d.doc = s.rowid \
             WHERE search_index MATCH $1",
        )
        .bind(fts);
        if let Some(user) = visible_to {
            sql.push(" AND s.rowid BETWEEN (SELECT slot << 32 FROM search_owners WHERE owner = ")
                .push_bind(user)
                .push(") AND (SELECT (slot << 32) + 4294967295 FROM search_owners WHERE owner = ")
                .push_bind(user)
                .push(") AND d.owner = ")
                .push_bind(user);
        }
        match order {
            Order::Any => sql.push(" LIMIT ").push_bind(CANDIDATES + 1),
            Order::Bm25 => sql.push(" ORDER BY bm25(search_index, 10.0, 2.0, 3.0, 3.0) LIMIT ").push_bind(CANDIDATES),
        };
        self.db.fetch_all(sql).await
    }

    /// Names that start with the query: the candidates of queries too short for trigrams, and
    /// the first of many matches. A range of the name indexes finds them on both databases:
    /// SQLite's through a range of code points (a rep's accounts through
    /// `organizations_assigned_idx`; `LIKE` cannot use a binary index and read every account
    /// and contact of the rep: 37 ms at 100k organizations), PostgreSQL's through `LIKE` on
    /// `text_pattern_ops` btrees, the rep first (migration 20261218000001). On SQLite contacts
    /// come from all reps' names, so a rep's share of a common first name is found among many:
    /// `contacts_read_at_most` bounds that reading where other candidates can fill the list
    /// (PostgreSQL's contacts carry their rep, so it reads the rep's only).
    async fn prefix_candidates(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
        contacts_read_at_most: Option<i64>,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let sqlite = self.db.kind() == BackendKind::Sqlite;
        // `column` starts with the query (both are search keys: case-folded, so a range of
        // code points and `LIKE` agree).
        let starts_with = |sql: &mut Sql, column: &str| {
            if sqlite {
                sql.push(&format!(" AND {column} >= ")).push_bind(query.text.clone());
                if let Some(end) = super::after_prefix(&query.text) {
                    sql.push(&format!(" AND {column} < ")).push_bind(end);
                }
            } else {
                sql.push(&format!(" AND {column} LIKE "))
                    .push_bind(super::prefix_pattern(&query.text))
                    .push(" ESCAPE '\\'");
            }
        };
        let mut sql =
            Sql::new("search.prefix", "SELECT 'organization', o.id FROM organizations o WHERE o.deleted_at IS NULL");
        starts_with(&mut sql, "o.name_search");
        if let Some(user) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(" UNION ALL SELECT 'contact', c.id FROM ");
        match contacts_read_at_most {
            Some(most) => {
                sql.push("(SELECT id, organization_id FROM contacts WHERE deleted_at IS NULL");
                starts_with(&mut sql, "name_search");
                // PostgreSQL's contacts carry their account's rep (migration 20261214000001).
                if let (false, Some(user)) = (sqlite, visible_to) {
                    sql.push(" AND assigned_user_id = ").push_bind(user);
                }
                sql.push(" LIMIT ").push_bind(most).push(")");
            }
            None => {
                sql.push("contacts");
            }
        }
        sql.push(" c JOIN organizations o ON o.id = c.organization_id AND o.deleted_at IS NULL WHERE TRUE");
        if contacts_read_at_most.is_none() {
            sql.push(" AND c.deleted_at IS NULL");
            starts_with(&mut sql, "c.name_search");
        }
        if let Some(user) = visible_to {
            // SQLite: from the names' index, not from every contact of the rep's accounts.
            sql.push(if sqlite { " AND +o.assigned_user_id = " } else { " AND o.assigned_user_id = " }).push_bind(user);
        }
        sql.push(" LIMIT ").push_bind(CANDIDATES);
        self.db.fetch_all(sql).await
    }

    /// PostgreSQL, through the trigram indexes: records containing the query (in the name or
    /// the place, an email starting with it, phone digits), or names similar to it by word
    /// similarity (typos included).
    async fn trigram_matches(
        &self,
        query: &SearchQuery,
        visible_to: Option<Uuid>,
        search: Trigram,
    ) -> Result<Vec<(String, Uuid)>, StoreError> {
        let (name, organization_match, contact_match) = match search {
            Trigram::Contains(Fields::All) => (
                "search.contains",
                "o.name_search LIKE $1 ESCAPE '\\' \
                 OR lower(coalesce(o.city, '') || ' ' || coalesce(o.region, '')) LIKE $1 ESCAPE '\\' \
                 OR o.email LIKE $2 ESCAPE '\\' OR o.phone LIKE $3 ESCAPE '\\'",
                "c.name_search LIKE $1 ESCAPE '\\' OR c.email LIKE $2 ESCAPE '\\' \
                 OR (coalesce(c.phone, '') || ' ' || coalesce(c.mobile, '')) LIKE $3 ESCAPE '\\'",
            ),
            Trigram::Contains(Fields::Names) => {
                ("search.contains_names", "o.name_search LIKE $1 ESCAPE '\\'", "c.name_search LIKE $1 ESCAPE '\\'")
            }
            Trigram::Similar => {
                ("search.similar", "$1 OPERATOR(public.<%) o.name_search", "$1 OPERATOR(public.<%) c.name_search")
            }
        };
        // Near misses are weighed by similarity; records containing the query are taken as
        // found, which spares reading every match (`contains_candidates`).
        let (organization_score, contact_score) = match search {
            Trigram::Similar => {
                (", public.word_similarity($1, o.name_search) AS score", ", public.word_similarity($1, c.name_search)")
            }
            Trigram::Contains(_) => ("", ""),
        };
        let mut sql = Sql::new(
            name,
            format!(
                "SELECT entity, ref FROM (SELECT 'organization' AS entity, o.id AS ref{organization_score} \
                 FROM organizations o WHERE o.deleted_at IS NULL AND ({organization_match})"
            ),
        );
        sql = match search {
            Trigram::Similar => sql.bind(query.text.as_str()),
            Trigram::Contains(Fields::Names) => sql.bind(super::contains_pattern(&query.text)),
            Trigram::Contains(Fields::All) => {
                let digits = query.digits.as_deref().map(super::contains_pattern);
                sql.bind(super::contains_pattern(&query.text)).bind(super::prefix_pattern(&query.text)).bind(digits)
            }
        };
        if let Some(user) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        sql.push(&format!(
            " UNION ALL SELECT 'contact', c.id{contact_score} FROM contacts c \
             WHERE c.deleted_at IS NULL AND ({contact_match})"
        ));
        // The contact's copy of its account's rep lets the trigram indexes keep the rep's
        // contacts only (migration 20261214000001). The account's own column stays the check,
        // in `load_hits`: joining the accounts here, the planner read all 5,000 of a rep's
        // through a trigram index's rep column (`maria`: 3.7 ms, 1.3 ms without).
        if let Some(user) = visible_to {
            sql.push(" AND c.assigned_user_id = ").push_bind(user);
        }
        match search {
            Trigram::Similar => sql.push(") hits ORDER BY score DESC LIMIT ").push_bind(CANDIDATES),
            Trigram::Contains(_) => sql.push(") hits LIMIT ").push_bind(CANDIDATES + 1),
        };
        // The planner prices the trigram indexes far above what they cost and scans every row
        // instead (165 ms against 30 ms for one table at 100k organizations): not here.
        // And near misses as near as the ranking keeps (pg_trgm's default, 0.6, would drop a
        // name with one letter left out, which SQLite's pass finds).
        let mut tx = self.db.begin().await?;
        tx.execute(Sql::new("search.plan", "SET LOCAL enable_seqscan = off")).await?;
        if search == Trigram::Similar {
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
